import ArgumentParser
import DocketCore
import DocketCouncil
import DocketWorkspace
import DocketYAML
import Foundation

/// `docket init [DIR] --council NAME --organization NAME [--head TITLE]`: makes a folder the
/// workspace of a council.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Makes a folder a council's workspace: docket.yaml, the council profile (council.yaml) and cases/.",
        discussion: """
            council.yaml is the council's profile, written as a commented skeleton: its name, the \
            organization, the head's title (the answers' addressee: みどり市 and 市長 give みどり市長), \
            then the members, their roles and terms, and the rules, for you to fill in. docket.yaml \
            names the time zone (default Asia/Tokyo) and the workspace's own plugin and workflow \
            folders (default Plugins and workflows); the standard workflows, templates and plugins \
            that ship with Docket are used whatever they hold, so 'docket new consultation' works \
            at once. With a terminal attached, a name not given as an option is asked for. A folder \
            that is a workspace already is left unchanged (exit 73).
            """)

    @Argument(help: ArgumentHelp("The folder (default: the current folder); created if missing.", valueName: "DIR"))
    var folder: String = "."

    @Option(name: .long, help: ArgumentHelp("The council's name, e.g. みどり市個人情報保護審議会.", valueName: "NAME")) var council: String?
    @Option(name: .long, help: ArgumentHelp("Whose council it is, e.g. みどり市.", valueName: "NAME")) var organization: String?
    @Option(name: .long, help: ArgumentHelp("The head's title: 区長, 市長, 町長, 村長, 知事… (the answers' addressee).", valueName: "TITLE")) var head: String?
    @Option(name: .customLong("time-zone"), help: ArgumentHelp("An IANA time zone.", valueName: "ZONE")) var timeZone: String = "Asia/Tokyo"
    @Option(name: .customLong("plugins"), help: ArgumentHelp("A plugin folder of the workspace's own; repeat for several (default: Plugins).", valueName: "DIR")) var plugins: [String] = []
    @Option(name: .customLong("workflows"), help: ArgumentHelp("A workflow folder of the workspace's own; repeat for several (default: workflows).", valueName: "DIR")) var workflows: [String] = []

    func validate() throws {
        if TimeZone(identifier: timeZone) == nil { throw ValidationError("'\(timeZone)' is not a time zone name; write one such as Asia/Tokyo") }
    }

    func run() throws {
        let url = folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : RootOptions.currentFolder.appendingPathComponent(folder)
        let existing = url.appendingPathComponent(WorkspaceConfig.fileName)
        if FileManager.default.fileExists(atPath: existing.path) { throw report(WorkspaceError.exists(existing.path)) }
        let names = try askForMissing()
        do {
            let config = WorkspaceConfig(timeZone: timeZone, pluginFolders: plugins.isEmpty ? ["Plugins"] : plugins,
                                         workflowFolders: workflows.isEmpty ? ["workflows"] : workflows)
            let profile = ProfileSkeleton.text(council: names.council, organization: names.organization, head: names.head)
            let ws = try Workspace.create(at: url, config: config, profile: profile)
            let here = ws.root.path == RootOptions.currentFolder.standardizedFileURL.path
            let root = here ? "" : " --root " + RootOptions.shellWord(folder)
            print("made \(TerminalText.escaped(ws.root.path)): the workspace of \(TerminalText.escaped(names.council))")
            print("  docket.yaml   the time zone and the workspace's own folders")
            print("  council.yaml  the council profile: fill in the members, their roles and terms, and check the rules")
            if let standard = StandardFiles.locate(environment: RootOptions.environment) {
                print("  standard workflows, templates and plugins: \(TerminalText.escaped(standard.folder.path)) (a file of the same name in \(ws.config.workflowFolders.joined(separator: ", ")) or \(ws.config.pluginFolders.joined(separator: ", ")) overrides one)")
            } else {
                print("  warning: the standard workflows were not found beside this docket; set $DOCKET_SHARE to the folder holding workflows/ and Plugins/")
            }
            print("next:")
            print("  1. fill in \(TerminalText.escaped(ws.profileFile.path)) (members, 会長, terms, seats), then check it: docket council show\(root)")
            if names.head.isEmpty { print("     and write 'head:' (e.g. 市長): answers are addressed to the organization's head") }
            print("  2. add the board's first account: docket users add NAME --role secretariat\(root)")
            print("  3. make the council's electronic seal, which seals the answers and minutes: docket seal init\(root)")
            print("     (or import the council's certificate: docket seal init --p12 FILE\(root))")
            print("  4. open the first case: docket workflows\(root) lists what it can be opened under;")
            print("     docket new consultation --template\(root) > inputs.yaml, fill it in, then")
            print("     docket new consultation --case ID --inputs inputs.yaml\(root) and docket run ID\(root)")
        } catch {
            throw report(error)
        }
    }

    /// The council's names: the options, else asked for on a terminal; without one, the
    /// council and organization must be given (the head may be written into the profile later).
    func askForMissing() throws -> (council: String, organization: String, head: String) {
        let interactive = isatty(0) == 1 && isatty(2) == 1
        func value(_ given: String?, _ option: String, _ question: String, required: Bool) throws -> String {
            if let given = given?.trimmingCharacters(in: .whitespaces), !given.isEmpty { return given }
            guard interactive else {
                if required { throw ValidationError("give --\(option) (\(question)); without a terminal nothing can be asked") }
                return ""
            }
            while true {
                FileHandle.standardError.write(Data("\(question): ".utf8))
                guard let line = readLine() else { throw ValidationError("no answer for --\(option); nothing was made") }
                let answer = line.trimmingCharacters(in: .whitespaces)
                if !answer.isEmpty || !required { return answer }
            }
        }
        let council = try value(council, "council", "the council's name (審議会の名称, e.g. みどり市個人情報保護審議会)", required: true)
        let organization = try value(organization, "organization", "whose council it is (e.g. みどり市)", required: true)
        let head = try value(head, "head", "the head's title (区長, 市長, 町長, 村長, 知事…; the answers' addressee)", required: false)
        return (council, organization, head)
    }
}
