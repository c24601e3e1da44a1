import Foundation
import XCTest

/// `docket status`, `search` and `index` through the binary, as a clerk uses them.
final class IndexCLITests: XCTestCase {
    /// Two simple consultations: `a` decided (approved), `b` waiting for its review.
    func twoCases() throws -> Workspace {
        let ws = try Workspace()
        try ws.write("b.yaml", "department: 総務課\nsubject: 防犯カメラの映像の外部委託\ndate: 2023-04-10\n")
        for (id, inputs) in [("a", "workflows/examples/simple/inputs.yaml"), ("b", "b.yaml")] {
            XCTAssertEqual(try ws.cli("new", "simple-consultation", "--case", id, "--inputs", inputs).status, 0)
            XCTAssertEqual(try ws.cli("run", id).status, 0)
        }
        XCTAssertEqual(try ws.cli("record", "a", "review", "--file", "workflows/examples/simple/review.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "a").status, 0)
        return ws
    }

    func testStatusTableHasSubjectWaitingSinceFiltersAndCounts() throws {
        let ws = try twoCases()
        var r = try ws.cli("status")
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.out)
        XCTAssertTrue(lines[0].hasPrefix("CASE  WORKFLOW             STATE      STEP    SUBJECT"), r.out)
        XCTAssertTrue(lines[0].hasSuffix("WAITING SINCE     UPDATED (Asia/Tokyo)"), r.out)
        XCTAssertTrue(lines[1].hasPrefix("a     simple-consultation  completed  -       内定者管理ツールの利用に伴う…  -  "), r.out)
        XCTAssertTrue(lines[2].hasPrefix("b     simple-consultation  waiting    review  防犯カメラの映像の外部委託"), r.out)
        XCTAssertNotNil(lines[2].range(of: #"  20\d\d-\d\d-\d\d \d\d:\d\d  20\d\d-\d\d-\d\d \d\d:\d\d$"#, options: .regularExpression), lines[2])
        XCTAssertEqual(lines[3], "2 cases: 1 completed, 1 waiting")

        r = try ws.cli("status", "--state", "waiting")
        XCTAssertEqual(r.out.split(separator: "\n").dropFirst().first.map { String($0.prefix(2)) }, "b ", r.out)
        XCTAssertTrue(r.out.hasSuffix("1 case: 1 waiting\n"), r.out)
        r = try ws.cli("status", "--workflow", "nosuch")
        XCTAssertEqual(r.out, "no cases with workflow 'nosuch'\n")
        r = try ws.cli("status", "--time-zone", "UTC")
        XCTAssertTrue(r.out.hasPrefix("CASE") && r.out.contains("UPDATED (UTC)"), r.out)
        // Without --time-zone, docket.yaml's time zone.
        let config = try ws.read("docket.yaml")
        try ws.write("docket.yaml", config + "time-zone: Europe/Berlin\n")
        r = try ws.cli("status")
        XCTAssertTrue(r.out.contains("UPDATED (Europe/Berlin)"), r.out)
        try ws.write("docket.yaml", config)
        r = try ws.cli("status", "--time-zone", "Mars/Olympus")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("unknown time zone 'Mars/Olympus'"), r.err)

        // JSON keeps its fields, and adds subject and waiting_since.
        r = try ws.cli("status", "--json")
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(list.map { $0["case"] as? String }, ["a", "b"])
        for key in ["case", "workflow", "state", "created", "updated", "inputs", "steps", "subject"] {
            XCTAssertNotNil(list[1][key], key)
        }
        XCTAssertEqual(list[1]["step"] as? String, "review")
        XCTAssertNotNil(list[1]["waiting_since"] as? String)
        let steps = try XCTUnwrap(list[0]["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["id"] as? String }, ["draft", "review", "answer"])
        XCTAssertEqual(Set(steps[0].keys), ["id", "uses", "name", "state", "outputs", "documents", "attempts"])

        // The detail view: sizes readable, the zone named.
        r = try ws.cli("status", "a")
        XCTAssertTrue(r.out.contains("draft   render  completed  1      draft/諮問文.md ("), r.out)
        XCTAssertNotNil(r.out.range(of: #"\(\d+ B\)|\(\d\.\d KB\)"#, options: .regularExpression), r.out)
        XCTAssertTrue(r.out.contains("(Asia/Tokyo)"), r.out)
    }

    func testStatusTableAndJSONFromTheIndexAreWhatTheJournalsSay() throws {
        let ws = try twoCases()
        // Text a terminal must not obey, and wide and narrow characters in one cell.
        try ws.write("c.yaml", "department: 総務課\nsubject: \"端\\e赤\\u0085字…Ａabc\"\ndate: 2023-04-10\n")
        XCTAssertEqual(try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", "c.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "c").status, 0)
        let table = try ws.cli("status")
        XCTAssertEqual(table.status, 0, table.err)
        XCTAssertFalse(table.out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x85 }, table.out)
        let lines = table.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[3].hasPrefix("c     simple-consultation  waiting    review  端\\u{1B}赤\\u{85}字…Ａabc  "), lines[3])
        // Every row's WAITING SINCE starts in the same terminal column (wide characters count two).
        func width(_ s: Substring) -> Int {
            s.unicodeScalars.reduce(0) { n, u in n + ((0x2E80...0xA4CF).contains(u.value) || (0xFF00...0xFF60).contains(u.value) ? 2 : 1) }
        }
        let starts = lines[0..<4].map { line -> Int in
            let tail = line.range(of: #"(WAITING SINCE|-|20\d\d-\d\d-\d\d \d\d:\d\d)  +(UPDATED.*|20\d\d-\d\d-\d\d \d\d:\d\d)$"#, options: .regularExpression)
            return tail.map { width(line[..<$0.lowerBound]) } ?? -1
        }
        XCTAssertEqual(Set(starts).count, 1, "\(starts)\n\(table.out)")

        // The JSON list: each case as `status ID --json` prints it, in id order.
        let json = try ws.cli("status", "--json")
        XCTAssertEqual(json.status, 0, json.err)
        XCTAssertTrue(json.out.hasPrefix("[\n  {\n    \"case\" : \"a\","), json.out)
        XCTAssertTrue(json.out.hasSuffix("\n  }\n]\n"), json.out)
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [NSDictionary])
        for (i, id) in ["a", "b", "c"].enumerated() {
            XCTAssertEqual(list[i], try ws.json(try ws.cli("status", id, "--json").out) as NSDictionary, id)
        }
        XCTAssertEqual(try ws.cli("status", "--json", "--state", "failed").out, "[]\n")
        XCTAssertEqual(try ws.cli("status", "--json", "--state", "completed").out.components(separatedBy: "\"case\" :").count, 2)

        // Read from the journals (index damaged), both print the same bytes.
        let index = ws.root.appendingPathComponent("index.sqlite")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index.path + suffix) }
        try Data(repeating: 0x41, count: 4096).write(to: index)
        let fromJournals = try ws.cli("status", "--json")
        XCTAssertTrue(fromJournals.err.contains("reading the journals instead"), fromJournals.err)
        XCTAssertEqual(fromJournals.out, json.out)
        XCTAssertEqual(try ws.cli("status").out, table.out)
    }

    func testSearchFindsPrecedentsWithFiltersAndTakesHostileTextLiterally() throws {
        let ws = try twoCases()
        var r = try ws.cli("search", "内定者管理")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("a     draft/諮問文.md:3"), r.out)
        XCTAssertTrue(r.out.contains("件名: »内定者管理«ツールの利用に伴う個人情報の取扱いについて"), r.out)

        r = try ws.cli("search", "外部委託", "--json")
        let hits = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(Set(hits.compactMap { $0["case"] as? String }), ["b"])
        XCTAssertEqual(hits.first?["department"] as? String, "総務課")
        XCTAssertEqual(hits.first?["year"] as? Int, 2023)

        r = try ws.cli("search", "諮問文", "--decision", "承認")
        XCTAssertTrue(r.out.contains("\na     draft/諮問文.md:1  内定者管理ツールの利用…  # »諮問文«"), r.out)
        XCTAssertFalse(r.out.contains("\nb "), r.out)
        XCTAssertTrue(try ws.cli("search", "諮問文", "--year", "R4").out.contains("a     draft/"), "令和4年度 = 2022")
        XCTAssertEqual(try ws.cli("search", "諮問文", "--department", "総務課", "--state", "completed").out, "nothing found for '諮問文'\n")

        for hostile in ["'; DROP TABLE cases; --", "\" OR 1=1 --", "%", "_", String(repeating: "個人情報", count: 2_600)] {
            r = try ws.cli("search", hostile)
            XCTAssertEqual(r.status, 0, "\(hostile.prefix(20)): \(r.err)")
        }
        XCTAssertTrue(try ws.cli("search", "%").out.hasPrefix("nothing found for '%'"))
        XCTAssertEqual(try ws.cli("status", "--json").out.components(separatedBy: "\"case\" :").count - 1, 2, "nothing dropped")

        r = try ws.cli("search", "x", "--decision", "approved")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("--decision is 承認 or 不承認"), r.err)
        XCTAssertEqual(try ws.cli("search", " ").status, 64)
    }

    func testADamagedIndexIsReportedWithItsRebuildAndStatusStillAnswers() throws {
        let ws = try twoCases()
        let index = ws.root.appendingPathComponent("index.sqlite")
        XCTAssertEqual(try ws.cli("status").status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: index.path), "status made the index")
        XCTAssertEqual(try ws.cli("index", "check").out, "the index agrees with the journals of 2 cases\n")

        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index.path + suffix) }
        try Data(repeating: 0x41, count: 4096).write(to: index)
        var r = try ws.cli("status")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("the case index is damaged"), r.err)
        XCTAssertTrue(r.err.contains("(docket index rebuild); reading the journals instead"), r.err)
        XCTAssertTrue(r.out.hasSuffix("2 cases: 1 completed, 1 waiting\n"), r.out)
        r = try ws.cli("search", "外部委託")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("to rebuild it: docket index rebuild"), r.err)
        // A run still commits with the index damaged.
        XCTAssertEqual(try ws.cli("record", "b", "review", "--file", "workflows/examples/simple/review.yaml").status, 0)
        XCTAssertEqual(try ws.cli("run", "b").status, 0)

        r = try ws.cli("index", "rebuild")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "the index was made anew from the journals: 2 cases\n")
        XCTAssertTrue(try ws.cli("status").out.hasSuffix("2 cases: 2 completed\n"))
        XCTAssertEqual(try ws.cli("search", "外部委託", "--decision", "承認", "--json").status, 0)
    }
}
