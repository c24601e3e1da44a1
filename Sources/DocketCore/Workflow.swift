import DocketYAML
import Foundation

/// A workflow definition (format v1): its inputs and its steps in order.
public struct Workflow: Sendable {
    /// The file it was loaded from, as given (used in messages).
    public var file: String
    public var name: String
    public var title: String
    public var description: String
    public var inputs: Schema
    public var steps: [StepDefinition]
    /// When the case's personal data must be deleted, if the workflow says.
    public var retention: RetentionRule?
    /// What every department plugin step of a case under it requires (`plugins:`).
    public var plugins = PluginPolicy()

    /// Step ids: lowercase letters, digits and '-', starting with a letter.
    public static func isStepID(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first >= "a" && first <= "z", s.count <= 64 else { return false }
        return s.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
    }

    /// Why `s` is not a step id, for a message: too long, or which characters are wrong.
    public static func stepIDProblem(_ s: String) -> String {
        if s.count > 64 {
            return "step id '\(s.prefix(20))…' is \(s.count) characters long; a step id has at most 64 (lowercase letters, digits and '-', starting with a letter)"
        }
        return "step id '\(s)' must be lowercase letters, digits and '-', starting with a letter, at most 64 characters"
    }

    /// Input and field names: letters, digits, '_' and '-', starting with a letter.
    public static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, ExpressionParser.isIdentStart(first), first != "_", s.count <= 64 else { return false }
        return s.unicodeScalars.allSatisfy(ExpressionParser.isIdentPart)
    }

    public func step(_ id: String) -> StepDefinition? {
        steps.first { $0.id == id }
    }

    public func index(of id: String) -> Int? {
        steps.firstIndex { $0.id == id }
    }
}

/// A workflow's `retention:`: the date after which the case's working copy (with its personal
/// data) must be deleted, and whether its archive is kept.
public struct RetentionRule: Sendable {
    /// A date, literal or `${{ … }}` (e.g. `${{ inputs.retention_end }}`).
    public var until: Interpolation
    public var keepArchive: Bool
    public var mark: Mark
}

/// A workflow's `plugins:`. It is part of the snapshot, so it holds for the case's whole life:
///
///     plugins:
///       isolation: bubblewrap     # no plugin step of this case ever runs in process mode
public struct PluginPolicy: Sendable, Equatable {
    /// The weakest isolation a plugin step may run under (one of `isolations`); nil: whatever
    /// Docket chooses on the machine. DocketPlugins enforces it; the core only reads it.
    public var isolation: String?

    public init(isolation: String? = nil) { self.isolation = isolation }

    public static let isolations = ["process", "bubblewrap"]
    public static let keys = ["isolation"]
}

/// A step type whose `with:` may hold a Mustache template inline rather than in a file
/// (`render`'s `text:`). The loader checks the names such a template uses as it checks a template
/// file's, reporting them at the field's place in the workflow; whether the text parses at all is
/// the step's own `validate`.
public protocol InlineTemplates {
    /// The `with:` fields that hold template text.
    var inlineTemplateFields: [String] { get }
}

/// One step of a workflow as written.
public struct StepDefinition: Sendable {
    public var id: String
    public var uses: String
    public var name: String
    /// The `if:` condition; nil means always.
    public var condition: Expression?
    /// The `with:` mapping as written, with marks, resolved at run time.
    public var with: Node?
    /// Seconds; nil means the runner's default.
    public var timeout: Double?
    /// How many times to try again after a failure, within one `docket run`.
    public var retry: Int
    public var mark: Mark
    /// The outputs its step type declares for this `with:` (nil: not known, any name goes);
    /// worked out once, when the step is loaded, for every reference to it.
    public var outputNames: [String]? = nil

    /// A readable label: the name, else the id.
    public var label: String { name.isEmpty ? id : name }
}

// MARK: - Loading and validation

