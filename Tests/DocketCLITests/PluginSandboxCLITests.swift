import Foundation
import XCTest

/// What a clerk sees of the plugin sandbox: the isolation in force, the environment a plugin
/// gets, and plugin text that cannot drive the terminal.
final class PluginSandboxCLITests: XCTestCase {
    func workspace(plugin script: String, manifest extra: String = "") throws -> Workspace {
        let ws = try Workspace(copyWorkflows: false)
        try ws.write("Plugins/probe/plugin.yaml", "docket-plugin: 1\nname: probe\ndescription: d\nversion: 1.0.0\nrun: [sh, run.sh]\n\(extra)")
        try ws.write("Plugins/probe/run.sh", script)
        try ws.write("w.yaml", "docket: 1\nname: w\nsteps:\n  - id: p\n    uses: probe\n")
        return ws
    }

    func testBubblewrapAskedForButNotWorkingRunsNoPlugin() throws {
        let ws = try workspace(plugin: "cat >/dev/null; touch ran; echo '{\"protocol\": 1, \"status\": \"completed\"}'")
        var cli = ws.cli
        cli.env["DOCKET_PLUGIN_ISOLATION"] = "bubblewrap"
        cli.env["DOCKET_BWRAP"] = "/nonexistent/bwrap"
        var r = try cli("plugins")
        XCTAssertTrue(r.out.contains("isolation: none: plugins will not run. plugin isolation 'bubblewrap' was asked for, but bwrap is not installed"), r.out)
        XCTAssertTrue(r.err.contains("Install the 'bubblewrap' package (Debian: apt-get install bubblewrap), or choose process isolation explicitly with DOCKET_PLUGIN_ISOLATION=process"), r.err)
        XCTAssertEqual(try cli("new", "w.yaml", "--case", "k").status, 0)
        r = try cli("run", "k")
        XCTAssertEqual(r.status, 1, r.out + r.err)
        XCTAssertTrue(r.out.contains("plugin 'probe'"), r.out)
        XCTAssertTrue(r.out.contains("was not run: plugin isolation 'bubblewrap' was asked for"), r.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("ran").path), "nothing ran unconfined")
        cli.env["DOCKET_PLUGIN_ISOLATION"] = "process"
        r = try cli("plugins")
        XCTAssertTrue(r.out.contains("isolation: process (clean environment, new session, "), r.out)
    }

    func testCheckShowsTheEnvironmentAPluginGets() throws {
        let ws = try workspace(plugin: "cat >/dev/null; echo '{\"protocol\": 1, \"status\": \"completed\"}'",
                               manifest: "env: [DOCKET_ARCHIVE_PASSWORD, API_TOKEN, DEPT]\n")
        var cli = ws.cli
        cli.env["DOCKET_ARCHIVE_PASSWORD"] = "pw"
        cli.env["API_TOKEN"] = "t"
        cli.env["DEPT"] = "soumu"
        let r = try cli("plugins", "check", "probe")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("environment: DEPT HOME=SCRATCH LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin TMPDIR=SCRATCH"), r.out)
        XCTAssertTrue(r.out.contains("withheld: DOCKET_ARCHIVE_PASSWORD (one of Docket's own variables)"), r.out)
        XCTAssertTrue(r.out.contains("withheld: API_TOKEN (named like a secret; the workspace may allow it with DOCKET_PLUGIN_ALLOW_ENV=API_TOKEN)"), r.out)
        XCTAssertFalse(r.out.contains("pw") && r.out.contains("=pw"), r.out)
    }

    func testPluginTextCannotDriveTheTerminal() throws {
        let ws = try workspace(plugin: #"cat >/dev/null; printf '{"protocol": 1, "status": "failed", "message": "\\u001b]0;owned\\u0007\\rstep p completed"}'"#)
        XCTAssertEqual(try ws.cli("new", "w.yaml", "--case", "k").status, 0)
        let r = try ws.cli("run", "k")
        XCTAssertEqual(r.status, 1, r.out + r.err)
        XCTAssertTrue(r.out.contains(#"probe: \u{1B}]0;owned\u{7}\rstep p completed"#), r.out)
        let status = try ws.cli("status", "k")
        for text in [r.out, r.err, status.out, status.err] {
            XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D }, text.debugDescription)
        }
    }
}

extension PluginSandboxCLITests {
    /// `docket run` killed with SIGKILL in the middle of a plugin step: the plugin and the daemon
    /// it started go with it (the shepherd notices its parent's death).
    func testKilledDocketTakesThePluginAlong() throws {
        for mode in ["process", nil] {  // nil: the default, bubblewrap where it works
            let token = "\(600_000 + Int.random(in: 0..<99_999))"
            let ws = try workspace(plugin: #"""
                req=$(cat)
                out=$(printf '%s' "$req" | sed 's/.*"output_folder":"\([^"]*\)".*/\1/')
                setsid sh -c 'exec sleep TOKEN' &
                touch "$out/ready"
                exec sleep TOKEN
                """#.replacingOccurrences(of: "TOKEN", with: token), manifest: "timeout: 300s\n")
            var cli = ws.cli
            cli.env["DOCKET_PLUGIN_ISOLATION"] = mode
            XCTAssertEqual(try cli("new", "w.yaml", "--case", "k").status, 0)
            let process = try cli.start(["run", "k"], quiet: true)
            let ready = ws.root.appendingPathComponent("cases/k/.staging/ready").path
            for _ in 0..<600 where !FileManager.default.fileExists(atPath: ready) { usleep(50_000) }
            XCTAssertTrue(FileManager.default.fileExists(atPath: ready), "the plugin started")
            XCTAssertEqual(sleepers(token).count, 2, "the plugin and its daemon run")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            var left = sleepers(token)
            for _ in 0..<200 where !left.isEmpty { usleep(50_000); left = sleepers(token) }
            XCTAssertEqual(left, [], "\(mode ?? "default"): no process of the plugin outlives Docket")
            XCTAssertEqual(try cli("status", "k").status, 0, "the case is still readable")
        }
    }

    /// Live processes whose command line is `sleep TOKEN`.
    func sleepers(_ token: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            guard pid.first?.isNumber == true, let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  stat.split(separator: ")").last?.split(separator: " ").first != "Z" else { return false }
            return String(decoding: raw, as: UTF8.self) == "sleep\0\(token)\0"
        }
    }
}
