import ArgumentParser
import DocketCore
import DocketCouncil
import DocketPlugins
import DocketSteps
import DocketYAML
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Checks workflow files without running anything.",
        discussion: """
            Checks each file's YAML, every key and type, every 'uses:' against the known step \
            types (a council roster, starting 'docket-council: 1', is checked as one), every 'with:' against that step's own fields, and every expression's \
            references. Prints 'ok FILE' for each valid file; each problem is printed as \
            FILE:LINE:COLUMN: error: MESSAGE. Exits 0 when all are valid, 65 otherwise.
            """)

    @OptionGroup var options: LookupOptions

    @Argument(help: ArgumentHelp("Workflow files to check, or names of the workspace's workflows.", valueName: "FILE"))
    var files: [String]

    func run() throws {
        let loader = WorkflowLoader(registry: options.registry)
        let workspace = (try? options.workspace()) ?? nil
        var allValid = true
        for given in files {
            // A path as given; else, in a workspace, a workflow's name in its workflow folders.
            let isFile = FileManager.default.fileExists(atPath: given)
            let file = isFile ? given : (try? workspace?.workflowPath(given, currentFolder: RootOptions.currentFolder)) ?? given
            do {
                // A council roster is validated as one; anything else as a workflow.
                let head = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                if head.split(separator: "\n").contains(where: { $0.hasPrefix("docket-council:") }) {
                    _ = try CouncilRoster.load(path: file)
                } else {
                    let workflow = try loader.load(path: file)
                    warnRefusedPlugins(workflow, file: file, registry: loader.registry)
                }
                print("ok \(TerminalText.escaped(file))")
            } catch {
                allValid = false
                _ = report(error)
            }
        }
        if !allValid { throw Reporting.exit(.badInput) }
    }

    /// Plugin steps that would be refused on this machine (a workflow or plugin requiring
    /// bubblewrap where it does not work): valid, but worth knowing before a case is opened.
    func warnRefusedPlugins(_ workflow: Workflow, file: String, registry: StepRegistry) {
        for step in workflow.steps {
            guard let plugin = registry[step.uses] as? PluginStep, let refusal = plugin.refusal(workflow: workflow.plugins) else { continue }
            printErr("docket: warning: \(TerminalText.escaped(file)): step '\(step.id)' will not run on this machine: \(refusal)")
        }
    }
}

struct StepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps",
        abstract: "Lists the step types a workflow can use, with their 'with:' fields; or one in detail.",
        discussion: """
            With NAME: its 'with:' fields, what it waits for (every field a record may hold, \
            nested shapes such as questions: [{question, answer?, by?}], defaults; '?' marks an \
            optional field) and its outputs. 'docket record ID STEP --template' prints a record \
            skeleton to fill in.
            """)

    @OptionGroup var options: LookupOptions

    @Argument(help: ArgumentHelp("A step type to show in detail.", valueName: "NAME"))
    var name: String?

    func run() throws {
        let registry = options.registry
        guard let name else {
            for name in registry.names {
                let step = registry[name]!
                print("\(name) — \(step.summary) [\(registry.origins[name] ?? "")]")
                for line in SchemaSkeleton.lines(step.withSchema) { print(line) }
            }
            return
        }
        guard let step = registry[name] else {
            var text = "docket: error: there is no step type '\(TerminalText.escaped(name))'"
            if let near = Suggest.nearest(to: name, among: registry.names) { text += "; did you mean '\(near)'?" }
            else { text += "; known: \(registry.names.joined(separator: ", "))" }
            printErr(text)
            throw Reporting.exit(.notFound)
        }
        print("\(name) — \(step.summary) [\(registry.origins[name] ?? "")]")
        print("with:")
        let with = step.withSchema.fields.isEmpty ? ["    (nothing)"] : SchemaSkeleton.lines(step.withSchema)
        for line in with { print(line) }
        // The record schema may depend on 'with:'; the defaults give the usual one.
        var defaults: [String: Value] = [:]
        for f in step.withSchema.fields { if let d = f.defaultValue { defaults[f.name] = d } }
        if let record = step.recordSchema(with: defaults) {
            print("waits for a record:")
            for line in SchemaSkeleton.lines(record) { print(line) }
        } else {
            print("waits for: nothing (it never waits for a person)")
        }
        if let outputs = step.outputNames(with: defaults) {
            print("outputs: \(outputs.joined(separator: ", "))")
        } else {
            print("outputs: depend on the run")
        }
    }
}
