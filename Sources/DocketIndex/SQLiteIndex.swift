import CSQLite
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The embedded index: one SQLite file in the workspace (`index.sqlite`, WAL mode, so readers
/// never wait for the writer), fed by `IndexFeed` from the journal's commit path and caught up
/// from the journals whenever it is opened for reading. Schema: `IndexSchema`.
public final class SQLiteIndex: CaseIndex, @unchecked Sendable {
    public let store: CaseStore
    public let path: String
    private let steps = WorkflowSteps()
    var db: SQLiteConnection
    /// How long (ms) to wait for another process's write before reporting the index locked.
    private let busyTimeout: Int32
    /// Guards `db` (a connection is used by one thread at a time).
    private let lock = NSLock()
    /// Why opening made the index anew, if it did.
    public private(set) var rebuiltBecause: String?
    /// What that fill did (cases, journals that did not verify).
    public private(set) var openReport: IndexReport?
    /// The work queue's statements, prepared once each (by their SQL; under `lock`).
    private var prepared: [String: SQLiteStatement] = [:]
    /// The queue's counts by their query, with the file's version they were counted at
    /// (`SQLiteConnection.version`): answered again only after a change (under `lock`).
    private var counts: [String: (version: [Int64], byStage: [QueueStage: Int], first: Int)] = [:]
    /// The stamps the rows record, as the last catch-up read them, and the version then: read
    /// again only after a change (under `lock`).
    private var recorded: (version: [Int64], stamps: [String: JournalStamp])?

    /// Where a workspace keeps its index.
    public static func location(in store: CaseStore) -> URL {
        store.root.appendingPathComponent("index.sqlite")
    }

    /// How `init` treats an index that is missing, older or half-filled.
    public enum OpenMode: Sendable {
        /// Make it ready: create and fill a missing one, rebuild an older one.
        case read
        /// The commit path: use it only if it is there, current and complete (else throw).
        case feed
    }

    /// Opens the index of `store` (at `path`, default `location(in:)`).
    public init(store: CaseStore, path: URL? = nil, mode: OpenMode = .read, busyTimeout: Int32 = 5000) throws {
        self.store = CaseStore(root: store.root)
        self.path = (path ?? Self.location(in: store)).path
        let existed = FileManager.default.fileExists(atPath: self.path)
        if mode == .feed && !existed { throw IndexError.sqlite(path: self.path, code: SQLITE_CANTOPEN, message: "no index yet") }
        self.busyTimeout = busyTimeout
        db = try Self.connect(self.path, busyTimeout: busyTimeout)
        switch try schema() {
        case .current(complete: true):
            break
        case .current(complete: false):
            guard mode == .read else { throw IndexError.sqlite(path: self.path, code: SQLITE_ERROR, message: "not filled yet") }
            rebuiltBecause = existed ? "an earlier fill of the index did not finish" : "there was no index yet"
            openReport = try fill()
        case .empty:
            guard mode == .read else { throw IndexError.sqlite(path: self.path, code: SQLITE_ERROR, message: "empty") }
            try migrate()
            rebuiltBecause = "there was no index yet"
            openReport = try fill()
        case .older(let applied):
            guard mode == .read else { throw IndexError.sqlite(path: self.path, code: SQLITE_ERROR, message: "older") }
            try recreate()
            rebuiltBecause = "the index was written by an older Docket (schema \(applied.last ?? "none"))"
            openReport = try fill()
        case .future(let unknown):
            throw IndexError.fromFuture(path: self.path, unknown: unknown)
        case .foreign:
            throw IndexError.foreign(path: self.path)
        }
    }

    private static func connect(_ path: String, busyTimeout: Int32) throws -> SQLiteConnection {
        let db = try SQLiteConnection(path: path, busyTimeout: busyTimeout)
        // WAL: readers see the last commit while a writer works. NORMAL: a power cut may lose
        // the last commits of the index, never corrupt it; the catch-up redoes them.
        // mmap: a status reads 100 MB of summaries without copying them through read calls.
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA mmap_size = 1073741824")
        guard let handle = db.handle, SQLiteRank.register(on: handle) else {
            throw IndexError.sqlite(path: path, code: SQLITE_ERROR,
                                    message: "this SQLite library has no full-text search (FTS5); install Debian's libsqlite3-0")
        }
        return db
    }

    private enum SchemaState {
        case empty, current(complete: Bool), older([String]), future([String]), foreign
    }

    private func schema() throws -> SchemaState {
        var tables: [String] = []
        try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").query { tables.append($0.text(0) ?? "") }
        if tables.isEmpty { return .empty }
        guard tables.contains("docket_migrations") else { return .foreign }
        var applied: [String] = []
        try db.prepare("SELECT name FROM docket_migrations ORDER BY rowid").query { applied.append($0.text(0) ?? "") }
        let known = IndexSchema.migrations.map(\.name)
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty { return .future(unknown) }
        guard applied == known else { return .older(applied) }
        var complete = false
        try db.prepare("SELECT value FROM docket_index WHERE key = 'complete'").query { complete = $0.text(0) == "1" }
        return .current(complete: complete)
    }

    /// Applies the migrations not yet applied, in order, each in its own transaction.
    private func migrate() throws {
        try db.execute(IndexSchema.migrationsTable)
        for (name, sql) in IndexSchema.migrations {
            try db.transaction {
                var done = false
                try db.prepare("SELECT 1 FROM docket_migrations WHERE name = ?").query([.text(name)]) { _ in done = true }
                guard !done else { return }
                try db.execute(sql)
                try db.prepare("INSERT INTO docket_migrations (name) VALUES (?)").run([.text(name)])
            }
        }
    }

    /// Replaces the file with an empty, migrated index (for one that is older, damaged or from
    /// the future: nothing in it is read).
    private func recreate() throws {
        prepared = [:]
        counts = [:]
        recorded = nil
        db = try SQLiteConnection(path: ":memory:")  // closes the old file
        for suffix in ["", "-wal", "-shm"] {
            if unlink(path + suffix) != 0 && errno != ENOENT { throw CaseError.posix(path + suffix) }
        }
        db = try Self.connect(path, busyTimeout: busyTimeout)
        try migrate()
    }

    /// Empties the index and folds every journal into it, in one transaction (readers see the
    /// old index until it commits; `complete` is set in the same commit).
    @discardableResult
    private func fill() throws -> IndexReport {
        try db.transaction {
            try db.execute("DELETE FROM cases; DELETE FROM documents; DELETE FROM document_text; DELETE FROM docket_index")
            var report = IndexReport()
            try db.execute("DELETE FROM meetings")
            for (id, stamp) in try Self.journalStamps(in: store.casesFolder).sorted(by: { $0.0 < $1.0 }) {
                do { try refresh(id, stamp: stamp, replace: true); report.refreshed.append(id) } catch let e as IndexError { throw e } catch {
                    report.problems.append((id, error))
                }
            }
            try catchUpMeetings(try meetingWork(), &report)
            try db.prepare("INSERT INTO docket_index (key, value) VALUES ('complete', '1')").run()
            report.cases = report.refreshed.count
            return report
        }
    }

    // MARK: - Feeding

    /// The journal stamps the rows of `table` (cases or meetings) record.
    func recordedStamps(_ table: String) throws -> [(String, JournalStamp)] {
        var recorded: [(String, JournalStamp)] = []
        try db.prepare("SELECT id, journal_bytes, journal_mtime FROM \(table)").query {
            recorded.append(($0.text(0) ?? "", JournalStamp(bytes: $0.int(1), mtime: $0.int(2))))
        }
        return recorded
    }

    /// What differs between the journals `present` and the rows' `recorded` stamps: the
    /// journals to fold again (new or changed) and the ids whose folder is gone, each by id.
    /// One table of the recorded stamps and one look-up per journal (sorting 100,000 names to
    /// merge the lists cost more).
    static func compare(_ present: [(String, JournalStamp)], _ recorded: [(String, JournalStamp)])
        -> (changed: [(String, JournalStamp)], gone: [String]) {
        var stamps = [String: JournalStamp](minimumCapacity: recorded.count)
        for (id, stamp) in recorded { stamps[id] = stamp }
        return compare(present, stamps)
    }

    /// `compare`, the recorded stamps by id.
    static func compare(_ present: [(String, JournalStamp)], _ stamps: [String: JournalStamp])
        -> (changed: [(String, JournalStamp)], gone: [String]) {
        var changed: [(String, JournalStamp)] = []
        var matched = 0
        for (id, stamp) in present {
            if let row = stamps[id] {
                matched += 1
                if row == stamp { continue }
            }
            changed.append((id, stamp))
        }
        var gone: [String] = []
        if matched < stamps.count {
            let ids = Set(present.map(\.0))
            gone = stamps.keys.filter { !ids.contains($0) }.sorted()
        }
        return (changed.sorted { $0.0 < $1.0 }, gone)
    }

    /// Every case folder with a journal, and the journal's stamp (one `stat` each, relative to
    /// the open cases folder: no path is built per case), in the folder's order. The `stat`s of a large
    /// workspace are shared among the cores (the kernel's path lookups are most of a catch-up).
    static func journalStamps(in folder: URL, hidden: UnsafeMutablePointer<[String]>? = nil) throws -> [(String, JournalStamp)] {
        let all: [String]
        do { all = try FileIO.names(in: folder) } catch { return [] }
        hidden?.pointee = all.filter { $0.hasPrefix(".") }
        let names = all.filter { !$0.hasPrefix(".") }
        guard !names.isEmpty else { return [] }
        let dir = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { return [] }
        defer { close(dir) }
        // Per name: the journal's stamp, `.missing` for a folder without a journal, nil for neither.
        var stamps = [JournalStamp?](repeating: nil, count: names.count)
        let workers = names.count < 4096 ? 1 : min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let chunk = (names.count + workers - 1) / max(workers, 1)
        stamps.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only its own slice of the slots.
            struct Slots: @unchecked Sendable { let base: UnsafeMutablePointer<JournalStamp?> }
            let slots = Slots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var path = [CChar](repeating: 0, count: 4096)
                for i in (w * chunk)..<min(names.count, (w + 1) * chunk) { slots.base[i] = Self.stamp(dir, names[i], &path) }
            }
        }
        var out: [(String, JournalStamp)] = []
        out.reserveCapacity(names.count)
        for (name, stamp) in zip(names, stamps) {
            // A case folder whose journal is gone (`.missing`) never matches a row, so it is read
            // (and reported as damaged) every time, instead of vanishing from the lists.
            if let stamp { out.append((name, stamp)) }
        }
        return out
    }

    /// The stamp of `name/journal.jsonl` under `dir`, `.missing` if `name` is a folder without
    /// one, nil if `name` is not a folder; `path` is scratch space for the relative path.
    private static func stamp(_ dir: Int32, _ name: String, _ path: inout [CChar]) -> JournalStamp? {
        let suffix = "/journal.jsonl"
        let n = name.utf8.count
        guard n + suffix.utf8.count < path.count else { return nil }
        return path.withUnsafeMutableBufferPointer { p -> JournalStamp? in
            var i = 0
            for b in name.utf8 { p[i] = CChar(bitPattern: b); i += 1 }
            for b in suffix.utf8 { p[i] = CChar(bitPattern: b); i += 1 }
            p[i] = 0
            var st = stat()
            if fstatat(dir, p.baseAddress!, &st, 0) == 0 { return JournalStamp(st) }
            p[n] = 0  // the folder itself
            return fstatat(dir, p.baseAddress!, &st, 0) == 0 && st.st_mode & S_IFMT == S_IFDIR ? .missing : nil
        }
    }

    /// Folds case `id`'s journal (read now) into its row; a journal that does not verify
    /// takes the case out of the index (it is reported, never shown from the cache).
    private func refresh(_ id: String, stamp: JournalStamp, replace: Bool) throws {
        let contents: Journal.Contents
        do { contents = try store.load(id).0 } catch {  // a missing, empty or cut journal throws
            try delete(id)
            throw error
        }
        try record(id, events: contents.events, stamp: stamp, replace: replace)
    }

    /// Writes what `events` (the whole verified journal of case `id`, as `stamp`) say. The row
    /// never goes back: events older than it are ignored unless `replace` (a journal that
    /// really is shorter: the case was made anew). Texts are indexed for events after the row.
    func record(_ id: String, events: [JournalEvent], stamp: JournalStamp, replace: Bool = false) throws {
        var rowSeq: Int?
        try db.prepare("SELECT seq FROM cases WHERE id = ?").query([.text(id)]) { rowSeq = Int($0.int(0)) }
        let last = events.last?.seq ?? 0
        switch RowAction(rowSeq: rowSeq, last: last, replace: replace) {
        case .keep:
            return
        case .restamp:
            try db.prepare("UPDATE cases SET journal_bytes = ?, journal_mtime = ? WHERE id = ?").run([.int(stamp.bytes), .int(stamp.mtime), .text(id)])
            return
        case .write(let replacing):
            if replacing {
                try delete(id)
                rowSeq = nil
            }
        }
        let sha = events.first?.workflow?.sha256
        let summary = CaseSummary(id: id, events: events, steps: steps.steps(of: store, case: id, sha256: sha))
        try db.prepare("""
            INSERT INTO cases (id, seq, journal_bytes, journal_mtime, workflow, state, step, subject, department, fiscal_year, decision,
                               created, updated, waiting_since, summary, stage, since, step_name)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, journal_bytes = excluded.journal_bytes, journal_mtime = excluded.journal_mtime,
                workflow = excluded.workflow, state = excluded.state, step = excluded.step, subject = excluded.subject,
                department = excluded.department, fiscal_year = excluded.fiscal_year, decision = excluded.decision,
                created = excluded.created, updated = excluded.updated, waiting_since = excluded.waiting_since,
                summary = excluded.summary, stage = excluded.stage, since = excluded.since, step_name = excluded.step_name
            WHERE excluded.seq >= cases.seq
            """).run(try summary.rowValues(id: id, seq: last, stamp: stamp))
        for event in events where event.seq > (rowSeq ?? 0) {
            for (path, kind, body) in Self.texts(of: event, in: store.documents(id)) { try putText(id, path: path, kind: kind, body: body) }
        }
    }

    private func delete(_ id: String) throws {
        try db.prepare("DELETE FROM document_text WHERE rowid IN (SELECT id FROM documents WHERE case_id = ?)").run([.text(id)])
        try db.prepare("DELETE FROM documents WHERE case_id = ?").run([.text(id)])
        try db.prepare("DELETE FROM cases WHERE id = ?").run([.text(id)])
    }

    func putText(_ id: String, path: String, kind: String, body: String) throws {
        var docID: Int64 = 0
        try db.prepare("""
            INSERT INTO documents (case_id, path, kind, length) VALUES (?, ?, ?, ?)
            ON CONFLICT (case_id, path) DO UPDATE SET kind = excluded.kind, length = excluded.length RETURNING id
            """).query([.text(id), .text(path), .text(kind), .int(Int64(body.unicodeScalars.count))]) { docID = $0.int(0) }
        try db.prepare("DELETE FROM document_text WHERE rowid = ?").run([.int(docID)])
        // Two newlines after the text, so that its last characters begin trigrams too (a term of
        // one or two characters is found through the trigrams it begins; see `search`).
        try db.prepare("INSERT INTO document_text (rowid, body) VALUES (?, ?)").run([.int(docID), .text(body + "\n\n")])
    }

    /// Document kinds read as text (others, such as PDF or zip, are not searched).
    static let textExtensions: Set<String> = ["md", "txt", "html", "htm", "yaml", "yml", "json", "csv", "xml", "mustache"]
    /// Larger documents are not searched (the index would outgrow the cases).
    static let maxTextBytes: Int64 = 4 << 20

    /// The searchable texts an event adds: the inputs, a record, a step's text documents (in
    /// the `documents` folder given).
    static func texts(of event: JournalEvent, in documents: URL) -> [(String, String, String)] {
        switch event.type {
        case .created:
            return [("inputs", "inputs", Self.text(of: .map(event.inputs ?? [:])))]
        case .recorded:
            return [("records/\(event.step ?? "-")/\(event.seq)", "record", Self.text(of: event.record ?? .null))]
        case .completed:
            let searched = SearchableText.pick((event.documents ?? []).map(\.path))
            return (event.documents ?? []).compactMap { doc in
                let ext = (doc.path as NSString).pathExtension.lowercased()
                guard Self.textExtensions.contains(ext), searched.contains(doc.path), doc.size <= Self.maxTextBytes,
                      let data = FileManager.default.contents(atPath: documents.appendingPathComponent(doc.path).path),
                      let text = String(data: data, encoding: .utf8)
                else { return nil }
                return (doc.path, "document", SearchableText.text(text, path: doc.path))
            }
        default:
            return []
        }
    }

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

    // MARK: - CaseIndex

    public func catchUp() throws -> IndexReport {
        var report = IndexReport()
        var hidden: [String] = []
        // The journals' stamps are taken before the lock (they need no connection), so pages
        // read the index meanwhile; a commit after the walk is the feed's or the next catch-up's.
        let present = try Self.journalStamps(in: store.casesFolder, hidden: &hidden)
        lock.lock()
        defer { lock.unlock() }
        report.hidden = hidden
        let version = try db.version()
        if recorded?.version != version {
            var stamps = [String: JournalStamp](minimumCapacity: recorded?.stamps.count ?? 0)
            for (id, stamp) in try recordedStamps("cases") { stamps[id] = stamp }
            recorded = (version, stamps)
        }
        let (changed, gone) = Self.compare(present, recorded!.stamps)
        report.cases = present.count
        let meetings = try meetingWork()
        guard !changed.isEmpty || !gone.isEmpty || !meetings.isEmpty else { return report }
        try db.transaction {
            try catchUpMeetings(meetings, &report)
            for (id, stamp) in changed {
                // Read inside the write transaction: a row ahead of this read means the journal
                // really is shorter (the case was made anew), never a race with a feed.
                do { try refresh(id, stamp: stamp, replace: true); report.refreshed.append(id) } catch let e as IndexError { throw e } catch {
                    report.problems.append((id, error))
                }
            }
            for id in gone { try delete(id) }
        }
        report.removed = gone
        return report
    }

    public func cases(_ filter: CaseFilter) throws -> [CaseRow] {
        lock.lock()
        defer { lock.unlock() }
        let (clause, values) = Self.whereClause(filter, table: "cases")
        var rows: [CaseRow] = []
        try db.prepare("SELECT id, workflow, state, step, subject, waiting_since, updated FROM cases \(clause) ORDER BY id")
            .query(values) { rows.append(Self.row($0)) }
        return rows
    }

    public func summaries(_ filter: CaseFilter) throws -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let (clause, values) = Self.whereClause(filter, table: "cases")
        var out: [String] = []
        try db.prepare("SELECT summary FROM cases \(clause) ORDER BY id").query(values) { out.append($0.text(0) ?? "{}") }
        return out
    }

    public func forEachSummary(_ filter: CaseFilter, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        let (clause, values) = Self.whereClause(filter, table: "cases")
        try db.prepare("SELECT summary FROM cases \(clause) ORDER BY id").query(values) { try body($0.bytes(0)) }
    }

    public func cases(ids: [String]) throws -> [CaseRow] {
        lock.lock()
        defer { lock.unlock() }
        let statement = try db.prepare("SELECT id, workflow, state, step, subject, waiting_since, updated FROM cases WHERE id = ?")
        var rows: [CaseRow] = []
        for id in Set(ids).sorted() {
            try statement.query([.text(id)]) { rows.append(Self.row($0)) }
        }
        return rows
    }

    /// The counts from the state index, then each state's first rows in id order from the same
    /// index (`state, id`): no more rows are read than are shown.
    public func casesByState(_ filter: CaseFilter, limit: Int) throws -> [String: StateGroup] {
        lock.lock()
        defer { lock.unlock() }
        var groups: [String: StateGroup] = [:]
        let (clause, values) = Self.whereClause(filter, table: "cases")
        try db.prepare("SELECT state, count(*) FROM cases \(clause) GROUP BY state").query(values) {
            groups[$0.text(0) ?? ""] = StateGroup(count: Int($0.int(1)), rows: [])
        }
        for state in groups.keys {
            var inState = filter
            inState.state = state
            let (clause, values) = Self.whereClause(inState, table: "cases")
            try db.prepare("SELECT id, workflow, state, step, subject, waiting_since, updated FROM cases \(clause) ORDER BY id LIMIT ?")
                .query(values + [.int(Int64(limit))]) { groups[state]!.rows.append(Self.row($0)) }
        }
        return groups
    }

    /// The counts by stage (one pass over `cases_stages`, with the filter), then the page: the
    /// cases put first, then the others, each walked in queue order along `cases_queue`
    /// (`since, id` and every column shown), so a page reads its own rows and those it skips.
    public func queue(_ query: QueueQuery) throws -> QueuePage {
        lock.lock()
        defer { lock.unlock() }
        var conditions: [String] = [], values: [SQLValue] = []
        for (name, value) in query.filter.columns {
            conditions.append("cases.\(name) = ?")
            values.append(value)
        }
        if case .some(let department, let ids) = query.scope {
            var any: [String] = []
            if let department { any.append("cases.department = ?"); values.append(.text(department)) }
            if let ids { any.append("cases.id IN (SELECT value FROM json_each(?))"); values.append(.text(Self.jsonList(ids))) }
            conditions.append(any.isEmpty ? "0" : "(" + any.joined(separator: " OR ") + ")")
        }
        var first: [String] = [], firstValues: [SQLValue] = []
        if !query.firstStages.isEmpty {
            let stages = query.firstStages.map(\.rawValue).sorted()
            first.append("cases.stage IN (" + stages.map { _ in "?" }.joined(separator: ", ") + ")")
            firstValues += stages.map { .text($0) }
        }
        if let ids = query.firstIDs, !ids.isEmpty {
            first.append("cases.id IN (SELECT value FROM json_each(?))")
            firstValues.append(.text(Self.jsonList(ids)))
        }
        let isFirst = first.isEmpty ? "0" : "(" + first.joined(separator: " OR ") + ")"
        let whereAll = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var page = QueuePage(rows: [], byStage: [:], first: 0)
        // The counts read every case of the filter; they are kept until the file changes.
        let countSQL = "SELECT stage, count(*), total(\(isFirst)) FROM cases INDEXED BY cases_stages \(whereAll) GROUP BY stage"
        let key = ([countSQL] + (firstValues + values).map(Self.key)).joined(separator: "\u{0}")
        let version = try db.version()
        if let kept = counts[key], kept.version == version {
            page.byStage = kept.byStage
            page.first = kept.first
        } else {
            try queryKept(countSQL, firstValues + values) {
                if let stage = QueueStage(rawValue: $0.text(0) ?? "") { page.byStage[stage, default: 0] += Int($0.int(1)) }
                page.first += Int($0.double(2))
            }
            if counts.count > 64 { counts = [:] }
            counts[key] = (version, page.byStage, page.first)
        }
        let columns = "id, workflow, state, step, subject, waiting_since, updated, department, stage, step_name"
        func rows(_ part: String, offset: Int, limit: Int) throws {
            guard limit > 0 else { return }
            let conds = (conditions + [part]).joined(separator: " AND ")
            try queryKept("SELECT \(columns) FROM cases INDEXED BY cases_queue WHERE \(conds) ORDER BY since, id LIMIT ? OFFSET ?",
                          values + firstValues + [.int(Int64(limit)), .int(Int64(offset))]) { page.rows.append(Self.queueRow($0)) }
        }
        for part in query.parts(total: page.total, first: page.first) {
            try rows(part.first ? isFirst : "NOT \(isFirst)", offset: part.offset, limit: part.limit)
        }
        return page
    }

    /// Runs `sql`, prepared once for the connection's life and reset after each use.
    private func queryKept(_ sql: String, _ values: [SQLValue], _ row: (SQLiteStatement) throws -> Void) throws {
        let statement: SQLiteStatement
        if let kept = prepared[sql] { statement = kept } else {
            statement = try db.prepare(sql)
            if prepared.count > 256 { prepared = [:] }
            prepared[sql] = statement
        }
        defer { statement.reset() }
        try statement.query(values, row)
    }

    /// A bound value as part of a cache key (kinds kept apart).
    private static func key(_ value: SQLValue) -> String {
        switch value {
        case .text(let t): return "t" + t
        case .int(let n): return "i\(n)"
        case .null: return "n"
        }
    }

    /// Ids as a JSON list of strings (bound as one value, read by `json_each`).
    static func jsonList(_ ids: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8), as: UTF8.self)
    }

    private static func row(_ s: SQLiteStatement) -> CaseRow {
        CaseRow(id: s.text(0) ?? "", workflow: s.text(1) ?? "", state: s.text(2) ?? "", step: s.text(3),
                subject: s.text(4), waitingSince: s.text(5), updated: s.text(6) ?? "")
    }

    /// A row of the queue's query: `row`'s columns, then department, stage and step name.
    private static func queueRow(_ s: SQLiteStatement) -> CaseRow {
        var row = row(s)
        row.department = s.text(7)
        row.stage = QueueStage(rawValue: s.text(8) ?? "") ?? .ready
        row.stepName = s.text(9)
        return row
    }

    /// `WHERE …` for `filter` over `table`'s columns, with its values to bind (never spliced).
    static func whereClause(_ filter: CaseFilter, table: String, and: Bool = false) -> (String, [SQLValue]) {
        var parts: [String] = []
        var values: [SQLValue] = []
        func add(_ column: String, _ value: SQLValue?) {
            guard let value else { return }
            parts.append("\(table).\(column) = ?")
            values.append(value)
        }
        add("state", filter.state.map { .text($0) })
        add("workflow", filter.workflow.map { .text($0) })
        add("department", filter.department.map { .text($0) })
        add("fiscal_year", filter.fiscalYear.map { .int(Int64($0)) })
        add("decision", filter.decision.map { .text($0) })
        guard !parts.isEmpty else { return ("", []) }
        return ((and ? "AND " : "WHERE ") + parts.joined(separator: " AND "), values)
    }

    /// A term of one or two characters is looked up through at most this many trigrams that
    /// begin with it (「名簿」 begins 名簿の, 名簿と…); one that begins more («の») is matched by
    /// reading the texts, newest first, until enough are found.
    static let shortTermTrigrams = 256

    /// In two steps, so that the cost follows the matches, not the size of their texts: the
    /// matching texts' ids and scores (`SQLiteRank`), newest first and at most `rankWithin` (+1 to know
    /// whether there were more), then the text, case and meeting of the best `limit` only.
    public func search(_ query: SearchQuery) throws -> SearchResults {
        lock.lock()
        defer { lock.unlock() }
        guard !query.terms.isEmpty else { return SearchResults(hits: []) }
        var phrases = query.indexedTerms.map(SearchQuery.phrase)
        var scanned: [String] = []
        for term in query.shortTerms {
            guard let trigrams = try trigrams(beginning: term.lowercased()) else { scanned.append(term); continue }
            // Every character of a text begins a trigram, so a term that begins none is in no text.
            guard !trigrams.isEmpty else { return SearchResults(hits: []) }
            phrases.append("(" + trigrams.map(SearchQuery.phrase).joined(separator: " OR ") + ")")
        }
        var values: [SQLValue] = []
        var conditions: [String] = []
        if !phrases.isEmpty {
            conditions.append("document_text MATCH ?")
            values.append(.text(phrases.joined(separator: " AND ")))
        }
        for term in scanned {
            conditions.append("document_text.body LIKE ? ESCAPE '\\'")
            values.append(.text(SearchQuery.likePattern(term)))
        }
        if let (scope, scopeValues) = Self.scope(query.filter) {
            // As a condition on the joined row: `document_text.rowid IN (…)` would be handed to
            // FTS5 as one lookup per id (minutes on 10,000 cases).
            conditions.append("documents.case_id IN (\(scope))")
            values += scopeValues
        }
        var sql = """
            SELECT document_text.rowid, \(phrases.isEmpty ? "0.0" : "\(SQLiteRank.name)(document_text, documents.length)")
            FROM document_text JOIN documents ON documents.id = document_text.rowid
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY document_text.rowid DESC
            """
        if let bound = query.rankWithin {
            sql += " LIMIT ?"
            values.append(.int(Int64(bound) + 1))
        }
        var matches: [(id: Int64, score: Double)] = []
        try db.prepare(sql).query(values) { matches.append(($0.int(0), $0.double(1))) }
        var rankedAmong: Int?
        if let bound = query.rankWithin, matches.count > bound {
            matches.removeLast(matches.count - bound)
            rankedAmong = bound
        }
        // Best first; among equals, the text indexed last.
        let best = matches.sorted { ($0.score, $0.id) > ($1.score, $1.id) }.prefix(query.limit)
        let hits = try hits(for: Array(best), terms: query.terms)
        return SearchResults(hits: hits.sorted { ($0.score, $1.case, $1.document) > ($1.score, $0.case, $0.document) }, rankedAmong: rankedAmong)
    }

    /// The trigrams of the index that begin with `prefix` (a term of one or two characters), or
    /// nil when there are more than `shortTermTrigrams`.
    private func trigrams(beginning prefix: String) throws -> [String]? {
        var found: [String] = []
        // Every trigram that begins with `prefix` sorts between it and it + the last code point.
        try db.prepare("SELECT term FROM document_vocab WHERE term >= ? AND term < ? LIMIT ?")
            .query([.text(prefix), .text(prefix + "\u{10FFFF}"), .int(Int64(Self.shortTermTrigrams) + 1)]) { found.append($0.text(0) ?? "") }
        return found.count > Self.shortTermTrigrams ? nil : found.filter { $0.hasPrefix(prefix) }
    }

    /// The `case_id`s of `documents` that `filter` allows, as a subquery, or nil for all of them
    /// (meetings included unless `filter.excludesMeetings`).
    static func scope(_ filter: CaseFilter) -> (String, [SQLValue])? {
        guard filter != CaseFilter() else { return nil }
        let (clause, values) = whereClause(filter, table: "cases")
        guard !filter.excludesMeetings, let year = filter.fiscalYear else { return ("SELECT cases.id FROM cases \(clause)", values) }
        return ("SELECT cases.id FROM cases \(clause) UNION ALL SELECT 'meeting:' || meetings.id FROM meetings WHERE meetings.fiscal_year = ?",
                values + [.int(Int64(year))])
    }

    /// The hits for `matches` (ids and scores, best first): their texts, cases and meetings.
    private func hits(for matches: [(id: Int64, score: Double)], terms: [String]) throws -> [SearchHit] {
        let score = Dictionary(matches.map { ($0.id, $0.score) }, uniquingKeysWith: { a, _ in a })
        var hits: [SearchHit] = []
        for chunk in stride(from: 0, to: matches.count, by: 500).map({ matches[$0..<min($0 + 500, matches.count)] }) {
            let sql = """
                SELECT documents.case_id, documents.path, document_text.body, cases.workflow, cases.state, cases.subject,
                       cases.department, cases.decision, cases.fiscal_year, documents.id,
                       meetings.id, meetings.title, meetings.state, meetings.fiscal_year
                FROM documents JOIN document_text ON document_text.rowid = documents.id
                LEFT JOIN cases ON cases.id = documents.case_id LEFT JOIN meetings ON 'meeting:' || meetings.id = documents.case_id
                WHERE documents.id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))
                """
            try db.prepare(sql).query(chunk.map { .int($0.id) }) { s in
                let body = s.text(2) ?? ""
                let found = Excerpt.find(terms, in: body) ?? (1, String(body.prefix(100)))
                let points = score[s.int(9)] ?? 0
                if let meeting = s.text(10) {
                    hits.append(SearchHit(case: "", document: s.text(1) ?? "", line: found.line, excerpt: found.excerpt,
                                          workflow: "", state: s.text(12) ?? "", subject: s.text(11), department: nil,
                                          decision: nil, year: s.text(13).flatMap { Int($0) }, score: points, meeting: meeting))
                } else {
                    hits.append(SearchHit(case: s.text(0) ?? "", document: s.text(1) ?? "", line: found.line, excerpt: found.excerpt,
                                          workflow: s.text(3) ?? "", state: s.text(4) ?? "", subject: s.text(5), department: s.text(6),
                                          decision: s.text(7), year: s.text(8).flatMap { Int($0) }, score: points))
                }
                hits[hits.count - 1].page = Excerpt.page(ofLine: found.line, in: body)
            }
        }
        return hits
    }

    public func check() throws -> IndexReport {
        lock.lock()
        var verdict = ""
        do {
            try db.prepare("PRAGMA integrity_check").query { verdict += ($0.text(0) ?? "") }
            lock.unlock()
        } catch {
            lock.unlock()
            throw error
        }
        guard verdict == "ok" else {
            throw IndexError.sqlite(path: path, code: SQLITE_CORRUPT, message: String(verdict.prefix(200)))
        }
        return try catchUp()
    }

    public func rebuild() throws -> IndexReport {
        lock.lock()
        defer { lock.unlock() }
        var report = try fill()
        report.rebuiltBecause = rebuiltBecause ?? "asked to"
        return report
    }

    /// Makes a new, empty index at `path` in place of whatever is there (damaged, from another
    /// version, or not an index at all) and fills it from the journals.
    public static func rebuildFromNothing(store: CaseStore, path: URL? = nil) throws -> IndexReport {
        let file = (path ?? location(in: store)).path
        for suffix in ["", "-wal", "-shm"] {
            if unlink(file + suffix) != 0 && errno != ENOENT { throw CaseError.posix(file + suffix) }
        }
        let index = try SQLiteIndex(store: store, path: path)
        var report = index.openReport ?? IndexReport()
        report.rebuiltBecause = "asked to"
        return report
    }
}

