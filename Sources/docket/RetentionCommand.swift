import ArgumentParser
import DocketArchive
import DocketCore
import DocketYAML
import Foundation

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Lists cases whose personal data is due for deletion, and deletes them with a certificate.",
        subcommands: [Due.self, Purge.self])

    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }

    static func checkDate(_ date: String?) throws -> String {
        guard let date else { return today() }
        switch CalendarDate.parse(date) {
        case .success(let iso): return iso
        case .failure(let problem): throw ValidationError("--date: \(problem)")
        }
    }

    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the cases whose retention ended before the date (default: today).",
            discussion: "A workflow states retention with 'retention: {until: DATE-OR-EXPRESSION, keep-archive: true|false}'.")

        @OptionGroup var options: RootOptions
        @Option(help: ArgumentHelp("The date to check against (YYYY-MM-DD).", valueName: "DATE")) var date: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let on = try RetentionCommand.checkDate(date)
            let report = Retention(runner: options.runner()).dueReport(on: on)
            let due = report.due
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(due), as: UTF8.self))
            } else if due.isEmpty {
                print(report.problems.isEmpty ? "no case is due for deletion on \(on)" : "no other case is due for deletion on \(on)")
            } else {
                print(Table.render([["CASE", "WORKFLOW", "KEPT UNTIL", "STATE", "ARCHIVE"]] + due.map {
                    [$0.caseID, $0.workflow, $0.until, $0.state, $0.archived ? "archived" : ($0.keepArchive ? "NOT ARCHIVED" : "not kept")]
                }))
            }
            // A case that cannot be checked is named, and the others are still listed above.
            for problem in report.problems { printErr("docket: \(TerminalText.escapedKeepingLines(problem))") }
            if !report.problems.isEmpty { throw Reporting.exit(.badInput) }
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deletes a due case's working copy and writes a deletion certificate (消去証明書).",
            discussion: """
                Refused unless the case's retention has ended. If the workflow keeps the archive, \
                archives/ID.zip must exist, verify, and be the archive the journal recorded. The \
                certificate (certificates/ID-消去証明書.md and .json) lists every file deleted \
                with its size and SHA-256, the listing before and after, when and by whom.
                """)

        @OptionGroup var options: RootOptions
        @OptionGroup var passwordOptions: PasswordOptions
        @Argument(help: ArgumentHelp("The case.", valueName: "ID")) var caseID: String
        @Option(help: ArgumentHelp("The date of deletion (YYYY-MM-DD), default today.", valueName: "DATE")) var date: String?

        func run() throws {
            let on = try RetentionCommand.checkDate(date)
            do {
                let (certificate, path) = try Retention(runner: options.runner())
                    .purge(caseID, on: on, password: try passwordOptions.password(), now: Date())
                print("deleted case \(caseID): \(certificate.deleted.count) files; archive \(certificate.archiveKept ? "kept" : "not kept"); certificate: \(path.path)")
            } catch {
                throw Reporting.report(error, root: options.hint)
            }
        }
    }
}
