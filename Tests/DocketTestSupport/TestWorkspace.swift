import DocketCore
import DocketSeal
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

    /// A workspace of the council `council` (and `organization`, `head`): its profile is the
    /// bundled example's roster and rules under those names. With the bundled workflows copied
    /// in unless `workflows` is false (the standard ones are found in the project either way).
    public init(council: String = "情報公開・個人情報保護審議会", organization: String = "", head: String = "", workflows: Bool = true,
                user: String = "setup", environment: [String: String] = ["DOCKET_PLUGIN_ISOLATION": "process"]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-test-\(UUID().uuidString)")
        let config = WorkspaceConfig(pluginFolders: [Self.project.appendingPathComponent("Plugins").path])
        workspace = try Workspace.create(at: root, config: config, profile: Self.profile(council: council, organization: organization, head: head))
        if workflows {
            try FileManager.default.copyItem(at: Self.project.appendingPathComponent("workflows"), to: root.appendingPathComponent("workflows"))
        }
        self.environment = environment
        self.user = user
        try Self.addSeal(to: root)
    }

    /// Gives the workspace at `root` the test seal (made once per test run with Docket's own
    /// signer), as `docket seal init` leaves it: seal/ 0700, key.pem 0600.
    public static func addSeal(to root: URL) throws {
        let folder = root.appendingPathComponent("seal")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in ["key.pem", "certificate.pem"] {
            try FileManager.default.copyItem(at: try testSeal.get().appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        chmod(folder.appendingPathComponent("key.pem").path, 0o600)
    }

    /// A seal made once for the whole test run, through `SealStore` as `docket seal init` makes one.
    static let testSeal: Result<URL, Error> = Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("docket-test-seal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let store = SealStore(root: scratch, tool: SealTool(standardFolder: project, environment: [:]))
        try store.install(.create(council: "テスト審議会", organization: "テスト市", demo: true, years: 1), replace: false, by: "test")
        return store.folder
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// The bundled example's profile (21 members, 委員01 the chair) under another council's
    /// names; a name left empty keeps the example's.
    public static func profile(council: String, organization: String, head: String) throws -> String {
        let example = try String(contentsOf: project.appendingPathComponent("workflows/examples/meeting-2022-06-27/council.yaml"), encoding: .utf8)
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return example.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("name:"), !council.isEmpty { return "name: \(quoted(council))" }
            if line.hasPrefix("organization:"), !organization.isEmpty { return "organization: \(quoted(organization))" }
            if line.hasPrefix("head:"), !head.isEmpty { return "head: \(quoted(head))" }
            return String(line)
        }.joined(separator: "\n")
    }

    /// The workspace's services, as `docket` assembles them (a profile that does not read stops the test).
    public var services: DocketServices {
        do { return try makeServices() } catch { fatalError("the test workspace's services cannot be built: \(error)") }
    }

    /// The same, for a test of what stops them.
    public func makeServices() throws -> DocketServices {
        try DocketServices(workspace: workspace, environment: environment, currentFolder: root, user: user)
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
