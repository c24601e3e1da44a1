import DocketCore
import DocketCouncil
import DocketServices
import DocketYAML
import Foundation
import Hummingbird

/// The secretariat's council profile page. Each change is one `DocketServices.updateProfile`
/// call (the profile changed, read back by the loader's own checks, written, recorded in its
/// history under the signed-in person); every form carries the version it was shown
/// (`version`, the file's SHA-256), and a change made on an older version is refused:
///
///     GET  /council                         the profile in words, the roster, the history, the forms
///     POST /council/names                   name, organization, head, addressee, secretariat, executive_side,
///                                           answer_number, departments (one a line), seats
///     POST /council/members                 member, role, appointed, term_ends, new_seats (定数, optional): adds a member
///     GET  /council/members/:name           one member's forms
///     POST /council/members/:name           role, appointed, term_ends: changes the seat
///     POST /council/members/:name/end       day: ends the term on that day (the member stays on the roster)
struct ProfileRoutes: Sendable {
    let board: Board

    typealias Context = BoardContext
    var docket: DocketServices { board.services.docket }

    func addRoutes(to routes: BoardRouter) {
        routes.get("/council", .secretariat) { request, context in
            try profilePage(context, saved: request.uri.queryParameters.get("saved") == "1")
        }
        routes.post("/council/names", .secretariat) { request, context in try await names(request, context) }
        routes.post("/council/members", .secretariat) { request, context in try await addMember(request, context) }
        routes.get("/council/members/:name", .secretariat) { _, context in
            try memberPage(try Self.member(context), context)
        }
        routes.post("/council/members/:name", .secretariat) { request, context in try await changeMember(request, context) }
        routes.post("/council/members/:name/end", .secretariat) { request, context in try await endTerm(request, context) }
    }

    // MARK: - Pages

    /// What the page says about the file's comments and when a change takes effect.
    static let help = [
        "ここで保存すると、審議会の設定ファイルは Docket の書式で書き直されます。ファイルに手で書き添えた説明（コメント）は残りません。変更前の版は、すべて下の変更履歴に残ります。",
        "委員の任期・会長の変更は、次に行う採決・答申から使われます。審議会の名称や組織名の変更が画面上部の表示や文書の差出人に反映されるのは、ボードを起動し直したあとです。",
    ]

    func profilePage(_ context: Context, saved: Bool = false, form: String? = nil, values: FormValues? = nil,
                     issues: FormIssues = FormIssues(), status: HTTPResponse.Status = .ok) throws -> Response {
        let (p, version) = try docket.currentProfile()
        let today = docket.today
        let n = p.names
        var defaults = p
        defaults.setNames(CouncilRoster.Names(name: n.name, organization: n.organization, head: n.head, addressee: nil, secretariat: nil,
                                              executiveSide: nil, answerNumber: n.answerNumber, departments: n.departments, seats: n.seats))
        let fromForm = form == "names" ? values : nil
        func value(_ key: String, _ current: String?) -> String { fromForm?[key] ?? current ?? "" }
        let facts: [[String: Any]] = [
            ["label": "審議会の名称", "value": p.name],
            ["label": "組織", "value": p.organization.isEmpty ? "（未設定）" : p.organization],
            ["label": "長の職名", "value": p.head.isEmpty ? "（未設定）" : p.head],
            ["label": "答申の宛先", "value": p.addressee.isEmpty ? "（未設定：案件ごとに宛先が必要です）" : p.addressee],
            ["label": "事務局（文書の差出人）", "value": p.secretariat],
            ["label": "会議録での執行機関側の呼び方", "value": p.executiveSide],
            ["label": "答申番号の書式", "value": "\(p.answerNumber.pattern)（例：\(p.numberLabel(yearLabel: "令和8年度", number: 1))）"],
            ["label": "所管課", "value": p.departments.isEmpty ? "（指定なし：どの課からも諮問できます）" : p.departments.joined(separator: "、")],
            ["label": "定数", "value": "\(p.seats) 名（\(Pages.date(today)) に在任中 \(p.members(inOfficeOn: today).count) 名）"],
            ["label": "会長（本日）", "value": p.chair(on: today) ?? (p.memberships.isEmpty ? "（委員がいません）" : "在任中の会長がいません")],
            ["label": "議事の規則", "value": p.ruleDescription],
        ]
        let members: [[String: Any]] = p.memberships.map { m in
            ["name": m.name, "role": m.role.rawValue, "term": m.termText, "inOffice": m.inOffice(on: today),
             "href": "/council/members/" + AccountRoutes.escaped(m.name)]
        }
        let history = try docket.councilHistory.entries()
        let rows: [[String: Any]] = history.enumerated().reversed().prefix(20).map { i, e in
            ["number": i + 1, "at": board.services.dates.dateTime(e.at), "by": e.by, "changes": e.changes]
        }
        var view: [String: Any] = [
            "facts": facts, "members": members, "hasMembers": !members.isEmpty, "history": rows, "help": Self.help,
            "version": version, "errors": issues.byField, "summary": issues.summary(form: "\(form ?? "names")-form"),
            "f": [
                "name": value("name", n.name), "organization": value("organization", n.organization), "head": value("head", n.head),
                "addressee": value("addressee", n.addressee), "secretariat": value("secretariat", n.secretariat),
                "executive_side": value("executive_side", n.executiveSide), "answer_number": value("answer_number", n.answerNumber),
                "departments": value("departments", n.departments.joined(separator: "\n")),
                "seats": value("seats", n.seats.map(String.init)),
            ],
            "termed": p.isTermed, "memberCount": p.memberships.count,
            "placeholders": ["addressee": defaults.addressee, "secretariat": defaults.secretariat, "executive_side": defaults.executiveSide],
            "roleChoices": Self.roleChoices(form == "member" ? values?["role"] : nil),
            "m": form == "member" ? ["member": values?["member"] ?? "", "appointed": values?["appointed"] ?? "", "term_ends": values?["term_ends"] ?? "",
                                     "new_seats": values?["new_seats"] ?? ""] : [:],
            "seats": p.seats,
        ]
        if saved { view["saved"] = "保存しました。変更は履歴に記録されています。" }
        return try board.pages.render("profile", title: "審議会の設定", view: view, context: context, status: status)
    }

