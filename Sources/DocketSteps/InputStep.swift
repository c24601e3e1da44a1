import DocketCore
import DocketYAML
import Foundation

/// `input`: waits for a person to record data whose fields are declared in `with: fields:`
/// (the same form as a workflow's `inputs:`); its outputs are what was recorded.
public struct InputStep: Step {
    public init() {}

    public let name = "input"
    public let summary = "waits for a person to record declared fields"

    public let withSchema = Schema([
        Field("prompt", .string, description: "what to ask for, shown while the step waits"),
        Field("fields", .map(of: nil), required: true,
              description: "the fields to record: NAME: {type, required, default, description, values}"),
    ])

    public func validate(with: [String: Value], node: Node?, diagnostics d: inout Diagnostics) {
        guard let fieldsNode = node?.value(forKey: "fields") else { return }
        let schema = Schema.declared(from: fieldsNode, what: "'fields'", diagnostics: &d)
        if schema.fields.isEmpty, fieldsNode.pairs != nil {
            d.error("'fields' declares nothing to record; list at least one field", at: fieldsNode.mark)
        }
    }

    public func outputNames(with: [String: Value]) -> [String]? {
        guard case .map(let fields)? = with["fields"] else { return nil }
        return fields.keys.sorted()
    }

    public func recordSchema(with: [String: Value]) -> Schema? {
        Self.schema(from: with)
    }

    static func schema(from with: [String: Value]) -> Schema {
        var d = Diagnostics(file: "")
        return Schema.declared(from: Node(value: with["fields"] ?? .map([:])), what: "'fields'", diagnostics: &d)
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        guard let record = context.records.last else {
            let schema = Self.schema(from: context.with)
            let wanted = schema.fields.map { "\($0.name) (\($0.type)\($0.required ? ", required" : ""))" }.joined(separator: ", ")
            let prompt = context.with["prompt"]?.stringValue ?? "it needs a record"
            return .waiting(prompt: "\(prompt) — fields: \(wanted)")
        }
        guard case .map(let values) = record else { return .failed("the record is not a mapping of fields") }
        return .completed(outputs: values)
    }
}
