import DocketCore
import DocketYAML
import Foundation

/// `committee-review`: waits for the review record — questions and answers, correction requests
/// (which material, what to change), conditions (付帯意見) — and writes it as the review record
/// document. With `send_back: true` the case returns to the drafting step (`send_back_to`), which
/// runs again in a new round; the materials of each round are kept.
public struct CommitteeReviewStep: Step {
    public init() {}

    public let name = "committee-review"
    public let summary = "waits for the council's review record; can send the case back to drafting"

    public let withSchema = Schema([
        Field("materials", .list(of: .string), description: "the materials under review, so corrections can be checked against them"),
        Field("send_back_to", .string, default: .string("draft"), description: "the drafting step a correction request returns to"),
        Field("output", .string, default: .string("審議記録.md"), description: "the review record's file name"),
        Field("item", .string, description: "the agenda item, for the record's heading"),
    ])

    static let recordFields = Schema([
        Field("questions", .list(of: .object(Schema([Field("question", .string, required: true), Field("answer", .string),
                                                       Field("by", .string)]))), description: "質疑: questions and the department's answers"),
        Field("corrections", .list(of: .object(Schema([Field("material", .string, required: true), Field("change", .string, required: true)]))),
              description: "修正要求: which material, what to change"),
        Field("conditions", .list(of: .string), description: "付帯意見: conditions attached to the answer"),
        Field("send_back", .bool, default: .bool(false), description: "true to return the case to drafting for the corrections"),
        Field("notes", .string, description: "anything else for the record"),
    ])

    public func recordSchema(with: [String: Value]) -> Schema? { Self.recordFields }

    public func outputNames(with: [String: Value]) -> [String]? { ["conditions", "corrections", "questions", "sent_back", "round", "document"] }

    public func sendsBack(_ record: [String: Value], with: [String: Value]) -> Bool {
        record["send_back"]?.boolValue == true
    }

    public func checkRecord(_ record: [String: Value], with: [String: Value], snapshotFolder: URL) -> [(field: String?, message: String)] {
        var problems: [(String?, String)] = []
        let corrections = list(record["corrections"])
        if record["send_back"]?.boolValue == true, corrections.isEmpty {
            problems.append(("send_back", "send_back is true but no corrections are listed; say what the department must change"))
        }
        let listed = DraftConsultationStep.materialIDs(with).map(\.id)
        if !listed.isEmpty {
            for c in corrections {
                guard let material = c["material"]?.stringValue else { continue }
                if !listed.contains(material) {
                    var message = "the correction names '\(material)', which is not among the materials (\(listed.joined(separator: ", ")))"
                    if let near = Suggest.nearest(to: material, among: listed) { message += "; did you mean '\(near)'?" }
                    problems.append(("corrections", message))
                }
            }
        }
        return problems
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        guard case .map(let record)? = context.records.last else {
            return .waiting(prompt: "審議の結果（質疑、修正要求、付帯意見）を記録してください。資料の修正を求めるときは「差戻し」を「はい」にします")
        }
        let questions = list(record["questions"]), corrections = list(record["corrections"]), conditions = list(record["conditions"])
        var text = "# 審議記録\n\n"
        if let item = context.with["item"]?.stringValue { text += "案件: \(item)\n\n" }
        text += "案件番号: \(context.caseID)　審議 第\(context.round)回\n\n"
        if !questions.isEmpty {
            text += "## 質疑\n\n"
            for (i, q) in questions.enumerated() {
                text += "\(i + 1). 問: \(q["question"]?.description ?? "")\(q["by"].map { "（\($0)）" } ?? "")\n"
                if let a = q["answer"] { text += "   答: \(a)\n" }
            }
            text += "\n"
        }
        if !corrections.isEmpty {
            text += "## 修正要求\n\n"
            for c in corrections { text += "- \(c["material"]?.description ?? ""): \(c["change"]?.description ?? "")\n" }
            text += "\n"
        }
        if !conditions.isEmpty {
            text += "## 付帯意見\n\n"
            for c in conditions { text += "- \(c)\n" }
            text += "\n"
        }
        if let notes = record["notes"] { text += "## 備考\n\n\(notes)\n" }
        let output = context.with["output"]?.stringValue ?? "審議記録.md"
        try context.writeDocument(text, named: output)
        let sendBack = record["send_back"]?.boolValue == true
        let outputs: [String: Value] = [
            "conditions": .list(conditions), "corrections": .list(corrections), "questions": .int(questions.count),
            "sent_back": .bool(sendBack), "round": .int(context.round), "document": .string("\(context.documentFolder)/\(output)"),
        ]
        if sendBack {
            let target = context.with["send_back_to"]?.stringValue ?? "draft"
            let what = corrections.compactMap { $0["material"]?.stringValue }.joined(separator: ", ")
            return .sendBack(outputs: outputs, to: target, reason: "corrections requested to \(what)")
        }
        return .completed(outputs: outputs)
    }

    private func list(_ v: Value?) -> [Value] {
        if case .list(let l)? = v { return l }
        return []
    }
}
