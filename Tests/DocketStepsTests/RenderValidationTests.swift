import DocketCore
import DocketSteps
import DocketYAML
import Foundation
import XCTest

/// What `docket validate` says about a `render` step: an inline `text:` is checked for names
/// that do not exist as a template file is, and a step without `with:` is reported at its place.
final class RenderValidationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("docket-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The problems `WorkflowLoader` (as `validate` runs it) reports for `text`, written to
    /// `file`, with the files named relative to the test's folder.
    func errors(_ text: String, file: String = "w.yaml") throws -> [String] {
        let url = folder.appendingPathComponent(file)
        try Data(text.utf8).write(to: url)
        do {
            _ = try WorkflowLoader(registry: BuiltinSteps.registry()).load(path: url.path)
            return []
        } catch let e as DiagnosticsError {
            return e.diagnostics.map { $0.description.replacingOccurrences(of: folder.path + "/", with: "") }
        }
    }

    func testInlineTextNamingAnUndeclaredInputIsReportedWithASuggestion() throws {
        let e = try errors("""
            docket: 1
            name: t
            inputs:
              department: {type: string}
            steps:
              - id: draft
                uses: render
                with:
                  output: a.md
                  text: 宛先 {{inputs.departmnt}} 様
            """)
        XCTAssertEqual(e, [
            "w.yaml:10:16: error: 'inputs.departmnt' refers to an input the workflow does not declare; did you mean 'inputs.department'?",
        ])
    }

    func testInlineTextIsCheckedLikeATemplateFile() throws {
        let template = "{{inputs.nosuch}} {{steps.intake.outputs.documnt}} {{steps.draft.outputs.document}}"
        try Data(template.utf8).write(to: folder.appendingPathComponent("t.mustache"))
        func workflow(_ with: String) -> String {
            """
            docket: 1
            name: t
            inputs:
              department: {type: string}
            steps:
              - id: intake
                uses: render
                with: {output: a.md, text: x}
              - id: draft
                uses: render
                with: {output: b.md, \(with)}
            """
        }
        // On one quoted line: each at its tag.
        let inline = try errors(workflow("text: \"\(template)\""))
        XCTAssertEqual(inline, [
            "w.yaml:11:33: error: 'inputs.nosuch' refers to an input the workflow does not declare; declared: department",
            "w.yaml:11:51: error: step 'intake' (render) has no output 'documnt'; did you mean 'document'?",
            "w.yaml:11:84: error: 'steps.draft.outputs.document' refers to a step 'draft' that is this step itself; a step cannot read its own outputs",
        ])
        let file = try errors(workflow("template: t.mustache"))
        let messages = { (lines: [String]) in lines.map { String($0[$0.range(of: " error: ")!.upperBound...]) } }
        XCTAssertEqual(messages(inline), messages(file), "the same words as for the template file: \(file)")
        XCTAssertTrue(file.allSatisfy { $0.hasPrefix("t.mustache:1:") }, "\(file)")
    }

    func testInlineBlockTextIsReportedAtTheValue() throws {
        let e = try errors("""
            docket: 1
            name: t
            steps:
              - id: intake
                uses: render
                with: {output: a.md, text: x}
              - id: draft
                uses: render
                with:
                  output: b.md
                  text: |
                    {{case.id}} {{workspace.council}}
                    {{#steps.intake.outputs.documnt}}{{.}}{{/steps.intake.outputs.documnt}}
                    {{workspace.counsil}} {{inputs.kind}}
            """)
        guard e.count == 3 else { return XCTFail("expected 3 problems: \(e)") }
        XCTAssertTrue(e[0].hasPrefix("w.yaml:11:13: error: step 'intake' (render) has no output 'documnt'; did you mean 'document'?"), e[0])
        XCTAssertTrue(e[1].hasPrefix("w.yaml:11:13: error: 'workspace.counsil' is unknown; the workspace offers workspace.council"), e[1])
        XCTAssertEqual(e[2], "w.yaml:11:13: error: 'inputs.kind' refers to an input the workflow does not declare (it declares none)")
    }

    func testInlineTextThatIsAnExpressionIsCheckedAsOne() throws {
        // The text becomes the template once '${{ }}' is evaluated: only the expression is checked.
        let e = try errors("""
            docket: 1
            name: t
            inputs:
              body: {type: string}
            steps:
              - id: draft
                uses: render
                with: {output: a.md, text: "${{ inputs.bdy }}"}
            """)
        XCTAssertEqual(e, ["w.yaml:8:37: error: 'inputs.bdy' refers to an input the workflow does not declare; did you mean 'inputs.body'?"])
    }

    func testGoodInlineTextPasses() throws {
        XCTAssertEqual(try errors("""
            docket: 1
            name: t
            inputs:
              department: {type: string}
            steps:
              - id: draft
                uses: render
                with:
                  output: a.md
                  text: "{{case.id}} {{inputs.department}} {{with.data.x}} {{#wareki}}{{inputs.department}}{{/wareki}}"
                  data: {x: 1}
            """), [])
    }

    func testRenderWithoutWithIsReportedAtTheStep() throws {
        let e = try errors("""
            docket: 1
            name: t
            steps:
              - id: draft
                uses: render
            """, file: "no-with.yaml")
        XCTAssertEqual(e, [
            "no-with.yaml:4:5: error: 'with' of step 'draft' is missing 'output' (text): the document's file name, e.g. consultation.md",
            "no-with.yaml:4:5: error: render needs exactly one of 'template' (a file) or 'text' (inline)",
        ])
    }
}
