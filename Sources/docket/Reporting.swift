import ArgumentParser
import DocketArchive
import DocketCore
import DocketIndex
import DocketServices
import DocketWorkspace
import DocketYAML
import Foundation

/// How the CLI shows what the library reports: one place for errors (words, then the CLI's own
/// "how" as a command line, then the exit code of the error's kind) and for run reports.
enum Reporting {
    /// Prints `error` as a clerk can act on it and returns the exit code of its kind. `root`
    /// is what a suggested command repeats (` --root DIR` when the command was given one).
    static func report(_ error: Error, root: String = "") -> ExitCode {
        switch error {
        case let e as ExitCode:
            return e
        case let e as DiagnosticsError:
            printErr(e.description)
            return ExitCode(e.exitCode)
        case let e as any DocketFailure:
            var text = "docket: " + TerminalText.escaped(e.description)
            if let how = how(for: e, root: root) { text += how }
            printErr(text)
            return ExitCode(e.exitCode)
        default:
            printErr("docket: error: \(TerminalText.escaped(String(describing: error)))")
            return ExitCode(FailureKind.internalFault.exitCode)
        }
    }

    /// The exit code of a kind of failure the command itself found (a check that failed).
    static func exit(_ kind: FailureKind) -> ExitCode { ExitCode(kind.exitCode) }

    /// The command line that mends `error`, where there is one: the library names the fix in
    /// the council's words, the CLI adds how to type it.
    static func how(for error: any DocketFailure, root: String) -> String? {
        switch error {
        case CaseError.caseExists(let id):
            return " ('docket run \(id)\(root)' moves it on)"
        case CaseError.noSuchCase(let id, let known) where Suggest.nearest(to: id, among: known) == nil:
            return known.isEmpty ? " ('docket new' opens one)" : " ('docket status\(root)' lists them)"
        case CaseError.notWaiting(let id, _, _):
            return " ('docket status \(id)\(root)' shows which step is)"
        case ArchiveError.notCompleted:
            return " (give --partial for a partial archive)"
        case RetentionError.archiveMissing(let id):
            return " ('docket archive \(id)\(root)')"
        case WorkspaceError.notFound:
            return " (name one with --root DIR or $DOCKET_ROOT, or create one with 'docket init DIR')"
        case WorkspaceError.notAWorkspace(let path, _):
            return " ('docket init \(TerminalText.escaped(path))' makes it one)"
        case let e as IndexError:
            if case .unreachable = e { return nil }
            return "\nto rebuild it: docket index rebuild\(root)"
        default:
            return nil
        }
    }

    /// Prints what a listing met on its way (the index fell back to the journals, a case that
    /// does not read) as a warning or note on standard error.
    static func note(_ note: ListingNote, root: String) {
        switch note {
        case .readJournalsInstead(let e):
            // A server that does not answer needs starting, not a rebuild; its message says so.
            let fix: String
            switch e {
            case .unreachable, .locked: fix = ""
            default: fix = " (docket index rebuild\(root))"
            }
            printErr("docket: warning: \(TerminalText.escaped(e.description))\(fix); reading the journals instead")
        case .indexRebuilt(let why):
            printErr("docket: note: the case index was made again from the journals (\(why))")
        case .problem(let error):
            _ = report(error, root: root)
        case .snapshotUnreadable(let id):
            printErr("docket: warning: case \(id): its workflow snapshot does not read; showing the steps its journal records")
        case .tornTail(let id):
            printErr("docket: note: case \(id): the journal ends in a partial line from an interrupted write; it is ignored and removed at the next run")
        }
    }

    /// The lines of a run report, then what to do next when the case waits or failed.
    static func print(_ report: Runner.Report, root: String, prefix: String = "") {
        for line in report.lines { Swift.print(prefix + TerminalText.escaped(line)) }
        guard let step = report.step, !report.skipped else { return }
        switch report.status {
        case .waiting:
            Swift.print("\(prefix)record it with: docket record \(report.caseID) \(step) --file FILE\(root)")
        case .failed:
            Swift.print("\(prefix)fix the cause, then run 'docket run \(report.caseID)\(root)' again (or 'docket rerun \(report.caseID) STEP --reason TEXT\(root)' if the cause was in an earlier step's document)")
        default:
            break
        }
    }
}

/// Prints an error the way a clerk can act on it and returns its exit code (see `Reporting`).
func report(_ error: Error) -> ExitCode { Reporting.report(error) }

func printErr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
