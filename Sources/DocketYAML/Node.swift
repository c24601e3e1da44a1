/// A position in a YAML source: 1-based line and column, columns counted in Unicode scalars.
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: Mark, b: Mark) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// How a scalar was written; quoted and block scalars are always strings.
public enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// One node of a parsed YAML document, keeping where it started so that any later error
/// (even deep inside a step's `with:`) can name `file:line:column`.
public struct Node: Sendable {
    public enum Content: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([Node])
        case mapping([Pair])
    }

    /// One key/value entry of a mapping, in source order (duplicates are kept so that strict
    /// decoding can report them).
    public struct Pair: Sendable {
        public var key: Node
        public var value: Node
        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var content: Content
    public var mark: Mark
    /// The explicit tag (`!!str`, `!local`, …) in its full form, if the source gave one.
    public var tag: String?

    public init(_ content: Content, mark: Mark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }

    /// A convenience for building nodes in code: a plain scalar at an unknown place.
    public static func scalar(_ text: String, at mark: Mark = Mark(line: 0, column: 0)) -> Node {
        Node(.scalar(text, .plain), mark: mark)
    }

    /// The node's kind in the words an error message uses.
    public var kindName: String {
        switch content {
        case .scalar: return resolved.kindName
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The scalar text, if this node is a scalar.
    public var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The mapping entries, if this node is a mapping.
    public var pairs: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value of the first entry whose key is `key`, if this node is a mapping.
    public func value(forKey key: String) -> Node? {
        pairs?.first { $0.key.scalarText == key }?.value
    }

    /// The items, if this node is a sequence.
    public var items: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }
}
