import DocketAccounts
import DocketArchive
import DocketBoard
import DocketCore
import DocketMeetings
import DocketSteps
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

final class PagesTests: XCTestCase {
    func testTheBoardGroupsCasesByStateWithWhatEachWaitsForAndFilters() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課", subject: "健康診断の外部委託")
        try await fixture.openCase("2022-c2", department: "総務課", subject: "防犯カメラの設置")
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let board = try await clerk.get("/")
            XCTAssertEqual(board.status, .ok)
            // The work queue: the per-state summary, one line per case of where it stands and who acts.
            XCTAssertTrue(board.text.contains(#"<a href="/?state=waiting">記録待ち 2件</a>"#), board.text)
            XCTAssertTrue(board.text.contains("「審議」の記録待ち — 事務局が記録します"))
            // Each waiting case says since when, as a date and time people write.
            XCTAssertEqual(board.text.matches(of: #/<td data-label="いつから">\d{4}/\d{2}/\d{2} \d{2}:\d{2}</td>/#).count, 2, board.text)
            let filtered = try await clerk.get("/?department=%E7%B7%8F%E5%8B%99%E8%AA%B2")
            XCTAssertTrue(filtered.text.contains("防犯カメラの設置"))
            XCTAssertFalse(filtered.text.contains("健康診断の外部委託"))
            let badYear = try await clerk.get("/?year=someday")
            XCTAssertEqual(badYear.status, .unprocessableContent)
            XCTAssertTrue(badYear.text.contains("年度は"))
        }
    }

    func testACaseOpenedByAnotherProcessAppearsOnTheNextPage() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let before = try await clerk.get("/")
            XCTAssertTrue(before.text.contains("全0件"), before.text)
            // As the CLI does in its own process: a store that does not feed this board's index.
            let cli = Runner(store: CaseStore(root: fixture.root), registry: BuiltinSteps.registry(agenda: MeetingAgendaLookup()), user: "cli")
            _ = try cli.open(caseID: "2022-c5", workflowPath: fixture.root.appendingPathComponent("workflows/simple-consultation.yaml").path,
                             inputsFile: nil, inputs: ["department": "人事課", "subject": "端末から開いた案件", "date": "2022-06-01"])
            // Commits feed the index; what changed behind its back is caught up at most once per
            // interval (1 s by default), so the page after the interval shows it.
            try await Task.sleep(for: .seconds(1.2))
            let page = try await clerk.get("/")
            XCTAssertTrue(page.text.contains("端末から開いた案件"), page.text)
        }
    }

