import DocketCore
import DocketYAML
import Foundation

/// The council's roster and voting rules, from `workflows/council.yaml`:
///
///     docket-council: 1
///     name: 情報公開・個人情報保護審議会
///     seats: 21
///     chair: 委員01
///     members: [委員01, …]          # exactly `seats` names
///     quorum: more-than-half        # or two-thirds, or {at-least: N}
///     decision: majority-of-votes-cast   # or majority-of-present, two-thirds-of-votes-cast
///     chair-votes: tie-only         # or always, never
///     present-base: excluding-non-voting-chair   # or all-present (majority-of-present only)
///     conditions-on-rejection: omit # or opinion: printed as 審議会の意見 in a rejection
///     fiscal-year-era: of-the-date  # or of-april: FY2019 answers after 2019-05-01 read 令和元年度
public struct CouncilRoster: Sendable, Equatable {
    public enum Quorum: Sendable, Equatable {
        case moreThanHalf, twoThirds, atLeast(Int)
    }

    public enum Decision: String, Sendable, CaseIterable {
        case majorityOfVotesCast = "majority-of-votes-cast"
        case majorityOfPresent = "majority-of-present"
        case twoThirdsOfVotesCast = "two-thirds-of-votes-cast"
    }

    public enum ChairVotes: String, Sendable, CaseIterable {
        case tieOnly = "tie-only", always, never
    }

    /// Whom "majority of present" counts: by default the members present less a chair who
    /// does not vote (9 of 18 with the chair in the chair fails; 9 of 17 voters passes).
    public enum PresentBase: String, Sendable, CaseIterable {
        case excludingNonVotingChair = "excluding-non-voting-chair", allPresent = "all-present"
    }

    /// What a rejection's answer does with the review's conditions (付帯意見 attach to an approval).
    public enum ConditionsOnRejection: String, Sendable, CaseIterable {
        case omit, opinion
    }

    /// Which era names a fiscal year that began in one era and is dated in the next: the era of
    /// the answer's date (2019-05-01 to 2020-03-31 → 令和元年度), or the era of its 1 April (平成31年度).
    public enum FiscalYearEra: String, Sendable, CaseIterable {
        case ofTheDate = "of-the-date", ofApril = "of-april"
    }

    public var name: String
    public var seats: Int
    public var chair: String
    public var members: [String]
    public var quorum: Quorum
    public var decision: Decision
    public var chairVotes: ChairVotes
    public var presentBase: PresentBase = .excludingNonVotingChair
    public var conditionsOnRejection: ConditionsOnRejection = .omit
    public var fiscalYearEra: FiscalYearEra = .ofTheDate

    static let keys = ["docket-council", "name", "seats", "chair", "members", "quorum", "decision", "chair-votes",
                       "present-base", "conditions-on-rejection", "fiscal-year-era"]

