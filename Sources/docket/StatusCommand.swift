import ArgumentParser
import DocketCore
import DocketYAML
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows where cases stand: all of them as a table, or one in detail.",
        discussion: """
            Each case's journal is verified as it is read: a broken chain (the journal was \
            altered or damaged) is reported as an error (exit 65).

            --json prints, per case: case, workflow, state (running, waiting, completed, failed), \
            step (the current or waiting step), updated, and steps (each with id, uses, state, \
            outputs, documents, attempts, message); one case gives one object, else a list.
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("A case to show in detail.", valueName: "ID"))
    var caseID: String?

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    struct StepJSON: Encodable {
        var id, uses, name, state: String
        var outputs: [String: Value]
        var documents: [DocumentRecord]
        var attempts: Int
        var message: String?
    }

    struct CaseJSON: Encodable {
        var `case`, workflow, state: String
        var step: String?
        var created, updated: String
        var inputs: [String: Value]
        var steps: [StepJSON]
    }

    func summary(_ runner: Runner, _ id: String) throws -> CaseJSON {
        let (contents, state) = try runner.store.load(id)
        // The snapshot gives the steps in order; if it no longer loads here (a plugin it uses is
        // not installed), the journal still tells what ran, in the order it ran.
        var steps: [(id: String, uses: String, name: String)]
        do {
            steps = try runner.workflow(of: id).steps.map { ($0.id, $0.uses, $0.name) }
        } catch {
            printErr("docket: warning: case \(id): \(error); showing the steps its journal records")
            var seen: [String] = []
            for e in contents.events { if let step = e.step, !seen.contains(step) { seen.append(step) } }
            steps = seen.map { ($0, "?", "") }
        }
        let order = steps.map(\.id)
        var result = CaseJSON(case: id, workflow: state.workflow?.name ?? "", state: state.status(order: order).rawValue,
                              step: state.currentStep(order: order), created: state.created, updated: state.updated,
                              inputs: state.inputs, steps: [])
        for def in steps {
            let s = state.step(def.id)
            result.steps.append(StepJSON(id: def.id, uses: def.uses, name: def.name, state: s.status.rawValue,
                                         outputs: s.outputs, documents: s.documents, attempts: s.attempts, message: s.message))
        }
        if contents.tornTail {
            printErr("docket: note: case \(id): the journal ends in a partial line from an interrupted write; it is ignored and removed at the next run")
        }
        return result
    }

    func run() throws {
        let runner = options.runner()
        do {
            if let caseID {
                let c = try summary(runner, caseID)
                if json { try printJSON(c) } else { printDetail(c) }
                return
            }
            var cases: [CaseJSON] = []
            var failed = false
            for id in runner.store.caseIDs() {
                do { cases.append(try summary(runner, id)) } catch {
                    failed = true
                    _ = report(error)
                }
            }
            if json { try printJSON(cases) } else { printTable(cases) }
            for name in runner.store.leftovers() {
                printErr(name.hasPrefix(".purging-")
                    ? "docket: note: cases/\(name) holds a deletion that was interrupted; 'docket retention due' finishes it or says what to do"
                    : "docket: note: cases/\(name) was left by a 'docket new' that was killed; it holds no case and is removed by the next 'docket new'")
            }
            if failed { throw ExitCode(65) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }

    func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    func printTable(_ cases: [CaseJSON]) {
        guard !cases.isEmpty else {
            print("no cases yet; open one with: docket new WORKFLOW --case ID")
            return
        }
        let rows = [["CASE", "WORKFLOW", "STATE", "STEP", "UPDATED"]] +
            cases.map { [$0.case, $0.workflow, $0.state, $0.step ?? "-", String($0.updated.prefix(19)).replacingOccurrences(of: "T", with: " ")] }
        print(Table.render(rows))
    }

    func printDetail(_ c: CaseJSON) {
        print("case      \(c.case)")
        print("workflow  \(c.workflow)")
        print("state     \(c.state)\(c.step.map { " at step '\($0)'" } ?? "")")
        print("opened    \(c.created)")
        print("updated   \(c.updated)")
        if !c.inputs.isEmpty {
            print("inputs")
            for (k, v) in c.inputs.sorted(by: { $0.key < $1.key }) { print("  " + TerminalText.escaped("\(k): \(v)")) }
        }
        print("steps")
        let rows = [["STEP", "USES", "STATE", "TRIES", "NOTE"]] + c.steps.map {
            [$0.id, $0.uses, $0.state, String($0.attempts), $0.message ?? ($0.documents.isEmpty ? "" : $0.documents.map(\.path).joined(separator: ", "))]
        }
        print(Table.render(rows, indent: "  "))
    }
}

/// Plain-text tables aligned for terminals (East Asian wide characters count as two columns).
enum Table {
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            return n + (wide ? 2 : 1)
        }
    }

    /// Cells hold names and values from files and plugins: their control characters are escaped.
    static func render(_ rows: [[String]], indent: String = "") -> String {
        let rows = rows.map { $0.map { TerminalText.escaped($0) } }
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], width(cell)) } }
        return rows.map { row in
            indent + row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - width(cell))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
