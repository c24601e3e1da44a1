import DocketCore
import DocketYAML
import Foundation

/// An HTML form generated from a record schema (or a workflow's inputs), and its way back: the
/// submitted fields as the `Node` the library checks, exactly as it checks a YAML file.
///
/// Field names are schema paths: `decision`, `roll_call.for`, `questions[0].question`. A list of
/// words is one text area, one item a line; a list of mappings is rows of fields, with an "add
/// a row" submit button (`add=questions`) so it works without JavaScript; blank rows are left
/// out. Every node built carries a made-up mark (its line is a counter) remembered in
/// `FieldPlaces`, so each problem the library reports at a mark is shown at its field.
public struct SchemaForm: Sendable {
    public let schema: Schema

    public init(_ schema: Schema) {
        self.schema = schema
    }

    // MARK: - Submitted fields -> Node

    /// The record the submitted fields describe, and where each of its nodes came from.
    public func node(from values: FormValues) -> (node: Node, places: FieldPlaces) {
        var builder = NodeBuilder(values: values)
        let node = builder.mapping(schema, path: "", keepEmpty: true)!
        return (node, builder.places)
    }

    struct NodeBuilder {
        let values: FormValues
        var places = FieldPlaces()

        init(values: FormValues) {
            self.values = values
        }

        mutating func mark(for path: String, fields: [String] = []) -> Mark {
            places.paths.append(path)
            places.children[path] = fields
            return Mark(line: places.paths.count, column: 1)
        }

        mutating func mapping(_ schema: Schema, path: String, keepEmpty: Bool) -> Node? {
            let here = self.mark(for: path, fields: schema.fields.map { SchemaForm.join(path, $0.name) })
            var pairs: [Node.Pair] = []
            for field in schema.fields {
                let name = SchemaForm.join(path, field.name)
                if let value = node(for: field, name: name) {
                    pairs.append(Node.Pair(key: .scalar(field.name, at: here), value: value))
                }
            }
            if pairs.isEmpty && !keepEmpty { return nil }
            return Node(.mapping(pairs), mark: here)
        }

        mutating func node(for field: Field, name: String) -> Node? {
            switch field.type {
            case .object(let inner):
                return mapping(inner, path: name, keepEmpty: field.required)
            case .list(of: .object(let inner)?):
                let listMark = mark(for: name)
                var rows: [Node] = []
                for i in SchemaForm.rowIndices(of: name, in: values) {
                    // A row left blank (the spare one the form shows) is no row.
                    let prefix = "\(name)[\(i)]."
                    guard values.pairs.contains(where: { $0.name.hasPrefix(prefix) && !$0.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else { continue }
                    if let row = mapping(inner, path: "\(name)[\(i)]", keepEmpty: false) { rows.append(row) }
                }
                return rows.isEmpty ? nil : Node(.sequence(rows), mark: listMark)
            case .list(of: let element):
                let listMark = mark(for: name)
                let lines = SchemaForm.lines(values[name] ?? "")
                guard !lines.isEmpty else { return nil }
                return Node(.sequence(lines.map { scalar($0, typed: element ?? .string, at: listMark) }), mark: listMark)
            case .map:
                let mapMark = mark(for: name)
                let lines = SchemaForm.lines(values[name] ?? "")
                guard !lines.isEmpty else { return nil }
                return Node(.mapping(lines.map { line in
                    let (key, value) = line.firstIndex(of: ":").map {
                        (String(line[..<$0]), String(line[line.index(after: $0)...]))
                    } ?? (line, "")
                    return Node.Pair(key: .scalar(key.trimmingCharacters(in: .whitespaces), at: mapMark),
                                     value: scalar(value.trimmingCharacters(in: .whitespaces), typed: .string, at: mapMark))
                }), mark: mapMark)
            default:
                let fieldMark = mark(for: name)
                let raw = (values[name] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
                let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty {
                    // Blank text in a required text field reaches the library, which names it
                    // blank; any other blank field is simply not given.
                    guard field.required, SchemaForm.isText(field.type) else { return nil }
                }
                return scalar(SchemaForm.isText(field.type) ? raw : trimmed, typed: field.type, at: fieldMark)
            }
        }

        /// Text fields become quoted scalars (always strings); numbers and booleans plain ones,
        /// read by YAML's core schema as the CLI reads them (full-width digits made ASCII).
        func scalar(_ text: String, typed type: ValueType, at mark: Mark) -> Node {
            switch type {
            case .int, .number, .bool, .any:
                return Node(.scalar(text.precomposedStringWithCompatibilityMapping, .plain), mark: mark)
            default:
                return Node(.scalar(text, .doubleQuoted), mark: mark)
            }
        }
    }

    static func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : path + "." + name
    }

    static func isText(_ type: ValueType) -> Bool {
        switch type {
        case .string, .file, .folder, .oneOf: return true
        default: return false
        }
    }

    /// The non-blank lines of a text area, trimmed.
    static func lines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The row numbers submitted for the list `name` (`name[3].field`), in order.
    static func rowIndices(of name: String, in values: FormValues) -> [Int] {
        let prefix = name + "["
        var found = Set<Int>()
        for pair in values.pairs where pair.name.hasPrefix(prefix) {
            let rest = pair.name.dropFirst(prefix.count)
            if let close = rest.firstIndex(of: "]"), let i = Int(rest[..<close]), (0..<SchemaForm.maxRows).contains(i) { found.insert(i) }
        }
        return found.sorted()
    }

    /// At most this many rows of one list are read from a form.
    public static let maxRows = 200
}

/// Where each node of a form-built record came from, so that a problem the library reports at
/// a node's mark is shown at that field.
public struct FieldPlaces: Sendable {
    /// The field path of mark line `i + 1` ("" is the whole form).
    var paths: [String] = []
    /// The fields of each mapping's path, to place "is missing 'x'" at field x.
    var children: [String: [String]] = [:]

    public init() {}

    /// The library's problems by field path; those that belong to no field under "".
    public func place(_ diagnostics: [Diagnostic]) -> FieldErrors {
        var errors = FieldErrors()
        for d in diagnostics {
            var path = ""
            if let line = d.mark?.line, line >= 1, line <= paths.count { path = paths[line - 1] }
            // A mapping's problem about one of its fields ("is missing 'question'") goes to that field.
            if let fields = children[path], let field = fields.first(where: { d.message.contains("'\(($0.split(separator: ".").last).map(String.init) ?? $0)'") }) {
                path = field
            }
            errors.add(d.message, at: path)
        }
        return errors
    }
}

/// Messages by field path ("" for the form as a whole).
public struct FieldErrors: Sendable, Equatable {
    public private(set) var byField: [String: [String]] = [:]

    public init() {}

    public mutating func add(_ message: String, at path: String) {
        byField[path, default: []].append(message)
    }

    public subscript(_ path: String) -> [String] { byField[path] ?? [] }

    /// The messages for the form as a whole.
    public var general: [String] { self[""] }

    public var isEmpty: Bool { byField.isEmpty }
}
