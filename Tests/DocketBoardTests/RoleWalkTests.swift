import DocketAccounts
import DocketBoard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

/// Walks every route the board registers, as nobody and as each role, and checks the answer:
/// nobody is sent to /login (303), a role the route is not for gets the 403 page, a role it is
/// for gets through (whatever the handler then says). The table below is the contract: a route
/// added to the board without a line here fails `testTheCatalogHasNoRouteWithoutAnExpectation`.
final class RoleWalkTests: XCTestCase {
    /// Every route of the board contract and who may use it.
    static let expected: [String: Access] = [
        "GET /login": .everyone, "POST /login": .everyone, "GET /static/board.css": .everyone,
        "POST /logout": .signedIn, "GET /account/password": .signedIn, "POST /account/password": .signedIn,
        "GET /": .caseReaders, "GET /search": .caseReaders,
        "GET /cases/:id": .caseReaders, "GET /cases/:id/documents/**": .caseReaders, "GET /cases/:id/seal-check/**": .caseReaders,
        "GET /cases/new": .caseSubmitters, "POST /cases": .caseSubmitters, "POST /cases/:id/materials": .caseSubmitters,
        "GET /cases/:id/materials": .caseSubmitters,
        "GET /cases/:id/record/:step": .secretariat, "POST /cases/:id/record/:step": .secretariat,
        "POST /cases/:id/run": .secretariat, "POST /cases/:id/withdraw": .secretariat, "POST /cases/:id/reopen": .secretariat,
        "POST /cases/:id/rerun": .secretariat, "POST /cases/:id/archive": .secretariat,
        "GET /cases/:id/amend": .secretariat, "POST /cases/:id/amend": .secretariat, "POST /meetings/:id/minutes": .secretariat,
        "GET /archives/meetings/:id/download": .records, "POST /archives/meetings/:id/verify": .records,
        "POST /retention/:id/purge": .records, "GET /retention/:id/certificate": .records,
        "GET /meetings": .meetingReaders, "GET /meetings/:id": .meetingReaders, "GET /meetings/:id/minutes": .meetingReaders,
        "GET /meetings/new": .secretariat, "POST /meetings": .secretariat, "POST /meetings/:id/agenda": .secretariat,
        "POST /meetings/:id/attendance": .secretariat, "POST /meetings/:id/vote": .secretariat,
        "POST /meetings/:id/acknowledge": .secretariat, "POST /meetings/:id/close": .secretariat,
        "GET /answers": .records, "GET /archives": .records, "GET /archives/:id/download": .records,
        "POST /archives/:id/verify": .records, "GET /retention": .records,
        "GET /accounts": .secretariat, "POST /accounts": .secretariat, "GET /accounts/:name": .secretariat,
        "POST /accounts/:name/disable": .secretariat, "POST /accounts/:name/enable": .secretariat,
        "POST /accounts/:name/password": .secretariat, "POST /accounts/:name/roles": .secretariat,
        "GET /council": .secretariat, "POST /council/names": .secretariat, "POST /council/members": .secretariat,
        "GET /council/members/:name": .secretariat, "POST /council/members/:name": .secretariat,
        "POST /council/members/:name/end": .secretariat,
    ]

    /// The accounts of the fixture, one per role.
    static let people: [(name: String?, role: Role?)] = [
        (nil, nil), ("clerk", .secretariat), ("jinji", .department), ("iin", .member), ("shoko", .archivist),
    ]

    func testTheCatalogHasNoRouteWithoutAnExpectation() throws {
        let fixture = try BoardFixture()
        let routes = try fixture.board().router().1.routes
        XCTAssertFalse(routes.isEmpty)
        for route in routes {
            XCTAssertEqual(Self.expected[route.description], route.access, "\(route): not in the expected table, or with other access")
        }
        // The routes of this branch's own pages are all there.
        let registered = Set(routes.map(\.description))
        for must in ["GET /login", "POST /login", "POST /logout", "GET /", "GET /search", "GET /cases/:id",
                     "GET /cases/:id/documents/**", "GET /answers", "GET /archives", "GET /archives/:id/download",
                     "POST /archives/:id/verify", "GET /retention", "GET /account/password", "POST /account/password"] {
            XCTAssertTrue(registered.contains(must), "\(must) is not registered")
        }
    }

