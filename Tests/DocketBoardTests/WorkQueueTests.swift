import DocketAccounts
import DocketBoard
import DocketCore
import DocketIndex
import DocketServices
import DocketTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The board's case list as a work queue: 50 cases a page, what waits for the signed-in
/// person first (oldest waiting first), the case scope on every page, the filters kept
/// across pages, and the index paging and counting in its queries.
final class WorkQueueTests: XCTestCase {
    /// Opens `count` cases of `department` without running them (ready: the secretariat's),
    /// ids `<prefix>001`…, subjects `<department>の案件001`…, oldest first.
    static func openReady(_ fixture: BoardFixture, prefix: String, department: String, count: Int, from: Int = 1) throws {
        let workflow = fixture.root.appendingPathComponent("workflows/simple-consultation.yaml").path
        for n in from..<(from + count) {
            let tail = String(format: "%03d", n)
            _ = try fixture.services.runner.open(caseID: "\(prefix)\(tail)", workflowPath: workflow, inputsFile: nil,
                                                inputs: ["department": department, "subject": "\(department)の案件\(tail)", "date": "2022-06-01"])
        }
    }

    /// The case ids linked from the rows of a board page, in order.
    static func rowIDs(_ page: String) -> [String] {
        page.matches(of: #/<tr><td data-label="案件"><a href="/cases/([^"]+)">/#).map { String($0.output.1) }
    }

    func testPagesOfFiftyWithLinksTheRangeAndAPagePastTheEnd() async throws {
        let fixture = try BoardFixture()
        try Self.openReady(fixture, prefix: "2022-c", department: "人事課", count: 55)
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let first = try await clerk.get("/")
            XCTAssertEqual(first.status, .ok)
            XCTAssertTrue(first.text.contains("1–50件目／全55件"), first.text)
            XCTAssertEqual(Self.rowIDs(first.text), (1...50).map { String(format: "2022-c%03d", $0) }, "oldest first")
            XCTAssertTrue(first.text.contains(#"<a href="/?page=2" rel="next" id="next">次へ</a>"#), first.text)
            XCTAssertFalse(first.text.contains("前へ"))
            XCTAssertTrue(first.text.contains("1／2ページ"))

            let second = try await clerk.get("/?page=2")
            XCTAssertTrue(second.text.contains("51–55件目／全55件"), second.text)
            XCTAssertEqual(Self.rowIDs(second.text), (51...55).map { String(format: "2022-c%03d", $0) }, "the next rows")
            XCTAssertTrue(second.text.contains(#"<a href="/" rel="prev" id="previous">前へ</a>"#), second.text)
            XCTAssertFalse(second.text.contains("次へ"))

            let past = try await clerk.get("/?page=9")
            XCTAssertEqual(past.status, .ok)
            XCTAssertEqual(Self.rowIDs(past.text), [])
            XCTAssertTrue(past.text.contains("このページに案件はありません。"), past.text)
            XCTAssertTrue(past.text.contains(#"<a href="/?page=2">最後のページ（2ページ目）へ</a>"#), past.text)
            XCTAssertTrue(past.text.contains(#"<a href="/?page=8" rel="prev" id="previous">前へ</a>"#) == false,
                          "past the end, 前へ does not lead to another empty page")

            let bad = try await clerk.get("/?page=zwei")
            XCTAssertEqual(bad.status, .unprocessableContent)
            XCTAssertTrue(bad.text.contains("ページは 1 以上の数で"), bad.text)
            // Japanese only: no state word of the index, no JSON.
            for word in ["ready", "waiting", "completed", "{\""] { XCTAssertFalse(first.text.contains(">\(word)"), word) }
        }
    }

    func testTheSecretariatSeesWhatWaitsForItFirstOldestFirstThenTheRest() async throws {
        let fixture = try BoardFixture()
        try Self.openReady(fixture, prefix: "2022-w", department: "人事課", count: 1)  // the oldest: withdrawn below
        _ = try fixture.services.docket.actions(by: "clerk").withdraw("2022-w001", reason: "所管課の申出", by: "clerk")
        try await fixture.openCase("2022-r1", department: "人事課", subject: "記録を待つ案件")
        try Self.openReady(fixture, prefix: "2022-n", department: "総務課", count: 1)
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let page = try await clerk.get("/")
            XCTAssertEqual(Self.rowIDs(page.text), ["2022-r1", "2022-n001", "2022-w001"], page.text)
            XCTAssertTrue(page.text.contains("あなたの対応待ち（2件）"), page.text)
            XCTAssertTrue(page.text.contains("そのほかの案件"))
            XCTAssertTrue(page.text.contains("「審議」の記録待ち — 事務局が記録します"), page.text)
            XCTAssertTrue(page.text.contains("未実行 — 事務局が実行します"))
            XCTAssertTrue(page.text.contains("取下げ — 対応は要りません（再開できます）"))
            // The per-state summary, as links that filter.
            XCTAssertTrue(page.text.contains(#"<a href="/?state=waiting">記録待ち 1件</a>"#), page.text)
            XCTAssertTrue(page.text.contains(#"<a href="/?state=withdrawn">取下げ 1件</a>"#), page.text)
            // A date as people write it.
            XCTAssertNotNil(page.text.firstMatch(of: #/<td data-label="いつから">\d{4}/\d{2}/\d{2} \d{2}:\d{2}</td>/#), page.text)

            // A department's turn comes first for the department: the secretariat's ready case is not its turn.
            var jinji = Browser(client)
            _ = try await jinji.signIn("jinji")
            let own = try await jinji.get("/")
            XCTAssertEqual(Self.rowIDs(own.text), ["2022-w001", "2022-r1"], "oldest first: " + own.text)
            XCTAssertFalse(own.text.contains("あなたの対応待ち"), "nothing is the department's turn")
        }
    }

    func testACaseSentBackForCorrectionsIsTheDepartmentsTurnAndComesFirstForIt() async throws {
        let ws = try FormWorkspace()
        let hash = Passwords(cost: 10).hashNow(BoardFixture.password)
        try BoardServices(ws.workspace.services).accounts.add(name: "kosodate", roles: [.department], department: "子育て支援課", passwordHash: hash)
        try await ws.consultationAtReview("2022-c1")  // older, waiting for the review's record
        let app = try ws.app()
        try await app.test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            // 2022-c2 sent back by the council, its draft waiting for corrected materials.
            try await ws.consultationAtReview("2022-c2")
            let back = try await clerk.post("/cases/2022-c2/record/review", form: [
                ("corrections[0].material", "資料2-1"), ("corrections[0].change", "委託の目的を具体的に書くこと"), ("send_back", "true"),
            ])
            XCTAssertEqual(back.status, .seeOther, back.text)
            if try ws.state("2022-c2").step("draft").status != .waiting {
                let run = try await clerk.post("/cases/2022-c2/run", form: [])
                XCTAssertEqual(run.status, .seeOther, run.text)
            }
            XCTAssertEqual(try ws.state("2022-c2").step("draft").status, .waiting)
            let board = try await clerk.get("/")
            XCTAssertEqual(Self.rowIDs(board.text), ["2022-c1", "2022-c2"], "the record is the secretariat's turn")
            XCTAssertTrue(board.text.contains("あなたの対応待ち（1件）"), board.text)

            var kosodate = Browser(client)
            _ = try await kosodate.signIn("kosodate")
            let own = try await kosodate.get("/")
            XCTAssertEqual(Self.rowIDs(own.text), ["2022-c2", "2022-c1"], "the corrections are the department's turn")
            XCTAssertTrue(own.text.contains("あなたの対応待ち（1件）"), own.text)
            XCTAssertTrue(own.text.contains("「諮問文の作成」の修正待ち — 所管課（子育て支援課）が審議会の求めに応じて資料を直し、提出します"), own.text)
            // jinji (人事課) sees neither.
            var jinji = Browser(client)
            _ = try await jinji.signIn("jinji")
            let none = try await jinji.get("/")
            XCTAssertEqual(Self.rowIDs(none.text), [])
        }
    }

    func testADepartmentNeverSeesAnotherDepartmentsCaseOnAnyPage() async throws {
        let fixture = try BoardFixture()
        // Interleaved, so every page of the whole queue mixes both departments.
        for n in 1...60 {
            try Self.openReady(fixture, prefix: n % 2 == 0 ? "2022-j" : "2022-s", department: n % 2 == 0 ? "人事課" : "総務課",
                               count: 1, from: n)
        }
        try fixture.addMeeting(cases: ["2022-s001", "2022-s003"])
        try await fixture.application().test(.router) { client in
            var jinji = Browser(client)
            _ = try await jinji.signIn("jinji")
            var seen: [String] = []
            for page in 1...2 {
                let text = try await jinji.get("/?page=\(page)").text
                XCTAssertFalse(text.contains("総務課の案件"), "page \(page)")
                seen += Self.rowIDs(text)
            }
            XCTAssertEqual(seen.count, 30)
            XCTAssertTrue(seen.allSatisfy { $0.hasPrefix("2022-j") }, "\(seen)")
            let first = try await jinji.get("/")
            XCTAssertTrue(first.text.contains("1–30件目／全30件"), first.text)
            XCTAssertFalse(first.text.contains("次へ"))
            // Asking for the other department's cases shows none (and counts none).
            let other = try await jinji.get("/?department=%E7%B7%8F%E5%8B%99%E8%AA%B2")
            XCTAssertEqual(Self.rowIDs(other.text), [])
            XCTAssertTrue(other.text.contains("該当する案件はありません。"))
            XCTAssertTrue(other.text.contains("全0件"), other.text)

            // A member sees the agenda's cases only, those of a meeting not yet closed first.
            var iin = Browser(client)
            _ = try await iin.signIn("iin")
            let agenda = try await iin.get("/")
            XCTAssertEqual(Self.rowIDs(agenda.text), ["2022-s001", "2022-s003"], agenda.text)
            XCTAssertTrue(agenda.text.contains("あなたの対応待ち（2件）"), agenda.text)
        }
    }

    func testFiltersAreKeptAcrossPagesAndTheSummaryLinks() async throws {
        let fixture = try BoardFixture()
        try Self.openReady(fixture, prefix: "2022-s", department: "総務課", count: 52)
        try Self.openReady(fixture, prefix: "2022-j", department: "人事課", count: 3)
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let somu = "%E7%B7%8F%E5%8B%99%E8%AA%B2"
            let first = try await clerk.get("/?department=\(somu)")
            XCTAssertTrue(first.text.contains("1–50件目／全52件"), first.text)
            XCTAssertTrue(first.text.contains(#"<a href="/?department=\#(somu)&amp;page=2" rel="next" id="next">次へ</a>"#), first.text)
            let second = try await clerk.get("/?department=\(somu)&page=2")
            XCTAssertEqual(Self.rowIDs(second.text), ["2022-s051", "2022-s052"], second.text)
            XCTAssertTrue(second.text.contains(#"value="総務課""#), "the filter form keeps the department")
            // The summary's state links keep the department; a state filter pages too.
            XCTAssertTrue(first.text.contains(#"<a href="/?state=ready&amp;department=\#(somu)">未実行 52件</a>"#), first.text)
            let ready = try await clerk.get("/?state=ready&department=\(somu)&page=2")
            XCTAssertEqual(Self.rowIDs(ready.text), ["2022-s051", "2022-s052"])
            XCTAssertTrue(ready.text.contains("<strong>未実行 52件</strong>"), ready.text)
            let none = try await clerk.get("/?state=completed")
            XCTAssertEqual(Self.rowIDs(none.text), [])
            XCTAssertTrue(none.text.contains("該当する案件はありません。"))
        }
    }

    /// The index pages and counts in its queries, the same as sorting every row would.
    func testTheIndexQueueAgreesWithSortingEveryRow() async throws {
        let fixture = try BoardFixture()
        try Self.openReady(fixture, prefix: "2022-s", department: "総務課", count: 7)
        try await fixture.openCase("2022-r1", department: "人事課")
        try Self.openReady(fixture, prefix: "2022-j", department: "人事課", count: 4)
        let index = fixture.services.index
        let everything = try index.queue(QueueQuery(limit: 1000))
        XCTAssertEqual(everything.total, 12)
        XCTAssertEqual(everything.byState, ["ready": 11, "waiting": 1])
        for first in [Set<QueueStage>(), [.record], QueueStage.stages(for: .secretariat)] {
            for scope in [QueueScope.all, .some(department: "人事課", ids: nil), .some(department: nil, ids: ["2022-s002", "2022-j001"]),
                          .some(department: "総務課", ids: ["2022-r1"]), .some(department: nil, ids: nil)] {
                let whole = QueueQuery(scope: scope, firstStages: first, firstIDs: ["2022-s005"], limit: 1000)
                let all = try index.queue(whole)
                let expected = whole.page(of: everything.rows.filter(whole.admits))
                XCTAssertEqual(all, expected, "\(first) \(scope)")
                for offset in [0, 1, 3, 5, 11, 20] {
                    var paged = whole
                    paged.offset = offset
                    paged.limit = 3
                    XCTAssertEqual(try index.queue(paged).rows, Array(all.rows.dropFirst(offset).prefix(3)), "\(first) \(scope) \(offset)")
                }
            }
        }
    }
}
