import DocketBoard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

final class DocumentTests: XCTestCase {
    static let draft = "/cases/2022-c1/documents/draft/%E8%AB%AE%E5%95%8F%E6%96%87.md"

    func testAMarkdownDocumentIsShownAsHTMLAndDownloadsAsItIs() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("clerk")
            let page = try await browser.get(Self.draft)
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.text.contains("<h1>諮問文.md</h1>"))
            XCTAssertTrue(page.text.contains("職員の健康診断結果の外部委託"))
            let download = try await browser.get(Self.draft + "?download=1")
            XCTAssertEqual(download.status, .ok)
            XCTAssertTrue(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            XCTAssertTrue(download.headers[.contentDisposition]?.contains("filename*=UTF-8''%E8%AB%AE") == true)
        }
    }

    func testPathsThatLeaveTheDocumentsFolderAreRefused() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        let documents = fixture.services.store.documents("2022-c1")
        try FileManager.default.createSymbolicLink(atPath: documents.appendingPathComponent("draft/passwd").path,
                                                   withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: documents.appendingPathComponent("up").path,
                                                   withDestinationPath: "..")
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("clerk")
            for attempt in ["../journal.jsonl", "%2e%2e/journal.jsonl", "draft/..%2f..%2fjournal.jsonl", "%2fetc%2fpasswd",
                            "draft/passwd", "up/journal.jsonl", "draft/%2e%2e/%2e%2e/journal.jsonl", "..%5cjournal.jsonl",
                            "draft/%00x"] {
                let response = try await browser.get("/cases/2022-c1/documents/" + attempt)
                XCTAssertEqual(response.status, .notFound, attempt)
                XCTAssertFalse(response.text.contains("root:"), attempt)
                XCTAssertFalse(response.text.contains("\"seq\""), attempt)
            }
        }
    }

    func testRawHTMLInMarkdownIsShownAsTextAndHTMLDocumentsAreSandboxed() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        let draft = fixture.services.store.documents("2022-c1").appendingPathComponent("draft")
        try "# 題\n<script>alert(1)</script>\n**強調**".write(to: draft.appendingPathComponent("x.md"), atomically: true, encoding: .utf8)
        try "<html><body><h1>答申</h1><script>alert(1)</script></body></html>".write(to: draft.appendingPathComponent("a.html"), atomically: true, encoding: .utf8)
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("clerk")
            let md = try await browser.get("/cases/2022-c1/documents/draft/x.md")
            XCTAssertTrue(md.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            XCTAssertFalse(md.text.contains("<script>"))
            XCTAssertTrue(md.text.contains("<strong>強調</strong>"))
            let html = try await browser.get("/cases/2022-c1/documents/draft/a.html")
            XCTAssertEqual(html.status, .ok)
            XCTAssertTrue(html.headers[.contentSecurityPolicy]?.hasPrefix("sandbox") == true)
            XCTAssertFalse(html.headers[.contentSecurityPolicy]?.contains("allow-scripts") == true)
        }
    }

    func testMarkdownSubset() {
        XCTAssertEqual(MarkdownHTML.render("# 答申\n\n本文\n二行目"), "<h1>答申</h1>\n<p>本文<br>\n二行目</p>")
        XCTAssertEqual(MarkdownHTML.render("- a\n- <b>"), "<ul><li>a</li><li>&lt;b&gt;</li></ul>")
        XCTAssertEqual(MarkdownHTML.render("| 賛成 | 反対 |\n|---|---|\n| 5 | 1 |"),
                       "<table><thead><tr><th>賛成</th><th>反対</th></tr></thead><tbody><tr><td>5</td><td>1</td></tr></tbody></table>")
        XCTAssertEqual(MarkdownHTML.render("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>")
    }
}
