import DocketCore
import DocketSteps
import DocketYAML
import Foundation

extension MeetingBook {
    /// Records a tally for a case on the meeting's agenda. `present` is taken from the
    /// attendance at that item (a tally that gives another figure is refused, naming both); the
    /// quorum is checked for that item; the record carries the meeting (id, date, item, the
    /// members present) so the vote is dated by the meeting that decided it and a roll call is
    /// checked against who was there. Then the case's own record path checks the tally.
    public func recordVote(_ id: String, caseID: String, tally node: Node, source: String, runner: Runner,
                           step: String = "vote") throws -> (present: Int, quorum: Int) {
        try require(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let (_, meeting) = try load(id)
        let position = try openItem(meeting, caseID: caseID, kind: .consultation)
        guard meeting.attendance != nil else { throw MeetingError.noAttendance(id) }
        let roster = try roster(of: id)
        let present = meeting.present(at: position)
        if present.count < roster.quorumCount {
            throw MeetingError.noQuorum(meeting: id, item: meeting.label(position), present: present.count, quorum: roster.quorumCount)
        }
        guard var pairs = node.pairs else {
            throw DiagnosticsError([Diagnostic(file: source, mark: node.mark, message: "the tally must be a mapping (present, for, against, …)")])
        }
        if let given = node.value(forKey: "present") {
            if let n = Int(given.scalarText ?? ""), n != present.count {
                throw MeetingError.presentContradicts(meeting: id, item: meeting.label(position), tally: n, attendance: present.count)
            }
        } else {
            pairs.append(.init(key: .scalar("present"), value: .scalar(String(present.count), at: node.mark)))
        }
        if node.value(forKey: "meeting") != nil {
            throw DiagnosticsError([Diagnostic(file: source, mark: node.value(forKey: "meeting")!.mark,
                                               message: "'meeting' is filled in from the meeting's record; leave it out of the tally")])
        }
        let m = node.mark
        pairs.append(.init(key: .scalar("meeting"), value: Node(.mapping([
            .init(key: .scalar("id"), value: Node(.scalar(id, .singleQuoted), mark: m)),
            .init(key: .scalar("date"), value: Node(.scalar(meeting.date, .plain), mark: m)),
            .init(key: .scalar("item"), value: Node(.scalar(String(position), .plain), mark: m)),
            .init(key: .scalar("members"), value: Node(.sequence(present.map { Node(.scalar($0, .singleQuoted), mark: m) }), mark: m)),
        ]), mark: m)))
        try runner.record(caseID: caseID, stepID: step, node: Node(.mapping(pairs), mark: m), source: source)
        return (present.count, roster.quorumCount)
    }
}

extension MeetingBook {
    /// What recording a tally and running its case did.
    public struct Decided: Sendable {
        public var present: Int
        public var quorum: Int
        /// The case's run after the tally: completed past the vote (decided), or waiting for
        /// the recount the tally called.
        public var report: Runner.Report
    }

    /// Records a tally of `caseID` at meeting `id` (as `recordVote`) and runs the case, so the
    /// vote decides it there and then, or the case waits for the recount. One operation for
    /// both front ends: `docket meeting vote --run` and the board's vote form.
    public func decideByVote(_ id: String, caseID: String, tally node: Node, source: String, runner: Runner,
                             step: String = "vote") async throws -> Decided {
        let (present, quorum) = try recordVote(id, caseID: caseID, tally: node, source: source, runner: runner, step: step)
        return Decided(present: present, quorum: quorum, report: try await runner.run(caseID: caseID))
    }

    /// Records the acknowledgement of report item `caseID` (as `acknowledgeReport`) and runs
    /// the case, so the report is settled at the meeting.
    public func acknowledgeAndRun(_ id: String, caseID: String, record node: Node, source: String, runner: Runner,
                                  step: String = "report") async throws -> Runner.Report {
        try acknowledgeReport(id, caseID: caseID, record: node, source: source, runner: runner, step: step)
        return try await runner.run(caseID: caseID)
    }
}
