import ArgumentParser
import DocketArchive
import DocketCore
import DocketMeetings
import DocketPlugins
import DocketSteps
import DocketYAML
import Foundation

@main
struct Docket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docket",
        abstract: "Runs a review council's casework: workflow steps, records, and case files.",
        discussion: """
            A case runs under a workflow (a YAML file in workflows/). Open it with 'docket new', \
            move it on with 'docket run', and when a step waits for a person (review notes, a \
            tally), supply it with 'docket record' and run again. 'docket status' shows where \
            every case stands.

            Cases live in the root folder: --root DIR, else $DOCKET_ROOT, else the current folder \
            (cases/ and archives/ inside it).

            Exit codes: 0 done; 1 a step failed (or an archive did not verify); 65 bad input (each problem is printed as \
            FILE:LINE:COLUMN: error: MESSAGE); 66 no such case or file; 73 refused (case exists, \
            step not waiting); 74 file system error; 75 the case is busy.
            """,
        subcommands: [ValidateCommand.self, NewCommand.self, RunCommand.self, RecordCommand.self,
                      StatusCommand.self, ArchiveCommand.self, VerifyCommand.self, RetentionCommand.self, VotesCommand.self,
                      DemoCommand.self, StepsCommand.self, PluginsCommand.self,
                      MeetingCommand.self, MeetingsCommand.self, MinutesCommand.self, AnswersCommand.self])
}

/// Options every command that touches cases takes.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder holding cases/ and archives/ (default: $DOCKET_ROOT, else the current folder).", valueName: "DIR"))
    var root: String?

    var store: CaseStore {
        let path = root ?? ProcessInfo.processInfo.environment["DOCKET_ROOT"] ?? FileManager.default.currentDirectoryPath
        return CaseStore(root: URL(fileURLWithPath: path))
    }

    func runner() -> Runner {
        Runner(store: store, registry: Self.registry, user: Self.user)
    }

    /// Every step type this tool offers: the built-ins, the archive step, and the plugins found
    /// in Plugins/ and $DOCKET_PLUGIN_PATH. A plugin that cannot be loaded is reported on
    /// standard error and left out.
    static var registry: StepRegistry {
        let found = discoverPlugins()
        for problem in found.problems { printErr("docket: warning: a plugin was not loaded: \(problem)") }
        return found.registry
    }

    static func builtins() -> StepRegistry {
        var r = BuiltinSteps.registry(agenda: MeetingAgendaLookup())
        try! r.register(ArchiveStep())  // distinct from every built-in name
        return r
    }

    static func discoverPlugins() -> (registry: StepRegistry, plugins: [PluginManifest], problems: [String]) {
        let env = ProcessInfo.processInfo.environment
        let folders = PluginDiscovery.searchPath(projectFolder: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), environment: env)
        return PluginDiscovery.discover(in: folders, builtins: builtins(), isolation: Isolation.chosen(environment: env))
    }

    static var user: String {
        let env = ProcessInfo.processInfo.environment
        if let name = env["USER"] ?? env["LOGNAME"], !name.isEmpty { return name }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    /// Finds a workflow given as a path, or as a name under workflows/ (of the current folder,
    /// then of the root folder).
    func workflowPath(_ given: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: given) { return given }
        let name = given.hasSuffix(".yaml") ? given : given + ".yaml"
        let candidates = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("workflows/\(name)"),
                          store.root.appendingPathComponent("workflows/\(name)")]
        if let found = candidates.first(where: { fm.fileExists(atPath: $0.path) }) { return found.path }
        let known = ((try? fm.contentsOfDirectory(atPath: candidates[0].deletingLastPathComponent().path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        var message = "no workflow '\(given)': it is neither a file nor a name under workflows/"
        if let near = Suggest.nearest(to: given, among: known) { message += "; did you mean '\(near)'?" }
        else if !known.isEmpty { message += "; available: \(known.sorted().joined(separator: ", "))" }
        throw CaseError.unreadable(given, message)
    }
}

/// Prints an error the way a clerk can act on it and exits with its code.
func report(_ error: Error) -> ExitCode {
    switch error {
    case let e as DiagnosticsError:
        FileHandle.standardError.write(Data((e.description + "\n").utf8))
        return ExitCode(65)
    case let e as CaseError:
        FileHandle.standardError.write(Data(("docket: " + e.description + "\n").utf8))
        return ExitCode(e.exitCode)
    case let e as ExitCode:
        return e
    default:
        FileHandle.standardError.write(Data("docket: error: \(error)\n".utf8))
        return ExitCode(70)
    }
}

func printErr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
