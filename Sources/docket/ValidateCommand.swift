import ArgumentParser
import DocketCore
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

    @Argument(help: ArgumentHelp("Workflow files to check.", valueName: "FILE"))
    var files: [String]

    func run() throws {
        let loader = WorkflowLoader(registry: RootOptions.registry)
        var allValid = true
        for file in files {
            do {
                // A council roster is validated as one; anything else as a workflow.
                let head = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                if head.split(separator: "\n").contains(where: { $0.hasPrefix("docket-council:") }) {
                    _ = try CouncilRoster.load(path: file)
                } else {
                    _ = try loader.load(path: file)
                }
                print("ok \(TerminalText.escaped(file))")
            } catch {
                allValid = false
                _ = report(error)
            }
        }
        if !allValid { throw ExitCode(65) }
    }
}

struct StepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps",
        abstract: "Lists the step types a workflow can use, with their 'with:' fields.")

    func run() {
        let registry = RootOptions.registry
        for name in registry.names {
            let step = registry[name]!
            print("\(name) — \(step.summary) [\(registry.origins[name] ?? "")]")
            for f in step.withSchema.fields {
                print("    \(f.name): \(f.type)\(f.required ? ", required" : "")\(f.description.isEmpty ? "" : " — \(f.description)")")
            }
        }
    }
}
