import ArgumentParser
import DocketCore
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
            let store = options.store
            let register = AnswerRegister(root: store.root)
            let years = year.map { [$0] } ?? register.fiscalYears()
            let header = ["number", "date", "case", "subject", "department", "decision", "state"]
            var entries: [(fy: Int, entry: AnswerRegister.Entry)] = []
            for fy in years { entries += try register.entries(fiscalYear: fy).map { (fy, $0) } }
            let states = states(of: entries.map(\.entry), store: store, register: register)
            let rows = zip(entries, states).map { item, state -> [String] in
                let (fy, e) = item
                return [e.label ?? "\(JapaneseDate.fiscalYearLabel(fy, on: e.issued))第\(e.number)号", e.issued, e.caseID, e.subject ?? "",
                        e.department ?? "", e.decision ?? "", state]
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

    /// Where each entry's answer stands (issued, withdrawn, or missing when its case is gone),
    /// from the case index caught up with the journals; from each case's journal if the index
    /// cannot be used.
    func states(of entries: [AnswerRegister.Entry], store: CaseStore, register: AnswerRegister) -> [String] {
        guard !entries.isEmpty, FileManager.default.fileExists(atPath: store.casesFolder.path) else {
            return entries.map(register.state(of:))
        }
        do {
            let index = try options.openIndex(store)
            _ = try index.catchUp()  // a journal that does not verify leaves the index: its case shows as missing
            var state: [String: String] = [:]
            for row in try index.cases(ids: entries.map(\.caseID)) { state[row.id] = row.state }
            // The case's state is `withdrawn` exactly while it is withdrawn and not reopened:
            // the register's rule (`AnswerRegister.state(afterIssue:)`) for an issued answer.
            return entries.map { e in state[e.caseID].map { $0 == "withdrawn" ? "withdrawn" : "issued" } ?? "missing" }
        } catch {
            printErr("docket: warning: \(TerminalText.escaped(String(describing: error))) (docket index rebuild\(options.hint)); reading the journals instead")
            return entries.map(register.state(of:))
        }
    }
}
