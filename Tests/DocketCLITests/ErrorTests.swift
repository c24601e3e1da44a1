import DocketCore
import Foundation
import XCTest

/// Every refusal of issue #2 through the binary: clear message, right exit code, nothing changed.
final class ErrorTests: XCTestCase {
    func testValidateReportsEveryProblemWithPlaces() throws {
        let ws = try Workspace()
        let bad = try ws.write("bad.yaml", "docket: 1\nname: bad\ntitel: x\nsteps:\n  - id: a\n    uses: rendr\n  - id: b\n    uses: input\n    with: {fields: {n: {type: int}}, promt: x}\n")
        let r = try ws.cli("validate", "workflows/simple-consultation.yaml", bad)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.out, "ok workflows/simple-consultation.yaml\n")
        XCTAssertEqual(r.err, """
            \(bad):3:1: error: unknown key 'titel' in the workflow; did you mean 'title'?
            \(bad):6:11: error: step 'a' uses 'rendr', which is neither a built-in step nor a plugin found; did you mean 'render'?
            \(bad):9:38: error: unknown key 'promt' in 'with' of step 'b'; did you mean 'prompt'?

            """)
        XCTAssertEqual(try ws.cli("validate", "nope.yaml").status, 65)
    }

    func testUnknownCaseAndWorkflow() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "2022-c1", "--inputs", "workflows/examples/simple/inputs.yaml")
        var r = try ws.cli("run", "2022-c2")
        XCTAssertEqual(r.status, 66)
        XCTAssertEqual(r.err, "docket: there is no case '2022-c2'; did you mean '2022-c1'?\n")
        r = try ws.cli("new", "simple-consultaton", "--case", "x")
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.err.contains("did you mean 'simple-consultation'?"), r.err)
        r = try ws.cli("new", "simple-consultation", "--case", "2022-c1", "--inputs", "workflows/examples/simple/inputs.yaml")
        XCTAssertEqual(r.status, 73)
        XCTAssertTrue(r.err.contains("case '2022-c1' already exists"), r.err)
        r = try ws.cli("new", "simple-consultation", "--case", "../x", "--inputs", "workflows/examples/simple/inputs.yaml")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("'../x' is not a valid case id"), r.err)
    }

    func testBadInputsCreateNothing() throws {
        let ws = try Workspace()
        let inputs = try ws.write("in.yaml", "department: 人事課\nsubjct: x\ndate: 2022-02-30\n")
        let r = try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", inputs)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.err, """
            \(inputs):2:1: error: unknown key 'subjct' in the inputs file; did you mean 'subject'?
            \(inputs):3:7: error: 'date': '2022-02-30' is not a real date: February 2022 has no 30th (it has 28 days)
            \(inputs): error: the required input 'subject' (text) is missing: 諮問の件名; give it with --input subject=VALUE or in --inputs FILE

            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/c").path))
        // Inputs given on the command line are named by their option.
        let pairs = try ws.cli("new", "simple-consultation", "--case", "c", "--input", "novalue", "--input", "subjct=x")
        XCTAssertEqual(pairs.status, 65)
        XCTAssertEqual(pairs.err, "--input novalue: error: write KEY=VALUE, for example --input department=人事課\n")
        let misnamed = try ws.cli("new", "simple-consultation", "--case", "c", "--input", "subjct=x", "--input", "department=人事課")
        XCTAssertTrue(misnamed.err.contains("--input subjct=x: error: the workflow 'simple-consultation' has no input 'subjct'; did you mean 'subject'?"), misnamed.err)
    }

    func testBadRecordChangesNothing() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", "workflows/examples/simple/inputs.yaml")
        try ws.cli("run", "c")
        let journalPath = ws.root.appendingPathComponent("cases/c/journal.jsonl")
        let before = try Data(contentsOf: journalPath)
        let record = try ws.write("r.json", "{\n  \"approved\": \"yes\",\n  \"for\": 15,\n  \"agains\": 2\n}\n")
        var r = try ws.cli("record", "c", "review", "--file", record)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.err, """
            \(record):1:1: error: the record for step 'review' is missing 'against' (a whole number)
            \(record):2:15: error: 'approved' must be true or false, not a string ('yes' is text in YAML 1.2; write true or false)
            \(record):4:3: error: unknown key 'agains' in the record for step 'review'; did you mean 'against'?

            """)
        XCTAssertEqual(try Data(contentsOf: journalPath), before)
        r = try ws.cli("record", "c", "draft", "--file", record)
        XCTAssertEqual(r.status, 73)
        XCTAssertTrue(r.err.contains("step 'draft' of case 'c' is not waiting"), r.err)
        r = try ws.cli("record", "c", "reviw", "--file", record)
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.err.contains("did you mean 'review'?"), r.err)
        XCTAssertEqual(try Data(contentsOf: journalPath), before)
    }

    func testBusyCase() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", "workflows/examples/simple/inputs.yaml")
        let lock = try CaseStore(root: ws.root).lock("c")
        let r = try ws.cli("run", "c")
        XCTAssertEqual(r.status, 75)
        XCTAssertTrue(r.err.contains("case 'c' is busy: another action (pid \(getpid())) is working on it"), r.err)
        withExtendedLifetime(lock) {}
    }

    func testTamperedJournalIsReported() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", "workflows/examples/simple/inputs.yaml")
        try ws.cli("run", "c")
        let path = ws.root.appendingPathComponent("cases/c/journal.jsonl")
        let text = try String(contentsOf: path, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "人事課", with: "総務課").utf8).write(to: path)
        var r = try ws.cli("status", "c")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("journal.jsonl:2: error: the journal is damaged or was altered"), r.err)
        r = try ws.cli("run", "c")
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(try String(contentsOf: path, encoding: .utf8), text.replacingOccurrences(of: "人事課", with: "総務課"), "a damaged journal is never written to")
        r = try ws.cli("status")
        XCTAssertEqual(r.status, 65, "the table reports the damaged case too")
    }

    func testFailedStepRunsAgainOnceFixed() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", "workflows/examples/simple/inputs.yaml")
        let template = ws.root.appendingPathComponent("cases/c/workflow-files/templates/simple-consultation.md.mustache")
        let saved = try Data(contentsOf: template)
        try FileManager.default.removeItem(at: template)
        var r = try ws.cli("run", "c")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("step 'draft' failed: the template 'templates/simple-consultation.md.mustache' is missing"), r.out)
        XCTAssertTrue(r.out.contains("fix the cause, then run 'docket run c' again"), r.out)
        XCTAssertEqual(try ws.json(try ws.cli("status", "c", "--json").out)["state"] as? String, "failed")
        try saved.write(to: template)
        r = try ws.cli("run", "c")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("step 'draft' (render) completed"), r.out)
    }

    func testWorkflowEditsDoNotReachExistingCases() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "c", "--inputs", "workflows/examples/simple/inputs.yaml")
        try ws.write("workflows/templates/simple-consultation.md.mustache", "changed")
        try ws.cli("run", "c")
        XCTAssertTrue(try ws.read("cases/c/documents/draft/諮問文.md").hasPrefix("# 諮問文"), "the case keeps its snapshot")
    }
}
