import DocketCore
import DocketYAML
import Foundation
import XCTest

/// Hostile expressions and workflows are refused with a located message, never a crash.
final class BoundedParsingTests: XCTestCase {
    func parseError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> ExpressionError? {
        do {
            _ = try Expression.parse(source)
            XCTFail("expected a refusal", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testDeepParenthesesAreRefusedNotACrash() throws {
        let deep = String(repeating: "(", count: 16_500) + "true" + String(repeating: ")", count: 16_500)
        XCTAssertTrue(parseError(deep)?.message.contains("characters long") == true)
        let nested = String(repeating: "(", count: 40) + "true" + String(repeating: ")", count: 40)
        let e = parseError(nested)
        XCTAssertTrue(e?.message.contains("nested more than \(ExpressionLimits.maxDepth) levels") == true, "\(String(describing: e))")
        XCTAssertEqual(e?.offset, ExpressionLimits.maxDepth, "at the parenthesis one level too deep")
        let fine = String(repeating: "(", count: 30) + "true" + String(repeating: ")", count: 30)
        XCTAssertEqual(try Expression.parse(fine).evaluate(in: ExpressionScope(caseID: "c", inputs: [:], outputs: [:])), .bool(true))
    }

    func testLongChainsOfNotAndOrAreRefused() {
        XCTAssertTrue(parseError(String(repeating: "!", count: 106_000) + "true")?.message.contains("more than the 4096") == true)
        XCTAssertTrue(parseError(String(repeating: "!", count: 40) + "true")?.message.contains("nested") == true)
        let terms = Array(repeating: "true", count: 87_000).joined(separator: " || ")
        XCTAssertTrue(parseError(terms)?.message.contains("characters long") == true)
        let many = Array(repeating: "x", count: 300).joined(separator: "||")
        XCTAssertTrue(parseError(many)?.message.contains("more than \(ExpressionLimits.maxOperators) operators") == true)
        let allowed = Array(repeating: "inputs.a", count: 200).joined(separator: " || ")
        XCTAssertEqual(try Expression.parse(allowed).references.count, 200)
    }

    func testARefusedConditionNamesFileLineAndColumn() throws {
        let sandbox = try Sandbox()
        let deep = String(repeating: "(", count: 16_500) + "true" + String(repeating: ")", count: 16_500)
        let path = try sandbox.write("w.yaml", """
            docket: 1
            name: t
            steps:
              - id: a
                uses: echo
                if: \(deep)
                with: {message: x}
              - id: b
                uses: echo
                if: ${{ \(String(repeating: "!", count: 50))true }}
                with: {message: x}
            """)
        let lines = diagnostics { _ = try WorkflowLoader(registry: testRegistry()).load(path: path) }
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines[0].hasPrefix("\(path):6:9: error: in 'if' of step 'a': the expression is 33004 characters long"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("\(path):10:"), lines[1])
        XCTAssertTrue(lines[1].contains("nested more than 32 levels"), lines[1])
    }

    func testThousandsOfInterpolationsValidate() throws {
        // 8,000 `${{ }}` in 120 KB: checked in one pass (this took 44 s when each reference
        // re-checked the step it names).
        let sandbox = try Sandbox()
        var text = """
            docket: 1
            name: t
            inputs:
              who: {type: string}
            steps:
              - id: a
                uses: echo
                with: {message: x}
              - id: b
                uses: echo
                with:
                  message: "
            """
        text += String(repeating: "${{ steps.a.outputs.message }}${{ inputs.who }} ", count: 4_000) + "\"\n"
        XCTAssertGreaterThan(text.utf8.count, 120_000)
        let workflow = try WorkflowLoader(registry: testRegistry()).load(path: try sandbox.write("w.yaml", text))
        XCTAssertEqual(workflow.steps.count, 2)
        let typo = text.replacingOccurrences(of: "inputs.who }} \"", with: "inputs.whom }} \"")
        let lines = diagnostics { _ = try WorkflowLoader(registry: testRegistry()).load(path: try sandbox.write("w2.yaml", typo)) }
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("'inputs.whom' refers to an input the workflow does not declare; did you mean 'inputs.who'?"), lines[0])
    }

    func testOverLongStepIDNamesTheLimit() throws {
        let sandbox = try Sandbox()
        let id = String(repeating: "a", count: 65)
        let path = try sandbox.write("w.yaml", "docket: 1\nname: t\nsteps:\n  - id: \(id)\n    uses: echo\n    with: {message: x}\n")
        let lines = diagnostics { _ = try WorkflowLoader(registry: testRegistry()).load(path: path) }
        XCTAssertEqual(lines, ["\(path):4:9: error: step id 'aaaaaaaaaaaaaaaaaaaa…' is 65 characters long; a step id has at most 64 (lowercase letters, digits and '-', starting with a letter)"])
    }

    func testForgedOutputLinesAreEscaped() throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("w.yaml", "docket: 1\nname: t\n\"x\\nok workflows/evil.yaml\\u001b[2J\": 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: x}\n")
        let lines = diagnostics { _ = try WorkflowLoader(registry: testRegistry()).load(path: path) }
        XCTAssertEqual(lines.count, 1)
        let printed = lines.joined(separator: "\n")
        XCTAssertFalse(printed.contains("\nok "), printed)
        XCTAssertFalse(printed.contains("\u{1B}"), printed)
        XCTAssertTrue(printed.contains("x\\nok workflows/evil.yaml\\u{1B}[2J"), printed)
    }
}
