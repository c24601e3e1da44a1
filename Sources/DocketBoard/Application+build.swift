import DocketAccounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging

/// One route the board serves and who may use it: the catalog the role-walk test checks
/// every route of, as every role and as nobody.
public struct RouteEntry: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    /// As registered (`/cases/:id`, `/cases/:id/documents/**`).
    public var path: String
    public var access: Access
    /// Whether the case scope (department, agenda) applies to `:id`.
    public var caseScoped: Bool

    public var description: String { "\(method) \(path)" }
}

/// The only way routes are added to the board: each route names its access level, gets the
/// group guarded for it (sign-in, role policy, case scope), and is recorded in `routes`.
/// A routes struct (`CaseRoutes`, `MeetingRoutes`, …) takes one in `addRoutes(to:)`.
public final class BoardRouter: @unchecked Sendable {
    public typealias Handler = @Sendable (Request, BoardContext) async throws -> Response
    let router: Router<BoardContext>
    let scope: CaseScope
    public private(set) var routes: [RouteEntry] = []
    private var groups: [String: RouterGroup<BoardContext>] = [:]

    init(router: Router<BoardContext>, scope: CaseScope) {
        self.router = router
        self.scope = scope
    }

    public func get(_ path: String, _ access: Access, caseScoped: Bool = false, _ handler: @escaping Handler) {
        add(.get, path, access, caseScoped, handler)
    }

    public func post(_ path: String, _ access: Access, caseScoped: Bool = false, _ handler: @escaping Handler) {
        add(.post, path, access, caseScoped, handler)
    }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ access: Access, _ caseScoped: Bool, _ handler: @escaping Handler) {
        precondition(!caseScoped || path.contains(":id"), "a case-scoped route needs :id")
        routes.append(RouteEntry(method: method.rawValue, path: path, access: access, caseScoped: caseScoped))
        group(access, caseScoped).on(RouterPath(path), method: method, use: handler)
    }

    /// The guarded group for an access level (made once).
    private func group(_ access: Access, _ caseScoped: Bool) -> RouterGroup<BoardContext> {
        let key = "\(access.rawValue)/\(caseScoped)"
        if let g = groups[key] { return g }
        var g = router.group()
        if access != .everyone {
            g = g.add(middleware: RequireSignIn())
        }
        if !access.roles.isEmpty {
            g = g.add(middleware: AuthorizationPolicyMiddleware(
                AnyRolePolicy(roles: access.roles),
                deniedError: BoardError.forbidden("このページは\(access.roles.sorted().map(\.label).joined(separator: "・"))の方のみ使えます。"),
                context: BoardContext.self))
        }
        if caseScoped { g = g.add(middleware: CaseScopeMiddleware(scope: scope)) }
        groups[key] = g
        return g
    }
}

/// The board as an application: the same one `docket serve` runs and the tests drive.
/// Middleware, outermost first: security headers; the session (cookie → `context.sessions`);
/// the session authenticator (→ `context.identity`, from the account store); the request log;
/// error pages;
/// the CSRF check on every POST. Routes then add sign-in, role and case-scope guards by group.
public struct Board: Sendable {
    public let settings: BoardSettings
    public let services: BoardServices
    public let pages: Pages
    public let passwords: Passwords
    public let throttle: LoginThrottle
    let sessions: MemoryPersistDriver<ContinuousClock>
    /// The case runs still going after their request answered (see `BackgroundRuns`).
    let runs = BackgroundRuns()

    public init(settings: BoardSettings, services: BoardServices) throws {
        self.settings = settings
        self.services = services
        let templates = settings.templatesFolder ?? services.workspace.root.appendingPathComponent("board/templates")
        self.pages = try Pages(overrides: FileManager.default.fileExists(atPath: templates.path) ? templates : nil,
                               council: services.docket.council.council)
        self.passwords = Passwords(cost: settings.bcryptCost)
        self.throttle = LoginThrottle(perName: settings.failuresPerName, perAddress: settings.failuresPerAddress,
                                      window: settings.throttleWindow)
        self.sessions = MemoryPersistDriver(.continuous)
    }

    /// The router with every route; its catalog (`routes`) lists them.
    public func router() -> (Router<BoardContext>, BoardRouter) {
        let router = Router(context: BoardContext.self)
        router.add(middleware: SecurityHeaders())
        router.add(middleware: SessionMiddleware(storage: sessions, configuration: .init(
            sessionCookieParameters: .init(name: "docket_session", path: "/", secure: settings.secureCookies, sameSite: .strict),
            keyPrefix: "board.", defaultSessionExpiration: settings.sessionLifetime)))
        let accounts = services.accounts
        router.add(middleware: SessionAuthenticator(context: BoardContext.self) { (session: BoardSession, _) in
            guard let name = session.name else { return nil }
            return try accounts.identity(named: name, epoch: session.epoch)
        })
        router.add(middleware: RequestLog())
        router.add(middleware: ErrorPages(pages: pages))
        router.add(middleware: CSRFCheck(publicOrigin: settings.publicOrigin, scheme: settings.secureCookies ? "https" : "http"))
        let board = BoardRouter(router: router, scope: CaseScope(services: services))
        AuthRoutes(board: self).addRoutes(to: board)
        BoardRoutes(board: self).addRoutes(to: board)
        CaseRoutes(board: self).addRoutes(to: board)
        CaseFormRoutes(board: self).addRoutes(to: board)
        MeetingRoutes(board: self).addRoutes(to: board)
        AnswerRoutes(board: self).addRoutes(to: board)
        ArchiveRoutes(board: self).addRoutes(to: board)
        AccountRoutes(board: self).addRoutes(to: board)
        ProfileRoutes(board: self).addRoutes(to: board)
        return (router, board)
    }
}

/// Builds the board application for `settings` over `services`.
public func buildApplication(_ settings: BoardSettings, services: BoardServices, logger: Logger? = nil) throws -> some ApplicationProtocol {
    let board = try Board(settings: settings, services: services)
    let (router, _) = board.router()
    var logger = logger ?? Logger(label: "docket-board")
    if logger.logLevel > .info { logger.logLevel = .info }
    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Docket"),
        services: [board.sessions],
        logger: logger)
}