/// Loads workflow files strictly and checks them against the registered step types.
public struct WorkflowLoader: Sendable {
    public var registry: StepRegistry
    /// Whether referenced files (templates) must exist now, and templates (in files or inline)
    /// are checked for names that do not exist. True for `validate` and `new`; a case's own
    /// snapshot is loaded without it, so a missing file fails just the step using it (and a case
    /// opened before a check existed still loads).
    public var checksFiles: Bool
    /// Whether a `uses:` naming no known step type is accepted (for reading a case's snapshot
    /// where its plugins are not installed: status, votes). Such steps are checked no further.
    public var acceptsUnknownSteps = false

    public init(registry: StepRegistry, checksFiles: Bool = true) {
        self.registry = registry
        self.checksFiles = checksFiles
    }

    public static let topKeys = ["docket", "name", "title", "description", "inputs", "steps", "retention", "plugins"]
    public static let stepKeys = ["id", "uses", "name", "if", "with", "timeout", "retry"]

    /// Loads and fully checks the file at `path`; throws `DiagnosticsError` listing every problem.
    /// Files the workflow references (`type: file` fields) are looked up under `baseFolder`,
    /// by default the workflow file's own folder.
    public func load(path: String, baseFolder: URL? = nil) throws -> Workflow {
        let node = try YAMLLoader().loadFile(at: path)
        let base = baseFolder ?? URL(fileURLWithPath: path).deletingLastPathComponent()
        return try load(node: node, file: path, baseFolder: base)
    }

    /// Loads and checks a parsed workflow document.
    public func load(node: Node, file: String, baseFolder: URL) throws -> Workflow {
        var d = Diagnostics(file: file)
        var workflow = Workflow(file: file, name: "", title: "", description: "", inputs: .empty, steps: [], retention: nil)
        guard var top = StrictMapping(node, what: "the workflow", diagnostics: &d) else {
            try d.check()
            return workflow
        }
        if let v = top.require("docket", "write 'docket: 1' as the first line", diagnostics: &d) {
            if let n = Read.int(v, "'docket' (the format version)", &d), n != 1 {
                d.error("this is format version \(n), but this Docket reads version 1; write 'docket: 1'", at: v.mark)
            }
        }
        if let v = top.require("name", "a short name such as 'consultation'", diagnostics: &d),
           let name = Read.string(v, "'name'", &d) {
            if Workflow.isStepID(name) { workflow.name = name } else {
                d.error("'name' must be lowercase letters, digits and '-' (for example 'retroactive-approval'), not '\(name)'", at: v.mark)
            }
        }
        if let v = top.take("title") { workflow.title = Read.string(v, "'title'", &d) ?? "" }
        if let v = top.take("description") { workflow.description = Read.string(v, "'description'", &d) ?? "" }
        if let v = top.take("inputs"), v.resolved != .null || v.scalarText == nil {
            workflow.inputs = Schema.declared(from: v, what: "'inputs'", diagnostics: &d)
        }
        if let v = top.require("steps", "a list of steps, each with 'id' and 'uses'", diagnostics: &d),
           let items = Read.list(v, "'steps'", &d) {
            if items.isEmpty { d.error("'steps' is empty; a workflow needs at least one step", at: v.mark) }
            for item in items {
                if let step = loadStep(item, workflow: workflow, baseFolder: baseFolder, diagnostics: &d) {
                    workflow.steps.append(step)
                }
            }
        }
        if let v = top.take("retention") {
            workflow.retention = loadRetention(v, workflow: workflow, diagnostics: &d)
        }
        if let v = top.take("plugins") { workflow.plugins = loadPlugins(v, diagnostics: &d) }
        top.rejectUnknown(known: Self.topKeys, diagnostics: &d)
        try d.check()
        return workflow
    }