    /// Loads and checks a roster file; throws `DiagnosticsError` with every problem's place.
    public static func load(path: String) throws -> CouncilRoster {
        let node = try YAMLLoader().loadFile(at: path)
        var d = Diagnostics(file: path)
        var roster = CouncilRoster(name: "", seats: 0, chair: "", members: [], quorum: .moreThanHalf,
                                   decision: .majorityOfVotesCast, chairVotes: .tieOnly)
        guard var m = StrictMapping(node, what: "the council roster", diagnostics: &d) else { try d.check(); return roster }
        if let v = m.require("docket-council", "write 'docket-council: 1'", diagnostics: &d), let n = Read.int(v, "'docket-council'", &d), n != 1 {
            d.error("this roster is format \(n); this Docket reads format 1", at: v.mark)
        }
        if let v = m.require("name", "the council's name", diagnostics: &d) { roster.name = Read.string(v, "'name'", &d) ?? "" }
        var seatsNode: Node?
        if let v = m.require("seats", "the number of members", diagnostics: &d) {
            seatsNode = v
            roster.seats = Read.int(v, "'seats'", &d) ?? 0
            if roster.seats < 1 { d.error("'seats' must be at least 1", at: v.mark) }
        }
        if let v = m.require("members", "the members' names (placeholders are fine)", diagnostics: &d), let items = Read.list(v, "'members'", &d) {
            var seen: Set<String> = []
            for item in items {
                guard let name = Read.text(item, "a member", &d) else { continue }
                if !seen.insert(name).inserted { d.error("member '\(name)' is listed twice", at: item.mark) }
                roster.members.append(name)
            }
            if roster.seats > 0, roster.members.count != roster.seats {
                d.error("'members' lists \(roster.members.count) names but 'seats' is \(roster.seats)", at: seatsNode?.mark ?? v.mark)
            }
        }
        if let v = m.require("chair", "the chair's name, one of the members", diagnostics: &d), let chair = Read.text(v, "'chair'", &d) {
            roster.chair = chair
            if !roster.members.isEmpty, !roster.members.contains(chair) { d.error("the chair '\(chair)' is not one of the members", at: v.mark) }
        }
        if let v = m.take("quorum") {
            if let word = v.scalarText {
                switch word {
                case "more-than-half": roster.quorum = .moreThanHalf
                case "two-thirds": roster.quorum = .twoThirds
                default: d.error("'quorum' must be more-than-half, two-thirds or {at-least: N}, not '\(word)'", at: v.mark)
                }
            } else if var q = StrictMapping(v, what: "'quorum'", diagnostics: &d) {
                if let n = q.require("at-least", "the number of members that must attend", diagnostics: &d), let count = Read.int(n, "'at-least'", &d) {
                    if count < 1 || (roster.seats > 0 && count > roster.seats) { d.error("'at-least' must be between 1 and the number of seats", at: n.mark) }
                    roster.quorum = .atLeast(count)
                }
                q.rejectUnknown(known: ["at-least"], diagnostics: &d)
            }
        }
        if let v = m.take("decision"), let word = Read.string(v, "'decision'", &d) {
            if let rule = Decision(rawValue: word) { roster.decision = rule } else {
                d.error("'decision' must be one of: \(Decision.allCases.map(\.rawValue).joined(separator: ", "))", at: v.mark)
            }
        }
        if let v = m.take("chair-votes"), let word = Read.string(v, "'chair-votes'", &d) {
            if let rule = ChairVotes(rawValue: word) { roster.chairVotes = rule } else {
                d.error("'chair-votes' must be one of: \(ChairVotes.allCases.map(\.rawValue).joined(separator: ", "))", at: v.mark)
            }
        }
        func word<E: RawRepresentable & CaseIterable>(_ key: String, _ set: (E) -> Void) where E.RawValue == String {
            guard let v = m.take(key), let w = Read.string(v, "'\(key)'", &d) else { return }
            if let e = E(rawValue: w) { set(e) } else {
                d.error("'\(key)' must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", ")), not '\(w)'", at: v.mark)
            }
        }
        word("present-base") { (e: PresentBase) in roster.presentBase = e }
        word("conditions-on-rejection") { (e: ConditionsOnRejection) in roster.conditionsOnRejection = e }
        word("fiscal-year-era") { (e: FiscalYearEra) in roster.fiscalYearEra = e }
        m.rejectUnknown(known: keys, diagnostics: &d)
        try d.check()
        return roster
    }

    /// How many members must attend.
    public var quorumCount: Int {
        switch quorum {
        case .moreThanHalf: return seats / 2 + 1
        case .twoThirds: return (2 * seats + 2) / 3
        case .atLeast(let n): return n
        }
    }

    /// The fiscal year as a document dated `iso` names it, under the roster's era rule.
    public func fiscalYearLabel(_ year: Int, on iso: String?) -> String {
        fiscalYearEra == .ofTheDate ? JapaneseDate.fiscalYearLabel(year, on: iso) : JapaneseDate.fiscalYearLabel(year)
    }

    /// The rule in the words an answer or the minutes use.
    public var ruleDescription: String {
        let q: String
        switch quorum {
        case .moreThanHalf: q = "委員\(seats)名の過半数（\(quorumCount)名）"
        case .twoThirds: q = "委員\(seats)名の3分の2以上（\(quorumCount)名）"
        case .atLeast(let n): q = "\(n)名以上"
        }
        let d: String
        switch decision {
        case .majorityOfVotesCast: d = "投票の過半数"
        case .majorityOfPresent:
            d = presentBase == .allPresent || chairVotes == .always ? "出席委員（会長を含む）の過半数" : "出席委員（表決に加わらない会長を除く）の過半数"
        case .twoThirdsOfVotesCast: d = "投票の3分の2以上"
        }
        let c: String
        switch chairVotes {
        case .tieOnly: c = "会長は可否同数のときに裁決"
        case .always: c = "会長も表決に加わる"
        case .never: c = "会長は表決に加わらない（可否同数は否決）"
        }
        return "定足数 \(q)、議決 \(d)、\(c)"
    }
}

