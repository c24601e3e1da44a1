import DocketCore
@testable import DocketPlugins
import Foundation
import XCTest

/// A workflow requiring bubblewrap (`plugins: isolation: bubblewrap`): its cases never run a
/// plugin step unconfined, whatever the machine or the environment says.
final class WorkflowIsolationTests: PluginTestCase {
    let requirement = "plugins:\n  isolation: bubblewrap\n"

    /// Every file under the case folder but the journal and its head (which get the failed event).
    func files(_ folder: URL) -> [String] {
        let all = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
        return all.filter { $0 != "journal.jsonl" && $0 != "journal.head" && !$0.hasPrefix(".lock") }.sorted()
    }

    func testWithoutWorkingBwrapThePluginStepFailsClosed() async throws {
        let marker = root.appendingPathComponent("ran").path
        try plugin("hopeful", "cat >/dev/null; touch \(marker); echo '{\"protocol\": 1, \"status\": \"completed\"}'")
        // No DOCKET_PLUGIN_ISOLATION: Docket would choose process isolation, as bwrap is missing.
        let env = ["DOCKET_BWRAP": "/nonexistent/bwrap"]
        XCTAssertEqual(Isolation.chosen(environment: env), .process)
        let (report, store) = try await runCase("hopeful", isolation: .process, env: env, workflowTop: requirement)
        let message = failure(report)
        XCTAssertTrue(message.contains("plugin 'hopeful'"), message)
        XCTAssertTrue(message.contains("was not run: the case's workflow requires bubblewrap isolation for every plugin ('plugins: isolation: bubblewrap'"), message)
        XCTAssertTrue(message.contains("but bwrap is not installed; it never runs unconfined. Install the 'bubblewrap' package (Debian: apt-get install bubblewrap), then run it again"), message)
        XCTAssertFalse(message.contains("DOCKET_PLUGIN_ISOLATION=process"), "process isolation is no way out here: \(message)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the plugin did not run")
        let folder = store.folder(report.caseID)
        XCTAssertEqual(files(folder).filter { !$0.hasPrefix(".staging") && !$0.hasPrefix("workflow") }, ["documents", "documents/make", "documents/make/doc.md"],
                       "nothing but the failed event was written: no log, no document")
        let journal = try String(contentsOf: folder.appendingPathComponent("journal.jsonl"), encoding: .utf8)
        XCTAssertTrue(journal.split(separator: "\n").last!.contains("\"failed\""), String(journal.suffix(300)))

        // Asked for process isolation explicitly: still refused, and told to unset it where bwrap works.
        if Isolation.bubblewrapWorks {
            let (again, _) = try await runCase("hopeful", isolation: .process, env: ["DOCKET_PLUGIN_ISOLATION": "process"], workflowTop: requirement)
            XCTAssertTrue(failure(again).contains("and DOCKET_PLUGIN_ISOLATION=process asks for process isolation; unset DOCKET_PLUGIN_ISOLATION (bubblewrap works here)"), failure(again))
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        }
        // Asked for bubblewrap by the environment too, with bwrap missing: the workflow is named.
        let both = ["DOCKET_PLUGIN_ISOLATION": "bubblewrap", "DOCKET_BWRAP": "/nonexistent/bwrap"]
        let (third, _) = try await runCase("hopeful", isolation: .bubblewrap, env: both, workflowTop: requirement)
        XCTAssertTrue(failure(third).contains("the case's workflow requires bubblewrap isolation"), failure(third))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testWithWorkingBwrapThePluginRunsConfined() async throws {
        try plugin("prisoner", #"""
            req=$(cat)
            file=$(printf '%s' "$req" | sed 's/.*"file":"\([^"]*\)".*/\1/')
            if echo x >> "$file" 2>/dev/null; then w=writable; else w=readonly; fi
            echo "{\"protocol\": 1, \"status\": \"completed\", \"outputs\": {\"doc\": \"$w\"}}"
            """#)
        guard Isolation.bubblewrapWorks else {
            XCTAssertNil(ProcessInfo.processInfo.environment["CI"], "CI installs bubblewrap (scripts/install-deps) and runs as root: bwrap must work there")
            let (report, _) = try await runCase("prisoner", isolation: .process, env: [:], workflowTop: requirement)
            XCTAssertEqual(report.status, .failed, "without a working bwrap the case never runs the plugin unconfined")
            return
        }
        let (report, store) = try await runCase("prisoner", isolation: .bubblewrap, env: [:], workflowTop: requirement)
        XCTAssertEqual(report.status, .completed, report.lines.joined(separator: "\n"))
        XCTAssertEqual(try store.load(report.caseID).1.step("p").outputs["doc"], .string("readonly"), "documents are mounted read-only")
        let journal = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("journal.jsonl"), encoding: .utf8)
        XCTAssertTrue(journal.contains("isolation bubblewrap"), "the journal records the isolation that ran")
    }

    func testTheWorkflowFormatNamesEveryIsolationThereIs() {
        XCTAssertEqual(PluginPolicy.isolations, Isolation.allCases.map(\.rawValue), "the core reads the same names DocketPlugins enforces")
    }

    func testRefusalWeighsEnvironmentPluginAndWorkflow() throws {
        let folder = try plugin("p", "true")
        let manifest = try PluginManifest.load(folder: folder)
        let missing = ["DOCKET_BWRAP": "/nonexistent/bwrap"]
        let none = PluginPolicy(), strict = PluginPolicy(isolation: "bubblewrap"), lax = PluginPolicy(isolation: "process")
        let process = PluginStep(manifest: manifest, isolation: .process, environment: missing)
        XCTAssertNil(process.refusal(workflow: none), "nobody asked for bubblewrap")
        XCTAssertNil(process.refusal(workflow: lax))
        XCTAssertNotNil(process.refusal(workflow: strict))
        let asked = PluginStep(manifest: manifest, isolation: .bubblewrap, environment: missing.merging(["DOCKET_PLUGIN_ISOLATION": "bubblewrap"]) { $1 })
        XCTAssertTrue(asked.refusal(workflow: lax)?.contains("choose process isolation explicitly with DOCKET_PLUGIN_ISOLATION=process") == true)
        if Isolation.bubblewrapWorks {
            XCTAssertNil(PluginStep(manifest: manifest, isolation: .bubblewrap, environment: [:]).refusal(workflow: strict))
        }
    }
}
