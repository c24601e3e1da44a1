/// A schema written out for people: a commented YAML skeleton to fill in (for `record
/// --template`, `new --template`), and a field-by-field description with nested shapes such as
/// `questions: [{question, answer, by}]` (for `steps NAME`). Driven by the same declaration
/// that checks what is recorded, so the two never disagree.
public enum SchemaSkeleton {
    /// Commented YAML: each field with its type, whether it is required, its default and its
    /// description; nested lists of mappings shown with one example item.
    public static func yaml(_ schema: Schema, indent: String = "") -> String {
        var out = ""
        for field in schema.fields {
            var comment = "\(field.required ? "required" : "optional"): \(field.type)"
            if let def = field.defaultValue { comment += ", default \(def)" }
            if !field.description.isEmpty { comment += " — \(field.description)" }
            out += "\(indent)# \(comment)\n"
            switch field.type {
            case .object(let inner):
                out += "\(indent)\(field.name):\n" + yaml(inner, indent: indent + "  ")
            case .list(of: .object(let inner)?):
                out += "\(indent)\(field.name):\n"
                let body = yaml(inner, indent: indent + "    ")
                // The first line after the comments starts the item with "- ".
                var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if let first = lines.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !$0.isEmpty }) {
                    lines[first] = indent + "  - " + lines[first].dropFirst(indent.count + 4)
                }
                out += lines.joined(separator: "\n")
            default:
                out += "\(indent)\(field.name): \(placeholder(field))\n"
            }
        }
        return out
    }

    static func placeholder(_ field: Field) -> String {
        if case .string(let text)? = field.defaultValue { return "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        if let def = field.defaultValue { return "\(def)" }
        switch field.type {
        case .string, .file, .folder: return "\"\""
        case .int, .number: return "0"
        case .bool: return "false"
        case .date: return "2025-05-12   # or 令和7年5月12日, R7.5.12"
        case .list: return "[]"
        case .map, .object, .any: return "{}"
        case .oneOf(let words): return "\(words.first ?? "")   # \(words.joined(separator: " | "))"
        }
    }

    /// The nested shape of a type in one line: `[{question, answer, by}]`.
    public static func shape(_ type: ValueType) -> String {
        switch type {
        case .object(let s): return "{" + s.fields.map { $0.name + ($0.required ? "" : "?") }.joined(separator: ", ") + "}"
        case .list(of: let t?): return "[" + shape(t) + "]"
        case .list(of: nil): return "[…]"
        case .map(of: let t?): return "{KEY: " + shape(t) + "}"
        default: return type.description
        }
    }

    /// One line per field (nested fields indented below their parent).
    public static func lines(_ schema: Schema, indent: String = "    ") -> [String] {
        var out: [String] = []
        for f in schema.fields {
            var line = "\(indent)\(f.name): \(shape(f.type))\(f.required ? ", required" : "")"
            if let def = f.defaultValue { line += ", default \(def)" }
            if !f.description.isEmpty { line += " — \(f.description)" }
            out.append(line)
            switch f.type {
            case .object(let inner), .list(of: .object(let inner)?): out += lines(inner, indent: indent + "    ")
            default: break
            }
        }
        return out
    }
}
