import DocketYAML
import Foundation

/// Something a person can do to a case. What each one needs of the case's state is decided in
/// one place (`AllowedActions`); the case actions refuse by the same rule, and the front ends
/// render it (a button, or its reason; a command's hint).
public enum CaseAction: String, Sendable, CaseIterable {
    /// Move the case on (`Runner.run`).
    case run
    /// Supply the record a waiting step asks for.
    case record
    /// Supply corrected materials to the step that asks for them after a send-back.
    case supplyMaterials
    /// Run a step again, and the steps after it, as a new round.
    case rerun
    /// Correct the case's inputs.
    case amend
    /// Withdraw the case (取下げ).
    case withdraw
    /// Open a withdrawn or failed case again.
    case reopen
    /// Package the completed case as its archive.
    case archive
}

/// What a case allows now and, for each action it does not, why not (in the council's words,
/// naming what to do instead).
public struct AllowedActions: Sendable, Equatable {
    /// Why each refused action is refused.
    public var refusals: [CaseAction: String]
    /// The step waiting for a record, if any.
    public var waitingStep: String?
    /// The waiting step that takes corrected materials (its record has a `materials` folder).
    public var materialsStep: String?
    /// For a failed case, the folder input that takes a missing file (the files a failed
    /// draft lacked are added to it, and the failed step runs again). Nil otherwise.
    public var missingFilesInput: String?

    public func allows(_ action: CaseAction) -> Bool { refusals[action] == nil }

    /// Why `action` is not allowed now, or nil when it is.
    public func whyNot(_ action: CaseAction) -> String? { refusals[action] }

    /// The same reason in Japanese, as the board says it (the CLI says `whyNot`).
    public func whyNotJapanese(_ action: CaseAction) -> String? { japanese[action] }

    /// The refusals in Japanese, the same rules as `refusals`.
    public var japanese: [CaseAction: String] = [:]

    /// The actions allowed now, in `CaseAction` order.
    public var allowed: [CaseAction] { CaseAction.allCases.filter(allows) }

    /// The rules over a case's folded state and its workflow's step order. `materialsStep` is
    /// the waiting step whose record takes corrected materials (see `CaseActions.materialsStep`).
    public init(state: CaseState, order: [String], materialsStep: String? = nil, folderInput: String? = nil) {
        let status = state.status(order: order)
        let current = state.currentStep(order: order)
        waitingStep = status == .waiting ? current : nil
        self.materialsStep = materialsStep
        missingFilesInput = status == .failed && !state.withdrawn ? folderInput : nil
        var no: [CaseAction: String] = [:]
        no[.run] = Self.closed(state, action: "run it")
            ?? waitingStep.map { "step '\($0)' waits for a record; supply it first" }
        if waitingStep == nil { no[.record] = "no step is waiting for a record (the case is \(status.rawValue))" }
        if materialsStep == nil && missingFilesInput == nil {
            no[.supplyMaterials] = "no step is waiting for corrected materials (they are asked for after the council sends the case back)"
        }
        no[.rerun] = Self.closed(state, action: "run a step again")
        if no[.rerun] == nil, !order.contains(where: { state.step($0).attempts > 0 || state.step($0).status != .pending }) {
            no[.rerun] = "no step has run yet, so there is nothing to run again; run the case"
        }
        no[.amend] = Self.closed(state, action: "amend its inputs")
        if state.withdrawn { no[.withdraw] = "it is withdrawn already (\(TerminalText.escaped(state.note ?? "")))" }
        if status != .withdrawn && status != .failed {
            no[.reopen] = "only a withdrawn or failed case can be reopened, and it is \(status.rawValue)"
        }
        if status != .completed {
            no[.archive] = "it is not completed (it is \(status.rawValue)); finish it first, or archive it as it stands (a partial archive)"
        } else if state.archive != nil {
            no[.archive] = "it is archived already"
        }
        refusals = no
        japanese = Self.japanese(no, state: state, status: status, waitingStep: waitingStep)
    }

