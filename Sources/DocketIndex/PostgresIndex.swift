import DocketCore
import DocketWorkspace
import Foundation
import PostgresNIO

/// The shared index: the workspace's cases on a PostgreSQL server (docket.yaml's `index:`),
/// for several machines working on one set of case folders (a shared file system). The same
/// cache of the journals as `SQLiteIndex`, in the same shape (`PostgresSchema` mirrors
/// `IndexSchema`), fed from the commit path and caught up when read. One database per
/// workspace: the index holds nothing but Docket's own tables.
///
/// Writers (the feed, a catch-up, a fill) take one advisory lock for their transaction, so two
/// machines catching up queue; readers never wait. `claim` lets `docket run --all` workers on
/// several machines share the cases (see `CaseClaims`).
public final class PostgresIndex: CaseIndex, CaseClaims, @unchecked Sendable {
    public let store: CaseStore
    public let url: IndexURL
    let session: PostgresSession
    private let steps = WorkflowSteps()
    /// Guards the multi-statement work (a transaction is one connection's state).
    private let lock = NSLock()
    /// Why opening made the index anew, if it did.
    public private(set) var rebuiltBecause: String?
    /// What that fill did.
    public private(set) var openReport: IndexReport?

    /// Connects to `url` (with `password`, if the server asks for one) and makes the index
    /// ready as `SQLiteIndex.init` does: created, filled or rebuilt in `.read` mode; in `.feed`
    /// mode used only if current and complete.
    public init(store: CaseStore, url: IndexURL, password: String?, mode: SQLiteIndex.OpenMode = .read, connectTimeout: Int64 = 5) throws {
        self.store = CaseStore(root: store.root)
        self.url = url
        session = try PostgresSession(url: url, password: password, connectTimeout: connectTimeout)
        if case .current(complete: true) = try schema() { return }
        guard mode == .read else { throw IndexError.postgres(server: url.description, sqlState: nil, message: "not ready for feeding") }
        // Decided again under the writers' lock: another process may be making it right now.
        try session.writing {
            switch try schema() {
            case .current(complete: true):
                return
            case .current(complete: false):
                rebuiltBecause = "an earlier fill of the index did not finish"
            case .empty:
                try migrate()
                rebuiltBecause = "there was no index yet"
            case .older(let applied):
                try dropTables()
                try migrate()
                rebuiltBecause = "the index was written by an older Docket (schema \(applied.last ?? "none"))"
            case .future(let unknown):
                throw IndexError.fromFuture(path: url.description, unknown: unknown)
            case .foreign:
                throw IndexError.foreign(path: url.description)
            }
            openReport = try fill()
        }
    }

    private enum SchemaState {
        case empty, current(complete: Bool), older([String]), future([String]), foreign
    }

    private func schema() throws -> SchemaState {
        let tables = try session.query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()")
            .map { try $0[0].decode(String.self) }
        if tables.isEmpty { return .empty }
        guard tables.contains("docket_migrations") else { return .foreign }
        let applied = try session.query("SELECT name FROM docket_migrations ORDER BY position").map { try $0[0].decode(String.self) }
        let known = PostgresSchema.migrations.map(\.name)
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty { return .future(unknown) }
        guard applied == known else { return .older(applied) }
        let complete = try session.query("SELECT value FROM docket_index WHERE key = 'complete'").first.map { try $0[0].decode(String.self) } == "1"
        return .current(complete: complete)
    }

    /// Applies the migrations not yet applied, in order (inside the caller's transaction).
    private func migrate() throws {
        try session.query(PostgresSchema.migrationsTable)
        for (name, statements) in PostgresSchema.migrations {
            guard try session.query("SELECT 1 FROM docket_migrations WHERE name = $1", [.text(name)]).isEmpty else { continue }
            do {
                for sql in statements { try session.query(sql) }
            } catch IndexError.postgres(let server, let state, let message) where message.contains("pg_trgm") || state == "0A000" {
                throw IndexError.postgres(server: server, sqlState: state,
                                          message: "\(message); the server needs the pg_trgm extension (Debian: apt-get install postgresql-contrib)")
            }
            try session.query("INSERT INTO docket_migrations (name) VALUES ($1)", [.text(name)])
        }
    }