/// One show of hands, as recorded for a `vote` step.
public struct Tally: Sendable, Equatable {
    public var present: Int
    public var votesFor: Int
    public var against: Int
    public var abstain: Int
    public var recused: Int
    /// The chair's casting vote on a tie: true for, false against, nil none.
    public var castingVote: Bool?
    public var rollCall: [String: [String]]?
    public var recountCalled: Bool
    /// The meeting that took the vote, filled in by the meeting's record (never typed by hand).
    public var meeting: MeetingFacts?

    /// What the meeting's record adds to a tally: the meeting, its date, the agenda position and
    /// the members present at that item (the chair included).
    public struct MeetingFacts: Sendable, Equatable {
        public var id: String
        public var date: String
        public var item: Int
        public var members: [String]

        public init(id: String, date: String, item: Int, members: [String]) {
            self.id = id
            self.date = date
            self.item = item
            self.members = members
        }
    }

    /// The record fields, as the `vote` step declares them.
    public static let schema = Schema([
        Field("present", .int, required: true, description: "members present (出席)"),
        Field("for", .int, required: true, description: "votes for (賛成)"),
        Field("against", .int, required: true, description: "votes against (反対)"),
        Field("abstain", .int, description: "abstentions (棄権)"),
        Field("recused", .int, description: "members present who withdrew from this item (除斥・回避)"),
        Field("casting_vote", .oneOf(["for", "against"]), description: "the chair's casting vote, only on a tie"),
        Field("roll_call", .object(Schema([Field("for", .list(of: .string)), Field("against", .list(of: .string)),
                                           Field("abstain", .list(of: .string))])), description: "who voted how"),
        Field("recount_called", .bool, default: .bool(false), description: "true if the chair called a recount of this show of hands"),
        Field("meeting", .object(Schema([Field("id", .string, required: true), Field("date", .date, required: true),
                                         Field("item", .int), Field("members", .list(of: .string))])),
              description: "filled in by the meeting's record of the vote (its date dates the answer); not typed by hand"),
    ])

    public init(present: Int, votesFor: Int, against: Int, abstain: Int = 0, recused: Int = 0, castingVote: Bool? = nil,
                rollCall: [String: [String]]? = nil, recountCalled: Bool = false) {
        self.present = present
        self.votesFor = votesFor
        self.against = against
        self.abstain = abstain
        self.recused = recused
        self.castingVote = castingVote
        self.rollCall = rollCall
        self.recountCalled = recountCalled
    }

    public init(record: [String: Value]) {
        self.init(present: record["present"]?.intValue ?? 0, votesFor: record["for"]?.intValue ?? 0,
                  against: record["against"]?.intValue ?? 0, abstain: record["abstain"]?.intValue ?? 0,
                  recused: record["recused"]?.intValue ?? 0,
                  castingVote: record["casting_vote"]?.stringValue.map { $0 == "for" },
                  recountCalled: record["recount_called"]?.boolValue ?? false)
        if case .map(let m)? = record["meeting"], let id = m["id"]?.stringValue, let date = m["date"]?.stringValue {
            var names: [String] = []
            if case .list(let l)? = m["members"] { names = l.compactMap(\.stringValue) }
            meeting = MeetingFacts(id: id, date: date, item: m["item"]?.intValue ?? 0, members: names)
        }
        if case .map(let roll)? = record["roll_call"] {
            rollCall = roll.compactMapValues { v in
                if case .list(let names) = v { return names.compactMap(\.stringValue) }
                return nil
            }
        }
    }
}

/// The outcome of a tally under a roster's rules.
public struct VoteResult: Sendable, Equatable {
    public var approved: Bool
    /// Members entitled to vote: present, less the recused, less the chair unless the chair votes.
    public var voters: Int
    public var castingVoteUsed: Bool
}

/// Why a tally cannot stand, naming the field to fix.
public struct TallyProblem: Error, Equatable {
    public var field: String?
    public var message: String
}