    /// The Japanese of each refusal in `no` (the same rule decided it; only the words differ).
    static func japanese(_ no: [CaseAction: String], state: CaseState, status: CaseState.Status, waitingStep: String?) -> [CaseAction: String] {
        let statusWord: String
        switch status {
        case .ready: statusWord = "未実行"
        case .running: statusWord = "実行の途中"
        case .waiting: statusWord = "記録待ち"
        case .completed: statusWord = "完了"
        case .failed: statusWord = "停止中"
        case .withdrawn: statusWord = "取下げ"
        }
        func closed(_ what: String) -> String? {
            if state.withdrawn { return "この案件は取り下げられています（\(TerminalText.escaped(state.note ?? "理由の記載なし"))）。\(what)には、まず再開してください。" }
            if state.finished { return "この案件は完了しているため、\(what)ことはできません。" }
            return nil
        }
        var ja: [CaseAction: String] = [:]
        for action in no.keys {
            switch action {
            case .run: ja[action] = closed("実行する") ?? waitingStep.map { "手順「\($0)」が記録を待っています。先に記録してください。" } ?? "今は実行できません。"
            case .record: ja[action] = "記録を待っている手順はありません（この案件は\(statusWord)です）。"
            case .supplyMaterials: ja[action] = "資料を待っている手順はありません（修正した資料は、審議会が差し戻したときに、足りない資料は資料の作成が止まったときに受け付けます）。"
            case .rerun: ja[action] = closed("手順をやり直す") ?? "まだ実行した手順がないため、やり直すものはありません。案件を実行してください。"
            case .amend: ja[action] = closed("入力を訂正する") ?? "今は入力を訂正できません。"
            case .withdraw: ja[action] = "すでに取り下げられています（\(TerminalText.escaped(state.note ?? ""))）。"
            case .reopen: ja[action] = "再開できるのは、取下げか停止中の案件だけです（この案件は\(statusWord)です）。"
            case .archive: ja[action] = status != .completed
                ? "まだ完了していません（この案件は\(statusWord)です）。完了させてからアーカイブしてください。"
                : "すでにアーカイブされています。"
            }
        }
        return ja
    }

    /// Why a withdrawn or completed case cannot `action` (nil while it is open): the words
    /// the case actions refuse with.
    static func closed(_ state: CaseState, action: String) -> String? {
        if state.withdrawn { return "it was withdrawn (\(TerminalText.escaped(state.note ?? "no reason given"))); reopen it first to \(action)" }
        if state.finished { return "it is completed, so it cannot \(action)" }
        return nil
    }
}

extension Workflow {
    /// The input that holds a case's files (its first `folder` input), if it has one.
    public var folderInput: String? {
        inputs.fields.first { if case .folder = $0.type { return true } else { return false } }?.name
    }
}

extension CaseActions {
    /// What case `id` allows now, and why not.
    public func allowedActions(_ id: String) throws -> AllowedActions {
        let (_, state) = try store.load(id)
        return try allowedActions(id, state: state, order: runner.workflow(of: id).steps.map(\.id))
    }

    /// The same, from the case's state as the caller has just folded it (a page that shows it).
    public func allowedActions(_ id: String, state: CaseState, order: [String]) throws -> AllowedActions {
        let workflow = try runner.workflow(of: id)
        return AllowedActions(state: state, order: order, materialsStep: try materialsStep(id, state: state, workflow: workflow),
                              folderInput: workflow.folderInput)
    }

    /// Adds files a failed case lacked (a material listed but not supplied) to its folder input
    /// `input`: `folder` holds the old files and the new ones (the caller's copy); the change is
    /// journaled as an amendment with `reason`; the case's next run runs the failed step again.
    public func addMissingFiles(_ id: String, input: String, folder: String, reason: String, by: String) throws -> Amendment {
        let allowed = try allowedActions(id)
        guard allowed.missingFilesInput == input else {
            throw CaseError.refused(caseID: id, allowed.whyNot(.supplyMaterials) ?? "the case does not take files for '\(input)' now")
        }
        return try amend(id, given: [GivenInput(name: input, text: folder, source: "upload")], reason: reason, by: by)
    }

    /// The waiting step that takes corrected materials: its record has a `materials` folder
    /// (the drafting step, after the council sent the case back). Nil when none waits.
    public func materialsStep(_ id: String) throws -> String? {
        try materialsStep(id, state: try store.load(id).1)
    }

    func materialsStep(_ id: String, state: CaseState, workflow given: Workflow? = nil) throws -> String? {
        let workflow = try given ?? runner.workflow(of: id)
        for step in workflow.steps where state.step(step.id).status == .waiting {
            if let schema = try? recordSchema(id, step: step.id), case .folder? = schema.field("materials")?.type { return step.id }
        }
        return nil
    }
}
