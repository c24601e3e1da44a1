import DocketCore
import Foundation

/// A meeting as `docket meeting show --json` and `docket meetings --json` print it (stable keys).
public struct MeetingSummary: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var position: Int
        public var kind: String
        public var caseID: String?
        public var text: String?
        /// Members present when the item was taken up (nil before attendance is recorded).
        public var present: Int?
        public var quorumMet: Bool?
        /// 承認 / 不承認 (with the answer number), 継続審議, 報告（了承）, or nil while open.
        public var outcome: String?
        public var deferred: Bool

        enum CodingKeys: String, CodingKey {
            case position, kind, caseID = "case", text, present, quorumMet = "quorum_met", outcome, deferred
        }
    }

    public var id: String
    public var title: String
    public var date: String
    public var time: String?
    public var place: String?
    public var seats: Int
    public var quorum: Int
    public var presentAtOpening: Int?
    public var absent: [String]
    public var closed: Bool
    public var items: [Item]

    enum CodingKeys: String, CodingKey {
        case id, title, date, time, place, seats, quorum, presentAtOpening = "present_at_opening", absent, closed, items
    }

    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return e
    }
}

extension MeetingBook {
    public func summary(_ id: String) throws -> MeetingSummary {
        let (_, meeting) = try load(id)
        let roster = try roster(of: id)
        var items: [MeetingSummary.Item] = []
        for (i, item) in meeting.agenda.enumerated() {
            let present = meeting.attendance.map { _ in meeting.present(at: i + 1).count }
            var outcome: String?
            if item.deferred { outcome = "継続審議" } else if let c = item.caseID {
                if item.kind == .consultation, let vote = try decision(of: c, at: id) {
                    let (_, state) = try cases.load(c)
                    let number = state.steps.values.first { $0.completedOnce && $0.outputs["number_label"]?.stringValue != nil }?.outputs["number_label"]?.stringValue
                    outcome = (vote["decision"]?.stringValue ?? "") + (number.map { " \($0)" } ?? "")
                } else if item.kind == .report {
                    if let ack = try acknowledgement(of: c, at: id)?["acknowledged"]?.boolValue {
                        outcome = ack ? "報告（了承）" : "報告（了承されず）"
                    }
                }
            }
            items.append(.init(position: i + 1, kind: item.kind.rawValue, caseID: item.caseID, text: item.text, present: present,
                               quorumMet: present.map { $0 >= roster.quorumCount }, outcome: outcome, deferred: item.deferred))
        }
        return MeetingSummary(id: id, title: meeting.title, date: meeting.date, time: meeting.time, place: meeting.place,
                              seats: roster.seats, quorum: roster.quorumCount, presentAtOpening: meeting.attendance?.members.count,
                              absent: meeting.attendance?.absent ?? [], closed: meeting.closed, items: items)
    }
}
