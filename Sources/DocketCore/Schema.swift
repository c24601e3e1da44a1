import DocketYAML
import Foundation

/// The type of one field: of a workflow input, a step's `with:`, or what a person records.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case string
    case int
    case number
    case bool
    /// A calendar date, written `YYYY-MM-DD`.
    case date
    case list(of: ValueType?)
    case map(of: ValueType?)
    /// A nested mapping with fields of its own.
    case object(Schema)
    /// One of a fixed set of words.
    case oneOf([String])
    /// A file path relative to the workflow file; snapshotted into the case at `docket new`.
    case file
    /// A folder given at `docket new` (relative to the current folder); it must exist, and is
    /// kept as an absolute path. Steps copy what they need from it into the case.
    case folder
    case any

    /// The type names a workflow or plugin manifest may write in a `type:` field.
    public static let declarableNames = ["string", "int", "number", "bool", "date", "list", "map", "folder"]

    /// Parses a declared type name (`string`, `int`, `bool`, `date`, `list`, `map`, `number`).
    public init?(declared name: String) {
        switch name {
        case "string": self = .string
        case "int": self = .int
        case "number": self = .number
        case "bool": self = .bool
        case "date": self = .date
        case "list": self = .list(of: nil)
        case "map": self = .map(of: nil)
        case "folder": self = .folder
        default: return nil
        }
    }

    /// The declarable type a misspelt or foreign type name most likely means.
    public static func suggestion(for name: String) -> String? {
        let aliases = ["integer": "int", "str": "string", "text": "string", "boolean": "bool", "float": "number",
                       "double": "number", "array": "list", "sequence": "list", "dict": "map", "object": "map",
                       "mapping": "map", "datetime": "date"]
        let candidates = declarableNames.map { ($0, $0) } + aliases.map { ($0.key, $0.value) }
        guard let near = Suggest.nearest(to: name.lowercased(), among: candidates.map(\.0)) else { return nil }
        return candidates.first { $0.0 == near }?.1
    }

    public var description: String {
        switch self {
        case .string: return "text"
        case .int: return "a whole number"
        case .number: return "a number"
        case .bool: return "true or false"
        case .date: return "a date (YYYY-MM-DD)"
        case .list(let t): return t.map { "a list of \($0)" } ?? "a list"
        case .map: return "a mapping"
        case .object: return "a mapping"
        case .oneOf(let words): return "one of: \(words.joined(separator: ", "))"
        case .file: return "a file path relative to the workflow"
        case .folder: return "a folder path"
        case .any: return "any value"
        }
    }
}

/// One named field of a schema.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var required: Bool
    public var defaultValue: Value?
    public var description: String
    /// A short name for people (「諮問日」); empty: `FieldNames` names it.
    public var label: String
    /// A sentence of help shown under the label on the board.
    public var help: String

    public init(_ name: String, _ type: ValueType, required: Bool = false, default defaultValue: Value? = nil,
                description: String = "", label: String = "", help: String = "") {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.description = description
        self.label = label
        self.help = help
    }
}

/// The fields a mapping may hold. Unknown fields are errors (a typo is never accepted silently).
public struct Schema: Sendable, Hashable {
    public var fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    public static let empty = Schema([])

    public func field(_ name: String) -> Field? {
        fields.first { $0.name == name }
    }
}

// MARK: - Validating values against a schema

/// Handles a scalar holding `${{ … }}` during decoding: at validation it checks the references,
/// at run time it evaluates and type-checks the value. Arguments: the node, the expected type,
/// what the value is (for messages), and where to report problems.
public typealias DynamicValue = (Node, ValueType, String, inout Diagnostics) -> Value?

/// Checks nodes (with their marks) and values against schemas, reporting every problem.
public enum SchemaCheck {
    /// Whether `text` is a real calendar date written `YYYY-MM-DD`.
    public static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1 else { return false }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// Decodes a mapping node against `schema`: missing required fields, unknown fields and wrong
    /// types are reported at their marks. Defaults fill absent optional fields.
    public static func decode(_ node: Node, against schema: Schema, what: String,
                              diagnostics d: inout Diagnostics, dynamic: DynamicValue? = nil) -> [String: Value] {
        if node.resolved == .null, node.scalarText != nil {
            // An absent or empty mapping: only the required fields are missing.
            for field in schema.fields where field.required {
                d.error(.missing(what: what, field: field), at: node.mark)
            }
            return defaults(of: schema)
        }
        guard var mapping = StrictMapping(node, what: what, diagnostics: &d) else { return [:] }
        var result: [String: Value] = [:]
        for field in schema.fields {
            if let valueNode = mapping.take(field.name) {
                if let v = decode(valueNode, as: field.type, subject: MessageSubject(field: field), diagnostics: &d, dynamic: dynamic) {
                    // Blank text in a required field is as good as missing (an answer to 「 様」).
                    if field.required, case .string = field.type, case .string(let text) = v, text.trimmingWhitespace.isEmpty {
                        d.error(.blank(field), at: valueNode.mark)
                    }
                    result[field.name] = v
                }
            } else if field.required {
                d.error(.missing(what: what, field: field), at: node.mark)
            } else if let def = field.defaultValue {
                result[field.name] = def
            }
        }
        mapping.rejectUnknown(known: schema.fields.map(\.name), diagnostics: &d)
        if dynamic != nil {
            for field in schema.fields where field.required && result[field.name] == .null {
                let mark = node.value(forKey: field.name)?.mark ?? node.mark
                d.error(.nothingFromExpression(field), at: mark)
            }
        }
        return result.filter { $0.value != .null }
    }

