import DocketCore
import DocketYAML
import Foundation
import Mustache

/// `issue-answer`: issues the council's answer (答申) with a number unique and gap-free per
/// fiscal year, dated in the Japanese era, stating the conclusion (結論), the conditions (付帯意見)
/// and the background and reasons, as Markdown and as print-ready HTML. A retroactive approval
/// (事後承認) states the approval date and the date it takes effect from.
public struct IssueAnswerStep: Step {
    public init() {}

    public let name = "issue-answer"
    public let summary = "issues the answer (答申): numbered, era-dated, Markdown and print-ready HTML"

    public let withSchema = Schema([
        Field("template", .file, required: true, description: "the Markdown answer template"),
        Field("html_template", .file, description: "the HTML answer template (A4, for printing)"),
        Field("output", .string, default: .string("答申.md")),
        Field("html_output", .string, default: .string("答申.html")),
        Field("council", .file, required: true, description: "the council roster, for the council's name"),
        Field("addressee", .string, required: true, description: "宛先, e.g. 目黒区長"),
        Field("subject", .string, required: true, description: "件名"),
        Field("department", .string, description: "所管課"),
        Field("vote", .map(of: nil), required: true, description: "the vote step's outputs: ${{ steps.vote.outputs }}"),
        Field("conditions", .list(of: .string), description: "付帯意見, from the review"),
        Field("meeting_date", .date, required: true, description: "the date of the council's decision"),
        Field("retroactive", .bool, default: .bool(false), description: "事後承認: work began before consultation"),
        Field("began_on", .date, description: "when the work began (retroactive only)"),
        Field("effective_from", .date, description: "the date the approval takes effect from (retroactive only)"),
        Field("reason", .string, description: "why the work began without consultation (retroactive only)"),
        Field("background", .string, description: "経緯"),
        Field("reasons", .string, description: "理由"),
    ])

    public func outputNames(with: [String: Value]) -> [String]? {
        ["number", "number_label", "fiscal_year", "date", "decision", "approved", "document", "html"]
    }

    public func validate(with: [String: Value], node: Node?, diagnostics d: inout Diagnostics) {
        if with["retroactive"]?.boolValue == true {
            for field in ["began_on", "effective_from", "reason"] where with[field] == nil {
                d.error("a retroactive answer needs '\(field)'", at: node?.mark)
            }
        }
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        let w = context.with
        guard case .map(let vote)? = w["vote"], let approved = vote["approved"]?.boolValue,
              let votesFor = vote["for"]?.intValue, let against = vote["against"]?.intValue else {
            return .failed("'vote' must be the vote step's outputs (approved, for, against): write vote: ${{ steps.vote.outputs }}")
        }
        let retroactive = w["retroactive"]?.boolValue == true
        if retroactive {
            let missing = ["began_on", "effective_from", "reason"].filter { w[$0] == nil || w[$0] == .null }
            if !missing.isEmpty { return .failed("a retroactive answer needs \(missing.map { "'\($0)'" }.joined(separator: ", "))") }
        }
        guard let meeting = w["meeting_date"]?.stringValue, let fiscalYear = JapaneseDate.fiscalYear(meeting),
              let dateLabel = JapaneseDate.era(meeting) else { return .failed("'meeting_date' is not a date") }
        let council = try CouncilRoster.load(path: context.snapshotFile(w["council"]?.stringValue ?? "").path)
        let number = try AnswerRegister(root: context.rootFolder)
            .number(fiscalYear: fiscalYear, caseID: context.caseID, step: context.stepID, issued: meeting)
        let numberLabel = "\(JapaneseDate.fiscalYearLabel(fiscalYear))第\(number)号"
        let conditions = w["conditions"].flatMap { v -> [String]? in
            if case .list(let l) = v { return l.compactMap(\.stringValue) }
            return nil
        } ?? []
        let decision = approved ? "承認" : "不承認"
        let abstain = vote["abstain"]?.intValue ?? 0
        var tally = "賛成\(votesFor)名、反対\(against)名"
        if abstain > 0 { tally += "、棄権\(abstain)名" }
        if let casting = vote["casting_vote"]?.stringValue { tally += "（可否同数のため会長が\(casting == "for" ? "可" : "否")と裁決）" }
        var view: [String: Any] = [
            "number": number, "number_label": numberLabel, "date": dateLabel,
            "fiscal_year": JapaneseDate.fiscalYearLabel(fiscalYear), "council": council.name,
            "approved": approved, "decision": decision, "tally": tally,
            "unanimous": vote["unanimous"]?.boolValue ?? false,
            "conditions": conditions, "has_conditions": !conditions.isEmpty, "retroactive": retroactive,
            "case": ["id": context.caseID],
        ]
        // Absent values stay absent, so that {{#x}} sections and {{^x}} defaults work.
        for key in ["addressee", "subject", "department", "reason", "background", "reasons", "rule"] {
            if let v = (key == "rule" ? vote["rule"] : w[key]), v != .null { view[key] = v.plain }
        }
        for key in ["began_on", "effective_from"] {
            if let iso = w[key]?.stringValue, let era = JapaneseDate.era(iso) { view[key] = era }
        }
        let output = w["output"]?.stringValue ?? "答申.md"
        try render(w["template"], view, html: false, to: output, context)
        var outputs: [String: Value] = [
            "number": .int(number), "number_label": .string(numberLabel), "fiscal_year": .int(fiscalYear),
            "date": .string(dateLabel), "decision": .string(decision), "approved": .bool(approved),
            "document": .string("\(context.documentFolder)/\(output)"), "html": .null,
        ]
        if w["html_template"] != nil {
            let html = w["html_output"]?.stringValue ?? "答申.html"
            try render(w["html_template"], view, html: true, to: html, context)
            outputs["html"] = .string("\(context.documentFolder)/\(html)")
        }
        return .completed(outputs: outputs)
    }

    private func render(_ template: Value?, _ view: [String: Any], html: Bool, to name: String, _ context: StepContext) throws {
        let path = template?.stringValue ?? ""
        guard let data = FileManager.default.contents(atPath: context.snapshotFile(path).path) else {
            throw StepFailure("the template '\(path)' is missing from the case's snapshot")
        }
        let source = (html ? "" : "{{% CONTENT_TYPE: TEXT}}") + String(decoding: data, as: UTF8.self)
        let text = try MustacheTemplate(string: source).render(view)
        try Data(text.utf8).write(to: context.outputFolder.appendingPathComponent(name))
    }
}

/// A step's failure, in words for the clerk; the runner records it as the step's failure.
struct StepFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