    private func loadStep(_ node: Node, workflow: Workflow, baseFolder: URL, diagnostics d: inout Diagnostics) -> StepDefinition? {
        guard var m = StrictMapping(node, what: "a step", diagnostics: &d) else { return nil }
        var step = StepDefinition(id: "", uses: "", name: "", condition: nil, with: nil, timeout: nil, retry: 0, mark: node.mark)
        var ok = true
        if let v = m.require("id", "a unique id such as 'draft' (lowercase letters, digits, '-')", diagnostics: &d),
           let id = Read.text(v, "'id'", &d) {
            if !Workflow.isStepID(id) {
                d.error(Workflow.stepIDProblem(id), at: v.mark)
                ok = false
            } else if let other = workflow.step(id) {
                d.error("step id '\(id)' is already used by the step at line \(other.mark.line); ids must be unique", at: v.mark)
                ok = false
            }
            step.id = id
        } else { ok = false }
        let what = step.id.isEmpty ? "a step" : "step '\(step.id)'"
        var stepType: (any Step)?
        if let v = m.require("uses", "the step type to run, one of: \(registry.names.joined(separator: ", "))", diagnostics: &d),
           let uses = Read.string(v, "'uses' of \(what)", &d) {
            step.uses = uses
            stepType = registry[uses]
            if stepType == nil && !acceptsUnknownSteps {
                var message = "\(what) uses '\(uses)', which is neither a built-in step nor a plugin found"
                if let near = Suggest.nearest(to: uses, among: registry.names) { message += "; did you mean '\(near)'?" }
                else { message += "; known: \(registry.names.joined(separator: ", "))" }
                d.error(message, at: v.mark)
            }
        }
        if let v = m.take("name") { step.name = Read.string(v, "'name' of \(what)", &d) ?? "" }
        if let v = m.take("if") {
            if let text = Read.text(v, "'if' of \(what)", &d) {
                step.condition = parseCondition(text, node: v, step: step, workflow: workflow, diagnostics: &d)
            }
        }
        if let v = m.take("timeout") {
            step.timeout = Self.parseDuration(v, what: "'timeout' of \(what)", diagnostics: &d)
        }
        if let v = m.take("retry") {
            if let n = Read.int(v, "'retry' of \(what)", &d) {
                if (0...10).contains(n) { step.retry = n } else {
                    d.error("'retry' of \(what) must be between 0 and 10, not \(n)", at: v.mark)
                }
            }
        }
        let withNode = m.take("with")
        step.with = withNode
        if let stepType {
            let node = withNode ?? Node(.scalar("", .plain), mark: node.mark)
            let values = SchemaCheck.decode(node, against: stepType.withSchema, what: "'with' of \(what)", diagnostics: &d,
                dynamic: { node, _, _, diags in
                    self.checkReferences(in: node, step: step, workflow: workflow, diagnostics: &diags)
                    return Self.unresolved(node)
                })
            // Without 'with:', the placeholder carries the step's own place, for the step's messages.
            stepType.validate(with: values, node: node, diagnostics: &d)
            step.outputNames = stepType.outputNames(with: values)
            if checksFiles, let inline = stepType as? any InlineTemplates {
                for field in inline.inlineTemplateFields {
                    if let textNode = withNode?.value(forKey: field) {
                        checkInlineTemplate(textNode, step: step, workflow: workflow, diagnostics: &d)
                    }
                }
            }
            for (field, path) in Self.fileReferences(values, schema: stepType.withSchema) {
                let fieldNode = withNode?.value(forKey: field.name)
                if let problem = Self.fileProblem(path, baseFolder: baseFolder, mustExist: checksFiles) {
                    d.error("'\(field.name)' of \(what): \(problem)", at: fieldNode?.mark ?? node.mark)
                } else if checksFiles, path.hasSuffix(".mustache") {
                    checkTemplate(baseFolder.appendingPathComponent(path), step: step, workflow: workflow, diagnostics: &d)
                }
            }
        }
        m.rejectUnknown(known: Self.stepKeys, diagnostics: &d)
        return ok ? step : nil
    }