/// Feeds the index from the journal's commit path (`CaseStore.observer`). It never fails a
/// commit: if the index is missing, from another version, damaged or locked, the event is left
/// for the catch-up that runs when the index is next read.
public final class IndexFeed: JournalObserver, @unchecked Sendable {
    public let store: CaseStore
    private let open: @Sendable () throws -> any FeedableIndex
    private let lock = NSLock()
    private var index: (any FeedableIndex)?
    private var gaveUp = false

    /// Feeds the SQLite index at `path` (default: the workspace's `index.sqlite`).
    public convenience init(store: CaseStore, path: URL? = nil) {
        self.init(store: store, backend: .sqlite(path: path))
    }

    /// Feeds the index `backend` names (opened at the first commit, in feed mode).
    public init(store: CaseStore, backend: IndexBackend) {
        let plain = CaseStore(root: store.root)
        self.store = plain
        open = { try CaseIndexes.openForFeeding(store: plain, backend: backend) }
    }

    public func journal(_ journal: Journal, appended events: [JournalEvent], now contents: Journal.Contents) {
        lock.lock()
        defer { lock.unlock() }
        // A `started` alone changes nothing a clerk looks up (and is not fsync'd); the event
        // after it brings the row up to date, or the catch-up does if the run died.
        guard !gaveUp, events.contains(where: { $0.type != .started }) else { return }
        do {
            if index == nil { index = try open() }
            guard let index else { return }
            let id = journal.url.deletingLastPathComponent().lastPathComponent
            guard let stamp = JournalStamp(path: journal.url.path) else { return }
            try index.feed(id, events: contents.events, stamp: stamp)
        } catch {
            // Left to the catch-up; not retried in this process (one attempt per command).
            gaveUp = true
            index = nil
        }
    }
}

extension SQLiteIndex: FeedableIndex {
    /// One commit's worth of feeding, in its own transaction.
    func feed(_ id: String, events: [JournalEvent], stamp: JournalStamp) throws {
        lock.lock()
        defer { lock.unlock() }
        try db.transaction { try record(id, events: events, stamp: stamp) }
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
        self.init(st)
    }

    init(_ st: stat) {
        bytes = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}
