import Foundation

/// Where a workspace keeps its case index when it is not the SQLite file: the `index:` key of
/// `docket.yaml`, `postgres://USER@HOST:PORT/DATABASE` (`postgresql://` too; port 5432 if
/// none; `?sslmode=require` for TLS checked against the system's certificates).
///
/// A password never goes in `docket.yaml` (it is read by every clerk and kept in backups): it
/// comes from `$DOCKET_INDEX_PASSWORD`, `$PGPASSWORD` or a passfile when the index is opened.
public struct IndexURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// `sslmode=require`: TLS, the server's certificate checked.
    public var requireTLS: Bool

    public init(host: String, port: Int = 5432, user: String, database: String, requireTLS: Bool = false) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.requireTLS = requireTLS
    }

    /// The URL as written back (never with a password): what messages name.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(h):\(port)/\(database)\(requireTLS ? "?sslmode=require" : "")"
    }

    /// `host:port`, for "the server does not answer" messages.
    public var hostAndPort: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Reads `text`; the error says what is wrong and what to write instead.
    public static func parse(_ text: String) -> Result<IndexURL, IndexURLError> {
        let form = "write it as postgres://USER@HOST:PORT/DATABASE"
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            return .failure(.init("'index' is '\(redacted(text))', which is not a PostgreSQL URL; \(form), or leave 'index' out to use the SQLite file index.sqlite"))
        }
        guard let parts = URLComponents(string: text), let host = parts.host, !host.isEmpty else {
            return .failure(.init("'index' is '\(redacted(text))', whose server cannot be read; \(form)"))
        }
        if parts.password != nil {
            return .failure(.init("'index' holds a password: a password does not belong in docket.yaml; remove it and set $DOCKET_INDEX_PASSWORD or $PGPASSWORD, or put it in ~/.pgpass"))
        }
        guard let user = parts.user, !user.isEmpty else {
            return .failure(.init("'index' names no user; \(form)"))
        }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(.init("'index' names no database (or more than one path part); \(form)"))
        }
        if let port = parts.port, !(1...65535).contains(port) {
            return .failure(.init("'index' has port \(port), which is not a port number (1-65535)"))
        }
        var tls = false
        for item in parts.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "require"): tls = true
            case ("sslmode", "disable"): tls = false
            default:
                return .failure(.init("'index' has '\(item.name)=\(item.value ?? "")', which Docket does not read; the only setting is sslmode=require (or disable)"))
            }
        }
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return .success(IndexURL(host: unbracketed, port: parts.port ?? 5432, user: user.removingPercentEncoding ?? user,
                                 database: database.removingPercentEncoding ?? database, requireTLS: tls))
    }

    /// `text` with any password between `//user:` and `@` replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// Why an `index:` value is not usable (a sentence for a diagnostic).
public struct IndexURLError: Error, Sendable, Equatable {
    public var message: String
    init(_ message: String) { self.message = message }
}
