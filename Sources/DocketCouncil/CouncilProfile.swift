import DocketCore
import DocketYAML
import Foundation

/// A seat on the council: who, in what role, and from when to when (委嘱日 to 任期満了日).
public struct Membership: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case chair = "会長", viceChair = "副会長", member = "委員"
    }

    public var name: String
    public var role: Role
    /// 委嘱日, `YYYY-MM-DD`, or nil: in office since before any date Docket sees.
    public var appointed: String?
    /// 任期満了日, `YYYY-MM-DD` (the last day in office), or nil: no end.
    public var termEnds: String?
    /// Whether `role` was written (a bare name is a 委員 unless `chair:` names it).
    var roleGiven = true

    public init(name: String, role: Role = .member, appointed: String? = nil, termEnds: String? = nil) {
        self.name = name
        self.role = role
        self.appointed = appointed
        self.termEnds = termEnds
    }

    /// Whether the member is in office on `day` (`YYYY-MM-DD`).
    public func inOffice(on day: String) -> Bool {
        (appointed.map { $0 <= day } ?? true) && (termEnds.map { day <= $0 } ?? true)
    }

    /// The term in words: 「2024-04-01（令和6年4月1日）から2026-03-31（令和8年3月31日）まで」.
    public var termText: String {
        func day(_ iso: String) -> String { "\(iso)（\(JapaneseDate.era(iso) ?? iso)）" }
        switch (appointed, termEnds) {
        case (nil, nil): return "任期の定めなし"
        case (let a?, nil): return "\(day(a))から"
        case (nil, let e?): return "\(day(e))まで"
        case (let a?, let e?): return "\(day(a))から\(day(e))まで"
        }
    }
}

/// How an answer's number is printed: a pattern with `{番号}` (the number) and optionally
/// `{年度}` (the fiscal year as the answer names it, 令和8年度). The default is `{年度}第{番号}号`
/// (令和8年度第1号); a council may use its own, e.g. `み個審答第{番号}号`.
public struct AnswerNumberFormat: Sendable, Equatable {
    public static let standard = AnswerNumberFormat(pattern: "{年度}第{番号}号")
    public static let placeholders = ["{年度}", "{番号}"]

    public var pattern: String

    public init(pattern: String) {
        self.pattern = pattern
    }

    /// The number as printed; a draft without a number shows a blank (全角空白) and （案）.
    public func label(yearLabel: String, number: Int?) -> String {
        let text = pattern.replacingOccurrences(of: "{年度}", with: yearLabel)
            .replacingOccurrences(of: "{番号}", with: number.map(String.init) ?? "　")
        return number == nil ? text + "（案）" : text
    }

    /// Why `pattern` cannot number answers, or nil.
    static func problem(_ pattern: String) -> String? {
        guard pattern.contains("{番号}") else {
            return "'answer-number' must contain {番号} (the number), e.g. \"{年度}第{番号}号\" or \"み個審答第{番号}号\""
        }
        var rest = pattern
        for p in placeholders { rest = rest.replacingOccurrences(of: p, with: "") }
        if let open = rest.range(of: "{"), let close = rest.range(of: "}", range: open.upperBound..<rest.endIndex) {
            let word = String(rest[open.lowerBound..<close.upperBound])
            return "'answer-number' has \(word), which Docket does not know; it knows \(placeholders.joined(separator: " and "))"
        }
        return nil
    }
}

extension CouncilRoster {
    /// The profile's members as written (for `docket council show` and the board).
    public func membership(of name: String) -> Membership? { memberships.first { $0.name == name } }

    /// The members in office on `day`, in the profile's order.
    public func members(inOfficeOn day: String) -> [String] {
        memberships.filter { $0.inOffice(on: day) }.map(\.name)
    }

    /// Why `name` cannot sit on `day` (their term has not begun or has ended), or nil.
    public func termProblem(_ name: String, on day: String) -> String? {
        guard let m = membership(of: name), !m.inOffice(on: day) else { return nil }
        let when = "\(day)（\(JapaneseDate.era(day) ?? day)）"
        if let a = m.appointed, day < a {
            return "'\(name)' is not yet in office on \(when): their term runs \(m.termText); correct the date or the member's term in the council profile"
        }
        return "'\(name)' is no longer in office on \(when): their term ran \(m.termText); leave them out, or correct their term in the council profile"
    }

