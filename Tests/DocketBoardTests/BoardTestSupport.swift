import DocketAccounts
import DocketBoard
import DocketCore
import DocketServices
import DocketTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// A temporary workspace with the project's workflows and plugins, a few cases, and one
/// account per role (password `correct horse battery`), and the board built over it exactly as
/// `docket serve` builds it (the same services, `Board` and router).
final class BoardFixture: @unchecked Sendable {
    static let password = Browser.password
    let workspace: TestWorkspace
    let services: BoardServices
    var settings = BoardSettings()
    var root: URL { workspace.root }

    /// Accounts: clerk (secretariat), jinji (department 人事課), somu (department 総務課),
    /// iin (member), shoko (archivist), gone (secretariat, disabled).
    init() throws {
        workspace = try TestWorkspace()
        services = try BoardServices(workspace.services)
        settings.bcryptCost = 10
        let accounts = services.accounts
        let hash = Passwords(cost: 10).hashNow(Self.password)
        try accounts.add(name: "clerk", roles: [.secretariat], department: nil, passwordHash: hash)
        try accounts.add(name: "jinji", roles: [.department], department: "人事課", passwordHash: hash)
        try accounts.add(name: "somu", roles: [.department], department: "総務課", passwordHash: hash)
        try accounts.add(name: "iin", roles: [.member], department: nil, passwordHash: hash)
        try accounts.add(name: "shoko", roles: [.archivist], department: nil, passwordHash: hash)
        try accounts.add(name: "gone", roles: [.secretariat], department: nil, passwordHash: hash)
        try accounts.setDisabled("gone", true)
    }

    /// Opens a simple consultation for `department` and runs it to its waiting review.
    func openCase(_ id: String, department: String, subject: String = "職員の健康診断結果の外部委託") async throws {
        let runner = services.runner
        _ = try runner.open(caseID: id, workflowPath: root.appendingPathComponent("workflows/simple-consultation.yaml").path,
                            inputsFile: nil, inputs: ["department": "\(department)", "subject": "\(subject)", "date": "2022-06-01"])
        _ = try await runner.run(caseID: id)
    }

    func board() throws -> Board { try Board(settings: settings, services: services) }

    func application() throws -> some ApplicationProtocol { try buildApplication(settings, services: services) }
}

extension BoardFixture {
    /// Opens meeting `id` (2022-06-27) under the workspace's roster with `cases` on its agenda.
    func addMeeting(_ id: String = "2022-06-27", cases: [String]) throws {
        let book = services.meetings
        try book.create(id: id, date: "2022-06-27", time: "14:00", place: "第1会議室", title: nil,
                        rosterPath: root.appendingPathComponent("council.yaml").path)
        if !cases.isEmpty { _ = try book.addToAgenda(id, kind: .consultation, cases: cases) }
    }
}
