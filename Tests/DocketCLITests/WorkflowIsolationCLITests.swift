import Foundation
import XCTest

/// A workflow requiring bubblewrap for its plugins (`plugins: {isolation: bubblewrap}`), as a
/// clerk meets it: validate, plugins check, and run with bwrap working or missing.
extension PluginSandboxCLITests {
    func strictWorkspace() throws -> Workspace {
        let ws = try workspace(plugin: "cat >/dev/null; touch \"$(dirname \"$0\")/ran\"; echo '{\"protocol\": 1, \"status\": \"completed\"}'")
        try ws.write("w.yaml", "docket: 1\nname: w\nplugins:\n  isolation: bubblewrap\nsteps:\n  - id: p\n    uses: probe\n")
        return ws
    }

    func testValidateAcceptsThePluginsKeyAndRejectsBadValues() throws {
        let ws = try strictWorkspace()
        var r = try ws.cli("validate", "w.yaml")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertEqual(r.out, "ok w.yaml\n")
        try ws.write("bad.yaml", "docket: 1\nname: w\nplugins:\n  isolation: bwrap\n  allow: [x]\nsteps:\n  - id: p\n    uses: probe\n")
        r = try ws.cli("validate", "bad.yaml")
        XCTAssertEqual(r.status, 65, r.out + r.err)
        XCTAssertTrue(r.err.contains("bad.yaml:4:14: error: 'isolation' of 'plugins' must be process or bubblewrap, not 'bwrap'"), r.err)
        XCTAssertTrue(r.err.contains("bad.yaml:5:3: error: unknown key 'allow' in 'plugins'; expected one of: isolation"), r.err)
    }

    func testWorkflowRequirementWithoutWorkingBwrapFailsTheStepClosed() throws {
        let ws = try strictWorkspace()
        var cli = ws.cli
        cli.env["DOCKET_BWRAP"] = "/nonexistent/bwrap"
        let valid = try cli("validate", "w.yaml")
        XCTAssertEqual(valid.status, 0, valid.err)
        XCTAssertTrue(valid.err.contains("warning: w.yaml: step 'p' will not run on this machine: the case's workflow requires bubblewrap"), valid.err)
        XCTAssertEqual(try cli("new", "w.yaml", "--case", "k").status, 0)
        let before = try caseFiles(ws, "k")
        let r = try cli("run", "k")
        XCTAssertEqual(r.status, 1, r.out + r.err)
        XCTAssertTrue(r.out.contains("plugin 'probe'"), r.out)
        XCTAssertTrue(r.out.contains("was not run: the case's workflow requires bubblewrap isolation for every plugin ('plugins: isolation: bubblewrap'"), r.out)
        XCTAssertTrue(r.out.contains("but bwrap is not installed; it never runs unconfined. Install the 'bubblewrap' package (Debian: apt-get install bubblewrap)"), r.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("Plugins/probe/ran").path), "nothing ran unconfined")
        XCTAssertEqual(try caseFiles(ws, "k"), before, "nothing but the journal changed")
        let status = try cli("status", "k")
        XCTAssertTrue(status.out.contains("failed"), status.out)
        // The requirement lives in the case's snapshot: editing the workflow file does not lift it.
        try ws.write("w.yaml", "docket: 1\nname: w\nsteps:\n  - id: p\n    uses: probe\n")
        XCTAssertEqual(try cli("run", "k").status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("Plugins/probe/ran").path))
        // plugins check says what would be in force for a case under that workflow.
        try ws.write("strict.yaml", "docket: 1\nname: w\nplugins: {isolation: bubblewrap}\nsteps:\n  - id: p\n    uses: probe\n")
        let check = try cli("plugins", "check", "probe", "--workflow", "strict.yaml")
        XCTAssertEqual(check.status, 1, check.out + check.err)
        XCTAssertTrue(check.out.contains("isolation: none: the plugin will not run. the case's workflow requires bubblewrap isolation"), check.out)
        XCTAssertTrue(try cli("plugins", "check", "probe").out.contains("isolation: process ("), "no workflow: process isolation here")
    }

    func testWorkflowRequirementWithWorkingBwrapRunsConfined() throws {
        let ws = try strictWorkspace()
        XCTAssertEqual(try ws.cli("new", "w.yaml", "--case", "k").status, 0)
        guard try ws.cli("plugins").out.contains("isolation: bubblewrap (") else {
            XCTAssertNil(ProcessInfo.processInfo.environment["CI"], "CI installs bubblewrap (scripts/install-deps) and runs as root: bwrap must work there")
            XCTAssertEqual(try ws.cli("run", "k").status, 1, "without a working bwrap the case never runs the plugin unconfined")
            return
        }
        var r = try ws.cli("run", "k")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("Plugins/probe/ran").path),
                       "the plugin's folder is read-only in its sandbox")
        r = try ws.cli("plugins", "check", "probe", "--workflow", "cases/k/workflow.yaml")
        XCTAssertTrue(r.out.contains("isolation: bubblewrap (no capabilities"), r.out)
        XCTAssertTrue(r.out.contains("; required by the workflow"), r.out)
        // Process isolation asked for explicitly is refused for this case, with what to do.
        var cli = ws.cli
        cli.env["DOCKET_PLUGIN_ISOLATION"] = "process"
        XCTAssertEqual(try cli("new", "w.yaml", "--case", "k2").status, 0)
        r = try cli("run", "k2")
        XCTAssertEqual(r.status, 1, r.out + r.err)
        XCTAssertTrue(r.out.contains("and DOCKET_PLUGIN_ISOLATION=process asks for process isolation; unset DOCKET_PLUGIN_ISOLATION (bubblewrap works here)"), r.out)
    }

    /// Every file of a case but its journal, its head, its lock (and the runner's empty staging folder), with its bytes.
    func caseFiles(_ ws: Workspace, _ id: String) throws -> [String: Data] {
        let folder = ws.root.appendingPathComponent("cases/\(id)")
        var files: [String: Data] = [:]
        for name in FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [] where !["journal.jsonl", "journal.head", ".staging", ".lock"].contains(name) {
            files[name] = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) ?? Data()
        }
        return files
    }
}