    /// Drops Docket's tables (never others: the database may hold what is not ours).
    private func dropTables() throws {
        try session.query("DROP TABLE IF EXISTS \(PostgresSchema.tables.joined(separator: ", ")) CASCADE")
    }

    /// Empties the index and folds every journal into it (inside the caller's transaction:
    /// readers see the old index until it commits; `complete` is set in the same commit).
    private func fill() throws -> IndexReport {
        try session.query("DELETE FROM documents")
        try session.query("DELETE FROM cases")
        try session.query("DELETE FROM docket_index")
        try session.query("DELETE FROM meetings")
        var report = IndexReport()
        try report.refresh(try SQLiteIndex.journalStamps(in: store.casesFolder).sorted(by: { $0.0 < $1.0 })) { try refresh($0, stamp: $1, replace: true) }
        try catchUpMeetings(try meetingWork(), &report)
        try session.query("INSERT INTO docket_index (key, value) VALUES ('complete', '1')")
        // Fresh statistics: with those of the emptied tables the planner takes a search over
        // most texts for a rare one (300 ms instead of 90 on 10,000 cases) until autovacuum runs.
        try session.query("ANALYZE documents, cases, meetings")
        report.cases = report.refreshed.count
        return report
    }

    // MARK: - Feeding

    /// Folds case `id`'s journal (read now) into its row; a journal that does not verify
    /// takes the case out of the index.
    private func refresh(_ id: String, stamp: JournalStamp, replace: Bool) throws {
        let contents: Journal.Contents
        do { contents = try store.load(id).0 } catch {
            try delete(id)
            throw error
        }
        try record(id, events: contents.events, stamp: stamp, replace: replace)
    }

    /// Writes what `events` say, as `SQLiteIndex.record` does (a row never goes back in seq).
    private func record(_ id: String, events: [JournalEvent], stamp: JournalStamp, replace: Bool = false) throws {
        var rowSeq = try session.query("SELECT seq FROM cases WHERE id = $1", [.text(id)]).first.map { try Int($0[0].decode(Int64.self)) }
        let last = events.last?.seq ?? 0
        switch RowAction(rowSeq: rowSeq, last: last, replace: replace) {
        case .keep:
            return
        case .restamp:
            try session.query("UPDATE cases SET journal_bytes = $1, journal_mtime = $2 WHERE id = $3", [.int(stamp.bytes), .int(stamp.mtime), .text(id)])
            return
        case .write(let replacing):
            if replacing {
                try delete(id)
                rowSeq = nil
            }
        }
        let summary = CaseSummary(id: id, events: events, steps: steps.steps(of: store, case: id, sha256: events.first?.workflow?.sha256))
        try session.query("""
            INSERT INTO cases (id, seq, journal_bytes, journal_mtime, workflow, state, step, subject, department, fiscal_year, decision,
                               created, updated, waiting_since, summary, stage, since, step_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11, $12, $13, $14, $15, $16, $17, $18)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, journal_bytes = excluded.journal_bytes, journal_mtime = excluded.journal_mtime,
                workflow = excluded.workflow, state = excluded.state, step = excluded.step, subject = excluded.subject,
                department = excluded.department, fiscal_year = excluded.fiscal_year, decision = excluded.decision,
                created = excluded.created, updated = excluded.updated, waiting_since = excluded.waiting_since,
                summary = excluded.summary, stage = excluded.stage, since = excluded.since, step_name = excluded.step_name
            WHERE excluded.seq >= cases.seq
            """, try summary.rowValues(id: id, seq: last, stamp: stamp))
        for event in events where event.seq > (rowSeq ?? 0) {
            for (path, kind, body) in SQLiteIndex.texts(of: event, in: store.documents(id)) {
                try session.query("""
                    INSERT INTO documents (case_id, path, kind, body) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (case_id, path) DO UPDATE SET kind = excluded.kind, body = excluded.body
                    """, [.text(id), .text(path), .text(kind), .text(body)])
            }
        }
    }

