import DocketCore
import DocketCouncil
import DocketYAML
import Foundation
import Mustache

/// `issue-answer`: issues the council's answer (答申) with a number unique and gap-free per
/// fiscal year, dated in the Japanese era by the meeting that decided it (the vote's meeting,
/// else `meeting_date`), with the usual opening, 記, the conclusion (結論), the conditions
/// (付帯意見, which attach to an approval only) and the background and reasons, signed by the
/// chair, as Markdown and as print-ready HTML. A retroactive approval (事後承認) states the
/// approval date and the date it takes effect from, both on or before the decision.
///
/// With `draft: true` it writes the same documents without a number and takes none, so the
/// personal-data check runs on the draft before a number is taken: a number is taken only by
/// an answer that is issued.
public struct IssueAnswerStep: Step {
    /// The workspace's council profile, for a workflow that names none.
    public var profile: CouncilProfileSource

    public init(profile: CouncilProfileSource = CouncilProfileSource(path: nil)) {
        self.profile = profile
    }

    public let name = "issue-answer"
    public let summary = "issues the answer (答申): numbered, era-dated, Markdown and print-ready HTML"

    public let withSchema = Schema([
        Field("template", .file, required: true, description: "the Markdown answer template"),
        Field("html_template", .file, description: "the HTML answer template (A4, for printing)"),
        Field("output", .string, default: .string("答申.md")),
        Field("html_output", .string, default: .string("答申.html")),
        Field("council", .file, description: "a council profile beside the workflow (default: the workspace's council.yaml)"),
        Field("addressee", .string, description: "宛先（例: 〇〇市長; default: the head named in the council profile)"),
        Field("subject", .string, required: true, description: "件名"),
        Field("department", .string, description: "所管課"),
        Field("vote", .map(of: nil), required: true, description: "the vote step's outputs: ${{ steps.vote.outputs }}"),
        Field("conditions", .list(of: .string), description: "付帯意見, from the review"),
        Field("meeting_date", .date, description: "the date of the council's decision when the vote was not taken at a recorded meeting"),
        Field("consulted_on", .date, description: "諮問日, for the opening (…付けで諮問のあった…)"),
        Field("consultation_number", .string, description: "the consultation's document number, e.g. 〇〇第123号"),
        Field("draft", .bool, default: .bool(false), description: "true: the unnumbered draft for the checks before issue"),
        Field("retroactive", .bool, default: .bool(false), description: "事後承認: work began before consultation"),
        Field("began_on", .date, description: "when the work began (retroactive only)"),
        Field("effective_from", .date, description: "the date the approval takes effect from (retroactive only)"),
        Field("reason", .string, description: "why the work began without consultation (retroactive only)"),
        Field("background", .string, description: "経緯"),
        Field("reasons", .string, description: "理由"),
    ])

