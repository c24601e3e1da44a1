import DocketCore
import DocketMeetings
import Foundation
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

@testable import DocketBoard

/// The 2022-06-27 meeting through the meeting routes: open it, put the consultation on the
/// agenda, record attendance, a vote with a recount, close it, read the minutes.
final class MeetingRouteTests: XCTestCase {
    func testMeetingFlowAttendanceVoteRecountCloseMinutes() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("r4-c2")
        try ws.runner.record(caseID: "r4-c2", stepID: "review", file: ws.example.appendingPathComponent("c2/review.yaml").path)
        let toVote = try await ws.runner.run(caseID: "r4-c2")
        XCTAssertEqual(toVote.step, "vote")
        let members = (1...18).map { String(format: "委員%02d", $0) }

        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let new = try await b.get("/meetings/new")
            XCTAssertTrue(new.text.contains(#"<label for="f-date">"#), new.text)
            let badDate = try await b.post("/meetings", form: [("id", "2022-06-27"), ("date", "令和4年6月31日")])
            XCTAssertEqual(badDate.status, .unprocessableContent)
            XCTAssertTrue(badDate.text.contains(#"id="f-date-error""#), badDate.text)
            let created = try await b.post("/meetings", form: [("id", "2022-06-27"), ("date", "令和4年6月27日"), ("time", "14:00-17:00"), ("place", "特別会議室")])
            XCTAssertEqual(created.status, .seeOther, created.text)
            XCTAssertEqual(created.headers[.location], "/meetings/2022-06-27")

            let agenda = try await b.post("/meetings/2022-06-27/agenda", form: [("kind", "consultation"), ("case", "r4-c2")])
            XCTAssertEqual(agenda.status, .seeOther, agenda.text)
            let twice = try await b.post("/meetings/2022-06-27/agenda", form: [("kind", "consultation"), ("case", "r4-c2")])
            XCTAssertEqual(twice.status, .conflict)
            // An item of kind その他 (text only): its text is required.
            let blank = try await b.post("/meetings/2022-06-27/agenda", form: [("kind", "other"), ("text", " ")])
            XCTAssertEqual(blank.status, .unprocessableContent)
            XCTAssertTrue(blank.text.contains("その他の議題の内容を入力してください"), blank.text)
            let other = try await b.post("/meetings/2022-06-27/agenda", form: [("kind", "other"), ("text", "会長あいさつ")])
            XCTAssertEqual(other.status, .seeOther, other.text)
            let withOther = try await b.get("/meetings/2022-06-27")
            XCTAssertTrue(withOther.text.contains("会長あいさつ"), withOther.text)

            // A vote before the attendance is refused on the page.
            let early = try await b.post("/meetings/2022-06-27/vote", form: [("case", "r4-c2"), ("for", "17"), ("against", "0")])
            XCTAssertNotEqual(early.status, .seeOther)
            XCTAssertTrue(early.text.contains("出欠がまだ記録されていません"), early.text)

            // Attendance with a misspelt arrival: shown at the field, entries kept.
            let wrong = try await b.post("/meetings/2022-06-27/attendance", form: members.map { ("members", $0) } + [
                ("arrivals[0].member", "委員99"), ("arrivals[0].before", "1"), ("staff", "人事課長\n事務局"), ("observers", "2"),
            ])
            XCTAssertEqual(wrong.status, .unprocessableContent)
            XCTAssertTrue(wrong.text.contains(#"id="f-arrivals-0--member-error""#), wrong.text)
            XCTAssertTrue(wrong.text.contains(#"value="委員01" checked"#), "checked members kept")
            let attended = try await b.post("/meetings/2022-06-27/attendance", form: members.map { ("members", $0) } + [
                ("staff", "人事課長\n事務局"), ("observers", "2"), ("materials.in_advance", "諮問事項の資料"),
            ])
            XCTAssertEqual(attended.status, .seeOther, attended.text)

            // The first show of hands: the chair calls a recount; then the recount decides.
            let first = try await b.post("/meetings/2022-06-27/vote", form: [("case", "r4-c2"), ("for", "8"), ("against", "8"), ("recount_called", "true")])
            XCTAssertEqual(first.status, .seeOther, first.text)
            let page = try await b.get("/meetings/2022-06-27")
            XCTAssertTrue(page.text.contains(#"id="vote-r4-c2""#), "still waiting for the recount: \(page.text)")
            let contradicts = try await b.post("/meetings/2022-06-27/vote", form: [("case", "r4-c2"), ("for", "x17"), ("against", "0")])
            XCTAssertEqual(contradicts.status, .unprocessableContent)
            XCTAssertTrue(contradicts.text.contains(#"id="f-v1-for-error""#), contradicts.text)
            let recount = try await b.post("/meetings/2022-06-27/vote", form: [("case", "r4-c2"), ("for", "17"), ("against", "0"), ("recount_called", "false")])
            XCTAssertEqual(recount.status, .seeOther, recount.text)

            let closed = try await b.post("/meetings/2022-06-27/close", form: [])
            XCTAssertEqual(closed.status, .seeOther, closed.text)
            let shown = try await b.get("/meetings/2022-06-27")
            XCTAssertTrue(shown.text.contains("閉会"))
            XCTAssertTrue(shown.text.contains(#"id="minutes-link""#))
            let minutes = try await b.get("/meetings/2022-06-27/minutes")
            XCTAssertEqual(minutes.status, .ok)
            // The item, its two tallies and the decision the recount made, as a page (not Markdown).
            XCTAssertTrue(minutes.text.contains("子育て世帯生活支援特別給付金に係る事務の外部委託"), minutes.text)
            XCTAssertTrue(minutes.text.contains("<li>１回目: 賛成８名、反対８名（会長が再度の採決を求めた）</li>"), minutes.text)
            XCTAssertTrue(minutes.text.contains("<li>２回目: 賛成１７名、反対０名"), minutes.text)
            XCTAssertTrue(minutes.text.contains("結果: 承認（全員賛成）　答申番号 令和４年度第１号"), minutes.text)
            XCTAssertFalse(minutes.text.contains("## "), "no Markdown marks on the page")

            // The secretariat finalises the minutes from the page: checked, sealed, recorded, archived.
            XCTAssertTrue(shown.text.contains(#"id="minutes-publish""#), shown.text)
            let published = try await b.post("/meetings/2022-06-27/minutes", form: [])
            XCTAssertEqual(published.status, .seeOther, published.text)
            let after = try await b.get("/meetings/2022-06-27")
            XCTAssertTrue(after.text.contains("会議録は確定し"), after.text)
            XCTAssertFalse(after.text.contains(#"id="minutes-publish""#), "not offered twice")
            let archives = try await b.get("/archives")
            XCTAssertTrue(archives.text.contains(#"href="/archives/meetings/2022-06-27/download""#), archives.text)
            let zip = try await b.get("/archives/meetings/2022-06-27/download")
            XCTAssertEqual(zip.status, .ok)
            XCTAssertEqual(zip.headers[.contentType], "application/zip")
            XCTAssertEqual(Array(zip.body.readableBytesView.prefix(2)), [0x50, 0x4B], "a zip")
            let verified = try await b.post("/archives/meetings/2022-06-27/verify", form: [("password", "")])
            XCTAssertEqual(verified.status, .ok)
            XCTAssertTrue(verified.text.contains(#"id="verify-ok""#), verified.text)
            XCTAssertTrue(verified.text.contains("会議 2022-06-27"), verified.text)
            let none = try await b.get("/archives/meetings/2099-01-01/download")
            XCTAssertEqual(none.status, .notFound)
            let html = try await b.get("/meetings/2022-06-27/minutes?format=html")
            XCTAssertTrue(html.headers[.contentSecurityPolicy]?.hasPrefix("sandbox") == true)
            let list = try await b.get("/meetings")
            XCTAssertTrue(list.text.contains(#"href="/meetings/2022-06-27""#))
        }
        let state = try ws.state("r4-c2")
        XCTAssertEqual(state.step("vote").records.count, 2, "the first show of hands and the recount are both kept")
        XCTAssertEqual(state.step("vote").outputs["meeting"], .string("2022-06-27"))
        let events = try MeetingBook(root: ws.root, user: "").store.journal("2022-06-27").read().events
        XCTAssertTrue(events.dropFirst().allSatisfy { $0.by == "clerk" }, "\(events.map(\.by))")
    }
}
