import Foundation

/// A typed value: case inputs, step `with:` after expressions, step outputs and what a person
/// records. Stored in the journal as JSON. Dates are `YYYY-MM-DD` strings.
public enum Value: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case map([String: Value])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let l = try? c.decode([Value].self) { self = .list(l) }
        else { self = .map(try c.decode([String: Value].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        case .map(let m): try c.encode(m)
        }
    }

    /// The value as text, the way it appears when interpolated into a string.
    public var description: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): return s
        case .list, .map:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? ""
        }
    }

    /// The kind of value in the words an error message uses.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "text"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    public subscript(key: String) -> Value? {
        if case .map(let m) = self { return m[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A plain Swift form (dictionaries, arrays, strings, numbers) for template engines.
    public var plain: Any {
        switch self {
        case .null: return ""
        case .bool(let b): return b
        case .int(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        case .list(let l): return l.map(\.plain)
        case .map(let m): return m.mapValues(\.plain)
        }
    }
}

import DocketYAML

extension Node {
    /// A node built from a value (at no source position), so values can be checked with the same
    /// schema code as parsed files.
    public init(value: Value) {
        let mark = Mark(line: 0, column: 0)
        switch value {
        case .null: self.init(.scalar("", .plain), mark: mark)
        case .bool, .int, .double: self.init(.scalar(value.description, .plain), mark: mark)
        case .string(let s): self.init(.scalar(s, .doubleQuoted), mark: mark)
        case .list(let items): self.init(.sequence(items.map(Node.init(value:))), mark: mark)
        case .map(let m):
            self.init(.mapping(m.sorted { $0.key < $1.key }.map {
                Node.Pair(key: Node(.scalar($0.key, .plain), mark: mark), value: Node(value: $0.value))
            }), mark: mark)
        }
    }
}
