import DocketCore
import Foundation

/// What the front ends ask of the case index, whatever holds it. The index is a cache of the
/// journals: every method may be answered again from them, and `rebuild` does exactly that.
public protocol CaseIndex: Sendable {
    /// Brings the index in step with the journals: a case whose journal changed since its row
    /// was written is folded again, a case that no longer exists is dropped (one `stat` per case
    /// when nothing changed).
    @discardableResult func catchUp() throws -> IndexReport
    /// The cases that pass `filter`, by id.
    func cases(_ filter: CaseFilter) throws -> [CaseRow]
    /// The status JSON of the cases that pass `filter`, by id (see `CaseSummary.json`).
    func summaries(_ filter: CaseFilter) throws -> [String]
    /// `summaries`, handed to `body` one at a time as UTF-8 (valid only during the call), so a
    /// list of 100,000 cases is written out without being held as strings.
    func forEachSummary(_ filter: CaseFilter, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// The rows of the cases named that are in the index, by id (the register's states).
    func cases(ids: [String]) throws -> [CaseRow]
    /// Per state, how many cases pass `filter` and the first `limit` of them by id: a board
    /// page without reading every case.
    func casesByState(_ filter: CaseFilter, limit: Int) throws -> [String: StateGroup]
    /// One page of the work queue (see `QueueQuery`): paged and counted in the index's queries.
    func queue(_ query: QueueQuery) throws -> QueuePage
    /// The best matches of `query` (all its terms in one text of one case), best first, in a
    /// time bounded by `query.rankWithin` rather than by the size of the index.
    func search(_ query: SearchQuery) throws -> SearchResults
    /// Verifies the index itself and its agreement with every journal, repairing what lags.
    func check() throws -> IndexReport
    /// Empties the index and fills it again from the journals.
    func rebuild() throws -> IndexReport
}

extension CaseIndex {
    /// By way of `summaries` (a backend may hand out its rows' bytes directly instead).
    public func forEachSummary(_ filter: CaseFilter, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        for var s in try summaries(filter) { try s.withUTF8 { try body(UnsafeRawBufferPointer($0)) } }
    }

    /// By way of `cases` (a backend may count and limit in its query instead).
    public func casesByState(_ filter: CaseFilter, limit: Int) throws -> [String: StateGroup] {
        StateGroup.grouping(try cases(filter), limit: limit)
    }

    /// By way of `cases` (a backend may look the ids up instead).
    public func cases(ids: [String]) throws -> [CaseRow] {
        let wanted = Set(ids)
        return try cases(CaseFilter()).filter { wanted.contains($0.id) }
    }
}

/// One line of the status table.
public struct CaseRow: Sendable, Equatable {
    public var id, workflow, state: String
    public var step, subject, waitingSince: String?
    public var updated: String
    /// 所管課 and the queue stage (read by the work queue; nil and `.ready` in other lists).
    public var department: String?
    public var stage: QueueStage
    /// The current step's name (「審議」; read by the work queue).
    public var stepName: String?

    /// The row of a summary (for reading the journals without the index).
    public init(_ s: CaseSummary) {
        self.init(id: s.case, workflow: s.workflow, state: s.state, step: s.step, subject: s.subject,
                  waitingSince: s.waitingSince, updated: s.updated, department: s.department, stage: s.stage, stepName: s.stepName)
    }

    init(id: String, workflow: String, state: String, step: String?, subject: String?, waitingSince: String?, updated: String,
         department: String? = nil, stage: QueueStage = .ready, stepName: String? = nil) {
        self.id = id
        self.workflow = workflow
        self.state = state
        self.step = step
        self.subject = subject
        self.waitingSince = waitingSince
        self.updated = updated
        self.department = department
        self.stage = stage
        self.stepName = stepName
    }

    /// Since when the case waits: since its step began to wait, else since it last changed
    /// (the queue's order, oldest first; the index's `since` column).
    public var since: String { waitingSince ?? updated }
}

/// The cases of one state on a board: how many there are and the first of them by id.
public struct StateGroup: Sendable, Equatable {
    public var count: Int
    public var rows: [CaseRow]

    public init(count: Int, rows: [CaseRow]) {
        self.count = count
        self.rows = rows
    }

    /// `rows` (by id) grouped by state, at most `limit` rows kept in each group.
    public static func grouping(_ rows: [CaseRow], limit: Int) -> [String: StateGroup] {
        var groups: [String: StateGroup] = [:]
        for row in rows {
            groups[row.state, default: StateGroup(count: 0, rows: [])].count += 1
            if groups[row.state]!.rows.count < limit { groups[row.state]!.rows.append(row) }
        }
        return groups
    }
}

/// What a catch-up, check or rebuild did.
public struct IndexReport: Sendable {
    /// Cases in the index afterwards.
    public var cases = 0
    /// Cases folded again from their journals.
    public var refreshed: [String] = []
    /// Cases dropped from the index (their folder is gone).
    public var removed: [String] = []
    /// Cases whose journal could not be read (damaged), with the reason; left out.
    public var problems: [(id: String, error: Error)] = []
    /// Why the index was made anew, if it was (missing, older version, damaged…).
    public var rebuiltBecause: String?
    /// The names starting with `.` in the cases folder, if the catch-up listed it (so `status`
    /// finds interrupted `new`s and deletions without listing 100,000 names again).
    public var hidden: [String]?
}
