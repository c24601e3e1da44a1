import DocketCore
import DocketServices
import DocketWorkspace
import Foundation

/// A temporary workspace for a test: the project's bundled workflows copied in, its plugins
/// found in the project's `Plugins/`, and its services built exactly as `docket` builds them
/// (`DocketServices`), so a test runs the steps, store and defaults a user's command would.
/// Removed when the value goes.
public final class TestWorkspace: @unchecked Sendable {
    /// The project's folder (holding Package.swift).
    public static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public let root: URL
    public let workspace: Workspace
    /// What the services are built with: plugins run as plain processes unless a test asks for
    /// more (bubblewrap is the sandbox tests' subject, not every test's).
    public var environment: [String: String]
    public var user: String

    /// A workspace named `council` (and `organization`), with the bundled workflows unless
    /// `workflows` is false.
    public init(council: String = "情報公開・個人情報保護審議会", organization: String = "", workflows: Bool = true,
                user: String = "setup", environment: [String: String] = ["DOCKET_PLUGIN_ISOLATION": "process"]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-test-\(UUID().uuidString)")
        let config = WorkspaceConfig(council: council, organization: organization,
                                     pluginFolders: [Self.project.appendingPathComponent("Plugins").path])
        workspace = try Workspace.create(at: root, config: config)
        if workflows {
            try FileManager.default.copyItem(at: Self.project.appendingPathComponent("workflows"), to: root.appendingPathComponent("workflows"))
        }
        self.environment = environment
        self.user = user
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// The workspace's services, as `docket` assembles them.
    public var services: DocketServices {
        DocketServices(workspace: workspace, environment: environment, currentFolder: root, user: user)
    }

    public var workflows: URL { root.appendingPathComponent("workflows") }
    public var example: URL { workflows.appendingPathComponent("examples/meeting-2022-06-27") }

    /// The file `name` in the workspace, written with `text`.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The case's state, folded from its journal.
    public func state(_ id: String) throws -> CaseState { try services.store.load(id).1 }
}
