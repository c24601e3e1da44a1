import ArgumentParser
import DocketCore
import DocketServices
import Foundation

struct VotesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "votes",
        abstract: "Lists every recorded tally (recounts included), for the minutes.",
        discussion: """
            One row per tally: case, item, step, tally number, date, present, for, against, \
            abstain, recused, casting vote, whether a recount was called, the rule applied and \
            the decision. Report items have no vote and do not appear. --csv prints RFC 4180 CSV; \
            add --excel for a byte-order mark (Excel on Japanese Windows otherwise reads UTF-8 as Shift_JIS).
            """)

    @OptionGroup var options: RootOptions

    @Flag(name: .long, help: "Print CSV.")
    var csv = false

    @Flag(name: .long, help: "With --csv: begin with a byte-order mark, so Excel on Japanese Windows reads the file as UTF-8.")
    var excel = false

    func validate() throws {
        if excel && !csv { throw ValidationError("--excel shapes CSV output; give it with --csv") }
    }

    func run() throws {
        do {
            let rows = try collect()
            let header = ["case", "item", "step", "tally", "date", "present", "for", "against", "abstain", "recused",
                          "casting_vote", "recount_called", "rule", "decision"]
            if csv {
                if excel { print("\u{FEFF}", terminator: "") }
                print(([header] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n"), terminator: "\r\n")
            } else if rows.isEmpty {
                print("no tallies recorded yet")
            } else {
                print(Table.render([header.map { $0.uppercased() }] + rows.map { row in row.enumerated().map { $0.offset == 12 ? String($0.element.prefix(12)) + "…" : $0.element } }))
            }
        } catch {
            throw report(error)
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    func collect() throws -> [[String]] {
        try options.services().tallies().map { row in
            let t = row.tally
            return [row.caseID, row.item, row.step, String(row.number), row.date,
                    String(t.present), String(t.votesFor), String(t.against), String(t.abstain),
                    String(t.recused), t.castingVote.map { $0 ? "for" : "against" } ?? "",
                    t.recountCalled ? "true" : "false", row.rule, row.decision]
        }
    }
}
