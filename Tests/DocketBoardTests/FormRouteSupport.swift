import DocketAccounts
import DocketCore
import DocketServices
import DocketTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import DocketBoard

/// A workspace (the bundled workflows copied to a temporary root, the bundled plugins) with
/// its services as `docket` builds them, and the form and meeting routes on a router reached
/// without a socket, signed in as `clerk`.
final class FormWorkspace: @unchecked Sendable {
    let workspace: TestWorkspace
    let runner: Runner
    var accountsMade = false

    init() throws {
        workspace = try TestWorkspace(organization: "目黒区", user: "cli-user")
        runner = workspace.services.runner
    }

    var root: URL { workspace.root }
    var workflows: URL { workspace.workflows }
    var example: URL { workspace.example }

    /// Opens the seed's consultation `item` as case `id` and runs it to its review.
    func consultationAtReview(_ id: String, item: String = "c2") async throws {
        _ = try runner.open(caseID: id, workflowPath: workflows.appendingPathComponent("consultation.yaml").path,
                            inputsFile: example.appendingPathComponent("\(item)/inputs.yaml").path)
        let report = try await runner.run(caseID: id)
        XCTAssertEqual(report.step, "review", report.lines.joined(separator: "\n"))
    }

    func state(_ id: String) throws -> CaseState { try runner.store.load(id).1 }

    /// The board as `docket serve` builds it, over this workspace, with accounts clerk
    /// (secretariat) and jinji (department 人事課).
    func app(maxUploadBytes: Int = 100 << 20) throws -> some ApplicationProtocol {
        let services = try BoardServices(workspace.services)
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