extension CouncilRoster {
    /// Applies the rules to a tally; throws the first reason it cannot stand.
    public func decide(_ t: Tally) throws(TallyProblem) -> VoteResult {
        for (field, n) in [("present", t.present), ("for", t.votesFor), ("against", t.against), ("abstain", t.abstain), ("recused", t.recused)] where n < 0 {
            throw TallyProblem(field: field, message: "'\(field)' is \(n); counts cannot be negative")
        }
        guard t.present <= seats else {
            throw TallyProblem(field: "present", message: "\(t.present) present, but the council has only \(seats) seats")
        }
        if let m = t.meeting, !m.members.isEmpty, m.members.count != t.present {
            throw TallyProblem(field: "present", message: "the tally says \(t.present) present, but the attendance of meeting '\(m.id)' has \(m.members.count) members present at item \(m.item)")
        }
        guard t.present >= quorumCount else {
            throw TallyProblem(field: "present", message: "no quorum: \(t.present) present, but \(quorumCount) must attend (\(ruleDescription)); the item cannot be voted on")
        }
        guard t.recused <= t.present else {
            throw TallyProblem(field: "recused", message: "\(t.recused) recused is more than the \(t.present) present")
        }
        let chairExcluded = chairVotes == .always ? 0 : 1
        let voters = t.present - t.recused - chairExcluded
        let cast = t.votesFor + t.against + t.abstain
        guard cast <= voters else {
            throw TallyProblem(field: "for", message: "more votes than voters: \(t.votesFor) for + \(t.against) against + \(t.abstain) abstaining = \(cast), but only \(voters) may vote (\(t.present) present\(t.recused > 0 ? ", \(t.recused) recused" : "")\(chairExcluded == 1 ? ", the chair not voting" : ""))")
        }
        if let roll = t.rollCall {
            var seen: [String: String] = [:]
            for (how, names) in roll.sorted(by: { $0.key < $1.key }) {
                for name in names {
                    guard members.contains(name) else { throw TallyProblem(field: "roll_call", message: "'\(name)' in the roll call is not a member of the council") }
                    if let other = seen[name] { throw TallyProblem(field: "roll_call", message: "'\(name)' appears under both '\(other)' and '\(how)' in the roll call") }
                    if name == chair && chairVotes != .always { throw TallyProblem(field: "roll_call", message: "the chair '\(name)' does not vote by show of hands; record a tie-break as casting_vote") }
                    seen[name] = how
                }
            }
            // A roll call names every counted vote: a list left out counts as naming nobody.
            for (how, count) in [("for", t.votesFor), ("against", t.against), ("abstain", t.abstain)] {
                let listed = roll[how]?.count ?? 0
                if listed != count {
                    throw TallyProblem(field: "roll_call", message: "the roll call names \(listed) '\(how)' but the tally counts \(count); a roll call must name every counted vote")
                }
            }
            if let here = t.meeting?.members {
                for name in roll.values.joined() where !here.contains(name) {
                    throw TallyProblem(field: "roll_call", message: "'\(name)' is in the roll call but was not present at this item of meeting '\(t.meeting?.id ?? "")'")
                }
            }
        }
        let tie = t.votesFor == t.against
        if let casting = t.castingVote {
            guard chairVotes == .tieOnly else {
                throw TallyProblem(field: "casting_vote", message: "this council's chair \(chairVotes == .always ? "votes with the others" : "never votes"), so there is no casting vote")
            }
            guard tie, decision == .majorityOfVotesCast else {
                throw TallyProblem(field: "casting_vote", message: "a casting vote is only given on a tie, but the vote is \(t.votesFor) for and \(t.against) against")
            }
            return VoteResult(approved: casting, voters: voters, castingVoteUsed: true)
        }
        switch decision {
        case .majorityOfVotesCast:
            if tie && chairVotes == .tieOnly {
                throw TallyProblem(field: "casting_vote", message: "a tie (\(t.votesFor) to \(t.against)): the chair decides; record casting_vote: for or against")
            }
            return VoteResult(approved: t.votesFor > t.against, voters: voters, castingVoteUsed: false)
        case .majorityOfPresent:
            let base = presentBase == .allPresent ? t.present - t.recused : voters
            return VoteResult(approved: t.votesFor * 2 > base, voters: voters, castingVoteUsed: false)
        case .twoThirdsOfVotesCast:
            let castFor = t.votesFor + t.against
            return VoteResult(approved: castFor > 0 && t.votesFor * 3 >= castFor * 2, voters: voters, castingVoteUsed: false)
        }
    }
}
