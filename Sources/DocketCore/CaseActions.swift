import DocketYAML
import Foundation

/// Every case action, written once, below both front ends (`docket` and the web board). Each
/// takes the case lock, folds the journal, refuses with a `CaseError` when the state does not
/// allow the action (nothing written), checks what it was given, and appends its event(s) on
/// the journal's one commit path, recording who (`by`) and why (`reason`).
public struct CaseActions: Sendable {
    public let runner: Runner

    public init(runner: Runner) {
        self.runner = runner
    }

    var store: CaseStore { runner.store }

    /// Records what a person supplied for a waiting step (`values`, read from `source`: a file
    /// name or "form"), checked against the step's record schema and its own checks. With
    /// `replace`, replaces a record not yet used by a run (a reason is required).
    @discardableResult
    public func record(_ id: String, step stepID: String, values node: Node, source: String, by: String,
                       replace: Bool = false, reason: String? = nil) throws -> CaseState {
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        var (journal, state) = try store.load(id)
        try refuseIfClosed(state, action: "record for it")
        let workflow = try runner.workflow(of: id)
        guard let definition = workflow.step(stepID) else {
            throw CaseError.unknownStep(caseID: id, step: stepID, known: workflow.steps.map(\.id))
        }
        let stepState = state.step(stepID)
        if replace {
            guard stepState.status == .recorded else {
                throw CaseError.refused(caseID: id, "step '\(stepID)' has no record waiting to be used (it is \(stepState.status.rawValue)), so there is nothing to replace")
            }
            guard let reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw CaseError.invalidInput("a replaced record needs a reason, for the journal")
            }
        } else if stepState.status == .recorded {
            throw CaseError.refused(caseID: id, "step '\(stepID)' already has a record waiting to be used by the next run; replace it (giving a reason), or run the case to use it")
        } else if stepState.status != .waiting {
            throw CaseError.notWaiting(caseID: id, step: stepID, state: stepState.status.rawValue)
        }
        guard let type = runner.registry[definition.uses] else {
            throw CaseError.workflowChanged(store.workflowFile(id).path, "step type '\(definition.uses)' is not available (is its plugin installed in this workspace?)")
        }
        let scope = ExpressionScope(caseID: id, inputs: state.inputs, outputs: state.outputs)
        let with = try runner.resolveWith(definition, type: type, scope: scope, file: workflow.file).get()
        guard let schema = type.recordSchema(with: with) else {
            throw CaseError.notWaiting(caseID: id, step: stepID, state: "a step that takes no records")
        }
        var d = Diagnostics(file: source)
        let values = SchemaCheck.decode(node, against: schema, what: "the record for step '\(stepID)'", diagnostics: &d)
        try d.check()
        for (field, message) in type.checkRecord(values, with: with, snapshotFolder: store.workflowFiles(id)) {
            let mark = field.flatMap { node.value(forKey: $0)?.mark } ?? node.mark
            d.error(message, at: mark)
        }
        try d.check()
        if type.sendsBack(values, with: with), stepState.round >= Runner.maxRounds {
            throw CaseError.refused(caseID: id, "this record sends the case back, but it was sent back \(Runner.maxRounds - 1) times already (at most \(Runner.maxRounds) rounds); record a decision that does not send it back, or withdraw the case")
        }
        var event = JournalEvent(type: .recorded, step: stepID)
        event.record = .map(values)
        event.by = by
        if replace {
            event.replaces = true
            event.message = reason
        }
        try store.journal(id).append([event], to: &journal, now: runner.clock())
        state.apply(journal.events.last!)
        return state
    }

    /// What a person records for `step` of the case: the schema its record is checked
    /// against (for a template to fill in, or a form).
    public func recordSchema(_ id: String, step stepID: String) throws -> Schema {
        let (_, state) = try store.load(id)
        let workflow = try runner.workflow(of: id)
        guard let definition = workflow.step(stepID) else {
            throw CaseError.unknownStep(caseID: id, step: stepID, known: workflow.steps.map(\.id))
        }
        guard let type = runner.registry[definition.uses] else {
            throw CaseError.workflowChanged(store.workflowFile(id).path, "step type '\(definition.uses)' is not available (is its plugin installed in this workspace?)")
        }
        let scope = ExpressionScope(caseID: id, inputs: state.inputs, outputs: state.outputs)
        let with = (try? runner.resolveWith(definition, type: type, scope: scope, file: workflow.file).get()) ?? [:]
        guard let schema = type.recordSchema(with: with) else {
            throw CaseError.notWaiting(caseID: id, step: stepID, state: "a step that takes no records")
        }
        return schema
    }

    /// Opens `step` and every step after it again as a new round (earlier documents are kept)
    /// and runs the case. For a failure whose cause was in a committed document, or after the
    /// inputs were amended.
    public func rerun(_ id: String, step stepID: String, reason: String, by: String) async throws -> Runner.Report {
        try requireReason(reason)
        var setAside: [String] = []
        do {
            let lock = try store.lock(id)
            defer { withExtendedLifetime(lock) {} }
            var (journal, state) = try store.load(id)
            try refuseIfClosed(state, action: "run a step again")
            let workflow = try runner.workflow(of: id)
            let order = workflow.steps.map(\.id)
            guard let from = order.firstIndex(of: stepID) else {
                throw CaseError.unknownStep(caseID: id, step: stepID, known: order)
            }
            let s = state.step(stepID)
            if s.attempts == 0 && s.status == .pending {
                throw CaseError.refused(caseID: id, "step '\(stepID)' has not run yet, so there is nothing to run again; run the case")
            }
            if s.round >= Runner.maxRounds {
                throw CaseError.refused(caseID: id, "step '\(stepID)' has run \(Runner.maxRounds) rounds already, the most a step may; settle the case outside Docket or open a new one")
            }
            setAside = order[from...].filter { state.step($0).status == .recorded }
            var event = JournalEvent(type: .rerun, step: stepID)
            event.reopened = Array(order[from...])
            event.message = reason
            event.by = by
            try store.journal(id).append([event], to: &journal, now: runner.clock())
        }
        var report = try await runner.run(caseID: id)
        report.lines.insert("step '\(stepID)' and the steps after it run again as a new round (earlier documents are kept)", at: 0)
        for step in setAside {
            report.lines.insert("the record waiting for step '\(step)' was set aside (the journal keeps it); record it again if it still applies", at: 1)
        }
        return report
    }

    /// What `amend` changed and what it left as it was.
    public struct Amendment: Sendable {
        public var state: CaseState
        /// The inputs changed, with their old values (nil if unset before).
        public var changed: [(key: String, old: Value?, new: Value)]
        /// Steps that completed before the change and keep their results: rerun one to redo them.
        public var completedBefore: [String]
    }

    /// Corrects case inputs (`given` one by one, checked against the workflow's inputs).
    /// Completed steps keep what they produced; the amendment names them.
    public func amend(_ id: String, given: [GivenInput], reason: String, by: String) throws -> Amendment {
        guard !given.isEmpty else { throw CaseError.invalidInput("give at least one input to change, with its new value") }
        return try amend(id, reason: reason, by: by) { try Runner.decode(given, for: $0) }
    }

    /// Corrects case inputs from a whole form (the board's amend page): `node` holds every input
    /// the form shows, checked as the new-case form is; inputs it leaves out keep their values.
    public func amend(_ id: String, inputs node: Node, source: String, reason: String, by: String) throws -> Amendment {
        try amend(id, reason: reason, by: by) { workflow in
            var optional = workflow
            optional.inputs = Schema(workflow.inputs.fields.map { var f = $0; f.required = false; f.defaultValue = nil; return f })
            return try Runner.inputs(for: optional, node: node, source: source, given: [])
        }
    }

    private func amend(_ id: String, reason: String, by: String, values decode: (Workflow) throws -> [String: Value]) throws -> Amendment {
        try requireReason(reason)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        var (journal, state) = try store.load(id)
        try refuseIfClosed(state, action: "amend its inputs")
        let workflow = try runner.workflow(of: id)
        let values = try decode(workflow)
        let changed = values.filter { state.inputs[$0.key] != $0.value }.sorted { $0.key < $1.key }
        guard !changed.isEmpty else {
            throw CaseError.refused(caseID: id, "the inputs given are the case's inputs already")
        }
        var event = JournalEvent(type: .amended)
        event.inputs = Dictionary(uniqueKeysWithValues: changed.map { ($0.key, $0.value) })
        event.message = reason
        event.by = by
        let old = state.inputs
        try store.journal(id).append([event], to: &journal, now: runner.clock())
        state.apply(journal.events.last!)
        let completed = workflow.steps.map(\.id).filter { state.step($0).status == .completed || state.step($0).completedOnce }
        return Amendment(state: state, changed: changed.map { ($0.key, old[$0.key], $0.value) }, completedBefore: completed)
    }

    /// Withdraws the case (取下げ): it runs no further and can be archived as it stands.
    @discardableResult
    public func withdraw(_ id: String, reason: String, by: String) throws -> CaseState {
        try requireReason(reason)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        var (journal, state) = try store.load(id)
        // A completed case may be withdrawn too (its answer withdrawn after issue): it keeps its
        // documents and its answer number, which the register then marks withdrawn.
        if let why = AllowedActions(state: state, order: []).whyNot(.withdraw) { throw CaseError.refused(caseID: id, why) }
        var event = JournalEvent(type: .withdrawn)
        event.message = reason
        event.by = by
        try store.journal(id).append([event], to: &journal, now: runner.clock())
        state.apply(journal.events.last!)
        return state
    }

    /// Opens a withdrawn or failed case again; its next run continues where it stood (a failed
    /// step runs again).
    @discardableResult
    public func reopen(_ id: String, reason: String, by: String) throws -> CaseState {
        try requireReason(reason)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        var (journal, state) = try store.load(id)
        let order = try runner.workflow(of: id).steps.map(\.id)
        let status = state.status(order: order)
        if let why = AllowedActions(state: state, order: order).whyNot(.reopen) { throw CaseError.refused(caseID: id, why) }
        var event = JournalEvent(type: .reopened, step: status == .failed ? state.currentStep(order: order) : nil)
        event.message = reason
        event.by = by
        try store.journal(id).append([event], to: &journal, now: runner.clock())
        state.apply(journal.events.last!)
        return state
    }

    private func requireReason(_ reason: String) throws {
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw CaseError.reasonRequired
        }
    }

    private func refuseIfClosed(_ state: CaseState, action: String) throws {
        if let why = AllowedActions.closed(state, action: action) { throw CaseError.refused(caseID: state.caseID, why) }
    }
}
