import DocketAccounts
import DocketCore
import DocketIndex
import DocketMeetings
import DocketYAML
import Foundation
import Hummingbird
import HummingbirdAuth

// The roles and the identity are the accounts' (DocketAccounts); the board adds who may use
// which routes, and hummingbird-auth's role policy.
extension Identity: RoleProviding {}

extension Identity {
    /// Where the person lands after signing in.
    public var home: String {
        if !roles.isDisjoint(with: Access.caseReaders.roles) { return "/" }
        if roles.contains(.archivist) { return "/archives" }
        return "/account/password"
    }
}

/// Who may use a group of routes. Each route belongs to exactly one access level; `routes`
/// (see `BoardRouter`) records it, and the role-walk test checks every route against it.
public enum Access: String, Sendable, CaseIterable {
    /// Nobody signed in is needed: /login, /static.
    case everyone
    /// Any signed-in person: logout, password change.
    case signedIn
    /// Read cases: the board, search, a case page and its documents (case scope applies).
    case caseReaders
    /// Open cases and supply materials: secretariat and department (case scope applies).
    case caseSubmitters
    /// Move cases on: record, run, rerun, withdraw, reopen, archive; manage meetings.
    case secretariat
    /// Read meetings: the secretariat and members.
    case meetingReaders
    /// Archives, verification, retention, the answers register.
    case records

    /// The roles admitted (empty for `everyone` and `signedIn`: no role needed).
    public var roles: Set<Role> {
        switch self {
        case .everyone, .signedIn: return []
        case .caseReaders: return [.secretariat, .department, .member]
        case .caseSubmitters: return [.secretariat, .department]
        case .secretariat: return [.secretariat]
        case .meetingReaders: return [.secretariat, .member]
        case .records: return [.secretariat, .archivist]
        }
    }

    /// Whether `identity` (nil: nobody signed in) may use routes of this level.
    public func admits(_ identity: Identity?) -> Bool {
        switch self {
        case .everyone: return true
        case .signedIn: return identity != nil
        default: return identity.map { !$0.roles.isDisjoint(with: roles) } ?? false
        }
    }
}

/// Admits an identity holding any of `roles` (hummingbird-auth's policy protocol).
struct AnyRolePolicy: AuthorizationPolicy {
    let roles: Set<Role>

    func isAuthorized(identity: Identity, request: Request) async throws -> Bool {
        !identity.roles.isDisjoint(with: roles)
    }
}

/// Sends a request without a signed-in identity to the login page (303), remembering where
/// it was going when that was a page (GET).
struct RequireSignIn: RouterMiddleware {
    typealias Context = BoardContext

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        guard context.identity != nil else {
            var location = "/login"
            if request.method == .get, request.uri.path != "/",
               let next = LoginRedirect.safeNext(request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")) {
                location += "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "/")
            }
            return .redirect(to: location, type: .normal)
        }
        return try await next(request, context)
    }
}

/// Where a login may send the person afterwards: only a path of this board. It must begin
/// with exactly one `/`, and neither as given nor percent-decoded (once or twice) hold a
/// backslash or white space in its path, a second leading slash, or a control character: browsers drop tabs
/// and newlines and read `\` as `/`, so `/\t/evil.example/` would leave for another host.
enum LoginRedirect {
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.utf8.count < 1000 else { return nil }
        var forms = [next]
        if let once = next.removingPercentEncoding {
            forms.append(once)
            if let twice = once.removingPercentEncoding { forms.append(twice) }
        } else {
            return nil
        }
        for form in forms {
            // White space only in the query (a search's words); never in the path.
            let path = form.prefix { $0 != "?" }
            guard form.hasPrefix("/"), !form.hasPrefix("//"), !path.contains("\\"),
                  !path.unicodeScalars.contains(where: { $0.properties.isWhitespace }),
                  !form.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
            else { return nil }
        }
        return next
    }
}

extension CharacterSet {
    /// Characters left as they are in a query value.
    static let urlQueryValueAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.remove(charactersIn: "&=+?#")
        return set
    }()
}

/// Which cases a person may see: the secretariat all; a department its own (the case's
/// `department` input); a member those on a meeting's agenda. Applied to lists and, by
/// `CaseScopeMiddleware`, to every route under `/cases/:id`.
public struct CaseScope: Sendable {
    let services: BoardServices

    /// Whether `identity` may see case `id` of `department` (`agenda`: the cases on some
    /// meeting's agenda, when the caller has them already).
    func admits(_ identity: Identity, caseID id: String, department: String?, agenda: Set<String>? = nil) -> Bool {
        if identity.roles.contains(.secretariat) { return true }
        if identity.roles.contains(.department), let mine = identity.department, department == mine { return true }
        if identity.roles.contains(.member), (agenda ?? agendaCases()).contains(id) { return true }
        return false
    }

