import DocketAccounts
import DocketCore
import Foundation
import Hummingbird

/// The secretariat's accounts page, each action one `AccountStore` administration call (rules
/// checked and the change recorded in the accounts' history there) with the signed-in person as `by`:
///
///     GET  /accounts                       the accounts, the add form, the recent history
///     POST /accounts                       name, roles, department, password, confirm → the account's page
///                                          (a password left blank is generated and shown once)
///     GET  /accounts/:name                 one account: its forms
///     POST /accounts/:name/disable|enable  reason
///     POST /accounts/:name/password        password, confirm (blank: generated, shown once)
///     POST /accounts/:name/roles           roles, department
///
/// A refused form is shown again with its entries, an error summary and each problem at its field.
struct AccountRoutes: Sendable {
    let board: Board

    typealias Context = BoardContext
    var accounts: AccountStore { board.services.accounts }

    func addRoutes(to routes: BoardRouter) {
        routes.get("/accounts", .secretariat) { request, context in
            try listPage(context, done: request.uri.queryParameters.get("done"))
        }
        routes.post("/accounts", .secretariat) { request, context in try await add(request, context) }
        routes.get("/accounts/:name", .secretariat) { request, context in
            try accountPage(try name(context), context, done: request.uri.queryParameters.get("done"))
        }
        routes.post("/accounts/:name/disable", .secretariat) { request, context in try await setDisabled(true, request, context) }
        routes.post("/accounts/:name/enable", .secretariat) { request, context in try await setDisabled(false, request, context) }
        routes.post("/accounts/:name/password", .secretariat) { request, context in try await resetPassword(request, context) }
        routes.post("/accounts/:name/roles", .secretariat) { request, context in try await setRoles(request, context) }
    }

    /// The account the path names (404 for none).
    func name(_ context: Context) throws -> String {
        let raw = try context.parameters.require("name")
        let name = raw.removingPercentEncoding ?? raw
        guard try accounts.account(named: name) != nil else {
            throw BoardError.notFound("アカウント「\(name)」はありません。アカウント一覧から選んでください。")
        }
        return name
    }

    // MARK: - Pages

    func listPage(_ context: Context, done: String? = nil, values: FormValues? = nil, issues: FormIssues = FormIssues(),
                  status: HTTPResponse.Status = .ok) throws -> Response {
        let all = try accounts.all()
        let rows: [[String: Any]] = all.map { a in
            ["name": a.name, "href": "/accounts/" + Self.escaped(a.name), "roles": a.roles.map(\.label).joined(separator: "・"),
             "department": a.department ?? "", "disabled": a.disabled,
             "lastSignIn": a.lastSignIn.map { board.services.dates.dateTime($0) } ?? "記録なし"]
        }
        let chosen = Set(values?.all("roles") ?? [])
        var view: [String: Any] = [
            "accounts": rows, "hasAccounts": !rows.isEmpty, "roleChoices": Self.roleChoices(chosen),
            "minimum": PasswordRule.minimumLength, "departments": departmentChoices(),
            "history": try historyRows(limit: 20, account: nil), "errors": issues.byField, "summary": issues.summary(form: "account-add-form"),
            "name": values?["name"] ?? "", "department": values?["department"] ?? "",
        ]
        if let done { view["done"] = Self.doneText(done) }
        return try board.pages.render("accounts", title: "アカウント管理", view: view, context: context, status: status)
    }

    func accountPage(_ name: String, _ context: Context, done: String? = nil, form: String? = nil, values: FormValues? = nil,
                     issues: FormIssues = FormIssues(), status: HTTPResponse.Status = .ok, shownPassword: String? = nil) throws -> Response {
        guard let account = try accounts.account(named: name) else {
            throw BoardError.notFound("アカウント「\(name)」はありません。")
        }
        let identity = try context.user()
        let rolesGiven = form == "roles" ? Set(values?.all("roles") ?? []) : Set(account.roles.map(\.rawValue))
        var view: [String: Any] = [
            "name": account.name, "path": Self.escaped(account.name), "roles": account.roles.map(\.label).joined(separator: "・"),
            "department": form == "roles" ? (values?["department"] ?? "") : (account.department ?? ""),
            "disabled": account.disabled, "created": board.services.dates.dateTime(account.created),
            "passwordChanged": account.passwordChanged.map { board.services.dates.dateTime($0) } ?? "",
            "lastSignIn": account.lastSignIn.map { board.services.dates.dateTime($0) } ?? "記録なし",
            "isSelf": account.name == identity.name, "roleChoices": Self.roleChoices(rolesGiven),
            "minimum": PasswordRule.minimumLength, "departments": departmentChoices(),
            "history": try historyRows(limit: 50, account: account.name), "errors": issues.byField,
            "summary": issues.summary(form: "\(form ?? "account")-form"),
            "reason": values?["reason"] ?? "",
        ]
        if let done { view["done"] = Self.doneText(done) }
        if let shownPassword { view["shownPassword"] = shownPassword }
        return try board.pages.render("accounts-one", title: "アカウント「\(account.name)」", view: view, context: context, status: status)
    }