    private func loadPlugins(_ node: Node, diagnostics d: inout Diagnostics) -> PluginPolicy {
        var policy = PluginPolicy()
        guard var m = StrictMapping(node, what: "'plugins'", diagnostics: &d) else { return policy }
        if let v = m.take("isolation"), let text = Read.text(v, "'isolation' of 'plugins'", &d) {
            if PluginPolicy.isolations.contains(text) { policy.isolation = text } else {
                var message = "'isolation' of 'plugins' must be \(PluginPolicy.isolations.joined(separator: " or ")), not '\(text)'"
                if let near = Suggest.nearest(to: text, among: PluginPolicy.isolations) { message += "; did you mean '\(near)'?" }
                d.error(message + " ('bubblewrap': no plugin step of a case under this workflow runs unconfined by it)", at: v.mark)
            }
        }
        m.rejectUnknown(known: PluginPolicy.keys, diagnostics: &d)
        return policy
    }

    private func loadRetention(_ node: Node, workflow: Workflow, diagnostics d: inout Diagnostics) -> RetentionRule? {
        guard var m = StrictMapping(node, what: "'retention'", diagnostics: &d) else { return nil }
        var rule: RetentionRule?
        if let v = m.require("until", "the date after which the case's personal data is deleted, e.g. ${{ inputs.retention_end }}", diagnostics: &d),
           let text = Read.text(v, "'until'", &d) {
            do {
                let until = try Interpolation(parsing: text)
                if until.isLiteral, !SchemaCheck.isDate(text) {
                    d.error("'until' must be a date written YYYY-MM-DD or an expression giving one, not '\(text)'", at: v.mark)
                }
                // Only the case's inputs are certain to exist when retention is checked.
                let after = StepDefinition(id: "", uses: "", name: "", condition: nil, with: nil, timeout: nil, retry: 0, mark: v.mark)
                for e in until.expressions {
                    for (path, offset) in e.references {
                        if path.first == "steps" {
                            d.error("'until' may use inputs and case.id only, since it is checked whatever steps ran", at: Self.mark(of: v, offset: offset))
                        } else {
                            checkReference(path, at: Self.mark(of: v, offset: offset), step: after, workflow: workflow, diagnostics: &d)
                        }
                    }
                }
                rule = RetentionRule(until: until, keepArchive: true, mark: v.mark)
            } catch {
                d.error("in 'until': \(error.message)", at: Self.mark(of: v, offset: error.offset))
            }
        }
        let keep = m.take("keep-archive").flatMap { Read.bool($0, "'keep-archive'", &d) } ?? true
        rule?.keepArchive = keep
        m.rejectUnknown(known: ["until", "keep-archive"], diagnostics: &d)
        return rule
    }

    /// `if:` may be written bare (`inputs.kind == 'cloud'`) or wrapped in `${{ }}`.
    private func parseCondition(_ text: String, node: Node, step: StepDefinition, workflow: Workflow,
                                diagnostics d: inout Diagnostics) -> Expression? {
        do {
            let interpolation = try Interpolation(parsing: text)
            let expression: Expression
            if interpolation.isLiteral {
                expression = try Expression.parse(text)
            } else if interpolation.parts.count == 1, let only = interpolation.expressions.first {
                expression = only
            } else {
                d.error("'if' of step '\(step.id)' must be one expression, not text around '${{ }}'", at: node.mark)
                return nil
            }
            let mark = Self.marker(for: node)
            for (path, offset) in expression.references {
                checkReference(path, at: mark(offset), step: step, workflow: workflow, diagnostics: &d)
            }
            return expression
        } catch {
            d.error("in 'if' of step '\(step.id)': \(error.message)", at: Self.mark(of: node, offset: error.offset))
            return nil
        }
    }

    /// Reports, at their place in the template file, names that do not exist and sections left
    /// open or closed wrongly.
    private func checkTemplate(_ url: URL, step: StepDefinition, workflow: Workflow, diagnostics d: inout Diagnostics) {
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        var td = Diagnostics(file: url.path)
        let scan = TemplateReferences.scan(String(decoding: data, as: UTF8.self))
        for problem in scan.problems { td.error("the template does not parse: \(problem.message)", at: problem.mark) }
        checkTemplateReferences(scan.references, place: { $0 }, step: step, workflow: workflow, diagnostics: &td)
        d.append(fromOtherFile: td.items)
    }

