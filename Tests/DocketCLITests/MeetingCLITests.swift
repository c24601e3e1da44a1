import Foundation
import XCTest

/// The meeting commands end to end: what a clerk types, what they read, the exit codes.
final class MeetingCLITests: XCTestCase {
    let example = "workflows/examples/meeting-2022-06-27"

    /// A workspace with meeting m (2022-06-27) and case c (the seed's item 2) run to its vote.
    func workspace() throws -> Workspace {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("new", "consultation", "--case", "c", "--inputs", "\(example)/c2/inputs.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "c").status, 0)
        XCTAssertEqual(try ws.cli("record", "c", "review", "--file", "\(example)/c2/review.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "c").status, 0)
        let made = try ws.cli("meeting", "new", "m", "--date", "2022-06-27", "--time", "14:00-17:30")
        XCTAssertEqual(made.status, 0, made.err)
        XCTAssertTrue(made.out.hasPrefix("opened meeting m: 令和4年度第1回 テスト審査会 (令和4年6月27日)"), "the title names the workspace's council (docket.yaml): \(made.out)")
        return ws
    }

    func testAMeetingFromAgendaToClosing() throws {
        let ws = try workspace()
        XCTAssertEqual(try ws.cli("meeting", "agenda", "m", "other", "会長あいさつ").status, 0)
        let agenda = try ws.cli("meeting", "agenda", "m", "add", "c")
        XCTAssertEqual(agenda.status, 0, agenda.err)
        XCTAssertTrue(agenda.out.contains("2  consultation  c 子育て世帯生活支援特別給付金"), agenda.out)

        let noAttendance = try ws.cli("meeting", "vote", "m", "c", "--file", "\(example)/c2/tally.yaml")
        XCTAssertEqual(noAttendance.status, 73)
        XCTAssertEqual(noAttendance.err, "docket: meeting 'm' has no attendance recorded yet; record who attended first\n")

        try ws.write("attendance.yaml", "members: [委員01, 委員02, 委員03, 委員04, 委員05, 委員06, 委員07, 委員08, 委員09, 委員10, 委員11, 委員12]\n"
                     + "departures: [{member: 委員12, time: '15:10', before: c}]\nstaff: [子育て支援課長, 事務局]\nobservers: 1\n")
        let attend = try ws.cli("meeting", "attend", "m", "--file", "attendance.yaml")
        XCTAssertEqual(attend.status, 0, attend.err)
        XCTAssertEqual(attend.out, "meeting m: 12 of 21 members present at the opening; quorum 11: met (定足数を満たしている)\n")

        // A tally typed in by hand for a case on the agenda would bypass the attendance.
        let byHand = try ws.cli("record", "c", "vote", "--file", "\(example)/c2/tally.yaml")
        XCTAssertEqual(byHand.status, 65)
        XCTAssertTrue(byHand.err.contains("case 'c' is on the agenda of meeting 'm': record its tally at the meeting, which takes 'present' from the attendance"), byHand.err)
        // The tally says 18 present (as the seed's file does); 11 were there at the item.
        let contradicted = try ws.cli("meeting", "vote", "m", "c", "--file", "\(example)/c2/tally.yaml")
        XCTAssertEqual(contradicted.status, 65)
        XCTAssertEqual(contradicted.err, "docket: the tally says 18 present, but the attendance of meeting 'm' has 11 members present at item 2 (c); correct the tally or the attendance (or leave 'present' out: it is taken from the attendance)\n")
        let closing = try ws.cli("meeting", "close", "m")
        XCTAssertEqual(closing.status, 73)
        XCTAssertEqual(closing.err, "docket: meeting 'm' cannot be closed: item 2 (c) has no decision; record the vote, or defer (継続審議) to a later meeting\n")

        try ws.write("tally.yaml", "for: 9\nagainst: 1\n")
        let voted = try ws.cli("meeting", "vote", "m", "c", "--file", "tally.yaml")
        XCTAssertEqual(voted.status, 0, voted.err)
        XCTAssertEqual(voted.out, "recorded the tally for case c at meeting m: 11 members present at the item (quorum 11)\nnext: docket run c (or give --run to decide it in one step)\n")
        XCTAssertEqual(try ws.cli("run", "c").status, 0)

        let show = try ws.cli("meeting", "show", "m")
        XCTAssertEqual(show.status, 0, show.err)
        XCTAssertTrue(show.out.contains("present: 12 of 21 (quorum 11: met)"), show.out)
        XCTAssertTrue(show.out.contains("11       承認 令和4年度第1号"), show.out)
        XCTAssertEqual(try ws.cli("meeting", "close", "m").status, 0)
        let late = try ws.cli("meeting", "agenda", "m", "other", "その他")
        XCTAssertEqual(late.status, 73)
        XCTAssertTrue(late.err.contains("meeting 'm' is closed"), late.err)

        let list = try ws.cli("meetings", "--json")
        XCTAssertEqual(list.status, 0, list.err)
        let meetings = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(meetings.map { $0["id"] as? String }, ["m"])
        XCTAssertEqual(meetings.first?["closed"] as? Bool, true)

        let answers = try ws.cli("answers", "--csv")
        XCTAssertEqual(answers.status, 0, answers.err)
        XCTAssertEqual(answers.out, "number,date,case,subject,department,decision,state\r\n"
                       + "令和4年度第1号,2022-06-27,c,子育て世帯生活支援特別給付金に係る事務の外部委託に伴う個人情報の取扱いについて,子育て支援課,承認,issued\r\n")
        XCTAssertEqual(try ws.cli("answers", "--year", "2023").out, "no answers issued in fiscal year 2023\n")

        // The answer withdrawn after issue (取下げ): it keeps its number, marked so; reopening
        // the case gives it back its state, and the number is never given out again.
        let withdrawn = try ws.cli("withdraw", "c", "--reason", "所管課から取下げの申出")
        XCTAssertEqual(withdrawn.status, 0, withdrawn.err)
        XCTAssertEqual(try ws.json(try ws.cli("status", "c", "--json").out)["state"] as? String, "withdrawn")
        XCTAssertTrue(try ws.cli("answers", "--csv").out.hasSuffix(",承認,withdrawn\r\n"))
        let rerun = try ws.cli("rerun", "c", "answer", "--reason", "再発行")
        XCTAssertEqual(rerun.status, 73, "a withdrawn case does not run: \(rerun.err)")
        XCTAssertEqual(try ws.cli("reopen", "c", "--reason", "取下げの撤回").status, 0)
        XCTAssertEqual(try ws.json(try ws.cli("status", "c", "--json").out)["state"] as? String, "completed")
        XCTAssertTrue(try ws.cli("answers", "--csv").out.hasSuffix(",承認,issued\r\n"))

        // The register's states come from the case index; with the index damaged, from the
        // journals, the same answer and a warning.
        let register = try ws.cli("answers")
        XCTAssertEqual(register.status, 0, register.err)
        XCTAssertEqual(register.err, "")
        let index = ws.root.appendingPathComponent("index.sqlite")
        XCTAssertTrue(FileManager.default.fileExists(atPath: index.path))
        XCTAssertEqual(try ws.cli("withdraw", "c", "--reason", "再度の取下げ").status, 0)
        let withIndex = try ws.cli("answers")
        XCTAssertTrue(withIndex.out.contains("承認      withdrawn"), withIndex.out)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index.path + suffix) }
        try Data(repeating: 0x41, count: 4096).write(to: index)
        let fromJournals = try ws.cli("answers")
        XCTAssertEqual(fromJournals.status, 0, fromJournals.err)
        XCTAssertEqual(fromJournals.out, withIndex.out)
        XCTAssertTrue(fromJournals.err.contains("reading the journals instead"), fromJournals.err)
        XCTAssertEqual(try ws.cli("index", "rebuild").status, 0)

        // The meeting is searched with the cases, and named as a meeting.
        let found = try ws.cli("search", "会長あいさつ")
        XCTAssertEqual(found.status, 0, found.err)
        XCTAssertTrue(found.out.contains("meeting m  records/agenda/2:"), found.out)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try ws.cli("search", "会長あいさつ", "--json").out.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.first?["meeting"] as? String, "m")
        XCTAssertEqual(json.first?["case"] as? String, "")
        XCTAssertEqual(json.first?["state"] as? String, "closed")
        XCTAssertEqual(try ws.cli("search", "会長あいさつ", "--department", "子育て支援課").out, "nothing found for '会長あいさつ'\n")
    }

