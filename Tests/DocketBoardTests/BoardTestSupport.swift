import DocketBoard
import DocketCore
import DocketIndex
import DocketMeetings
import DocketSteps
import DocketWorkspace
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// A temporary workspace with the project's workflows, a few cases, and one account per role
/// (password `correct horse battery`), and the board built over it exactly as `docket serve`
/// builds it (same `Board`, same router).
final class BoardFixture: @unchecked Sendable {
    static let password = "correct horse battery"
    let root: URL
    let services: BoardServices
    var settings = BoardSettings()

    /// Accounts: clerk (secretariat), jinji (department 人事課), somu (department 総務課),
    /// iin (member), shoko (archivist), gone (secretariat, disabled).
    init(file: StaticString = #filePath) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-board-\(UUID().uuidString)")
        let workspace = try Workspace.create(at: root, config: WorkspaceConfig(council: "情報公開・個人情報保護審議会"))
        let project = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.copyItem(at: project.appendingPathComponent("workflows"), to: root.appendingPathComponent("workflows"))
        var store = CaseStore(root: root)
        store.observer = IndexFeed(store: store)  // as `docket serve` has it: every append feeds the index
        let runner = Runner(store: store, registry: BuiltinSteps.registry(agenda: MeetingAgendaLookup()), user: "setup")
        let index = try SQLiteIndex(store: store)
        services = BoardServices(workspace: workspace, runner: runner,
                                 meetings: MeetingBook(root: root, user: "setup", council: "情報公開・個人情報保護審議会"), index: index)
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

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Opens a simple consultation for `department` and runs it to its waiting review.
    func openCase(_ id: String, department: String, subject: String = "職員の健康診断結果の外部委託") async throws {
        let runner = services.runner
        _ = try runner.open(caseID: id, workflowPath: root.appendingPathComponent("workflows/simple-consultation.yaml").path,
                            inputsFile: nil, inputPairs: ["department=\(department)", "subject=\(subject)", "date=2022-06-01"])
        _ = try await runner.run(caseID: id)
    }

    func board() throws -> Board { try Board(settings: settings, services: services) }

    func application() throws -> some ApplicationProtocol { try buildApplication(settings, services: services) }
}

/// A signed-in (or anonymous) browser for router tests: keeps the session cookie and the
/// CSRF token of the last page, as a browser keeps the cookie and the form its hidden field.
struct Browser {
    let client: any TestClientProtocol
    var cookie: String?
    var csrf: String?

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    /// GET `uri`, remembering the session cookie and the page's CSRF token.
    @discardableResult
    mutating func get(_ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: headers(), body: nil)
        remember(response)
        return response
    }

    /// POST a URL-encoded form (with the CSRF token unless `csrf` is given).
    @discardableResult
    mutating func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil) async throws -> TestResponse {
        var h = headers()
        h[.contentType] = "application/x-www-form-urlencoded"
        let all = [("csrf", csrf ?? self.csrf ?? "")] + fields
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let response = try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    /// Signs in as `name` (GET /login for the token, POST the form).
    mutating func signIn(_ name: String, password: String = BoardFixture.password) async throws -> TestResponse {
        try await get("/login")
        return try await post("/login", [("name", name), ("password", password)])
    }

    func headers() -> HTTPFields {
        var h = HTTPFields()
        if let cookie { h[.cookie] = cookie }
        return h
    }

    mutating func remember(_ response: TestResponse) {
        // A new session sets a new id; the same id sent back is the session's deletion (expired).
        if let set = response.headers[.setCookie], let pair = set.split(separator: ";").first {
            cookie = String(pair) == cookie ? nil : String(pair)
        }
        let html = String(buffer: response.body)
        if let range = html.range(of: #"name="csrf" value=""#) {
            csrf = String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    static func encode(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

extension BoardFixture {
    /// Opens meeting `id` (2022-06-27) under the workspace's roster with `cases` on its agenda.
    func addMeeting(_ id: String = "2022-06-27", cases: [String]) throws {
        let book = services.meetings
        try book.create(id: id, date: "2022-06-27", time: "14:00", place: "第1会議室", title: nil,
                        rosterPath: root.appendingPathComponent("workflows/council.yaml").path)
        if !cases.isEmpty { _ = try book.addToAgenda(id, kind: .consultation, cases: cases) }
    }
}
