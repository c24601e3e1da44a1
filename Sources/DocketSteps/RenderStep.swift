import DocketCore
import DocketYAML
import Foundation
import Mustache

/// `render`: fills a Mustache template with the case's inputs and earlier steps' outputs and
/// writes the result as one document.
///
/// The template sees `case.id`, `workspace.council`, `workspace.organization`, `inputs.NAME`, `steps.ID.outputs.NAME` and `with.data.NAME`
/// (extra values from `with: data:`), and the helper `{{#wareki}}…{{/wareki}}` (a date in the
/// Japanese era). Output to a `.html`/`.htm` file is HTML-escaped; any other
/// output is written as plain text.
public struct RenderStep: Step, InlineTemplates {
    public init() {}

    public let name = "render"
    public let summary = "fills a Mustache template into a document"

    public let withSchema = Schema([
        Field("template", .file, description: "a template file, relative to the workflow's folder"),
        Field("text", .string, description: "the template itself, inline (instead of 'template')"),
        Field("output", .string, required: true, description: "the document's file name, e.g. consultation.md"),
        Field("data", .map(of: nil), description: "extra values the template sees as with.data.NAME"),
    ])

    public func validate(with: [String: Value], node: Node?, diagnostics d: inout Diagnostics) {
        let hasTemplate = with["template"] != nil, hasText = with["text"] != nil
        if hasTemplate == hasText {
            d.error("render needs exactly one of 'template' (a file) or 'text' (inline)", at: node?.mark)
        }
        if let output = with["output"]?.stringValue, let problem = Self.outputProblem(output) {
            let mark = node?.value(forKey: "output")?.mark
            d.error("'output' \(problem)", at: mark ?? node?.mark)
        }
        if let text = with["text"]?.stringValue {
            do { _ = try TemplateSupport.parse(text, name: "text", html: true) } catch {
                let mark = node?.value(forKey: "text")?.mark
                d.error("the inline template does not parse: \(error)", at: mark ?? node?.mark)
            }
        }
    }

    static func outputProblem(_ output: String) -> String? {
        if output.isEmpty || output.hasPrefix("/") || output.split(separator: "/").contains("..") {
            return "must be a file name inside the step's document folder, not '\(output)'"
        }
        for part in output.split(separator: "/") {
            if let why = DocumentNames.problem(with: String(part)) { return "'\(output)' \(why)" }
        }
        return nil
    }

    /// `text:` is checked for names that do not exist as a template file is (by the loader).
    public let inlineTemplateFields = ["text"]

    public func outputNames(with: [String: Value]) -> [String]? { ["document"] }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        let source: String
        if let path = context.with["template"]?.stringValue {
            let url = context.snapshotFile(path)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                return .failed("the template '\(path)' is missing from the case's snapshot (\(url.path))")
            }
            source = String(decoding: data, as: UTF8.self)
        } else {
            source = context.with["text"]?.stringValue ?? ""
        }
        guard let output = context.with["output"]?.stringValue else { return .failed("'output' is missing") }
        if let problem = Self.outputProblem(output) { return .failed("'output' \(problem)") }
        let isHTML = output.hasSuffix(".html") || output.hasSuffix(".htm")
        let template: MustacheTemplate
        do {
            template = try TemplateSupport.parse(source, name: context.with["template"]?.stringValue ?? "text", html: isHTML)
        } catch {
            return .failed(error.description)
        }
        let rendered = TemplateSupport.render(template, Self.templateContext(context))
        try context.writeDocument(rendered, named: output)
        return .completed(outputs: ["document": .string("\(context.documentFolder)/\(output)")])
    }

    /// What a template sees.
    static func templateContext(_ context: StepContext) -> [String: Any] {
        [
            "case": ["id": context.caseID],
            "workspace": Value.map(context.workspace).plain,
            "inputs": Value.map(context.inputs).plain,
            "steps": context.outputs.mapValues { ["outputs": Value.map($0).plain] },
            "with": ["data": (context.with["data"] ?? .map([:])).plain],
        ]
    }
}