    func testUsageAndUnknownMeetings() throws {
        let ws = try workspace()
        let unknown = try ws.cli("meeting", "show", "mx")
        XCTAssertEqual(unknown.status, 66)
        XCTAssertEqual(unknown.err, "docket: there is no meeting 'mx'; did you mean 'm'?\n")
        XCTAssertEqual(try ws.cli("meeting", "close", "zzz").err, "docket: there is no meeting 'zzz'; meetings: m\n")
        let action = try ws.cli("meeting", "agenda", "m", "ad", "c")
        XCTAssertEqual(action.status, 64)
        XCTAssertTrue(action.err.contains("'ad' is not an agenda action: use add, report, other or defer (did you mean 'add'?)"), action.err)
        let noCase = try ws.cli("meeting", "agenda", "m", "add", "x")
        XCTAssertEqual(noCase.status, 66)
        let date = try ws.cli("meeting", "new", "z", "--date", "2022-13-01")
        XCTAssertEqual(date.status, 65)
        XCTAssertEqual(date.err, "docket: the meeting date '2022-13-01' is not a date; write it as YYYY-MM-DD, e.g. 2022-06-27\n")
    }

    /// Minutes are published only when the personal-data check finds nothing; a hit names the
    /// line and keeps the draft, and nothing is archived.
    func testAPersonalDataHitBlocksTheMinutes() throws {
        let ws = try workspace()
        XCTAssertEqual(try ws.cli("meeting", "agenda", "m", "other", "会長あいさつ").status, 0)
        try ws.write("attendance.yaml", "members: [委員01, 委員02, 委員03, 委員04, 委員05, 委員06, 委員07, 委員08, 委員09, 委員10, 委員11]\n")
        XCTAssertEqual(try ws.cli("meeting", "attend", "m", "--file", "attendance.yaml").status, 0)
        let open = try ws.cli("minutes", "m")
        XCTAssertEqual(open.status, 65)
        XCTAssertTrue(open.err.contains("meeting 'm' is still open"), open.err)
        XCTAssertEqual(try ws.cli("meeting", "close", "m").status, 0)
        try ws.write("transcript.md", "## 1\n会長　連絡先は 03-1234-5678 です。\n")
        let blocked = try ws.cli("minutes", "m", "--transcript", "transcript.md")
        XCTAssertEqual(blocked.status, 1)
        XCTAssertTrue(blocked.err.contains("minutes/会議録.md:"), blocked.err)
        XCTAssertTrue(blocked.err.contains("phone"), blocked.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("archives/meetings/m.zip").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("meetings/m/.staging/minutes/会議録.md").path), "the draft is kept")