    /// The chair in office on `day`: the member with role 会長 whose term covers it; nil if none.
    public func chair(on day: String) -> String? {
        memberships.last { $0.role == .chair && $0.inOffice(on: day) }?.name
    }

    /// The vice-chairs (副会長) in office on `day`.
    public func viceChairs(on day: String) -> [String] {
        memberships.filter { $0.role == .viceChair && $0.inOffice(on: day) }.map(\.name)
    }

    /// Whom answers are addressed to: `addressee:`, else the organization's head (みどり市 and
    /// 市長 → みどり市長; 〇〇県 and 知事 → 〇〇県知事), else empty.
    public var addressee: String {
        if let addresseeGiven { return addresseeGiven }
        guard !head.isEmpty else { return "" }
        if let last = organization.last, head.first == last, head.count > 1 { return organization + head.dropFirst() }
        return organization + head
    }

    /// The secretariat, sender of receipts and archives: `secretariat:`, else 「<name> 事務局」.
    public var secretariat: String {
        secretariatGiven ?? Self.secretariat(of: name)
    }

    /// The default secretariat of the council `name`: 「<name> 事務局」 (empty for no name).
    public static func secretariat(of name: String) -> String {
        name.isEmpty ? "" : "\(name) 事務局"
    }

    /// How the minutes name the executive side: `executive-side:`, else from the head's title
    /// (区長 → 区側, 市長 → 市側, 町長 → 町側, 村長 → 村側, 知事 → 県側/都側/道側/府側 by the
    /// organization's name), else 執行機関側.
    public var executiveSide: String {
        if let executiveSideGiven { return executiveSideGiven }
        if head.count >= 2, head.hasSuffix("長"), let first = head.first { return "\(first)側" }
        if head == "知事", let last = organization.last, "都道府県".contains(last) { return "\(last)側" }
        return "執行機関側"
    }

    /// The answer number as this council prints it.
    public func numberLabel(yearLabel: String, number: Int?) -> String {
        answerNumber.label(yearLabel: yearLabel, number: number)
    }

    /// Loads and checks a profile (or a roster of today's format); throws `DiagnosticsError`
    /// with every problem's place.
    public static func load(path: String) throws -> CouncilRoster {
        try read(try YAMLLoader().loadFile(at: path), source: path)
    }

