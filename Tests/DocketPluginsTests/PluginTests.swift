import DocketCore
import DocketPluginKit
import DocketPlugins
import DocketYAML
import Foundation
import XCTest

/// Real plugin processes, written in shell in a temporary folder.
final class PluginTests: PluginTestCase {
    let ok = #"cat > /dev/null; echo '{"protocol": 1, "status": "completed", "outputs": {"x": 1}}'"#

    func testACompliantShellPlugin() async throws {
        try plugin("good", #"""
            req=$(cat)
            case "$req" in *'"output_folder"'*) ;; *) echo '{"protocol":1,"status":"failed","message":"no output folder"}'; exit 0;; esac
            out=$(printf '%s' "$req" | sed 's/.*"output_folder":"\([^"]*\)".*/\1/')
            echo "checked" > "$out/result.txt"
            echo "log line" >&2
            echo '{"protocol": 1, "status": "completed", "outputs": {"answer": 42}, "documents": ["result.txt"]}'
            """#)
        let (report, store) = try await runCase("good")
        XCTAssertEqual(report.status, .completed, "\(report.lines)")
        let state = try store.load(report.caseID).1
        XCTAssertEqual(state.step("p").outputs["answer"], .int(42))
        XCTAssertEqual(state.step("p").documents.map(\.path), ["p/result.txt"])
        let log = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("logs/p-1.log"), encoding: .utf8)
        XCTAssertEqual(log, "log line\n", "standard error is kept with the case")
        let started = try store.load(report.caseID).0.events.first { $0.type == .started && $0.step == "p" }
        let folder = root.appendingPathComponent("plugins/good").path
        let digest = try FileIO.digest(of: folder + "/run.sh").sha256
        XCTAssertEqual(started?.message, "plugin good 0.1.0 in \(folder), isolation process; runs /usr/bin/sh \(folder)/run.sh; run.sh sha256 \(digest)",
                       "the journal records which plugin ran")
    }

    func testRefusals() async throws {
        let cases: [(String, String, String)] = [
            ("exits", "cat >/dev/null; echo oops >&2; exit 3", "exited with status 3; its last log lines: oops"),
            ("chatty", "cat >/dev/null; echo 'hello, I am not JSON'", "did not answer in the Docket plugin protocol: it wrote 'hello, I am not JSON'"),
            ("silent", "cat >/dev/null", "did not answer in the Docket plugin protocol: it wrote nothing"),
            ("future", #"cat >/dev/null; echo '{"protocol": 2, "status": "completed"}'"#, "answered in protocol version 2; this Docket speaks 1"),
            ("escaper", #"cat >/dev/null; echo '{"protocol": 1, "status": "completed", "documents": ["../../journal.jsonl"]}'"#, "named the document '../../journal.jsonl', which is outside its output folder"),
            ("absolute", #"cat >/dev/null; echo '{"protocol": 1, "status": "completed", "documents": ["/etc/passwd"]}'"#, "named the document '/etc/passwd', which is outside its output folder"),
            ("liar", #"cat >/dev/null; echo '{"protocol": 1, "status": "completed", "documents": ["missing.txt"]}'"#, "named the document 'missing.txt' but did not write it"),
            ("waiter", #"cat >/dev/null; echo '{"protocol": 1, "status": "waiting", "prompt": "x"}'"#, "asked to wait, but its plugin.yaml declares no 'waits-for'"),
            ("verbose", "cat >/dev/null; head -c 3000000 /dev/zero | tr '\\0' 'x'", "wrote more than 1048576 bytes to standard output"),
        ]
        for (name, script, expected) in cases {
            try plugin(name, script)
            let (report, _) = try await runCase(name)
            let message = failure(report)
            XCTAssertTrue(message.contains("plugin '\(name)'"), "names the plugin: \(message)")
            XCTAssertTrue(message.contains(expected), "\(name): \(message)")
        }
    }

    func testLinksAndUnlistedFilesAreRefused() async throws {
        let folderOf = #"out=$(sed 's/.*"output_folder":"\([^"]*\)".*/\1/')"#
        try plugin("linker", "\(folderOf)\nln -s /etc/passwd \"$out/passwd\"\necho '{\"protocol\": 1, \"status\": \"completed\", \"documents\": [\"passwd\"]}'")
        var (report, _) = try await runCase("linker")
        XCTAssertTrue(failure(report).contains("wrote 'passwd' as a link"), failure(report))
        try plugin("sneaky", "\(folderOf)\necho x > \"$out/hidden.txt\"\necho '{\"protocol\": 1, \"status\": \"completed\", \"documents\": []}'")
        (report, _) = try await runCase("sneaky")
        XCTAssertTrue(failure(report).contains("wrote 'hidden.txt' but did not list it"), failure(report))
    }

    func testTimeoutKillsTheWholeProcessGroup() async throws {
        let token = "\(700_000 + Int.random(in: 0..<99_999))"
        try plugin("sleepy", "cat >/dev/null; sleep \(token) & sleep \(token)", timeout: "1s")
        let (report, _) = try await runCase("sleepy")
        XCTAssertTrue(failure(report).contains("ran past its timeout of 1 s and was stopped (with every process it started)"), failure(report))
        XCTAssertEqual(survivors("sleep \(token)"), [], "the plugin's background child was killed too")
    }

    func testChangedInputDocumentFailsTheStep() async throws {
        try plugin("vandal", #"""
            req=$(cat)
            file=$(printf '%s' "$req" | sed 's/.*"file":"\([^"]*\)".*/\1/')
            echo "tampered" >> "$file"
            echo '{"protocol": 1, "status": "completed"}'
            """#)
        let (report, store) = try await runCase("vandal", isolation: .process)
        if Isolation.landlockABI > 0 {
            // Landlock refuses the write itself (even as root); the digest check stays behind it.
            XCTAssertEqual(report.status, .completed, "\(report.lines)")
            let log = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("logs/p-1.log"), encoding: .utf8)
            XCTAssertTrue(log.contains("Permission denied"), log)
            XCTAssertEqual(try String(contentsOf: store.documents(report.caseID).appendingPathComponent("make/doc.md"), encoding: .utf8), "諮問文\n")
        } else {
            XCTAssertTrue(failure(report).contains("changed the input document make/doc.md"), failure(report))
        }
    }

    func testCleanEnvironmentAndScratchFolder() async throws {
        try plugin("envy", "cat >/dev/null; env >&2; pwd >&2; echo '{\"protocol\": 1, \"status\": \"completed\"}'",
                   manifest: "env: [DEPT_TEST_ALLOWED]\n")
        setenv("DOCKET_TEST_SECRET", "hunter2", 1)
        setenv("DEPT_TEST_ALLOWED", "yes", 1)
        defer { unsetenv("DOCKET_TEST_SECRET"); unsetenv("DEPT_TEST_ALLOWED") }
        let (report, store) = try await runCase("envy")
        XCTAssertEqual(report.status, .completed, "\(report.lines)")
        let seen = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("logs/p-1.log"), encoding: .utf8)
        XCTAssertFalse(seen.contains("hunter2"), "no inherited secrets:\n\(seen)")
        XCTAssertTrue(seen.contains("DEPT_TEST_ALLOWED=yes"), "declared variables pass:\n\(seen)")
        XCTAssertTrue(seen.contains("/docket-plugin-envy-"), "runs in a scratch folder:\n\(seen)")
    }

    func testBubblewrapWhereItWorks() async throws {
        guard Isolation.bubblewrapWorks else {
            XCTAssertEqual(Isolation.chosen(environment: [:]), .process, "without a working bwrap, process isolation is used")
            return
        }
        XCTAssertEqual(Isolation.chosen(environment: [:]), .bubblewrap)
        XCTAssertEqual(Isolation.chosen(environment: ["DOCKET_PLUGIN_ISOLATION": "process"]), .process)
        try plugin("prisoner", #"""
            req=$(cat)
            file=$(printf '%s' "$req" | sed 's/.*"file":"\([^"]*\)".*/\1/')
            if echo x >> "$file" 2>/dev/null; then w=writable; else w=readonly; fi
            if ls /root >/dev/null 2>&1 && [ -n "$(ls -A /root 2>/dev/null)" ]; then h=home-visible; else h=home-hidden; fi
            if (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; then n=net; else n=no-net; fi
            echo "{\"protocol\": 1, \"status\": \"completed\", \"outputs\": {\"doc\": \"$w\", \"home\": \"$h\"}}"
            """#)
        let (report, store) = try await runCase("prisoner", isolation: .bubblewrap)
        XCTAssertEqual(report.status, .completed, "\(report.lines)")
        let outputs = try store.load(report.caseID).1.step("p").outputs
        XCTAssertEqual(outputs["doc"], .string("readonly"), "documents are mounted read-only")
        XCTAssertEqual(outputs["home"], .string("home-hidden"), "only the plugin's folders are mounted")
    }

    func testManifestErrorsAndClashes() throws {
        let bad = root.appendingPathComponent("plugins/bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data("docket-plugin: 2\nname: Bad\nversion: 1\nrun: []\ntimout: 5s\nwith: {n: {type: integer}}\n".utf8).write(to: bad.appendingPathComponent("plugin.yaml"))
        XCTAssertThrowsError(try PluginManifest.load(folder: bad)) { e in
            let path = bad.appendingPathComponent("plugin.yaml").path
            XCTAssertEqual((e as! DiagnosticsError).diagnostics.map(\.description), [
                "\(path):1:1: error: the plugin manifest is missing 'description': one line saying what the step does",
                "\(path):1:16: error: this plugin speaks protocol 2; this Docket speaks 1",
                "\(path):2:7: error: 'name' must be lowercase letters, digits and '-', not 'Bad'",
                "\(path):4:6: error: 'run' names no command",
                "\(path):5:1: error: unknown key 'timout' in the plugin manifest; did you mean 'timeout'?",
                "\(path):6:18: error: unknown type 'integer' for field 'n'; use one of: string, int, number, bool, date, list, map, folder (did you mean 'int'?)",
            ])
        }
        try FileManager.default.removeItem(at: bad)
        try plugin("render", ok)
        let other = root.appendingPathComponent("more")
        try FileManager.default.createDirectory(at: other.appendingPathComponent("dup"), withIntermediateDirectories: true)
        try plugin("dup", ok)
        try Data("docket-plugin: 1\nname: dup\ndescription: d\nversion: 1\nrun: [true]\n".utf8).write(to: other.appendingPathComponent("dup/plugin.yaml"))
        var builtins = StepRegistry()
        struct Render: Step { let name = "render"; let summary = ""; let withSchema = Schema([]); func run(_ c: StepContext) async throws -> StepOutcome { .completed(outputs: [:]) } }
        try builtins.register(Render())
        let found = PluginDiscovery.discover(in: [root.appendingPathComponent("plugins"), other], builtins: builtins, isolation: .process)
        XCTAssertEqual(found.problems.count, 2, "\(found.problems)")
        XCTAssertTrue(found.problems.contains { $0.contains("two step types are named 'render': built-in and the plugin in \(root.appendingPathComponent("plugins/render").path)") }, "\(found.problems)")
        XCTAssertTrue(found.problems.contains { $0.contains("two step types are named 'dup': the plugin in \(root.appendingPathComponent("plugins/dup").path) and the plugin in \(other.appendingPathComponent("dup").path)") }, "\(found.problems)")
    }

    func testWithIsCheckedAgainstThePluginSchema() throws {
        try plugin("typed", ok, manifest: "with:\n  count: {type: int, required: true}\noutputs: [x]\n")
        let found = PluginDiscovery.discover(in: [root.appendingPathComponent("plugins")], builtins: StepRegistry(), isolation: .process)
        let wf = root.appendingPathComponent("w.yaml")
        try Data("docket: 1\nname: t\nsteps:\n  - id: a\n    uses: typed\n    with: {count: many, cnt: 1}\n  - id: b\n    uses: typed\n    with: {count: \"${{ steps.a.outputs.y }}\"}\n".utf8).write(to: wf)
        XCTAssertThrowsError(try WorkflowLoader(registry: found.registry).load(path: wf.path)) { e in
            XCTAssertEqual((e as! DiagnosticsError).diagnostics.map(\.message), [
                "'count' must be a whole number, not a string",
                "unknown key 'cnt' in 'with' of step 'a'; did you mean 'count'?",
                "step 'a' (typed) has no output 'y'; its outputs: x",
            ])
        }
    }

    func testPluginKitResponsesAreTheProtocol() throws {
        let completed = try JSONSerialization.jsonObject(with: PluginResponse.completed(outputs: ["n": .number(2)], documents: ["a.md"]).encoded()) as! [String: Any]
        XCTAssertEqual(completed["protocol"] as? Int, 1)
        XCTAssertEqual(completed["status"] as? String, "completed")
        XCTAssertEqual(completed["documents"] as? [String], ["a.md"])
        XCTAssertEqual((completed["outputs"] as? [String: Any])?["n"] as? Int, 2)
        let failed = try JSONSerialization.jsonObject(with: PluginResponse.failed(message: "x").encoded()) as! [String: Any]
        XCTAssertEqual(failed["message"] as? String, "x")
    }
}
