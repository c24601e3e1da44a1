import DocketAccounts
import DocketCore
import DocketCouncil
import DocketIndex
import Foundation
import Hummingbird

/// The board (the work queue: what waits for the signed-in person first, 50 cases a page) and
/// search, both from the index and both limited to the cases the person may see (`CaseScope`).
///
///     GET /         filters state, workflow, department, year (2025, R7, 令和7); page (1, 2, …)
///     GET /search   q, department, year, workflow, decision, state → hits with marked excerpts
struct BoardRoutes {
    let board: Board
    /// The order states are summed up in, with their Japanese name.
    static let states: [(String, String)] = [
        ("waiting", "記録待ち"), ("failed", "失敗・要確認"), ("running", "実行中"), ("ready", "未実行"),
        ("completed", "完了"), ("withdrawn", "取下げ"),
    ]

    func addRoutes(to routes: BoardRouter) {
        routes.get("/", .caseReaders, casesPage)
        routes.get("/search", .caseReaders, searchPage)
    }

    /// The filter the query names, and its values for the form.
    static func filter(_ request: Request) throws -> (CaseFilter, [String: Any]) {
        let q = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let v = q.get(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        var year: Int?
        if let text = value("year") {
            guard let y = CaseFilter.fiscalYear(parsing: text) else {
                throw BoardError.invalid("年度は 2025、R7、令和7 のように入力してください（「\(text)」は年度ではありません）。")
            }
            year = y
        }
        if let d = value("decision"), Decision(label: d) == nil {
            throw BoardError.invalid("決定は\(Decision.choices)です（「\(d)」ではありません）。")
        }
        let filter = CaseFilter(state: value("state"), workflow: value("workflow"), department: value("department"),
                                fiscalYear: year, decision: value("decision"))
        let form: [String: Any] = [
            "state": value("state") ?? "", "workflow": value("workflow") ?? "", "department": value("department") ?? "",
            "year": value("year") ?? "", "decision": value("decision") ?? "", "q": value("q") ?? "",
            "states": states.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == value("state")] },
            "decisions": Decision.allCases.map { ["value": $0.label, "selected": $0.label == value("decision")] },
        ]
        return (filter, form)
    }

    @Sendable func casesPage(_ request: Request, context: BoardContext) async throws -> Response {
        let identity = try context.user()
        var (filter, form) = try Self.filter(request)
        form["action"] = "/"
        form["withQuery"] = false
        let number = try Self.pageNumber(request)
        try board.services.catchUpIndex()  // what changed behind the feed's back (at most once a second)
        let queue = try CaseScope(services: board.services)
            .queue(for: identity, filter, offset: (number - 1) * Self.perPage, limit: Self.perPage)
        let canOpen = Access.caseSubmitters.admits(identity)
        // The page is a function of what was just read and of who asks: the same inputs give
        // the same HTML, so it is rendered once for them (never a page of older data).
        let key = Self.memoKey(queue, page: number, filter: filter, form: form, canOpen: canOpen, identity: identity,
                               csrf: context.csrf, board: board.services.workspace.root.path)
        if let html = PageMemo.shared.html(for: key) {
            return Pages.response(html: html)
        }
        let view = Self.queueView(queue, page: number, filter: filter, form: form, dates: board.services.dates, canOpen: canOpen)
        let html = try board.pages.html("board", title: "案件一覧", view: view, context: context)
        PageMemo.shared.keep(html, for: key)
        return Pages.response(html: html)
    }

    /// Everything a board page is made from, as one text (see `PageMemo`).
    static func memoKey(_ queue: QueuePage, page: Int, filter: CaseFilter, form: [String: Any], canOpen: Bool,
                        identity: Identity, csrf: String, board: String) -> String {
        var key = board
        key.reserveCapacity(128 * (queue.rows.count + 2))
        func add(_ part: String?) {
            key += "\u{1}"
            key += part ?? "\u{2}"
        }
        let roles: [String] = identity.roles.map { $0.rawValue }.sorted()
        let year: String? = form["year"] as? String
        let parts: [String?] = [identity.name, roles.joined(separator: ","), identity.department, csrf, String(page), filter.state,
                                filter.workflow, filter.department, filter.fiscalYear.map { String($0) }, filter.decision, year,
                                canOpen ? "1" : "0", String(queue.first)]
        for part in parts { add(part) }
        for stage in QueueStage.allCases { add(queue.byStage[stage].map { String($0) }) }
        for row in queue.rows {
            let fields: [String?] = [row.id, row.workflow, row.state, row.step, row.stepName, row.subject, row.waitingSince,
                                     row.updated, row.department, row.stage.rawValue]
            for part in fields { add(part) }
        }
        return key
    }

    /// Rows on one page of the work queue.
    static let perPage = 50

    /// `?page=N` (1 when absent).
    static func pageNumber(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("page")?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return 1 }
        guard let n = Int(text), n >= 1, n <= 1_000_000 else {
            throw BoardError.invalid("ページは 1 以上の数で指定してください（「\(text)」ではありません）。")
        }
        return n
    }

    /// The queue page as the template shows it: the per-state summary (links that keep the
    /// other filters), the range shown, the rows split into the person's and the others, and
    /// the 前へ/次へ links.
    static func queueView(_ queue: QueuePage, page: Int, filter: CaseFilter, form: [String: Any], dates: DateText,
                          canOpen: Bool) -> [String: Any] {
        let total = queue.total, offset = (page - 1) * perPage
        func link(page: Int? = nil, state: String?? = nil) -> String {
            var items: [(String, String)] = []
            let s = state ?? filter.state
            if let s { items.append(("state", s)) }
            if let w = filter.workflow { items.append(("workflow", w)) }
            if let d = filter.department { items.append(("department", d)) }
            if let y = form["year"] as? String, !y.isEmpty { items.append(("year", y)) }
            if let page, page > 1 { items.append(("page", String(page))) }
            let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")" }
            return query.isEmpty ? "/" : "/?" + query.joined(separator: "&")
        }
        let byState = queue.byState
        let summary: [[String: Any]] = states.compactMap { state, label in
            guard let n = byState[state], n > 0 else { return nil }
            return ["label": label, "count": number(n), "href": link(state: .some(state)), "current": filter.state == state]
        }
        var mine: [[String: Any]] = [], others: [[String: Any]] = []
        for (i, row) in queue.rows.enumerated() {
            let view = rowView(row, dates: dates)
            if offset + i < queue.first { mine.append(view) } else { others.append(view) }
        }
        let last = max(1, (total + perPage - 1) / perPage)
        var view: [String: Any] = [
            "filter": form, "canOpen": canOpen, "summary": summary, "empty": total == 0,
            "total": number(total), "mineCount": queue.first > 0 ? number(queue.first) : "",
            "allStates": filter.state == nil ? false : ["href": link(state: .some(nil))],
        ]
        if !queue.rows.isEmpty {
            view["hasRows"] = true
            view["range"] = "\(number(offset + 1))–\(number(offset + queue.rows.count))件目／全\(number(total))件"
            view["groups"] = [
                mine.isEmpty ? nil : ["heading": "あなたの対応待ち（\(number(queue.first))件）", "rows": mine, "mine": true],
                others.isEmpty ? nil : ["heading": queue.first > 0 ? "そのほかの案件" : "", "rows": others, "mine": false],
            ].compactMap { $0 } as [[String: Any]]
        } else if total > 0 {
            view["pastEnd"] = ["last": link(page: last), "lastNumber": number(last)]
        }
        if page > 1 && page <= last { view["previous"] = link(page: page - 1) }
        if page < last { view["next"] = link(page: page + 1) }
        if last > 1 { view["pageOf"] = "\(number(min(page, last)))／\(number(last))ページ" }
        return view
    }

    /// 10000 → 10,000.
    static func number(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func rowView(_ row: CaseRow, dates: DateText) -> [String: Any] {
        ["id": row.id, "workflow": row.workflow, "subject": row.subject ?? "", "stage": row.stage.rawValue,
         "where": whereItStands(row), "since": shortTime(row.since, dates: dates)]
    }

    /// Where a case stands and who acts next, in one line (「審議」の記録待ち — 事務局が記録します),
    /// in the case page's words (`CaseRoutes.standing`, which has the case's rules at hand; a
    /// row has the index's stage). Who acts is the index's (`QueueStage.actors`).
    static func whereItStands(_ row: CaseRow) -> String {
        whereItStands(stage: row.stage, step: row.stepName ?? row.step, department: row.department)
    }

    /// The one sentence of a stage (the index's `QueueStage`, which decides who acts), for the
    /// queue's rows and the case page alike. `voteAtMeeting`: the record is a vote taken at a
    /// meeting's page; `archived`: a completed case whose archive is made.
    static func whereItStands(stage: QueueStage, step: String?, department: String?,
                              voteAtMeeting: Bool = false, archived: Bool = true) -> String {
        let s = step.map { "「\($0)」" } ?? ""
        let dept = department.map { "所管課（\($0)）" } ?? "所管課"
        switch stage {
        case .record where voteAtMeeting: return "\(s)の記録待ち — 事務局が会議のページで採決の結果を記録します"
        case .record: return "\(s)の記録待ち — 事務局が記録します"
        case .corrections: return "\(s)の修正待ち — \(dept)が審議会の求めに応じて資料を直し、提出します"
        case .failedDraft: return "\(s)が止まっています — \(dept)が足りない資料を追加するか、事務局が入力を訂正してやり直します"
        case .failed: return "\(s)が止まっています — 事務局が理由を確かめ、訂正してやり直します"
        case .running: return "\(s)の途中 — 事務局が続きを実行します"
        case .ready: return "未実行 — 事務局が実行します"
        case .completed where !archived: return "完了 — 事務局がアーカイブします"
        case .completed: return "完了 — 対応は要りません"
        case .withdrawn: return "取下げ — 対応は要りません（再開できます）"
        }
    }

    /// A timestamp as `2026/11/20 10:00` in the workspace's zone.
    static func shortTime(_ iso: String, dates: DateText) -> String {
        guard let wall = dates.wallTime(iso) else { return iso }
        return wall.replacingOccurrences(of: "-", with: "/")
    }

    @Sendable func searchPage(_ request: Request, context: BoardContext) async throws -> Response {
        let identity = try context.user()
        var (filter, form) = try Self.filter(request)
        form["action"] = "/search"
        form["withQuery"] = true
        let text = request.uri.queryParameters.get("q") ?? ""
        let rankAll = request.uri.queryParameters.get("rank") == "all"
        let query = SearchQuery(text, filter: filter, limit: 50, rankWithin: rankAll ? nil : SearchQuery.defaultRankWithin)
        var view: [String: Any] = ["filter": form, "asked": !query.terms.isEmpty]
        if !query.terms.isEmpty {
            let scope = CaseScope(services: board.services)
            let agenda = scope.agendaCases()
            try board.services.catchUpIndex()
            let results = try board.services.index.search(query)
            let readsMeetings = Access.meetingReaders.admits(identity)
            let hits = results.hits.filter {
                $0.meeting != nil ? readsMeetings : scope.admits(identity, caseID: $0.case, department: $0.department, agenda: agenda)
            }
            view["hits"] = hits.map { hit -> [String: Any] in
                let meeting = hit.meeting
                let what = meeting.map { "会議 \($0)" } ?? "案件 \(hit.case)"
                let href: String
                if let meeting {
                    href = hit.document.hasPrefix("minutes") ? "/meetings/\(meeting)/minutes" : "/meetings/\(meeting)"
                } else if hit.document.hasPrefix("inputs") || hit.document.hasPrefix("records/") {
                    href = "/cases/\(hit.case)"
                } else {
                    href = "/cases/\(hit.case)/documents/\(hit.document)"
                }
                var row: [String: Any] = ["case": what, "document": Self.documentName(hit.document), "line": hit.line, "subject": hit.subject ?? "",
                 "state": CaseState.Status(rawValue: hit.state).map(CaseRoutes.caseLabel) ?? Self.meetingStates[hit.state] ?? hit.state,
                 "department": hit.department ?? "", "decision": hit.decision ?? "",
                 "parts": Self.highlighted(hit.excerpt), "href": href]
                if let page = hit.page { row["page"] = ["number": page] }
                return row
            }
            view["count"] = hits.count
            if let among = results.rankedAmong {
                view["bounded"] = ["among": among, "all": "/search?" + (request.uri.query ?? "") + "&rank=all"]
            }
        }
        return try board.pages.render("search", title: "検索", view: view, context: context)
    }

    /// A meeting's state in words.
    static let meetingStates = ["open": "開催中", "closed": "閉会", "archived": "保存済み"]

    /// Where in a case a hit is, in words: its inputs, a record, or the document's file name.
    static func documentName(_ path: String) -> String {
        if path == "inputs" { return "入力" }
        if path.hasPrefix("records/") { return "記録" }
        return path.split(separator: "/").last.map(String.init) ?? path
    }

    /// An excerpt marked `»term«` as parts, each to be shown marked or plain (the template
    /// escapes every part; no HTML is built here).
    static func highlighted(_ excerpt: String) -> [[String: Any]] {
        var parts: [[String: Any]] = []
        var rest = Substring(excerpt)
        while let open = rest.firstIndex(of: "»") {
            if open > rest.startIndex { parts.append(["text": String(rest[..<open]), "mark": false]) }
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "«") else { rest = after; break }
            parts.append(["text": String(after[..<close]), "mark": true])
            rest = after[after.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(["text": String(rest), "mark": false]) }
        return parts
    }
}

/// Board pages already rendered, by everything they were made from (`BoardRoutes.memoKey`: the
/// rows and counts just read from the index, the query, the person and their session's token).
/// A page is looked up only after its data was read afresh, so it is never older than the
/// index; a bounded number are kept (all dropped when full), so memory stays flat.
final class PageMemo: @unchecked Sendable {
    static let shared = PageMemo()
    static let capacity = 64
    private let lock = NSLock()
    private var pages: [String: String] = [:]

    func html(for key: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return pages[key]
    }

    func keep(_ html: String, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        if pages.count >= Self.capacity { pages = [:] }
        pages[key] = html
    }
}
