import DocketCore
import DocketYAML
import Foundation
import XCTest

final class RunnerTests: XCTestCase {
    func open(_ sandbox: Sandbox, _ workflow: String, inputs: [String: String] = [:], id: String = "c1") throws -> Runner {
        let path = try sandbox.write("w.yaml", "docket: 1\nname: t\n" + workflow)
        let runner = sandbox.runner()
        _ = try runner.open(caseID: id, workflowPath: path, inputsFile: nil, inputs: inputs)
        return runner
    }

    func events(_ sandbox: Sandbox, _ id: String = "c1") throws -> [JournalEvent] {
        try sandbox.store.journal(id).read().events
    }

    func testRunsToCompletionWithDocumentsAndOutputs() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, """
            inputs:
              who: {type: string, required: true}
            steps:
              - id: a
                uses: echo
                with: {message: "${{ inputs.who }}", files: {"答申.md": "本文", "sub/x.txt": "x"}}
              - id: b
                uses: echo
                with: {message: "${{ steps.a.outputs.message }}!"}
            """, inputs: ["who": "人事課"])
        let report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .completed)
        let (_, state) = try sandbox.store.load("c1")
        XCTAssertEqual(state.step("b").outputs["message"], .string("人事課!"))
        XCTAssertEqual(state.step("a").documents.map(\.path), ["a/sub/x.txt", "a/答申.md"])
        let doc = sandbox.store.documents("c1").appendingPathComponent("a/答申.md")
        XCTAssertEqual(try String(contentsOf: doc, encoding: .utf8), "本文")
        XCTAssertEqual(try FileIO.digest(of: doc.path).sha256, state.step("a").documents[1].sha256)
        XCTAssertEqual(try events(sandbox).map(\.type), [.created, .started, .completed, .started, .completed, .finished])
        let again = try await runner.run(caseID: "c1")
        XCTAssertEqual(again.lines, ["case c1 is already completed; nothing to run"])
        XCTAssertEqual(try events(sandbox).count, 6, "running a completed case records nothing")
    }

    func testWaitsThenContinuesAfterRecord() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, "steps:\n  - id: q\n    uses: ask\n  - id: after\n    uses: echo\n    with: {message: \"${{ steps.q.outputs.answer }}\"}\n")
        var report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .waiting)
        XCTAssertEqual(report.step, "q")
        report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .waiting)
        XCTAssertEqual(try events(sandbox).filter { $0.type == .waiting }.count, 1, "waiting again records nothing new")

        let bad = try sandbox.write("bad.yaml", "answr: x\nscore: high\n")
        let before = try Data(contentsOf: sandbox.store.journal("c1").url)
        let problems = diagnostics { try runner.record(caseID: "c1", stepID: "q", file: bad) }
        XCTAssertEqual(problems, [
            "\(bad):1:1: error: the record for step 'q' is missing 'answer' (text)",
            "\(bad):1:1: error: unknown key 'answr' in the record for step 'q'; did you mean 'answer'?",
            "\(bad):2:8: error: 'score' must be a whole number, not a string",
        ])
        XCTAssertEqual(try Data(contentsOf: sandbox.store.journal("c1").url), before, "a refused record changes nothing")

        let good = try sandbox.write("good.json", "{\"answer\": \"承認\", \"score\": 3}")
        try runner.record(caseID: "c1", stepID: "q", file: good)
        XCTAssertThrowsError(try runner.record(caseID: "c1", stepID: "q", file: good)) { e in
            XCTAssertEqual((e as? CaseError)?.exitCode, 73)
        }
        report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .completed)
        XCTAssertEqual(try sandbox.store.load("c1").1.step("after").outputs["message"], .string("承認"))
    }

    func testFailureStopsAndRetryResumesFromTheFailedStep() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, """
            steps:
              - id: a
                uses: echo
                with: {message: one}
              - id: f
                uses: flaky
                with: {failures: 1}
            """)
        var report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .failed)
        XCTAssertEqual(report.step, "f")
        XCTAssertEqual(report.lines.last, "step 'f' failed: attempt 1 fails")
        report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .completed)
        let types = try events(sandbox).map { "\($0.type.rawValue):\($0.step ?? "")" }
        XCTAssertEqual(types, ["created:", "started:a", "completed:a", "started:f", "failed:f", "started:f", "completed:f", "finished:"],
                       "step a is not run again")
    }

    func testRetryWithinOneRun() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, "steps:\n  - id: f\n    uses: flaky\n    retry: 2\n    with: {failures: 2}\n")
        let report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .completed)
        XCTAssertEqual(try sandbox.store.load("c1").1.step("f").outputs["attempt"], .int(3))
    }

    func testIfFalseSkips() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, """
            inputs:
              kind: {type: string, values: [cloud, outsourcing]}
            steps:
              - id: cloud-only
                uses: echo
                if: ${{ inputs.kind == 'cloud' }}
                with: {message: x}
              - id: last
                uses: echo
                with: {message: "from: ${{ steps.cloud-only.outputs.message }}"}
              - id: needs-it
                uses: echo
                with: {message: "${{ steps.cloud-only.outputs.message }}"}
            """, inputs: ["kind": "outsourcing"])
        let report = try await runner.run(caseID: "c1")
        let state = try sandbox.store.load("c1").1
        XCTAssertEqual(state.step("cloud-only").status, .skipped)
        XCTAssertEqual(state.step("last").outputs["message"], .string("from: "), "a skipped step's output reads as nothing")
        XCTAssertEqual(report.status, .failed, "a required field cannot be fed by a skipped step")
        XCTAssertTrue(report.lines.last!.contains("'message' is required, but its expression gave nothing"), report.lines.last!)
    }

    func testTimeoutFailsTheStep() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, "steps:\n  - id: s\n    uses: slow\n    timeout: 1s\n    with: {seconds: 30}\n")
        let start = Date()
        let report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .failed)
        XCTAssertTrue(report.lines.last!.contains("longer than its timeout of 1 s"), report.lines.last!)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    func testLinksAndBadNamesAreRefused() async throws {
        let sandbox = try Sandbox()
        var runner = try open(sandbox, "steps:\n  - id: l\n    uses: link\n")
        var report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .failed)
        XCTAssertTrue(report.lines.last!.contains("'passwd' is a symbolic link"), report.lines.last!)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.store.documents("c1").appendingPathComponent("l").path))

        runner = try open(sandbox, "steps:\n  - id: e\n    uses: echo\n    with: {message: x, files: {\"50%.txt\": x}}\n", id: "c2")
        report = try await runner.run(caseID: "c2")
        XCTAssertTrue(report.lines.last!.contains("'50%.txt' cannot be kept"), report.lines.last!)

        runner = try open(sandbox, "steps:\n  - id: e\n    uses: echo\n    with: {message: x, empty-files: [\"e\\u0301.txt\", \"\\u00E9.txt\"]}\n", id: "c3")
        report = try await runner.run(caseID: "c3")
        XCTAssertTrue(report.lines.last!.contains("the same once normalised"), report.lines.last!)
    }

    func testBusyCaseIsRefused() async throws {
        let sandbox = try Sandbox()
        let runner = try open(sandbox, "steps:\n  - id: a\n    uses: echo\n    with: {message: x}\n")
        let lock = try sandbox.store.lock("c1")
        do {
            _ = try await runner.run(caseID: "c1")
            XCTFail("expected busy")
        } catch let e as CaseError {
            XCTAssertEqual(e.exitCode, 75)
            XCTAssertTrue(e.description.contains("case 'c1' is busy"), e.description)
        }
        withExtendedLifetime(lock) {}
    }

    func testOpeningChecksInputsAndRefusesDuplicates() throws {
        let sandbox = try Sandbox()
        let wf = "inputs:\n  n: {type: int, required: true}\n  d: {type: date}\nsteps:\n  - id: a\n    uses: echo\n    with: {message: x}\n"
        let problems = diagnostics { _ = try open(sandbox, wf, inputs: ["n": "three", "d": "2022-13-01", "x": "1"]) }
        XCTAssertEqual(problems, [
            "input d: error: input 'd': '2022-13-01' is not a real date: there is no month 13",
            "input n: error: input 'n' must be a whole number, not a string",
            "input x: error: the workflow 't' has no input 'x'; its inputs: n, d",
        ], "'n' was given, badly: it is not also reported as missing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.store.folder("c1").path), "nothing is created")
        _ = try open(sandbox, wf, inputs: ["n": "3"])
        XCTAssertThrowsError(try open(sandbox, wf, inputs: ["n": "4"])) { e in
            XCTAssertEqual(e as? CaseError, .caseExists("c1"))
        }
        XCTAssertEqual(try sandbox.store.load("c1").1.inputs["n"], .int(3))
        XCTAssertThrowsError(try open(sandbox, wf, inputs: ["n": "3"], id: "../evil")) { e in
            XCTAssertEqual(e as? CaseError, .invalidCaseID("../evil"))
        }
    }
}

