import CSQLite
import Foundation

/// The little of SQLite's C API the index uses: one connection, prepared statements with bound
/// values (user text is always bound, never spliced into SQL), and errors turned into
/// `IndexError` with the file named. Not `Sendable`: one connection per thread of work.
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?
    /// Counts this connection's write transactions (begun and ended): with `dataVersion`, what
    /// tells a reader that nothing in the file changed since it last looked.
    private(set) var writes = 0
    private var versionStatement: OpaquePointer?

    /// Opens (or creates) the database at `path`; waits up to `busyTimeout` ms for a writer.
    init(path: String, readOnly: Bool = false, busyTimeout: Int32 = 5000) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        guard rc == SQLITE_OK else {
            let error = IndexError.sqlite(path: path, code: rc, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open")
            sqlite3_close_v2(db)
            handle = nil
            throw error
        }
        sqlite3_busy_timeout(db, busyTimeout)
    }

    deinit {
        sqlite3_finalize(versionStatement)
        sqlite3_close_v2(handle)
    }

    /// SQLite's `data_version`: it changes when another connection, of this process or
    /// another, commits to the file (this connection's own commits are counted by `writes`).
    func dataVersion() throws -> Int64 {
        if versionStatement == nil {
            let rc = sqlite3_prepare_v2(handle, "PRAGMA data_version", -1, &versionStatement, nil)
            guard rc == SQLITE_OK else { throw error(rc) }
        }
        defer { sqlite3_reset(versionStatement) }
        let rc = sqlite3_step(versionStatement)
        guard rc == SQLITE_ROW else { throw error(rc) }
        return sqlite3_column_int64(versionStatement, 0)
    }

    /// What changes whenever the file's contents may have: another connection's commit or one
    /// of this connection's writes.
    func version() throws -> [Int64] { [try dataVersion(), Int64(writes)] }

    func error(_ rc: Int32) -> IndexError {
        .sqlite(path: path, code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs SQL without results (several statements allowed; nothing user-supplied in it).
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc) }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        return SQLiteStatement(stmt, connection: self)
    }

    /// Runs `body` in one write transaction (taken at once, so two writers queue on the busy
    /// timeout rather than deadlock), committing if it returns and rolling back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        writes += 1
        defer { writes += 1 }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A value bound to a statement parameter.
enum SQLValue {
    case text(String)
    case int(Int64)
    case null
}

/// A prepared statement; finalized on deinit.
final class SQLiteStatement {
    private let stmt: OpaquePointer
    private let connection: SQLiteConnection
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    /// Resets the statement and binds `values` to its parameters 1…n.
    func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .text(let s):
                // Bound with its byte length, so a NUL inside the text is text, not an end.
                let bytes = Array(s.utf8)
                if bytes.isEmpty { rc = sqlite3_bind_text(stmt, index, "", 0, Self.transient); break }
                rc = bytes.withUnsafeBufferPointer {
                    $0.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(stmt, index, $0.baseAddress, Int32($0.count), Self.transient) }
                }
            case .int(let n): rc = sqlite3_bind_int64(stmt, index, n)
            case .null: rc = sqlite3_bind_null(stmt, index)
            }
            guard rc == SQLITE_OK else { throw connection.error(rc) }
        }
    }

    /// Resets the statement, ending the read it holds open (a statement kept for reuse is reset
    /// after each use, so it never pins a snapshot of the database).
    func reset() {
        sqlite3_reset(stmt)
    }

    /// Steps once: true while there is a row to read.
    func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc)
        }
    }

    /// Binds and runs a statement that returns no rows.
    func run(_ values: [SQLValue] = []) throws {
        try bind(values)
        while try step() {}
    }

    /// Binds, then calls `row` for each result row.
    func query(_ values: [SQLValue] = [], _ row: (SQLiteStatement) throws -> Void) throws {
        try bind(values)
        while try step() { try row(self) }
    }

    func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, column) else { return nil }
        let n = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The column's text as bytes, valid until the next step (no copy, no `String`).
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        let p = sqlite3_column_text(stmt, column)
        return UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : Int(sqlite3_column_bytes(stmt, column)))
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(stmt, column) }
}
