import ArgumentParser
import DocketCore
import Foundation

struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Opens a case under a workflow.",
        discussion: """
            WORKFLOW is a file path or a name under workflows/ (for example 'consultation'). The \
            inputs are checked against the workflow's 'inputs:'; the workflow and the templates it \
            uses are copied into the case, so later edits to workflows/ do not change it.

            Example: docket new consultation --case 2022-c1 --input department=人事課
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("The workflow: a path, or a name under workflows/.", valueName: "WORKFLOW"))
    var workflow: String

    @Option(name: .customLong("case"), help: ArgumentHelp("The new case's id (letters, digits, '-', '_', '.').", valueName: "ID"))
    var caseID: String?

    @Flag(name: .long, help: "Print a commented YAML skeleton of the workflow's inputs (for --inputs FILE) instead of opening a case.")
    var template = false

    @Option(name: .customLong("input"), help: ArgumentHelp("An input value; repeat for several.", valueName: "KEY=VALUE"))
    var inputs: [String] = []

    @Option(name: .customLong("inputs"), help: ArgumentHelp("A YAML or JSON file of input values.", valueName: "FILE"))
    var inputsFile: String?

    func validate() throws {
        if !template && caseID == nil { throw ValidationError("give the new case's id with --case ID") }
    }

    func run() throws {
        do {
            let path = try options.workflowPath(workflow)
            if template {
                let wf = try WorkflowLoader(registry: options.runner().registry).load(path: path)
                print("# The inputs of workflow '\(wf.name)': fill in, then\n# docket new \(wf.name) --case ID --inputs FILE")
                print(SchemaSkeleton.yaml(wf.inputs), terminator: "")
                return
            }
            let caseID = caseID!
            let wf = try options.runner().open(caseID: caseID, workflowPath: path, inputsFile: inputsFile, given: try InputPairs.parse(inputs))
            print("opened case \(caseID) under workflow '\(wf.name)' (\(wf.steps.count) step\(wf.steps.count == 1 ? "" : "s")); next: docket run \(caseID)\(options.hint)")
        } catch {
            throw report(InputPairs.withHow(error))
        }
    }
}
