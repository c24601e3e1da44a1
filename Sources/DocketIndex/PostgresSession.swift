import DocketWorkspace
import Foundation
import PostgresNIO

/// One connection to the PostgreSQL server of docket.yaml's `index`, used synchronously.
///
/// Why synchronous: `CaseIndex` is a synchronous, throwing protocol (the journal's commit path
/// calls the feed from inside `Journal.append`, which is not async, and the SQLite backend has
/// nothing to await). So the connection lives on an event loop of its own (one thread, made
/// here and shut down with the session), and every call blocks its caller on the future's
/// `wait()`. That never runs on the event loop itself, so it cannot deadlock, and it never
/// shares a loop with a server (the board runs Hummingbird on its own loops). Calls are
/// serialized by a lock: a connection runs one query at a time.
///
/// Every value is bound (`$1`…), never spliced into SQL; text is sent without NUL, which
/// PostgreSQL text cannot hold (`PostgresSession.text`).
final class PostgresSession: @unchecked Sendable {
    let url: IndexURL
    private let group: MultiThreadedEventLoopGroup
    private let connection: PostgresConnection
    private let logger: Logger
    private let lock = NSLock()

    /// The advisory lock every writer takes for its transaction (two processes filling or
    /// catching up one index queue instead of interleaving).
    static let writerLock: Int64 = 0x646F_636B_6574  // "docket"
    /// The first key of case claims (`pg_try_advisory_lock(int, int)`: a key space of its own).
    static let claimSpace: Int32 = 0x646B_7463

    /// How long a writer waits for another before the index is reported locked.
    static let lockTimeout = "10s"

    /// Connects (waiting up to `connectTimeout` seconds for the server).
    init(url: IndexURL, password: String?, connectTimeout: Int64 = 5) throws {
        self.url = url
        var logger = Logger(label: "docket.index.postgres")
        logger.logLevel = .critical
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var tls = PostgresConnection.Configuration.TLS.disable
        do {
            if url.requireTLS { tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration())) }
            var config = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: password,
                                                          database: url.database, tls: tls)
            config.options.connectTimeout = .seconds(connectTimeout)
            connection = try PostgresConnection.connect(on: group.next(), configuration: config, id: 1, logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw Self.connectError(error, url: url)
        }
    }

    deinit {
        _ = try? connection.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Text as PostgreSQL can hold it: a NUL (which its text type refuses) becomes U+FFFD.
    static func text(_ s: String) -> String {
        s.utf8.contains(0) ? s.replacingOccurrences(of: "\0", with: "\u{FFFD}") : s
    }

    /// Runs one statement with `values` bound to `$1`…, and returns its rows.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue] = []) throws -> [PostgresRandomAccessRow] {
        var binds = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .text(let s): binds.append(Self.text(s))
            case .int(let n): binds.append(n)
            case .null: binds.appendNull()
            }
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait().rows.map { $0.makeRandomAccess() }
        } catch {
            throw Self.queryError(error, url: url)
        }
    }

    /// Runs `body` in one transaction holding the writers' lock (waiting at most
    /// `lockTimeout`), committing if it returns and rolling back if it throws.
    func writing<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN")
        do {
            try query("SET LOCAL lock_timeout = '\(Self.lockTimeout)'")
            try query("SELECT pg_advisory_xact_lock($1)", [.int(Self.writerLock)])
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// The server's refusal as an `IndexError`.
    static func queryError(_ error: Error, url: IndexURL) -> Error {
        guard let e = error as? PSQLError else { return error }
        if e.code == .server {
            return IndexError.postgres(server: url.description, sqlState: e.serverInfo?[.sqlState],
                                       message: e.serverInfo?[.message] ?? "no message")
        }
        return IndexError.postgres(server: url.description, sqlState: "08000", message: reason(e))
    }

    static func connectError(_ error: Error, url: IndexURL) -> Error {
        if let e = error as? PSQLError, e.code == .server {
            return queryError(e, url: url)
        }
        return IndexError.unreachable(server: url.description, hostAndPort: url.hostAndPort, reason: reason(error))
    }

    /// A short, password-free reason for a connection failure ("connection refused").
    static func reason(_ error: Error) -> String {
        var e: Error = error
        if let p = e as? PSQLError, let u = p.underlying { e = u }
        if let c = e as? NIOConnectionError {
            if let first = c.connectionErrors.first { e = first.error } else if c.dnsAError != nil || c.dnsAAAAError != nil {
                return "the host name does not resolve"
            }
        }
        if let io = e as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let ch = e as? ChannelError, case .connectTimeout(let t) = ch { return "no answer within \(t.nanoseconds / 1_000_000_000) s" }
        if let p = e as? PSQLError { return "\(p.code)" }
        return "\(e)"
    }
}
