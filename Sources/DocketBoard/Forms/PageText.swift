import Foundation

/// Text from the library, a step or a plugin as a page may show it: a place on the server
/// (`/srv/docket/uploads/…/資料1-1.md`) is named by its last part only (`資料1-1.md`), so no
/// page tells a reader where the workspace lives or how it is laid out.
enum PageText {
    /// An absolute path not preceded by a word character (so 2026/11/20 and a/b stay).
    private static let path = try! NSRegularExpression(
        pattern: #"(?<![\p{L}\p{N}_./~-])/(?:[^\s'"「」『』（）()、。，,;:<>]+/)*[^\s'"「」『』（）()、。，,;:<>/]*/?"#)

    static func withoutServerPaths(_ text: String) -> String {
        guard text.contains("/") else { return text }
        let whole = NSRange(text.startIndex..., in: text)
        var out = text
        for match in path.matches(in: text, range: whole).reversed() {
            guard let range = Range(match.range, in: out) else { continue }
            let found = String(out[range])
            let parts = found.split(separator: "/")
            guard parts.count >= 2 else { continue }  // "/" alone, or "/word": not a place
            out.replaceSubrange(range, with: String(parts.last!))
        }
        return out
    }
}