    /// Reports names that do not exist in a template written inline in the workflow (a step's
    /// `InlineTemplates` field), at their place when the value is one plain or simply quoted
    /// line, else at the value's start. Text holding `${{ }}` is left alone: it becomes the
    /// template only once its expressions are evaluated (and those are checked as expressions).
    private func checkInlineTemplate(_ node: Node, step: StepDefinition, workflow: Workflow, diagnostics d: inout Diagnostics) {
        guard let text = node.scalarText, !text.contains("${{") else { return }
        let at = Self.marker(for: node)
        checkTemplateReferences(TemplateReferences.scan(text).references,
                                place: { $0.line == 1 ? at($0.column - 1) : node.mark },
                                step: step, workflow: workflow, diagnostics: &d)
    }

    /// Checks what a template refers to; `place` turns a mark within the template into the mark
    /// reported.
    private func checkTemplateReferences(_ references: [TemplateReferences.Reference], place: (Mark) -> Mark,
                                         step: StepDefinition, workflow: Workflow, diagnostics d: inout Diagnostics) {
        for reference in references {
            let mark = place(reference.mark)
            if reference.path.first == "workspace" {
                if reference.path.count != 2 || !TemplateReferences.workspaceNames.contains(reference.path[1]) {
                    var message = "'\(reference.path.joined(separator: "."))' is unknown; the workspace offers \(TemplateReferences.workspaceNames.map { "workspace.\($0)" }.joined(separator: ", "))"
                    if reference.path.count == 2, let near = Suggest.nearest(to: reference.path[1], among: TemplateReferences.workspaceNames) {
                        message += "; did you mean 'workspace.\(near)'?"
                    }
                    d.error(message, at: mark)
                }
                continue
            }
            checkReference(reference.path, at: mark, step: step, workflow: workflow, diagnostics: &d)
        }
    }

    private func checkReferences(in node: Node, step: StepDefinition, workflow: Workflow, diagnostics d: inout Diagnostics) {
        guard let text = node.scalarText else { return }
        do {
            let interpolation = try Interpolation(parsing: text)
            let mark = Self.marker(for: node)
            for e in interpolation.expressions {
                for (path, offset) in e.references {
                    checkReference(path, at: mark(offset), step: step, workflow: workflow, diagnostics: &d)
                }
            }
        } catch {
            d.error("in an expression of step '\(step.id)': \(error.message)", at: Self.mark(of: node, offset: error.offset))
        }
    }

    /// Checks that a reference names a declared input, or an output of a step that runs earlier.
    func checkReference(_ path: [String], at mark: Mark, step: StepDefinition, workflow: Workflow,
                        diagnostics d: inout Diagnostics) {
        let dotted = path.joined(separator: ".")
        switch path.first {
        case "inputs":
            guard path.count >= 2 else {
                d.error("'\(dotted)' needs an input name: inputs.NAME", at: mark)
                return
            }
            if workflow.inputs.field(path[1]) == nil {
                let names = workflow.inputs.fields.map(\.name)
                var message = "'\(dotted)' refers to an input the workflow does not declare"
                if let near = Suggest.nearest(to: path[1], among: names) { message += "; did you mean 'inputs.\(near)'?" }
                else { message += names.isEmpty ? " (it declares none)" : "; declared: \(names.joined(separator: ", "))" }
                d.error(message, at: mark)
            }
        case "steps":
            guard path.count >= 3, path[2] == "outputs" else {
                d.error("'\(dotted)' must have the form steps.ID.outputs.NAME", at: mark)
                return
            }
            let id = path[1]
            guard let target = workflow.step(id) else {
                var message = "'\(dotted)' refers to a step '\(id)' that "
                message += id == step.id ? "is this step itself; a step cannot read its own outputs" : "comes later or does not exist; only steps before this one can be read"
                if id != step.id, let near = Suggest.nearest(to: id, among: workflow.steps.map(\.id)) { message += " (did you mean '\(near)'?)" }
                d.error(message, at: mark)
                return
            }
            if path.count >= 4, let names = target.outputNames, !names.contains(path[3]) {
                var message = "step '\(id)' (\(target.uses)) has no output '\(path[3])'"
                if let near = Suggest.nearest(to: path[3], among: names) { message += "; did you mean '\(near)'?" }
                else { message += "; its outputs: \(names.joined(separator: ", "))" }
                d.error(message, at: mark)
            }
        case "case":
            if path != ["case", "id"] { d.error("'\(dotted)' is unknown; the case offers only case.id", at: mark) }
        default:
            d.error("'\(dotted)' names nothing; use inputs.NAME, steps.ID.outputs.NAME or case.id", at: mark)
        }
    }

