import ArgumentParser
import DocketCore
import DocketCouncil
import DocketServices
import DocketIndex
import DocketSteps
import DocketYAML
import Foundation

struct AnswersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answers",
        abstract: "Lists the register of answer numbers (答申番号): number, date, case, subject, department, decision, state.",
        discussion: """
            Numbers are taken only by answers that are issued, one series per fiscal year for the \
            whole workspace. An answer whose case was later withdrawn (取下げ) keeps its number and \
            shows state 'withdrawn'. --year takes the fiscal year's first calendar year (2022 for 令和4年度). \
            The numbers are read from the register (registers/answers-FY.jsonl), the states from the \
            case index (the cases' journals if the index cannot be used).
            """)

    @OptionGroup var options: RootOptions
    @Option(help: ArgumentHelp("Only this fiscal year.", valueName: "FY")) var year: Int?
    @Flag(help: "Print RFC 4180 CSV.") var csv = false

    func run() throws {
        do {
            let header = ["number", "date", "case", "subject", "department", "decision", "state"]
            let rows = try options.services().answers(fiscalYears: year.map { [$0] }, note: note).map { row -> [String] in
                let e = row.entry
                return [row.label, e.issued, e.caseID, e.subject ?? "", e.department ?? "", e.decision ?? "", row.state.rawValue]
            }
            if csv {
                print(([header] + rows).map { $0.map(VotesCommand.csvField).joined(separator: ",") }.joined(separator: "\r\n"), terminator: "\r\n")
            } else if rows.isEmpty {
                print(year.map { "no answers issued in fiscal year \($0)" } ?? "no answers issued yet")
            } else {
                print(Table.render([header.map { $0.uppercased() }] + rows.map { $0.map { TerminalText.escaped($0) } }))
            }
        } catch { throw report(error) }
    }

    func note(_ note: ListingNote) { Reporting.note(note, root: options.hint) }
}
