import DocketCore
import DocketCouncil
import DocketSteps
import DocketYAML
import Foundation

/// Who attended a meeting, as `docket meeting attend --file F` records it:
///
///     members: [委員01, 委員02, …]     # present at the opening, names from the profile, in office that day
///     arrivals:   [{member: 委員05, time: "14:40", before: 3}]   # before: agenda position or case id
///     departures: [{member: 委員07, time: "17:00", before: r4-1-r1}]
///     staff: [情報政策推進部長, 人事課長, 事務局]   # the executive side (区側, 市側…), by title
///     observers: 2                                 # 傍聴者
///     materials:
///       in_advance: [諮問事項の資料]               # 事前配付資料
///       on_the_day: [前回答申文, 諮問文]           # 席上配付資料
///
/// A member who left before an item does not count for it; one who arrived before it does.
public struct Attendance: Sendable, Equatable, Codable {
    public struct Movement: Sendable, Equatable, Codable {
        public var member: String
        public var time: String?
        /// The agenda item it happened before: its position (1, 2, …) or its case id.
        public var before: String
    }

    public var members: [String]
    public var arrivals: [Movement] = []
    public var departures: [Movement] = []
    public var staff: [String] = []
    public var observers: Int = 0
    public var inAdvance: [String] = []
    public var onTheDay: [String] = []
    /// The roster's order, so lists print as the roster does.
    public var order: [String] = []

    enum CodingKeys: String, CodingKey {
        case members, arrivals, departures, staff, observers, inAdvance = "in_advance", onTheDay = "on_the_day", order
    }

    public init(members: [String], order: [String]) {
        self.members = members
        self.order = order
    }

    /// Members who were never present.
    public var absent: [String] {
        let came = Set(members + arrivals.map(\.member))
        return order.filter { !came.contains($0) }
    }

    /// From the journal's record.
    init(value: Value) throws {
        self = try JSONDecoder().decode(Attendance.self, from: JSONEncoder().encode(value))
    }

    /// As the journal records it.
    var value: Value {
        (try? JSONDecoder().decode(Value.self, from: JSONEncoder().encode(self))) ?? .null
    }

    /// Reads and checks an attendance file against the roster and the agenda; throws
    /// `DiagnosticsError` naming every problem's place.
    public static func load(path: String, roster: CouncilRoster, meeting: Meeting) throws -> Attendance {
        try read(try YAMLLoader().loadFile(at: path), source: path, roster: roster, meeting: meeting)
    }

    /// Checks an attendance already parsed (a file's, or the board's form); `source` names it in errors.
    public static func read(_ node: Node, source: String, roster: CouncilRoster, meeting: Meeting) throws -> Attendance {
        var d = Diagnostics(file: source)
        var a = Attendance(members: [], order: roster.members(inOfficeOn: meeting.date))
        func member(_ n: Node, _ what: String) -> String? {
            guard let name = Read.text(n, what, &d) else { return nil }
            guard roster.members.contains(name) else {
                var text = "'\(name)' is not a member in the council profile"
                if let near = Suggest.nearest(to: name, among: roster.members) { text += "; did you mean '\(near)'?" }
                d.error(text, at: n.mark)
                return nil
            }
            // A member sits only within their term of office (委嘱日 to 任期満了日).
            if let problem = roster.termProblem(name, on: meeting.date) {
                d.error(problem, at: n.mark)
                return nil
            }
            return name
        }
        func texts(_ n: Node?, _ what: String) -> [String] {
            guard let n, let items = Read.list(n, what, &d) else { return [] }
            return items.compactMap { Read.text($0, what, &d) }
        }
        func moves(_ n: Node?, _ what: String) -> [Movement] {
            guard let n, let items = Read.list(n, what, &d) else { return [] }
            var out: [Movement] = []
            for item in items {
                guard var m = StrictMapping(item, what: what, diagnostics: &d) else { continue }
                let who = m.require("member", "the member's name", diagnostics: &d).flatMap { member($0, "'member'") }
                let time = m.take("time").flatMap { Read.text($0, "'time'", &d) }
                var before: String?
                if let b = m.require("before", "the agenda item it happened before (its position or case id)", diagnostics: &d) {
                    before = Read.text(b, "'before'", &d)
                    if let ref = before, meeting.resolve(ref) == nil {
                        d.error("'before: \(ref)' is not an item of the agenda (positions 1-\(meeting.agenda.count), or a case id on it)", at: b.mark)
                        before = nil
                    }
                }
                m.rejectUnknown(known: ["member", "time", "before"], diagnostics: &d)
                if let who, let before { out.append(Movement(member: who, time: time, before: before)) }
            }
            return out
        }
        if var m = StrictMapping(node, what: "the attendance", diagnostics: &d) {
            if let v = m.require("members", "the members present at the opening", diagnostics: &d), let items = Read.list(v, "'members'", &d) {
                var seen: Set<String> = []
                for item in items {
                    guard let name = member(item, "a member") else { continue }
                    if !seen.insert(name).inserted { d.error("'\(name)' is listed twice", at: item.mark) }
                    a.members.append(name)
                }
            }
            a.arrivals = moves(m.take("arrivals"), "an arrival")
            a.departures = moves(m.take("departures"), "a departure")
            a.staff = texts(m.take("staff"), "'staff' (the executive side's officials, by title)")
            if let v = m.take("observers"), let n = Read.int(v, "'observers'", &d) {
                if n < 0 { d.error("'observers' cannot be negative", at: v.mark) }
                a.observers = n
            }
            if let v = m.take("materials"), var mm = StrictMapping(v, what: "'materials'", diagnostics: &d) {
                a.inAdvance = texts(mm.take("in_advance"), "'in_advance' (事前配付資料)")
                a.onTheDay = texts(mm.take("on_the_day"), "'on_the_day' (席上配付資料)")
                mm.rejectUnknown(known: ["in_advance", "on_the_day"], diagnostics: &d)
            }
            m.rejectUnknown(known: ["members", "arrivals", "departures", "staff", "observers", "materials"], diagnostics: &d)
            for arrival in a.arrivals where a.members.contains(arrival.member) {
                d.error("'\(arrival.member)' arrives, but is already listed as present at the opening", at: node.value(forKey: "arrivals")?.mark)
            }
        }
        try d.check()
        return a
    }
}
