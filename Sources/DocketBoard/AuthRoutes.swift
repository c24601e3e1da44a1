import DocketAccounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// Signing in and out, and changing one's password.
///
///     GET  /login             the form (starts an anonymous session for its CSRF token)
///     POST /login             name, password, next → 303 to next or the person's home;
///                             401 with the form again; 429 when throttled
///     POST /logout            → 303 /login, the session ended and its cookie expired
///     GET  /account/password  the form
///     POST /account/password  current, new, confirm → 303 /account/password?done=1
struct AuthRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {
        routes.get("/login", .everyone, loginPage)
        routes.post("/login", .everyone, login)
        routes.post("/logout", .signedIn, logout)
        routes.get("/account/password", .signedIn, passwordPage)
        routes.post("/account/password", .signedIn, changePassword)
        routes.get("/static/board.css", .everyone) { _, _ in
            var response = Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                                    body: .init(byteBuffer: ByteBuffer(bytes: board.pages.stylesheet)))
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
    }

    struct LoginForm: Decodable {
        var name: String
        var password: String
        var next: String?
    }

    @Sendable func loginPage(_ request: Request, context: BoardContext) async throws -> Response {
        if let identity = context.identity { return .redirect(to: identity.home, type: .normal) }
        if context.sessions.session == nil { context.sessions.createSession(BoardSession()) }
        let next = LoginRedirect.safeNext(request.uri.queryParameters.get("next"))
        return try board.pages.render("login", title: "ログイン", view: ["next": next as Any], context: context)
    }

    @Sendable func login(_ request: Request, context: BoardContext) async throws -> Response {
        let form = try await request.decode(as: LoginForm.self, context: context)
        let address = clientAddress(request, context)
        let next = LoginRedirect.safeNext(form.next)
        func again(_ message: String, _ status: HTTPResponse.Status) throws -> Response {
            try board.pages.render("login", title: "ログイン", view: ["message": message, "name": form.name, "next": next as Any],
                                   context: context, status: status)
        }
        let ticket: LoginThrottle.Ticket
        switch await board.throttle.attempt(name: form.name, address: address) {
        case .refused(let refusal): return try again(refusal.message, .tooManyRequests)
        case .taken(let taken): ticket = taken
        }
        let account = try board.services.accounts.account(named: form.name)
        let usable = account.flatMap { $0.disabled ? nil : $0 }
        guard try await board.passwords.verify(form.password, hash: usable?.passwordHash), let usable else {
            // The attempt was counted when it was taken.
            context.logger.notice("sign-in refused", metadata: ["name": .string(form.name)])
            return try again("アカウント名またはパスワードが違います（無効にされたアカウントも使えません）。", .unauthorized)
        }
        await board.throttle.succeeded(ticket)
        // The accounts page shows the last sign-in; a sign-in never fails for want of noting it.
        try? board.services.accounts.recordSignIn(usable.name)
        // A new session (new id and token): an id planted before sign-in is worth nothing after.
        context.sessions.createSession(BoardSession(name: usable.name, epoch: usable.sessionEpoch))
        context.logger.info("signed in", metadata: ["name": .string(usable.name)])
        return .redirect(to: next ?? usable.identity.home, type: .normal)
    }

    @Sendable func logout(_ request: Request, context: BoardContext) async throws -> Response {
        context.sessions.clearSession()
        return .redirect(to: "/login", type: .normal)
    }

    struct PasswordForm: Decodable {
        var current: String
        var new: String
        var confirm: String
    }

    @Sendable func passwordPage(_ request: Request, context: BoardContext) async throws -> Response {
        try board.pages.render("password", title: "パスワード変更",
                               view: ["minimum": PasswordRule.minimumLength, "done": request.uri.queryParameters.get("done") == "1"],
                               context: context)
    }

    @Sendable func changePassword(_ request: Request, context: BoardContext) async throws -> Response {
        let identity = try context.user()
        let form = try await request.decode(as: PasswordForm.self, context: context)
        func again(_ message: String, _ status: HTTPResponse.Status) throws -> Response {
            try board.pages.render("password", title: "パスワード変更", view: ["minimum": PasswordRule.minimumLength, "message": message],
                                   context: context, status: status)
        }
        let account = try board.services.accounts.account(named: identity.name)
        guard try await board.passwords.verify(form.current, hash: account?.passwordHash) else {
            return try again("現在のパスワードが違います。何も変更していません。", .unprocessableContent)
        }
        guard form.new == form.confirm else {
            return try again("新しいパスワードと確認が一致しません。同じものを二度入力してください。", .unprocessableContent)
        }
        if let problem = PasswordRule.problem(form.new, name: identity.name) {
            return try again("新しいパスワードは使えません: \(problem)", .unprocessableContent)
        }
        // Every session of the account ends; this one goes on under a fresh id and the new epoch.
        let epoch = try board.services.accounts.setPasswordHash(identity.name, try await board.passwords.hash(form.new))
        context.sessions.createSession(BoardSession(name: identity.name, epoch: epoch))
        return .redirect(to: "/account/password?done=1", type: .normal)
    }

    /// The client's address: the proxy's `X-Forwarded-For` (last entry) when the settings
    /// trust it, else the connection's.
    func clientAddress(_ request: Request, _ context: BoardContext) -> String? {
        if board.settings.trustForwardedFor, let header = request.headers[HTTPField.Name("X-Forwarded-For")!],
           let last = header.split(separator: ",").last {
            return last.trimmingCharacters(in: .whitespaces)
        }
        return context.remoteAddress
    }
}