    private func delete(_ id: String) throws {
        try session.query("DELETE FROM documents WHERE case_id = $1", [.text(id)])
        try session.query("DELETE FROM cases WHERE id = $1", [.text(id)])
    }

    /// The journal stamps the rows of `table` (cases or meetings) record.
    func recordedStamps(_ table: String) throws -> [(String, JournalStamp)] {
        try session.query("SELECT id, journal_bytes, journal_mtime FROM \(table)").map {
            (try $0[0].decode(String.self), JournalStamp(bytes: try $0[1].decode(Int64.self), mtime: try $0[2].decode(Int64.self)))
        }
    }

    // MARK: - CaseIndex

    public func catchUp() throws -> IndexReport {
        lock.lock()
        defer { lock.unlock() }
        var hidden: [String] = []
        let present = try SQLiteIndex.journalStamps(in: store.casesFolder, hidden: &hidden)
        let (changed, gone) = SQLiteIndex.compare(present, try recordedStamps("cases"))
        var report = IndexReport()
        report.hidden = hidden
        report.cases = present.count
        let meetings = try meetingWork()
        guard !changed.isEmpty || !gone.isEmpty || !meetings.isEmpty else { return report }
        try session.writing {
            try catchUpMeetings(meetings, &report)
            try report.refresh(changed) { try refresh($0, stamp: $1, replace: true) }
            for id in gone { try delete(id) }
        }
        report.removed = gone
        return report
    }

    public func cases(_ filter: CaseFilter) throws -> [CaseRow] {
        let (clause, values) = Self.whereClause(filter, first: 1)
        return try session.query("SELECT id, workflow, state, step, subject, waiting_since, updated FROM cases c \(clause) ORDER BY id", values)
            .map(Self.caseRow)
    }

    /// Counted and limited by the server (window functions), so only the rows shown cross the wire.
    public func casesByState(_ filter: CaseFilter, limit: Int) throws -> [String: StateGroup] {
        var (clause, values) = Self.whereClause(filter, first: 1)
        values.append(.int(Int64(max(1, limit))))
        let rows = try session.query("""
            SELECT id, workflow, state, step, subject, waiting_since, updated, n FROM (
                SELECT id, workflow, state, step, subject, waiting_since, updated, row_number() OVER (PARTITION BY state ORDER BY id) AS k, count(*) OVER (PARTITION BY state) AS n
                FROM cases c \(clause)) t
            WHERE k <= $\(values.count) ORDER BY state, id
            """, values)
        var groups: [String: StateGroup] = [:]
        for r in rows {
            let row = try Self.caseRow(r), count = Int(try r[7].decode(Int64.self))
            groups[row.state, default: StateGroup(count: count, rows: [])].rows.append(row)
        }
        return groups
    }

