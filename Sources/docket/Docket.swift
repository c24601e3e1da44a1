import ArgumentParser
import DocketArchive
import DocketCore
import DocketIndex
import DocketMeetings
import DocketPlugins
import DocketServices
import DocketSteps
import DocketWorkspace
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

            Cases live in a workspace: a folder holding docket.yaml (made by 'docket init DIR'), \
            with cases/ and archives/ beside it. Every command uses --root DIR if given (before \
            or after the command), else $DOCKET_ROOT, else the nearest folder holding docket.yaml \
            from the current folder upwards. Plugins and workflows are looked up in the folders \
            docket.yaml names.

            Exit codes: 0 done; 1 a step failed (or an archive did not verify); 64 usage (an \
            unknown command or option); 65 bad input (each problem is printed as \
            FILE:LINE:COLUMN: error: MESSAGE); 66 no such case or file, or no workspace found \
            (the folders searched are listed); 73 refused (case exists, step not waiting, the \
            case's state does not allow it); 74 file system error; 75 the case is busy.
            """,
        version: DocketVersion.string,
        subcommands: [InitCommand.self, CouncilCommand.self, SealCommand.self, WorkflowsCommand.self, ValidateCommand.self, NewCommand.self, RunCommand.self, RecordCommand.self,
                      RerunCommand.self, AmendCommand.self, WithdrawCommand.self, ReopenCommand.self,
                      StatusCommand.self, ArchiveCommand.self, VerifyCommand.self, RetentionCommand.self, VotesCommand.self,
                      DemoCommand.self, StepsCommand.self, PluginsCommand.self,
                      MeetingCommand.self, MeetingsCommand.self, MinutesCommand.self, AnswersCommand.self,
                      SearchCommand.self, IndexCommand.self, ServeCommand.self, UsersCommand.self])

    /// Moves global options written before the command to its end (so `docket --root DIR status`
    /// works) and answers a mistyped command with a suggestion, then runs the command.
    static func main() async {
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        switch GlobalArguments.arrange(Array(CommandLine.arguments.dropFirst()), commands: names) {
        case .arranged(let args):
            await Self.main(args)
        case .unknownCommand(let word):
            var text = "docket: error: there is no command '\(TerminalText.escaped(word))'"
            if let near = Suggest.nearest(to: word, among: names) { text += "; did you mean '\(near)'?" }
            else { text += "; the commands are: \(names.dropLast().joined(separator: ", "))" }
            printErr(text + " ('docket --help' describes them)")
            Foundation.exit(64)
        }
    }
}

/// Global options (`--root DIR`) may come before or after the command.
enum GlobalArguments {
    enum Outcome: Equatable {
        case arranged([String])
        case unknownCommand(String)
    }

    static func arrange(_ args: [String], commands: [String]) -> Outcome {
        var moved: [String] = [], rest: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--root", i + 1 < args.count {
                moved += [a, args[i + 1]]
                i += 2
                continue
            }
            if a.hasPrefix("--root=") {
                moved.append(a)
                i += 1
                continue
            }
            if a.hasPrefix("-") {
                rest.append(a)
                i += 1
                continue
            }
            // The first word is the command.
            guard commands.contains(a) else { return .unknownCommand(a) }
            rest += args[i...]
            break
        }
        if let dashes = rest.firstIndex(of: "--") { rest.insert(contentsOf: moved, at: dashes) } else { rest += moved }
        return .arranged(rest)
    }
}

/// `--root`, for commands that work on cases: the workspace must be found (see `Workspace`).
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The workspace folder, holding docket.yaml, cases/ and archives/ (default: $DOCKET_ROOT, else the nearest folder with docket.yaml from here upwards).", valueName: "DIR"))
    var root: String?

    /// Stops the command before it starts when there is no workspace or its council profile
    /// does not read; records a change to the profile (who, when, what) before anything else.
    func validate() throws {
        do {
            let services = try services()
            if let change = try services.recordProfileChange(), change.changes != ["初版"] {
                let shown = change.changes.prefix(3).joined(separator: "; ") + (change.changes.count > 3 ? "; and \(change.changes.count - 3) more" : "")
                printErr("docket: the council profile changed; recorded as a new version (by \(services.user)): \(shown) ('docket council history' lists every version)")
            }
        } catch { throw report(error) }
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var currentFolder: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    func workspace() throws -> Workspace {
        try Workspace.locate(rootOption: root, environment: Self.environment, currentFolder: Self.currentFolder)
    }

    /// Everything the command runs with, assembled from the workspace (`DocketServices`).
    func services() throws -> DocketServices {
        try DocketServices(workspace: try workspace(), environment: Self.environment, currentFolder: Self.currentFolder, user: Self.user)
    }

    /// The workspace's cases, feeding the index (found in `validate()`, so always there when a command runs).
    var store: CaseStore {
        (try? services())?.store ?? CaseStore(root: Self.currentFolder)
    }

    func runner() -> Runner {
        (try? services())?.runner ?? Runner(store: store, registry: StepTypes.builtins(council: nil, environment: Self.environment), user: Self.user)
    }

    /// What a "next:" hint repeats so that it runs as given: `--root DIR` when that was given.
    var hint: String {
        guard let root else { return "" }
        return " --root " + Self.shellWord(root)
    }

    static func shellWord(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:@+".unicodeScalars.contains($0) }
        return plain && !s.isEmpty ? TerminalText.escaped(s) : "'" + TerminalText.escaped(s).replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The step types of the workspace found from the current folder (or, outside any
    /// workspace, of ./Plugins and $DOCKET_PLUGIN_PATH); a plugin that cannot be loaded is
    /// reported on standard error and left out.
    static func stepTypes(in workspace: Workspace?) -> StepTypes {
        let found = StepTypes.discover(in: workspace, environment: environment, currentFolder: currentFolder)
        for problem in found.problems { printErr("docket: warning: a plugin was not loaded: \(problem)") }
        return found
    }

    static var user: String {
        let env = ProcessInfo.processInfo.environment
        if let name = env["USER"] ?? env["LOGNAME"], !name.isEmpty { return name }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    /// Finds a workflow given as a path, or as a name in the workspace's workflow folders.
    func workflowPath(_ given: String) throws -> String {
        try services().workflowPath(given)
    }
}

/// `--root` for commands that also work outside a workspace (validate, steps, plugins): the
/// workspace, when one is found, says where plugins are.
struct LookupOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The workspace folder whose plugins to use (default: $DOCKET_ROOT, else the nearest folder with docket.yaml from here upwards).", valueName: "DIR"))
    var root: String?

    func validate() throws {
        if root != nil { do { _ = try workspace() } catch { throw report(error) } }
    }

    func workspace() throws -> Workspace? {
        do {
            return try Workspace.locate(rootOption: root, environment: RootOptions.environment, currentFolder: RootOptions.currentFolder)
        } catch WorkspaceError.notFound {
            return nil
        }
    }

    /// The step types of the workspace, if one is found, else of the current folder.
    var stepTypes: StepTypes { RootOptions.stepTypes(in: (try? workspace()) ?? nil) }

    var registry: StepRegistry { stepTypes.registry }
}
