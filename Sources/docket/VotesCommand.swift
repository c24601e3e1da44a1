import ArgumentParser
import DocketCore
import DocketSteps
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
        let runner = options.runner()
        var rows: [[String]] = []
        for id in runner.store.caseIDs() {
            let (contents, state) = try runner.store.load(id)
            let workflow = try runner.workflow(of: id)
            for step in workflow.steps where step.uses == "vote" {
                let scope = ExpressionScope(caseID: id, inputs: state.inputs, outputs: state.outputs)
                let with = (try? runner.resolveWith(step, type: VoteStep(), scope: scope, file: workflow.file).get()) ?? [:]
                let roster = try? CouncilRoster.load(path: runner.store.workflowFiles(id).appendingPathComponent(with["council"]?.stringValue ?? "").path)
                var n = 0
                for (i, event) in contents.events.enumerated() where event.step == step.id && event.type == .recorded {
                    guard case .map(let record)? = event.record else { continue }
                    n += 1
                    let tally = Tally(record: record)
                    // The decision is the one of the completion that follows this tally, if it was the deciding one.
                    let next = contents.events[(i + 1)...].first { $0.step == step.id && ($0.type == .recorded || $0.type == .completed) }
                    var decision = tally.recountCalled ? "recount called" : ""
                    if next?.type == .completed, let d = next?.outputs?["decision"]?.stringValue { decision = d }
                    // Dated by the meeting that took it, when it was recorded at one.
                    let date = tally.meeting?.date ?? state.inputs["meeting_date"]?.stringValue ?? String(event.time.prefix(10))
                    rows.append([id, with["item"]?.stringValue ?? workflow.title, step.id, String(n), date,
                                 String(tally.present), String(tally.votesFor), String(tally.against), String(tally.abstain),
                                 String(tally.recused), tally.castingVote.map { $0 ? "for" : "against" } ?? "",
                                 tally.recountCalled ? "true" : "false", roster?.ruleDescription ?? "", decision])
                }
            }
        }
        return rows
    }
}
