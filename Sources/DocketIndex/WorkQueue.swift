import DocketCore
import Foundation

/// Where a case stands in the work queue, and so whose turn it is: decided once, when the case
/// is folded into the index (a column of `cases`), from its state and its journal.
///
///     record        waiting for a record (審議結果・票数など): the secretariat records it
///     corrections   waiting at the step a send-back returned it to: the department corrects
///     failed-draft  failed at its first step (the department's draft, from its inputs and
///                   materials): the department checks them, the secretariat runs it again
///     failed        failed at a later step: the secretariat finds out why and runs it again
///     running       run before and able to go on: the secretariat runs it on
///     ready         opened and never run: the secretariat runs it
///     completed     done: the archivist archives it
///     withdrawn     取下げ: nobody
public enum QueueStage: String, Sendable, CaseIterable, Hashable {
    case record, corrections
    case failedDraft = "failed-draft"
    case failed, running, ready, completed, withdrawn

    /// Who acts on a case of this stage (the board maps a person's roles onto these).
    public enum Actor: Sendable, Hashable {
        case secretariat, department, archivist
    }

    /// Who acts next (empty: nobody).
    public var actors: Set<Actor> {
        switch self {
        case .record, .failed, .running, .ready: return [.secretariat]
        case .corrections: return [.department]
        case .failedDraft: return [.department, .secretariat]
        case .completed: return [.archivist]
        case .withdrawn: return []
        }
    }

    /// The stages `actor` acts on.
    public static func stages(for actor: Actor) -> Set<QueueStage> {
        Set(allCases.filter { $0.actors.contains(actor) })
    }

    /// The case status (`CaseState.Status`) the stage refines.
    public var state: String {
        switch self {
        case .record, .corrections: return "waiting"
        case .failedDraft, .failed: return "failed"
        case .running, .ready, .completed, .withdrawn: return rawValue
        }
    }

    /// The stage of a case in `status` at `step` (`order`: its workflow's step ids;
    /// `sentBackTo`: the step the last send-back returned the case to, while it has not
    /// completed since).
    static func of(status: String, step: String?, order: [String], sentBackTo: String?) -> QueueStage {
        switch status {
        case "waiting": return step != nil && step == sentBackTo ? .corrections : .record
        case "failed": return step != nil && step == order.first ? .failedDraft : .failed
        default: return QueueStage(rawValue: status) ?? .running
        }
    }

    /// The step the journal's last send-back returned the case to, if that step has not
    /// completed (nor been run again by a rerun or reopened) since.
    static func sentBackTo(_ events: [JournalEvent]) -> String? {
        var target: String?
        for e in events {
            switch e.type {
            case .completed:
                if let reopened = e.reopened, let first = reopened.first { target = first }
                else if e.step == target { target = nil }
            case .rerun, .reopened, .withdrawn:
                target = nil
            default:
                continue
            }
        }
        return target
    }
}

/// Whose cases a queue page lists: all, or those of `department` and those named in `ids`
/// (a department's own cases, a member's agenda cases; either may be absent).
public enum QueueScope: Sendable, Equatable {
    case all
    case some(department: String?, ids: [String]?)
}

/// One page of the work queue: the cases passing `filter` within `scope`, those the person acts
/// on first (their stage is in `firstStages`, or their id in `firstIDs`), then the others; in
/// each part the one waiting longest first (since it began to wait, else since it last changed),
/// then by id. `offset` and `limit` page the whole.
public struct QueueQuery: Sendable, Equatable {
    public var filter: CaseFilter
    public var scope: QueueScope
    public var firstStages: Set<QueueStage>
    public var firstIDs: [String]?
    public var offset: Int
    public var limit: Int

    public init(filter: CaseFilter = CaseFilter(), scope: QueueScope = .all, firstStages: Set<QueueStage> = [],
                firstIDs: [String]? = nil, offset: Int = 0, limit: Int = 50) {
        self.filter = filter
        self.scope = scope
        self.firstStages = firstStages
        self.firstIDs = firstIDs
        self.offset = max(0, offset)
        self.limit = max(0, limit)
    }

    /// Whether any case is put first.
    var hasFirst: Bool { !firstStages.isEmpty || !(firstIDs ?? []).isEmpty }

    /// The queries a page takes, given `total` cases of which `first` come first: the part of
    /// the first cases it shows (`first: true`), then the part of the others, each with its own
    /// offset and limit within its part. Both backends page by these.
    func parts(total: Int, first: Int) -> [(first: Bool, offset: Int, limit: Int)] {
        var parts: [(first: Bool, offset: Int, limit: Int)] = []
        let end = min(total, offset + limit)
        if hasFirst && offset < first {
            parts.append((true, offset, min(end, first) - offset))
        }
        if end > max(offset, first) {
            let from = max(offset, first)
            parts.append((false, from - first, end - from))
        }
        return parts
    }
}

/// A page of the queue and the counts around it (from counting queries, not from the rows).
public struct QueuePage: Sendable, Equatable {
    /// The page's rows, in queue order.
    public var rows: [CaseRow]
    /// Cases passing the filter in scope, by stage.
    public var byStage: [QueueStage: Int]
    /// How many of them the person acts on first.
    public var first: Int

    public init(rows: [CaseRow], byStage: [QueueStage: Int], first: Int) {
        self.rows = rows
        self.byStage = byStage
        self.first = first
    }

    /// Cases passing the filter in scope.
    public var total: Int { byStage.values.reduce(0, +) }

    /// Cases passing the filter in scope, by case status (`waiting`, `failed`…).
    public var byState: [String: Int] {
        var out: [String: Int] = [:]
        for (stage, n) in byStage { out[stage.state, default: 0] += n }
        return out
    }
}

extension QueueQuery {
    /// The page from `rows` (every case passing the filter in scope; for an index that cannot
    /// page in its query, and for reading the journals without one).
    public func page(of rows: [CaseRow]) -> QueuePage {
        let ids = Set(firstIDs ?? [])
        var byStage: [QueueStage: Int] = [:]
        var first: [CaseRow] = [], rest: [CaseRow] = []
        for row in rows {
            byStage[row.stage, default: 0] += 1
            if firstStages.contains(row.stage) || ids.contains(row.id) { first.append(row) } else { rest.append(row) }
        }
        let order: (CaseRow, CaseRow) -> Bool = { ($0.since, $0.id) < ($1.since, $1.id) }
        let all = first.sorted(by: order) + rest.sorted(by: order)
        let page = all.dropFirst(offset).prefix(limit)
        return QueuePage(rows: Array(page), byStage: byStage, first: first.count)
    }

    /// Whether `row` is within the scope.
    public func admits(_ row: CaseRow) -> Bool {
        guard case .some(let department, let ids) = scope else { return true }
        if let department, row.department == department { return true }
        return ids?.contains(row.id) ?? false
    }
}