/// What a case allows now, and why not: the one rule the actions refuse by and the board renders.
final class AllowedActionsTests: XCTestCase {
    func testEachStateAllowsItsActionsAndSaysWhyNotTheOthers() async throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("w.yaml", "docket: 1\nname: t\nsteps:\n  - id: a\n    uses: echo\n    with: {message: x}\n  - id: b\n    uses: ask\n")
        let runner = sandbox.runner()
        _ = try runner.open(caseID: "c1", workflowPath: path, inputsFile: nil)
        let actions = CaseActions(runner: runner)
        var allowed = try actions.allowedActions("c1")
        XCTAssertEqual(allowed.allowed, [.run, .amend, .withdraw])
        XCTAssertEqual(allowed.whyNot(.rerun), "no step has run yet, so there is nothing to run again; run the case")
        XCTAssertEqual(allowed.whyNot(.reopen), "only a withdrawn or failed case can be reopened, and it is ready")

        _ = try await runner.run(caseID: "c1")
        allowed = try actions.allowedActions("c1")
        XCTAssertEqual(allowed.waitingStep, "b")
        XCTAssertEqual(allowed.allowed, [.record, .rerun, .amend, .withdraw])
        XCTAssertEqual(allowed.whyNot(.run), "step 'b' waits for a record; supply it first")
        XCTAssertNil(allowed.materialsStep, "its record takes no corrected materials")

        try actions.withdraw("c1", reason: "取下げ", by: "clerk")
        allowed = try actions.allowedActions("c1")
        XCTAssertEqual(allowed.allowed, [.reopen])
        XCTAssertEqual(allowed.whyNot(.run), "it was withdrawn (取下げ); reopen it first to run it")
        // The action refuses in the same words.
        XCTAssertThrowsError(try actions.withdraw("c1", reason: "again", by: "clerk")) { error in
            XCTAssertEqual(error as? CaseError, .refused(caseID: "c1", allowed.whyNot(.withdraw)!))
        }
    }
}