        let draft = try ws.cli("minutes", "m", "--draft")
        XCTAssertEqual(draft.status, 0)
        XCTAssertTrue(draft.out.hasPrefix("# 会議録\n\n## 名称\n\n令和４年度第１回 テスト審査会\n"), draft.out)
        let published = try ws.cli("minutes", "m")
        XCTAssertEqual(published.status, 0, published.err)
        XCTAssertTrue(published.out.contains("archived meeting m to"), published.out)
        XCTAssertEqual(try ws.cli("verify", "archives/meetings/m.zip").status, 0)
    }

    /// The case: sent back on 2024-09-12, decided on 2024-10-10 → answered 令和6年10月10日,
    /// and `docket votes` dates the tally there, whatever `docket new` was given.
    func testTheAnswerIsDatedByTheMeetingThatDecidedIt() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("new", "consultation", "--case", "c", "--inputs", "\(example)/c2/inputs.yaml",
                                  "--input", "meeting_date=2024-09-12", "--input", "consulted_on=2024-09-01").status, 0)
        XCTAssertEqual(try ws.cli("run", "c").status, 0)
        XCTAssertEqual(try ws.cli("record", "c", "review", "--file", "\(example)/c2/review.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "c").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "new", "oct", "--date", "2024-10-10").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "agenda", "oct", "add", "c").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "attend", "oct", "--file", "\(example)/attendance.yaml").status, 0)
        try ws.write("tally.yaml", "for: 17\nagainst: 0\n")
        // Recorded and decided in one command, as the board's vote form does.
        let decided = try ws.cli("meeting", "vote", "oct", "c", "--file", "tally.yaml", "--run")
        XCTAssertEqual(decided.status, 0, decided.err)
        XCTAssertTrue(decided.out.hasPrefix("recorded the tally for case c at meeting oct: 18 members present at the item"), decided.out)
        XCTAssertTrue(decided.out.contains("step 'answer' (issue-answer) completed"), decided.out)
        let answer = try ws.read("cases/c/documents/answer/答申.md")
        XCTAssertTrue(answer.hasPrefix("令和6年度第1号\n令和6年10月10日\n"), answer)
        let votes = try ws.cli("votes", "--csv")
        XCTAssertTrue(votes.out.contains(",vote,1,2024-10-10,18,17,0,"), votes.out)
    }

    /// A report item (報告事項) is acknowledged at the meeting, which dates it: the case says it is
    /// for 2022-06-27, the meeting that receives it sits on 2022-07-11. A hand-typed
    /// acknowledgement is refused while the report is on an open meeting's agenda.
    func testAReportIsAcknowledgedAtTheMeetingAndDatedByIt() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("new", "report", "--case", "r", "--inputs", "\(example)/r1/inputs.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "r").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "new", "jul", "--date", "2022-07-11").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "agenda", "jul", "other", "会長あいさつ").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "agenda", "jul", "report", "r").status, 0)

        try ws.write("ack.yaml", "acknowledged: true\nreceived_on: 2022-06-27\n")
        let byHand = try ws.cli("record", "r", "report", "--file", "ack.yaml")
        XCTAssertEqual(byHand.status, 65)
        XCTAssertTrue(byHand.err.contains("case 'r' is a report item on the agenda of meeting 'jul': record its acknowledgement at the meeting, which dates it"), byHand.err)
        let typedDate = try ws.cli("meeting", "acknowledge", "jul", "r", "--file", "ack.yaml")
        XCTAssertEqual(typedDate.status, 65)
        XCTAssertTrue(typedDate.err.contains("ack.yaml:2:"), typedDate.err)
        XCTAssertTrue(typedDate.err.contains("'received_on' is filled in from the meeting's record; leave it out"), typedDate.err)
        let notAReport = try ws.cli("meeting", "acknowledge", "jul", "x")
        XCTAssertEqual(notAReport.status, 66)
        XCTAssertEqual(notAReport.err, "docket: case 'x' is not on the agenda of meeting 'jul' (agenda: r); add it to the agenda first\n")
        let both = try ws.cli("meeting", "acknowledge", "jul", "r", "--file", "ack.yaml", "--remarks", "x")
        XCTAssertEqual(both.status, 64)
        XCTAssertFalse(try ws.read("cases/r/journal.jsonl").contains("received_on"), "nothing refused was recorded")

        let ack = try ws.cli("meeting", "acknowledge", "jul", "r", "--remarks", "次回、意見を述べること。", "--remarks", "小委員会の検討を続けること。")
        XCTAssertEqual(ack.status, 0, ack.err)
        XCTAssertEqual(ack.out, "recorded the acknowledgement of report r at meeting jul\nnext: docket run r\n")
        XCTAssertEqual(try ws.cli("run", "r").status, 0)
        let record = try ws.read("cases/r/documents/report/報告記録.md")
        XCTAssertTrue(record.contains("報告を受けた（了承）。"), record)
        XCTAssertTrue(record.contains("報告日: 令和4年7月11日"), "dated by the meeting, not the case's 2022-06-27: \(record)")
        XCTAssertTrue(record.contains("- 小委員会の検討を続けること。"), record)
        let again = try ws.cli("record", "r", "report", "--file", "ack.yaml")
        XCTAssertNotEqual(again.status, 0, "a completed report takes no further record")

        let show = try ws.cli("meeting", "show", "jul", "--json")
        let items = try XCTUnwrap(try ws.json(show.out)["items"] as? [[String: Any]])
        XCTAssertEqual(items.last?["outcome"] as? String, "報告（了承）")
        XCTAssertEqual(try ws.cli("meeting", "close", "jul").status, 0)
        let minutes = try ws.cli("minutes", "jul", "--draft")
        XCTAssertEqual(minutes.status, 0, minutes.err)
        XCTAssertTrue(minutes.out.contains("## ２ 報告事項\n\n### （１）これからの目黒区の個人情報保護制度のあり方について\n\n所管課: 行政情報マネジメント課\n\n"
                                           + "委員の意見:\n\n- 次回、意見を述べること。\n- 小委員会の検討を続けること。\n\n結果: 報告を受けた（了承）。採決は行わない。\n"), minutes.out)
    }

    /// A report left unacknowledged shows so in the minutes; another meeting's acknowledgement
    /// is not this meeting's.
    func testTheMinutesSayWhenAReportWasNotAcknowledged() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("new", "report", "--case", "r", "--inputs", "\(example)/r1/inputs.yaml").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "new", "jul", "--date", "2022-07-11").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "agenda", "jul", "report", "r").status, 0)
        XCTAssertEqual(try ws.cli("meeting", "close", "jul").status, 0)
        let minutes = try ws.cli("minutes", "jul", "--draft")
        XCTAssertEqual(minutes.status, 0, minutes.err)
        XCTAssertTrue(minutes.out.contains("結果: 了承の記録なし。"), minutes.out)
        let closed = try ws.cli("meeting", "acknowledge", "jul", "r")
        XCTAssertEqual(closed.status, 73)
        XCTAssertTrue(closed.err.contains("meeting 'jul' is closed"), closed.err)
    }
}
