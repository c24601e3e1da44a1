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
    private var db: SQLiteConnection
    /// How long (ms) to wait for another process's write before reporting the index locked.
    private let busyTimeout: Int32
    /// Guards `db` (a connection is used by one thread at a time).
    private let lock = NSLock()
    /// Why opening made the index anew, if it did.
    public private(set) var rebuiltBecause: String?
    /// What that fill did (cases, journals that did not verify).
    public private(set) var openReport: IndexReport?

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
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF")
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
            try report.refresh(try store.journalStamps()) { try refresh($0, stamp: $1, replace: true) }
            try db.prepare("INSERT INTO docket_index (key, value) VALUES ('complete', '1')").run()
            report.cases = report.refreshed.count
            return report
        }
    }

    // MARK: - Feeding

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
        if let seq = rowSeq, last < seq {
            guard replace else { return }
            try delete(id)
            rowSeq = nil
        }
        if let seq = rowSeq, last == seq {
            try db.prepare("UPDATE cases SET journal_bytes = ?, journal_mtime = ? WHERE id = ?").run([.int(stamp.bytes), .int(stamp.mtime), .text(id)])
            return
        }
        let sha = events.first?.workflow?.sha256
        let summary = CaseSummary(id: id, events: events, steps: steps.steps(of: store, case: id, sha256: sha))
        try db.prepare("""
            INSERT INTO cases (id, seq, journal_bytes, journal_mtime, workflow, state, step, subject, department, fiscal_year, decision,
                               created, updated, waiting_since, summary)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, journal_bytes = excluded.journal_bytes, journal_mtime = excluded.journal_mtime,
                workflow = excluded.workflow, state = excluded.state, step = excluded.step, subject = excluded.subject,
                department = excluded.department, fiscal_year = excluded.fiscal_year, decision = excluded.decision,
                created = excluded.created, updated = excluded.updated, waiting_since = excluded.waiting_since,
                summary = excluded.summary
            WHERE excluded.seq >= cases.seq
            """).run([.text(id), .int(Int64(last)), .int(stamp.bytes), .int(stamp.mtime), .text(summary.workflow), .text(summary.state),
                      Self.optional(summary.step), Self.optional(summary.subject), Self.optional(summary.department),
                      summary.fiscalYear.map { .int(Int64($0)) } ?? .null, Self.optional(summary.decision),
                      .text(summary.created), .text(summary.updated), Self.optional(summary.waitingSince), .text(try summary.json())])
        for event in events where event.seq > (rowSeq ?? 0) {
            for (path, kind, body) in store.indexTexts(of: event, case: id) { try putText(id, path: path, kind: kind, body: body) }
        }
    }

    private static func optional(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }

    private func delete(_ id: String) throws {
        try db.prepare("DELETE FROM document_text WHERE rowid IN (SELECT id FROM documents WHERE case_id = ?)").run([.text(id)])
        try db.prepare("DELETE FROM documents WHERE case_id = ?").run([.text(id)])
        try db.prepare("DELETE FROM cases WHERE id = ?").run([.text(id)])
    }

    private func putText(_ id: String, path: String, kind: String, body: String) throws {
        var docID: Int64 = 0
        try db.prepare("""
            INSERT INTO documents (case_id, path, kind) VALUES (?, ?, ?)
            ON CONFLICT (case_id, path) DO UPDATE SET kind = excluded.kind RETURNING id
            """).query([.text(id), .text(path), .text(kind)]) { docID = $0.int(0) }
        try db.prepare("DELETE FROM document_text WHERE rowid = ?").run([.int(docID)])
        try db.prepare("INSERT INTO document_text (rowid, body) VALUES (?, ?)").run([.int(docID), .text(body)])
    }

    // MARK: - CaseIndex

    public func catchUp() throws -> IndexReport {
        lock.lock()
        defer { lock.unlock() }
        var recorded: [String: JournalStamp] = [:]
        try db.prepare("SELECT id, journal_bytes, journal_mtime FROM cases").query {
            recorded[$0.text(0) ?? ""] = JournalStamp(bytes: $0.int(1), mtime: $0.int(2))
        }
        let plan = CatchUpPlan(recorded: recorded, present: try store.journalStamps())
        var report = IndexReport()
        report.cases = plan.present
        guard !plan.isEmpty else { return report }
        try db.transaction {
            // Read inside the write transaction: a row ahead of this read means the journal
            // really is shorter (the case was made anew), never a race with a feed.
            try report.refresh(plan.changed) { try refresh($0, stamp: $1, replace: true) }
            for id in plan.gone { try delete(id) }
        }
        report.removed = plan.gone
        return report
    }

    public func cases(_ filter: CaseFilter) throws -> [CaseRow] {
        lock.lock()
        defer { lock.unlock() }
        let (clause, values) = Self.whereClause(filter, table: "cases")
        var rows: [CaseRow] = []
        try db.prepare("SELECT id, workflow, state, step, subject, waiting_since, updated FROM cases \(clause) ORDER BY id")
            .query(values) { s in
                rows.append(CaseRow(id: s.text(0) ?? "", workflow: s.text(1) ?? "", state: s.text(2) ?? "", step: s.text(3),
                                    subject: s.text(4), waitingSince: s.text(5), updated: s.text(6) ?? ""))
            }
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

    /// `WHERE …` for `filter` over `table`'s columns, with its values to bind (never spliced).
    static func whereClause(_ filter: CaseFilter, table: String, and: Bool = false) -> (String, [SQLValue]) {
        let columns = filter.columns
        guard !columns.isEmpty else { return ("", []) }
        return ((and ? "AND " : "WHERE ") + columns.map { "\(table).\($0.name) = ?" }.joined(separator: " AND "), columns.map(\.value))
    }

    public func search(_ query: SearchQuery) throws -> [SearchHit] {
        lock.lock()
        defer { lock.unlock() }
        guard !query.terms.isEmpty else { return [] }
        var sql = """
            SELECT documents.case_id, documents.path, document_text.body, cases.workflow, cases.state, cases.subject,
                   cases.department, cases.decision, cases.fiscal_year, \(query.matchExpression == nil ? "0.0" : "bm25(document_text)")
            FROM document_text JOIN documents ON documents.id = document_text.rowid JOIN cases ON cases.id = documents.case_id
            WHERE 1
            """
        var values: [SQLValue] = []
        if let match = query.matchExpression {
            sql += " AND document_text MATCH ?"
            values.append(.text(match))
        }
        for term in query.scannedTerms {
            sql += " AND document_text.body LIKE ? ESCAPE '\\'"
            values.append(.text(SearchQuery.likePattern(term)))
        }
        let (clause, filterValues) = Self.whereClause(query.filter, table: "cases", and: true)
        sql += " " + clause + " ORDER BY 10, documents.case_id, documents.path LIMIT ?"
        values += filterValues + [.int(Int64(query.limit))]
        var hits: [SearchHit] = []
        try db.prepare(sql).query(values) { s in
            let body = s.text(2) ?? ""
            let found = Excerpt.find(query.terms, in: body) ?? (1, String(body.prefix(100)))
            hits.append(SearchHit(case: s.text(0) ?? "", document: s.text(1) ?? "", line: found.line, excerpt: found.excerpt,
                                  workflow: s.text(3) ?? "", state: s.text(4) ?? "", subject: s.text(5), department: s.text(6),
                                  decision: s.text(7), year: s.text(8).flatMap { Int($0) }, score: -s.double(9)))
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
