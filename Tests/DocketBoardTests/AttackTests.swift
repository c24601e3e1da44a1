import DocketAccounts
import DocketCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

@testable import DocketBoard

/// The attacks of the board's security review, each as a person with an account of some role
/// (or none) would make it: every one of them succeeded on the board before these fixes.

/// A form never names a place on the server: folders and files come only from this board's
/// own uploads for the case.
final class ServerPathAttackTests: XCTestCase {
    /// A consultation sent back by the council, its drafting step waiting for corrected materials.
    static func sentBack(_ ws: FormWorkspace, _ b: inout Browser) async throws {
        try await ws.consultationAtReview("2022-c2")
        let back = try await b.post("/cases/2022-c2/record/review", form: [
            ("corrections[0].material", "資料2-1"), ("corrections[0].change", "委託の目的を具体的に書くこと"), ("send_back", "true"),
        ])
        XCTAssertEqual(back.status, .seeOther, back.text)
        // The case ran on by itself after the record: the draft waits for the corrections.
        XCTAssertEqual(try ws.state("2022-c2").step("draft").status, .waiting)
    }

    func testARecordFormNamingAServerFolderIsRefusedAndNothingOfItIsCopied() async throws {
        let ws = try FormWorkspace()
        let app = try ws.app()
        try await app.test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            try await Self.sentBack(ws, &b)
            let before = try ws.runner.store.journal("2022-c2").read().events.count

            let typed = try await b.post("/cases/2022-c2/record/draft", form: [("materials", "/etc"), ("reason", "修正")])
            XCTAssertEqual(typed.status, .unprocessableContent, typed.text)
            XCTAssertTrue(typed.text.contains("場所を書いて指定することはできません"), typed.text)
            XCTAssertTrue(typed.text.contains(#"id="f-materials-error""#), "the refusal is at the materials field")

            // The same path sent as a multipart text field, and in a new case's folder input.
            let page = try await b.get("/cases/2022-c2/record/draft")
            XCTAssertTrue(page.text.contains(#"enctype="multipart/form-data""#), "the draft's record form uploads files")
            let sneaked = try await b.post("/cases/2022-c2/record/draft", multipart: [("materials", "/etc"), ("reason", "修正")], files: [])
            XCTAssertEqual(sneaked.status, .unprocessableContent, sneaked.text)
            let opened = try await b.post("/cases", multipart: [
                ("workflow", "consultation"), ("case", "x-etc"), ("materials_folder", "/etc"),
            ], files: [])
            XCTAssertEqual(opened.status, .unprocessableContent, opened.text)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.runner.store.folder("x-etc").path))

            let run = try await b.post("/cases/2022-c2/run", form: [])
            XCTAssertEqual(run.status, .conflict, "the draft still waits for its materials")
            XCTAssertTrue(run.text.contains("記録を待っています"), run.text)
            XCTAssertEqual(try ws.runner.store.journal("2022-c2").read().events.count, before, "nothing was recorded")
            XCTAssertEqual(try ws.state("2022-c2").step("draft").status, .waiting)
            let documents = try FileManager.default.subpathsOfDirectory(atPath: ws.runner.store.documents("2022-c2").path)
            XCTAssertFalse(documents.contains { $0.hasSuffix("passwd") || $0.hasSuffix("hostname") }, "\(documents)")
            let uploads = ws.root.appendingPathComponent("uploads/2022-c2")
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? [], [], "a refused record keeps no upload")

            // The record form's own upload is what the record names.
            let materials = ws.example.appendingPathComponent("c2/materials")
            var files = try FileManager.default.contentsOfDirectory(atPath: materials.path).sorted().map {
                (field: "materials", name: $0, bytes: [UInt8](try Data(contentsOf: materials.appendingPathComponent($0))))
            }
            files[0].bytes += Array("\n委託の目的: 給付金の支給事務。\n".utf8)
            _ = try await b.get("/cases/2022-c2/record/draft")
            let recorded = try await b.post("/cases/2022-c2/record/draft", multipart: [("reason", "委託の目的を追記")], files: files)
            XCTAssertEqual(recorded.status, .seeOther, recorded.text)
        }
        let record = try XCTUnwrap(ws.state("2022-c2").step("draft").records.last)
        guard case .map(let fields) = record, let folder = fields["materials"]?.stringValue else { return XCTFail("\(record)") }
        XCTAssertTrue(folder.hasPrefix(ws.root.appendingPathComponent("uploads/2022-c2/record-draft").path), folder)
    }
}

