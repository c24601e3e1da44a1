import Foundation
import XCTest

/// `docket demo` replays the meeting of 令和4年6月27日; each answer must match the meeting record.
final class MeetingDemoTests: XCTestCase {
    func testDemoReproducesTheMeeting() throws {
        let ws = try Workspace()
        let r = try ws.cli("demo", "--root", "out")
        XCTAssertEqual(r.status, 0, r.out + r.err)
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
            XCTAssertTrue(try ws.read("out/cases/\(id)/documents/report/報告記録.md").contains("採決は行わない"))
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

        let again = try ws.cli("demo", "--root", "out")
        XCTAssertEqual(again.status, 65, "the demo never overwrites cases")
        XCTAssertTrue(again.err.contains("is not empty"), again.err)
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
