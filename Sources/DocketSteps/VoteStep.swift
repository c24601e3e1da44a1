import DocketCore
import DocketCouncil
import DocketYAML
import Foundation
import Mustache

/// `vote`: waits for the tally of a show of hands and decides it under the council roster's
/// rules (quorum, majority, the chair's vote). A tally that cannot stand — no quorum, more votes
/// than voters, negative numbers, a casting vote without a tie — is refused when recorded, with
/// nothing written. A tally with `recount_called: true` keeps the step waiting for the recount;
/// every tally stays in the journal and in the vote record, the last one decides.
public struct VoteStep: Step {
    /// Where to learn whether a case is on an open meeting's agenda (none: never).
    public var agenda: (any AgendaLookup)?
    /// The workspace's council profile, for a workflow that names none.
    public var profile: CouncilProfileSource

    public init(agenda: (any AgendaLookup)? = nil, profile: CouncilProfileSource = CouncilProfileSource(path: nil)) {
        self.agenda = agenda
        self.profile = profile
    }

    public let name = "vote"
    public let summary = "waits for the tally (採決) and decides it under the council's rules"

    public let withSchema = Schema([
        Field("council", .file, description: "a council profile beside the workflow (default: the workspace's council.yaml)"),
        Field("item", .string, description: "the agenda item, for the record and the list of tallies"),
        Field("output", .string, default: .string("採決記録.md"), description: "the vote record's file name"),
        Field("template", .file, description: "a Mustache template for the vote record (default: the built-in one, below)"),
    ])

    public func recordSchema(with: [String: Value]) -> Schema? { Tally.schema }

    public func outputNames(with: [String: Value]) -> [String]? {
        ["approved", "decision", "present", "voters", "for", "against", "abstain", "recused", "casting_vote",
         "rule", "quorum", "tallies", "unanimous", "document", "meeting", "meeting_date", "roll_call"]
    }

    public func validate(with: [String: Value], node: Node?, diagnostics d: inout Diagnostics) {
        guard let path = with["council"]?.stringValue, !d.file.isEmpty else { return }
        let url = URL(fileURLWithPath: d.file).deletingLastPathComponent().appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { return }  // a missing file is reported by the file check
        do { _ = try CouncilRoster.load(path: url.path) } catch let e as DiagnosticsError {
            for diag in e.diagnostics { d.error("in the council roster: \(diag)", at: node?.value(forKey: "council")?.mark) }
        } catch {}
    }

    func roster(_ with: [String: Value], snapshotFolder: URL) throws -> CouncilRoster {
        try profile.roster(named: with["council"]?.stringValue, snapshotFolder: snapshotFolder)
    }

