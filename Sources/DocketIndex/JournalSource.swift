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
