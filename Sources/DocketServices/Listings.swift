import DocketCore
import DocketCouncil
import DocketIndex
import DocketSteps
import DocketYAML
import Foundation

/// Something a listing met on its way that the person should be told, without stopping it:
/// each front end words it (a warning line, a note on the page).
public enum ListingNote: Sendable {
    /// The index could not be used; the journals were read instead.
    case readJournalsInstead(IndexError)
    /// The index was made anew from the journals while it was opened.
    case indexRebuilt(String)
    /// A case (or its journal) could not be read; it is left out.
    case problem(any Error)
    /// A case's workflow snapshot does not read: its steps are those its journal names.
    case snapshotUnreadable(caseID: String)
    /// A case's journal ends in a partial line from an interrupted write (ignored).
    case tornTail(caseID: String)
}

/// Where an issued answer stands now.
public enum AnswerState: String, Sendable {
    /// Issued, and its case not withdrawn since.
    case issued
    /// Its case was withdrawn (取下げ) after it was issued; the number stays taken.
    case withdrawn
    /// Its case folder is gone (or its journal does not verify).
    case missing
}

/// One line of the answers register (答申一覧), as both front ends list it.
public struct AnswerRow: Sendable, Equatable {
    public var fiscalYear: Int
    public var entry: AnswerRegister.Entry
    /// The number as the answer prints it (令和4年度第1号).
    public var label: String
    public var state: AnswerState
}

/// One recorded tally (recounts included), as `docket votes` lists it.
public struct TallyRow: Sendable, Equatable {
    public var caseID, item, step: String
    /// 1 for a case's first tally at that step, 2 for its recount, …
    public var number: Int
    /// The meeting's date when recorded at one, else the case's meeting date, else the day recorded.
    public var date: String
    public var tally: Tally
    /// The rule the roster applies (empty when the roster does not read).
    public var rule: String
    /// The decision the tally led to, `recount called`, or empty while undecided.
    public var decision: String
}

extension DocketServices {
    /// Every case's summary from the index (caught up with the journals first), else, when the
    /// index cannot be used and `canFallBack` allows, from the journals themselves. `use` reads
    /// the index; `fallback` is handed the journals' summaries. Returns the names hidden in the
    /// cases folder (as the catch-up listed them) and whether any case could not be read.
    public func readCases(canFallBack: () -> Bool, note: (ListingNote) -> Void, _ use: (any CaseIndex) throws -> Void,
                          fallback: ([CaseSummary]) throws -> Void) throws -> (hidden: [String]?, failed: Bool) {
        let store = self.store
        // No cases folder: nothing to index, and no index file left in a folder that is not a root.
        guard FileManager.default.fileExists(atPath: store.casesFolder.path) else {
            try fallback([])
            return (nil, false)
        }
        do {
            let index = try openIndex()
            if let why = index.rebuiltBecause, why != "there was no index yet" { note(.indexRebuilt(why)) }
            let caughtUp = try index.catchUp()
            let problems = (index.openReport?.problems ?? []) + caughtUp.problems
            for p in problems { note(.problem(p.error)) }
            try use(index)
            return (caughtUp.hidden, !problems.isEmpty)
        } catch let e as IndexError where canFallBack() {
            note(.readJournalsInstead(e))
        }
        var summaries: [CaseSummary] = []
        var failed = false
        for id in store.caseIDs() {
            do { summaries.append(try summary(id, note: note)) } catch {
                failed = true
                note(.problem(error))
            }
        }
        try fallback(summaries)
        return (nil, failed)
    }

    /// Case `id`'s summary from its journal (and its snapshot's step list).
    public func summary(_ id: String, note: (ListingNote) -> Void = { _ in }) throws -> CaseSummary {
        let store = self.store
        let (contents, state) = try store.load(id)
        let steps = WorkflowSteps().steps(of: store, case: id, sha256: state.workflow?.sha256)
        if steps == nil { note(.snapshotUnreadable(caseID: id)) }
        if contents.tornTail { note(.tornTail(caseID: id)) }
        return CaseSummary(id: id, events: contents.events, steps: steps)
    }

    /// The answers register of `fiscalYears` (all when nil), each entry with its printed number
    /// and where it stands: from the case index caught up with the journals, or from each
    /// case's journal when the index cannot be used (`note` is told).
    public func answers(fiscalYears: [Int]? = nil, note: (ListingNote) -> Void = { _ in }) throws -> [AnswerRow] {
        let register = answerRegister
        var rows: [AnswerRow] = []
        for fy in fiscalYears ?? register.fiscalYears().sorted() {
            rows += try register.entries(fiscalYear: fy).map {
                AnswerRow(fiscalYear: fy, entry: $0, label: $0.numberLabel(fiscalYear: fy), state: .missing)
            }
        }
        let states = answerStates(rows.map(\.entry), note: note)
        for i in rows.indices { rows[i].state = states[i] }
        return rows
    }

