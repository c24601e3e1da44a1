import DocketCore
import Foundation

/// One control of a generated form, as a template shows it: its kind as flags (mustache has no
/// switch), the value to show (what the user entered, else the schema's default), its errors.
public struct FormControl: Sendable {
    public var name: String
    /// The element id (`f-` and the name with brackets and dots made dashes), for `<label for>`.
    public var id: String
    public var label: String
    public var hint: String
    public var required: Bool
    public var value: String
    public var errors: [String]
    /// Stored, not computed: templates read properties by reflection.
    public var hasErrors: Bool
    public var hasHint: Bool

    public var isText = false
    public var isTextArea = false
    public var isNumber = false
    public var isSelect = false
    public var isRows = false
    /// A folder input: files to upload (`multiple`), stored as the folder the case reads.
    public var isFiles = false
    /// The step attribute of a number input: "1" for whole numbers, "any" otherwise.
    public var step = "1"
    public var options: [Option] = []
    /// For `isRows`: the rows, each its own controls; the name the add-row button posts.
    public var rows: [Row] = []
    /// For a group heading (a nested mapping's fields follow it).
    public var isGroup = false

    public struct Option: Sendable {
        public var value: String
        public var label: String
        public var selected: Bool
    }

    public struct Row: Sendable {
        public var number: Int
        public var controls: [FormControl]
    }

    init(name: String, label: String, hint: String, required: Bool, value: String, errors: [String]) {
        self.name = name
        self.id = FormControl.elementID(name)
        self.label = label
        self.hint = hint
        self.required = required
        self.value = value
        self.errors = errors
        self.hasErrors = !errors.isEmpty
        self.hasHint = !hint.isEmpty
    }

    static func elementID(_ name: String) -> String {
        "f-" + String(name.map { $0 == "[" || $0 == "]" || $0 == "." ? "-" : $0 })
    }
}

extension SchemaForm {
    /// The controls for the form: values from `values` (what was submitted) or, on a first
    /// showing (`values` nil), the schema's defaults; `errors` by field path; one extra blank
    /// row for the list named by `addRowTo` (the add-row button that was pressed).
    public func controls(values: FormValues?, errors: FieldErrors = FieldErrors(), addRowTo: String? = nil) -> [FormControl] {
        controls(schema, path: "", values: values, errors: errors, addRowTo: addRowTo)
    }

    func controls(_ schema: Schema, path: String, values: FormValues?, errors: FieldErrors, addRowTo: String?) -> [FormControl] {
        var out: [FormControl] = []
        for field in schema.fields {
            let name = Self.join(path, field.name)
            var control = FormControl(name: name, label: FieldLabels.label(field), hint: FieldLabels.hint(field),
                                      required: field.required, value: "", errors: errors[name])
            switch field.type {
            case .object(let inner):
                control.isGroup = true
                out.append(control)
                out += controls(inner, path: name, values: values, errors: errors, addRowTo: addRowTo)
                continue
            case .list(of: .object(let inner)?):
                control.isRows = true
                var indices = values.map { Self.rowIndices(of: name, in: $0) } ?? []
                if indices.isEmpty { indices = [0] }
                if addRowTo == name, indices.count < Self.maxRows { indices.append((indices.last ?? -1) + 1) }
                control.rows = indices.enumerated().map { n, i in
                    FormControl.Row(number: n + 1, controls: controls(inner, path: "\(name)[\(i)]", values: values, errors: errors, addRowTo: nil))
                }
            case .list, .map:
                control.isTextArea = true
                control.value = values?[name] ?? Self.text(of: field.defaultValue, lines: true)
            case .bool:
                control.isSelect = true
                let chosen = values?[name] ?? Self.text(of: field.defaultValue, lines: false)
                let choices: [(String, String)] = (field.required || field.defaultValue != nil ? [] : [("", "（未選択）")]) + [("true", "はい"), ("false", "いいえ")]
                control.options = choices.map { FormControl.Option(value: $0.0, label: $0.1, selected: $0.0 == chosen) }
                control.value = chosen
            case .oneOf(let words):
                control.isSelect = true
                let chosen = values?[name] ?? Self.text(of: field.defaultValue, lines: false)
                control.options = (field.required && field.defaultValue == nil && !chosen.isEmpty ? [] : [FormControl.Option(value: "", label: "（未選択）", selected: chosen.isEmpty)])
                    + words.map { FormControl.Option(value: $0, label: FieldLabels.word($0), selected: $0 == chosen) }
                control.value = chosen
            case .int, .number:
                control.isNumber = true
                if case .number = field.type { control.step = "any" }
                control.value = values?[name] ?? Self.text(of: field.defaultValue, lines: false)
            case .folder:
                control.isFiles = true
            default:
                if FieldLabels.isMultiline(field) { control.isTextArea = true } else { control.isText = true }
                control.value = values?[name] ?? Self.text(of: field.defaultValue, lines: false)
            }
            out.append(control)
        }
        return out
    }

    /// A default value as a control shows it (lists one item a line).
    static func text(of value: Value?, lines: Bool) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .list(let items)? where lines: return items.map { text(of: $0, lines: false) }.joined(separator: "\n")
        case .map(let m)? where lines: return m.sorted { $0.key < $1.key }.map { "\($0.key): \(text(of: $0.value, lines: false))" }.joined(separator: "\n")
        case let v?: return v.description
        }
    }
}