    public func checkRecord(_ record: [String: Value], with: [String: Value], snapshotFolder: URL) -> [(field: String?, message: String)] {
        let council: CouncilRoster
        do { council = try roster(with, snapshotFolder: snapshotFolder) } catch { return [(nil, "the council profile cannot be read: \(error)")] }
        let tally = Tally(record: record)
        // A case on an open meeting's agenda is voted on at that meeting, which gives 'present'
        // from its attendance: a tally typed in by hand would bypass it. The snapshot folder is
        // <root>/cases/<case>/workflow-files.
        let caseFolder = snapshotFolder.deletingLastPathComponent()
        if tally.meeting == nil, let agenda,
           let meeting = agenda.openMeeting(holding: caseFolder.lastPathComponent, root: caseFolder.deletingLastPathComponent().deletingLastPathComponent()) {
            return [(nil, "case '\(caseFolder.lastPathComponent)' is on the agenda of meeting '\(meeting)': record its tally at the meeting, which takes 'present' from the attendance")]
        }
        do {
            _ = try council.decide(tally)
        } catch {
            // A count the chair is about to recount need not be decided yet.
            if tally.recountCalled, error.field == "casting_vote" { return [] }
            return [(error.field, error.message)]
        }
        return []
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        let tallies = context.records.compactMap { v -> Tally? in
            if case .map(let m) = v { return Tally(record: m) }
            return nil
        }
        guard let last = tallies.last else {
            return .waiting(prompt: "採決の結果（出席者数、賛成、反対。棄権・除斥・議長裁決・記名投票は該当するとき）を記録してください")
        }
        if last.recountCalled {
            return .waiting(prompt: "会長が\(tallies.count)回目の採決の再計数を求めました。再計数の結果を記録してください（1回目の結果も残ります）")
        }
        let council = try roster(context.with, snapshotFolder: context.snapshotFolder)
        let result: VoteResult
        do { result = try council.decide(last) } catch { return .failed("the tally cannot stand: \(error.message)") }
        let decision = Decision(approved: result.approved).label
        var view: [String: Any] = [
            "item": context.with["item"]?.stringValue ?? "", "has_item": context.with["item"]?.stringValue != nil,
            "rule": council.ruleDescription, "decision": decision,
            "for": last.votesFor, "against": last.against, "abstain": last.abstain, "has_abstain": last.abstain > 0,
            "tallies": tallies.enumerated().map { i, t -> [String: Any] in
                ["n": i + 1, "present": t.present, "voters": t.present - t.recused - (council.chairVotes == .always ? 0 : 1),
                 "for": t.votesFor, "against": t.against, "abstain": t.abstain, "recused": t.recused,
                 "casting": t.castingVote.map { $0 ? "可" : "否" } ?? "—", "recount": t.recountCalled]
            },
            "roll_calls": tallies.enumerated().compactMap { i, t -> [String: Any]? in
                guard let roll = t.rollCall else { return nil }
                return ["n": i + 1, "groups": [("for", "賛成"), ("against", "反対"), ("abstain", "棄権")].map { how, label -> [String: Any] in
                    let names = roll[how] ?? []
                    return ["label": label, "count": names.count, "names": names.isEmpty ? "なし" : names.joined(separator: "、")]
                }]
            },
        ]
        if let m = last.meeting {
            view["meeting"] = ["id": m.id, "date": JapaneseDate.era(m.date) ?? m.date, "item": m.item, "present": m.members.count] as [String: Any]
        }
        var source = Self.defaultTemplate
        if let path = context.with["template"]?.stringValue {
            guard let data = FileManager.default.contents(atPath: context.snapshotFile(path).path) else {
                return .failed("the template '\(path)' is missing from the case's snapshot")
            }
            source = String(decoding: data, as: UTF8.self)
        }
        let text = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source).render(view)
        let output = context.with["output"]?.stringValue ?? "採決記録.md"
        try context.writeDocument(text, named: output)
        return .completed(outputs: [
            "approved": .bool(result.approved), "decision": .string(decision), "present": .int(last.present),
            "voters": .int(result.voters), "for": .int(last.votesFor), "against": .int(last.against),
            "abstain": .int(last.abstain), "recused": .int(last.recused),
            "casting_vote": last.castingVote.map { .string($0 ? "for" : "against") } ?? .null,
            "rule": .string(council.ruleDescription), "quorum": .int(council.quorumCount), "tallies": .int(tallies.count),
            "unanimous": .bool(last.against == 0 && last.abstain == 0 && last.votesFor == result.voters),
            "document": .string("\(context.documentFolder)/\(output)"),
            "meeting": last.meeting.map { .string($0.id) } ?? .null,
            "meeting_date": last.meeting.map { .string($0.date) } ?? .null,
            "roll_call": last.rollCall.map { roll in .map(roll.mapValues { .list($0.map(Value.string)) }) } ?? .null,
        ])
    }
}

/// Whether a case is on an open meeting's agenda, undecided (the meetings module answers it).
public protocol AgendaLookup: Sendable {
    /// The id of the open meeting whose agenda holds `caseID` undecided, if any.
    func openMeeting(holding caseID: String, root: URL) -> String?
    /// The id of the open meeting whose agenda holds `caseID` as a report item not yet
    /// acknowledged there, if any.
    func openMeeting(reporting caseID: String, root: URL) -> String?
}

extension AgendaLookup {
    public func openMeeting(reporting caseID: String, root: URL) -> String? { nil }
}

extension VoteStep {
    /// The vote record (採決記録) as it is written unless the workflow gives `template:`. It sees
    /// item, rule, decision, for/against/abstain, tallies (n, present, voters, for, against,
    /// abstain, recused, casting, recount), meeting (id, date, item, present) and roll_calls
    /// (n, groups: label, count, names).
    public static let defaultTemplate = """
        # 採決記録

        {{#has_item}}
        案件: {{item}}

        {{/has_item}}
        規則: {{rule}}

        | 回 | 出席 | 表決権 | 賛成 | 反対 | 棄権 | 除斥・回避 | 会長裁決 | 備考 |
        |---|---|---|---|---|---|---|---|---|
        {{#tallies}}
        | {{n}} | {{present}} | {{voters}} | {{for}} | {{against}} | {{abstain}} | {{recused}} | {{casting}} | {{#recount}}会長が再度の採決を求めた{{/recount}} |
        {{/tallies}}

        結果: {{decision}}（賛成{{for}}、反対{{against}}{{#has_abstain}}、棄権{{abstain}}{{/has_abstain}}）
        {{#meeting}}

        会議: {{id}}（{{date}}）、議題{{item}}、出席委員{{present}}名
        {{/meeting}}
        {{#roll_calls}}

        ## 記名による表決（{{n}}回目）

        {{#groups}}
        - {{label}}（{{count}}名）: {{names}}
        {{/groups}}
        {{/roll_calls}}

        """
}
