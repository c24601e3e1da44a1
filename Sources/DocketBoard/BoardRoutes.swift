import DocketCore
import DocketCouncil
import DocketIndex
import Foundation
import Hummingbird

/// The board (cases by state, with what each waits for) and search, both from the index and
/// both limited to the cases the person may see (`CaseScope`).
///
///     GET /         filters state, workflow, department, year (2025, R7, 令和7)
///     GET /search   q, department, year, workflow, decision, state → hits with marked excerpts
struct BoardRoutes {
    let board: Board
    /// Rows shown per state on the board; the rest are counted (filter to see them).
    static let shownPerState = 200
    /// The order states are listed in, with their Japanese heading.
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
        try board.services.catchUpIndex()  // what changed behind the feed's back (at most once a second)
        let byState = try CaseScope(services: board.services).casesByState(for: identity, filter, limit: Self.shownPerState)
        var groups: [[String: Any]] = []
        for (state, label) in Self.states {
            guard let group = byState[state], group.count > 0 else { continue }
            groups.append([
                "state": state, "label": label, "count": group.count,
                "more": max(0, group.count - Self.shownPerState),
                "cases": group.rows.map { Self.rowView($0, dates: board.services.dates) },
            ])
        }
        let total = byState.values.reduce(0) { $0 + $1.count }
        let view: [String: Any] = ["groups": groups, "total": total, "filter": form, "empty": total == 0,
                                   "canOpen": Access.caseSubmitters.admits(identity)]
        return try board.pages.render("board", title: "案件一覧", view: view, context: context)
    }

    static func rowView(_ row: CaseRow, dates: DateText) -> [String: Any] {
        ["id": row.id, "workflow": row.workflow, "state": row.state, "subject": row.subject ?? "",
         "waits": waits(state: row.state, step: row.step), "since": dates.dateTime(row.waitingSince),
         "updated": dates.dateTime(row.updated)]
    }

    /// What a case waits for, in words.
    static func waits(state: String, step: String?) -> String {
        let s = step.map { "「\($0)」" } ?? ""
        switch state {
        case "waiting": return "\(s)の記録（審議結果・票数など）"
        case "failed": return "\(s)が失敗しました。原因を確かめて再実行"
        case "running": return "続きの実行"
        case "ready": return "最初の実行"
        case "completed": return "なし（完了）"
        case "withdrawn": return "なし（取下げ）"
        default: return state
        }
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
            let hits = results.hits.filter {
                scope.admits(identity, caseID: $0.case, department: $0.department, agenda: agenda)
            }
            view["hits"] = hits.map { hit -> [String: Any] in
                var row: [String: Any] = ["case": hit.case, "document": hit.document, "line": hit.line, "subject": hit.subject ?? "",
                 "state": hit.state, "department": hit.department ?? "", "decision": hit.decision ?? "",
                 "parts": Self.highlighted(hit.excerpt),
                 "href": hit.document.hasPrefix("inputs") || hit.document.hasPrefix("records/")
                    ? "/cases/\(hit.case)" : "/cases/\(hit.case)/documents/\(hit.document)"]
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
