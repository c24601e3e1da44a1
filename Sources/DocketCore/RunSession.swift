import DocketYAML
import Foundation

/// One `Runner.run` of one case, in named parts: what the run holds (the journal as read and
/// appended, the state folded from it, the lines it reports), deciding what happens to the
/// next step (`advance`), executing it, and committing the outcome. Made and used under the
/// case's lock.
struct RunSession {
    let runner: Runner
    let caseID: String
    let workflow: Workflow
    let order: [String]
    /// One journal handle for the whole run (its paths are worked out once).
    let handle: Journal
    var journal: Journal.Contents
    var state: CaseState
    var lines: [String] = []
    /// Retries left per step in this run (a step's `retry:`).
    var triesLeft: [String: Int] = [:]

    /// Whether the run goes on to the next step or stops where the case now stands.
    enum Next {
        case goOn
        case stop
    }

    init(runner: Runner, caseID: String, journal: Journal.Contents, state: CaseState) throws {
        self.runner = runner
        self.caseID = caseID
        self.journal = journal
        self.state = state
        try runner.store.checkSnapshot(caseID, recorded: state.workflow)
        workflow = try runner.workflow(of: caseID)
        order = workflow.steps.map(\.id)
        handle = runner.store.journal(caseID)
    }

    /// Where the case stands, with what this run did.
    func report() -> Runner.Report {
        let status = state.status(order: order), step = state.currentStep(order: order)
        let message = (status == .waiting || status == .failed) ? step.flatMap { state.step($0).message } : nil
        return Runner.Report(caseID: caseID, status: status, step: step, lines: lines, message: message)
    }

    /// Appends `event` as the run's user on the one commit path (durable unless it only marks a
    /// start), and folds it into the state.
    mutating func append(_ event: JournalEvent) throws {
        var e = event
        e.by = runner.user
        try handle.append([e], to: &journal, now: runner.clock(), durable: e.type != .started)
        state.apply(journal.events.last!)
    }

    /// A completed case has nothing to run (`.stop`); a withdrawn one is refused.
    mutating func checkOpen() throws -> Next {
        if state.finished {
            lines.append("case \(caseID) is already completed; nothing to run")
            return .stop
        }
        if state.withdrawn, let why = AllowedActions.closed(state, action: "run it") {
            throw CaseError.refused(caseID: caseID, why)
        }
        return .goOn
    }

    /// The step to take next, if any.
    var nextStep: String? { state.currentStep(order: order) }

    /// Takes step `id` one move: stops at a waiting step, skips one whose `if:` is false, else
    /// evaluates its `with:`, runs it and commits what came of it.
    mutating func advance(_ id: String) async throws -> Next {
        let definition = workflow.step(id)!
        let current = state.step(id)
        if current.status == .waiting {
            lines.append("step '\(id)' is waiting: \(current.message ?? "it needs a record")")
            return .stop
        }
        guard let type = runner.registry[definition.uses] else {
            throw CaseError.workflowChanged(runner.store.workflowFile(caseID).path, "step type '\(definition.uses)' is not available")
        }
        let scope = ExpressionScope(caseID: caseID, inputs: state.inputs, outputs: state.outputs)
        switch try checkCondition(id, definition, scope) {
        case .holds: break
        case .skipped: return .goOn
        case .failed: return .stop
        }
        let with: [String: Value]
        switch runner.resolveWith(definition, type: type, scope: scope, file: workflow.file) {
        case .success(let values): with = values
        case .failure(let problem):
            try fail(id, problem.description)
            return .stop
        }
        var started = JournalEvent(type: .started, step: id)
        started.attempt = current.status == .recorded ? max(1, current.attempts) : current.attempts + 1
        started.message = (type as? any StepProvenance)?.provenance
        try append(started)
        let outcome = await runner.execute(type, definition: definition, caseID: caseID, with: with, state: state, order: order,
                                           plugins: workflow.plugins)
        return try commit(outcome, step: id, definition: definition, round: current.round)
    }

    /// What a step's `if:` came to.
    enum Condition {
        case holds, skipped, failed
    }

    /// Evaluates step `id`'s `if:`; journals `skipped` when it is false, and fails the step
    /// when it cannot be evaluated.
    mutating func checkCondition(_ id: String, _ definition: StepDefinition, _ scope: ExpressionScope) throws -> Condition {
        guard let condition = definition.condition else { return .holds }
        let holds: Bool
        do {
            holds = try condition.truth(in: scope)
        } catch {
            try fail(id, "its 'if' condition cannot be evaluated: \(error.message)")
            return .failed
        }
        if holds { return .holds }
        var e = JournalEvent(type: .skipped, step: id)
        e.message = "its 'if' condition is false"
        try append(e)
        lines.append("step '\(id)' skipped: its 'if' condition is false")
        return .skipped
    }

    /// Journals what the step came to: its documents and outputs (and a send-back), a wait for
    /// a person, or a failure (tried again while its `retry:` allows).
    mutating func commit(_ outcome: StepOutcome, step id: String, definition: StepDefinition, round: Int) throws -> Next {
        switch outcome {
        case .completed(let outputs), .sendBack(let outputs, _, _):
            var e = JournalEvent(type: .completed, step: id)
            if case .sendBack(_, let target, let reason) = outcome {
                guard let from = order.firstIndex(of: target), let to = order.firstIndex(of: id), from <= to else {
                    try fail(id, "it asked to send the case back to '\(target)', which is not this step or one before it")
                    return .stop
                }
                guard round < Runner.maxRounds else {
                    try fail(id, "the case was sent back \(Runner.maxRounds - 1) times already; settle it outside Docket or open a new case")
                    return .stop
                }
                e.reopened = Array(order[from...to])
                e.message = reason
            }
            do {
                e.documents = try runner.commitDocuments(caseID: caseID, step: id, folder: StepContext.documentFolder(id, round: round))
            } catch let problem as DocumentProblem {
                try fail(id, problem.description)
                return .stop
            }
            e.outputs = outputs
            try append(e)
            let documents = e.documents ?? []
            let docs = documents.isEmpty ? "" : " (\(documents.count) document\(documents.count == 1 ? "" : "s"): \(documents.map(\.path).joined(separator: ", ")))"
            lines.append("step '\(id)' (\(definition.uses)) completed\(docs)")
            if let reopened = e.reopened {
                lines.append("step '\(id)' sent the case back to '\(reopened[0])': \(e.message ?? ""); \(reopened.joined(separator: ", ")) run again")
            }
            return .goOn
        case .waiting(let prompt):
            var e = JournalEvent(type: .waiting, step: id)
            e.message = prompt
            try append(e)
            lines.append("step '\(id)' is waiting: \(prompt)")
            return .stop
        case .failed(let message):
            let left = triesLeft[id] ?? definition.retry
            if left > 0 {
                triesLeft[id] = left - 1
                var e = JournalEvent(type: .failed, step: id)
                e.message = message
                try append(e)
                lines.append("step '\(id)' failed: \(message); trying again (\(left) \(left == 1 ? "try" : "tries") left)")
                return .goOn
            }
            try fail(id, message)
            return .stop
        }
    }

    /// Journals that step `id` failed, and why.
    mutating func fail(_ id: String, _ message: String) throws {
        var e = JournalEvent(type: .failed, step: id)
        e.message = message
        try append(e)
        lines.append("step '\(id)' failed: \(message)")
    }

    /// Journals that the case is complete.
    mutating func finish() throws {
        try append(JournalEvent(type: .finished))
        lines.append("case \(caseID) completed")
    }
}
