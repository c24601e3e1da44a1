import Foundation

/// What of a document the search reads: its text as a person reads it. An HTML rendition of a
/// Markdown document beside it is the same text again (left out, so a hit is shown once); any
/// other HTML is read without its tags, styles and scripts (a hit never shows markup).
enum SearchableText {
    /// The documents of one step to index, with the text to index for each.
    static func pick(_ paths: [String]) -> Set<String> {
        let markdown = Set(paths.filter { ($0 as NSString).pathExtension.lowercased() == "md" }.map { ($0 as NSString).deletingPathExtension })
        return Set(paths.filter { path in
            let ext = (path as NSString).pathExtension.lowercased()
            return !((ext == "html" || ext == "htm") && markdown.contains((path as NSString).deletingPathExtension))
        })
    }

    /// `text` as read: HTML without markup (entities of the common kind decoded), else as it is.
    static func text(_ text: String, path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext == "html" || ext == "htm" else { return text }
        var out = text
        for element in ["style", "script", "head"] {
            out = out.replacingOccurrences(of: "<\(element)\\b[^>]*>.*?</\(element)\\s*>", with: " ",
                                           options: [.regularExpression, .caseInsensitive])
        }
        out = out.replacingOccurrences(of: "<(br|/p|/div|/li|/h[1-6]|/tr)\\b[^>]*>", with: "\n", options: [.regularExpression, .caseInsensitive])
        out = out.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: character)
        }
        return out.replacingOccurrences(of: "\n[ \t]*\n([ \t]*\n)+", with: "\n\n", options: .regularExpression)
    }
}
