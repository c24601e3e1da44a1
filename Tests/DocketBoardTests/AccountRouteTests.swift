import DocketAccounts
import DocketBoard
import DocketTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// The secretariat's accounts page: every action through `AccountStore`'s administration,
/// recorded in the accounts' history under the signed-in person; every refusal shown on the form.
final class AccountRouteTests: XCTestCase {
    /// The generated password a page shows once.
    static func shownPassword(_ html: String) -> String? {
        guard let r = html.range(of: #"<code id="new-password">"#) else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "<" })
    }

    func testAddDisableEnableResetAndChangeRolesEachRecorded() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let list = try await clerk.get("/accounts")
            XCTAssertEqual(list.status, .ok)
            XCTAssertTrue(list.text.contains(#"<a href="/accounts">アカウント</a>"#), "in the secretariat's navigation")
            XCTAssertTrue(list.text.contains(#"<tr id="account-jinji"><td><a href="/accounts/jinji">jinji</a></td><td>所管課</td><td>人事課</td><td>有効</td>"#), list.text)
            XCTAssertTrue(list.text.contains(#"<tr id="account-gone"><td><a href="/accounts/gone">gone</a></td><td>事務局</td><td></td><td>無効</td><td>記録なし</td>"#), list.text)
            XCTAssertFalse(list.text.contains(#"<tr id="account-clerk"><td><a href="/accounts/clerk">clerk</a></td><td>事務局</td><td></td><td>有効</td><td>記録なし</td>"#),
                           "clerk's sign-in is known")

            // Added with a typed password: it signs in.
            let added = try await clerk.post("/accounts", form: [("name", "tanaka"), ("roles", "department"), ("department", "総務課"),
                                                                 ("password", "tanaka の初期パスワード"), ("confirm", "tanaka の初期パスワード")])
            XCTAssertEqual(added.status, .seeOther, added.text)
            XCTAssertEqual(added.headers[.location], "/accounts/tanaka?done=added")
            var tanaka = Browser(client)
            let signIn = try await tanaka.signIn("tanaka", password: "tanaka の初期パスワード")
            XCTAssertEqual(signIn.status, .seeOther)
            let account = try fixture.services.accounts.account(named: "tanaka")
            XCTAssertEqual(account?.roles, [.department])
            XCTAssertEqual(account?.department, "総務課")

            // A Japanese name, in the path percent-encoded.
            let yamada = try await clerk.post("/accounts", form: [("name", "山田"), ("roles", "member"), ("password", "山田さんの初期パスワード"), ("confirm", "山田さんの初期パスワード")])
            XCTAssertEqual(yamada.headers[.location], "/accounts/%E5%B1%B1%E7%94%B0?done=added", yamada.text)
            let yamadaPage = try await clerk.get("/accounts/%E5%B1%B1%E7%94%B0?done=added")
            XCTAssertEqual(yamadaPage.status, .ok)
            XCTAssertTrue(yamadaPage.text.contains("<h1>アカウント「山田」</h1>"), yamadaPage.text)
            XCTAssertTrue(yamadaPage.text.contains("アカウントを追加しました。"))

            // Added with the password left blank: generated, shown once, and it signs in.
            let generated = try await clerk.post("/accounts", form: [("name", "sato"), ("roles", "member"), ("roles", "archivist")])
            XCTAssertEqual(generated.status, .ok, generated.text)
            let password = try XCTUnwrap(Self.shownPassword(generated.text), generated.text)
            XCTAssertNil(PasswordRule.problem(password, name: "sato"))
            XCTAssertTrue(generated.headers[.cacheControl] == "no-store")
            var sato = Browser(client)
            let satoIn = try await sato.signIn("sato", password: password)
            XCTAssertEqual(satoIn.status, .seeOther)
            let again = try await clerk.get("/accounts/sato")
            XCTAssertNil(Self.shownPassword(again.text), "shown once only")

            // Disabled with a reason: tanaka's session ends at the next page.
            let disabled = try await clerk.post("/accounts/tanaka/disable", form: [("reason", "異動のため")])
            XCTAssertEqual(disabled.status, .seeOther, disabled.text)
            let out = try await tanaka.get("/")
            XCTAssertEqual(out.status, .seeOther)
            XCTAssertTrue(out.headers[.location]?.hasPrefix("/login") == true)
            let page = try await clerk.get("/accounts/tanaka")
            XCTAssertTrue(page.text.contains("無効（ログインできません）"), page.text)
            XCTAssertTrue(page.text.contains("<td>clerk</td><td>tanaka</td><td>無効化</td><td>異動のため</td>"), page.text)
            let enabled = try await clerk.post("/accounts/tanaka/enable", form: [("reason", "復帰")])
            XCTAssertEqual(enabled.status, .seeOther, enabled.text)

            // A reset (generated): the old password no longer signs in, the new one does.
            var satoAgain = Browser(client)
            _ = try await satoAgain.signIn("sato", password: password)
            let reset = try await clerk.post("/accounts/sato/password", form: [("password", ""), ("confirm", "")])
            XCTAssertEqual(reset.status, .ok, reset.text)
            let newPassword = try XCTUnwrap(Self.shownPassword(reset.text))
            XCTAssertNotEqual(newPassword, password)
            let ended = try await satoAgain.get("/archives")
            XCTAssertEqual(ended.status, .seeOther, "the reset ends the account's sessions")
            var old = Browser(client)
            let refused = try await old.signIn("sato", password: password)
            XCTAssertEqual(refused.status, .unauthorized)
            var fresh = Browser(client)
            let accepted = try await fresh.signIn("sato", password: newPassword)
            XCTAssertEqual(accepted.status, .seeOther)

            // A typed reset and a role change.
            let typed = try await clerk.post("/accounts/tanaka/password", form: [("password", "もう一つの長いパスワード"), ("confirm", "もう一つの長いパスワード")])
            XCTAssertEqual(typed.status, .seeOther, typed.text)
            let roles = try await clerk.post("/accounts/tanaka/roles", form: [("roles", "member")])
            XCTAssertEqual(roles.status, .seeOther, roles.text)
            XCTAssertEqual(try fixture.services.accounts.account(named: "tanaka")?.roles, [.member])
            XCTAssertNil(try fixture.services.accounts.account(named: "tanaka")?.department)

            // One's own reset: this session goes on, under the new password.
            let own = try await clerk.post("/accounts/clerk/password", form: [("password", "事務局の新しいパスワード"), ("confirm", "事務局の新しいパスワード")])
            XCTAssertEqual(own.status, .seeOther, own.text)
            let still = try await clerk.get("/accounts")
            XCTAssertEqual(still.status, .ok, "still signed in after one's own reset")
            var clerkAgain = Browser(client)
            let newIn = try await clerkAgain.signIn("clerk", password: "事務局の新しいパスワード")
            XCTAssertEqual(newIn.status, .seeOther)

            let history = try fixture.services.accounts.history.entries().filter { $0.account != "clerk" }
            XCTAssertEqual(history.map(\.action), [.added, .added, .added, .disabled, .enabled, .passwordReset, .passwordReset, .rolesChanged])
            XCTAssertEqual(Set(history.map(\.by)), ["clerk"])
            XCTAssertEqual(history[3].reason, "異動のため")
            let log = try String(contentsOf: fixture.services.accounts.history.file, encoding: .utf8)
            XCTAssertFalse(log.contains("$2"), "no hash in the history")
            XCTAssertFalse(log.contains(newPassword), "no password in the history")
        }
    }

    func testRefusalsWrongRoleNoTokenSelfLastSecretariatAndBadInput() async throws {
        let fixture = try BoardFixture()
        try await fixture.application().test(.router) { client in
            var jinji = try await Browser.signedIn("jinji", client)
            let forbidden = try await jinji.get("/accounts")
            XCTAssertEqual(forbidden.status, .forbidden)
            XCTAssertFalse(forbidden.text.contains(#"href="/accounts""#), "no link for a department")
            let notHers = try await jinji.post("/accounts/iin/disable", form: [("reason", "x")])
            XCTAssertEqual(notHers.status, .forbidden)

            var clerk = try await Browser.signedIn("clerk", client)
            try await clerk.get("/accounts")
            let noToken = try await clerk.post("/accounts/iin/disable", form: [("reason", "理由")], csrf: "")
            XCTAssertEqual(noToken.status, .forbidden)
            XCTAssertFalse(try fixture.services.accounts.account(named: "iin")!.disabled)

            // One's own account: refused, said in the summary.
            try await clerk.get("/accounts/clerk")
            let own = try await clerk.post("/accounts/clerk/disable", form: [("reason", "試し")])
            XCTAssertEqual(own.status, .conflict)
            XCTAssertTrue(own.text.contains(#"role="alert""#))
            XCTAssertTrue(own.text.contains("自分のアカウントは無効にできません"), own.text)

            // The last enabled secretariat (gone is disabled): its role cannot go.
            let demote = try await clerk.post("/accounts/clerk/roles", form: [("roles", "member")])
            XCTAssertEqual(demote.status, .conflict)
            XCTAssertTrue(demote.text.contains(##"<a href="#f-roles">「clerk」は有効な事務局アカウントの最後の一つ"##), demote.text)
            XCTAssertTrue(try fixture.services.accounts.account(named: "clerk")!.roles.contains(.secretariat))

            // Bad input: every problem at once, each a link to its field, each field marked.
            let bad = try await clerk.post("/accounts", form: [("name", ""), ("department", "人事課"), ("password", "短い"), ("confirm", "違う")])
            XCTAssertEqual(bad.status, .unprocessableContent)
            let html = bad.text
            XCTAssertTrue(html.contains(#"<div class="error-summary" role="alert""#), html)
            for (field, words) in [("name", "アカウント名を入力してください"), ("roles", "役割を一つ以上選んでください"),
                                   ("confirm", "確認のパスワードが一致しません")] {
                XCTAssertTrue(html.contains(##"<a href="#f-\##(field)">\##(words)"##), "\(field): \(html)")
                XCTAssertTrue(html.contains(#"aria-invalid="true" aria-describedby="f-\#(field)-error""#), field)
                XCTAssertTrue(html.contains(#"id="f-\#(field)-error""#), field)
            }
            XCTAssertTrue(html.contains(#"value="人事課""#), "entries kept")
            let weak = try await clerk.post("/accounts", form: [("name", "kimura"), ("roles", "member"), ("password", "kimura"), ("confirm", "kimura")])
            XCTAssertEqual(weak.status, .unprocessableContent)
            XCTAssertTrue(weak.text.contains(##"<a href="#f-password">このパスワードは使えません。6 文字しかありません。10 文字以上にしてください。"##), weak.text)
            let taken = try await clerk.post("/accounts", form: [("name", "jinji"), ("roles", "member")])
            XCTAssertEqual(taken.status, .unprocessableContent)
            XCTAssertTrue(taken.text.contains("アカウント「jinji」はすでにあります"), taken.text)
            let badName = try await clerk.post("/accounts", form: [("name", "-x y"), ("roles", "department")])
            XCTAssertTrue(badName.text.contains(##"<a href="#f-name">アカウント名に使えるのは"##), badName.text)
            XCTAssertTrue(badName.text.contains(##"<a href="#f-department">所管課の役割には、所管課名が必要です。"##), badName.text)
            XCTAssertNil(try fixture.services.accounts.account(named: "kimura"))

            let noReason = try await clerk.post("/accounts/iin/disable", form: [("reason", " ")])
            XCTAssertEqual(noReason.status, .unprocessableContent)
            XCTAssertTrue(noReason.text.contains(##"<a href="#f-reason">理由を入力してください"##), noReason.text)
            XCTAssertTrue(noReason.text.contains(#"id="f-reason" name="reason" type="text" value=" " aria-invalid="true""#), noReason.text)
            let none = try await clerk.get("/accounts/nobody")
            XCTAssertEqual(none.status, .notFound)
            XCTAssertEqual(try fixture.services.accounts.history.entries(), [], "nothing refused is recorded")
        }
    }
}

/// The administration operations themselves, as any front end calls them.
final class AccountAdministrationTests: XCTestCase {
    func testTheLastSecretariatAndOnesOwnAccountAreKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("docket-accounts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = AccountStore(file: folder.appendingPathComponent("users.json"))
        try store.add(name: "a", roles: [.secretariat], department: nil, passwordHash: "h", by: "setup")
        try store.add(name: "b", roles: [.secretariat, .member], department: nil, passwordHash: "h", by: "a")
        XCTAssertThrowsError(try store.setDisabled("a", true, reason: "x", by: "a")) { XCTAssertEqual($0 as? AccountRuleError, .selfDisable("a")) }
        try store.setDisabled("b", true, reason: "退任", by: "a")
        XCTAssertThrowsError(try store.setRoles("a", roles: [.member], department: nil, by: "b")) {
            XCTAssertEqual($0 as? AccountRuleError, .lastSecretariat("a"))
        }
        XCTAssertThrowsError(try store.setDisabled("b", true, reason: "x", by: "a")) { XCTAssertEqual($0 as? AccountRuleError, .alreadyDisabled("b")) }
        XCTAssertThrowsError(try store.setDisabled("b", false, reason: "", by: "a")) { XCTAssertEqual($0 as? AccountRuleError, .reasonRequired) }
        let epoch = try store.account(named: "b")!.sessionEpoch
        try store.setDisabled("b", false, reason: "再任", by: "a")
        XCTAssertEqual(try store.account(named: "b")!.sessionEpoch, epoch, "enabling ends nothing")
        try store.setRoles("a", roles: [.member], department: nil, by: "b")
        XCTAssertEqual(try store.history.entries().map(\.action), [.added, .added, .disabled, .enabled, .rolesChanged])
        XCTAssertEqual(AccountStore.problems(name: "", roles: [], department: "課"), [.invalidName(""), .noRoles])
        let (typed, generated) = try PasswordRule.chosen(typed: "長い長いパスワードです", again: "長い長いパスワードです", name: "a")
        XCTAssertEqual(typed, "長い長いパスワードです")
        XCTAssertFalse(generated)
        XCTAssertThrowsError(try PasswordRule.chosen(typed: "長い長いパスワードです", again: "x", name: "a"))
        XCTAssertTrue(try PasswordRule.chosen(typed: nil, again: nil, name: "a").generated)
    }
}
