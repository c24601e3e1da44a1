import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What every index backend reads from the case folders: which journals there are (and their
/// stamps, for the catch-up) and the searchable texts each journal event adds.
extension CaseStore {
    /// Every case folder with a journal, and the journal's stamp (one `stat` each).
    func journalStamps() throws -> [(String, JournalStamp)] {
        let names: [String]
        do { names = try FileIO.names(in: casesFolder) } catch { return [] }
        var out: [(String, JournalStamp)] = []
        out.reserveCapacity(names.count)
        let cases = casesFolder.path + "/"  // once: a URL per case was a tenth of the catch-up
        for name in names.sorted() where !name.hasPrefix(".") {
            let folder = cases + name
            if let stamp = JournalStamp(path: folder + "/journal.jsonl") {
                out.append((name, stamp))
            } else if var st = Optional(stat()), stat(folder, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                // A case folder whose journal is gone: never matches a row, so it is read (and
                // reported as damaged) every time, instead of vanishing from the lists.
                out.append((name, .missing))
            }
        }
        return out
    }

    /// The searchable texts an event adds (path, kind, text): the inputs, a record, a step's
    /// text documents.
    func indexTexts(of event: JournalEvent, case id: String) -> [(String, String, String)] {
        switch event.type {
        case .created:
            return [("inputs", "inputs", IndexTexts.text(of: .map(event.inputs ?? [:])))]
        case .recorded:
            return [("records/\(event.step ?? "-")/\(event.seq)", "record", IndexTexts.text(of: event.record ?? .null))]
        case .completed:
            return (event.documents ?? []).compactMap { doc in
                let ext = (doc.path as NSString).pathExtension.lowercased()
                guard IndexTexts.textExtensions.contains(ext), doc.size <= IndexTexts.maxTextBytes,
                      let data = FileManager.default.contents(atPath: documents(id).appendingPathComponent(doc.path).path),
                      let text = String(data: data, encoding: .utf8)
                else { return nil }
                return (doc.path, "document", text)
            }
        default:
            return []
        }
    }
}

/// Which documents are searched, and how a record reads as text.
enum IndexTexts {
    /// Document kinds read as text (others, such as PDF or zip, are not searched).
    static let textExtensions: Set<String> = ["md", "txt", "html", "htm", "yaml", "yml", "json", "csv", "xml", "mustache"]
    /// Larger documents are not searched (the index would outgrow the cases).
    static let maxTextBytes: Int64 = 4 << 20

    /// A value as lines of `key: value` (nested values indented), so a record reads as written.
    static func text(of value: Value, indent: String = "") -> String {
        switch value {
        case .map(let m):
            return m.keys.sorted().map { key in
                switch m[key]! {
                case .map, .list: return "\(indent)\(key):\n" + text(of: m[key]!, indent: indent + "  ")
                case let v: return "\(indent)\(key): \(v)"
                }
            }.joined(separator: "\n")
        case .list(let l):
            return l.map { item in
                switch item {
                case .map, .list: return "\(indent)-\n" + text(of: item, indent: indent + "  ")
                default: return "\(indent)- \(item)"
                }
            }.joined(separator: "\n")
        default:
            return indent + value.description
        }
    }
}

/// A journal's size and modification time (ns): what the index compares to know a case's row
/// is still the journal's (an append or any edit changes one of them).
struct JournalStamp: Equatable {
    var bytes: Int64
    var mtime: Int64

    init(bytes: Int64, mtime: Int64) {
        self.bytes = bytes
        self.mtime = mtime
    }

    /// The stamp of a case folder without a journal.
    static let missing = JournalStamp(bytes: -1, mtime: -1)

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        bytes = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}

/// What a catch-up has to do, whatever the backend: the cases whose journal is not as its row
/// records (`recorded`: id → stamp), and the rows whose case folder is gone.
struct CatchUpPlan {
    var changed: [(String, JournalStamp)]
    var gone: [String]
    var present: Int

    init(recorded: [String: JournalStamp], present: [(String, JournalStamp)]) {
        changed = present.filter { recorded[$0.0] != $0.1 }
        let ids = Set(present.map(\.0))
        gone = recorded.keys.filter { !ids.contains($0) }.sorted()
        self.present = present.count
    }

    var isEmpty: Bool { changed.isEmpty && gone.isEmpty }
}

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
