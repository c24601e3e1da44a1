import DocketYAML
import Foundation

/// A value given for one case input on its own, as text (a command-line option, a test's
/// dictionary): decoded by the input's type as an inputs file's value would be. `source`
/// names where it came from in messages (the front end's own words, such as the option).
public struct GivenInput: Sendable, Equatable {
    public var name: String
    public var text: String
    public var source: String

    public init(name: String, text: String, source: String) {
        self.name = name
        self.text = text
        self.source = source
    }

    /// Inputs given as a dictionary, each named "input NAME" in messages (in name order).
    public static func list(_ values: [String: String]) -> [GivenInput] {
        values.sorted { $0.key < $1.key }.map { GivenInput(name: $0.key, text: $0.value, source: "input \($0.key)") }
    }
}

extension Runner {
    /// Opens a case under `workflowPath`: checks the workflow and the inputs (from the inputs
    /// file `inputsFile`, then the inputs given one by one, which win), snapshots the workflow
    /// and the files it references, and writes the first journal event.
    public func open(caseID: String, workflowPath: String, inputsFile: String?, given: [GivenInput] = []) throws -> Workflow {
        try open(caseID: caseID, workflowPath: workflowPath) { try Self.inputs(for: $0, file: inputsFile, given: given) }
    }

    /// Opens a case with inputs given as a dictionary (see `GivenInput.list`).
    public func open(caseID: String, workflowPath: String, inputsFile: String?, inputs: [String: String]) throws -> Workflow {
        try open(caseID: caseID, workflowPath: workflowPath, inputsFile: inputsFile, given: GivenInput.list(inputs))
    }

    /// Opens a case from inputs already parsed (the board's form), checked as an inputs file
    /// named `source` would be; folder inputs must be absolute paths.
    public func open(caseID: String, workflowPath: String, inputs node: Node, source: String) throws -> Workflow {
        try open(caseID: caseID, workflowPath: workflowPath) { try Self.inputs(for: $0, node: node, source: source, given: []) }
    }

    func open(caseID: String, workflowPath: String, inputs: (Workflow) throws -> [String: Value]) throws -> Workflow {
        guard CaseStore.isValidCaseID(caseID) else { throw CaseError.invalidCaseID(caseID) }
        if FileManager.default.fileExists(atPath: store.folder(caseID).path) { throw CaseError.caseExists(caseID) }
        let loader = WorkflowLoader(registry: registry)
        let workflow = try loader.load(path: workflowPath)
        let inputs = try inputs(workflow)
        guard let text = FileManager.default.contents(atPath: workflowPath) else {
            throw CaseError.unreadable(workflowPath, "cannot read the workflow")
        }
        let base = URL(fileURLWithPath: workflowPath).deletingLastPathComponent()
        let files = loader.referencedFiles(of: workflow).map { ($0, base.appendingPathComponent($0)) }
        try store.create(id: caseID, workflowText: [UInt8](text), workflowSource: workflowPath, workflowName: workflow.name,
                         referencedFiles: files, inputs: inputs, by: user, now: clock())
        return workflow
    }

    /// Decodes and checks case inputs against the workflow's `inputs:`; throws
    /// `DiagnosticsError` naming the file and place, or the given input, of each problem.
    public static func inputs(for workflow: Workflow, file: String?, given: [GivenInput]) throws -> [String: Value] {
        try inputs(for: workflow, node: file.map { try YAMLLoader().loadFile(at: $0) }, source: file, given: given)
    }