    func memberPage(_ name: String, _ context: Context, form: String? = nil, values: FormValues? = nil,
                    issues: FormIssues = FormIssues(), status: HTTPResponse.Status = .ok) throws -> Response {
        let (p, version) = try docket.currentProfile()
        guard let m = p.membership(of: name) else {
            throw BoardError.notFound("委員「\(name)」は名簿にいません。審議会の設定のページから選んでください。")
        }
        let change = form == "change" ? values : nil
        let view: [String: Any] = [
            "name": m.name, "path": AccountRoutes.escaped(m.name), "role": m.role.rawValue, "term": m.termText,
            "inOffice": m.inOffice(on: docket.today), "version": version, "help": Self.help,
            "roleChoices": Self.roleChoices(change?["role"] ?? m.role.rawValue),
            "appointed": change?["appointed"] ?? m.appointed ?? "", "termEnds": change?["term_ends"] ?? m.termEnds ?? "",
            "day": form == "end" ? (values?["day"] ?? "") : docket.today,
            "errors": issues.byField, "summary": issues.summary(form: "\(form ?? "change")-form"),
        ]
        return try board.pages.render("profile-member", title: "委員「\(m.name)」", view: view, context: context, status: status)
    }

    /// The member the path names, percent-decoded (names are Japanese).
    static func member(_ context: Context) throws -> String {
        let raw = try context.parameters.require("name")
        return raw.removingPercentEncoding ?? raw
    }

    static func roleChoices(_ chosen: String?) -> [[String: Any]] {
        Membership.Role.allCases.map { ["value": $0.rawValue, "label": $0.rawValue, "selected": $0.rawValue == (chosen ?? Membership.Role.member.rawValue)] }
    }

    // MARK: - Changes

    func names(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let values = try await CaseFormRoutes.urlEncoded(request)
        var issues = FormIssues()
        let name = values.text("name") ?? ""
        if name.isEmpty { issues.add("name", "審議会の名称を入力してください。") }
        // 定数 is asked for only once a member has a term (without terms it is the number of members).
        var seats: Int?
        if values["seats"] != nil {
            seats = Int(values.text("seats") ?? "")
            if seats == nil || seats! < 1 { issues.add("seats", "定数は 1 以上の整数で入力してください。") }
        }
        let pattern = values.text("answer_number") ?? AnswerNumberFormat.standard.pattern
        if !pattern.contains("{番号}") {
            issues.add("answer_number", "答申番号の書式には {番号}（番号の入る所）が必要です。例：{年度}第{番号}号、み個審答第{番号}号")
        }
        let names = CouncilRoster.Names(
            name: name, organization: values.text("organization") ?? "", head: values.text("head") ?? "",
            addressee: values.text("addressee"), secretariat: values.text("secretariat"), executiveSide: values.text("executive_side"),
            answerNumber: pattern, departments: (values["departments"] ?? "").split(whereSeparator: \.isNewline).map(String.init),
            seats: seats)
        return try await save(values, identity.name, form: "names", issues: issues, context) { $0.setNames(names) }
    }