    /// As in SQLite: the counts by stage in one query, then the page's parts, each an ordered
    /// walk of `cases_queue` stopped at the page's end (only the rows shown cross the wire).
    public func queue(_ query: QueueQuery) throws -> QueuePage {
        var conditions: [String] = [], values: [SQLValue] = []
        func bind(_ value: SQLValue) -> String {
            values.append(value)
            return "$\(values.count)"
        }
        for (name, value) in query.filter.columns { conditions.append("c.\(name) = \(bind(value))") }
        if case .some(let department, let ids) = query.scope {
            var any: [String] = []
            if let department { any.append("c.department = \(bind(.text(department)))") }
            if let ids { any.append("c.id IN (SELECT json_array_elements_text(\(bind(.text(SQLiteIndex.jsonList(ids))))::json))") }
            conditions.append(any.isEmpty ? "false" : "(" + any.joined(separator: " OR ") + ")")
        }
        var first: [String] = []
        if !query.firstStages.isEmpty {
            first.append("c.stage IN (" + query.firstStages.map(\.rawValue).sorted().map { bind(.text($0)) }.joined(separator: ", ") + ")")
        }
        if let ids = query.firstIDs, !ids.isEmpty {
            first.append("c.id IN (SELECT json_array_elements_text(\(bind(.text(SQLiteIndex.jsonList(ids))))::json))")
        }
        let isFirst = first.isEmpty ? "false" : "(" + first.joined(separator: " OR ") + ")"
        let whereAll = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var page = QueuePage(rows: [], byStage: [:], first: 0)
        for r in try session.query("SELECT stage, count(*), count(*) FILTER (WHERE \(isFirst)) FROM cases c \(whereAll) GROUP BY stage", values) {
            if let stage = QueueStage(rawValue: try r[0].decode(String.self)) { page.byStage[stage, default: 0] += Int(try r[1].decode(Int64.self)) }
            page.first += Int(try r[2].decode(Int64.self))
        }
        let base = values
        func rows(_ part: String, offset: Int, limit: Int) throws {
            guard limit > 0 else { return }
            values = base
            let conds = (conditions + [part]).joined(separator: " AND ")
            let sql = "SELECT id, workflow, state, step, subject, waiting_since, updated, department, stage, step_name FROM cases c WHERE \(conds) "
                + "ORDER BY since, id LIMIT \(bind(.int(Int64(limit)))) OFFSET \(bind(.int(Int64(offset))))"
            page.rows += try session.query(sql, values).map(Self.queueRow)
        }
        for part in query.parts(total: page.total, first: page.first) {
            try rows(part.first ? isFirst : "NOT \(isFirst)", offset: part.offset, limit: part.limit)
        }
        return page
    }

    private static func caseRow(_ r: PostgresRandomAccessRow) throws -> CaseRow {
        CaseRow(id: try r[0].decode(String.self), workflow: try r[1].decode(String.self), state: try r[2].decode(String.self),
                step: try r[3].decode(String?.self), subject: try r[4].decode(String?.self),
                waitingSince: try r[5].decode(String?.self), updated: try r[6].decode(String.self))
    }

    /// A row of the queue's query: `caseRow`'s columns, then department, stage and step name.
    private static func queueRow(_ r: PostgresRandomAccessRow) throws -> CaseRow {
        var row = try caseRow(r)
        row.department = try r[7].decode(String?.self)
        row.stage = QueueStage(rawValue: try r[8].decode(String.self)) ?? .ready
        row.stepName = try r[9].decode(String?.self)
        return row
    }

    public func summaries(_ filter: CaseFilter) throws -> [String] {
        let (clause, values) = Self.whereClause(filter, first: 1)
        return try session.query("SELECT summary FROM cases c \(clause) ORDER BY id", values).map { try $0[0].decode(String.self) }
    }

    /// `WHERE …` (or `AND …`) for `filter` over `cases c`, parameters numbered from `first`.
    static func whereClause(_ filter: CaseFilter, first: Int, and: Bool = false) -> (String, [SQLValue]) {
        let columns = filter.columns
        guard !columns.isEmpty else { return ("", []) }
        let parts = columns.enumerated().map { "c.\($0.element.name) = $\(first + $0.offset)" }
        return ((and ? "AND " : "WHERE ") + parts.joined(separator: " AND "), columns.map(\.value))
    }

