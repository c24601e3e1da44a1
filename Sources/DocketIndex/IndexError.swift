import DocketCore
import CSQLite

/// Problems with the case index, in words a clerk can act on. The index is a cache of the
/// journals, so the way out is always the same: rebuild it from them (nothing is lost).
public enum IndexError: DocketFailure, Sendable {
    /// SQLite refused; the code says whether the file is damaged, busy or unwritable.
    case sqlite(path: String, code: Int32, message: String)
    /// Written by a newer Docket: migrations this one does not know.
    case fromFuture(path: String, unknown: [String])
    /// Written by something that is not a Docket index.
    case foreign(path: String)
    /// Another process held the index longer than the wait allows.
    case locked(path: String)
    /// The PostgreSQL server named by docket.yaml's `index` (shown without password) does not answer.
    case unreachable(server: String, hostAndPort: String, reason: String)
    /// The PostgreSQL server refused; `sqlState` says why (login, no database, damaged...).
    case postgres(server: String, sqlState: String?, message: String)

    public var description: String {
        switch self {
        case .sqlite(let path, let code, let message):
            switch code & 0xFF {
            case SQLITE_CORRUPT, SQLITE_NOTADB:
                return "\(path): error: the case index is damaged (\(message)); the journals are intact: rebuild the index from them"
            case SQLITE_BUSY, SQLITE_LOCKED:
                return IndexError.locked(path: path).description
            default:
                return "\(path): error: the case index cannot be used (\(message)); check the folder's permissions and free space, then rebuild the index"
            }
        case .fromFuture(let path, let unknown):
            return "\(path): error: the case index was written by a newer Docket (it has \(unknown.joined(separator: ", ")), which this one does not know); use that Docket, or rebuild the index from the journals with this one"
        case .foreign(let path) where path.hasPrefix("postgres://"):
            return "\(path): error: this database holds tables that are not a Docket case index; Docket neither reads nor empties it: give the index a database of its own (createdb) and name it in docket.yaml's 'index'"
        case .foreign(let path):
            return "\(path): error: this file is not a Docket case index; move it away or rebuild the index"
        case .locked(let path):
            return "\(path): error: the case index is locked by another process that has not let go; wait for it to finish and try again"
        case .unreachable(let server, let hostAndPort, let reason):
            return "\(server): error: the case index server at \(hostAndPort) does not answer (\(reason)); start PostgreSQL there, or check the address in docket.yaml's 'index' (the journals are intact)"
        case .postgres(let server, let state, let message):
            switch state ?? "" {
            case "28P01", "28000":
                return "\(server): error: the PostgreSQL server refused the login (\(message)); set the password in $DOCKET_INDEX_PASSWORD or $PGPASSWORD, or in ~/.pgpass, and check the user in docket.yaml's 'index'"
            case "3D000":
                return "\(server): error: the database does not exist on that server (\(message)); create it (createdb), or correct docket.yaml's 'index'"
            case "55P03", "40P01":
                return IndexError.locked(path: server).description
            case "42501":
                return "\(server): error: the PostgreSQL user may not do this (\(message)); give it a database of its own (createdb -O USER), then rebuild the index"
            case let s where s.hasPrefix("08") || s.hasPrefix("57"):
                return "\(server): error: the connection to the case index server broke (\(message)); try again when the server is back"
            default:
                return "\(server): error: the case index on PostgreSQL cannot be used (\(message)); the journals are intact: rebuild the index from them"
            }
        }
    }

    public var kind: FailureKind {
        switch self {
        case .locked: return .busy
        case .unreachable: return .unavailable
        case .postgres(_, let state, _):
            switch state ?? "" {
            case "55P03", "40P01": return .busy
            case let s where s.hasPrefix("08") || s.hasPrefix("57"): return .unavailable
            default: return .fileSystem
            }
        case .fromFuture, .foreign: return .badInput
        case .sqlite(_, let code, _):
            switch code & 0xFF {
            case SQLITE_BUSY, SQLITE_LOCKED: return .busy
            case SQLITE_CORRUPT, SQLITE_NOTADB: return .badInput
            default: return .fileSystem
            }
        }
    }
}
