import DocketCore
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14 through the binary: damaged journals, interrupted purges, forged output lines,
/// exit codes of missing files.
final class ReliabilityCLITests: XCTestCase {
    /// A workflow that keeps no archive, so a case can be purged without archiving it.
    let purgeable = """
        docket: 1
        name: purgeable
        inputs:
          retention_end: {type: date, required: true}
        retention:
          until: ${{ inputs.retention_end }}
          keep-archive: false
        steps:
          - id: review
            uses: input
            with: {fields: {approved: {type: bool, required: true}}}
        """

    /// The first column of a table's rows (not its closing count line, "2 cases: …").
    func rows(_ table: String) -> [String] {
        table.split(separator: "\n").dropFirst().filter { !$0.contains(" case: ") && !$0.contains(" cases: ") }
            .map { String($0.split(separator: " ").first ?? "") }
    }

    func testDamagedJournalIsReportedByStatusRunAndRetention() throws {
        let ws = try Workspace()
        try ws.write("p.yaml", purgeable)
        for id in ["a", "b", "c"] {
            XCTAssertEqual(try ws.cli("new", "p.yaml", "--case", id, "--input", "retention_end=2023-03-31").status, 0)
        }
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("cases/b/journal.jsonl"))
        var r = try ws.cli("status")
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(rows(r.out), ["a", "c"], r.out)
        XCTAssertTrue(r.err.contains("journal is missing, but its anchor (journal.head) records events up to number 1"), r.err)
        r = try ws.cli("run", "b")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("restore the case folder from its archive or a backup"), r.err)
        r = try ws.cli("retention", "due", "--date", "2023-04-01")
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(rows(r.out), ["a", "c"], "the other cases are listed: \(r.out)")
        XCTAssertTrue(r.err.contains("case 'b'"), r.err)
    }

    func testEmptiedJournalIsNeverRun() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "k", "--inputs", "workflows/examples/simple/inputs.yaml")
        XCTAssertEqual(try ws.cli("run", "k").status, 0)
        let journal = ws.root.appendingPathComponent("cases/k/journal.jsonl")
        try Data().write(to: journal)
        let r = try ws.cli("run", "k")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("end of the journal was removed"), r.err)
        XCTAssertEqual(try Data(contentsOf: journal).count, 0, "nothing was re-drafted")
    }

    func testForgedOutputLineIsEscaped() throws {
        let ws = try Workspace()
        let evil = try ws.write("evil.yaml", "docket: 1\nname: evil\n\"x\\nok workflows/evil.yaml\": 1\nsteps:\n  - id: a\n    uses: input\n    with: {fields: {n: {type: int}}}\n")
        let r = try ws.cli("validate", evil)
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.out, "")
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        XCTAssertFalse(r.err.contains("\nok "), r.err)
        XCTAssertTrue(r.err.contains("unknown key 'x\\nok workflows/evil.yaml'"), r.err)
    }

    func testRunOutputEscapesWorkflowText() throws {
        let ws = try Workspace()
        try ws.write("p.yaml", "docket: 1\nname: p\nsteps:\n  - id: review\n    uses: input\n    with:\n      prompt: \"look\\nok FILE\\u001b[2J\"\n      fields: {approved: {type: bool}}\n")
        XCTAssertEqual(try ws.cli("new", "p.yaml", "--case", "k").status, 0)
        let r = try ws.cli("run", "k")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertFalse(r.out.split(separator: "\n").contains { $0.hasPrefix("ok ") }, r.out)
        XCTAssertFalse(r.out.contains("\u{1B}"), r.out)
        XCTAssertTrue(r.out.contains("look\\nok FILE\\u{1B}[2J"), r.out)
    }

    func testMissingInputsOrRecordFileIsNoSuchFile() throws {
        let ws = try Workspace()
        var r = try ws.cli("new", "simple-consultation", "--case", "k", "--inputs", "nope.yaml")
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.contains("nope.yaml: error: cannot read the file"), r.err)
        try ws.cli("new", "simple-consultation", "--case", "k", "--inputs", "workflows/examples/simple/inputs.yaml")
        try ws.cli("run", "k")
        r = try ws.cli("record", "k", "review", "--file", "nope.yaml")
        XCTAssertEqual(r.status, 66, r.err)
    }

    /// A case whose documents take a while to delete, due on 2023-04-01.
    func purgeableCase(_ ws: Workspace, _ id: String, files: Int) throws -> [String] {
        XCTAssertEqual(try ws.cli("new", "p.yaml", "--case", id, "--input", "retention_end=2023-03-31").status, 0)
        let folder = ws.root.appendingPathComponent("cases/\(id)/documents/scans")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = Data(repeating: 0x41, count: 4096)
        for i in 0..<files { try page.write(to: folder.appendingPathComponent("p\(i).txt")) }
        return try FileManager.default.subpathsOfDirectory(atPath: ws.root.appendingPathComponent("cases/\(id)").path)
    }

    func testPurgeKilledAtSeveralPointsIsFinishedByTheNextCommand() throws {
        let ws = try Workspace()
        try ws.write("p.yaml", purgeable)
        var interrupted = 0
        var stages: [String] = []
        let delays = [0.0, 0.05, 0.15, 0.3, 0.6, 1.2]
        for (n, delay) in delays.enumerated() {
            let id = "k\(n)"
            _ = try purgeableCase(ws, id, files: 400)
            let process = try ws.cli.start(["retention", "purge", id, "--date", "2023-04-01"], quiet: true)
            usleep(useconds_t(delay * 1e6))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { interrupted += 1 }
            let cases = ws.root.appendingPathComponent("cases")
            stages.append(FileManager.default.fileExists(atPath: cases.appendingPathComponent(id).path) ? "before the rename"
                : FileManager.default.fileExists(atPath: cases.appendingPathComponent(".purging-\(id)").path) ? "deleting" : "done")
            let certificate = ws.root.appendingPathComponent("certificates/\(id)-deletion-certificate.json")
            // Whatever was cut, the next command finishes it (or a re-run purges the case).
            var r = try ws.cli("retention", "due", "--date", "2023-04-01")
            XCTAssertEqual(r.status, 0, r.err)
            if FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/\(id)").path) {
                r = try ws.cli("retention", "purge", id, "--date", "2023-04-01")
                XCTAssertEqual(r.status, 0, r.err)
            }
            r = try ws.cli("retention", "purge", id, "--date", "2023-04-01")
            XCTAssertEqual(r.status, 66, "the case is gone: \(r.err)")
            let names = try FileManager.default.contentsOfDirectory(atPath: ws.root.appendingPathComponent("cases").path)
            XCTAssertEqual(names.filter { $0.contains(id) }, [], "nothing of \(id) is left (killed after \(delay) s)")
            let json = try ws.json(try String(contentsOf: certificate, encoding: .utf8))
            XCTAssertEqual(json["status"] as? String, "deleted")
            let register = try ws.read("registers/purges.jsonl").split(separator: "\n").filter { $0.contains("\"case\":\"\(id)\"") }
            XCTAssertEqual(register.count, 1, "one line per purge, agreeing with the certificate")
            XCTAssertEqual(try ws.json(String(register[0]))["deleted_at"] as? String, json["deleted_at"] as? String)
        }
        print("purge kill test: \(interrupted) of \(delays.count) purges killed; left at: \(stages.joined(separator: ", "))")
    }

    func testFolderOfAKilledNewIsCleanedUp() throws {
        let ws = try Workspace()
        let cases = ws.root.appendingPathComponent("cases")
        let stale = cases.appendingPathComponent(".new-x-999999999-12")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data("inputs".utf8).write(to: stale.appendingPathComponent("journal.jsonl"))
        var r = try ws.cli("retention", "due", "--date", "2023-04-01")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("cases/.new-x-999999999-12 is left from an interrupted 'new'"), r.err)
        r = try ws.cli("status")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("cases/.new-x-999999999-12 was left by a 'docket new' that was killed"), r.err)
        r = try ws.cli("new", "simple-consultation", "--case", "k", "--inputs", "workflows/examples/simple/inputs.yaml")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
    }
}
