/// Reads a mapping node field by field for strict decoding: every key the caller does not take
/// is reported as unknown (with the nearest valid key suggested), duplicates are reported, and
/// non-string keys are refused. Problems go to the caller's `Diagnostics`, so one pass reports
/// them all.
public struct StrictMapping {
    public let node: Node
    /// What this mapping is, for messages ("the workflow", "step 'draft'").
    public let what: String
    private var entries: [(key: String, pair: Node.Pair)] = []
    private var taken: Set<String> = []

    /// Starts reading `node` as a mapping; reports and returns nil when it is not one.
    public init?(_ node: Node, what: String, diagnostics: inout Diagnostics) {
        guard let pairs = node.pairs else {
            diagnostics.error("\(what) must be a mapping of 'key: value' lines, not \(node.kindName)", at: node.mark)
            return nil
        }
        self.node = node
        self.what = what
        var seen: [String: Mark] = [:]
        for pair in pairs {
            guard let key = pair.key.scalarText, pair.key.pairs == nil else {
                diagnostics.error("keys in \(what) must be plain words, not \(pair.key.kindName)", at: pair.key.mark)
                continue
            }
            if let first = seen[key] {
                diagnostics.error("'\(key)' appears twice in \(what) (first at line \(first.line)); keep one", at: pair.key.mark)
                continue
            }
            seen[key] = pair.key.mark
            entries.append((key, pair))
        }
    }

    /// The keys, in source order.
    public var keys: [String] { entries.map(\.key) }

    /// All entries, in source order, marking them as taken (for free-form mappings).
    public mutating func takeAll() -> [(key: String, keyNode: Node, value: Node)] {
        for e in entries { taken.insert(e.key) }
        return entries.map { ($0.key, $0.pair.key, $0.pair.value) }
    }

    /// The value of `key`, or nil when absent.
    public mutating func take(_ key: String) -> Node? {
        taken.insert(key)
        return entries.first(where: { $0.key == key })?.pair.value
    }

    /// The value of `key`, reporting its absence.
    public mutating func require(_ key: String, _ hint: String, diagnostics: inout Diagnostics) -> Node? {
        if let value = take(key) { return value }
        diagnostics.error("\(what) is missing '\(key)': \(hint)", at: node.mark)
        return nil
    }

    /// Reports every key not taken, suggesting the nearest of `known` where one is close.
    public func rejectUnknown(known: [String], diagnostics: inout Diagnostics) {
        for e in entries where !taken.contains(e.key) {
            var message = "unknown key '\(e.key)' in \(what)"
            if let near = Suggest.nearest(to: e.key, among: known) {
                message += "; did you mean '\(near)'?"
            } else {
                message += "; expected one of: \(known.joined(separator: ", "))"
            }
            diagnostics.error(message, at: e.pair.key.mark)
        }
    }
}

/// Scalar readers that report a wrong type at the node's mark.
public enum Read {
    public static func string(_ node: Node, _ what: String, _ d: inout Diagnostics) -> String? {
        guard case .scalar(let text, _) = node.content, case .string = node.resolved else {
            d.error("\(what) must be text, not \(node.kindName)\(node.resolved == .null ? " (write a value after the colon)" : "")", at: node.mark)
            return nil
        }
        return text
    }

    /// A scalar read as text whatever its core type (`1` → "1"), refusing null and collections.
    public static func text(_ node: Node, _ what: String, _ d: inout Diagnostics) -> String? {
        guard let text = node.scalarText, node.resolved != .null else {
            d.error("\(what) must be a value, not \(node.kindName)", at: node.mark)
            return nil
        }
        return text
    }

    public static func int(_ node: Node, _ what: String, _ d: inout Diagnostics) -> Int? {
        guard case .int(let i) = node.resolved, node.scalarText != nil else {
            d.error("\(what) must be a whole number, not \(node.kindName)", at: node.mark)
            return nil
        }
        return i
    }

    public static func bool(_ node: Node, _ what: String, _ d: inout Diagnostics) -> Bool? {
        guard case .bool(let b) = node.resolved, node.scalarText != nil else {
            var hint = ""
            if let t = node.scalarText, ["yes", "no", "on", "off", "y", "n"].contains(t.lowercased()) {
                hint = " ('\(t)' is text in YAML 1.2; write true or false)"
            }
            d.error("\(what) must be true or false, not \(node.kindName)\(hint)", at: node.mark)
            return nil
        }
        return b
    }

    public static func list(_ node: Node, _ what: String, _ d: inout Diagnostics) -> [Node]? {
        guard let items = node.items else {
            d.error("\(what) must be a list ('- item' lines), not \(node.kindName)", at: node.mark)
            return nil
        }
        return items
    }
}

/// Nearest-word suggestions for misspelt keys and names.
public enum Suggest {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
    public static func nearest(to word: String, among candidates: [String]) -> String? {
        // Close enough to be a slip, and never a whole replacement ("y" is not a typo of "x").
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c.lowercased())
            if d <= limit, d < word.count, best == nil || d < best!.1 { best = (c, d) }
        }
        if let best { return best.0 }
        // A shortened key ("keep" for "keep-archive") names its one completion.
        let completions = candidates.filter { word.count >= 3 && $0.lowercased().hasPrefix(word.lowercased()) }
        return completions.count == 1 ? completions[0] : nil
    }

    /// Levenshtein distance over Unicode scalars.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
