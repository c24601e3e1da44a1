/// Markdown as HTML, safely: every character of the source is HTML-escaped first, then a
/// small subset is turned into tags: headings, paragraphs (line breaks kept, as official
/// documents lay them out), lists, block quotes, rules, tables, `**bold**`, `*emphasis*`
/// and `code`. Raw HTML in a document therefore shows as text and never runs; links are
/// left as text (a document's link could point anywhere).
public enum MarkdownHTML {
    /// `belowPageHeading`: a document shown inside a board page, whose own h1 is the page's:
    /// its headings move down one level (# → h2), so the page keeps one h1.
    public static func render(_ markdown: String, belowPageHeading: Bool = false) -> String {
        let shift = belowPageHeading ? 1 : 0
        var out: [String] = []
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var quote: [String] = []
        var table: [[String]] = []

        func flushParagraph() {
            if !paragraph.isEmpty { out.append("<p>" + paragraph.map(inline).joined(separator: "<br>\n") + "</p>") }
            paragraph = []
        }
        func flushList() {
            if let l = list {
                let tag = l.ordered ? "ol" : "ul"
                out.append("<\(tag)>" + l.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(tag)>")
            }
            list = nil
        }
        func flushQuote() {
            if !quote.isEmpty { out.append("<blockquote><p>" + quote.map(inline).joined(separator: "<br>\n") + "</p></blockquote>") }
            quote = []
        }
        func flushTable() {
            guard !table.isEmpty else { return }
            var rows = table
            var head: [String]?
            if rows.count >= 2, rows[1].allSatisfy({ $0.allSatisfy { "-: ".contains($0) } && $0.contains("-") }) {
                head = rows[0]
                rows.removeFirst(2)
            }
            var html = "<table>"
            if let head { html += "<thead><tr>" + head.map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead>" }
            html += "<tbody>" + rows.map { "<tr>" + $0.map { "<td>\(inline($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>"
            out.append(html)
            table = []
        }
        func flushAll() {
            flushParagraph()
            flushList()
            flushQuote()
            flushTable()
        }

        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = escape(String(rawLine).replacingOccurrences(of: "\r", with: ""))
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                flushAll()
                continue
            }
            if let level = headingLevel(trimmed) {
                flushAll()
                let text = trimmed.dropFirst(level).trimmingCharacters(in: .whitespaces)
                let shown = min(6, level + shift)
                out.append("<h\(shown)>\(inline(text))</h\(shown)>")
                continue
            }
            if trimmed.count >= 3, Set(trimmed).count == 1, "-*_".contains(trimmed.first!) {
                flushAll()
                out.append("<hr>")
                continue
            }
            if trimmed.hasPrefix("|") {
                flushParagraph()
                flushList()
                flushQuote()
                var cells = trimmed.dropFirst().split(separator: "|", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                if trimmed.hasSuffix("|"), !cells.isEmpty { cells.removeLast() }
                table.append(cells)
                continue
            }
            flushTable()
            if trimmed.hasPrefix("&gt;") {
                flushParagraph()
                flushList()
                quote.append(trimmed.dropFirst(4).trimmingCharacters(in: .whitespaces))
                continue
            }
            flushQuote()
            if let item = listItem(trimmed) {
                flushParagraph()
                if let l = list, l.ordered != item.ordered { flushList() }
                if list == nil { list = (item.ordered, []) }
                list!.items.append(item.text)
                continue
            }
            if list != nil, rawLine.hasPrefix("  ") {
                list!.items[list!.items.count - 1] += " " + trimmed
                continue
            }
            flushList()
            paragraph.append(trimmed)
        }
        flushAll()
        return out.joined(separator: "\n")
    }

    /// `&`, `<`, `>`, `"`, `'` as entities.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
        if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " {
            return (false, line.dropFirst(2).trimmingCharacters(in: .whitespaces))
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 3 {
            let rest = line.dropFirst(digits.count)
            if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return (true, rest.dropFirst(2).trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }

    /// `**bold**`, `*emphasis*`, `` `code` `` in already escaped text.
    static func inline(_ text: String) -> String {
        var s = wrap(text, "`", "code")
        s = wrap(s, "**", "strong")
        s = wrap(s, "*", "em")
        return s
    }

    /// Pairs of `marker` around non-empty text become `<tag>…</tag>`; an unpaired one stays.
    static func wrap(_ text: String, _ marker: String, _ tag: String) -> String {
        let pieces = text.components(separatedBy: marker)
        guard pieces.count >= 3 else { return text }
        var out = pieces[0]
        var i = 1
        while i < pieces.count {
            if i + 1 < pieces.count, !pieces[i].isEmpty {
                out += "<\(tag)>\(pieces[i])</\(tag)>" + pieces[i + 1]
                i += 2
            } else {
                out += marker + pieces[i]
                i += 1
            }
        }
        return out
    }
}
