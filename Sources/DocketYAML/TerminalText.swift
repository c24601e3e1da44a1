/// Makes text that came from outside (a user's file, a plugin, a request) safe to print in a
/// message: control characters (line breaks, ESC, BEL, CR, NUL, DEL, C1 controls) and the
/// Unicode line/paragraph separators become visible escapes, so such text can neither split a
/// message into forged lines (a fake `ok FILE`) nor drive the terminal.
public enum TerminalText {
    /// `text` as one line: every control character shown as `\n`, `\r`, `\t` or `\u{XX}`.
    public static func escaped(_ text: some StringProtocol) -> String {
        escape(text, keepingLines: false)
    }

    /// For multi-line text shown as a block (a plugin's log excerpt): line breaks and tabs are
    /// kept, everything else that could drive the terminal is escaped.
    public static func escapedKeepingLines(_ text: some StringProtocol) -> String {
        escape(text, keepingLines: true)
    }

    private static func escape(_ text: some StringProtocol, keepingLines: Bool) -> String {
        // Most text has nothing to escape: one pass over the bytes (tables run to 100,000 rows).
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) { return String(text) }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where keepingLines, 0x09 where keepingLines: out.unicodeScalars.append(scalar)
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
