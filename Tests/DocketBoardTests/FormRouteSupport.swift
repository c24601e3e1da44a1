import DocketArchive
import DocketCore
import DocketIndex
import DocketWorkspace
import DocketMeetings
import DocketPlugins
import DocketSteps
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import DocketBoard

/// A workspace (the bundled workflows copied to a temporary root) with the real runner, and
/// the form and meeting routes on a router reached without a socket, signed in as `clerk`.
final class FormWorkspace: @unchecked Sendable {
    let root: URL
    let runner: Runner
    var accountsMade = false

    static var project: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("board-forms-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.project.appendingPathComponent("workflows"), to: root.appendingPathComponent("workflows"))
        var builtins = BuiltinSteps.registry(agenda: MeetingAgendaLookup())
        try builtins.register(ArchiveStep())
        let found = PluginDiscovery.discover(in: [Self.project.appendingPathComponent("Plugins")], builtins: builtins, isolation: .process)
        var store = CaseStore(root: root)
        store.observer = IndexFeed(store: store)  // as `docket serve` has it: every append feeds the index
        runner = Runner(store: store, registry: found.registry, user: "cli-user")
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    var workflows: URL { root.appendingPathComponent("workflows") }
    var example: URL { workflows.appendingPathComponent("examples/meeting-2022-06-27") }

    /// Opens the seed's consultation `item` as case `id` and runs it to its review.
    func consultationAtReview(_ id: String, item: String = "c2") async throws {
        _ = try runner.open(caseID: id, workflowPath: workflows.appendingPathComponent("consultation.yaml").path,
                            inputsFile: example.appendingPathComponent("\(item)/inputs.yaml").path, inputPairs: [])
        let report = try await runner.run(caseID: id)
        XCTAssertEqual(report.step, "review", report.lines.joined(separator: "\n"))
    }

    func state(_ id: String) throws -> CaseState { try runner.store.load(id).1 }

    /// The board as `docket serve` builds it, over this workspace (the runner with the
    /// bundled plugins), with accounts clerk (secretariat) and jinji (department 人事課).
    func app(maxUploadBytes: Int = 100 << 20) throws -> some ApplicationProtocol {
        let config = WorkspaceConfig(council: "情報公開・個人情報保護審議会", organization: "目黒区")
        let workspace = (try? Workspace.create(at: root, config: config)) ?? Workspace(root: root, config: config)
        let services = BoardServices(workspace: workspace, runner: runner,
                                     meetings: MeetingBook(root: root, user: "setup"), index: try SQLiteIndex(store: runner.store))
        if !accountsMade {
            accountsMade = true
            let hash = Passwords(cost: 10).hashNow(BoardFixture.password)
            try services.accounts.add(name: "clerk", roles: [.secretariat], department: nil, passwordHash: hash)
            try services.accounts.add(name: "jinji", roles: [.department], department: "人事課", passwordHash: hash)
        }
        var settings = BoardSettings()
        settings.bcryptCost = 10
        settings.maxUploadBytes = maxUploadBytes
        return try buildApplication(settings, services: services)
    }
}

extension Browser {
    /// Signed in as `name`, over `client`.
    static func signedIn(_ name: String, _ client: any TestClientProtocol) async throws -> Browser {
        var b = Browser(client)
        let response = try await b.signIn(name)
        XCTAssertEqual(response.status, .seeOther, "sign-in as \(name)")
        try await b.get("/")
        return b
    }

    /// Posts an urlencoded form (the CSRF token of the last page added, or `csrf`).
    @discardableResult
    mutating func post(_ uri: String, form: [(String, String)], csrf: String? = nil) async throws -> TestResponse {
        try await post(uri, form, csrf: csrf)
    }

    /// Posts a multipart form, the CSRF token in the query as the board's upload forms carry it.
    @discardableResult
    mutating func post(_ uri: String, multipart fields: [(String, String)], files: [(field: String, name: String, bytes: [UInt8])]) async throws -> TestResponse {
        var h = headers()
        h[.contentType] = MultipartBody.contentType
        let token = csrf ?? ""
        let target = uri + (uri.contains("?") ? "&" : "?") + "csrf=" + token
        let response = try await client.execute(uri: target, method: .post, headers: h,
                                                body: ByteBuffer(bytes: MultipartBody.make(fields: fields, files: files)))
        remember(response)
        return response
    }
}