    /// Every term is an `ILIKE` (`LIKE` for a term without case) with `%`, `_` and `\` escaped
    /// (pg_trgm's GIN index answers a term of three or more characters; shorter ones are a
    /// scan, as in SQLite). Ranked by how often the terms occur as written, per 2,000 characters
    /// of the text (a term-frequency score: pg_trgm has no bm25), then by case and document.
    ///
    /// As in SQLite, at most `rankWithin` matching texts, the ones indexed last, are ranked. The
    /// GIN index finds the matches but PostgreSQL then reads every one of them to check it
    /// (200 ms for 38,000), whatever the LIMIT, so the newest `2 × rankWithin` texts the filter
    /// allows are tried first: a common word fills the bound there at once (the first matches in
    /// newest-first order are the same either way), and only a query that does not goes to the
    /// index.
    public func search(_ query: SearchQuery) throws -> SearchResults {
        guard !query.terms.isEmpty else { return SearchResults(hits: []) }
        var values: [SQLValue] = []
        var conditions: [String] = []
        for term in query.terms {
            values.append(.text(SearchQuery.likePattern(term)))
            // A term without upper or lower case (Japanese) is compared byte by byte: LIKE,
            // several times faster than ILIKE, which folds every character of every text.
            let caseless = term.lowercased() == term.uppercased()
            conditions.append("d.body \(caseless ? "LIKE" : "ILIKE") $\(values.count) ESCAPE '\\'")
        }
        // Meetings too, unless the filter is one only cases have (as in SQLite).
        let f = query.filter
        var inScope: String?
        if f != CaseFilter() {
            let (filterClause, filterValues) = Self.whereClause(f, first: values.count + 1)
            values += filterValues
            var scope = "SELECT c.id FROM cases c \(filterClause)"
            if !f.excludesMeetings, let year = f.fiscalYear {
                values.append(.int(Int64(year)))
                scope += " UNION ALL SELECT 'meeting:' || m.id FROM meetings m WHERE m.fiscal_year = $\(values.count)"
            }
            inScope = "d.case_id IN (\(scope))"
        }
        let matching = (conditions + [inScope].compactMap { $0 }).joined(separator: " AND ")
        func ids(_ sql: String) throws -> [Int64] { try session.query(sql, values).map { try $0[0].decode(Int64.self) } }
        var found: [Int64]
        var rankedAmong: Int?
        if let bound = query.rankWithin {
            // Integers of Docket's own, not text from the query.
            found = try ids("""
                SELECT d.id FROM (SELECT d.id, d.body FROM documents d \(inScope.map { "WHERE " + $0 } ?? "") ORDER BY d.id DESC LIMIT \(2 * bound)) d
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.id DESC LIMIT \(bound + 1)
                """)
            if found.count <= bound {
                found = try ids("SELECT d.id FROM documents d WHERE \(matching) ORDER BY d.id DESC LIMIT \(bound + 1)")
            }
            if found.count > bound {
                found.removeLast(found.count - bound)
                rankedAmong = bound
            }
        } else {
            found = try ids("SELECT d.id FROM documents d WHERE \(matching)")
        }
        guard !found.isEmpty else { return SearchResults(hits: []) }

        // The score of the texts found, and the best `limit` with their cases and meetings.
        var scored: [SQLValue] = [.text("{" + found.map(String.init).joined(separator: ",") + "}")]
        var counts: [String] = []
        for term in query.terms {
            scored.append(.text(term))
            // Occurrences of the term as written: the text's length less its length without them, over the term's.
            counts.append("(char_length(d.body) - char_length(replace(d.body, $\(scored.count), ''))) / \(max(1, term.count))")
        }
        scored.append(.int(Int64(query.limit)))
        let sql = """
            SELECT d.case_id, d.path, d.body, c.workflow, c.state, c.subject, c.department, c.decision, c.fiscal_year,
                   ((\(counts.joined(separator: " + "))) / (1.0 + char_length(d.body) / 2000.0))::float8 AS score,
                   m.id, m.title, m.state, m.fiscal_year
            FROM documents d LEFT JOIN cases c ON c.id = d.case_id LEFT JOIN meetings m ON 'meeting:' || m.id = d.case_id
            WHERE d.id = ANY($1::bigint[])
            ORDER BY score DESC, d.id DESC LIMIT $\(scored.count)
            """
        var hits: [SearchHit] = try session.query(sql, scored).map { r in
            let body = try r[2].decode(String.self)
            let found = Excerpt.find(query.terms, in: body) ?? (1, String(body.prefix(100)))
            if let meeting = try r[10].decode(String?.self) {
                return SearchHit(case: "", document: try r[1].decode(String.self), line: found.line, excerpt: found.excerpt,
                                 workflow: "", state: try r[12].decode(String?.self) ?? "", subject: try r[11].decode(String?.self),
                                 department: nil, decision: nil, year: try r[13].decode(Int32?.self).map(Int.init),
                                 score: try r[9].decode(Double.self), meeting: meeting)
            }
            return SearchHit(case: try r[0].decode(String.self), document: try r[1].decode(String.self), line: found.line, excerpt: found.excerpt,
                             workflow: try r[3].decode(String?.self) ?? "", state: try r[4].decode(String?.self) ?? "",
                             subject: try r[5].decode(String?.self), department: try r[6].decode(String?.self),
                             decision: try r[7].decode(String?.self), year: try r[8].decode(Int32?.self).map(Int.init),
                             score: try r[9].decode(Double.self), page: Excerpt.page(ofLine: found.line, in: body))
        }
        hits.sort { ($0.score, $1.case, $1.document) > ($1.score, $0.case, $0.document) }
        return SearchResults(hits: hits, rankedAmong: rankedAmong)
    }

