import ArgumentParser
import DocketCore
import Foundation

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Supplies what a waiting step asked for (review notes, a tally, …).",
        discussion: """
            FILE is YAML or JSON with the fields the step asks for ('docket status ID' shows \
            them). It is checked first; on any problem nothing is recorded and each problem is \
            printed as FILE:LINE:COLUMN: error: MESSAGE. Then 'docket run ID' continues the case.
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("The case.", valueName: "ID"))
    var caseID: String

    @Argument(help: ArgumentHelp("The waiting step's id.", valueName: "STEP"))
    var step: String

    @Option(name: .long, help: ArgumentHelp("The record, in YAML or JSON.", valueName: "FILE"))
    var file: String

    func run() throws {
        do {
            try options.runner().record(caseID: caseID, stepID: step, file: file)
            print("recorded for step '\(step)' of case \(caseID); next: docket run \(caseID)")
        } catch {
            throw report(error)
        }
    }
}
