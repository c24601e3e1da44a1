import DocketCouncil
import DocketCore
import DocketYAML
import Foundation

/// Where a case stands, as `docket status --json` prints it (the README's stable fields:
/// case, workflow, state, step, created, updated, inputs, steps), plus what the index filters
/// and searches on. Made from the journal alone and the workflow snapshot's step list, so it
/// never needs the case's plugins installed.
public struct CaseSummary: Codable, Sendable, Equatable {
    public struct StepSummary: Codable, Sendable, Equatable {
        public var id, uses, name, state: String
        public var outputs: [String: Value]
        public var documents: [DocumentRecord]
        public var attempts: Int
        public var message: String?
    }

    public var `case`: String
    public var workflow: String
    /// A `CaseState` status word (kept as text: new states need no change here).
    public var state: String
    public var step: String?
    public var created, updated: String
    public var inputs: [String: Value]
    public var steps: [StepSummary]
    /// 件名 (the `subject` input), if the case has one.
    public var subject: String?
    /// When the waiting step began to wait, for a waiting case.
    public var waitingSince: String?
    /// Where the case stands in the work queue (the index's `stage` column; not in the JSON,
    /// so a summary read back from it has the default).
    public var stage: QueueStage = .ready

    enum CodingKeys: String, CodingKey {
        case `case`, workflow, state, step, created, updated, inputs, steps, subject
        case waitingSince = "waiting_since"
    }

    /// The current step's name in the workflow (「審議」), if it has one.
    public var stepName: String? {
        guard let step, let name = steps.first(where: { $0.id == step })?.name, !name.isEmpty else { return nil }
        return name
    }

    /// 所管課 (the `department` input).
    public var department: String? { inputs["department"]?.stringValue }

    /// The decision (`Decision`), from the latest step that decided (a vote or an answer's `decision`, or a
    /// recorded review's `approved`).
    public var decision: String? {
        var found: String?
        for s in decisionSteps where s.state == "completed" {
            if let d = s.outputs["decision"]?.stringValue { found = d }
            else if let a = s.outputs["approved"]?.boolValue { found = Decision(approved: a).label }
        }
        return found
    }

    /// The steps that carry a tally or a decision (a vote, an answer, a review that approved
    /// or not), in workflow order: where a case was decided, and how.
    public var decisionSteps: [StepSummary] {
        steps.filter { $0.outputs["for"] != nil || $0.outputs["decision"] != nil || $0.outputs["approved"] != nil }
    }

    /// The fiscal year (April to March) the case belongs to: the answer's `fiscal_year`, else
    /// that of its `date` input, else that of the day it was opened (in Japan).
    public var fiscalYear: Int? {
        for s in steps { if let y = s.outputs["fiscal_year"]?.intValue { return y } }
        if let date = inputs["date"]?.stringValue, let y = JapaneseDate.fiscalYear(ofDay: date) { return y }
        return JapaneseDate.fiscalYear(ofDay: created)
    }

    /// The summary of case `id` from its verified journal events and its steps in workflow
    /// order (`nil`: the snapshot does not load; the steps the journal names, in run order).
    public init(id: String, events: [JournalEvent], steps definitions: [WorkflowSteps.Step]?) {
        let state = CaseState(caseID: id, events: events)
        var defs = definitions ?? []
        if definitions == nil {
            var seen = Set<String>()
            for e in events { if let s = e.step, seen.insert(s).inserted { defs.append(.init(id: s, uses: "?", name: "")) } }
        }
        let order = defs.map(\.id)
        self.case = id
        workflow = state.workflow?.name ?? ""
        self.state = state.status(order: order).rawValue
        step = state.currentStep(order: order)
        created = state.created
        updated = state.updated
        inputs = state.inputs
        steps = defs.map { def in
            let s = state.step(def.id)
            return StepSummary(id: def.id, uses: def.uses, name: def.name, state: s.status.rawValue, outputs: s.outputs,
                               documents: s.documents, attempts: s.attempts, message: s.message)
        }
        subject = state.inputs["subject"]?.stringValue
        if let step, state.step(step).status == .waiting { waitingSince = state.step(step).updated }
        stage = QueueStage.of(status: self.state, step: step, order: order, sentBackTo: QueueStage.sentBackTo(events))
    }

    /// Pretty, sorted JSON, as `docket status --json` prints one case.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// The step list of a workflow snapshot (id, uses, name), read from its YAML without loading
/// the steps themselves, and remembered by the snapshot's SHA-256 (cases share workflows).
public final class WorkflowSteps: @unchecked Sendable {
    public struct Step: Sendable, Equatable {
        public var id, uses, name: String
    }

    private var cache: [String: [Step]] = [:]
    private var titles: [String: String] = [:]
    private let lock = NSLock()

    /// The snapshot's `title:` (nil when it has none or cannot be read), remembered as the steps are.
    public func title(of store: CaseStore, case id: String, sha256: String?) -> String? {
        guard steps(of: store, case: id, sha256: sha256) != nil else { return nil }
        if let sha256 {
            lock.lock()
            defer { lock.unlock() }
            return titles[sha256]
        }
        return Self.root(store, id)?.value(forKey: "title")?.scalarText
    }

    static func root(_ store: CaseStore, _ id: String) -> Node? {
        guard let data = FileManager.default.contents(atPath: store.workflowFile(id).path) else { return nil }
        return try? YAMLLoader().loadStream([UInt8](data), file: store.workflowFile(id).path).first
    }

    public init() {}

    /// The steps of case `id`'s snapshot, or nil if it cannot be read.
    public func steps(of store: CaseStore, case id: String, sha256: String?) -> [Step]? {
        if let sha256 {
            lock.lock()
            let hit = cache[sha256]
            lock.unlock()
            if let hit { return hit }
        }
        guard let root = Self.root(store, id), let items = root.value(forKey: "steps")?.items else { return nil }
        var steps: [Step] = []
        for item in items {
            guard let sid = item.value(forKey: "id")?.scalarText else { return nil }
            steps.append(Step(id: sid, uses: item.value(forKey: "uses")?.scalarText ?? "?", name: item.value(forKey: "name")?.scalarText ?? ""))
        }
        if let sha256 {
            lock.lock()
            cache[sha256] = steps
            if let title = root.value(forKey: "title")?.scalarText { titles[sha256] = title }
            lock.unlock()
        }
        return steps
    }
}