    func answerStates(_ entries: [AnswerRegister.Entry], note: (ListingNote) -> Void) -> [AnswerState] {
        let register = answerRegister
        func fromJournals() -> [AnswerState] { entries.map { AnswerState(rawValue: register.state(of: $0)) ?? .missing } }
        guard !entries.isEmpty, FileManager.default.fileExists(atPath: store.casesFolder.path) else { return fromJournals() }
        do {
            let index = try openIndex()
            _ = try index.catchUp()  // a journal that does not verify leaves the index: its case shows as missing
            var state: [String: String] = [:]
            for row in try index.cases(ids: entries.map(\.caseID)) { state[row.id] = row.state }
            // The case's state is `withdrawn` exactly while it is withdrawn and not reopened:
            // the register's rule (`AnswerRegister.state(afterIssue:)`) for an issued answer.
            return entries.map { e in state[e.caseID].map { $0 == "withdrawn" ? .withdrawn : .issued } ?? .missing }
        } catch let e as IndexError {
            note(.readJournalsInstead(e))
            return fromJournals()
        } catch {
            note(.problem(error))
            return fromJournals()
        }
    }

    /// Every recorded tally of every case, recounts included, in case and journal order.
    public func tallies() throws -> [TallyRow] {
        let runner = self.runner
        var rows: [TallyRow] = []
        for id in runner.store.caseIDs() {
            let (contents, state) = try runner.store.load(id)
            let workflow = try runner.workflow(of: id)
            for step in workflow.steps where step.uses == "vote" {
                let scope = ExpressionScope(caseID: id, inputs: state.inputs, outputs: state.outputs)
                let with = (try? runner.resolveWith(step, type: VoteStep(), scope: scope, file: workflow.file).get()) ?? [:]
                let roster = try? CouncilRoster.load(path: runner.store.workflowFiles(id).appendingPathComponent(with["council"]?.stringValue ?? "").path)
                var n = 0
                for (i, event) in contents.events.enumerated() where event.step == step.id && event.type == .recorded {
                    guard case .map(let record)? = event.record else { continue }
                    n += 1
                    let tally = Tally(record: record)
                    // The decision is the one of the completion that follows this tally, if it was the deciding one.
                    let next = contents.events[(i + 1)...].first { $0.step == step.id && ($0.type == .recorded || $0.type == .completed) }
                    var decision = tally.recountCalled ? "recount called" : ""
                    if next?.type == .completed, let d = next?.outputs?["decision"]?.stringValue { decision = d }
                    // Dated by the meeting that took it, when it was recorded at one.
                    let date = tally.meeting?.date ?? state.inputs["meeting_date"]?.stringValue ?? String(event.time.prefix(10))
                    rows.append(TallyRow(caseID: id, item: with["item"]?.stringValue ?? workflow.title, step: step.id, number: n,
                                         date: date, tally: tally, rule: roster?.ruleDescription ?? "", decision: decision))
                }
            }
        }
        return rows
    }
}

/// A workflow the workspace offers, as `docket workflows` lists it.
public struct WorkflowEntry: Sendable {
    /// The name `docket new` and the board take.
    public var name: String
    public var path: String
    /// The workflow folder it was found in.
    public var folder: URL
    /// Its title and number of steps, when it loads.
    public var title: String?
    public var steps: Int?
    /// Why it does not load (its first problem), when it does not.
    public var problem: String?
}

extension DocketServices {
    /// Every workflow a case can be opened under, loaded and checked against the registry.
    public func workflows() -> [WorkflowEntry] {
        let loader = WorkflowLoader(registry: registry)
        return workspace.workflowFiles().map { file in
            do {
                let workflow = try loader.load(path: file.path)
                return WorkflowEntry(name: file.name, path: file.path, folder: file.folder, title: workflow.title, steps: workflow.steps.count)
            } catch let e as DiagnosticsError {
                return WorkflowEntry(name: file.name, path: file.path, folder: file.folder, problem: e.diagnostics.first?.description)
            } catch {
                return WorkflowEntry(name: file.name, path: file.path, folder: file.folder, problem: "\(error)")
            }
        }
    }
}