/// A password change or reset, a role change and a disabled account end every session.
final class SessionAttackTests: XCTestCase {
    func testAPasswordChangeEndsTheOtherSessionsAndKeepsThisOneOnANewID() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var here = try await Browser.signedIn("jinji", client)
            var there = try await Browser.signedIn("jinji", client)
            let oldCookie = here.cookie
            try await here.get("/account/password")
            let changed = try await here.post("/account/password", [
                ("current", BoardFixture.password), ("new", "a brand new phrase"), ("confirm", "a brand new phrase"),
            ])
            XCTAssertEqual(changed.status, .seeOther, changed.text)
            XCTAssertNotEqual(here.cookie, oldCookie, "the session goes on under a new id")
            let r1 = try await here.get("/")
            XCTAssertEqual(r1.status, .ok, "the person who changed it stays signed in")
            let r2 = try await there.get("/")
            XCTAssertEqual(r2.headers[.location], "/login", "another session of the account ended")
            var stale = Browser(client)
            stale.cookie = oldCookie
            let r3 = try await stale.get("/")
            XCTAssertEqual(r3.headers[.location], "/login", "the session it was changed under ended")
        }
    }

    func testAResetRoleChangeOrDisableByTheSecretariatEndsTheAccountsSessions() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var a = try await Browser.signedIn("jinji", client)
            var other = try await Browser.signedIn("somu", client)
            // `docket users password jinji`
            try fixture.services.accounts.setPasswordHash("jinji", Passwords(cost: 10).hashNow("reset by the secretariat"))
            let r4 = try await a.get("/")
            XCTAssertEqual(r4.headers[.location], "/login")
            let r5 = try await other.get("/")
            XCTAssertEqual(r5.status, .ok, "other accounts are untouched")

            // `docket users role somu --role member`: no session keeps the department's rights.
            try fixture.services.accounts.setRoles("somu", roles: [.member], department: nil)
            let r6 = try await other.get("/")
            XCTAssertEqual(r6.headers[.location], "/login")
            var again = Browser(client)
            let r7 = try await again.signIn("somu")
            XCTAssertEqual(r7.status, .seeOther)
            let r8 = try await again.get("/cases/new?workflow=simple-consultation")
            XCTAssertEqual(r8.status, .forbidden, "signed in again, as a member")

            // `docket users disable somu`, then enable: the old session does not come back.
            try fixture.services.accounts.setDisabled("somu", true)
            try fixture.services.accounts.setDisabled("somu", false)
            let r9 = try await again.get("/")
            XCTAssertEqual(r9.headers[.location], "/login")
        }
    }
}