    public func outputNames(with: [String: Value]) -> [String]? {
        ["number", "number_label", "fiscal_year", "date", "decision", "approved", "document", "html", "chair", "created"]
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
        // The decision is dated by the meeting that took the vote, whatever the case was opened with.
        guard let meeting = vote["meeting_date"]?.stringValue ?? w["meeting_date"]?.stringValue else {
            return .failed("the decision has no date: the vote was not taken at a recorded meeting and 'meeting_date' is not given")
        }
        guard let fiscalYear = JapaneseDate.fiscalYear(meeting), let dateLabel = JapaneseDate.era(meeting) else {
            return .failed("the decision date '\(meeting)' is not a date")
        }
        for (field, what) in [("began_on", "the work began"), ("effective_from", "the approval takes effect"), ("consulted_on", "the consultation (諮問日)")] {
            guard retroactive || field == "consulted_on", let day = w[field]?.stringValue, day > meeting else { continue }
            return .failed("'\(field)' is \(JapaneseDate.era(day) ?? day), after the decision of \(dateLabel): the date \(what) must be on or before the meeting that decided it; correct the case's \(field)")
        }
        let council = try profile.roster(named: w["council"]?.stringValue, snapshotFolder: context.snapshotFolder)
        // Signed by the chair in office on the decision date (a profile with terms says who).
        let termed = council.memberships.contains { $0.role == .chair && ($0.appointed != nil || $0.termEnds != nil) }
        guard let chair = termed ? council.chair(on: meeting) : (council.chair.isEmpty ? nil : council.chair) else {
            return .failed("no chair (会長) is in office on \(dateLabel), the decision date: the council profile's 会長 terms do not cover it; correct the terms in council.yaml, then run the case again")
        }
        guard let addressee = (w["addressee"]?.stringValue).flatMap({ $0.isEmpty ? nil : $0 }) ?? (council.addressee.isEmpty ? nil : council.addressee) else {
            return .failed("the answer has no addressee: give the case's 'addressee', or the head's title ('head', e.g. 市長) and 'organization' in the council profile")
        }
        let draft = w["draft"]?.boolValue == true
        var conditions = w["conditions"].flatMap { v -> [String]? in
            if case .list(let l) = v { return l.compactMap(\.stringValue) }
            return nil
        } ?? []
        // 付帯意見 attach to an approval; a rejection leaves them out or states them as opinion.
        if !approved, council.conditionsOnRejection == .omit { conditions = [] }
        let subject = w["subject"]?.stringValue ?? ""
        let yearLabel = council.fiscalYearLabel(fiscalYear, on: meeting)
        let number: Int? = draft ? nil : try AnswerRegister(root: context.rootFolder).number(
            fiscalYear: fiscalYear, caseID: context.caseID, step: context.stepID, issued: meeting,
            subject: subject, department: w["department"]?.stringValue, decision: Decision(approved: approved).label,
            label: { council.numberLabel(yearLabel: yearLabel, number: $0) })
        let numberLabel = council.numberLabel(yearLabel: yearLabel, number: number)
        let decision = Decision(approved: approved).label
        let abstain = vote["abstain"]?.intValue ?? 0
        var tally = "賛成\(votesFor)名、反対\(against)名"
        if abstain > 0 { tally += "、棄権\(abstain)名" }
        if let casting = vote["casting_vote"]?.stringValue { tally += "（可否同数のため会長が\(casting == "for" ? "可" : "否")と裁決）" }
        var consultedBy = ""
        if let on = w["consulted_on"]?.stringValue, let era = JapaneseDate.era(on) {
            consultedBy = "\(era)付け" + (w["consultation_number"]?.stringValue.map { "\($0)で" } ?? "で")
        }
        let opening = "\(consultedBy)諮問のあった\(subject.hasSuffix("について") ? subject : subject + "について")、次のとおり答申する。"
        var view: [String: Any] = [
            "number": number ?? 0, "number_label": numberLabel, "date": dateLabel,
            "fiscal_year": yearLabel, "council": council.name, "chair": chair, "addressee": addressee, "opening": opening,
            "approved": approved, "decision": decision, "tally": tally,
            "unanimous": vote["unanimous"]?.boolValue ?? false,
            "conditions": conditions, "listed": !conditions.isEmpty,
            "has_conditions": approved && !conditions.isEmpty, "has_opinions": !approved && !conditions.isEmpty,
            "retroactive": retroactive, "draft": draft,
            "case": ["id": context.caseID],
        ]
        // Absent values stay absent, so that {{#x}} sections and {{^x}} defaults work.
        for key in ["subject", "department", "reason", "background", "reasons", "rule"] {
            if let v = (key == "rule" ? vote["rule"] : w[key]), v != .null { view[key] = v.plain }
        }
        for key in ["began_on", "effective_from"] {
            if let iso = w[key]?.stringValue, let era = JapaneseDate.era(iso) { view[key] = era }
        }
        let output = w["output"]?.stringValue ?? "答申.md"
        try render(w["template"], view, html: false, to: output, context)
        var outputs: [String: Value] = [
            "number": number.map { .int($0) } ?? .null, "number_label": draft ? .null : .string(numberLabel), "fiscal_year": .int(fiscalYear),
            "date": .string(dateLabel), "decision": .string(decision), "approved": .bool(approved),
            "document": .string("\(context.documentFolder)/\(output)"), "html": .null,
            "chair": .string(chair), "created": .string(meeting),
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
        try context.writeDocument(text, named: name)
    }
}

/// A step's failure, in words for the clerk; the runner records it as the step's failure.
struct StepFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
