import DocketCore
import DocketYAML
import Foundation

/// The council's profile: who the council is, whom it answers, who sits on it and when, and its
/// voting rules. A workspace keeps it as `council.yaml` beside `docket.yaml`; `docket init` writes a
/// commented skeleton. Today's roster files (plain member names, `chair:` by name, the rule keys)
/// stay valid profiles: everything below `name` but `members` is optional.
///
///     docket-council: 1
///     name: 個人情報保護審議会            # the council's name, as documents print it
///     organization: みどり市              # whose council it is
///     head: 市長                          # the head's title: answers go to みどり市長
///     secretariat: 個人情報保護審議会 事務局  # default: <name> 事務局 (sender, archives)
///     executive-side: 市側                # in the minutes; default from head (区長 → 区側)
///     answer-number: "み個審答第{番号}号"   # default {年度}第{番号}号 (令和8年度第1号)
///     departments: [情報政策課, 人事課]    # 所管課, optional (listed by docket council show)
///     seats: 15                           # default: the number of members (required with terms)
///     members:
///       - 委員01                          # a name only: a 委員 with no term
///       - {name: 山田 太郎, role: 会長, appointed: 2024-04-01, term-ends: 2026-03-31}
///     chair: 委員01                        # optional when a member has role 会長
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
    /// The chair named by `chair:`, else the member with role 会長 (the latest appointed).
    public var chair: String
    /// Every member's name, in the profile's order (past members included).
    public var members: [String]
    public var quorum: Quorum
    public var decision: Decision
    public var chairVotes: ChairVotes
    public var presentBase: PresentBase = .excludingNonVotingChair
    public var conditionsOnRejection: ConditionsOnRejection = .omit
    public var fiscalYearEra: FiscalYearEra = .ofTheDate
    /// Each member's role and term of office, in `members` order.
    public var memberships: [Membership] = []
    /// The organization whose council this is (〇〇市), or empty.
    public var organization: String = ""
    /// The head's title (市長, 区長, 町長, 知事…), or empty.
    public var head: String = ""
    var addresseeGiven: String?
    var secretariatGiven: String?
    var executiveSideGiven: String?
    /// How answers are numbered.
    public var answerNumber = AnswerNumberFormat.standard
    /// The departments (所管課) that may consult the council; empty: any.
    public var departments: [String] = []

    public init(name: String, seats: Int, chair: String, members: [String], quorum: Quorum,
                decision: Decision, chairVotes: ChairVotes) {
        self.name = name
        self.seats = seats
        self.chair = chair
        self.members = members
        self.quorum = quorum
        self.decision = decision
        self.chairVotes = chairVotes
        memberships = members.map { Membership(name: $0, role: $0 == chair ? .chair : .member) }
    }

    static let keys = ["docket-council", "name", "organization", "head", "addressee", "secretariat", "executive-side",
                       "answer-number", "departments", "seats", "chair", "members", "quorum", "decision", "chair-votes",
                       "present-base", "conditions-on-rejection", "fiscal-year-era"]

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
        guard !members.isEmpty else {
            throw TallyProblem(field: nil, message: "the council profile lists no members yet: fill in 'members' (and 'seats') in council.yaml, then record the tally again")
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
            let chairName = t.meeting.flatMap { chair(on: $0.date) } ?? chair
            var seen: [String: String] = [:]
            for (how, names) in roll.sorted(by: { $0.key < $1.key }) {
                for name in names {
                    guard members.contains(name) else { throw TallyProblem(field: "roll_call", message: "'\(name)' in the roll call is not a member of the council") }
                    if let other = seen[name] { throw TallyProblem(field: "roll_call", message: "'\(name)' appears under both '\(other)' and '\(how)' in the roll call") }
                    if name == chairName && chairVotes != .always { throw TallyProblem(field: "roll_call", message: "the chair '\(name)' does not vote by show of hands; record a tie-break as casting_vote") }
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