/// Sign-in attempts are counted before the (slow) password check.
final class ThrottleRaceTests: XCTestCase {
    func testFifteenParallelAttemptsForOneNameMeetTheLimitOfFive() async throws {
        let fixture = try BoardFixture()
        fixture.settings.failuresPerName = 5
        try await fixture.application().test(.router) { client in
            var browsers: [Browser] = []
            for _ in 0..<15 {
                var b = Browser(client)
                try await b.get("/login")
                browsers.append(b)
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for var b in browsers {
                    group.addTask { Int(try await b.post("/login", [("name", "clerk"), ("password", "a wrong password")]).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            XCTAssertEqual(statuses.filter { $0 == 401 }.count, 5, "\(statuses.sorted())")
            XCTAssertEqual(statuses.filter { $0 == 429 }.count, 10, "\(statuses.sorted())")
        }
    }
}

/// After sign-in the board sends the person only to one of its own pages.
final class RedirectAttackTests: XCTestCase {
    func testNextIsOnlyAPathOfTheBoard() {
        for evil in ["/\t/evil.example/", "/\n/evil.example", "//evil.example", "/\\evil.example", "/%09/evil.example",
                     "/%2F/evil.example", "/%5Cevil.example", "/%252F/evil.example", " /x", "/ /evil.example", "https://evil.example",
                     "evil.example", "/\u{200B}/evil.example", "/%E2%80%8B/x"] {
            XCTAssertNil(LoginRedirect.safeNext(evil), "accepted \(evil.debugDescription)")
        }
        for fine in ["/", "/cases/2022-c1", "/search?q=%E5%A7%94%E8%A8%97%20%E5%85%88", "/cases/2022-c1/documents/draft/%E8%B3%87%E6%96%99.md"] {
            XCTAssertEqual(LoginRedirect.safeNext(fine), fine)
        }
    }

    func testSignInWithATabbedNextGoesToTheBoardPage() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.get("/login")
            let response = try await browser.post("/login", [("name", "clerk"), ("password", BoardFixture.password), ("next", "/\t/evil.example/")])
            XCTAssertEqual(response.status, .seeOther)
            XCTAssertEqual(response.headers[.location], "/")
        }
    }
}

/// A form posted from anywhere but the board's own origin (scheme, host and port) is refused.
final class OriginAttackTests: XCTestCase {
    static func post(_ client: any TestClientProtocol, origin: String, _ browser: inout Browser) async throws -> HTTPResponse.Status {
        _ = try await browser.get("/account/password")
        var headers = browser.headers()
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.origin] = origin
        let body = "csrf=\(browser.csrf ?? "")&current=x&new=y&confirm=y"
        return try await client.execute(uri: "/account/password", method: .post, headers: headers, body: ByteBuffer(string: body)).status
    }

    func testAnotherPortOrSchemeIsAnotherOrigin() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            // The test router's requests carry `Host: localhost` over http.
            var b = try await Browser.signedIn("clerk", client)
            for evil in ["http://localhost:1", "https://localhost", "http://localhost.evil.example", "http://127.0.0.1"] {
                let status = try await Self.post(client, origin: evil, &b)
                XCTAssertEqual(status, .forbidden, evil)
            }
            for own in ["http://localhost", "http://LOCALHOST:80", "null"] {
                let status = try await Self.post(client, origin: own, &b)
                XCTAssertEqual(status, .unprocessableContent, "\(own): reaches the form (the current password is wrong)")
            }
        }
    }

    func testBehindAProxyTheConfiguredOriginIsTheBoards() async throws {
        let fixture = try BoardFixture()
        fixture.settings.publicOrigin = WebOrigin("https://board.example.jp")
        try await fixture.application().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let proxied = try await Self.post(client, origin: "https://board.example.jp", &b)
            XCTAssertEqual(proxied, .unprocessableContent)
            for evil in ["http://localhost", "http://board.example.jp", "https://board.example.jp:8443"] {
                let status = try await Self.post(client, origin: evil, &b)
                XCTAssertEqual(status, .forbidden, evil)
            }
        }
    }

    func testWebOriginParsing() {
        XCTAssertEqual(WebOrigin("https://Board.Example.jp/"), WebOrigin(scheme: "https", host: "board.example.jp", port: 443))
        XCTAssertEqual(WebOrigin("http://[::1]:8080")?.description, "http://[::1]:8080")
        XCTAssertNil(WebOrigin("https://board.example.jp/path"))
        XCTAssertNil(WebOrigin("ftp://board.example.jp"))
        XCTAssertNil(WebOrigin("null"))
    }
}

/// Hostile bodies are answered with a page (400, 413), never a 500, and are no sign-in attempt.
final class HostileBodyTests: XCTestCase {
    func testFiftyMegabyteFormsAreRefusedWithAPageAndCountNoSignIn() async throws {
        let fixture = try BoardFixture()
        fixture.settings.failuresPerName = 2
        try await fixture.openCase("2022-c1", department: "人事課")
        try await fixture.application().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let huge = "csrf=\(b.csrf ?? "")&name=clerk&password=" + String(repeating: "a", count: 50 << 20)
            for uri in ["/login", "/cases/2022-c1/withdraw", "/account/password"] {
                for declared in [true, false] {
                    var headers = b.headers()
                    headers[.contentType] = "application/x-www-form-urlencoded"
                    if declared { headers[.contentLength] = String(huge.utf8.count) }
                    let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: huge))
                    XCTAssertEqual(response.status, .contentTooLarge, "\(uri) (Content-Length given: \(declared))")
                    XCTAssertTrue(response.text.contains("上限 1 MB"), response.text)
                }
            }
            XCTAssertFalse(try fixture.services.store.load("2022-c1").1.withdrawn, "the case was not withdrawn")
            var fresh = Browser(client)
            let r10 = try await fresh.signIn("clerk")
            XCTAssertEqual(r10.status, .seeOther, "no hostile body counted as a failed sign-in")
        }
    }

    func testBrokenChunksOnTheWireAreABadRequest() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.live) { client in
            let port = try XCTUnwrap(client.port)
            // A page first, for a session and its token (the CSRF check reads the body).
            let login = try RawHTTP.exchange(port: port, "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let cookie = try XCTUnwrap(RawHTTP.header("set-cookie", in: login)?.split(separator: ";").first.map(String.init))
            for size in ["zz", "10000000000000000", "-1"] {
                let request = "POST /login HTTP/1.1\r\nHost: localhost\r\nCookie: \(cookie)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "\(size)\r\ncsrf=x\r\n0\r\n\r\n"
                let answer = try RawHTTP.exchange(port: port, request)
                XCTAssertFalse(answer.hasPrefix("HTTP/1.1 500"), "chunk size \(size): \(answer.prefix(200))")
                XCTAssertTrue(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "chunk size \(size): \(answer.prefix(200))")
            }
            // The server is still up.
            let again = try RawHTTP.exchange(port: port, "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            XCTAssertTrue(again.hasPrefix("HTTP/1.1 200"), String(again.prefix(200)))
        }
    }
}

