import DocketArchive
import DocketCore
import DocketCouncil
import DocketMeetings
import DocketPlugins
import DocketSteps
import DocketTestSupport
import DocketYAML
import Foundation
import XCTest

/// Meetings through the real runner and the bundled workflows, in a temporary root.
final class MeetingTests: XCTestCase {
    var workspace: TestWorkspace!
    var runner: Runner!
    var book: MeetingBook!

    override func setUpWithError() throws {
        // The services `docket` builds, over the bundled workflows and plugins (the workflows
        // use the bundled personal-data-scan plugin).
        workspace = try TestWorkspace(council: "", user: "clerk")
        runner = workspace.services.runner
        book = workspace.services.meetings
    }

    override func tearDownWithError() throws {
        workspace = nil
    }

    var root: URL { workspace.root }
    var workflows: URL { workspace.workflows }
    var example: URL { workspace.example }

    func write(_ name: String, _ text: String) throws -> String {
        try workspace.write(name, text)
    }

    @discardableResult
    func meeting(_ id: String, _ date: String, title: String? = nil) throws -> Meeting {
        try book.create(id: id, date: date, time: "14:00-17:00", place: "特別会議室", title: title,
                        rosterPath: root.appendingPathComponent("council.yaml").path,
                        files: ["templates/minutes.md.mustache", "templates/minutes.html.mustache"].map { ($0, workflows.appendingPathComponent($0)) })
    }

    /// Opens a consultation (the seed's item 2) and runs it to its vote.
    func consultation(_ id: String, workflow: String = "consultation", item: String = "c2", inputs: [String: String] = [:]) async throws {
        _ = try runner.open(caseID: id, workflowPath: workflows.appendingPathComponent("\(workflow).yaml").path,
                            inputsFile: example.appendingPathComponent("\(item)/inputs.yaml").path, inputs: inputs)
        _ = try await runner.run(caseID: id)
        try runner.record(caseID: id, stepID: "review", file: example.appendingPathComponent("\(item)/review.yaml").path)
        let report = try await runner.run(caseID: id)
        XCTAssertEqual(report.step, "vote")
    }

    /// 18 present at the opening (委員01-18); `departures` before given items.
    func attend(_ id: String, members: Int = 18, extra: String = "") throws {
        let names = (1...members).map { String(format: "委員%02d", $0) }.joined(separator: ", ")
        _ = try book.attend(id, file: try write("attendance-\(id).yaml", "members: [\(names)]\nstaff: [人事課長, 事務局]\nobservers: 2\n" + extra))
    }

    func vote(_ id: String, _ caseID: String, _ tally: String) throws -> (present: Int, quorum: Int) {
        let path = try write("tally-\(caseID).yaml", tally)
        return try book.recordVote(id, caseID: caseID, tally: try YAMLLoader().loadFile(at: path), source: path, runner: runner)
    }

    func refusal(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no refusal"
    }

    func testTitlesCountMeetingsPerFiscalYear() throws {
        XCTAssertEqual(try meeting("a", "2022-05-09").title, "令和4年度第1回 目黒区情報公開・個人情報保護審議会")
        XCTAssertEqual(try meeting("b", "2022-06-27").title, "令和4年度第2回 目黒区情報公開・個人情報保護審議会")
        XCTAssertEqual(try meeting("c", "2023-04-10").title, "令和5年度第1回 目黒区情報公開・個人情報保護審議会")
        XCTAssertEqual(try meeting("d", "2019-06-01").title, "令和元年度第1回 目黒区情報公開・個人情報保護審議会")
        XCTAssertEqual(try book.all().map(\.id), ["d", "a", "b", "c"], "listed by date")
        XCTAssertEqual(refusal { try meeting("a", "2022-07-01") }, "meeting 'a' already exists; choose another id")
        XCTAssertTrue(refusal { try meeting("e", "2022-02-30") }.contains("is not a date"))
    }

