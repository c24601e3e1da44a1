import ArgumentParser
import DocketServices
import DocketYAML
import Foundation

/// `docket workflows`: what a case can be opened under, and from which folder.
struct WorkflowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflows",
        abstract: "Lists the workflows a case can be opened under: name, title, steps, and the folder each comes from.",
        discussion: """
            The workflows are looked up in the workspace's own workflow folders (docket.yaml), in \
            order, then in the standard workflows that ship with Docket; a name found in two \
            folders is the first folder's (a workspace's own overrides the standard one). FROM says \
            which: 'workspace' or 'standard', with the folder. A workflow that does not load is listed \
            with its first problem ('docket validate NAME' shows them all), and the command exits 65.
            """)

    @OptionGroup var options: RootOptions

    func run() throws {
        let services: DocketServices
        do { services = try options.services() } catch { throw report(error) }
        let entries = services.workflows()
        guard !entries.isEmpty else {
            let folders = services.workspace.workflowFolders.map { TerminalText.escaped($0.path) }.joined(separator: ", ")
            print("no workflows in \(folders); put workflow files there, or set $DOCKET_SHARE to the folder holding Docket's standard workflows/")
            return
        }
        let root = services.workspace.root.path + "/"
        let rows = entries.map { e -> [String] in
            let folder = e.folder.path.hasPrefix(root) ? String(e.folder.path.dropFirst(root.count)) : e.folder.path
            let from = services.workspace.isStandard(e.folder) ? "standard" : "workspace"
            return [e.name, e.title ?? "-", e.steps.map(String.init) ?? "-", "\(from) \(folder)", e.problem.map { "does not load: " + $0 } ?? "ok"]
        }
        print(Table.render([["NAME", "TITLE", "STEPS", "FROM", "STATE"]] + rows.map { $0.map { TerminalText.escaped($0) } }))
        if entries.contains(where: { $0.problem != nil }) { throw Reporting.exit(.badInput) }
    }
}
