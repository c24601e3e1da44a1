import ArgumentParser
import DocketCore
import DocketCouncil
import DocketServices
import DocketIndex
import DocketYAML
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Finds cases and meetings by the words in their documents, records and inputs (先例検索).",
        discussion: """
            Every word must occur in one text of a case (a document, a record, or the inputs); \
            words are separated by spaces and matched as written, Japanese included, anywhere in \
            a word (個人情報 finds 個人情報保護). Quotes, %, _, * and the like are ordinary \
            characters. Words of one or two characters are found too, through the index's \
            three-character pieces that begin with them. Results come best first, each with the case, the \
            document, the line and an excerpt where »the words« are marked.

            When more than 2,000 texts match, the results are the best of the 2,000 indexed \
            last, and a note says so: add a word or a filter to narrow, or --rank-all to rank \
            every match (the time then grows with the number of matches).

            Meetings are searched too (their header, agenda and attendance records and minutes), \
            shown as 'meeting ID', unless --department, --workflow, --decision or --state asks \
            for cases only (--year applies to a meeting's date).

            --json prints a list of: case, document, line, page (a PDF's text), excerpt, workflow, state, subject, \
            department, decision, year, score; a meeting's hit has an empty case and adds \
            meeting (its id), with its state (open, closed, archived) and its title as subject. \
            The note on a bounded ranking goes to standard error.
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

    @Flag(name: .long, help: "Rank every matching text, not only the 2,000 indexed last (slower when most texts match).")
    var rankAll = false

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        if let decision, Decision(label: decision) == nil {
            throw ValidationError("--decision is \(Decision.allCases.map(\.label).joined(separator: " or ")), not '\(TerminalText.escaped(decision))'")
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
        let search = SearchQuery(query.joined(separator: " "), filter: filter, limit: limit,
                                 rankWithin: rankAll ? nil : SearchQuery.defaultRankWithin)
        let store = options.store
        guard FileManager.default.fileExists(atPath: store.casesFolder.path) else {
            print(json ? "[]" : "no cases here to search (no cases/ folder in \(TerminalText.escaped(store.root.path)))")
            return
        }
        do {
            let index = try options.services().openIndex()
            let caughtUp = try index.catchUp()
            for p in (index.openReport?.problems ?? []) + caughtUp.problems { _ = report(p.error) }
            let results = try index.search(search)
            let hits = results.hits
            let bounded = results.rankedAmong.map {
                "more than \($0) texts match: these are the best of the \($0) indexed last. Add a word or a filter "
                    + "(--department, --year, --state) to narrow, or rank every match with --rank-all (slower)."
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(hits), as: UTF8.self))
                if let bounded { FileHandle.standardError.write(Data(("note: " + bounded + "\n").utf8)) }
                return
            }
            guard !hits.isEmpty else {
                print("nothing found for \(search.terms.map { "'\(TerminalText.escaped($0))'" }.joined(separator: " and "))")
                return
            }
            print(Table.render([["CASE", "DOCUMENT:LINE", "SUBJECT", "EXCERPT"]] + hits.map {
                [$0.meeting.map { "meeting \($0)" } ?? $0.case, "\(TerminalText.escaped($0.document))\($0.page.map { " p.\($0)" } ?? ":\($0.line)")", Table.shortened(TerminalText.escaped($0.subject ?? "-"), to: 24),
                 TerminalText.escaped($0.excerpt)]
            }))
            print("\(counted(hits.count, "result"))\(hits.count == limit ? " (the first \(limit); --limit shows more)" : "")")
            if let bounded { print(bounded) }
        } catch {
            throw Reporting.report(error, root: options.hint)
        }
    }
}
