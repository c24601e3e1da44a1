import DocketAccounts
import DocketBoard
import DocketCouncil
import DocketServices
import DocketTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// The secretariat's council profile page: each change written through
/// `DocketServices.updateProfile` as a file the loader reads, recorded in the profile's history.
final class ProfileRouteTests: XCTestCase {
    static func version(_ html: String) -> String {
        guard let r = html.range(of: #"name="version" value=""#) else { return "" }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    static func profile(_ fixture: BoardFixture) throws -> CouncilRoster {
        try CouncilRoster.load(path: fixture.root.appendingPathComponent("council.yaml").path)
    }

    func testNamesAndTheRosterAreChangedRecordedAndReadBackByTheLoader() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let page = try await clerk.get("/council")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.text.contains(#"<a href="/council">審議会の設定</a>"#))
            XCTAssertTrue(page.text.contains("<dt>審議会の名称</dt><dd>情報公開・個人情報保護審議会</dd>"), page.text)
            XCTAssertTrue(page.text.contains(#"<td><a href="/council/members/%E5%A7%94%E5%93%A101">委員01</a></td><td>会長</td><td>任期の定めなし</td>"#), page.text)
            XCTAssertTrue(page.text.contains("コメント"), "the page says the file's comments are not kept")
            XCTAssertFalse(page.text.contains("council.yaml"), "no file name on the page")
            var version = Self.version(page.text)
            XCTAssertEqual(version.count, 64)

            let names = try await clerk.post("/council/names", form: [
                ("version", version), ("name", "みどり市情報公開審議会"), ("organization", "みどり市"), ("head", "市長"),
                ("addressee", ""), ("secretariat", "総務課 審議会担当"), ("executive_side", ""), ("answer_number", "み情審答第{番号}号"),
                ("departments", "情報政策課\n人事課\n"), ("seats", "21"),
            ])
            XCTAssertEqual(names.status, .seeOther, names.text)
            XCTAssertEqual(names.headers[.location], "/council?saved=1")
            var p = try Self.profile(fixture)
            XCTAssertEqual(p.name, "みどり市情報公開審議会")
            XCTAssertEqual(p.addressee, "みどり市長")
            XCTAssertEqual(p.secretariat, "総務課 審議会担当")
            XCTAssertEqual(p.departments, ["情報政策課", "人事課"])
            XCTAssertEqual(p.numberLabel(yearLabel: "令和8年度", number: 3), "み情審答第3号")

            // End a term, add a member with a term, make another the vice-chair.
            let shown = try await clerk.get("/council?saved=1")
            XCTAssertTrue(shown.text.contains("保存しました"))
            version = Self.version(shown.text)
            let member = try await clerk.get("/council/members/%E5%A7%94%E5%93%A121")
            XCTAssertEqual(member.status, .ok, member.text)
            let ended = try await clerk.post("/council/members/%E5%A7%94%E5%93%A121/end", form: [("version", Self.version(member.text)), ("day", "令和6年3月31日")])
            XCTAssertEqual(ended.status, .seeOther, ended.text)
            let afterEnd = try await clerk.get("/council")
            XCTAssertTrue(afterEnd.text.contains(#"id="f-seats" name="seats" type="text" inputmode="numeric" value="21""#), "a term: the seats are asked for")
            let badSeats = try await clerk.post("/council/names", form: [("version", Self.version(afterEnd.text)), ("name", "みどり市情報公開審議会"), ("seats", "二十")])
            XCTAssertEqual(badSeats.status, .unprocessableContent)
            XCTAssertTrue(badSeats.text.contains(##"<a href="#f-seats">定数は 1 以上の整数で入力してください。"##), badSeats.text)
            XCTAssertTrue(badSeats.text.contains(#"aria-describedby="f-seats-error""#))
            let added = try await clerk.post("/council/members", form: [
                ("version", Self.version(afterEnd.text)), ("member", "山田 花子"), ("role", "委員"), ("appointed", "2024-04-01"), ("term_ends", "2026-03-31"),
            ])
            XCTAssertEqual(added.status, .seeOther, added.text)
            let second = try await clerk.get("/council/members/%E5%A7%94%E5%93%A102")
            let vice = try await clerk.post("/council/members/%E5%A7%94%E5%93%A102", form: [
                ("version", Self.version(second.text)), ("role", "副会長"), ("appointed", ""), ("term_ends", ""),
            ])
            XCTAssertEqual(vice.status, .seeOther, vice.text)
            p = try Self.profile(fixture)
            XCTAssertEqual(p.membership(of: "委員21")?.termEnds, "2024-03-31")
            XCTAssertEqual(p.membership(of: "山田 花子")?.appointed, "2024-04-01")
            XCTAssertEqual(p.viceChairs(on: "2024-04-01"), ["委員02"])
            XCTAssertEqual(p.members(inOfficeOn: "2024-04-01").count, 21)

            // Every change in the history, by the signed-in person, in words.
            let history = try fixture.services.docket.councilHistory.entries()
            XCTAssertEqual(history.map(\.by), ["clerk", "clerk", "clerk", "clerk", "clerk"])
            XCTAssertEqual(history.first?.changes, ["初版"])
            XCTAssertTrue(history[1].changes.contains("名称: 情報公開・個人情報保護審議会 → みどり市情報公開審議会"), "\(history[1].changes)")
            XCTAssertTrue(history[3].changes.contains { $0.hasPrefix("委員追加（1名）: 山田 花子") }, "\(history[3].changes)")
            XCTAssertTrue(history[4].changes.contains("委員02: 委員 → 副会長"), "\(history[4].changes)")
            let final = try await clerk.get("/council")
            XCTAssertTrue(final.text.contains("委員02: 委員 → 副会長"), "the page lists the history")
        }
    }

    func testANewCouncilsSkeletonGetsItsMembersAndSeats() async throws {
        let fixture = try BoardFixture()
        let file = fixture.root.appendingPathComponent("council.yaml")
        try ProfileSkeleton.text(council: "みどり市情報公開審議会", organization: "みどり市", head: "市長").write(to: file, atomically: true, encoding: .utf8)
        try await fixture.application().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let empty = try await clerk.get("/council")
            XCTAssertTrue(empty.text.contains("委員はまだ登録されていません。"), empty.text)
            XCTAssertTrue(empty.text.contains("名簿の委員の人数（0 名）が定数です"), empty.text)
            let chair = try await clerk.post("/council/members", form: [
                ("version", Self.version(empty.text)), ("member", "山田 太郎"), ("role", "会長"), ("appointed", "2025-04-01"), ("term_ends", "2027-03-31"),
            ])
            XCTAssertEqual(chair.status, .seeOther, chair.text)
            var page = try await clerk.get("/council")
            // A second member in office on the same day needs a second seat: refused, then given with it.
            let full = try await clerk.post("/council/members", form: [
                ("version", Self.version(page.text)), ("member", "佐藤 花子"), ("role", "副会長"), ("appointed", "令和7年4月1日"),
            ])
            XCTAssertEqual(full.status, .unprocessableContent)
            XCTAssertTrue(full.text.contains("審議会の設定として保存できません。令和7年4月1日に在任する委員が 2 名となり、定数 1 名を超えます。"), full.text)
            page = try await clerk.get("/council")
            let badSeats = try await clerk.post("/council/members", form: [
                ("version", Self.version(page.text)), ("member", "佐藤 花子"), ("role", "副会長"), ("appointed", "令和7年4月1日"), ("new_seats", "0"),
            ])
            XCTAssertTrue(badSeats.text.contains(##"<a href="#f-new_seats">定数は 1 以上の整数で入力してください。"##), badSeats.text)
            XCTAssertTrue(badSeats.text.contains(#"id="f-new_seats" name="new_seats" type="text" inputmode="numeric" value="0" aria-invalid="true""#), badSeats.text)
            let vice = try await clerk.post("/council/members", form: [
                ("version", Self.version(page.text)), ("member", "佐藤 花子"), ("role", "副会長"), ("appointed", "令和7年4月1日"), ("new_seats", "15"),
            ])
            XCTAssertEqual(vice.status, .seeOther, vice.text)
            let p = try CouncilRoster.load(path: file.path)
            XCTAssertEqual(p.seats, 15)
            XCTAssertEqual(p.chair(on: "2025-04-01"), "山田 太郎")
            XCTAssertEqual(p.viceChairs(on: "2025-04-01"), ["佐藤 花子"])
            let shown = try await clerk.get("/council")
            XCTAssertTrue(shown.text.contains(#"id="f-seats" name="seats" type="text" inputmode="numeric" value="15""#), shown.text)
            // The skeleton's comments are gone from the file, kept in its first version in the history.
            XCTAssertFalse(try String(contentsOf: file, encoding: .utf8).contains("# The members. Each is a name"))
            XCTAssertTrue(try fixture.services.docket.councilHistory.entries().first?.text.contains("# The members. Each is a name") == true)
        }
    }

    func testRefusalsWrongRoleNoTokenStaleVersionAndBadInput() async throws {
        let fixture = try BoardFixture()
        let before = try String(contentsOf: fixture.root.appendingPathComponent("council.yaml"), encoding: .utf8)
        try await fixture.application().test(.router) { client in
            var iin = try await Browser.signedIn("iin", client)
            let forbidden = try await iin.get("/council")
            XCTAssertEqual(forbidden.status, .forbidden)
            let post = try await iin.post("/council/names", form: [("name", "乗っ取り")])
            XCTAssertEqual(post.status, .forbidden)

            var clerk = try await Browser.signedIn("clerk", client)
            let page = try await clerk.get("/council")
            let version = Self.version(page.text)
            let noToken = try await clerk.post("/council/members", form: [("version", version), ("member", "x")], csrf: "wrong")
            XCTAssertEqual(noToken.status, .forbidden)

            // A date that does not exist and a blank name: at their fields, in the summary.
            try await clerk.get("/council")
            let bad = try await clerk.post("/council/members", form: [("version", version), ("member", ""), ("appointed", "令和4年2月30日")])
            XCTAssertEqual(bad.status, .unprocessableContent)
            XCTAssertTrue(bad.text.contains(#"<div class="error-summary" role="alert""#), bad.text)
            XCTAssertTrue(bad.text.contains(##"<a href="#f-member">委員の氏名を入力してください。"##), bad.text)
            XCTAssertTrue(bad.text.contains(##"<a href="#f-appointed">「令和4年2月30日」"##), bad.text)
            XCTAssertTrue(bad.text.contains(#"id="f-appointed" name="appointed" type="text" value="令和4年2月30日" aria-invalid="true" aria-describedby="f-appointed-error""#), bad.text)

            // The profile's own rule (one chair at a time): refused, nothing written.
            let twoChairs = try await clerk.post("/council/members", form: [("version", version), ("member", "委員22"), ("role", "会長")])
            XCTAssertEqual(twoChairs.status, .unprocessableContent)
            XCTAssertTrue(twoChairs.text.contains(##"<a href="#member-form">審議会の設定として保存できません。「委員01」と「委員22」が同じ期間ともに会長になります。"##), twoChairs.text)
            XCTAssertTrue(twoChairs.text.contains(#"value="委員22""#), "entries kept")
            let badNames = try await clerk.post("/council/names", form: [("version", version), ("name", " "), ("answer_number", "第号")])
            XCTAssertEqual(badNames.status, .unprocessableContent)
            XCTAssertTrue(badNames.text.contains(#"id="seats-note""#), "no terms: the seats are the members")
            for field in ["name", "answer_number"] {
                XCTAssertTrue(badNames.text.contains(##"<a href="#f-\##(field)">"##), field)
                XCTAssertTrue(badNames.text.contains(#"aria-describedby="f-\#(field)-error""#), field)
            }
            let ended = try await clerk.post("/council/members/%E5%A7%94%E5%93%A105/end", form: [("version", version), ("day", "")])
            XCTAssertEqual(ended.status, .unprocessableContent)
            XCTAssertTrue(ended.text.contains(##"<a href="#f-day">"##), ended.text)
            XCTAssertEqual(try String(contentsOf: fixture.root.appendingPathComponent("council.yaml"), encoding: .utf8), before, "nothing written")

            // Someone saved first: the older form is refused.
            try fixture.services.docket.updateProfile(by: "other", expected: version) { roster in
                var n = roster.names
                n.head = "区長"
                roster.setNames(n)
            }
            let stale = try await clerk.post("/council/names", form: [("version", version), ("name", "古い画面から"), ("seats", "21")])
            XCTAssertEqual(stale.status, .conflict)
            XCTAssertTrue(stale.text.contains("ほかの人が審議会の設定を変更しました"), stale.text)
            XCTAssertEqual(try Self.profile(fixture).head, "区長")
            let missing = try await clerk.get("/council/members/nobody")
            XCTAssertEqual(missing.status, .notFound)
        }
    }
}
