import DocketYAML
import Foundation

extension Runner {
    /// Opens a case under `workflowPath`: checks the workflow and the inputs (from `--inputs`
    /// FILE, then `--input KEY=VALUE` pairs, which win), snapshots the workflow and the files it
    /// references, and writes the first journal event.
    public func open(caseID: String, workflowPath: String, inputsFile: String?, inputPairs: [String]) throws -> Workflow {
        guard CaseStore.isValidCaseID(caseID) else { throw CaseError.invalidCaseID(caseID) }
        if FileManager.default.fileExists(atPath: store.folder(caseID).path) { throw CaseError.caseExists(caseID) }
        let loader = WorkflowLoader(registry: registry)
        let workflow = try loader.load(path: workflowPath)
        let inputs = try Self.inputs(for: workflow, file: inputsFile, pairs: inputPairs)
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
    /// `DiagnosticsError` naming the file and place, or the `--input` pair, of each problem.
    public static func inputs(for workflow: Workflow, file: String?, pairs: [String]) throws -> [String: Value] {
        var values: [String: Value] = [:]
        var problems: [Diagnostic] = []
        let optional = Schema(workflow.inputs.fields.map { var f = $0; f.required = false; f.defaultValue = nil; return f })
        if let file {
            let node = try YAMLLoader().loadFile(at: file)
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
        for pair in pairs {
            let label = "--input \(pair)"
            guard let eq = pair.firstIndex(of: "=") else {
                problems.append(Diagnostic(file: label, mark: nil, message: "write KEY=VALUE, for example --input department=人事課"))
                continue
            }
            let key = String(pair[..<eq]), raw = String(pair[pair.index(after: eq)...])
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
            if let v = SchemaCheck.decode(node, as: field.type, what: "input '\(key)'", diagnostics: &d) { values[key] = v }
            problems += d.items.map { Diagnostic(file: $0.file, mark: nil, message: $0.message) }
        }
        for field in workflow.inputs.fields {
            guard case .folder = field.type, let path = values[field.name]?.stringValue else { continue }
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                values[field.name] = .string(url.path)
            } else {
                problems.append(Diagnostic(file: file ?? "--input \(field.name)", mark: nil,
                    message: "input '\(field.name)' names the folder '\(path)', which does not exist (looked for \(url.path))"))
            }
        }
        for field in workflow.inputs.fields where values[field.name] == nil {
            if let def = field.defaultValue { values[field.name] = def }
            else if field.required {
                problems.append(Diagnostic(file: file ?? "inputs", mark: nil,
                    message: "the required input '\(field.name)' (\(field.type)) is missing\(field.description.isEmpty ? "" : ": \(field.description)"); give it with --input \(field.name)=VALUE or in --inputs FILE"))
            }
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return values
    }

    /// Records what a person supplied for a waiting step, after checking it against the step's
    /// record schema (errors name `file:line:column`). Nothing is written if anything is wrong.
    public func record(caseID: String, stepID: String, file: String) throws {
        try store.requireCase(caseID)
        try record(caseID: caseID, stepID: stepID, node: try YAMLLoader().loadFile(at: file), source: file)
    }

    /// Records a parsed record; `source` names it in errors (a file, or the command that built it).
    public func record(caseID: String, stepID: String, node: Node, source: String) throws {
        let lock = try store.lock(caseID)
        defer { withExtendedLifetime(lock) {} }
        var (journal, state) = try store.load(caseID)
        let workflow = try workflow(of: caseID)
        guard let definition = workflow.step(stepID) else {
            throw CaseError.unknownStep(caseID: caseID, step: stepID, known: workflow.steps.map(\.id))
        }
        let stepState = state.step(stepID)
        guard stepState.status == .waiting else {
            throw CaseError.notWaiting(caseID: caseID, step: stepID, state: stepState.status.rawValue)
        }
        guard let type = registry[definition.uses] else {
            throw CaseError.workflowChanged(store.workflowFile(caseID).path, "step type '\(definition.uses)' is not available")
        }
        let scope = ExpressionScope(caseID: caseID, inputs: state.inputs, outputs: state.outputs)
        let with = try resolveWith(definition, type: type, scope: scope, file: workflow.file).get()
        guard let schema = type.recordSchema(with: with) else {
            throw CaseError.notWaiting(caseID: caseID, step: stepID, state: "a step that takes no records")
        }
        var d = Diagnostics(file: source)
        let values = SchemaCheck.decode(node, against: schema, what: "the record for step '\(stepID)'", diagnostics: &d)
        try d.check()
        for (field, message) in type.checkRecord(values, with: with, snapshotFolder: store.workflowFiles(caseID)) {
            let mark = field.flatMap { node.value(forKey: $0)?.mark } ?? node.mark
            d.error(message, at: mark)
        }
        try d.check()
        var event = JournalEvent(type: .recorded, step: stepID)
        event.record = .map(values)
        event.by = user
        try store.journal(caseID).append([event], to: &journal, now: clock())
    }
}
