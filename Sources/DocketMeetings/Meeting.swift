import DocketCore
import Foundation

/// A council meeting as its journal records it: the header fixed at `meeting new`, the agenda
/// in order, the attendance, and whether it is closed. Derived from the journal, never stored.
public struct Meeting: Sendable, Equatable {
    public var id: String
    public var title: String
    /// `YYYY-MM-DD`.
    public var date: String
    /// `14:00-17:30`, when given.
    public var time: String?
    public var place: String?
    public var agenda: [AgendaItem] = []
    public var attendance: Attendance?
    public var closed = false

    public init(id: String, title: String, date: String, time: String? = nil, place: String? = nil) {
        self.id = id
        self.title = title
        self.date = date
        self.time = time
        self.place = place
    }

    /// Folds a meeting's journal (see `MeetingBook` for the events it holds).
    public init(id: String, events: [JournalEvent]) {
        self.init(id: id, title: "", date: "")
        for e in events {
            switch (e.type, e.step) {
            case (.created, _):
                let i = e.inputs ?? [:]
                title = i["title"]?.stringValue ?? ""
                date = i["date"]?.stringValue ?? ""
                time = i["time"]?.stringValue
                place = i["place"]?.stringValue
            case (.recorded, MeetingBook.agendaStep?):
                guard case .map(let r)? = e.record, let kind = r["kind"]?.stringValue else { continue }
                if kind == "defer", let c = r["case"]?.stringValue, let i = agenda.firstIndex(where: { $0.caseID == c }) {
                    agenda[i].deferred = true
                } else if let k = AgendaItem.Kind(rawValue: kind) {
                    agenda.append(AgendaItem(kind: k, caseID: r["case"]?.stringValue, text: r["text"]?.stringValue))
                }
            case (.recorded, MeetingBook.attendanceStep?):
                attendance = e.record.flatMap { try? Attendance(value: $0) }
            case (.finished, _):
                closed = true
            default:
                continue
            }
        }
    }

    /// The agenda item holding `caseID`, with its 1-based position.
    public func item(of caseID: String) -> (position: Int, item: AgendaItem)? {
        agenda.firstIndex { $0.caseID == caseID }.map { ($0 + 1, agenda[$0]) }
    }

    /// An item as messages name it: `item 3 (r4-1-c3)`.
    public func label(_ position: Int) -> String {
        let item = agenda[position - 1]
        return "item \(position) (\(item.caseID ?? item.text ?? item.kind.rawValue))"
    }

    /// The members present when item `position` is taken up: those present at the opening, plus
    /// arrivals, less departures, that happened before it. Roster order is kept.
    public func present(at position: Int) -> [String] {
        guard let a = attendance else { return [] }
        var here = Set(a.members)
        for move in (a.arrivals.map { ($0, true) } + a.departures.map { ($0, false) })
            .sorted(by: { ($0.0.time ?? "", $0.1 ? 0 : 1) < ($1.0.time ?? "", $1.1 ? 0 : 1) }) {
            guard let before = resolve(move.0.before), before <= position else { continue }
            if move.1 { here.insert(move.0.member) } else { here.remove(move.0.member) }
        }
        return a.order.filter { here.contains($0) }
    }

    /// An agenda reference (a position or a case id) as a 1-based position.
    public func resolve(_ reference: String) -> Int? {
        if let n = Int(reference), n >= 1, n <= agenda.count { return n }
        return item(of: reference)?.position
    }
}

/// One item of the agenda (会議次第), in the order it was added.
public struct AgendaItem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// 諮問事項: a consultation case, decided by vote.
        case consultation
        /// 報告事項: a report case, acknowledged without a vote.
        case report
        /// その他 and the opening business (委嘱, 会長あいさつ): text only.
        case other
    }

    public var kind: Kind
    public var caseID: String?
    public var text: String?
    /// 継続審議: carried over to a later meeting, not decided here.
    public var deferred = false
}