    /// Checks a profile already parsed; `source` names it in errors.
    public static func read(_ node: Node, source: String) throws -> CouncilRoster {
        var d = Diagnostics(file: source)
        var roster = CouncilRoster(name: "", seats: 0, chair: "", members: [], quorum: .moreThanHalf,
                                   decision: .majorityOfVotesCast, chairVotes: .tieOnly)
        guard var m = StrictMapping(node, what: "the council profile", diagnostics: &d) else { try d.check(); return roster }
        if let v = m.require("docket-council", "write 'docket-council: 1'", diagnostics: &d), let n = Read.int(v, "'docket-council'", &d), n != 1 {
            d.error("this profile is format \(n); this Docket reads format 1", at: v.mark)
        }
        func text(_ key: String, _ what: String) -> String? {
            guard let v = m.take(key), let t = Read.string(v, "'\(key)' (\(what))", &d) else { return nil }
            let trimmed = t.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { d.error("'\(key)' (\(what)) is blank; write it in, or leave the key out", at: v.mark) }
            return trimmed
        }
        if let v = m.require("name", "the council's name", diagnostics: &d) { roster.name = Read.string(v, "'name'", &d) ?? "" }
        roster.organization = text("organization", "whose council it is, e.g. みどり市") ?? ""
        roster.head = text("head", "the head's title, e.g. 市長") ?? ""
        roster.addresseeGiven = text("addressee", "whom answers are addressed to, e.g. みどり市長")
        roster.secretariatGiven = text("secretariat", "the secretariat's name")
        roster.executiveSideGiven = text("executive-side", "how the minutes name the executive side, e.g. 市側")
        if let v = m.take("answer-number"), let pattern = Read.string(v, "'answer-number'", &d) {
            if let problem = AnswerNumberFormat.problem(pattern) { d.error(problem, at: v.mark) }
            else { roster.answerNumber = AnswerNumberFormat(pattern: pattern) }
        }
        if let v = m.take("departments"), let items = Read.list(v, "'departments' (所管課)", &d) {
            roster.departments = items.compactMap { Read.text($0, "a department", &d) }
        }
        var seatsNode: Node?
        if let v = m.take("seats") {
            seatsNode = v
            roster.seats = Read.int(v, "'seats'", &d) ?? 0
            if roster.seats < 1 { d.error("'seats' must be at least 1", japanese: "定数は 1 以上にしてください。", at: v.mark) }
        }
        var chairNode: Node?
        if let v = m.require("members", "the members: names, or {name, role, appointed, term-ends}", diagnostics: &d),
           let items = Read.list(v, "'members'", &d) {
            var seen: Set<String> = []
            for item in items {
                guard let member = readMember(item, &d) else { continue }
                if !seen.insert(member.name).inserted {
                    d.error("member '\(member.name)' is listed twice", japanese: "「\(member.name)」が名簿に二度あります。", at: item.mark)
                }
                roster.memberships.append(member)
            }
            roster.members = roster.memberships.map(\.name)
            let termed = roster.memberships.contains { $0.appointed != nil || $0.termEnds != nil }
            if seatsNode == nil {
                if termed {
                    d.error("the members have terms of office, so write 'seats' (the council's number of seats, 定数)",
                            japanese: "任期のある委員がいるため、定数を設定してください。", at: v.mark)
                }
                roster.seats = roster.members.count
            } else if roster.seats > 0, !termed, roster.members.count != roster.seats {
                d.error("'members' lists \(roster.members.count) names but 'seats' is \(roster.seats)",
                        japanese: "名簿の委員は \(roster.members.count) 名ですが、定数は \(roster.seats) 名です。任期のない名簿では、定数は委員の人数と同じです。",
                        at: seatsNode?.mark ?? v.mark)
            } else if roster.seats > 0, termed {
                for day in Set(roster.memberships.compactMap(\.appointed)).sorted() {
                    let sitting = roster.members(inOfficeOn: day)
                    if sitting.count > roster.seats {
                        d.error("on \(day) \(sitting.count) members are in office but 'seats' is \(roster.seats); check the members' terms",
                                japanese: "\(JapaneseDate.era(day) ?? day)に在任する委員が \(sitting.count) 名となり、定数 \(roster.seats) 名を超えます。委員の任期か定数を確かめてください。",
                                at: seatsNode?.mark ?? v.mark)
                        break
                    }
                }
            }
        }
        if let v = m.take("chair"), let chair = Read.text(v, "'chair'", &d) {
            chairNode = v
            if let i = roster.memberships.firstIndex(where: { $0.name == chair }) {
                switch roster.memberships[i].role {
                case .chair: break
                case .member where roster.memberships[i].roleGiven == false: roster.memberships[i].role = .chair
                default:
                    d.error("the chair '\(chair)' has role \(roster.memberships[i].role.rawValue) in 'members'; give them role 会長, or name the 会長 here", at: v.mark)
                }
            } else if !roster.members.isEmpty {
                var message = "the chair '\(chair)' is not one of the members"
                if let near = Suggest.nearest(to: chair, among: roster.members) { message += "; did you mean '\(near)'?" }
                d.error(message, at: v.mark)
            }
            roster.chair = chair
        }
        let chairs = roster.memberships.filter { $0.role == .chair }
        if roster.chair.isEmpty { roster.chair = chairs.last?.name ?? "" }
        for (i, a) in chairs.enumerated() {
            for b in chairs[(i + 1)...] {
                let start = max(a.appointed ?? "0000-00-00", b.appointed ?? "0000-00-00")
                let end = min(a.termEnds ?? "9999-99-99", b.termEnds ?? "9999-99-99")
                if start <= end {
                    d.error("'\(a.name)' and '\(b.name)' are both 会長 on \(start == "0000-00-00" ? "the same days" : start); a council has one chair at a time: correct a role or a term",
                            japanese: "「\(a.name)」と「\(b.name)」が\(start == "0000-00-00" ? "同じ期間" : (JapaneseDate.era(start) ?? start) + "から")ともに会長になります。会長は一度に一人です。役職か任期を直してください。",
                            at: chairNode?.mark ?? node.value(forKey: "members")?.mark)
                }
            }
        }
        if !roster.members.isEmpty, chairs.isEmpty, chairNode == nil {
            d.error("no chair: name one with 'chair: NAME', or give a member role 会長",
                    japanese: "会長がいません。委員の一人を会長にしてください。", at: node.value(forKey: "members")?.mark)
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
                    if count < 1 || (roster.seats > 0 && count > roster.seats) {
                        d.error("'at-least' must be between 1 and the number of seats", japanese: "定足数（\(count) 名以上）は 1 名から定数までにしてください。", at: n.mark)
                    }
                    roster.quorum = .atLeast(count)
                }
                q.rejectUnknown(known: ["at-least"], diagnostics: &d)
            }
        }
        func word<E: RawRepresentable & CaseIterable>(_ key: String, _ set: (E) -> Void) where E.RawValue == String {
            guard let v = m.take(key), let w = Read.string(v, "'\(key)'", &d) else { return }
            if let e = E(rawValue: w) { set(e) } else {
                var message = "'\(key)' must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", ")), not '\(w)'"
                if let near = Suggest.nearest(to: w, among: E.allCases.map(\.rawValue)) { message += "; did you mean '\(near)'?" }
                d.error(message, at: v.mark)
            }
        }
        word("decision") { (e: Decision) in roster.decision = e }
        word("chair-votes") { (e: ChairVotes) in roster.chairVotes = e }
        word("present-base") { (e: PresentBase) in roster.presentBase = e }
        word("conditions-on-rejection") { (e: ConditionsOnRejection) in roster.conditionsOnRejection = e }
        word("fiscal-year-era") { (e: FiscalYearEra) in roster.fiscalYearEra = e }
        m.rejectUnknown(known: keys, diagnostics: &d)
        try d.check()
        return roster
    }

    /// One entry of `members`: a name, or `{name, role, appointed, term-ends}`.
    static func readMember(_ item: Node, _ d: inout Diagnostics) -> Membership? {
        if item.scalarText != nil {
            guard let name = Read.text(item, "a member", &d) else { return nil }
            var member = Membership(name: name)
            member.roleGiven = false
            return member
        }
        guard var m = StrictMapping(item, what: "a member (a name, or {name, role, appointed, term-ends})", diagnostics: &d) else { return nil }
        defer { m.rejectUnknown(known: ["name", "role", "appointed", "term-ends"], diagnostics: &d) }
        guard let v = m.require("name", "the member's name", diagnostics: &d), let name = Read.text(v, "'name'", &d) else { return nil }
        var member = Membership(name: name)
        member.roleGiven = false
        if let v = m.take("role"), let word = Read.string(v, "'role'", &d) {
            if let role = Membership.Role(rawValue: word) {
                member.role = role
                member.roleGiven = true
            } else {
                var message = "'role' of '\(name)' is '\(word)'; write one of \(Membership.Role.allCases.map(\.rawValue).joined(separator: ", "))"
                if let near = Suggest.nearest(to: word, among: Membership.Role.allCases.map(\.rawValue)) { message += " (did you mean '\(near)'?)" }
                d.error(message, at: v.mark)
            }
        }
        func day(_ key: String, _ what: String) -> String? {
            guard let v = m.take(key), let t = Read.text(v, "'\(key)' (\(what))", &d) else { return nil }
            switch CalendarDate.parse(t) {
            case .success(let iso): return iso
            case .failure(let problem):
                d.error("'\(key)' (\(what)) of '\(name)': \(problem)", at: v.mark)
                return nil
            }
        }
        member.appointed = day("appointed", "委嘱日")
        member.termEnds = day("term-ends", "任期満了日")
        if let a = member.appointed, let e = member.termEnds, e < a {
            d.error("the term of '\(name)' ends (\(e)) before it begins (\(a)); correct 'appointed' or 'term-ends'",
                    japanese: "「\(name)」の任期満了日（\(JapaneseDate.era(e) ?? e)）が委嘱日（\(JapaneseDate.era(a) ?? a)）より前です。", at: item.mark)
        }
        return member
    }
}
