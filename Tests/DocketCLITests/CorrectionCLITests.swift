import Foundation
import XCTest

/// Correcting a case: rerun, amend, record --replace, withdraw, reopen; the states they leave.
final class CorrectionCLITests: XCTestCase {
    let inputs = "workflows/examples/simple/inputs.yaml"
    let review = "workflows/examples/simple/review.yaml"

    func state(_ ws: Workspace, _ id: String) throws -> [String: Any] {
        try ws.json(try ws.cli("status", id, "--json").out)
    }

    func stepState(_ ws: Workspace, _ id: String, _ step: String) throws -> [String: Any] {
        let steps = try XCTUnwrap(try state(ws, id)["steps"] as? [[String: Any]])
        return try XCTUnwrap(steps.first { $0["id"] as? String == step })
    }

    func journalTypes(_ ws: Workspace, _ id: String) throws -> [String] {
        try ws.read("cases/\(id)/journal.jsonl").split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["type"] as! String
        }
    }

    func testStatesSayWhatTheyMeanAndAttemptsCountRuns() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs).status, 0)
        XCTAssertEqual(try state(ws, "a")["state"] as? String, "ready", "opened, never run")
        try ws.cli("run", "a")
        XCTAssertEqual(try state(ws, "a")["state"] as? String, "waiting")
        try ws.cli("record", "a", "review", "--file", review)
        XCTAssertEqual(try stepState(ws, "a", "review")["state"] as? String, "recorded", "the record waits to be used")
        XCTAssertEqual(try state(ws, "a")["state"] as? String, "running")
        XCTAssertEqual(try ws.cli("run", "a").status, 0)
        XCTAssertEqual(try stepState(ws, "a", "review")["attempts"] as? Int, 1, "waiting and going on is one run")
    }

    func testRecordReplaceBeforeItIsUsed() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs)
        try ws.cli("run", "a")
        XCTAssertEqual(try ws.cli("record", "a", "review", "--file", review).status, 0)
        var r = try ws.cli("record", "a", "review", "--file", review)
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("already has a record waiting to be used by the next run; replace it (giving a reason)"), r.err)
        XCTAssertEqual(try ws.cli("record", "a", "review", "--file", review, "--replace").status, 64, "--replace needs --reason")
        try ws.write("fixed.yaml", "approved: false\nfor: 3\nagainst: 12\n")
        r = try ws.cli("record", "a", "review", "--file", "fixed.yaml", "--replace", "--reason", "counted the wrong sheet")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("replaced the record for step 'review'"), r.out)
        r = try ws.cli("run", "a")
        XCTAssertTrue(r.out.contains("step 'answer' skipped"), "the replacement is what the run used: \(r.out)")
        let journal = try ws.read("cases/a/journal.jsonl")
        XCTAssertTrue(journal.contains("\"message\":\"counted the wrong sheet\"") && journal.contains("\"replaces\":true"), journal)
        r = try ws.cli("record", "a", "review", "--file", "fixed.yaml", "--replace", "--reason", "again")
        XCTAssertEqual(r.status, 73, "a used record is not replaced: \(r.err)")
    }

    func testWithdrawAndReopen() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs)
        try ws.cli("run", "a")
        XCTAssertEqual(try ws.cli("withdraw", "a").status, 64, "a reason is required")
        var r = try ws.cli("withdraw", "a", "--reason", "所管課が取り下げた")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("next: docket archive a"), r.out)
        XCTAssertEqual(try state(ws, "a")["state"] as? String, "withdrawn")
        r = try ws.cli("run", "a")
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("it was withdrawn (所管課が取り下げた); reopen it first"), r.err)
        XCTAssertEqual(try ws.cli("record", "a", "review", "--file", review).status, 73)
        XCTAssertEqual(try ws.cli("withdraw", "a", "--reason", "x").status, 73, "withdrawn already")
        // Archivable as it stands, without --partial.
        r = try ws.cli("archive", "a")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try ws.cli("run", "--all").status, 0, "a withdrawn case is left alone")

        r = try ws.cli("reopen", "a", "--reason", "再提出")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try state(ws, "a")["state"] as? String, "waiting")
        XCTAssertEqual(try ws.cli("reopen", "a", "--reason", "x").status, 73, "only withdrawn or failed cases reopen")
        XCTAssertEqual(try journalTypes(ws, "a").suffix(3), ["withdrawn", "archived", "reopened"])
        let last = try ws.read("cases/a/journal.jsonl").split(separator: "\n").last!
        XCTAssertTrue(last.contains("\"by\":\"clerk\"") && last.contains("再提出"), String(last))

        try ws.cli("record", "a", "review", "--file", review)
        XCTAssertEqual(try ws.cli("run", "a").status, 0)
        // A completed case can be withdrawn too (its answer withdrawn after issue), and then
        // refuses what a withdrawn case refuses.
        r = try ws.cli("withdraw", "a", "--reason", "答申後の取下げ")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try state(ws, "a")["state"] as? String, "withdrawn")
        r = try ws.cli("rerun", "a", "review", "--reason", "x")
        XCTAssertEqual(r.status, 73)
        XCTAssertTrue(r.err.contains("it was withdrawn (答申後の取下げ); reopen it first"), r.err)
    }

    func testAmendThenRerunAsANewRound() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs)
        try ws.cli("run", "a")
        var r = try ws.cli("amend", "a", "--input", "department=総務課", "--reason", "所管課の誤記")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("amended input 'department' of case a: 人事課 -> 総務課"), r.out)
        XCTAssertTrue(r.out.contains("steps completed before keep their results: draft; to redo them with the new inputs: docket rerun a draft --reason TEXT"), r.out)
        XCTAssertFalse(try ws.read("cases/a/documents/draft/諮問文.md").contains("総務課"), "the completed draft is not silently changed")
        r = try ws.cli("amend", "a", "--input", "departmnt=x", "--reason", "y")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("has no input 'departmnt'; did you mean 'department'?"), r.err)
        XCTAssertEqual(try ws.cli("amend", "a", "--input", "department=総務課", "--reason", "y").status, 73, "nothing changes")

        XCTAssertEqual(try ws.cli("record", "a", "review", "--file", review).status, 0)
        r = try ws.cli("rerun", "a", "draft", "--reason", "所管課を訂正")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("the record waiting for step 'review' was set aside (the journal keeps it)"), r.out)
        XCTAssertTrue(r.out.contains("step 'review' is waiting"), "the review is asked again, for the new draft: \(r.out)")
        XCTAssertTrue(r.out.contains("step 'draft' (render) completed (1 document: draft@2/諮問文.md)"), r.out)
        XCTAssertTrue(try ws.read("cases/a/documents/draft@2/諮問文.md").contains("総務課"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/a/documents/draft/諮問文.md").path), "round 1 is kept")
        XCTAssertEqual(try stepState(ws, "a", "draft")["attempts"] as? Int, 2)
        r = try ws.cli("rerun", "a", "answer", "--reason", "x")
        XCTAssertEqual(r.status, 73)
        XCTAssertTrue(r.err.contains("step 'answer' has not run yet, so there is nothing to run again"), r.err)
        r = try ws.cli("rerun", "a", "drat", "--reason", "x")
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.err.contains("did you mean 'draft'?"), r.err)
    }

    func testRerunAFailedStepAfterAnEarlierDocumentWasTheCause() throws {
        let ws = try Workspace(copyWorkflows: false)
        try ws.write("wf.yaml", """
            docket: 1
            name: two
            inputs:
              who: {type: string, required: true}
            steps:
              - id: first
                uses: render
                with: {text: "to {{inputs.who}}", output: a.txt}
              - id: second
                uses: render
                with: {text: "x", output: "${{ inputs.who }}"}
            """)
        XCTAssertEqual(try ws.cli("new", "wf.yaml", "--case", "f", "--input", "who=../x").status, 0)
        var r = try ws.cli("run", "f")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("docket rerun f STEP --reason TEXT"), r.out)
        XCTAssertEqual(try state(ws, "f")["state"] as? String, "failed")
        XCTAssertEqual(try ws.cli("amend", "f", "--input", "who=ok.txt", "--reason", "bad name").status, 0)
        r = try ws.cli("rerun", "f", "first", "--reason", "宛名を訂正")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("case f completed"), r.out)
        XCTAssertEqual(try ws.read("cases/f/documents/first@2/a.txt"), "to ok.txt")
        XCTAssertEqual(try journalTypes(ws, "f").filter { ["amended", "rerun"].contains($0) }, ["amended", "rerun"])
        XCTAssertEqual(try ws.cli("rerun", "f", "first", "--reason", "x").status, 73, "a completed case is not run again")
    }

    func testReopenAFailedCase() throws {
        let ws = try Workspace(copyWorkflows: false)
        try ws.write("wf.yaml", "docket: 1\nname: one\nsteps:\n  - id: only\n    uses: render\n    with: {template: t.mustache, output: a.txt}\n")
        try ws.write("t.mustache", "hello")
        XCTAssertEqual(try ws.cli("new", "wf.yaml", "--case", "f").status, 0)
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("cases/f/workflow-files/t.mustache"))
        XCTAssertEqual(try ws.cli("run", "f").status, 1)
        let r = try ws.cli("reopen", "f", "--reason", "テンプレートを復元")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try stepState(ws, "f", "only")["state"] as? String, "pending")
    }

    func testSendBackLimitIsCheckedWhenTheReviewIsRecorded() throws {
        let ws = try Workspace(copyWorkflows: false)
        try ws.write("wf.yaml", """
            docket: 1
            name: loop
            steps:
              - id: draft
                uses: render
                with: {text: "draft", output: d.txt}
              - id: review
                uses: committee-review
                with: {send_back_to: draft}
            """)
        try ws.write("back.yaml", "corrections: [{material: 資料1, change: 直す}]\nsend_back: true\n")
        XCTAssertEqual(try ws.cli("new", "wf.yaml", "--case", "l").status, 0)
        try ws.cli("run", "l")
        for _ in 1..<10 {
            XCTAssertEqual(try ws.cli("record", "l", "review", "--file", "back.yaml").status, 0)
            try ws.cli("run", "l")
        }
        let r = try ws.cli("record", "l", "review", "--file", "back.yaml")
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("this record sends the case back, but it was sent back 9 times already"), r.err)
        try ws.write("ok.yaml", "conditions: [条件]\n")
        XCTAssertEqual(try ws.cli("record", "l", "review", "--file", "ok.yaml").status, 0, "a decision that settles it is still accepted")
        XCTAssertEqual(try ws.cli("run", "l").status, 0)
    }

    func testRunAllSummaryAndExitCode() throws {
        let ws = try Workspace()
        for id in ["a", "b"] { try ws.cli("new", "simple-consultation", "--case", id, "--inputs", inputs) }
        try ws.write("bad.yaml", "docket: 1\nname: bad\nsteps:\n  - id: s\n    uses: render\n    with: {template: t.mustache, output: a.txt}\n")
        try ws.write("t.mustache", "x")
        try ws.cli("new", "bad.yaml", "--case", "c")
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("cases/c/workflow-files/t.mustache"))
        let r = try ws.cli("run", "--all")
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.out.contains("waiting: a (a record for step 'review'); b (a record for step 'review')"), r.out)
        XCTAssertTrue(r.out.contains("failed: c (step 's': the template 't.mustache' is missing"), r.out)
    }

    func testRunAllSkippingABusyCaseIsNoFailure() throws {
        let ws = try Workspace()
        for id in ["a", "b"] { try ws.cli("new", "simple-consultation", "--case", id, "--inputs", inputs) }
        // Another command holds case a (flock on its lock file) while run --all goes through.
        let r = try ws.cli.runProgram(["bash", "-c", "flock cases/a/.lock \"$0\" run --all", CLI.binary.path])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(r.err.contains("case 'a' is busy"), r.err)
        XCTAssertTrue(r.out.contains("skipped, busy with another command: a; run again later"), r.out)
        XCTAssertTrue(r.out.contains("b: step 'review' is waiting"), r.out)
    }
}