    static func defaults(of schema: Schema) -> [String: Value] {
        var result: [String: Value] = [:]
        for f in schema.fields { if let v = f.defaultValue { result[f.name] = v } }
        return result
    }

    /// Decodes one node as `type`.
    public static func decode(_ node: Node, as type: ValueType, what: String,
                              diagnostics d: inout Diagnostics, dynamic: DynamicValue? = nil) -> Value? {
        decode(node, as: type, subject: MessageSubject(english: what), diagnostics: &d, dynamic: dynamic)
    }

    /// Decodes one node as `type`, naming it `subject` in both languages' messages.
    public static func decode(_ node: Node, as type: ValueType, subject: MessageSubject,
                              diagnostics d: inout Diagnostics, dynamic: DynamicValue? = nil) -> Value? {
        let what = subject.english
        if let dynamic, let text = node.scalarText, text.contains("${{") {
            return dynamic(node, type, what, &d)
        }
        func wrong() -> Value? {
            d.error(.wrongType(subject, type, got: node.kindName), at: node.mark)
            return nil
        }
        switch type {
        case .any:
            switch node.content {
            case .scalar: return plainValue(node)
            case .sequence: return decode(node, as: .list(of: .any), subject: subject, diagnostics: &d, dynamic: dynamic)
            case .mapping: return decode(node, as: .map(of: .any), subject: subject, diagnostics: &d, dynamic: dynamic)
            }
        case .string, .file, .folder:
            guard let text = node.scalarText, case .string = node.resolved else {
                // Numbers and booleans written for a text field are accepted as their text.
                if let text = node.scalarText, node.resolved != .null { return .string(text) }
                return wrong()
            }
            return .string(text)
        case .int:
            guard case .int(let i) = node.resolved, node.scalarText != nil else { return wrong() }
            return .int(i)
        case .number:
            switch node.resolved {
            case .int(let i) where node.scalarText != nil: return .int(i)
            case .float(let x) where node.scalarText != nil: return .double(x)
            default: return wrong()
            }
        case .bool:
            guard case .bool(let b) = node.resolved, node.scalarText != nil else {
                let hint = node.scalarText.flatMap { ["yes", "no", "on", "off", "y", "n"].contains($0.lowercased()) ? $0 : nil }
                d.error(.notBool(subject, got: node.kindName, hint: hint), at: node.mark)
                return nil
            }
            return .bool(b)
        case .date:
            guard let text = node.scalarText else {
                d.error(.dateNotText(subject, got: node.kindName), at: node.mark)
                return nil
            }
            switch CalendarDate.parse(text) {
            case .success(let iso): return .string(iso)
            case .failure(let problem):
                d.error(.date(subject, problem), at: node.mark)
                return nil
            }
        case .oneOf(let words):
            guard let text = node.scalarText, words.contains(text) else {
                d.error(.notOneOf(subject, words, given: node.scalarText), at: node.mark)
                return nil
            }
            return .string(text)
        case .list(let element):
            guard let items = node.items else { return wrong() }
            var values: [Value] = []
            for (i, item) in items.enumerated() {
                if let element {
                    if let v = decode(item, as: element, subject: subject.item(i + 1), diagnostics: &d, dynamic: dynamic) { values.append(v) }
                } else {
                    values.append(decode(item, as: .any, subject: subject.item(i + 1), diagnostics: &d, dynamic: dynamic) ?? .null)
                }
            }
            return .list(values)
        case .map(let element):
            guard var mapping = StrictMapping(node, what: what, diagnostics: &d) else { return nil }
            var values: [String: Value] = [:]
            for (key, _, valueNode) in mapping.takeAll() {
                if let element {
                    if let v = decode(valueNode, as: element, subject: subject.entry(key), diagnostics: &d, dynamic: dynamic) { values[key] = v }
                } else {
                    values[key] = decode(valueNode, as: .any, subject: subject.entry(key), diagnostics: &d, dynamic: dynamic) ?? .null
                }
            }
            return .map(values)
        case .object(let schema):
            guard node.pairs != nil else { return wrong() }
            return .map(decode(node, against: schema, what: what, diagnostics: &d, dynamic: dynamic))
        }
    }

    /// A node's value with no schema: scalars by the core schema, collections recursively.
    public static func plainValue(_ node: Node) -> Value {
        switch node.content {
        case .sequence(let items): return .list(items.map(plainValue))
        case .mapping(let pairs):
            var m: [String: Value] = [:]
            for p in pairs { m[p.key.scalarText ?? ""] = plainValue(p.value) }
            return .map(m)
        case .scalar:
            switch node.resolved {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .float(let x): return .double(x)
            case .string(let s): return .string(s)
            }
        }
    }