    static func doneText(_ code: String) -> String {
        switch code {
        case "added": return "アカウントを追加しました。"
        case "disabled": return "アカウントを無効にしました。このアカウントのログイン中の画面は、次の操作で終了します。"
        case "enabled": return "アカウントを再び有効にしました。"
        case "password": return "パスワードを再設定しました。このアカウントのログイン中の画面は終了しました。"
        case "roles": return "役割を変更しました。このアカウントのログイン中の画面は終了しました。"
        default: return "変更しました。"
        }
    }

    static func roleChoices(_ chosen: Set<String>) -> [[String: Any]] {
        Role.allCases.map { ["value": $0.rawValue, "label": $0.label, "checked": chosen.contains($0.rawValue), "id": "role-\($0.rawValue)"] }
    }

    /// The departments the council profile lists, offered for the department field.
    func departmentChoices() -> [String] {
        (try? board.services.docket.currentProfile().roster.departments) ?? []
    }

    func historyRows(limit: Int, account: String?) throws -> [[String: Any]] {
        let entries = try accounts.history.entries().filter { account == nil || $0.account == account }
        return entries.suffix(limit).reversed().map { e in
            var what = e.action.label
            if let roles = e.roles { what += "（" + roles.map(\.label).joined(separator: "・") + (e.department.map { "・" + $0 } ?? "") + "）" }
            return ["at": board.services.dates.dateTime(e.at), "by": e.by, "account": e.account, "what": what, "reason": e.reason ?? ""]
        }
    }

    static func escaped(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
    }

    // MARK: - Actions

    func add(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let values = try await CaseFormRoutes.urlEncoded(request)
        let name = values.text("name") ?? ""
        let roles = Set(values.all("roles").compactMap(Role.init(rawValue:)))
        let department = values.text("department")
        let fields = FormIssues.Fields(name: "name", password: "password")
        var issues = FormIssues()
        do {
            // Every problem at once, and all before bcrypt's cost.
            if name.isEmpty { issues.add("name", "アカウント名を入力してください。") }
            for problem in AccountStore.problems(name: name, roles: roles, department: department) where !(name.isEmpty && problem == .invalidName(name)) {
                issues.take(problem, fields: fields, typed: nil, for: name)
            }
            if !name.isEmpty, try accounts.account(named: name) != nil { issues.take(AccountError.exists(name), fields: fields, typed: nil, for: name) }
            let (password, generated) = try choose(values, name: name, issues: &issues)
            guard issues.isEmpty else { throw issues }
            let hash = try await board.passwords.hash(password)
            try accounts.add(name: name, roles: roles, department: department, passwordHash: hash, by: identity.name)
            if generated {
                return try accountPage(name, context, done: "added", shownPassword: password)
            }
            return .redirect(to: "/accounts/\(Self.escaped(name))?done=added", type: .normal)
        } catch {
            if !(error is FormIssues) { issues.take(error, fields: fields, typed: values["password"], for: name) }
            issues.status = .unprocessableContent
            if case AccountError.exists? = error as? AccountError { issues.status = .conflict }
            return try listPage(context, values: values, issues: issues, status: issues.status)
        }
    }

