import DocketCore
import DocketYAML
import Foundation

/// `report`: a report item (報告事項) — received and acknowledged by the council, with no vote and
/// no answer. An incident report names the case it concerns, where there is one.
public struct ReportStep: Step {
    public init() {}

    public let name = "report"
    public let summary = "a report item (報告事項): recorded and acknowledged, no vote, no answer"

    public let withSchema = Schema([
        Field("kind", .oneOf(["report", "incident"]), required: true, description: "report (報告) or incident (事故報告)"),
        Field("title", .string, required: true, description: "件名"),
        Field("department", .string, description: "所管課"),
        Field("summary", .string, description: "概要"),
        Field("concerns", .string, description: "the case an incident concerns, if any"),
        Field("occurred_on", .date, description: "when the incident happened"),
        Field("affected", .int, description: "how many people's data were affected"),
        Field("output", .string, default: .string("報告記録.md")),
    ])

    static let recordFields = Schema([
        Field("acknowledged", .bool, required: true, description: "the council received the report (了承)"),
        Field("received_on", .date, description: "the meeting date"),
        Field("remarks", .list(of: .string), description: "members' remarks and requests"),
    ])

    public func recordSchema(with: [String: Value]) -> Schema? { Self.recordFields }

    public func outputNames(with: [String: Value]) -> [String]? { ["kind", "title", "acknowledged", "concerns", "document"] }

    public func validate(with: [String: Value], node: Node?, diagnostics d: inout Diagnostics) {
        if with["kind"]?.stringValue == "report", with["occurred_on"] != nil || with["affected"] != nil {
            d.error("'occurred_on' and 'affected' belong to an incident; set kind: incident", at: node?.mark)
        }
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        let w = context.with
        guard case .map(let record)? = context.records.last else {
            return .waiting(prompt: "record the council's acknowledgement of the report (acknowledged, remarks)")
        }
        let incident = w["kind"]?.stringValue == "incident"
        var text = "# \(incident ? "事故報告" : "報告事項")\n\n件名: \(w["title"]?.description ?? "")\n\n"
        if let dept = w["department"] { text += "所管課: \(dept)\n\n" }
        if let concerns = w["concerns"] { text += "関係する案件: \(concerns)\n\n" }
        if let on = w["occurred_on"]?.stringValue { text += "発生日: \(JapaneseDate.era(on) ?? on)\n\n" }
        if let n = w["affected"] { text += "影響を受けた人数: \(n)名\n\n" }
        if let summary = w["summary"] { text += "## 概要\n\n\(summary)\n\n" }
        let acknowledged = record["acknowledged"]?.boolValue == true
        text += "## 審議会の扱い\n\n\(acknowledged ? "報告を受けた（了承）。" : "報告は了承されなかった。")採決は行わない。\n"
        if let on = record["received_on"]?.stringValue { text += "\n報告日: \(JapaneseDate.era(on) ?? on)\n" }
        if case .list(let remarks)? = record["remarks"], !remarks.isEmpty {
            text += "\n## 委員の意見\n\n" + remarks.map { "- \($0)\n" }.joined()
        }
        let output = w["output"]?.stringValue ?? "報告記録.md"
        try Data(text.utf8).write(to: context.outputFolder.appendingPathComponent(output))
        return .completed(outputs: [
            "kind": w["kind"] ?? .null, "title": w["title"] ?? .null, "acknowledged": .bool(acknowledged),
            "concerns": w["concerns"] ?? .null, "document": .string("\(context.documentFolder)/\(output)"),
        ])
    }
}
