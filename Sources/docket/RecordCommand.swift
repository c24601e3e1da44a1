import ArgumentParser
import DocketCore
import DocketYAML
import Foundation

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Supplies what a waiting step asked for (review notes, a tally, corrected materials, …).",
        discussion: """
            FILE is YAML or JSON with the fields the step asks for ('docket record ID STEP \
            --template' prints a commented skeleton to fill in); '--file -' reads it from \
            standard input. It is checked first; on any problem nothing is recorded and each \
            problem is printed as FILE:LINE:COLUMN: error: MESSAGE. Then 'docket run ID' \
            continues the case.

            After a send-back the drafting step waits for the department's corrected materials: \
            give their folder with --materials FOLDER. Materials byte-identical to the previous \
            round are refused unless --reason says why no change was needed.

            A record not yet used by a run can be replaced: --replace --reason TEXT.
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("The case.", valueName: "ID"))
    var caseID: String

    @Argument(help: ArgumentHelp("The waiting step's id.", valueName: "STEP"))
    var step: String

    @Option(name: .long, help: ArgumentHelp("The record, in YAML or JSON ('-': standard input).", valueName: "FILE"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("The folder of corrected materials (for a drafting step after a send-back).", valueName: "FOLDER"))
    var materials: String?

    @Flag(name: .long, help: "Replace the record not yet used by a run (needs --reason).")
    var replace = false

    @Option(name: .long, help: ArgumentHelp("Why (for --replace, or why materials did not change).", valueName: "TEXT"))
    var reason: String?

    @Flag(name: .long, help: "Print a commented YAML skeleton of the record instead of recording.")
    var template = false

    func validate() throws {
        if template { return }
        if (file == nil) == (materials == nil) { throw ValidationError("give the record with --file FILE (or --materials FOLDER for corrected materials)") }
        if replace && reason == nil { throw ValidationError("--replace needs --reason TEXT, for the journal") }
    }

    func run() throws {
        do {
            let runner = options.runner()
            if template {
                print(try RecordTemplate.text(runner: runner, caseID: caseID, step: step), terminator: "")
                return
            }
            let node: Node, source: String
            if let materials {
                let url = (materials.hasPrefix("/") ? URL(fileURLWithPath: materials) : RootOptions.currentFolder.appendingPathComponent(materials)).standardizedFileURL
                var fields: [String: String] = ["materials": url.path]
                if let reason { fields["reason"] = reason }
                let json = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
                source = "--materials \(materials)"
                node = try YAMLLoader().loadSingleDocument([UInt8](json), file: source)
            } else if file == "-" {
                source = "<stdin>"
                node = try YAMLLoader().loadSingleDocument([UInt8](FileHandle.standardInput.readDataToEndOfFile()), file: source)
            } else {
                source = file!
                node = try YAMLLoader().loadFile(at: source)
            }
            try CaseActions(runner: runner).record(caseID, step: step, values: node, source: source, by: RootOptions.user,
                                                   replace: replace, reason: replace ? reason : nil)
            print("\(replace ? "replaced the record" : "recorded") for step '\(step)' of case \(caseID); next: docket run \(caseID)\(options.hint)")
        } catch {
            throw report(error)
        }
    }
}

/// The commented skeleton `record --template` prints.
enum RecordTemplate {
    static func text(runner: Runner, caseID: String, step: String) throws -> String {
        let schema = try CaseActions(runner: runner).recordSchema(caseID, step: step)
        return "# The record for step '\(step)' of case \(caseID): fill in, then\n# docket record \(caseID) \(step) --file FILE\n"
            + SchemaSkeleton.yaml(schema)
    }
}
