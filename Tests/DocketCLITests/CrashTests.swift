import DocketCore
import Foundation
import XCTest

/// Kills `docket run` with SIGKILL at many points; the case must still finish with an intact
/// chain and every step's documents present exactly once.
final class CrashTests: XCTestCase {
    func testKilledRunsResumeCleanly() throws {
        let ws = try Workspace(copyWorkflows: false)
        let steps = 120
        var workflow = "docket: 1\nname: crash\nsteps:\n"
        for i in 1...steps {
            // Each step names the document of the step before it (the first, only the case).
            let before = i == 1 ? "" : " {{steps.s\(i - 1).outputs.document}}"
            workflow += "  - id: s\(i)\n    uses: render\n    with: {text: \"step \(i) of {{case.id}}\(before)\", output: \"doc-\(i).md\"}\n"
        }
        try ws.write("crash.yaml", workflow)
        XCTAssertEqual(try ws.cli("new", "crash.yaml", "--case", "k").status, 0)

        // Kill each run once it has appended at least one event, after a further random pause:
        // the kill points then spread over the run however slow the machine is (a fixed delay
        // killed every run before its first step on a loaded machine).
        var kills = 0
        var killPoints: Set<Int> = []
        let journalURL = ws.root.appendingPathComponent("cases/k/journal.jsonl")
        func journalLength() -> Int { (try? FileManager.default.attributesOfItem(atPath: journalURL.path)[.size] as? Int) ?? 0 }
        var finished = false
        for _ in 0..<60 {
            let before = journalLength()
            let process = try ws.cli.start(["run", "k"], quiet: true)
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && journalLength() == before && Date() < deadline { usleep(500) }
            usleep(UInt32.random(in: 0...30_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killPoints.insert(journalLength()) }
            if process.terminationReason == .exit && process.terminationStatus == 0 { finished = true; break }
        }
        if !finished { XCTAssertEqual(try ws.cli("run", "k").status, 0) }
        print("crash test: killed \(kills) runs, at \(killPoints.count) different journal lengths, before the case finished")
        XCTAssertGreaterThan(killPoints.count, 5, "the test must interrupt runs at many points")

        let store = CaseStore(root: ws.root)
        let contents = try store.journal("k").read()  // throws if the chain is broken
        let state = CaseState(caseID: "k", events: contents.events)
        XCTAssertTrue(state.finished)
        let completions = contents.events.filter { $0.type == .completed }.compactMap(\.step)
        XCTAssertEqual(completions.sorted(), (1...steps).map { "s\($0)" }.sorted(), "each step completed exactly once")
        for i in 1...steps {
            let docs = state.step("s\(i)").documents
            XCTAssertEqual(docs.map(\.path), ["s\(i)/doc-\(i).md"])
            let digest = try FileIO.digest(of: store.documents("k").appendingPathComponent(docs[0].path).path)
            XCTAssertEqual(digest.sha256, docs[0].sha256, "document of s\(i) matches its journal digest")
        }
        let folders = try FileManager.default.contentsOfDirectory(atPath: store.documents("k").path).sorted()
        XCTAssertEqual(folders, (1...steps).map { "s\($0)" }.sorted(), "no stray or duplicated document folders")
        XCTAssertEqual(try ws.cli("status", "k").status, 0)
    }
}