    /// Checks a value computed at run time (after expressions) against `type`; returns the
    /// problem in words, or nil when it fits.
    public static func problem(with value: Value, as type: ValueType) -> String? {
        switch (type, value) {
        case (.any, _): return nil
        case (_, .null): return nil  // an optional input that was not given; required fields are checked apart
        case (.string, .string), (.file, .string), (.folder, .string): return nil
        case (.string, .int), (.string, .double), (.string, .bool): return nil
        case (.int, .int), (.number, .int), (.number, .double), (.bool, .bool): return nil
        case (.date, .string(let s)):
            if case .failure(let p) = CalendarDate.parse(s) { return p.description }
            return nil
        case (.oneOf(let words), .string(let s)): return words.contains(s) ? nil : "'\(s)' is not one of: \(words.joined(separator: ", "))"
        case (.list(let element), .list(let items)):
            guard let element else { return nil }
            for (i, item) in items.enumerated() {
                if let p = problem(with: item, as: element) { return "item \(i + 1): \(p)" }
            }
            return nil
        case (.map(let element), .map(let m)):
            guard let element else { return nil }
            for (k, v) in m.sorted(by: { $0.key < $1.key }) {
                if let p = problem(with: v, as: element) { return "'\(k)': \(p)" }
            }
            return nil
        case (.object(let schema), .map(let m)):
            for f in schema.fields {
                if let v = m[f.name] {
                    if let p = problem(with: v, as: f.type) { return "'\(f.name)': \(p)" }
                } else if f.required {
                    return "'\(f.name)' is missing"
                }
            }
            if let extra = m.keys.sorted().first(where: { schema.field($0) == nil }) { return "unknown field '\(extra)'" }
            return nil
        default:
            return "expected \(type), got \(value.kindName)"
        }
    }
}

// MARK: - Declared schemas (workflow `inputs:`, the `input` step's `fields:`, plugin manifests)

extension Schema {
    /// The keys a declared field may have.
    public static let declaredFieldKeys = ["type", "required", "default", "description", "label", "help", "values", "items"]

    /// Reads a mapping of `name: {type, required, default, description, label, help, values, items}`.
    /// `label:` is the short name people see (「諮問日」), `help:` a sentence under it.
    /// `values:` makes a field one of a fixed set of words; `items:` gives a list's element type.
    public static func declared(from node: Node, what: String, diagnostics d: inout Diagnostics) -> Schema {
        guard var mapping = StrictMapping(node, what: what, diagnostics: &d) else { return .empty }
        var fields: [Field] = []
        for (name, keyNode, spec) in mapping.takeAll() {
            guard Workflow.isIdentifier(name) else {
                d.error("'\(name)' is not a valid field name in \(what): use letters, digits, '_' and '-', starting with a letter", at: keyNode.mark)
                continue
            }
            guard var fm = StrictMapping(spec, what: "field '\(name)'", diagnostics: &d) else { continue }
            var type: ValueType = .string
            if let typeNode = fm.take("type"), let typeName = Read.string(typeNode, "'type' of field '\(name)'", &d) {
                if let t = ValueType(declared: typeName) {
                    type = t
                } else {
                    var message = "unknown type '\(typeName)' for field '\(name)'; use one of: \(ValueType.declarableNames.joined(separator: ", "))"
                    if let near = ValueType.suggestion(for: typeName) { message += " (did you mean '\(near)'?)" }
                    d.error(message, at: typeNode.mark)
                }
            }
            if let valuesNode = fm.take("values"), let items = Read.list(valuesNode, "'values' of field '\(name)'", &d) {
                let words = items.compactMap { Read.text($0, "a value of field '\(name)'", &d) }
                type = .oneOf(words)
            }
            if let itemsNode = fm.take("items"), let itemType = Read.string(itemsNode, "'items' of field '\(name)'", &d) {
                if case .list = type, let t = ValueType(declared: itemType) {
                    type = .list(of: t)
                } else {
                    d.error("'items' applies to a field of type list and names one of: \(ValueType.declarableNames.joined(separator: ", "))", at: itemsNode.mark)
                }
            }
            let required = fm.take("required").flatMap { Read.bool($0, "'required' of field '\(name)'", &d) } ?? false
            var defaultValue: Value?
            if let defNode = fm.take("default") {
                defaultValue = SchemaCheck.decode(defNode, as: type, what: "the default of field '\(name)'", diagnostics: &d)
                if required {
                    d.error("field '\(name)' is required and also has a default; keep one of the two", at: defNode.mark)
                }
            }
            let description = fm.take("description").flatMap { Read.string($0, "'description' of field '\(name)'", &d) } ?? ""
            let label = fm.take("label").flatMap { Read.string($0, "'label' of field '\(name)'", &d) } ?? ""
            let help = fm.take("help").flatMap { Read.string($0, "'help' of field '\(name)'", &d) } ?? ""
            fm.rejectUnknown(known: declaredFieldKeys, diagnostics: &d)
            fields.append(Field(name, type, required: required, default: defaultValue, description: description,
                                label: label, help: help))
        }
        return Schema(fields)
    }
}
