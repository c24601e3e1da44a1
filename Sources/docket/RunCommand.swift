import ArgumentParser
import DocketCore
import DocketIndex
import DocketServices
import DocketYAML
import Foundation

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs a case's steps until it completes, waits for a person, or fails.",
        discussion: """
            Each step's result is written to the case journal as it finishes, so an interrupted \
            run loses nothing: run again and it continues from the step that was cut off. A \
            failed step runs again on the next 'docket run ID', once its cause is fixed.

            --all runs every case that can move on (in parallel); cases waiting for a record, \
            failed cases and completed cases are left as they are. With the case index on \
            PostgreSQL (docket.yaml's index:), workers on several machines share the cases: \
            each runs only the cases it claims there, and skips those another worker runs.

            Exits 0 when the cases completed or wait for a person, 1 when a step failed.
            """)

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("The case to run.", valueName: "ID"))
    var caseID: String?

    @Flag(name: .long, help: "Run every case that can move on.")
    var all = false

    func validate() throws {
        if all == (caseID != nil) { throw ValidationError("give either a case ID or --all") }
    }

    func run() async throws {
        let services = try options.services()
        if let caseID {
            let runner = services.runner
            do {
                let report = try await runner.run(caseID: caseID)
                Reporting.print(report, root: options.hint)
                if report.status == .failed { throw Reporting.exit(.stopped) }
            } catch {
                throw Reporting.report(error, root: options.hint)
            }
            return
        }
        let results: [(String, Result<Runner.Report, Error>)]
        do { results = try await services.runAll() } catch { throw Reporting.report(error, root: options.hint) }
        var ran = 0
        var failedCases: [String] = [], waiting: [String] = [], busy: [String] = [], elsewhere: [String] = [], broken = false
        for (id, result) in results {
            switch result {
            case .success(let report):
                // Where every case now stands, whether it ran or not (from its run's own read).
                switch report.status {
                case .waiting: waiting.append("\(id) (a record for step '\(report.step ?? "")')")
                case .failed: failedCases.append("\(id) (step '\(report.step ?? "")': \(TerminalText.escaped(report.message ?? "failed"))")
                default: break
                }
                if report.skipped { continue }
                ran += 1
                for line in report.lines { print("\(id): \(TerminalText.escaped(line))") }
            case .failure(is ClaimedElsewhere):
                elsewhere.append(id)
            case .failure(let error as CaseError):
                if case .busy = error { busy.append(id) } else { broken = true }
                _ = Reporting.report(error)
            case .failure(let error):
                broken = true
                _ = Reporting.report(error)
            }
        }
        print("ran \(ran) of \(results.count) cases")
        if !waiting.isEmpty { print("waiting: \(waiting.joined(separator: "; "))") }
        if !failedCases.isEmpty { print("failed: \(failedCases.joined(separator: "; "))") }
        if !busy.isEmpty { print("skipped, busy with another command: \(busy.joined(separator: ", ")); run again later") }
        if !elsewhere.isEmpty { print("skipped, run by another worker: \(elsewhere.joined(separator: ", "))") }
        if !failedCases.isEmpty || broken { throw Reporting.exit(.stopped) }
    }
}