    func addMember(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let values = try await CaseFormRoutes.urlEncoded(request)
        var issues = FormIssues()
        let member = values.text("member") ?? ""
        if member.isEmpty { issues.add("member", "委員の氏名を入力してください。") }
        let role = Membership.Role(rawValue: values["role"] ?? "") ?? .member
        let appointed = Self.day(values.text("appointed"), field: "appointed", &issues)
        let termEnds = Self.day(values.text("term_ends"), field: "term_ends", &issues)
        Self.order(appointed, termEnds, &issues)
        // 定数 may change with the member (a new council's members come with their seats).
        var seats: Int?
        if let text = values.text("new_seats") {
            seats = Int(text)
            if seats == nil || seats! < 1 { issues.add("new_seats", "定数は 1 以上の整数で入力してください。") }
        }
        return try await save(values, identity.name, form: "member", issues: issues, context) {
            try $0.addMember(Membership(name: member, role: role, appointed: appointed, termEnds: termEnds))
            if let seats { $0.seats = seats }
        }
    }

    func changeMember(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let name = try Self.member(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        var issues = FormIssues()
        guard let role = Membership.Role(rawValue: values["role"] ?? "") else {
            issues.add("role", "役職を選んでください。")
            return try await save(values, identity.name, form: "change", member: name, issues: issues, context) { _ in }
        }
        let appointed = Self.day(values.text("appointed"), field: "appointed", &issues)
        let termEnds = Self.day(values.text("term_ends"), field: "term_ends", &issues)
        Self.order(appointed, termEnds, &issues)
        return try await save(values, identity.name, form: "change", member: name, issues: issues, context) {
            try $0.changeMember(name, role: role, appointed: appointed, termEnds: termEnds)
        }
    }

    func endTerm(_ request: Request, _ context: Context) async throws -> Response {
        let identity = try context.user()
        let name = try Self.member(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        var issues = FormIssues()
        let day = Self.day(values.text("day"), field: "day", &issues)
        if day == nil, issues.isEmpty { issues.add("day", "任期の最終日を入力してください。") }
        return try await save(values, identity.name, form: "end", member: name, issues: issues, context) {
            try $0.endTerm(name, on: day ?? "")
        }
    }

    /// Makes the change (unless the form already has problems) and goes back to the page; a
    /// refusal shows the page again with the form's entries and its problems.
    func save(_ values: FormValues, _ user: String, form: String, member: String? = nil, issues given: FormIssues,
              _ context: Context, _ edit: (inout CouncilRoster) throws -> Void) async throws -> Response {
        var issues = given
        if values.text("version") == nil {
            issues.add("", "フォームが古いか、項目が足りません。ページを開き直してから、もう一度入力してください。")
        }
        if issues.isEmpty {
            do {
                try docket.updateProfile(by: user, expected: values.text("version"), edit)
                return .redirect(to: "/council?saved=1", type: .normal)
            } catch {
                issues.takeProfile(error, member: member)
            }
        }
        if let member, (try? docket.currentProfile().roster.membership(of: member)) == nil {
            throw BoardError.notFound("委員「\(member)」は名簿にいません。審議会の設定のページから選んでください。")
        }
        if let member { return try memberPage(member, context, form: form, values: values, issues: issues, status: issues.status) }
        return try profilePage(context, form: form, values: values, issues: issues, status: issues.status)
    }

    /// A date field (`YYYY-MM-DD`, or an era date): its ISO form, nil when blank or unreadable.
    static func day(_ text: String?, field: String, _ issues: inout FormIssues) -> String? {
        guard let text else { return nil }
        switch CalendarDate.parse(text) {
        case .success(let iso): return iso
        case .failure(let problem):
            issues.add(field, problem.japanese)
            return nil
        }
    }

    static func order(_ appointed: String?, _ termEnds: String?, _ issues: inout FormIssues) {
        if let a = appointed, let e = termEnds, e < a {
            issues.add("term_ends", "任期満了日（\(Pages.date(e))）が委嘱日（\(Pages.date(a))）より前です。")
        }
    }
}

extension FormIssues {
    /// An error of a profile change in the board's words.
    mutating func takeProfile(_ error: any Error, member: String?) {
        switch error {
        case let e as ProfileEditError:
            status = HTTPResponse.Status(code: e.kind.httpStatus)
            switch e {
            case .memberExists(let n): add("member", "「\(n)」はすでに名簿にいます。任期を変えるときは、名簿の氏名から開いてください。")
            case .noSuchMember(let n, _): add("", "委員「\(n)」は名簿にいません。")
            case .endsBeforeAppointed(_, let a, let end): add("day", "任期の最終日（\(Pages.date(end))）が委嘱日（\(Pages.date(a))）より前です。")
            case .changedMeanwhile: add("", "このページを開いたあとに、ほかの人が審議会の設定を変更しました。変更後の内容を確かめて、もう一度入力してください。")
            case .noProfile: add("", "この作業フォルダには審議会の設定ファイルがありません。")
            }
        case let e as DiagnosticsError:
            status = .unprocessableContent
            // The profile's own checks (the same as for the file), in their Japanese words where they have them.
            for d in e.diagnostics { add("", "審議会の設定として保存できません。" + (d.japanese ?? d.message)) }
        default:
            let refusal = Refusal(error)
            status = HTTPResponse.Status(code: refusal.status)
            for line in refusal.lines { add("", line) }
        }
    }
}
