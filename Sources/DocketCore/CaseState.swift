/// A case's state, derived from its journal (never stored beside it).
public struct CaseState: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Opened and never run.
        case ready
        /// Run before and able to go on (a record waits to be used, or a run was interrupted).
        case running
        case waiting, completed, failed
        /// Withdrawn (取下げ): terminal until reopened; it can be archived as it stands.
        case withdrawn
    }

    /// Where one step stands.
    public struct StepState: Sendable {
        public enum Status: String, Sendable, Codable {
            /// Not run yet (or opened again for a new round).
            case pending
            /// A person's record waits to be used by the next run.
            case recorded
            /// Started and never finished: the run was interrupted; it runs again.
            case interrupted
            case completed, waiting, failed, skipped
        }

        public var status: Status = .pending
        public var outputs: [String: Value] = [:]
        /// Every document of every round, oldest first.
        public var documents: [DocumentRecord] = []
        public var records: [Value] = []
        /// Runs of the step: each try, retry and new round counts; going on after a record
        /// (the same run, resumed) does not.
        public var attempts = 0
        /// 1, then one more each time the case is sent back to or before this step.
        public var round = 1
        /// Whether it completed in some round (its latest outputs stay readable).
        public var completedOnce = false
        /// The last failure message or waiting prompt.
        public var message: String?
        public var updated: String?
    }

    public var caseID: String
    public var workflow: WorkflowSnapshot?
    public var inputs: [String: Value] = [:]
    public var created: String = ""
    public var updated: String = ""
    public var finished = false
    /// Withdrawn (取下げ) and not reopened since.
    public var withdrawn = false
    /// Why and by whom the case was last withdrawn, reopened or amended (the journal keeps them all).
    public var note: String?
    /// What the last `archived` event recorded (path, sha256), if any.
    public var archive: [String: Value]?
    /// Step states by id.
    public var steps: [String: StepState] = [:]

    public init(caseID: String) {
        self.caseID = caseID
    }

    /// Folds the journal's events into a state.
    public init(caseID: String, events: [JournalEvent]) {
        self.init(caseID: caseID)
        for event in events { apply(event) }
    }

    public mutating func apply(_ e: JournalEvent) {
        updated = e.time
        guard e.type != .created else {
            workflow = e.workflow
            inputs = e.inputs ?? [:]
            created = e.time
            return
        }
        guard e.type != .finished else {
            finished = true
            return
        }
        guard e.type != .archived else {
            archive = e.outputs
            return
        }
        switch e.type {
        case .amended:
            for (k, v) in e.inputs ?? [:] { inputs[k] = v }
            return
        case .withdrawn:
            withdrawn = true
            note = e.message
            return
        case .reopened:
            withdrawn = false
            note = e.message
            if let id = e.step, var s = steps[id], s.status == .failed {
                s.status = .pending
                s.message = "reopened: \(e.message ?? "")"
                steps[id] = s
            }
            return
        case .rerun:
            for other in e.reopened ?? [] {
                var r = steps[other] ?? StepState()
                r.status = .pending
                r.round += 1
                r.records = []
                r.message = "run again: \(e.message ?? "")"
                steps[other] = r
            }
            return
        default:
            break
        }
        guard let id = e.step else { return }
        var s = steps[id] ?? StepState()
        s.updated = e.time
        switch e.type {
        case .started:
            // Going on after a record is the same run, resumed.
            if s.status != .recorded { s.attempts += 1 }
            s.status = .interrupted
        case .completed:
            s.status = .completed
            s.outputs = e.outputs ?? [:]
            s.documents += e.documents ?? []
            s.message = nil
            s.completedOnce = true
        case .waiting:
            s.status = .waiting
            s.message = e.message
        case .recorded:
            if e.replaces == true, !s.records.isEmpty { s.records.removeLast() }
            s.records.append(e.record ?? .null)
            s.status = .recorded
            s.message = nil
        case .failed:
            s.status = .failed
            s.message = e.message
        case .skipped:
            s.status = .skipped
            s.message = e.message
        case .created, .finished, .archived, .amended, .rerun, .withdrawn, .reopened:
            break
        }
        steps[id] = s
        if e.type == .completed, let reopened = e.reopened {
            s.message = e.message
            steps[id] = s
            for other in reopened {
                var r = steps[other] ?? StepState()
                r.status = .pending
                r.round += 1
                r.records = []
                r.message = "sent back by step '\(id)'"
                steps[other] = r
            }
        }
    }

    public func step(_ id: String) -> StepState {
        steps[id] ?? StepState()
    }

    /// Outputs of the steps that completed (in their latest round), for expressions and steps.
    public var outputs: [String: [String: Value]] {
        steps.filter { $0.value.completedOnce }.mapValues(\.outputs)
    }

    /// Every document recorded so far.
    public var documents: [DocumentRecord] {
        steps.values.flatMap(\.documents).sorted { $0.path < $1.path }
    }

    /// The first step, in workflow order, that is not done.
    public func currentStep(order: [String]) -> String? {
        order.first { id in
            let s = step(id).status
            return s != .completed && s != .skipped
        }
    }

    /// The case's overall status.
    public func status(order: [String]) -> Status {
        if withdrawn { return .withdrawn }
        if finished { return .completed }
        guard let current = currentStep(order: order) else { return .running }
        switch step(current).status {
        case .waiting: return .waiting
        case .failed: return .failed
        default: return neverRun ? .ready : .running
        }
    }

    /// No step has run or been skipped yet.
    public var neverRun: Bool {
        steps.values.allSatisfy { $0.attempts == 0 && $0.status == .pending }
    }
}
