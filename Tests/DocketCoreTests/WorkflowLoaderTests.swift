import DocketCore
import DocketYAML
import XCTest

final class WorkflowLoaderTests: XCTestCase {
    let loader = WorkflowLoader(registry: testRegistry())

    func load(_ text: String) throws -> Workflow {
        let sandbox = try Sandbox()
        let path = try sandbox.write("w.yaml", text)
        return try loader.load(path: path)
    }

    func errors(_ text: String) -> [String] {
        diagnostics { _ = try load(text) }.map { String($0[$0.range(of: "w.yaml:")!.lowerBound...]) }
    }

    func testLoadsAFullWorkflow() throws {
        let w = try load("""
            docket: 1
            name: review
            title: 審議
            description: test
            inputs:
              kind: {type: string, required: true}
              urgent: {type: bool, default: false}
            steps:
              - id: first
                uses: echo
                with: {message: "${{ inputs.kind }}"}
              - id: second-step
                name: 二番目
                uses: echo
                if: steps.first.outputs.message == 'cloud' && !inputs.urgent
                timeout: 5m
                retry: 2
                with:
                  message: [a, "${{ case.id }}"]
            """)
        XCTAssertEqual(w.name, "review")
        XCTAssertEqual(w.steps.map(\.id), ["first", "second-step"])
        XCTAssertEqual(w.steps[1].timeout, 300)
        XCTAssertEqual(w.steps[1].retry, 2)
        XCTAssertNotNil(w.steps[1].condition)
        XCTAssertEqual(w.inputs.field("urgent")?.defaultValue, .bool(false))
    }

    func testReferenceChecks() {
        let e = errors("""
            docket: 1
            name: refs
            inputs:
              kind: {type: string}
            steps:
              - id: a
                uses: echo
                with: {message: "${{ steps.b.outputs.message }} ${{ steps.a.outputs.message }}"}
              - id: b
                uses: echo
                if: inputs.knd == 'x' || steps.a.outputs.mesage == 1 || steps.zz.outputs.x
                with: {message: "${{ inputs.kind }} ${{ case.name }} ${{ steps.a.message }}"}
            """)
        XCTAssertEqual(e, [
            "w.yaml:8:26: error: 'steps.b.outputs.message' refers to a step 'b' that comes later or does not exist; only steps before this one can be read",
            "w.yaml:8:57: error: 'steps.a.outputs.message' refers to a step 'a' that is this step itself; a step cannot read its own outputs",
            "w.yaml:11:9: error: 'inputs.knd' refers to an input the workflow does not declare; did you mean 'inputs.kind'?",
            "w.yaml:11:30: error: step 'a' (echo) has no output 'mesage'; did you mean 'message'?",
            "w.yaml:11:61: error: 'steps.zz.outputs.x' refers to a step 'zz' that comes later or does not exist; only steps before this one can be read",
            "w.yaml:12:45: error: 'case.name' is unknown; the case offers only case.id",
            "w.yaml:12:62: error: 'steps.a.message' must have the form steps.ID.outputs.NAME",
        ])
    }

    func testStructureChecks() {
        let e = errors("""
            docket: 2
            name: x
            steps:
              - id: Bad_ID
                uses: ecko
              - id: ok
                uses: flaky
                retry: 11
                timeout: 3 days
                with: {failures: many, extra: 1}
              - id: ok
                uses: echo
                whith: {}
            """)
        XCTAssertEqual(e, [
            "w.yaml:1:9: error: this is format version 2, but this Docket reads version 1; write 'docket: 1'",
            "w.yaml:4:9: error: step id 'Bad_ID' must be lowercase letters, digits and '-', starting with a letter, at most 64 characters",
            "w.yaml:5:11: error: step 'Bad_ID' uses 'ecko', which is neither a built-in step nor a plugin found; did you mean 'echo'?",
            "w.yaml:8:12: error: 'retry' of step 'ok' must be between 0 and 10, not 11",
            "w.yaml:9:14: error: 'timeout' of step 'ok' must be a duration between 1s and 24h, written like 30s, 5m or 2h (not '3 days')",
            "w.yaml:10:22: error: 'failures' must be a whole number, not a string",
            "w.yaml:10:28: error: unknown key 'extra' in 'with' of step 'ok'; expected one of: failures",
            "w.yaml:11:5: error: 'with' of step 'ok' is missing 'message' (any value)",
            "w.yaml:11:9: error: step id 'ok' is already used by the step at line 6; ids must be unique",
            "w.yaml:13:5: error: unknown key 'whith' in a step; did you mean 'with'?",
        ])
    }

    func testMissingTopLevelFields() {
        XCTAssertEqual(errors("title: x\n"), [
            "w.yaml:1:1: error: the workflow is missing 'docket': write 'docket: 1' as the first line",
            "w.yaml:1:1: error: the workflow is missing 'name': a short name such as 'consultation'",
            "w.yaml:1:1: error: the workflow is missing 'steps': a list of steps, each with 'id' and 'uses'",
        ])
        XCTAssertEqual(errors("- a\n"), ["w.yaml:1:1: error: the workflow must be a mapping of 'key: value' lines, not a list"])
    }
}
