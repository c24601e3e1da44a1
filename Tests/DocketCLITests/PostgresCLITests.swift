import Foundation
import XCTest

/// The PostgreSQL index through the binary: docket.yaml's `index:`, several `run --all` workers
/// sharing one workspace, a server that is down. Needs $DOCKET_TEST_POSTGRES (make test starts a
/// throwaway cluster); skipped without it, failed without it under CI.
final class PostgresCLITests: XCTestCase {
    /// A fresh database on the test server, made and dropped with psql.
    final class Database {
        let server: String
        let name = "docket_cli_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"

        init() throws {
            let env = ProcessInfo.processInfo.environment
            guard let server = env["DOCKET_TEST_POSTGRES"], !server.isEmpty else {
                throw CLIFailure("DOCKET_TEST_POSTGRES is not set: the PostgreSQL tests need a server (run them with make test, which starts a cluster)")
            }
            self.server = server
            try psql("CREATE DATABASE \(name)")
        }

        deinit { try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

        /// The URL of this database (the server's, with the database name replaced).
        var url: String {
            guard let slash = server.range(of: "/", options: .backwards) else { return server }
            return String(server[..<slash.lowerBound]) + "/" + name
        }

        func psql(_ sql: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            p.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", server, "-c", sql]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CLIFailure("psql failed: \(sql)") }
        }
    }

    struct CLIFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    func workspace(index: String) throws -> Workspace {
        let ws = try Workspace()
        try ws.write("docket.yaml", Workspace.minimalConfig + "index: \(index)\n")
        return ws
    }

    func testTwoRunAllWorkersAtOnceRunEveryCaseExactlyOnce() throws {
        let db = try Database()
        let ws = try workspace(index: db.url)
        let ids = (1...16).map { String(format: "c%02d", $0) }
        for id in ids {
            let r = try ws.cli("new", "simple-consultation", "--case", id, "--inputs", "workflows/examples/simple/inputs.yaml")
            XCTAssertEqual(r.status, 0, r.err)
        }
        let workers = try (0..<2).map { _ in try ws.cli.start(["run", "--all"]) }
        var outputs: [String] = []
        for w in workers {
            let out = (w.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            _ = (w.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            w.waitUntilExit()
            XCTAssertEqual(w.terminationStatus, 0)
            outputs.append(String(decoding: out, as: UTF8.self))
        }
        // Every step of every case started once in all (draft, then review, which waits), whichever worker ran it.
        for id in ids {
            let journal = try ws.read("cases/\(id)/journal.jsonl")
            var started: [String: Int] = [:]
            for line in journal.split(separator: "\n") {
                let event = try ws.json(String(line))
                if event["type"] as? String == "started", let step = event["step"] as? String { started[step, default: 0] += 1 }
            }
            XCTAssertEqual(started, ["draft": 1, "review": 1], "case \(id): \(started)\n\(outputs.joined(separator: "\n---\n"))")
        }
        // Each worker reports what it ran; together, every case once.
        let ran = outputs.map { out -> Int in
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("ran ") }) else { return -1 }
            return Int(line.split(separator: " ")[1]) ?? -1
        }
        XCTAssertEqual(ran.reduce(0, +), ids.count, outputs.joined(separator: "\n---\n"))
        // The index on the server answers status and search.
        let status = try ws.cli("status", "--state", "waiting")
        XCTAssertEqual(status.status, 0, status.err)
        XCTAssertTrue(status.out.hasSuffix("16 cases: 16 waiting\n"), status.out)
        let search = try ws.cli("search", "内定者管理ツール", "--json")
        XCTAssertEqual(search.status, 0, search.err)
        XCTAssertEqual(Set(try XCTUnwrap(JSONSerialization.jsonObject(with: Data(search.out.utf8)) as? [[String: Any]]).compactMap { $0["case"] as? String }).count,
                       16, search.out)
        let check = try ws.cli("index", "check")
        XCTAssertEqual(check.status, 0, check.err)
        XCTAssertEqual(check.out, "the index agrees with the journals of 16 cases\n")
        XCTAssertEqual(try ws.cli("index", "rebuild").out, "the index was made anew from the journals: 16 cases\n")
    }

    func testAServerThatIsDownIsNamedAndStatusReadsTheJournals() throws {
        let ws = try workspace(index: "postgres://docket@127.0.0.1:1/council")
        XCTAssertEqual(try ws.cli("new", "simple-consultation", "--case", "c1", "--inputs", "workflows/examples/simple/inputs.yaml").status, 0,
                       "opening a case does not need the index")
        var r = try ws.cli("status")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNotNil(r.out.firstMatch(of: #/(?m)^c1 +simple-consultation +ready +draft /#), "the case's row, read from its journal: \(r.out)")
        XCTAssertTrue(r.out.hasSuffix("\n1 case: 1 ready\n"), r.out)
        XCTAssertTrue(r.err.contains("the case index server at 127.0.0.1:1 does not answer"), r.err)
        XCTAssertTrue(r.err.contains("reading the journals instead"), r.err)
        XCTAssertFalse(r.err.contains("index rebuild"), "a server that is down needs starting, not a rebuild: \(r.err)")
        r = try ws.cli("search", "内定者")
        XCTAssertEqual(r.status, 75, r.err)
        XCTAssertEqual(r.err, "docket: postgres://docket@127.0.0.1:1/council: error: the case index server at 127.0.0.1:1 does not answer (connection refused); start PostgreSQL there, or check the address in docket.yaml's 'index' (the journals are intact)\n")
        r = try ws.cli("run", "--all")
        XCTAssertEqual(r.status, 75, "workers do not run cases they cannot claim: \(r.err)")
        XCTAssertTrue(try ws.read("cases/c1/journal.jsonl").split(separator: "\n").count == 1, "nothing ran")
    }

    func testAPasswordInDocketYAMLIsRefusedWithoutShowingIt() throws {
        let ws = try workspace(index: "postgres://docket:hunter2@db.example:5432/council")
        let r = try ws.cli("status")
        XCTAssertEqual(r.status, 65, r.err)
        XCTAssertTrue(r.err.contains("docket.yaml:2:"), r.err)
        XCTAssertTrue(r.err.contains("a password does not belong in docket.yaml"), r.err)
        XCTAssertFalse(r.err.contains("hunter2"), r.err)
    }
}