    func setDisabled(_ disabled: Bool, _ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let name = try name(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        do {
            try accounts.setDisabled(name, disabled, reason: values["reason"] ?? "", by: identity.name)
            return .redirect(to: "/accounts/\(Self.escaped(name))?done=\(disabled ? "disabled" : "enabled")", type: .normal)
        } catch {
            var issues = FormIssues()
            issues.take(error, fields: .init(name: "reason", password: "reason"), typed: nil, for: name)
            return try accountPage(name, context, form: "state", values: values, issues: issues, status: issues.status)
        }
    }

    func resetPassword(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let name = try name(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        var issues = FormIssues()
        do {
            let (password, generated) = try choose(values, name: name, issues: &issues)
            guard issues.isEmpty else { throw issues }
            let epoch = try accounts.resetPassword(name, hash: try await board.passwords.hash(password), by: identity.name)
            // One's own reset: this session goes on under a fresh id and the new epoch.
            if name == identity.name { context.sessions.createSession(BoardSession(name: name, epoch: epoch)) }
            if generated { return try accountPage(name, context, done: "password", shownPassword: password) }
            return .redirect(to: "/accounts/\(Self.escaped(name))?done=password", type: .normal)
        } catch {
            issues.take(error, fields: .init(name: "password", password: "password"), typed: values["password"], for: name)
            return try accountPage(name, context, form: "password", values: values, issues: issues, status: issues.status)
        }
    }

    func setRoles(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let name = try name(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        let roles = Set(values.all("roles").compactMap(Role.init(rawValue:)))
        do {
            try accounts.setRoles(name, roles: roles, department: values.text("department"), by: identity.name)
            if name == identity.name, let epoch = try accounts.account(named: name)?.sessionEpoch {
                context.sessions.createSession(BoardSession(name: name, epoch: epoch))
                // Without the secretariat role this page is no longer theirs.
                if !roles.contains(.secretariat) {
                    return .redirect(to: Identity(name: name, roles: roles, department: values.text("department")).home, type: .normal)
                }
            }
            return .redirect(to: "/accounts/\(Self.escaped(name))?done=roles", type: .normal)
        } catch {
            var issues = FormIssues()
            issues.take(error, fields: .init(name: "roles", password: "roles"), typed: nil, for: name)
            return try accountPage(name, context, form: "roles", values: values, issues: issues, status: issues.status)
        }
    }

    /// The password of an add or reset form: typed twice, or generated when left blank.
    func choose(_ values: FormValues, name: String, issues: inout FormIssues) throws -> (String, Bool) {
        let typed = values["password"] ?? ""
        if !typed.isEmpty, typed != values["confirm"] {
            issues.add("confirm", "確認のパスワードが一致しません。同じものを二度入力してください。")
            return ("", false)
        }
        if !typed.isEmpty, let weak = PasswordRule.weakness(typed, name: name) {
            issues.add("password", "このパスワードは使えません。" + weak.japanese)
            return ("", false)
        }
        return try PasswordRule.chosen(typed: typed, again: values["confirm"], name: name)
    }
}

/// The problems of a refused form, by field (`""` for the form as a whole), in the order found:
/// what the template marks at each field (`errors.FIELD`) and lists in the error summary.
struct FormIssues: Error, Sendable {
    private(set) var order: [String] = []
    private(set) var messages: [String: [String]] = [:]
    var status: HTTPResponse.Status = .unprocessableContent

    var isEmpty: Bool { order.isEmpty }

    mutating func add(_ field: String, _ message: String) {
        if messages[field] == nil { order.append(field) }
        messages[field, default: []].append(message)
    }

    /// Each field's message (several joined), for `errors.FIELD` in a template.
    var byField: [String: String] {
        messages.filter { !$0.key.isEmpty }.mapValues { $0.joined(separator: " ") }
    }

    /// The summary at the top of the form: each problem a link to its field (`#f-FIELD`), one of
    /// the whole form to the form itself (`#FORM`).
    func summary(form: String) -> ErrorSummary {
        ErrorSummary(order.flatMap { field in
            (messages[field] ?? []).map { ErrorSummary.Item(href: field.isEmpty ? "#\(form)" : "#f-\(field)", text: $0) }
        })
    }

    /// Which field an account error belongs to on the form at hand.
    struct Fields {
        var name: String
        var password: String
    }

    /// An error of the account operations in the board's words, at its field.
    mutating func take(_ error: any Error, fields: Fields, typed: String?, for name: String) {
        switch error {
        case let e as FormIssues:
            for field in e.order { for m in e.messages[field] ?? [] { add(field, m) } }
            status = e.status
        case let e as AccountError:
            status = HTTPResponse.Status(code: e.kind.httpStatus)
            switch e {
            case .invalidName: add(fields.name, "アカウント名に使えるのは文字・数字と「.」「_」「-」で、1〜64 文字です（記号で始めることはできません）。")
            case .exists(let n): add(fields.name, "アカウント「\(n)」はすでにあります。別の名前にしてください。")
            case .noSuchAccount(let n, _): add("", "アカウント「\(n)」はありません。")
            case .departmentRequired: add("department", "所管課の役割には、所管課名が必要です。")
            case .departmentWithoutRole: add("department", "所管課名は、所管課の役割を持つアカウントにだけ入力します。")
            case .noRoles: add("roles", "役割を一つ以上選んでください。")
            case .weakPassword:
                add(fields.password, "このパスワードは使えません。" + (typed.flatMap { PasswordRule.weakness($0, name: name)?.japanese } ?? ""))
            case .mismatch: add("confirm", "確認のパスワードが一致しません。同じものを二度入力してください。")
            case .wrongPassword: add(fields.password, "パスワードが違います。")
            case .unreadable, .io: add("", "アカウントの記録を読み書きできませんでした。何も変更していません。管理者に連絡してください。")
            }
        case let e as AccountRuleError:
            status = HTTPResponse.Status(code: e.kind.httpStatus)
            switch e {
            case .selfDisable: add("", "自分のアカウントは無効にできません。別の事務局のアカウントで操作してください。")
            case .lastSecretariat(let n):
                add(fields.name == "reason" ? "" : fields.name,
                    "「\(n)」は有効な事務局アカウントの最後の一つのため、無効にすることも事務局の役割を外すこともできません。先に別の事務局アカウントを追加するか、有効にしてください。")
            case .reasonRequired: add("reason", "理由を入力してください（変更の履歴に残ります）。")
            case .alreadyDisabled(let n): add("", "アカウント「\(n)」はすでに無効です。")
            case .alreadyEnabled(let n): add("", "アカウント「\(n)」はすでに有効です。")
            }
        default:
            let refusal = Refusal(error)
            status = HTTPResponse.Status(code: refusal.status)
            for line in refusal.lines { add("", line) }
        }
    }
}