    /// What a `${{ … }}` value stands for before the case runs: its own source text.
    static func unresolved(_ node: Node) -> Value {
        .string(node.scalarText ?? "")
    }

    /// The `type: file` fields of a step's decoded `with:` and the paths they hold.
    public static func fileReferences(_ values: [String: Value], schema: Schema) -> [(Field, String)] {
        schema.fields.compactMap { field in
            guard case .file = field.type, let path = values[field.name]?.stringValue else { return nil }
            return (field, path)
        }
    }

    /// Every file a workflow references, relative to its folder, for the case snapshot.
    public func referencedFiles(of workflow: Workflow) -> [String] {
        var paths: Set<String> = []
        for step in workflow.steps {
            guard let type = registry[step.uses], let node = step.with else { continue }
            var scratch = Diagnostics(file: workflow.file)
            let values = SchemaCheck.decode(node, against: type.withSchema, what: "", diagnostics: &scratch, dynamic: { node, _, _, _ in Self.unresolved(node) })
            for (_, path) in Self.fileReferences(values, schema: type.withSchema) { paths.insert(path) }
        }
        return paths.sorted()
    }

    /// Why a referenced path cannot be used, or nil: it must be relative, stay inside the
    /// workflow's folder, and name a regular file.
    static func fileProblem(_ path: String, baseFolder: URL, mustExist: Bool) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.hasPrefix("/") || parts.contains("..") || parts.contains("") || path.contains("${{") {
            return "'\(path)' must be a plain path relative to the workflow's folder, without '..' or expressions"
        }
        guard mustExist else { return nil }
        let url = baseFolder.appendingPathComponent(path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else {
            return "the file '\(path)' does not exist (looked for \(url.path))"
        }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path), !target.isEmpty {
            return "'\(path)' is a symbolic link; refer to the file itself"
        }
        return nil
    }

    /// The mark of a character offset within a scalar: exact for one-line plain or quoted
    /// scalars, the scalar's start otherwise.
    static func mark(of node: Node, offset: Int) -> Mark {
        marker(for: node)(offset)
    }

    /// `mark(of:offset:)` for many offsets in one scalar: the scalar is looked at once (per
    /// offset, a value with thousands of `${{ }}` made validation quadratic in its length).
    static func marker(for node: Node) -> (Int) -> Mark {
        let start = node.mark
        guard case .scalar(let text, let style) = node.content, !text.contains("\n") else { return { _ in start } }
        switch style {
        case .plain: return { Mark(line: start.line, column: start.column + $0) }
        case .singleQuoted, .doubleQuoted:
            if text.contains("'") || text.contains("\\") { return { _ in start } }
            return { Mark(line: start.line, column: start.column + 1 + $0) }
        default: return { _ in start }
        }
    }

    /// Durations: a number of seconds, or a number followed by s, m or h ("90s", "5m", "1h").
    public static func parseDuration(_ node: Node, what: String, diagnostics d: inout Diagnostics) -> Double? {
        let text = node.scalarText ?? ""
        var seconds: Double?
        switch node.resolved {
        case .int(let i): seconds = Double(i)
        case .float(let x): seconds = x
        default:
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
            if let unit = text.last, let factor = units[unit], let n = Double(text.dropLast()) { seconds = n * factor }
        }
        guard let seconds, seconds > 0, seconds <= 86_400 else {
            d.error("\(what) must be a duration between 1s and 24h, written like 30s, 5m or 2h (not '\(text)')", at: node.mark)
            return nil
        }
        return seconds
    }
}
