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
    ///
    /// A field that names a place on the server (a folder or a file) never takes its value
    /// from the request: only from `files`, the board's own uploads for this form by field
    /// path (`materials` → `…/uploads/CASE/record-draft/materials`). A request that writes a
    /// path into such a field (`materials=/etc`) is refused at that field, nothing recorded:
    /// a path from a request is never opened on the server.
    public func node(from values: FormValues, files: [String: String] = [:]) throws -> (node: Node, places: FieldPlaces) {
        var builder = NodeBuilder(values: values, files: files)
        let node = builder.mapping(schema, path: "", keepEmpty: true)!
        guard builder.namedPaths.isEmpty else {
            var refusal = Refusal(status: 422, message: "ファイルやフォルダの欄には、サーバー上の場所を書くことはできません。ファイルはその欄から添付してください。何も記録していません。")
            refusal.diagnostics = builder.namedPaths.map { path, line in
                Diagnostic(file: "form", mark: Mark(line: line, column: 1),
                           message: "この欄にはファイルを添付してください（場所を書いて指定することはできません）。")
            }
            throw refusal.placed(builder.places)
        }
        return (node, builder.places)
    }

    /// Whether the schema has a field that takes files (the form must then be sent as multipart).
    public var takesFiles: Bool { Self.pathFields(schema, path: "").isEmpty == false }

    /// The paths of the fields that name a folder or a file (nested mappings included).
    static func pathFields(_ schema: Schema, path: String) -> [(name: String, type: ValueType)] {
        schema.fields.flatMap { field -> [(name: String, type: ValueType)] in
            let name = join(path, field.name)
            switch field.type {
            case .folder, .file: return [(name, field.type)]
            case .object(let inner): return pathFields(inner, path: name)
            default: return []
            }
        }
    }

    struct NodeBuilder {
        let values: FormValues
        let files: [String: String]
        var places = FieldPlaces()
        /// Path fields the request wrote a value into, with their marks' lines.
        var namedPaths: [(String, Int)] = []

        init(values: FormValues, files: [String: String]) {
            self.values = values
            self.files = files
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
                switch element {
                case .folder?, .file?:
                    // A list of server paths is never taken from a request.
                    namedPaths.append((name, listMark.line))
                    return nil
                default:
                    return Node(.sequence(lines.map { scalar($0, typed: element ?? .string, at: listMark) }), mark: listMark)
                }
            case .folder, .file:
                let fieldMark = mark(for: name)
                if let path = files[name] { return Node(.scalar(path, .doubleQuoted), mark: fieldMark) }
                if !(values[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    namedPaths.append((name, fieldMark.line))
                }
                return nil
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

    /// The library's problems by field path; those that belong to no field under "". A problem
    /// is placed by its English message (which quotes the field's key) and shown in Japanese.
    public func place(_ diagnostics: [Diagnostic]) -> FieldErrors {
        var errors = FieldErrors()
        for d in diagnostics {
            var path = ""
            if let line = d.mark?.line, line >= 1, line <= paths.count { path = paths[line - 1] }
            // A mapping's problem about one of its fields ("is missing 'question'") goes to that field.
            if let fields = children[path], let field = fields.first(where: { d.message.contains("'\(($0.split(separator: ".").last).map(String.init) ?? $0)'") }) {
                path = field
            }
            errors.add(d.japanese ?? d.message, at: path)
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
