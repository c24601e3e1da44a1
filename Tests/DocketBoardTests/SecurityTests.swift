import DocketBoard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import DocketTestSupport
import XCTest

final class SecurityTests: XCTestCase {
    func testEveryResponseCarriesTheSecurityHeaders() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            for uri in ["/login", "/", "/no-such-page"] {
                let response = try await browser.get(uri)
                let csp = try XCTUnwrap(response.headers[.contentSecurityPolicy], uri)
                XCTAssertTrue(csp.contains("default-src 'self'"), uri)
                XCTAssertTrue(csp.contains("frame-ancestors 'none'"), uri)
                XCTAssertFalse(csp.contains("unsafe-inline"), uri)
                XCTAssertEqual(response.headers[HTTPField.Name("X-Content-Type-Options")!], "nosniff", uri)
                XCTAssertEqual(response.headers[HTTPField.Name("Referrer-Policy")!], "no-referrer", uri)
                XCTAssertEqual(response.headers[.cacheControl], "no-store", uri)
            }
            let missing = try await browser.get("/no-such-page")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertTrue(missing.text.contains("<main>") && missing.text.contains("<h1>見つかりません</h1>"))
        }
    }

    func testAPostWithoutTheSessionsTokenIsRefusedAndChangesNothing() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("clerk")
            let forged = try await browser.post("/account/password",
                                                 [("current", BoardFixture.password), ("new", "a new long password"), ("confirm", "a new long password")],
                                                 csrf: "0000")
            XCTAssertEqual(forged.status, .forbidden)
            XCTAssertTrue(forged.text.contains("フォームの有効期限が切れました"))
            // The password is unchanged: signing in with the old one still works.
            var again = Browser(client)
            let signIn = try await again.signIn("clerk")
            XCTAssertEqual(signIn.headers[.location], "/")
            // A login form posted without first opening the page (no session, no token) is refused too.
            var stranger = Browser(client)
            let blind = try await stranger.post("/login", [("name", "clerk"), ("password", BoardFixture.password)], csrf: "")
            XCTAssertEqual(blind.status, .forbidden)
        }
    }

    func testAPostFromAnotherOriginIsRefused() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.get("/login")
            var headers = browser.headers()
            headers[.contentType] = "application/x-www-form-urlencoded"
            headers[.origin] = "https://evil.example"
            let body = "csrf=\(browser.csrf ?? "")&name=clerk&password=\(Browser.encode(BoardFixture.password))"
            let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
            XCTAssertEqual(response.status, .forbidden)
        }
    }

    func testSignInIsThrottledPerNameWithTheFigureAndTheWait() async throws {
        let fixture = try BoardFixture()
        fixture.settings.failuresPerName = 3
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            for _ in 0..<3 {
                let wrong = try await browser.signIn("clerk", password: "not the password")
                XCTAssertEqual(wrong.status, .unauthorized)
                XCTAssertTrue(wrong.text.contains("アカウント名またはパスワードが違います"))
            }
            // Now even the right password waits, and the page says how many failures and how long.
            let throttled = try await browser.signIn("clerk")
            XCTAssertEqual(throttled.status, .tooManyRequests)
            XCTAssertTrue(throttled.text.contains("15分間に3回"), throttled.text)
            XCTAssertTrue(throttled.text.contains("あと約15分"), throttled.text)
            // Another name is not affected.
            var other = Browser(client)
            let r1 = try await other.signIn("jinji")
            XCTAssertEqual(r1.status, .seeOther)
        }
    }

    func testSignInIsThrottledPerClientAddress() async throws {
        let throttle = LoginThrottle(perName: 100, perAddress: 2, window: .seconds(600))
        for name in ["a", "b"] {
            guard case .taken = await throttle.attempt(name: name, address: "192.0.2.1") else { return XCTFail("attempt \(name) refused") }
        }
        guard case .refused(let refusal) = await throttle.attempt(name: "c", address: "192.0.2.1") else { return XCTFail("a third attempt was taken") }
        XCTAssertEqual(refusal.byName, false)
        XCTAssertTrue(refusal.message.contains("この接続元から10分間に2回"), refusal.message)
        guard case .taken(let ticket) = await throttle.attempt(name: "c", address: "192.0.2.2") else { return XCTFail("another address was refused") }
        // A success takes its own attempt back from the address, and forgets the name's failures.
        await throttle.succeeded(ticket)
        guard case .taken = await throttle.attempt(name: "c", address: "192.0.2.2") else { return XCTFail("refused after a success") }
    }

    func testADisabledAccountCannotSignInAndIsSignedOutAtOnce() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var gone = Browser(client)
            let r2 = try await gone.signIn("gone")
            XCTAssertEqual(r2.status, .unauthorized)
            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let r3 = try await clerk.get("/")
            XCTAssertEqual(r3.status, .ok)
            try fixture.services.accounts.setDisabled("clerk", true)
            let after = try await clerk.get("/")
            XCTAssertEqual(after.status, .seeOther)
            XCTAssertEqual(after.headers[.location], "/login")
        }
    }

    func testPasswordChangeNeedsTheCurrentPasswordAndThenTheNewOneSignsIn() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("jinji")
            _ = try await browser.get("/account/password")
            let wrong = try await browser.post("/account/password", [("current", "nope nope nope"), ("new", "a brand new phrase"), ("confirm", "a brand new phrase")])
            XCTAssertEqual(wrong.status, .unprocessableContent)
            XCTAssertTrue(wrong.text.contains("現在のパスワードが違います"))
            let short = try await browser.post("/account/password", [("current", BoardFixture.password), ("new", "short"), ("confirm", "short")])
            XCTAssertEqual(short.status, .unprocessableContent)
            let ok = try await browser.post("/account/password", [("current", BoardFixture.password), ("new", "a brand new phrase"), ("confirm", "a brand new phrase")])
            XCTAssertEqual(ok.status, .seeOther)
            var fresh = Browser(client)
            let r4 = try await fresh.signIn("jinji")
            XCTAssertEqual(r4.status, .unauthorized)
            var fresh2 = Browser(client)
            let r5 = try await fresh2.signIn("jinji", password: "a brand new phrase")
            XCTAssertEqual(r5.status, .seeOther)
        }
    }

    func testALoginRedirectNeverLeavesTheBoard() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.get("/login?next=//evil.example/")
            let response = try await browser.post("/login", [("name", "clerk"), ("password", BoardFixture.password), ("next", "//evil.example/")])
            XCTAssertEqual(response.headers[.location], "/")
            var b2 = Browser(client)
            let sent = try await b2.get("/cases/2022-c1")
            XCTAssertEqual(sent.headers[.location], "/login?next=/cases/2022-c1")
        }
    }
}

/// Keeps every log line (message and metadata) for a test to read.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        lock.lock()
        lines.append("\(message) \(self.metadata.merging(metadata ?? [:]) { $1 })")
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }
}

final class LogTests: XCTestCase {
    func testTheLogNamesRequestsAndPeopleButNeverAPasswordOrASessionID() async throws {
        let fixture = try BoardFixture()
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in capture }
        try await buildApplication(fixture.settings, services: fixture.services, logger: logger).test(.router) { client in
            var browser = Browser(client)
            _ = try await browser.signIn("clerk", password: "a wrong password here")
            _ = try await browser.signIn("clerk")
            _ = try await browser.get("/")
            let session = try XCTUnwrap(browser.cookie?.split(separator: "=").last.map(String.init))
            let log = capture.text
            XCTAssertTrue(log.contains("GET / 200"), log)
            XCTAssertTrue(log.contains("\"by\": clerk"), log)
            XCTAssertFalse(log.contains(BoardFixture.password), log)
            XCTAssertFalse(log.contains("a wrong password here"), log)
            XCTAssertFalse(log.contains(session), log)
            XCTAssertFalse(log.contains(browser.csrf ?? "-"), log)
        }
    }
}
