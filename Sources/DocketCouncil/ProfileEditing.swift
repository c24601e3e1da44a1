import DocketCore
import DocketYAML
import Foundation

/// The council profile changed by a form rather than in a text editor: its names, and a
/// member's seat. Each change is made on a `CouncilRoster` and written as a whole new
/// `council.yaml` (`yamlText`), which is read back by the very reader `docket` uses before it
/// is kept, so the board can write nothing the loader would refuse. The loader keeps no
/// comments: a profile written this way has none but its heading.
extension CouncilRoster {
    /// The names a profile gives, as a form edits them; nil for one left to its default.
    public struct Names: Sendable, Equatable {
        public var name: String
        public var organization: String
        public var head: String
        /// `addressee:`, `secretariat:`, `executive-side:` when written; nil: the default.
        public var addressee: String?
        public var secretariat: String?
        public var executiveSide: String?
        public var answerNumber: String
        public var departments: [String]
        /// 定数; nil while no member has a term: the seats are then the members (the loader's rule).
        public var seats: Int?

        public init(name: String, organization: String, head: String, addressee: String?, secretariat: String?,
                    executiveSide: String?, answerNumber: String, departments: [String], seats: Int?) {
            self.name = name
            self.organization = organization
            self.head = head
            self.addressee = addressee
            self.secretariat = secretariat
            self.executiveSide = executiveSide
            self.answerNumber = answerNumber
            self.departments = departments
            self.seats = seats
        }
    }

    /// The names as written (a default left nil).
    public var names: Names {
        Names(name: name, organization: organization, head: head, addressee: addresseeGiven, secretariat: secretariatGiven,
              executiveSide: executiveSideGiven, answerNumber: answerNumber.pattern, departments: departments,
              seats: isTermed ? seats : nil)
    }

    /// Whether any member has a term of office (then `seats` is written and checked against the
    /// members in office on each day; without terms the seats are the number of members).
    public var isTermed: Bool { memberships.contains { $0.appointed != nil || $0.termEnds != nil } }

    /// Takes `names` (blank optional names fall back to their defaults).
    public mutating func setNames(_ names: Names) {
        func given(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            return t
        }
        name = names.name.trimmingCharacters(in: .whitespaces)
        organization = names.organization.trimmingCharacters(in: .whitespaces)
        head = names.head.trimmingCharacters(in: .whitespaces)
        addresseeGiven = given(names.addressee)
        secretariatGiven = given(names.secretariat)
        executiveSideGiven = given(names.executiveSide)
        answerNumber = AnswerNumberFormat(pattern: names.answerNumber.trimmingCharacters(in: .whitespaces))
        departments = names.departments.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let given = names.seats { seats = given }
    }

    /// Adds a member (their name not already on the roster). On a roster without terms every
    /// member holds a seat for good, so the member adds a seat; with terms the seats stay.
    public mutating func addMember(_ member: Membership) throws {
        guard membership(of: member.name) == nil else { throw ProfileEditError.memberExists(member.name) }
        let termed = isTermed
        memberships.append(member)
        if !termed { seats = memberships.count }
        members = memberships.map(\.name)
        if member.role == .chair { chair = member.name }
    }

    /// Changes the role and term of the member `name` (their name stays).
    public mutating func changeMember(_ name: String, role: Membership.Role, appointed: String?, termEnds: String?) throws {
        guard let i = memberships.firstIndex(where: { $0.name == name }) else {
            throw ProfileEditError.noSuchMember(name, known: members)
        }
        memberships[i].role = role
        memberships[i].roleGiven = true
        memberships[i].appointed = appointed
        memberships[i].termEnds = termEnds
        if role == .chair { chair = name } else if chair == name { chair = "" }
    }

    /// Ends the term of `name` on `day` (their last day in office), keeping them on the roster:
    /// the minutes and answers of their time still name them.
    public mutating func endTerm(_ name: String, on day: String) throws {
        guard let m = membership(of: name) else { throw ProfileEditError.noSuchMember(name, known: members) }
        if let a = m.appointed, day < a { throw ProfileEditError.endsBeforeAppointed(name, appointed: a, end: day) }
        try changeMember(name, role: m.role, appointed: m.appointed, termEnds: day)
    }

