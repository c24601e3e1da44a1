import ArgumentParser
import DocketCore
import DocketIndex
import DocketYAML
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Finds cases by the words in their documents, records and inputs (先例検索).",
        discussion: """
            Every word must occur in one text of a case (a document, a record, or the inputs); \
            words are separated by spaces and matched as written, Japanese included, anywhere in \
            a word (個人情報 finds 個人情報保護). Quotes, %, _, * and the like are ordinary \
            characters. Words of one or two characters are found too, by reading every text \
            (slower on a large index). Results come best first, each with the case, the \
            document, the line and an excerpt where »the words« are marked.

            --json prints a list of: case, document, line, excerpt, workflow, state, subject, \
            department, decision, year, score.
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("Words to find.", valueName: "QUERY"))
    var query: [String]

    @Option(name: .long, help: ArgumentHelp("Only cases of this department (所管課).", valueName: "D"))
    var department: String?

    @Option(name: .long, help: ArgumentHelp("Only cases of this fiscal year: 2025, R7 or 令和7.", valueName: "FY"))
    var year: String?

    @Option(name: .long, help: ArgumentHelp("Only cases of this workflow.", valueName: "W"))
    var workflow: String?

    @Option(name: .long, help: ArgumentHelp("Only cases decided so: 承認 or 不承認.", valueName: "DECISION"))
    var decision: String?

    @Option(name: .long, help: ArgumentHelp("Only cases in this state.", valueName: "S"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("At most this many results (default 20).", valueName: "N"))
    var limit = 20

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        if let decision, !["承認", "不承認"].contains(decision) {
            throw ValidationError("--decision is 承認 or 不承認, not '\(TerminalText.escaped(decision))'")
        }
        if let year, Self.fiscalYear(year) == nil {
            throw ValidationError("--year is a fiscal year such as 2025, R7 or 令和7, not '\(TerminalText.escaped(year))'")
        }
        guard limit > 0 else { throw ValidationError("--limit must be 1 or more") }
        guard !SearchQuery(query.joined(separator: " ")).terms.isEmpty else {
            throw ValidationError("give the words to search for, for example: docket search 外部委託 --department 人事課")
        }
    }

    /// `2025`, `R7`, `令和7` (年度 allowed) → 2025.
    static func fiscalYear(_ text: String) -> Int? { CaseFilter.fiscalYear(parsing: text) }

    func run() throws {
        let filter = CaseFilter(state: state, workflow: workflow, department: department,
                                fiscalYear: year.flatMap(Self.fiscalYear), decision: decision)
        let search = SearchQuery(query.joined(separator: " "), filter: filter, limit: limit)
        let store = options.store
        guard FileManager.default.fileExists(atPath: store.casesFolder.path) else {
            print(json ? "[]" : "no cases here to search (no cases/ folder in \(TerminalText.escaped(store.root.path)))")
            return
        }
        do {
            let index = try SQLiteIndex(store: store)
            let caughtUp = try index.catchUp()
            for p in (index.openReport?.problems ?? []) + caughtUp.problems { _ = report(p.error) }
            let hits = try index.search(search)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(hits), as: UTF8.self))
                return
            }
            guard !hits.isEmpty else {
                print("nothing found for \(search.terms.map { "'\(TerminalText.escaped($0))'" }.joined(separator: " and "))")
                return
            }
            print(Table.render([["CASE", "DOCUMENT:LINE", "SUBJECT", "EXCERPT"]] + hits.map {
                [$0.case, "\(TerminalText.escaped($0.document)):\($0.line)", Table.shortened(TerminalText.escaped($0.subject ?? "-"), to: 24),
                 TerminalText.escaped($0.excerpt)]
            }))
            print("\(counted(hits.count, "result"))\(hits.count == limit ? " (the first \(limit); --limit shows more)" : "")")
        } catch {
            throw options.reportIndex(error)
        }
    }
}
