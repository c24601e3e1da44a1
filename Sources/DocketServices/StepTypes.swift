import DocketArchive
import DocketCore
import DocketMeetings
import DocketPlugins
import DocketSeal
import DocketSteps
import DocketWorkspace
import Foundation

/// Every step type Docket offers in a workspace: the built-in council steps, the archive step,
/// and the plugins found in the workspace's plugin folders and `$DOCKET_PLUGIN_PATH`. A plugin
/// that cannot be loaded is left out and named in `problems`.
public struct StepTypes: Sendable {
    public let registry: StepRegistry
    public let plugins: [PluginManifest]
    /// Why a plugin folder was not loaded, one line each.
    public let problems: [String]
    /// The folders searched for plugins, in order.
    public let pluginFolders: [URL]
    /// How plugins are run (bubblewrap or plain processes), as the environment chooses.
    public let isolation: Isolation

    /// The step types of `workspace`; outside any workspace (`validate`, `steps`, `plugins`
    /// run in a bare folder), those of `./Plugins` and `$DOCKET_PLUGIN_PATH`.
    public static func discover(in workspace: Workspace?, environment: [String: String], currentFolder: URL,
                                council: CouncilDefaults? = nil, profile: CouncilProfileSource? = nil) -> StepTypes {
        var workspace = workspace
        if workspace != nil, workspace?.standard == nil { workspace?.standard = StandardFiles.locate(environment: environment) }
        let folders = workspace?.pluginFolders(environment: environment)
            ?? PluginDiscovery.searchPath(projectFolder: currentFolder, environment: environment)
                + (StandardFiles.locate(environment: environment).map { [$0.plugins] } ?? [])
        let isolation = Isolation.chosen(environment: environment)
        let defaults = council ?? workspace.flatMap { try? CouncilDefaults.load(workspace: $0, environment: environment) }
        let source = profile ?? CouncilProfileSource(path: try? workspace?.rosterPath(currentFolder: nil))
        let found = PluginDiscovery.discover(in: folders, builtins: builtins(council: defaults, profile: source, environment: environment,
                                                                              standard: workspace?.standard),
                                             isolation: isolation, environment: environment,
                                             standard: [workspace?.standard?.plugins ?? StandardFiles.locate(environment: environment)?.plugins].compactMap { $0 })
        return StepTypes(registry: found.registry, plugins: found.plugins, problems: found.problems,
                         pluginFolders: folders, isolation: isolation)
    }

    /// The built-in steps and the archive step (its organization the council's, its password
    /// `$DOCKET_ARCHIVE_PASSWORD`).
    public static func builtins(council: CouncilDefaults?, profile: CouncilProfileSource = CouncilProfileSource(path: nil),
                                environment: [String: String], standard: StandardFiles? = nil) -> StepRegistry {
        var registry = BuiltinSteps.registry(agenda: MeetingAgendaLookup(), profile: profile)
        let password = environment["DOCKET_ARCHIVE_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        // Distinct from every built-in name.
        try! registry.register(ArchiveStep(organization: council?.sourceOrganization ?? "Docket", password: password))
        try! registry.register(SealStep(tool: (standard ?? StandardFiles.locate(environment: environment)).map { SealTool(standardFolder: $0.folder, environment: environment) },
                                        timeZone: council?.timeZone ?? TimeZone(identifier: "Asia/Tokyo")!))
        return registry
    }
}