/// A department opens only cases that carry its department, and learns of no other's case.
final class DepartmentScopeAttackTests: XCTestCase {
    func testAWorkflowWithoutADepartmentInputIsNotOpenedByADepartment() async throws {
        let ws = try FormWorkspace()
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("jinji", client)
            let form = try await b.get("/cases/new?workflow=mailing-check")
            XCTAssertEqual(form.status, .forbidden, form.text)
            XCTAssertTrue(form.text.contains("所管課の欄がない"), form.text)
            let opened = try await b.post("/cases", multipart: [("workflow", "mailing-check"), ("case", "m1")], files: [])
            XCTAssertEqual(opened.status, .forbidden, opened.text)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.runner.store.folder("m1").path))

            // Its department left blank in the form is the board's to fill in.
            _ = try await b.get("/cases/new?workflow=simple-consultation")
            let blank = try await b.post("/cases", multipart: [
                ("workflow", "simple-consultation"), ("case", "s1"), ("department", ""), ("subject", "窓口の受付簿"), ("date", "2022-06-01"),
            ], files: [])
            XCTAssertEqual(blank.status, .seeOther, blank.text)
        }
        XCTAssertEqual(try ws.state("s1").inputs["department"]?.stringValue, "人事課")
    }

    func testANotFoundSuggestsOnlyCasesThePersonMayOpen() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("r4-1-c2", department: "総務課")
        try await fixture.openCase("r4-1-c3", department: "人事課")
        try await fixture.application().test(.router) { client in
            var jinji = try await Browser.signedIn("jinji", client)
            let miss = try await jinji.get("/cases/r4-1-c2x")
            XCTAssertEqual(miss.status, .notFound)
            XCTAssertFalse(miss.text.contains("r4-1-c2」の"), "another department's case is not suggested: \(miss.text)")
            let own = try await jinji.get("/cases/r4-1-c3x")
            XCTAssertTrue(own.text.contains("「r4-1-c3」のことですか"), own.text)
            var clerk = try await Browser.signedIn("clerk", client)
            let all = try await clerk.get("/cases/r4-1-c2x")
            XCTAssertTrue(all.text.contains("「r4-1-c2」のことですか"), all.text)
        }
    }
}

/// Every document the board serves carries a sandboxing Content-Security-Policy.
final class DocumentSandboxAttackTests: XCTestCase {
    func testEveryDocumentOfACaseWithMarkupInItsInputsIsSandboxed() async throws {
        let ws = try FormWorkspace()
        let markup = #"<img src=x onerror="alert(1)"><script>alert(2)</script>"#
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let opened = try await b.post("/cases", multipart: [
                ("workflow", "simple-consultation"), ("case", "x1"), ("department", markup), ("subject", markup), ("date", "2022-06-01"),
            ], files: [])
            XCTAssertEqual(opened.status, .seeOther, opened.text)
            // Opened from the board, the case ran by itself: its draft is written.
            let documents = try ws.state("x1").documents
            XCTAssertFalse(documents.isEmpty)
            for document in documents {
                let href = "/cases/x1/documents/" + document.path.split(separator: "/").map {
                    $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? String($0)
                }.joined(separator: "/")
                for uri in [href, href + "?download=1"] {
                    let response = try await b.get(uri)
                    XCTAssertEqual(response.status, .ok, uri)
                    XCTAssertTrue(response.headers[.contentSecurityPolicy]?.hasPrefix("sandbox") == true,
                                  "\(uri): \(response.headers[.contentSecurityPolicy] ?? "no CSP")")
                    if response.headers[.contentType]?.hasPrefix("text/html") == true, !uri.hasSuffix("download=1"),
                       document.path.hasSuffix(".md") {
                        XCTAssertFalse(response.text.contains("<img src=x"), "\(uri) shows the markup raw")
                    }
                }
            }
        }
    }
}

/// One HTTP exchange over a plain socket, for requests no HTTP client would send.
enum RawHTTP {
    static func exchange(port: Int, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, bytes.count, 0) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func header(_ name: String, in response: String) -> String? {
        for line in response.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
