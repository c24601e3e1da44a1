import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension IndexReport {
    /// Folds each of `cases` with `refresh`: a journal that does not verify is that case's
    /// problem (reported, left out); an error of the index itself stops the whole.
    mutating func refresh(_ cases: [(String, JournalStamp)], with refresh: (String, JournalStamp) throws -> Void) throws {
        for (id, stamp) in cases {
            do { try refresh(id, stamp); refreshed.append(id) } catch let e as IndexError { throw e } catch {
                problems.append((id, error))
            }
        }
    }
}

extension CaseFilter {
    /// The `cases` columns the filter sets, with their values (bound by each backend, never spliced).
    var columns: [(name: String, value: SQLValue)] {
        var out: [(String, SQLValue)] = []
        if let state { out.append(("state", .text(state))) }
        if let workflow { out.append(("workflow", .text(workflow))) }
        if let department { out.append(("department", .text(department))) }
        if let fiscalYear { out.append(("fiscal_year", .int(Int64(fiscalYear)))) }
        if let decision { out.append(("decision", .text(decision))) }
        return out
    }
}

/// What a verified journal, whose last event is `last`, does to its case's row, the same on
/// every backend: a row never goes back in seq unless the journal really is shorter (`replace`:
/// the case was made anew), and an unchanged seq only takes the journal's new size and time.
enum RowAction: Equatable {
    case keep, restamp
    /// Fold the journal into the row; `replacing`: delete the case's row and texts first.
    case write(replacing: Bool)

    init(rowSeq: Int?, last: Int, replace: Bool) {
        guard let seq = rowSeq else { self = .write(replacing: false); return }
        if last < seq { self = replace ? .write(replacing: true) : .keep }
        else { self = last == seq ? .restamp : .write(replacing: false) }
    }
}

extension CaseSummary {
    /// The values of `INSERT INTO cases (id, seq, journal_bytes, journal_mtime, workflow, state,
    /// step, subject, department, fiscal_year, decision, created, updated, waiting_since,
    /// summary, stage, since, step_name)`, in that order, as both backends write the row.
    func rowValues(id: String, seq: Int, stamp: JournalStamp) throws -> [SQLValue] {
        func optional(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
        return [.text(id), .int(Int64(seq)), .int(stamp.bytes), .int(stamp.mtime), .text(workflow), .text(state),
                optional(step), optional(subject), optional(department), fiscalYear.map { .int(Int64($0)) } ?? .null,
                optional(decision), .text(created), .text(updated), optional(waitingSince), .text(try json()),
                .text(stage.rawValue), .text(waitingSince ?? updated), optional(stepName)]
    }
}