    /// The schema is checked when the index is opened; this drops texts whose case row is gone
    /// (left by nothing Docket does, but cheap to make sure of) and catches up.
    public func check() throws -> IndexReport {
        lock.lock()
        do {
            _ = try session.writing { try session.query("DELETE FROM documents WHERE case_id NOT IN (SELECT id FROM cases)") }
            lock.unlock()
        } catch {
            lock.unlock()
            throw error
        }
        return try catchUp()
    }

    public func rebuild() throws -> IndexReport {
        lock.lock()
        defer { lock.unlock() }
        var report = try session.writing { try fill() }
        report.rebuiltBecause = rebuiltBecause ?? "asked to"
        return report
    }

    /// Makes the index anew at `url` whatever state Docket's tables are in (older, newer, half
    /// filled) and fills it from the journals. A database holding tables that are not Docket's
    /// is refused, never emptied.
    public static func rebuildFromNothing(store: CaseStore, url: IndexURL, password: String?) throws -> IndexReport {
        let session = try PostgresSession(url: url, password: password)
        try session.writing {
            let tables = try session.query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()")
                .map { try $0[0].decode(String.self) }
            if !tables.isEmpty && !tables.contains("docket_migrations") { throw IndexError.foreign(path: url.description) }
            try session.query("DROP TABLE IF EXISTS \(PostgresSchema.tables.joined(separator: ", ")) CASCADE")
        }
        let index = try PostgresIndex(store: store, url: url, password: password)
        var report = index.openReport ?? IndexReport()
        report.rebuiltBecause = "asked to"
        return report
    }

    // MARK: - Claims

    public func claim(_ id: String) throws -> Bool {
        try session.query("SELECT pg_try_advisory_lock($1::int, hashtext($2))", [.int(Int64(PostgresSession.claimSpace)), .text(id)])
            .first.map { try $0[0].decode(Bool.self) } ?? false
    }

    public func release(_ id: String) {
        _ = try? session.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [.int(Int64(PostgresSession.claimSpace)), .text(id)])
    }
}

extension PostgresIndex: FeedableIndex {
    func feed(_ id: String, events: [JournalEvent], stamp: JournalStamp) throws {
        lock.lock()
        defer { lock.unlock() }
        try session.writing { try record(id, events: events, stamp: stamp) }
    }
}

/// Cases a worker takes for itself while it runs them, so that `docket run --all` on several
/// machines never runs one case twice at once: a claim is held until released or until the
/// worker's connection ends (a worker that dies lets go). It stands beside the case's file lock,
/// which is not reliable across machines on a network file system.
public protocol CaseClaims: Sendable {
    /// Takes case `id` for this worker: false if another worker holds it.
    func claim(_ id: String) throws -> Bool
    func release(_ id: String)
}