    /// The profile as Docket writes `council.yaml`: every key spelt out, values quoted so that any
    /// name reads back the same. Hand-written comments are not kept.
    public var yamlText: String {
        func q(_ s: String) -> String { YAMLText.quoted(s) }
        var lines = [
            "# The council profile (委員名簿と議事の規則) of \(name.replacingOccurrences(of: "\n", with: " ")).",
            "# Written by the board: comments of an earlier version are not kept. Every version is in the history.",
            "docket-council: 1",
            "name: \(q(name))",
        ]
        if !organization.isEmpty { lines.append("organization: \(q(organization))") }
        if !head.isEmpty { lines.append("head: \(q(head))") }
        if let addresseeGiven { lines.append("addressee: \(q(addresseeGiven))") }
        if let secretariatGiven { lines.append("secretariat: \(q(secretariatGiven))") }
        if let executiveSideGiven { lines.append("executive-side: \(q(executiveSideGiven))") }
        if answerNumber != .standard { lines.append("answer-number: \(q(answerNumber.pattern))") }
        if !departments.isEmpty { lines.append("departments: [\(departments.map(q).joined(separator: ", "))]") }
        if isTermed || seats != memberships.count { lines.append("seats: \(seats)") }
        if memberships.isEmpty {
            lines.append("members: []")
        } else {
            lines.append("members:")
            for m in memberships {
                if m.role == .member, m.appointed == nil, m.termEnds == nil {
                    lines.append("  - \(q(m.name))")
                } else {
                    var fields = ["name: \(q(m.name))", "role: \(q(m.role.rawValue))"]
                    if let a = m.appointed { fields.append("appointed: \(q(a))") }
                    if let e = m.termEnds { fields.append("term-ends: \(q(e))") }
                    lines.append("  - {\(fields.joined(separator: ", "))}")
                }
            }
        }
        if !chair.isEmpty, !memberships.contains(where: { $0.role == .chair }) { lines.append("chair: \(q(chair))") }
        switch quorum {
        case .moreThanHalf: lines.append("quorum: more-than-half")
        case .twoThirds: lines.append("quorum: two-thirds")
        case .atLeast(let n): lines.append("quorum: {at-least: \(n)}")
        }
        lines.append("decision: \(decision.rawValue)")
        lines.append("chair-votes: \(chairVotes.rawValue)")
        lines.append("present-base: \(presentBase.rawValue)")
        lines.append("conditions-on-rejection: \(conditionsOnRejection.rawValue)")
        lines.append("fiscal-year-era: \(fiscalYearEra.rawValue)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` read as the loader reads `council.yaml` (throws its `DiagnosticsError`).
    public static func checked(_ text: String, source: String) throws -> CouncilRoster {
        try read(try YAMLLoader().loadSingleDocument(Array(text.utf8), file: source), source: source)
    }
}

/// What a change of the profile by form refuses before the profile's own checks.
public enum ProfileEditError: DocketFailure, Sendable, Equatable {
    case memberExists(String)
    case noSuchMember(String, known: [String])
    case endsBeforeAppointed(String, appointed: String, end: String)
    /// The file changed since the form was shown (someone else saved first).
    case changedMeanwhile
    case noProfile

    public var description: String {
        switch self {
        case .memberExists(let name): return "'\(name)' is already on the roster; change their term instead"
        case .noSuchMember(let name, let known):
            var text = "'\(name)' is not on the roster"
            if let near = Suggest.nearest(to: name, among: known) { text += "; did you mean '\(near)'?" }
            return text
        case .endsBeforeAppointed(let name, let a, let e): return "the term of '\(name)' cannot end (\(e)) before it began (\(a))"
        case .changedMeanwhile: return "the council profile was changed by someone else since this form was shown; look at it again and redo the change"
        case .noProfile: return "the workspace has no council profile (council.yaml beside docket.yaml)"
        }
    }

    public var kind: FailureKind {
        switch self {
        case .memberExists, .changedMeanwhile: return .refused
        case .noSuchMember, .noProfile: return .notFound
        case .endsBeforeAppointed: return .badInput
        }
    }
}