    /// The vote takes `present` from the attendance at its item; a member who left before the
    /// item does not count; a tally giving another figure is refused naming both.
    func testPresentComesFromTheAttendanceAtTheItem() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("c1")
        try await consultation("c2")
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["c1", "c2"])
        try attend("m", extra: "departures: [{member: 委員18, time: '16:00', before: c2}]\n")
        let (_, m) = try book.load("m")
        XCTAssertEqual(m.present(at: 1).count, 18)
        XCTAssertEqual(m.present(at: 2).count, 17, "委員18 left before item 2")

        XCTAssertEqual(refusal { _ = try vote("m", "c2", "present: 18\nfor: 16\nagainst: 0\n") },
                       "the tally says 18 present, but the attendance of meeting 'm' has 17 members present at item 2 (c2); correct the tally or the attendance (or leave 'present' out: it is taken from the attendance)")
        XCTAssertEqual(try runner.store.load("c2").1.step("vote").records.count, 0, "nothing recorded")
        XCTAssertEqual(try vote("m", "c2", "for: 16\nagainst: 0\n").present, 17)
        let report = try await runner.run(caseID: "c2")
        XCTAssertEqual(report.status, .completed)
        let out = try runner.store.load("c2").1.step("vote").outputs
        XCTAssertEqual(out["present"], .int(17))
        XCTAssertEqual(out["meeting"], .string("m"))
        XCTAssertEqual(out["meeting_date"], .string("2022-06-27"))
    }

    /// A member who arrives late counts from the item they arrived before; the minutes list
    /// them among those present and record the movement.
    func testALateArrivalCountsFromTheirItem() async throws {
        try meeting("m", "2022-06-27")
        _ = try book.addToAgenda("m", kind: .other, text: "会長あいさつ")
        try await consultation("c1")
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["c1"])
        try attend("m", members: 10, extra: "arrivals: [{member: 委員15, time: '14:20', before: c1}]\n")
        let (_, m) = try book.load("m")
        XCTAssertEqual(m.present(at: 1).count, 10)
        XCTAssertEqual(m.present(at: 2), (1...10).map { String(format: "委員%02d", $0) } + ["委員15"], "roster order")
        XCTAssertEqual(try vote("m", "c1", "for: 8\nagainst: 2\n").present, 11, "the quorum of 11 is reached with the late arrival")
        XCTAssertEqual(m.attendance?.absent.count, 10)
        let draft = try book.draftMinutes("m").markdown
        XCTAssertTrue(draft.contains("委員15 午後２時２０分入室（議題２の前）"), draft)
    }

    /// A roll call is checked against those present at the item and its names go into the
    /// vote record (採決記録).
    func testRollCallNamesAreWrittenIntoTheVoteRecord() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("c")
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["c"])
        try attend("m", members: 12)
        let voters = (2...10).map { String(format: "委員%02d", $0) }
        XCTAssertTrue(refusal { _ = try vote("m", "c", "for: 9\nagainst: 1\nroll_call: {for: [\(voters.joined(separator: ", "))], against: [委員20]}\n") }
            .contains("'委員20' is in the roll call but was not present at this item of meeting 'm'"))
        _ = try vote("m", "c", "for: 9\nagainst: 1\nroll_call: {for: [\(voters.joined(separator: ", "))], against: [委員11]}\n")
        _ = try await runner.run(caseID: "c")
        let record = try String(contentsOf: runner.store.documents("c").appendingPathComponent("vote/採決記録.md"), encoding: .utf8)
        XCTAssertTrue(record.contains("- 賛成（9名）: \(voters.joined(separator: "、"))\n- 反対（1名）: 委員11\n- 棄権（0名）: なし"), record)
        XCTAssertTrue(record.contains("会議: m（令和4年6月27日）、議題1、出席委員12名"), record)
    }

    func testNoQuorumAtAnItemRefusesItsVote() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("c1")
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["c1"])
        let departures = (7...12).map { String(format: "{member: 委員%02d, before: 1}", $0) }.joined(separator: ", ")
        try attend("m", members: 12, extra: "departures: [\(departures)]\n")
        XCTAssertEqual(refusal { _ = try vote("m", "c1", "for: 4\nagainst: 1\n") },
                       "no quorum at item 1 (c1) of meeting 'm': 6 members present, but 11 must attend; the item cannot be voted on (defer it, 継続審議)")
    }

    /// A case deferred (継続審議) is decided at the later meeting, and its answer is dated there,
    /// whatever meeting_date the case was opened with.
    func testADeferredCaseIsDecidedAndDatedAtTheLaterMeeting() async throws {
        try meeting("first", "2024-09-12")
        try meeting("second", "2024-10-10")
        try await consultation("c", inputs: ["meeting_date": "2024-09-12", "consulted_on": "2024-09-01"])
        _ = try book.addToAgenda("first", kind: .consultation, cases: ["c"])
        XCTAssertEqual(refusal { _ = try book.addToAgenda("second", kind: .consultation, cases: ["c"]) },
                       "case 'c' is still on the agenda of meeting 'first', undecided; record its vote there, or defer it there (継続審議) before adding it here")
        XCTAssertTrue(refusal { _ = try book.close("first") }.hasPrefix("meeting 'first' cannot be closed: item 1 (c) has no decision"))
        _ = try book.deferItem("first", caseID: "c")
        _ = try book.close("first")
        _ = try book.addToAgenda("second", kind: .consultation, cases: ["c"])
        try attend("second")
        _ = try vote("second", "c", "for: 17\nagainst: 0\n")
        _ = try await runner.run(caseID: "c")
        let answer = try runner.store.load("c").1.step("answer").outputs
        XCTAssertEqual(answer["date"], .string("令和6年10月10日"))
        XCTAssertEqual(answer["number_label"], .string("令和6年度第1号"))
        XCTAssertEqual(try book.summary("first").items[0].outcome, "継続審議")
        XCTAssertEqual(try book.summary("second").items[0].outcome, "承認 令和6年度第1号")
    }

    func testAConsultationMadeAfterTheMeetingIsRefused() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("c", inputs: ["consulted_on": "2022-07-01"])
        XCTAssertEqual(refusal { _ = try book.addToAgenda("m", kind: .consultation, cases: ["c"]) },
                       "case 'c' was consulted on 2022-07-01 (諮問日), after the meeting of 2022-06-27; a meeting can only decide a consultation made on or before its date: correct the 諮問日 or choose a later meeting")
    }

    func testAttendanceErrorsNameTheirPlace() throws {
        try meeting("m", "2022-06-27")
        let path = try write("a.yaml", "members: [委員01, 委員1]\narrivals: [{member: 委員05, before: 4}]\nobserver: 2\n")
        XCTAssertThrowsError(try book.attend("m", file: path)) { error in
            XCTAssertEqual((error as? DiagnosticsError)?.diagnostics.map(\.description), [
                "\(path):1:17: error: '委員1' is not a member in the council profile; did you mean '委員01'?",
                "\(path):2:35: error: 'before: 4' is not an item of the agenda (positions 1-0, or a case id on it)",
                "\(path):3:1: error: unknown key 'observer' in the attendance; did you mean 'observers'?",
            ])
        }
        XCTAssertNil(try book.load("m").1.attendance, "nothing recorded")
    }

    /// Answer rules: the opening and 記 and the chair; retroactive dates not after the decision;
    /// a rejection's conditions left out (or stated as the council's opinion, by the roster).
    func testAnswerOpeningAndRejectedConditions() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("ok", inputs: ["consulted_on": "2022-06-01", "consultation_number": "目情マ第45号"])
        try await consultation("no")
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["ok", "no"])
        try attend("m")
        _ = try vote("m", "ok", "for: 17\nagainst: 0\n")
        _ = try vote("m", "no", "for: 3\nagainst: 14\n")
        _ = try await runner.run(caseID: "ok")
        _ = try await runner.run(caseID: "no")
        let ok = try String(contentsOf: runner.store.documents("ok").appendingPathComponent("answer/答申.md"), encoding: .utf8)
        XCTAssertTrue(ok.contains("令和4年6月1日付け目情マ第45号で諮問のあった子育て世帯生活支援特別給付金に係る事務の外部委託に伴う個人情報の取扱いについて、次のとおり答申する。\n\n記\n"), ok)
        XCTAssertTrue(ok.contains("目黒区情報公開・個人情報保護審議会\n会長 委員01\n"), ok)
        XCTAssertFalse(ok.contains("議決の規則"), "the internal rule line is not part of the answer")
        let no = try String(contentsOf: runner.store.documents("no").appendingPathComponent("answer/答申.md"), encoding: .utf8)
        XCTAssertTrue(no.contains("本件については、承認しない。"), no)
        XCTAssertFalse(no.contains("付帯意見"), no)
        XCTAssertFalse(no.contains("シリアル番号"), "conditions attach to an approval only:\n\(no)")
        XCTAssertEqual(try AnswerRegister(root: root).entries(fiscalYear: 2022).map(\.caseID), ["ok", "no"])
    }

    func testRetroactiveDatesAfterTheDecisionAreRefused() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("r", workflow: "retroactive-approval", item: "c4", inputs: ["effective_from": "2025-01-01"])
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["r"])
        try attend("m")
        _ = try vote("m", "r", "for: 16\nagainst: 1\n")
        let report = try await runner.run(caseID: "r")
        XCTAssertEqual(report.status, .failed)
        XCTAssertEqual(report.step, "draft-answer")
        XCTAssertTrue(report.lines.joined().contains("'effective_from' is 令和7年1月1日, after the decision of 令和4年6月27日"), report.lines.joined())
        XCTAssertTrue(try AnswerRegister(root: root).entries(fiscalYear: 2022).isEmpty, "no number taken")
    }

    /// The personal-data check runs on the unnumbered draft: a hit stops the case before a
    /// number is taken, so the series has no gap.
    func testAPersonalDataHitTakesNoNumber() async throws {
        try meeting("m", "2022-06-27")
        try await consultation("leak", inputs: ["background": "連絡先 03-1234-5678 まで"])
        try await consultation("fine")
        _ = try book.addToAgenda("m", kind: .consultation, cases: ["leak", "fine"])
        try attend("m")
        _ = try vote("m", "leak", "for: 17\nagainst: 0\n")
        _ = try vote("m", "fine", "for: 17\nagainst: 0\n")
        let leak = try await runner.run(caseID: "leak")
        XCTAssertEqual(leak.status, .failed)
        XCTAssertEqual(leak.step, "publish-check")
        _ = try await runner.run(caseID: "fine")
        XCTAssertEqual(try AnswerRegister(root: root).entries(fiscalYear: 2022).map { "\($0.number) \($0.caseID)" }, ["1 fine"])
    }

    func testTranscriptHeadingsMustNameAgendaItems() throws {
        try meeting("m", "2022-06-27")
        _ = try book.addToAgenda("m", kind: .other, text: "会長あいさつ")
        let path = try write("t.md", "前文\n## 1\n挨拶\n## 9\nx\n")
        XCTAssertThrowsError(try Transcript.load(path: path, meeting: try book.load("m").1)) { error in
            XCTAssertEqual((error as? DiagnosticsError)?.diagnostics.map(\.description),
                           ["\(path):4:4: error: '9' is not an item of the agenda: write '## N' (1-1) or '## CASE-ID'"])
        }
        let ok = try write("ok.md", "前文\n## 1\n挨拶\n")
        let t = try Transcript.load(path: ok, meeting: try book.load("m").1)
        XCTAssertEqual(t.general, "前文")
        XCTAssertEqual(t.parts[1], "挨拶")
    }
}
