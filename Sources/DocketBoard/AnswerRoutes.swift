import DocketCouncil
import DocketIndex
import DocketServices
import DocketSteps
import Foundation
import Hummingbird

/// The answers register (答申一覧), by fiscal year, as `docket answers` lists it.
///
///     GET /answers?year=2022
struct AnswerRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {
        routes.get("/answers", .records, answersPage)
    }

    @Sendable func answersPage(_ request: Request, context: BoardContext) async throws -> Response {
        let all = board.services.docket.answerRegister.fiscalYears()
        var years = all
        if let text = request.uri.queryParameters.get("year"), !text.isEmpty {
            guard let y = JapaneseDate.fiscalYear(parsing: text) else {
                throw BoardError.invalid("年度は 2022、R4、令和4 のように入力してください（「\(text)」は年度ではありません）。")
            }
            years = [y]
        }
        // The register as `docket answers` lists it: the same numbers, and states from the index.
        let rows = try board.services.docket.answers(fiscalYears: years)
        var sections: [[String: Any]] = []
        for fy in years.sorted(by: >) {
            let entries = rows.filter { $0.fiscalYear == fy }.map { row -> [String: Any] in
                let e = row.entry
                return ["number": row.label, "issued": Pages.date(e.issued),
                        "case": e.caseID, "subject": e.subject ?? "", "department": e.department ?? "",
                        "decision": e.decision ?? "", "state": Self.stateWords[row.state] ?? row.state.rawValue]
            }
            sections.append(["year": JapaneseDate.fiscalYearLabel(fy) + "（\(fy)年度）", "entries": entries, "count": entries.count])
        }
        let view: [String: Any] = ["sections": sections, "empty": sections.allSatisfy { ($0["count"] as? Int) == 0 },
                                   "years": all.sorted(by: >).map { ["value": $0, "label": JapaneseDate.fiscalYearLabel($0)] }]
        return try board.pages.render("answers", title: "答申一覧", view: view, context: context)
    }

    /// An answer's state in words.
    static let stateWords: [AnswerState: String] = [.issued: "発出済み", .withdrawn: "取下げ（番号は欠番）", .missing: "案件の記録がありません"]
}