    /// Decodes and checks case inputs given as a parsed mapping (an inputs file's, or a form's)
    /// and one by one; relative folders in `node` are relative to `source`'s folder.
    public static func inputs(for workflow: Workflow, node: Node?, source file: String?, given: [GivenInput]) throws -> [String: Value] {
        var values: [String: Value] = [:]
        var problems: [Diagnostic] = []
        // Inputs given, even if badly: those are reported as wrong, never also as missing.
        var named = Set(given.map(\.name))
        let optional = Schema(workflow.inputs.fields.map { var f = $0; f.required = false; f.defaultValue = nil; return f })
        let fileNode = node
        if let node {
            let file = file ?? "inputs"
            for pair in node.pairs ?? [] { if let key = pair.key.scalarText { named.insert(key) } }
            var d = Diagnostics(file: file)
            values = SchemaCheck.decode(node, against: optional, what: "the inputs file", diagnostics: &d)
            problems += d.sorted
            // Folders named in the file are relative to the file's own folder.
            let base = URL(fileURLWithPath: file).deletingLastPathComponent()
            for field in optional.fields {
                if case .folder = field.type, let path = values[field.name]?.stringValue, !path.hasPrefix("/") {
                    values[field.name] = .string(base.appendingPathComponent(path).path)
                }
            }
        }
        do {
            for (k, v) in try decode(given, for: workflow, checkingFolders: false) { values[k] = v }
        } catch let e as DiagnosticsError {
            problems += e.diagnostics
        }
        problems += folderProblems(in: &values, workflow: workflow, file: file, given: given)
        // Blank text in a required input is as good as missing (an answer to 「 様」).
        for field in workflow.inputs.fields where field.required {
            guard case .string = field.type, case .string(let text)? = values[field.name], text.trimmingWhitespace.isEmpty else { continue }
            let one = given.last { $0.name == field.name }
            problems.append(Diagnostic(file: one?.source ?? file ?? "inputs",
                                       mark: one != nil ? nil : fileNode?.value(forKey: field.name)?.mark,
                                       message: Message.blank(field).english, japanese: Message.blank(field).japanese))
        }
        for field in workflow.inputs.fields where values[field.name] == nil && !named.contains(field.name) {
            if let def = field.defaultValue { values[field.name] = def }
            else if field.required {
                problems.append(Diagnostic(file: file ?? "inputs", mark: nil,
                    message: Message.missingInput(field).english, japanese: Message.missingInput(field).japanese))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return values
    }

    /// Decodes inputs given one by one against the workflow's inputs (only those given);
    /// folder inputs must name existing folders (made absolute) unless `checkingFolders` is false.
    public static func decode(_ given: [GivenInput], for workflow: Workflow, checkingFolders: Bool = true) throws -> [String: Value] {
        var values: [String: Value] = [:]
        var problems: [Diagnostic] = []
        for one in given {
            let key = one.name, raw = one.text, label = one.source
            guard let field = workflow.inputs.field(key) else {
                let names = workflow.inputs.fields.map(\.name)
                var message = "the workflow '\(workflow.name)' has no input '\(key)'"
                if let near = Suggest.nearest(to: key, among: names) { message += "; did you mean '\(near)'?" }
                else { message += names.isEmpty ? " (it takes none)" : "; its inputs: \(names.joined(separator: ", "))" }
                problems.append(Diagnostic(file: label, mark: nil, message: message))
                continue
            }
            var d = Diagnostics(file: label)
            let node: Node
            switch field.type {
            case .string, .date, .oneOf, .file, .folder: node = Node(.scalar(raw, .doubleQuoted), mark: Mark(line: 0, column: 0))
            default:
                do { node = try YAMLLoader().loadSingleDocument(Array(raw.utf8), file: label) } catch let e as DiagnosticsError {
                    problems += e.diagnostics.map { Diagnostic(file: $0.file, mark: nil, message: $0.message) }
                    continue
                }
            }
            let subject = MessageSubject(english: "input '\(key)'", japanese: "「\(FieldNames.label(of: field))」")
            if let v = SchemaCheck.decode(node, as: field.type, subject: subject, diagnostics: &d) { values[key] = v }
            problems += d.items.map { Diagnostic(file: $0.file, mark: nil, message: $0.message, japanese: $0.japanese) }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        if checkingFolders {
            let folderIssues = folderProblems(in: &values, workflow: workflow, file: nil, given: given)
            if !folderIssues.isEmpty { throw DiagnosticsError(folderIssues) }
        }
        return values
    }

    /// Checks that folder inputs name existing folders, making them absolute.
    static func folderProblems(in values: inout [String: Value], workflow: Workflow, file: String?, given: [GivenInput]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for field in workflow.inputs.fields {
            guard case .folder = field.type, let path = values[field.name]?.stringValue else { continue }
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                values[field.name] = .string(url.path)
            } else {
                problems.append(Diagnostic(file: file ?? given.last { $0.name == field.name }?.source ?? "input \(field.name)", mark: nil,
                    message: "input '\(field.name)' names the folder '\(path)', which does not exist (looked for \(url.path))"))
            }
        }
        return problems
    }

    /// Records what a person supplied for a waiting step, after checking it against the step's
    /// record schema (errors name `file:line:column`). Nothing is written if anything is wrong.
    public func record(caseID: String, stepID: String, file: String) throws {
        let node = try YAMLLoader().loadFile(at: file)
        try CaseActions(runner: self).record(caseID, step: stepID, values: node, source: file, by: user)
    }

    /// Records a parsed record; `source` names it in errors (a file, or the command that built it).
    public func record(caseID: String, stepID: String, node: Node, source: String) throws {
        try CaseActions(runner: self).record(caseID, step: stepID, values: node, source: source, by: user)
    }
}