    /// The index rows passing `filter` that `identity` may see.
    func cases(for identity: Identity, _ filter: CaseFilter) throws -> [CaseRow] {
        if identity.roles.contains(.secretariat) { return try services.index.cases(filter) }
        var seen = Set<String>(), rows: [CaseRow] = []
        if identity.roles.contains(.department), let mine = identity.department, filter.department == nil || filter.department == mine {
            var own = filter
            own.department = mine
            for row in try services.index.cases(own) where seen.insert(row.id).inserted { rows.append(row) }
        }
        if identity.roles.contains(.member) {
            let agenda = agendaCases()
            for row in try services.index.cases(filter) where agenda.contains(row.id) && seen.insert(row.id).inserted { rows.append(row) }
        }
        return rows.sorted { $0.id < $1.id }
    }

    /// A page of the work queue for `identity`: the cases they may see that pass `filter`, the
    /// ones where they act next first (`QueueStage.actors` for their roles; for a member, the
    /// cases on the agenda of a meeting not yet closed), then the rest, oldest waiting first.
    /// Scoped, paged and counted by the index's queries.
    func queue(for identity: Identity, _ filter: CaseFilter, offset: Int, limit: Int) throws -> QueuePage {
        var query = QueueQuery(filter: filter, offset: offset, limit: limit)
        var actors: Set<QueueStage.Actor> = []
        if identity.roles.contains(.secretariat) { actors.insert(.secretariat) }
        if identity.roles.contains(.department), identity.department != nil { actors.insert(.department) }
        if identity.roles.contains(.archivist) { actors.insert(.archivist) }
        query.firstStages = Set(actors.flatMap(QueueStage.stages(for:)))
        let agenda = identity.roles.contains(.member) ? agendaBook() : nil
        if let agenda { query.firstIDs = agenda.open.sorted() }
        if !identity.roles.contains(.secretariat) {
            let department = identity.roles.contains(.department) ? identity.department : nil
            query.scope = .some(department: department, ids: agenda.map { $0.all.sorted() })
        }
        return try services.index.queue(query)
    }

    /// Every case on some meeting's agenda.
    func agendaCases() -> Set<String> { agendaBook().all }

    /// The agendas' cases, read again only when a meeting's journal changed (one `stat` per
    /// meeting otherwise): every case on some agenda, and those on the agenda of a meeting
    /// not yet closed (and not deferred there).
    func agendaBook() -> AgendaBook.Cases { AgendaBook.shared.cases(services.meetings) }

    /// Throws 404 for a case that does not exist and 403 for one outside the person's scope.
    /// The 404's "did you mean" names only a case the person may open: a near id of another
    /// department's case is not told to them.
    func require(_ identity: Identity, caseID id: String) throws {
        let state: CaseState
        do {
            (_, state) = try services.store.load(id)
        } catch CaseError.noSuchCase(_, let known) {
            let visible = identity.roles.contains(.secretariat) ? known
                : ((try? cases(for: identity, CaseFilter()))?.map(\.id) ?? []).filter(Set(known).contains)
            let near = Suggest.nearest(to: id, among: visible).map { "「\($0)」のことですか？" } ?? ""
            throw BoardError.notFound("案件「\(id)」はありません。\(near)案件番号を確かめてください。")
        }
        guard admits(identity, caseID: id, department: state.inputs["department"]?.stringValue) else {
            throw BoardError.forbidden("この案件（\(id)）を見る権限がありません。")
        }
    }
}

/// The meetings' agendas as the case scope reads them, kept per meetings folder with the
/// stamps (size, modification time) of the journals they were read from: a meeting made,
/// changed or removed, through the board, the CLI or by hand, is read again at the next look.
final class AgendaBook: @unchecked Sendable {
    struct Cases: Sendable {
        /// On some meeting's agenda.
        var all: Set<String> = []
        /// On the agenda of a meeting not yet closed, and not deferred there.
        var open: Set<String> = []
    }

    static let shared = AgendaBook()
    private let lock = NSLock()
    private var kept: [String: (stamps: [String: [Int]], cases: Cases)] = [:]

    func cases(_ book: MeetingBook) -> Cases {
        let folder = book.store.casesFolder
        var stamps: [String: [Int]] = [:]
        for id in book.ids() {
            var st = stat()
            let path = folder.appendingPathComponent(id).appendingPathComponent("journal.jsonl").path
            stamps[id] = stat(path, &st) == 0
                ? [Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec), Int(st.st_ino)] : []
        }
        lock.lock()
        if let hit = kept[folder.path], hit.stamps == stamps {
            lock.unlock()
            return hit.cases
        }
        lock.unlock()
        var cases = Cases()
        for meeting in (try? book.all()) ?? [] {
            for item in meeting.agenda {
                guard let id = item.caseID else { continue }
                cases.all.insert(id)
                if !meeting.closed && !item.deferred { cases.open.insert(id) }
            }
        }
        lock.lock()
        kept[folder.path] = (stamps, cases)
        lock.unlock()
        return cases
    }
}

/// Refuses `/cases/:id/…` routes for a case outside the signed-in person's scope.
struct CaseScopeMiddleware: RouterMiddleware {
    typealias Context = BoardContext
    let scope: CaseScope

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        if let id = context.parameters.get("id"), let identity = context.identity {
            try scope.require(identity, caseID: id)
        }
        return try await next(request, context)
    }
}
