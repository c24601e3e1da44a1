import ArgumentParser
import DocketCore
import DocketWorkspace
import DocketYAML
import Foundation

/// `docket rerun ID STEP --reason TEXT`
struct RerunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Runs a step again, and every step after it, as a new round.",
        discussion: """
            For a step whose result must be redone: its cause was in a committed document, or \
            the inputs were amended. Earlier rounds' documents are kept (STEP@2/, STEP@3/ …). \
            The reason is journaled with who and when. Refused for a completed or withdrawn case \
            and for a step that has not run yet (exit 73).
            """)

    @OptionGroup var options: RootOptions
    @Argument(help: ArgumentHelp("The case.", valueName: "ID")) var caseID: String
    @Argument(help: ArgumentHelp("The first step to run again.", valueName: "STEP")) var step: String
    @Option(name: .long, help: ArgumentHelp("Why, for the journal.", valueName: "TEXT")) var reason: String

    func run() async throws {
        do {
            let report = try await CaseActions(runner: options.runner()).rerun(caseID, step: step, reason: reason, by: RootOptions.user)
            Reporting.print(report, root: options.hint)
            if report.status == .failed { throw Reporting.exit(.stopped) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }
}

/// `docket amend ID --input KEY=VALUE… --reason TEXT`
struct AmendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amend",
        abstract: "Corrects a case's inputs (steps already completed keep their results).",
        discussion: """
            Each value is checked against the workflow's inputs. Steps that completed before keep \
            what they produced; the command names them, and 'docket rerun ID STEP' redoes them \
            with the new inputs. Refused for a completed or withdrawn case (exit 73).
            """)

    @OptionGroup var options: RootOptions
    @Argument(help: ArgumentHelp("The case.", valueName: "ID")) var caseID: String
    @Option(name: .customLong("input"), help: ArgumentHelp("A corrected input; repeat for several.", valueName: "KEY=VALUE")) var inputs: [String] = []
    @Option(name: .long, help: ArgumentHelp("Why, for the journal.", valueName: "TEXT")) var reason: String

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one --input KEY=VALUE to correct") }
    }

    func run() throws {
        do {
            let result = try CaseActions(runner: options.runner()).amend(caseID, given: try InputPairs.parse(inputs), reason: reason, by: RootOptions.user)
            for change in result.changed {
                print("amended input '\(change.key)' of case \(caseID): \(change.old.map { TerminalText.escaped($0.description) } ?? "(unset)") -> \(TerminalText.escaped(change.new.description))")
            }
            if let first = result.completedBefore.first {
                print("steps completed before keep their results: \(result.completedBefore.joined(separator: ", ")); to redo them with the new inputs: docket rerun \(caseID) \(first) --reason TEXT\(options.hint)")
            } else {
                print("no step has completed yet; next: docket run \(caseID)\(options.hint)")
            }
        } catch {
            throw report(error)
        }
    }
}

/// `docket withdraw ID --reason TEXT` (取下げ)
struct WithdrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw",
        abstract: "Withdraws a case (取下げ): it runs no further and can be archived as it stands.",
        discussion: "State 'withdrawn' until 'docket reopen'. A completed case may be withdrawn too (its answer withdrawn after issue): the answer keeps its number, marked withdrawn in 'docket answers'. Refused for a case withdrawn already (exit 73).")

    @OptionGroup var options: RootOptions
    @Argument(help: ArgumentHelp("The case.", valueName: "ID")) var caseID: String
    @Option(name: .long, help: ArgumentHelp("Why, for the journal.", valueName: "TEXT")) var reason: String

    func run() throws {
        do {
            try CaseActions(runner: options.runner()).withdraw(caseID, reason: reason, by: RootOptions.user)
            print("withdrew case \(caseID); next: docket archive \(caseID)\(options.hint) (or docket reopen \(caseID) --reason TEXT\(options.hint))")
        } catch {
            throw report(error)
        }
    }
}

/// `docket reopen ID --reason TEXT`
struct ReopenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Opens a withdrawn or failed case again.",
        discussion: "The next 'docket run ID' continues where the case stood (a failed step runs again). Refused for any other state (exit 73).")

    @OptionGroup var options: RootOptions
    @Argument(help: ArgumentHelp("The case.", valueName: "ID")) var caseID: String
    @Option(name: .long, help: ArgumentHelp("Why, for the journal.", valueName: "TEXT")) var reason: String

    func run() throws {
        do {
            try CaseActions(runner: options.runner()).reopen(caseID, reason: reason, by: RootOptions.user)
            print("reopened case \(caseID); next: docket run \(caseID)\(options.hint)")
        } catch {
            throw report(error)
        }
    }
}
