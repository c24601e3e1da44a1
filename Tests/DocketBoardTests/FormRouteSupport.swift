import DocketArchive
import DocketCore
import DocketMeetings
import DocketPlugins
import DocketSteps
import Foundation
import Hummingbird
import HummingbirdTesting
import Mustache
import XCTest

@testable import DocketBoard

/// A workspace (the bundled workflows copied to a temporary root) with the real runner, and
/// the form and meeting routes on a router reached without a socket, signed in as `clerk`.
final class FormWorkspace: @unchecked Sendable {
    let root: URL
    let runner: Runner
    static let csrf = "test-csrf-token"

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
        runner = Runner(store: CaseStore(root: root), registry: found.registry, user: "cli-user")
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

    /// The application: the form and meeting routes, pages rendered from the board's templates.
    func app(clerk: FormClerk = FormClerk(name: "事務局 山田", csrf: FormWorkspace.csrf), limits: UploadLimits = UploadLimits()) async throws -> some ApplicationProtocol {
        let library = try await MustacheLibrary(directory: Self.project.appendingPathComponent("Sources/DocketBoard/Templates").path)
        let router = Router(context: BasicRequestContext.self)
        let render: @Sendable (String, Any, HTTPResponse.Status, BasicRequestContext) throws -> Response = { template, view, status, _ in
            Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: library.render(view, withTemplate: template) ?? "no template \(template)")))
        }
        let lookup = WorkspaceLookup(workflowFolders: [workflows], organization: "目黒区")
        let group = router.group()
        CaseFormRoutes(runner: runner, workspace: lookup, limits: limits, clerk: { _ in clerk }, render: render).addRoutes(to: group)
        let meetings = MeetingRoutes(pages: MeetingPages(runner: runner, council: nil), workspace: lookup, clerk: { _ in clerk }, render: render)
        meetings.addManageRoutes(to: group)
        meetings.addReadRoutes(to: group, canManage: { _ in clerk.department == nil })
        return Application(router: router)
    }
}

extension TestClientProtocol {
    /// Posts an urlencoded form (the CSRF token added).
    func post(_ uri: String, form: [(String, String)], csrf: String = FormWorkspace.csrf) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._*"))
        let body = ([("csrf", csrf)] + form).map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: body))
    }

    func get(_ uri: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get)
    }

    /// Posts a multipart form (the CSRF token added).
    func post(_ uri: String, multipart fields: [(String, String)], files: [(field: String, name: String, bytes: [UInt8])]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.contentType: MultipartBody.contentType],
                          body: ByteBuffer(bytes: MultipartBody.make(fields: [("csrf", FormWorkspace.csrf)] + fields, files: files)))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
