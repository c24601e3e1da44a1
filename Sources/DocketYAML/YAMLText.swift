/// Text Docket writes into YAML files it generates (docket.yaml, council.yaml, a meeting's
/// definition), so that whatever a clerk typed reads back as the same string.
public enum YAMLText {
    /// `s` as a double-quoted YAML scalar: backslash, quote and control characters escaped.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
