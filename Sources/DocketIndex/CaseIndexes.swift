import DocketCore
import DocketWorkspace
import Foundation

/// Which index a workspace uses: the SQLite file (the default) or the PostgreSQL server its
/// `docket.yaml` names in `index:`.
public enum IndexBackend: Sendable, Equatable {
    /// `index.sqlite` in the workspace (or the file at `path`).
    case sqlite(path: URL?)
    /// The server at `url`; `password` from the environment or a passfile, never docket.yaml.
    case postgres(IndexURL, password: String?)

    /// The backend `config` names, the password looked up in `environment` (see `password`).
    public init(config: WorkspaceConfig?, environment: [String: String]) {
        if let url = config?.index {
            self = .postgres(url, password: Self.password(for: url, environment: environment))
        } else {
            self = .sqlite(path: nil)
        }
    }

    /// Where the index is, for messages (a URL never shows a password).
    public func location(in store: CaseStore) -> String {
        switch self {
        case .sqlite(let path): return (path ?? SQLiteIndex.location(in: store)).path
        case .postgres(let url, _): return url.description
        }
    }

    /// The index's password: `$DOCKET_INDEX_PASSWORD`, else `$PGPASSWORD`, else the first line
    /// of the passfile (`$PGPASSFILE`, else `~/.pgpass`) matching `host:port:database:user`
    /// (`*` matches anything, `\` escapes), else none (the server may not ask: trust, peer).
    static func password(for url: IndexURL, environment: [String: String]) -> String? {
        for key in ["DOCKET_INDEX_PASSWORD", "PGPASSWORD"] {
            if let p = environment[key], !p.isEmpty { return p }
        }
        let file = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        guard let file, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let wanted = [url.host, String(url.port), url.database, url.user]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var fields: [String] = [], current = "", escaped = false
            for c in line {
                if escaped { current.append(c); escaped = false } else if c == "\\" { escaped = true }
                else if c == ":" && fields.count < 4 { fields.append(current); current = "" } else { current.append(c) }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 || ($0 == "localhost" && $1 == "127.0.0.1") }) {
                return fields[4]
            }
        }
        return nil
    }
}

/// An index opened for reading, whichever backend holds it, with what opening it did.
public struct OpenedIndex: Sendable {
    public let index: any CaseIndex
    /// Why opening made the index anew, if it did.
    public let rebuiltBecause: String?
    /// What that fill did.
    public let openReport: IndexReport?
    /// Case claims for `run --all` workers on several machines (PostgreSQL only).
    public let claims: (any CaseClaims)?
}

/// The opened index answers as the index itself does.
extension OpenedIndex: CaseIndex {
    public func catchUp() throws -> IndexReport { try index.catchUp() }
    public func cases(_ filter: CaseFilter) throws -> [CaseRow] { try index.cases(filter) }
    public func summaries(_ filter: CaseFilter) throws -> [String] { try index.summaries(filter) }
    public func forEachSummary(_ filter: CaseFilter, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try index.forEachSummary(filter, body)
    }
    public func cases(ids: [String]) throws -> [CaseRow] { try index.cases(ids: ids) }
    public func casesByState(_ filter: CaseFilter, limit: Int) throws -> [String: StateGroup] {
        try index.casesByState(filter, limit: limit)
    }
    public func queue(_ query: QueueQuery) throws -> QueuePage { try index.queue(query) }
    public func search(_ query: SearchQuery) throws -> SearchResults { try index.search(query) }
    public func check() throws -> IndexReport { try index.check() }
    public func rebuild() throws -> IndexReport { try index.rebuild() }
}

/// The one place the front ends open the index: `status`, `search`, `index check|rebuild`, the
/// journal feed and the board all get the backend the workspace is configured with.
public enum CaseIndexes {
    /// Opens (and if need be makes or rebuilds) the index of `store` on `backend`.
    public static func open(store: CaseStore, backend: IndexBackend) throws -> OpenedIndex {
        switch backend {
        case .sqlite(let path):
            let index = try SQLiteIndex(store: store, path: path)
            return OpenedIndex(index: index, rebuiltBecause: index.rebuiltBecause, openReport: index.openReport, claims: nil)
        case .postgres(let url, let password):
            let index = try PostgresIndex(store: store, url: url, password: password)
            return OpenedIndex(index: index, rebuiltBecause: index.rebuiltBecause, openReport: index.openReport, claims: index)
        }
    }

    /// Makes the index anew from the journals, whatever state it is in.
    public static func rebuildFromNothing(store: CaseStore, backend: IndexBackend) throws -> IndexReport {
        switch backend {
        case .sqlite(let path): return try SQLiteIndex.rebuildFromNothing(store: store, path: path)
        case .postgres(let url, let password): return try PostgresIndex.rebuildFromNothing(store: store, url: url, password: password)
        }
    }

    /// `store` with the index on `backend` fed from its journals' commit path.
    public static func fed(_ store: CaseStore, backend: IndexBackend) -> CaseStore {
        var fed = store
        fed.observer = IndexFeed(store: store, backend: backend)
        return fed
    }

    /// The commit path's index: used only if it is there, current and complete.
    static func openForFeeding(store: CaseStore, backend: IndexBackend) throws -> any FeedableIndex {
        switch backend {
        case .sqlite(let path): return try SQLiteIndex(store: store, path: path, mode: .feed)
        // A short wait: a commit must not hang on a server that is down (the catch-up repairs).
        case .postgres(let url, let password): return try PostgresIndex(store: store, url: url, password: password, mode: .feed, connectTimeout: 2)
        }
    }
}

/// An index the commit path writes to: one commit's events of case `id` (its whole verified
/// journal, as `stamp`), in one transaction.
protocol FeedableIndex: AnyObject {
    func feed(_ id: String, events: [JournalEvent], stamp: JournalStamp) throws
}
