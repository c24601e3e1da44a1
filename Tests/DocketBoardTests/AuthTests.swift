import DocketBoard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

final class AuthTests: XCTestCase {
    func testSignInWithTheRightPasswordLandsOnTheBoardAndSignOutEndsTheSession() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser(client)
            let login = try await browser.get("/login")
            XCTAssertEqual(login.status, .ok)
            XCTAssertTrue(login.text.contains("<h1>ログイン</h1>"))
            let signedIn = try await browser.post("/login", [("name", "clerk"), ("password", BoardFixture.password)])
            XCTAssertEqual(signedIn.status, .seeOther)
            XCTAssertEqual(signedIn.headers[.location], "/")
            let board = try await browser.get("/")
            XCTAssertEqual(board.status, .ok)
            XCTAssertTrue(board.text.contains("clerk"))
            let out = try await browser.post("/logout", [])
            XCTAssertEqual(out.status, .seeOther)
            XCTAssertEqual(out.headers[.location], "/login")
            XCTAssertNil(browser.cookie)
            let after = try await browser.get("/")
            XCTAssertEqual(after.status, .seeOther)
            XCTAssertEqual(after.headers[.location], "/login")
        }
    }

    func testTheSessionCookieIsHttpOnlyAndSameSiteStrictAndSecureWhenSet() async throws {
        let fixture = try BoardFixture()
        fixture.settings.secureCookies = true
        try await fixture.application().test(.router) { client in
            let page = try await client.execute(uri: "/login", method: .get)
            let cookie = try XCTUnwrap(page.headers[.setCookie])
            XCTAssertTrue(cookie.hasPrefix("docket_session="))
            XCTAssertTrue(cookie.contains("HttpOnly"))
            XCTAssertTrue(cookie.contains("SameSite=Strict"))
            XCTAssertTrue(cookie.contains("Secure"))
        }
    }
}
