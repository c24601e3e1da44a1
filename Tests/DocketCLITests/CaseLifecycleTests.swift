import DocketCore
import Foundation
import XCTest

/// new -> run -> waiting -> record -> run -> completed, through the binary, on the bundled example.
final class CaseLifecycleTests: XCTestCase {
    func testBundledExampleEndToEnd() throws {
        let ws = try Workspace()
        let cli = ws.cli
        var r = try cli("validate", "workflows/simple-consultation.yaml")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "ok workflows/simple-consultation.yaml\n")

        r = try cli("new", "simple-consultation", "--case", "2022-c1", "--inputs", "workflows/examples/simple/inputs.yaml",
                    "--input", "department=子育て支援課")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("opened case 2022-c1"), r.out)

        r = try cli("run", "2022-c1")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("step 'draft' (render) completed (1 document: draft/諮問文.md)"), r.out)
        XCTAssertTrue(r.out.contains("step 'review' is waiting"), r.out)
        XCTAssertTrue(r.out.contains("docket record 2022-c1 review --file FILE"), r.out)

        r = try cli("status", "2022-c1", "--json")
        XCTAssertEqual(r.status, 0, r.err)
        var status = try ws.json(r.out)
        XCTAssertEqual(status["case"] as? String, "2022-c1")
        XCTAssertEqual(status["workflow"] as? String, "simple-consultation")
        XCTAssertEqual(status["state"] as? String, "waiting")
        XCTAssertEqual(status["step"] as? String, "review")
        let steps = try XCTUnwrap(status["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["id"] as? String }, ["draft", "review", "answer"])
        XCTAssertEqual(steps.map { $0["state"] as? String }, ["completed", "waiting", "pending"])
        XCTAssertEqual((steps[0]["outputs"] as? [String: Any])?["document"] as? String, "draft/諮問文.md")

        let draft = try ws.read("cases/2022-c1/documents/draft/諮問文.md")
        XCTAssertTrue(draft.contains("所管課: 子育て支援課"), "--input overrides the inputs file:\n\(draft)")
        XCTAssertTrue(draft.contains("個人情報の保有期限: 2023-03-31"), draft)

        r = try cli("record", "2022-c1", "review", "--file", "workflows/examples/simple/review.yaml")
        XCTAssertEqual(r.status, 0, r.err)
        r = try cli("run", "2022-c1")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasSuffix("case 2022-c1 completed\n"), r.out)

        r = try cli("status", "2022-c1", "--json")
        status = try ws.json(r.out)
        XCTAssertEqual(status["state"] as? String, "completed")
        let answer = try ws.read("cases/2022-c1/documents/answer/答申.md")
        XCTAssertTrue(answer.contains("承認する。（賛成 15、反対 2）"), answer)
        XCTAssertTrue(answer.contains("- 消去は消去証明書（作業前後の画面の写しを含む）で確認すること"), answer)

        r = try cli("status")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.hasPrefix("CASE     WORKFLOW             STATE      STEP  SUBJECT                        WAITING SINCE  UPDATED (Asia/Tokyo)\n"
                                      + "2022-c1  simple-consultation  completed  -     内定者管理ツールの利用に伴う…  -              20"), r.out)
        XCTAssertTrue(r.out.hasSuffix("\n1 case: 1 completed\n"), r.out)

        // The journal records who did what, and every event chains to the one before.
        let journal = try sandboxJournal(ws, "2022-c1")
        XCTAssertEqual(journal.first?.by, "clerk")
        XCTAssertEqual(journal.map(\.type), [.created, .started, .completed, .started, .waiting, .recorded, .started, .completed,
                                             .started, .completed, .finished])
    }

    func sandboxJournal(_ ws: Workspace, _ id: String) throws -> [JournalEvent] {
        try CaseStore(root: ws.root).journal(id).read().events
    }

    func testNotApprovedSkipsTheAnswer() throws {
        let ws = try Workspace()
        let cli = ws.cli
        try cli("new", "simple-consultation", "--case", "c2", "--inputs", "workflows/examples/simple/inputs.yaml")
        try cli("run", "c2")
        let record = try ws.write("no.yaml", "approved: false\nfor: 2\nagainst: 15\n")
        XCTAssertEqual(try cli("record", "c2", "review", "--file", record).status, 0)
        let r = try cli("run", "c2")
        XCTAssertTrue(r.out.contains("step 'answer' skipped: its 'if' condition is false"), r.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/c2/documents/answer").path))
    }

    func testRootFromOptionAndEnvironment() throws {
        let ws = try Workspace()
        var cli = ws.cli
        let elsewhere = ws.root.appendingPathComponent("elsewhere").path
        XCTAssertEqual(try cli("init", elsewhere, "--council", "別の審議会", "--organization", "別市").status, 0)
        XCTAssertEqual(try cli("new", "workflows/simple-consultation.yaml", "--case", "a", "--inputs", "workflows/examples/simple/inputs.yaml", "--root", elsewhere).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere + "/cases/a/journal.jsonl"))
        cli.env["DOCKET_ROOT"] = elsewhere
        XCTAssertTrue(try cli("status").out.contains("a     simple-consultation  ready"))
        cli.env = [:]
        XCTAssertTrue(try cli("status").out.contains("no cases yet"))
    }

    func testRunAllMovesEveryCaseThatCan() throws {
        let ws = try Workspace()
        let cli = ws.cli
        for id in ["a", "b", "c"] {
            XCTAssertEqual(try cli("new", "simple-consultation", "--case", id, "--inputs", "workflows/examples/simple/inputs.yaml").status, 0)
        }
        var r = try cli("run", "--all")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out.components(separatedBy: "is waiting").count - 1, 3, r.out)
        XCTAssertTrue(r.out.hasSuffix("ran 3 of 3 cases\nwaiting: a (a record for step 'review'); b (a record for step 'review'); c (a record for step 'review')\n"), r.out)
        try cli("record", "b", "review", "--file", "workflows/examples/simple/review.yaml")
        r = try cli("run", "--all")
        XCTAssertTrue(r.out.contains("b: case b completed"), r.out)
        XCTAssertTrue(r.out.contains("ran 1 of 3 cases\nwaiting: a (a record for step 'review'); c"), "waiting cases without a record are left alone: \(r.out)")
        XCTAssertEqual(try cli("run", "b", "--all").status, 64, "a case id and --all together are refused")
    }

    func testHelpIsClerkReadable() throws {
        let ws = try Workspace(copyWorkflows: false)
        let r = try ws.cli("--help")
        for word in ["validate", "new", "run", "record", "status", "--root", "DOCKET_ROOT", "Exit codes"] {
            XCTAssertTrue(r.out.contains(word), "help mentions \(word):\n\(r.out)")
        }
        XCTAssertTrue(try ws.cli("new", "--help").out.contains("Example: docket new consultation --case 2022-c1"))
    }
}
