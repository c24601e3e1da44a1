import ArgumentParser
import DocketCore
import DocketMeetings
import DocketServices
import DocketWorkspace
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Replays the bundled meeting (令和4年6月27日) end to end in a fresh folder.",
        discussion: """
            Opens the meeting, sets its agenda in the record's order, records the attendance (18 of \
            21, quorum 11), opens and runs each item's case, records the review, the tallies and \
            the reports' acknowledgements at the meeting (the first tally recounted), closes the \
            meeting and writes its minutes (会議録), checked, rendered as PDF/A, sealed and archived. \
            The answers and minutes are sealed with a demonstration seal made for the demo (its \
            certificate says DEMO SEAL - NOT FOR OFFICIAL USE). Prints a table: item, \
            kind, for, against, decision, answer number, answer file. The root folder must be \
            empty or absent (nothing is ever overwritten).
            """)

    @Option(name: .long, help: ArgumentHelp("An empty folder for the demo's cases.", valueName: "DIR"))
    var root: String = "demo"

    @Option(name: .long, help: ArgumentHelp("The meeting script.", valueName: "FILE"))
    var meeting: String = "workflows/examples/meeting-2022-06-27/meeting.yaml"

    func run() async throws {
        do {
            try await replay()
        } catch {
            throw Reporting.report(error)
        }
    }

    func replay() async throws {
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: root), !existing.isEmpty {
            throw CaseError.invalidInput("docket: the folder '\(root)' is not empty; give an empty or new folder with --root (the demo never overwrites cases)")
        }
        let script = try MeetingScript.load(path: meeting)
        let workflows = script.folder.deletingLastPathComponent().deletingLastPathComponent()
        // The demo folder is a workspace of its own, using the plugins and workflows found here.
        let here = try? Workspace.locate(rootOption: nil, environment: RootOptions.environment, currentFolder: RootOptions.currentFolder)
        let plugins = here?.pluginFolders(environment: [:]).map(\.path) ?? [RootOptions.currentFolder.appendingPathComponent("Plugins").path]
        let workspace = try Workspace.create(
            at: root.hasPrefix("/") ? URL(fileURLWithPath: root) : RootOptions.currentFolder.appendingPathComponent(root),
            config: WorkspaceConfig(pluginFolders: plugins, workflowFolders: [workflows.standardizedFileURL.path]))
        // The example's own council profile becomes the demo workspace's.
        try FileIO.writeAtomically(Array(try Data(contentsOf: URL(fileURLWithPath: script.file(script.profile)))), to: workspace.profileFile, mode: 0o644)
        let services = try DocketServices(workspace: workspace, environment: RootOptions.environment,
                                          currentFolder: RootOptions.currentFolder, user: RootOptions.user)
        for problem in services.stepTypes.problems { printErr("docket: warning: a plugin was not loaded: \(problem)") }
        // A demonstration seal (its certificate says DEMO SEAL - NOT FOR OFFICIAL USE), so the
        // answers and minutes come out as sealed PDF/A as a council's would.
        let seal = try services.seal.install(.create(council: services.council.council, organization: services.council.organization, demo: true, years: 1),
                                             replace: false, by: RootOptions.user)
        print("demo seal: \(seal.subject) (certificate sha256 \(seal.sha256.prefix(16))…)")
        let runner = services.runner
        let published = try await script.replay(book: services.meetings, runner: runner, workflows: workflows,
                                                rosterPath: try services.rosterPath(), tools: services.minutesTools,
                                                organization: services.council.sourceOrganization) { print($0) }

        let rows = try script.outcomes(cases: runner.store).map { o in
            [o.label, o.kind, o.votesFor, o.against, o.decision, o.answerNumber,
             o.answerDocument.map { "\(root)/cases/\(o.caseID)/documents/\($0)" } ?? "–"]
        }
        print("")
        print(Table.render([["ITEM", "KIND", "FOR", "AGAINST", "DECISION", "ANSWER", "ANSWER FILE"]] + rows))
        print("")
        for doc in published.documents { print("minutes: \(root)/meetings/\(script.id)/documents/\(doc.path)") }
        if let a = published.archive { print("archive: \(root)/archives/meetings/\(a.path.lastPathComponent)") }
    }
}