    func testSearchShowsExcerptsWithTheWordsMarkedAndEscaped() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課", subject: "健康診断の<外部>委託")
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let page = try await clerk.get("/search?q=%E5%81%A5%E5%BA%B7%E8%A8%BA%E6%96%AD")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.text.contains("<mark>健康診断</mark>"), page.text)
            XCTAssertTrue(page.text.contains("&lt;外部&gt;"))
            XCTAssertFalse(page.text.contains("<外部>"))
            // A department does not find another department's case.
            var somu = Browser(client)
            _ = try await somu.signIn("somu")
            let none = try await somu.get("/search?q=%E5%81%A5%E5%BA%B7%E8%A8%BA%E6%96%AD")
            XCTAssertTrue(none.text.contains("0 件見つかりました"), none.text)
        }
    }

    func testTheCasePageShowsTheTimelineDocumentsAndJournalWithWho() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        try await fixture.application().test(.router) { client in
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let page = try await clerk.get("/cases/2022-c1")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.text.contains("<h1>案件 2022-c1：職員の健康診断結果の外部委託</h1>"))
            XCTAssertTrue(page.text.contains("id=\"step-draft\""))
            XCTAssertTrue(page.text.contains("id=\"step-review\" aria-current=\"step\""))
            XCTAssertTrue(page.text.contains("draft/諮問文.md"))
            XCTAssertTrue(page.text.contains("<td>setup</td>"), "the journal shows who opened the case")
            XCTAssertTrue(page.text.contains("<dt>諮問日</dt><dd>2022年6月1日</dd>"), "a date input is shown by its label, as a date in words: \(page.text)")
            let missing = try await clerk.get("/cases/2022-c9")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertTrue(missing.text.contains("案件「2022-c9」はありません。"), missing.text)
            XCTAssertTrue(missing.text.contains("「2022-c1」のことですか"), "the secretariat may open 2022-c1: \(missing.text)")
        }
    }

    func testAnActionTakenForASignedInPersonIsJournaledUnderTheirName() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        let clerk = Identity(name: "clerk", roles: [.secretariat])
        try fixture.services.actions(for: clerk).withdraw("2022-c1", reason: "所管課から取下げの申出", by: clerk.name)
        let reopened = try fixture.services.actions(for: clerk).reopen("2022-c1", reason: "申出の撤回", by: clerk.name)
        XCTAssertFalse(reopened.withdrawn)
        _ = try await fixture.services.runner(for: clerk).run(caseID: "2022-c1")
        let events = try fixture.services.store.journal("2022-c1").read().events
        XCTAssertEqual(events.first { $0.type == .withdrawn }?.by, "clerk")
        XCTAssertEqual(events.first { $0.type == .reopened }?.by, "clerk")
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("clerk")
            let page = try await browser.get("/cases/2022-c1")
            XCTAssertTrue(page.text.contains("<td>取下げ</td><td></td><td>clerk</td><td>所管課から取下げの申出</td>"), page.text)
        }
    }

    func testAnArchivistDownloadsAndVerifiesAnArchiveAndSeesADamagedOneFail() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        let archived = try await Archiver(store: fixture.services.store, organization: "テスト市")
            .archiveCase("2022-c1", options: .init(partial: true), by: "clerk")
        try await fixture.application().test(.router) { client in
            var shoko = Browser(client)
            _ = try await shoko.signIn("shoko")
            let list = try await shoko.get("/archives")
            XCTAssertTrue(list.text.contains("2022-c1.zip"))
            let download = try await shoko.get("/archives/2022-c1/download")
            XCTAssertEqual(download.status, .ok)
            XCTAssertEqual(download.headers[.contentType], "application/zip")
            XCTAssertEqual(Int64(download.body.readableBytes), archived.result.size)
            let verified = try await shoko.post("/archives/2022-c1/verify", [("password", "")])
            XCTAssertEqual(verified.status, .ok)
            XCTAssertTrue(verified.text.contains("id=\"verify-ok\""), verified.text)
            XCTAssertTrue(verified.text.contains(archived.result.sha256))
            // Damage one byte in the middle: the verifier says so.
            let handle = try FileHandle(forUpdating: archived.result.path)
            try handle.seek(toOffset: UInt64(archived.result.size / 2))
            let byte = try XCTUnwrap(handle.readData(ofLength: 1).first)
            try handle.seek(toOffset: UInt64(archived.result.size / 2))
            handle.write(Data([byte ^ 0xFF]))
            try handle.close()
            let damaged = try await shoko.post("/archives/2022-c1/verify", [("password", "")])
            XCTAssertTrue(damaged.text.contains("id=\"verify-failed\""), damaged.text)
            let none = try await shoko.get("/archives/2022-c9/download")
            XCTAssertEqual(none.status, .notFound)
            let answers = try await shoko.get("/answers")
            XCTAssertEqual(answers.status, .ok)
            XCTAssertTrue(answers.text.contains("<h1>答申一覧</h1>"))
            let retention = try await shoko.get("/retention")
            XCTAssertEqual(retention.status, .ok)
            XCTAssertTrue(retention.text.contains("id=\"none-due\""))
        }
    }

    func testATemplateInTheWorkspaceReplacesTheBundledOne() async throws {
        let fixture = try BoardFixture()
        let folder = fixture.root.appendingPathComponent("board/templates")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "<main><h1>ようこそ {{csrf.count}}</h1><p id=\"custom\">区の案内</p><form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\"></form></main>"
            .write(to: folder.appendingPathComponent("login.mustache"), atomically: true, encoding: .utf8)
        try "body { color: teal; }".write(to: folder.appendingPathComponent("board.css"), atomically: true, encoding: .utf8)
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            let page = try await browser.get("/login")
            XCTAssertTrue(page.text.contains("id=\"custom\""))
            XCTAssertTrue(page.text.contains("<title>"), "still inside the bundled layout")
            let css = try await browser.get("/static/board.css")
            XCTAssertEqual(css.text, "body { color: teal; }")
        }
    }
}

/// Sizes as pages show them, in Japanese units (never Foundation's English "Zero KB").
final class SizeTextTests: XCTestCase {
    func testSizesReadAsAPersonWritesThem() {
        XCTAssertEqual(Pages.size(0), "0 KB")
        XCTAssertEqual(Pages.size(1023), "1 KB")
        XCTAssertEqual(Pages.size(1024), "1 KB")
        XCTAssertEqual(Pages.size(1229), "1.2 KB")
        XCTAssertEqual(Pages.size(48 * 1024), "48 KB")
        XCTAssertEqual(Pages.size(3_670_016), "3.5 MB")
        XCTAssertEqual(Pages.size(5 << 30), "5 GB")
    }
}
