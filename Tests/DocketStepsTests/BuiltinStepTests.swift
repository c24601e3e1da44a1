import DocketCore
import DocketSteps
import DocketYAML
import Foundation
import XCTest

final class BuiltinStepTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("docket-steps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("snap"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func context(_ with: [String: Value], records: [Value] = []) -> StepContext {
        StepContext(caseID: "2022-c1", stepID: "draft", attempt: 1, with: with,
                    inputs: ["department": .string("人事課"), "note": .string("A & B <x>")],
                    outputs: ["review": ["conditions": .list([.string("原則持参"), .string("消去証明書")])]],
                    documents: [], records: records, outputFolder: folder.appendingPathComponent("out"),
                    documentsFolder: folder, snapshotFolder: folder.appendingPathComponent("snap"), now: Date())
    }

    func testRenderFromSnapshotTemplateAsText() async throws {
        try Data("{{case.id}} {{inputs.department}} {{inputs.note}}\n{{#steps.review.outputs.conditions}}- {{.}}\n{{/steps.review.outputs.conditions}}{{with.data.x}}".utf8)
            .write(to: folder.appendingPathComponent("snap/t.mustache"))
        let outcome = try await RenderStep().run(context(["template": .string("t.mustache"), "output": .string("諮問文.md"),
                                                          "data": .map(["x": .int(7)])]))
        XCTAssertEqual(outcome, .completed(outputs: ["document": .string("draft/諮問文.md")]))
        let text = try String(contentsOf: folder.appendingPathComponent("out/諮問文.md"), encoding: .utf8)
        XCTAssertEqual(text, "2022-c1 人事課 A & B <x>\n- 原則持参\n- 消去証明書\n7", "Markdown output is not HTML-escaped")
    }

    func testRenderEscapesHTMLOutput() async throws {
        _ = try await RenderStep().run(context(["text": .string("<p>{{inputs.note}}</p>"), "output": .string("a.html")]))
        let text = try String(contentsOf: folder.appendingPathComponent("out/a.html"), encoding: .utf8)
        XCTAssertEqual(text, "<p>A &amp; B &lt;x&gt;</p>")
    }

    func testRenderFailsClearlyWithoutTemplate() async throws {
        let outcome = try await RenderStep().run(context(["template": .string("missing.mustache"), "output": .string("a.md")]))
        guard case .failed(let message) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(message.contains("'missing.mustache' is missing"), message)
    }

    func testRenderValidation() throws {
        let node = try YAMLLoader().loadSingleDocument(Array("output: ../x.md\ntext: '{{#open}}'\n".utf8), file: "w.yaml")
        var d = Diagnostics(file: "w.yaml")
        let values = SchemaCheck.decode(node, against: RenderStep().withSchema, what: "with", diagnostics: &d)
        RenderStep().validate(with: values, node: node, diagnostics: &d)
        XCTAssertEqual(d.items.count, 2, "\(d.items)")
        XCTAssertTrue(d.items[0].description.hasPrefix("w.yaml:1:9: error: 'output' must be a file name inside"), d.items[0].description)
        XCTAssertTrue(d.items[1].description.hasPrefix("w.yaml:2:7: error: the inline template does not parse"), d.items[1].description)
    }

    func testInputWaitsThenCompletesWithTheRecord() async throws {
        let with: [String: Value] = ["prompt": .string("票数"), "fields": .map(["for": .map(["type": .string("int"), "required": .bool(true)])])]
        let step = InputStep()
        XCTAssertEqual(step.recordSchema(with: with)?.fields.map(\.name), ["for"])
        XCTAssertEqual(step.outputNames(with: with), ["for"])
        let waiting = try await step.run(context(with))
        XCTAssertEqual(waiting, .waiting(prompt: "票数 — fields: for (a whole number, required)"))
        let done = try await step.run(context(with, records: [.map(["for": .int(15)])]))
        XCTAssertEqual(done, .completed(outputs: ["for": .int(15)]))
    }

    func testInputValidationReportsBadFieldDeclarations() throws {
        let node = try YAMLLoader().loadSingleDocument(Array("fields:\n  votes: {type: integr}\n".utf8), file: "w.yaml")
        var d = Diagnostics(file: "w.yaml")
        let values = SchemaCheck.decode(node, against: InputStep().withSchema, what: "with", diagnostics: &d)
        InputStep().validate(with: values, node: node, diagnostics: &d)
        XCTAssertEqual(d.items.map(\.description), ["w.yaml:2:17: error: unknown type 'integr' for field 'votes'; use one of: string, int, number, bool, date, list, map, folder (did you mean 'int'?)"])
    }
}
