import DocketCore
import DocketYAML
import Foundation

extension MeetingBook {
    /// Records the council's acknowledgement (了承) of a report item on the meeting's agenda.
    /// `record` holds what the meeting said (`acknowledged`, default true; `remarks`); the
    /// meeting's record adds the rest (the meeting's id, date and item, and `received_on`, the
    /// meeting's date), so the report is dated by the meeting that received it. Then the case's
    /// own record path checks it against the report step's schema.
    public func acknowledgeReport(_ id: String, caseID: String, record node: Node, source: String, runner: Runner,
                                  step: String = "report") throws {
        try require(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let (_, meeting) = try load(id)
        let position = try openItem(meeting, caseID: caseID, kind: .report)
        guard var pairs = node.pairs else {
            throw DiagnosticsError([Diagnostic(file: source, mark: node.mark, message: "the acknowledgement must be a mapping (acknowledged, remarks)")])
        }
        let filled = ["meeting", "received_on"].compactMap { key in
            node.value(forKey: key).map { Diagnostic(file: source, mark: $0.mark, message: "'\(key)' is filled in from the meeting's record; leave it out") }
        }
        guard filled.isEmpty else { throw DiagnosticsError(filled) }
        let m = node.mark
        if node.value(forKey: "acknowledged") == nil {
            pairs.append(.init(key: .scalar("acknowledged"), value: Node(.scalar("true", .plain), mark: m)))
        }
        pairs.append(.init(key: .scalar("received_on"), value: Node(.scalar(meeting.date, .plain), mark: m)))
        pairs.append(.init(key: .scalar("meeting"), value: Node(.mapping([
            .init(key: .scalar("id"), value: Node(.scalar(id, .singleQuoted), mark: m)),
            .init(key: .scalar("date"), value: Node(.scalar(meeting.date, .plain), mark: m)),
            .init(key: .scalar("item"), value: Node(.scalar(String(position), .plain), mark: m)),
        ]), mark: m)))
        try runner.record(caseID: caseID, stepID: step, node: Node(.mapping(pairs), mark: m), source: source)
    }

    /// An acknowledgement as the front ends build it from a few remarks (no file).
    public static func acknowledgement(remarks: [String]) -> Node {
        let m = Mark(line: 1, column: 1)
        var pairs: [Node.Pair] = [.init(key: .scalar("acknowledged"), value: Node(.scalar("true", .plain), mark: m))]
        if !remarks.isEmpty {
            pairs.append(.init(key: .scalar("remarks"), value: Node(.sequence(remarks.map { Node(.scalar($0, .doubleQuoted), mark: m) }), mark: m)))
        }
        return Node(.mapping(pairs), mark: m)
    }
}