    func testEveryRouteAsEveryRoleAndAsNobody() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課")
        try fixture.addMeeting(cases: ["2022-c1"])
        let routes = try fixture.board().router().1.routes
        try await fixture.application().test(.router) { client in
            for person in Self.people {
                var browser = Browser(client)
                if let name = person.name { _ = try await browser.signIn(name) }
                // Sign-out last, so the walk keeps its session.
                for route in routes.sorted(by: { ($0.path == "/logout" ? 1 : 0, $0.description) < ($1.path == "/logout" ? 1 : 0, $1.description) }) {
                    if person.name != nil, browser.cookie == nil { _ = try await browser.signIn(person.name!) }
                    let uri = Self.uri(route.path)
                    let response = route.method == "GET"
                        ? try await browser.get(uri)
                        : try await browser.post(uri, [("reason", "役割の確認"), ("step", "review"), ("current", "wrong password!")])
                    let who = person.name ?? "nobody"
                    let admitted = person.role.map { route.access == .signedIn || route.access == .everyone || route.access.roles.contains($0) }
                        ?? (route.access == .everyone)
                    if admitted {
                        XCTAssertNotEqual(response.status, .forbidden, "\(who) \(route): refused, but the route is for them")
                        XCTAssertFalse(response.status == .seeOther && response.headers[.location]?.hasPrefix("/login") == true && route.path != "/logout",
                                       "\(who) \(route): sent to sign in")
                    } else if person.name == nil {
                        XCTAssertEqual(response.status, .seeOther, "\(who) \(route)")
                        XCTAssertTrue(response.headers[.location]?.hasPrefix("/login") == true, "\(who) \(route): \(response.headers[.location] ?? "")")
                    } else {
                        XCTAssertEqual(response.status, .forbidden, "\(who) \(route): not refused")
                        XCTAssertTrue(response.text.contains("<h1>権限がありません</h1>"), "\(who) \(route): no 403 page")
                    }
                }
            }
        }
    }

    func testADepartmentSeesOnlyItsOwnCasesAndAMemberOnlyCasesOnAnAgenda() async throws {
        let fixture = try BoardFixture()
        try await fixture.openCase("2022-c1", department: "人事課", subject: "人事課の案件")
        try await fixture.openCase("2022-c2", department: "総務課", subject: "総務課の案件")
        try fixture.addMeeting(cases: ["2022-c2"])
        try await fixture.application().test(.router) { client in
            var jinji = Browser(client)
            _ = try await jinji.signIn("jinji")
            let board = try await jinji.get("/")
            XCTAssertTrue(board.text.contains("人事課の案件"))
            XCTAssertFalse(board.text.contains("総務課の案件"))
            let r1 = try await jinji.get("/cases/2022-c1")
            XCTAssertEqual(r1.status, .ok)
            let r2 = try await jinji.get("/cases/2022-c2")
            XCTAssertEqual(r2.status, .forbidden)
            let r3 = try await jinji.get("/cases/2022-c2/documents/draft/%E8%AB%AE%E5%95%8F%E6%96%87.md")
            XCTAssertEqual(r3.status, .forbidden)

            var iin = Browser(client)
            _ = try await iin.signIn("iin")
            let seen = try await iin.get("/")
            XCTAssertTrue(seen.text.contains("総務課の案件"))
            XCTAssertFalse(seen.text.contains("人事課の案件"))
            let r4 = try await iin.get("/cases/2022-c2")
            XCTAssertEqual(r4.status, .ok)
            let r5 = try await iin.get("/cases/2022-c1")
            XCTAssertEqual(r5.status, .forbidden)

            var clerk = Browser(client)
            _ = try await clerk.signIn("clerk")
            let all = try await clerk.get("/")
            XCTAssertTrue(all.text.contains("人事課の案件") && all.text.contains("総務課の案件"))
        }
    }

    /// A concrete URI for a route pattern: the fixture's case, meeting and document.
    static func uri(_ pattern: String) -> String {
        var path = pattern
        if path.hasPrefix("/meetings/") { path = path.replacingOccurrences(of: ":id", with: "2022-06-27") }
        path = path.replacingOccurrences(of: ":id", with: "2022-c1")
        path = path.replacingOccurrences(of: ":step", with: "review")
        path = path.replacingOccurrences(of: "**", with: "draft/%E8%AB%AE%E5%95%8F%E6%96%87.md")
        return path
    }
}
