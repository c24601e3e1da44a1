import DocketCore
import DocketYAML
import Foundation
import XCTest

/// The journal's tip is anchored (`journal.head`): cutting, emptying, replacing or deleting the
/// journal is reported as damage, and a damaged case is never run.
final class JournalAnchorTests: XCTestCase {
    let workflow = """
        docket: 1
        name: t
        steps:
          - id: a
            uses: echo
            with: {message: one, files: {"答申.md": "本文"}}
          - id: b
            uses: ask
          - id: c
            uses: echo
            with: {message: three}
        """

    /// A case waiting at step b: five events, anchored.
    func waitingCase(_ sandbox: Sandbox) async throws -> Runner {
        let runner = sandbox.runner()
        _ = try runner.open(caseID: "c1", workflowPath: try sandbox.write("w.yaml", workflow), inputsFile: nil)
        _ = try await runner.run(caseID: "c1")
        return runner
    }

    func journalLines(_ sandbox: Sandbox) throws -> [String] {
        try String(contentsOf: sandbox.store.journal("c1").url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func writeJournal(_ sandbox: Sandbox, _ lines: [String]) throws {
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: sandbox.store.journal("c1").url)
    }

    /// Runs the case and expects it refused as damaged, with the journal left as it was.
    func assertRefused(_ runner: Runner, _ sandbox: Sandbox, mentioning words: String,
                       file: StaticString = #filePath, line: UInt = #line) async throws {
        let url = sandbox.store.journal("c1").url
        let before = FileManager.default.contents(atPath: url.path)
        do {
            _ = try await runner.run(caseID: "c1")
            XCTFail("a damaged case was run", file: file, line: line)
        } catch let e as CaseError {
            XCTAssertEqual(e.exitCode, 65, file: file, line: line)
            XCTAssertTrue(e.description.contains(words), "\(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains("restore the case folder"), "\(e)", file: file, line: line)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: url.path), before, "nothing written", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.store.documents("c1").appendingPathComponent("c").path),
                       file: file, line: line)
    }

    func testAnchorFollowsEveryDurableAppend() async throws {
        let sandbox = try Sandbox()
        _ = try await waitingCase(sandbox)
        let anchor = try XCTUnwrap(try sandbox.store.journal("c1").readAnchor())
        let contents = try sandbox.store.journal("c1").read()
        XCTAssertEqual(anchor.seq, contents.events.count)
        XCTAssertEqual(anchor.sha256, contents.lastHash)
    }

    func testRemovedLastLineIsDamage() async throws {
        let sandbox = try Sandbox()
        let runner = try await waitingCase(sandbox)
        try writeJournal(sandbox, try journalLines(sandbox).dropLast())
        try await assertRefused(runner, sandbox, mentioning: "end of the journal was removed")
    }

    func testEditedLastLineIsDamage() async throws {
        let sandbox = try Sandbox()
        let runner = try await waitingCase(sandbox)
        var lines = try journalLines(sandbox)
        // The chain cannot see this: nothing follows the last line.
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: "\"waiting\"", with: "\"skipped\"")
        try writeJournal(sandbox, lines)
        try await assertRefused(runner, sandbox, mentioning: "not the one its anchor")
    }

    func testEmptiedJournalIsDamageAndNeverRedrafts() async throws {
        let sandbox = try Sandbox()
        let runner = try await waitingCase(sandbox)
        try writeJournal(sandbox, [])
        try await assertRefused(runner, sandbox, mentioning: "end of the journal was removed")
        // Without the anchor too: a case never has an empty journal.
        try FileManager.default.removeItem(at: sandbox.store.journal("c1").anchorURL)
        try await assertRefused(runner, sandbox, mentioning: "is empty")
    }

    func testDeletedJournalKeepsTheCaseListedAsDamaged() async throws {
        let sandbox = try Sandbox()
        let runner = try await waitingCase(sandbox)
        try FileManager.default.removeItem(at: sandbox.store.journal("c1").url)
        XCTAssertEqual(sandbox.store.caseIDs(), ["c1"], "the case does not vanish while its data is on disk")
        try await assertRefused(runner, sandbox, mentioning: "journal is missing")
        try FileManager.default.removeItem(at: sandbox.store.journal("c1").anchorURL)
        XCTAssertEqual(sandbox.store.caseIDs(), ["c1"])
        try await assertRefused(runner, sandbox, mentioning: "is missing")
    }

    func testJournalAheadOfItsAnchorIsACrashNotDamage() async throws {
        let sandbox = try Sandbox()
        let runner = try await waitingCase(sandbox)
        let journal = sandbox.store.journal("c1")
        let older = try Data(contentsOf: journal.anchorURL)
        try runner.record(caseID: "c1", stepID: "b", file: try sandbox.write("r.yaml", "answer: yes\n"))
        // A kill between the journal's fsync and the anchor's write leaves the older anchor.
        try older.write(to: journal.anchorURL)
        let report = try await runner.run(caseID: "c1")
        XCTAssertEqual(report.status, .completed)
        XCTAssertEqual(try journal.readAnchor()?.seq, try journal.read().events.count, "the next append anchors the tail")
    }

    func testUnreadableAnchorIsDamage() async throws {
        let sandbox = try Sandbox()
        let runner = try await waitingCase(sandbox)
        try Data("garbage".utf8).write(to: sandbox.store.journal("c1").anchorURL)
        try await assertRefused(runner, sandbox, mentioning: "anchor is not readable")
    }
}
