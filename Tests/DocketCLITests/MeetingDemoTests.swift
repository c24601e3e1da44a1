import Foundation
import XCTest

/// `docket demo` replays the meeting of 令和4年6月27日; each answer must match the meeting record.
final class MeetingDemoTests: XCTestCase {
    func testDemoReproducesTheMeeting() throws {
        let ws = try Workspace()
        let r = try ws.cli("demo", "--root", "out")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("attendance: 18 of 21 members present; quorum 11 (met)"), r.out)
        let table = r.out.components(separatedBy: "\n").filter { $0.hasPrefix("諮問") || $0.hasPrefix("報告") }
        XCTAssertEqual(table.map { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(6).joined(separator: " ") }, [
            "諮問1 consultation 15 2 承認 令和4年度第1号",
            "諮問2 consultation 17 0 承認 令和4年度第2号",
            "諮問3 consultation 16 1 承認 令和4年度第3号",
            "諮問4 retroactive 16 1 承認 令和4年度第4号",
            "報告1 report – – 報告（了承） –",
            "報告2 incident – – 報告（了承） –",
        ])

        func answer(_ id: String) throws -> String { try ws.read("out/cases/\(id)/documents/answer/答申.md") }
        let expectations: [(String, String, [String])] = [
            ("r4-1-c1", "（採決: 賛成15名、反対2名）", ["件名に外部委託であることを明記すること", "消去前後の画面の写しを添付させること"]),
            ("r4-1-c2", "（採決: 賛成17名、反対0名、全員賛成）", ["シリアル番号を付し、委託事業者と区職員の二重の照合", "バーコード"]),
            ("r4-1-c3", "（採決: 賛成16名、反対1名）", ["消去前後の画面の写しを添付した消去証明書", "廃棄届"]),
            ("r4-1-c4", "（採決: 賛成16名、反対1名）", ["原則として持参"]),
        ]
        for (i, (id, tally, conditions)) in expectations.enumerated() {
            let text = try answer(id)
            XCTAssertTrue(text.hasPrefix("令和4年度第\(i + 1)号\n令和4年6月27日\n\n目黒区長 様"), text)
            XCTAssertTrue(text.contains(tally), "\(id): \(text)")
            for c in conditions { XCTAssertTrue(text.contains(c), "\(id) lacks condition \(c)") }
            // Conclusion, then conditions, then background and reasons.
            let order = ["## 結論", "## 付帯意見", "## 経緯及び理由"].map { text.range(of: $0)?.lowerBound }
            XCTAssertFalse(order.contains(nil), "\(id) has every section")
            XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted(), "\(id): sections in order")
            let html = try ws.read("out/cases/\(id)/documents/answer/答申.html")
            XCTAssertTrue(html.contains("<html lang=\"ja\">") && html.contains("@page { size: A4;"), "print-ready HTML")
            XCTAssertTrue(html.contains(tally), "\(id) HTML has the tally")
        }
        let retro = try answer("r4-1-c4")
        XCTAssertTrue(retro.contains("令和4年6月27日付けで事後承認し、令和2年12月1日に遡って効力を有するものとする。"), retro)
        XCTAssertTrue(retro.contains("本件の業務は令和2年12月1日に開始されたが"), retro)
        XCTAssertTrue(try answer("r4-1-c1").contains("本件について、承認する。"))

        for id in ["r4-1-r1", "r4-1-r2"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("out/cases/\(id)/documents/answer").path), "a report has no answer")
            let record = try ws.read("out/cases/\(id)/documents/report/報告記録.md")
            XCTAssertTrue(record.contains("採決は行わない"), record)
            XCTAssertTrue(record.contains("報告日: 令和4年6月27日") && record.contains("会議: 2022-1（令和4年6月27日）"), "acknowledged at the meeting: \(record)")
        }

        let csv = try ws.cli("votes", "--csv", "--root", "out")
        XCTAssertEqual(csv.status, 0, csv.err)
        let rows = csv.out.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(rows.count, 6, "a header, item 1's two counts, items 2-4: \(rows)")
        XCTAssertEqual(rows[0], "case,item,step,tally,date,present,for,against,abstain,recused,casting_vote,recount_called,rule,decision")
        XCTAssertTrue(rows[1].hasPrefix("r4-1-c1,内定者管理ツールの利用に伴う個人情報の取扱いについて,vote,1,2022-06-27,18,15,2,0,0,,true,"), rows[1])
        XCTAssertTrue(rows[1].hasSuffix(",recount called"))
        XCTAssertTrue(rows[2].hasPrefix("r4-1-c1,内定者管理ツールの利用に伴う個人情報の取扱いについて,vote,2,2022-06-27,18,15,2,"), rows[2])
        XCTAssertTrue(rows[2].hasSuffix(",承認"))
        XCTAssertTrue(rows[3].contains(",18,17,0,0,0,,false,"), rows[3])

        // The meeting itself, through the meeting commands.
        let show = try ws.cli("meeting", "show", "2022-1", "--json", "--root", "out")
        XCTAssertEqual(show.status, 0, show.err)
        let meeting = try ws.json(show.out)
        XCTAssertEqual(meeting["present_at_opening"] as? Int, 18)
        XCTAssertEqual(meeting["quorum"] as? Int, 11)
        XCTAssertEqual(meeting["closed"] as? Bool, true)
        let items = try XCTUnwrap(meeting["items"] as? [[String: Any]])
        XCTAssertEqual(items.compactMap { $0["case"] as? String }, ["r4-1-c1", "r4-1-c2", "r4-1-c3", "r4-1-c4", "r4-1-r1", "r4-1-r2"])
        XCTAssertEqual(items.compactMap { $0["outcome"] as? String }.prefix(4), ["承認 令和4年度第1号", "承認 令和4年度第2号", "承認 令和4年度第3号", "承認 令和4年度第4号"])
        XCTAssertTrue(r.out.contains("archive: out/archives/meetings/2022-1.zip"), r.out)
        XCTAssertEqual(try ws.cli("verify", "out/archives/meetings/2022-1.zip").status, 0, "the meeting's archive verifies as a case's does")

        let again = try ws.cli("demo", "--root", "out")
        XCTAssertEqual(again.status, 65, "the demo never overwrites cases")
        XCTAssertTrue(again.err.contains("is not empty"), again.err)
    }

    /// The demo's minutes against the seed (the meeting's real 会議録, read in place from
    /// ../shared/domain, never copied into the project): the header, the
    /// attendance figures and every item's result, in the seed's full-width style.
    func testTheDemosMinutesMatchTheSeed() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("demo", "--root", "out").status, 0)
        let minutes = try ws.read("out/meetings/2022-1/documents/minutes/会議録.md")
        let seed = try String(contentsOf: CLI.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/domain/minutes-2022-1.txt"), encoding: .utf8)
        let seedLines = seed.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let ours = minutes.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        func seedField(_ label: String) -> String { seedLines[seedLines.firstIndex(of: label)! + 1] }
        func ourField(_ label: String) -> String { ours[ours.firstIndex(of: "## \(label)")! + 1] }
        for label in ["名称", "日時", "会場", "傍聴者"] {
            XCTAssertEqual(ourField(label), seedField(label), label)
        }
        // 委員 by name: as many as the seed names; 区側 by title: the seed's list.
        let seedMembers = seedLines[seedLines.firstIndex(of: "出席者")! + 1] + seedLines[seedLines.firstIndex(of: "出席者")! + 2]
        let ourMembers = ourField("出席者")
        XCTAssertEqual(ourMembers.split(separator: "、").count, seedMembers.split(separator: "、").filter { !$0.isEmpty }.count, "18 members")
        let seedStaff = seedLines[seedLines.firstIndex(where: { $0.hasPrefix("（区側）") })!] + seedLines[seedLines.firstIndex(where: { $0.hasPrefix("（区側）") })! + 1]
        XCTAssertEqual(ours.first { $0.hasPrefix("（区側）") }, seedStaff)
        XCTAssertTrue(minutes.contains("委員２１名中１８名出席（定足数１１名）"), minutes)
        // 会議次第: the seed's sections in its order.
        for heading in ["１ 区からの委嘱及び事務局職員等の紹介", "２ 会長あいさつ", "３ 諮問事項", "４ 報告事項", "５ その他"] {
            XCTAssertTrue(ours.contains(heading), heading)
        }
        // Each consultation's result as the secretariat announced it (区側 賛成N名、反対M名).
        let announced = seedLines.filter { $0.hasPrefix("区側") }.compactMap { line -> String? in
            guard let r = line.range(of: #"賛成[０-９]+名、反対[０-９]+名"#, options: .regularExpression) else { return nil }
            return String(line[r])
        }
        XCTAssertEqual(announced, ["賛成１５名、反対２名", "賛成１７名、反対０名", "賛成１６名、反対１名", "賛成１６名、反対１名"])
        let decided = ours.enumerated().filter { $0.element.hasPrefix("結果: 承認") }.map { ours[$0.offset - 1] }
        XCTAssertEqual(decided.map { $0.replacingOccurrences(of: #"^- (２回目: )?"#, with: "", options: .regularExpression) }, announced)
        XCTAssertTrue(minutes.contains("- １回目: 賛成１５名、反対２名（会長が再度の採決を求めた）\n- ２回目: 賛成１５名、反対２名"), "the recount")
        XCTAssertEqual(ours.filter { $0.hasPrefix("結果: 承認") }.count, 4)
        XCTAssertEqual(ours.filter { $0 == "結果: 報告を受けた（了承）。採決は行わない。" }.count, 2)
        XCTAssertTrue(minutes.contains("結果: 承認　答申番号 令和４年度第１号"))
        // The transcript merged under its item.
        let c1 = try XCTUnwrap(minutes.range(of: "### （１）内定者管理ツール"))
        let c2 = try XCTUnwrap(minutes.range(of: "### （２）"))
        XCTAssertTrue(minutes[c1.upperBound..<c2.lowerBound].contains("区から説明をお願いいたします。"))
        let html = try ws.read("out/meetings/2022-1/documents/minutes/会議録.html")
        XCTAssertTrue(html.contains("<tr><th>名称</th><td>令和４年度第１回 情報公開・個人情報保護審議会</td></tr>") && html.contains("@page { size: A4;"), "print-ready HTML")
    }

    /// A meeting script with a typo is refused at its place, before anything is created.
    func testABadMeetingScriptIsRefusedAtItsPlace() throws {
        let ws = try Workspace()
        try ws.write("bad.yaml", "meeting: m\ntitle: t\ndate: 2022-06-27\ntime: \"14:00\"\nplace: p\nattendance: a.yaml\nitems: []\nclosng: [x]\n")
        let r = try ws.cli("demo", "--root", "out", "--meeting", "bad.yaml")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("bad.yaml:8:1: error: unknown key 'closng' in the meeting; did you mean 'closing'?"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("out").path), "nothing created")
    }

    func testEveryBundledWorkflowValidates() throws {
        let ws = try Workspace()
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.root.appendingPathComponent("workflows").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "workflows/\($0)" }
        XCTAssertGreaterThanOrEqual(files.count, 6)
        let r = try ws.cli.run(["validate"] + files)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, files.map { "ok \($0)\n" }.joined())
    }
}
