import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `docket users` and `docket serve` as a clerk types them.
final class UsersCLITests: XCTestCase {
    func testUsersAddListDisableAndPassword() throws {
        let ws = try Workspace(copyWorkflows: false)
        let pw = try ws.write("pw.txt", "a long enough password\n")
        var r = try ws.cli("users", "add", "sato", "--role", "secretariat", "--password-file", pw)
        XCTAssertEqual(r.status, 0, r.err)
        r = try ws.cli("users", "add", "tanaka", "--role", "department", "--department", "人事課", "--password-file", pw)
        XCTAssertEqual(r.status, 0, r.err)
        // The file is the owner's only, holds bcrypt hashes and never the password.
        let file = ws.root.appendingPathComponent("board/users.json")
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber)
        XCTAssertEqual(mode.intValue & 0o777, 0o600)
        let text = try ws.read("board/users.json")
        XCTAssertFalse(text.contains("a long enough password"))
        XCTAssertTrue(text.contains("\"password_hash\" : \"$2b$12$"), text)
        r = try ws.cli("users", "list")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("sato") && r.out.contains("tanaka") && r.out.contains("人事課"))
        XCTAssertFalse(r.out.contains("$2b$"))
        // Refusals: a department role without its department, a taken name, a short password.
        r = try ws.cli("users", "add", "kato", "--role", "department", "--password-file", pw)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("needs the department"), r.err)
        r = try ws.cli("users", "add", "sato", "--role", "member", "--password-file", pw)
        XCTAssertEqual(r.status, 73)
        let short = try ws.write("short.txt", "short\n")
        r = try ws.cli("users", "add", "kato", "--role", "member", "--password-file", short)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("at least 10"), r.err)
        r = try ws.cli("users", "add", "kato", "--role", "boss", "--password-file", pw)
        XCTAssertEqual(r.status, 64)
        // Disable, then a new password.
        r = try ws.cli("users", "disable", "tanaka")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(try ws.cli("users", "list").out.contains("disabled"))
        r = try ws.cli("users", "disable", "nobody")
        XCTAssertEqual(r.status, 66)
        let before = try ws.read("board/users.json")
        let pw2 = try ws.write("pw2.txt", "another long password\n")
        r = try ws.cli("users", "password", "sato", "--password-file", pw2)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNotEqual(try ws.read("board/users.json"), before)
        // New roles replace the old; each such change ends the account's sessions (its epoch).
        r = try ws.cli("users", "role", "sato", "--role", "archivist", "--role", "member")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("sessions were ended"), r.out)
        let after = try ws.read("board/users.json").components(separatedBy: "\"name\" : \"sato\"")
        let account = try XCTUnwrap(after.dropFirst().first?.components(separatedBy: "}").first)
        XCTAssertTrue(account.contains("\"session_epoch\" : 2"), "a password set and a role change: \(account)")
        XCTAssertTrue(try ws.cli("users", "list").out.contains("member,archivist") || (try ws.cli("users", "list").out.contains("archivist,member")))
        r = try ws.cli("users", "role", "sato", "--role", "department")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("needs the department"), r.err)
        r = try ws.cli("users", "role", "nobody", "--role", "member")
        XCTAssertEqual(r.status, 66)
        // Without a file and without a terminal, it says how to give the password.
        r = try ws.cli("users", "add", "ito", "--role", "member")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("--password-file"), r.err)
    }

    func testServeRefusesABadListenAddress() throws {
        let ws = try Workspace(copyWorkflows: false)
        let r = try ws.cli("serve", "--listen", "nowhere")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("HOST:PORT"), r.err)
    }

    func testServeStartsTheBoardOnTheAddressGiven() async throws {
        let ws = try Workspace(copyWorkflows: false)
        let port = Int.random(in: 20000...60000)
        let server = try ws.cli.start(["serve", "--listen", "127.0.0.1:\(port)"], quiet: true)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let url = URL(string: "http://127.0.0.1:\(port)/login")!
        var answer: (Data, HTTPURLResponse)?
        for _ in 0..<300 where answer == nil && server.isRunning {
            if let (data, response) = try? await URLSession.shared.data(from: url), let http = response as? HTTPURLResponse {
                answer = (data, http)
            } else {
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
        let (data, response) = try XCTUnwrap(answer, "the board did not answer on port \(port)")
        XCTAssertEqual(response.statusCode, 200)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("<h1>ログイン</h1>"))
        XCTAssertEqual(response.value(forHTTPHeaderField: "X-Content-Type-Options"), "nosniff")
    }
}
