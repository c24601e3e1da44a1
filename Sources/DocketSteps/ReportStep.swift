import DocketCore
import DocketCouncil
import DocketYAML
import Foundation

/// `report`: a report item (報告事項) — received and acknowledged by the council, with no vote and
/// no answer. An incident report names the case it concerns, where there is one. A report on an
/// open meeting's agenda is acknowledged at that meeting, whose record dates it.
public struct ReportStep: Step {
    /// Where to learn whether a case is on an open meeting's agenda (none: never).
    public var agenda: (any AgendaLookup)?

    public init(agenda: (any AgendaLookup)? = nil) {
        self.agenda = agenda
    }

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
        Field("meeting", .object(Schema([Field("id", .string, required: true), Field("date", .date, required: true),
                                         Field("item", .int)])),
              description: "filled in by the meeting's record of the acknowledgement (its date dates the report); not typed by hand"),
    ])

    public func recordSchema(with: [String: Value]) -> Schema? { Self.recordFields }

    public func outputNames(with: [String: Value]) -> [String]? { ["kind", "title", "acknowledged", "concerns", "document", "meeting", "meeting_date", "received_on"] }

    public func checkRecord(_ record: [String: Value], with: [String: Value], snapshotFolder: URL) -> [(field: String?, message: String)] {
        // A report on an open meeting's agenda is acknowledged at that meeting, which dates it:
        // an acknowledgement typed in by hand would bypass it. The snapshot folder is
        // <root>/cases/<case>/workflow-files.
        let caseFolder = snapshotFolder.deletingLastPathComponent()
        if record["meeting"] == nil, let agenda,
           let meeting = agenda.openMeeting(reporting: caseFolder.lastPathComponent, root: caseFolder.deletingLastPathComponent().deletingLastPathComponent()) {
            return [(nil, "case '\(caseFolder.lastPathComponent)' is a report item on the agenda of meeting '\(meeting)': record its acknowledgement at the meeting, which dates it")]
        }
        if case .map(let m)? = record["meeting"], let date = m["date"]?.stringValue,
           let received = record["received_on"]?.stringValue, received != date {
            return [("received_on", "the report was received on \(received), but the meeting that acknowledged it was held on \(date)")]
        }
        return []
    }

    public func validate(with: [String: Value], node: Node?, diagnostics d: inout Diagnostics) {
        if with["kind"]?.stringValue == "report", with["occurred_on"] != nil || with["affected"] != nil {
            d.error("'occurred_on' and 'affected' belong to an incident; set kind: incident", at: node?.mark)
        }
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        let w = context.with
        guard case .map(let record)? = context.records.last else {
            return .waiting(prompt: "報告に対する審議会の了承（了承、意見）を記録してください")
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
        var meetingID: String?, meetingDate: String?
        if case .map(let m)? = record["meeting"] { (meetingID, meetingDate) = (m["id"]?.stringValue, m["date"]?.stringValue) }
        let received = meetingDate ?? record["received_on"]?.stringValue
        if let on = received { text += "\n報告日: \(JapaneseDate.era(on) ?? on)\n" }
        if let id = meetingID { text += "\n会議: \(id)（\(meetingDate.flatMap(JapaneseDate.era) ?? meetingDate ?? "")）\n" }
        if case .list(let remarks)? = record["remarks"], !remarks.isEmpty {
            text += "\n## 委員の意見\n\n" + remarks.map { "- \($0)\n" }.joined()
        }
        let output = w["output"]?.stringValue ?? "報告記録.md"
        try context.writeDocument(text, named: output)
        return .completed(outputs: [
            "kind": w["kind"] ?? .null, "title": w["title"] ?? .null, "acknowledged": .bool(acknowledged),
            "concerns": w["concerns"] ?? .null, "document": .string("\(context.documentFolder)/\(output)"),
            "meeting": meetingID.map(Value.string) ?? .null, "meeting_date": meetingDate.map(Value.string) ?? .null,
            "received_on": received.map(Value.string) ?? .null,
        ])
    }
}
