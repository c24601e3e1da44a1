import DocketCore
@testable import DocketPlugins
import Foundation
import XCTest

/// Plugins written as an attacker would, run as real processes (as root in CI), in every
/// isolation that works here. Each test checks what the attacker was after is unchanged and
/// that no process of the plugin survives its step.
final class HostilePluginTests: PluginTestCase {
    /// Every isolation mode that works on this machine.
    var modes: [Isolation] { Isolation.bubblewrapWorks ? [.process, .bubblewrap] : [.process] }

    /// Shell lines that read the request and set $file (the input document), $docs, $casedir, $out.
    let fields = #"""
        req=$(cat)
        file=$(printf '%s' "$req" | sed 's/.*"file":"\([^"]*\)".*/\1/')
        out=$(printf '%s' "$req" | sed 's/.*"output_folder":"\([^"]*\)".*/\1/')
        docs=${file%/make/doc.md}
        casedir=${docs%/documents}
        """#

    func testWritesMountsAndCapabilitiesAreRefusedInEveryMode() async throws {
        for mode in modes {
            let marker = "docket-hostile-\(UUID().uuidString)"
            // Another case, which the plugin must not touch either.
            try plugin("bystander", #"cat >/dev/null; echo '{"protocol": 1, "status": "completed"}'"#)
            let (otherReport, store) = try await runCase("bystander", isolation: mode)
            XCTAssertEqual(otherReport.status, .completed, "\(otherReport.lines)")
            let otherJournal = try Data(contentsOf: store.journal(otherReport.caseID).url)
            let otherDoc = store.documents(otherReport.caseID).appendingPathComponent("make/doc.md").path
            let folder = try plugin("vandal", fields + """

                broke=""
                attempt() { if sh -c "$1" >/dev/null 2>&1; then broke="$broke $2"; fi; }
                attempt "echo x >> '$file'" document
                attempt "echo x >> '\(otherDoc)'" other-case
                attempt "mount -o remount,rw,bind '$docs'" remount
                attempt "mount -t tmpfs none '$docs'" mount
                attempt "unshare -rm sh -c \\"mount -o remount,rw,bind '$docs' && echo x >> '$file'\\"" user-namespace
                attempt "echo x > /etc/\(marker)" etc
                attempt "echo x > /usr/\(marker)" usr
                attempt "echo x > \(root.path)/plugins/vandal/\(marker)" own-folder
                echo x >> "$casedir/journal.jsonl" 2>/dev/null
                echo x >> "$casedir/workflow.yaml" 2>/dev/null
                caps=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
                nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)
                echo "{\\"protocol\\": 1, \\"status\\": \\"completed\\", \\"outputs\\": {\\"broke\\": \\"$broke\\", \\"caps\\": \\"$caps\\", \\"nnp\\": \\"$nnp\\"}}"
                """)
            let (report, _) = try await runCase("vandal", isolation: mode)
            XCTAssertEqual(report.status, .completed, "\(mode): \(report.lines)")
            let (journal, state) = try store.load(report.caseID)  // the chain verifies
            XCTAssertEqual(journal.events.last?.type, .finished, "\(mode): only Docket appended to the journal")
            XCTAssertEqual(state.step("p").outputs["broke"], .string(""), "\(mode): every attempt failed")
            XCTAssertEqual(state.step("p").outputs["caps"], .string("0000000000000000"), "\(mode): no capability left")
            XCTAssertEqual(state.step("p").outputs["nnp"], .string("1"), "\(mode): no new privileges")
            XCTAssertNoThrow(try store.checkSnapshot(report.caseID, recorded: state.workflow), "\(mode): snapshot unchanged")
            XCTAssertEqual(try FileIO.digest(of: store.documents(report.caseID).appendingPathComponent("make/doc.md").path).sha256,
                           state.documents.first { $0.path == "make/doc.md" }?.sha256, "\(mode): document unchanged")
            XCTAssertEqual(try Data(contentsOf: store.journal(otherReport.caseID).url), otherJournal, "\(mode): other case unchanged")
            XCTAssertEqual(try String(contentsOfFile: otherDoc, encoding: .utf8), "諮問文\n", "\(mode): other case's document unchanged")
            for path in ["/etc/\(marker)", "/usr/\(marker)", folder.appendingPathComponent(marker).path] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(mode): \(path) was not written")
            }
        }
    }

    func testNoProcessSurvivesTheStepHoweverItDetached() async throws {
        for mode in modes {
            for timeout in ["1s", "60s"] {
                let token = "\(900_000 + Int.random(in: 0..<99_999))"
                // Daemons: a setsid child, a double fork, one ignoring TERM and HUP; all keep
                // standard output open. With timeout 1s the plugin itself hangs too.
                try plugin("daemons", fields + """

                    setsid sh -c 'touch "$TMPDIR/a"; exec sleep \(token)' &
                    ( setsid sh -c 'trap "" TERM HUP; touch "$TMPDIR/b"; exec sleep \(token)' & ) &
                    nohup sh -c 'touch "$TMPDIR/c"; exec sleep \(token)' >/dev/null 2>&1 &
                    while [ ! -e "$TMPDIR/a" ] || [ ! -e "$TMPDIR/b" ] || [ ! -e "$TMPDIR/c" ]; do sleep 0.05; done
                    \(timeout == "1s" ? "sleep \(token)" : "")
                    echo '{"protocol": 1, "status": "completed"}'
                    """, timeout: timeout)
                let (report, _) = try await runCase("daemons", isolation: mode)
                if timeout == "1s" {
                    XCTAssertTrue(failure(report).contains("plugin 'daemons'"), "\(mode): the timeout names the plugin: \(report.lines)")
                    XCTAssertTrue(failure(report).contains("ran past its timeout of 1 s and was stopped (with every process it started)"), "\(mode): \(report.lines)")
                } else {
                    XCTAssertEqual(report.status, .completed, "\(mode): daemons holding standard output do not hang the step: \(report.lines)")
                }
                XCTAssertEqual(survivors("sleep \(token)"), [], "\(mode), timeout \(timeout): every process is gone")
            }
        }
    }

    /// The subreaper alone, and with a cgroup v2 where this machine lets Docket make one.
    func testShepherdKillsDescendantsWithAndWithoutCgroup() throws {
        let cgroupWorks = StepCgroup.make().map { $0.remove(); return true } ?? false
        for useCgroup in cgroupWorks ? [false, true] : [false] {
            let token = "\(800_000 + Int.random(in: 0..<99_999))"
            let seen = root.appendingPathComponent("cgroup-\(useCgroup).txt").path
            let child = ChildProcess(
                arguments: ["/bin/sh", "-c", "cat /proc/self/cgroup > \(seen); setsid sh -c 'exec sleep \(token)' & ( setsid sleep \(token) & ); sleep 0.2; exit 0"],
                environment: ["PATH": PluginStep.pluginPATH], workingFolder: root, input: Data(), timeout: 60, maxOutput: 1 << 20, cgroup: useCgroup)
            let result = try child.run()
            XCTAssertEqual(result.ending, .exited(0), "cgroup \(useCgroup): pipes held by daemons do not hang Docket")
            XCTAssertEqual(result.inCgroup, useCgroup)
            XCTAssertEqual(try String(contentsOfFile: seen, encoding: .utf8).contains("docket-step-"), useCgroup, "the plugin ran in the step's cgroup")
            XCTAssertEqual(survivors("sleep \(token)"), [], "cgroup \(useCgroup): every descendant is gone")
        }
    }

    func testNewSessionDefaultSignalsAndNoNewPrivileges() throws {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR1)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        let oldHup = signal(SIGHUP, SIG_IGN)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil); signal(SIGHUP, oldHup) }
        let child = ChildProcess(arguments: ["/bin/sh", "-c", "grep -E '^(SigBlk|SigIgn|NoNewPrivs)' /proc/self/status; echo sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$"],
                                 environment: ["PATH": PluginStep.pluginPATH], workingFolder: root, input: Data(), timeout: 60, maxOutput: 1 << 20)
        let result = try child.run()
        let text = String(decoding: result.output, as: UTF8.self)
        XCTAssertTrue(text.contains("SigBlk:\t0000000000000000"), text)
        XCTAssertTrue(text.contains("SigIgn:\t0000000000000000"), text)
        XCTAssertTrue(text.contains("NoNewPrivs:\t1"), text)
        let ids = text.split(separator: "\n").last!.split(separator: " ").map { $0.split(separator: "=")[1] }
        XCTAssertEqual(ids[0], ids[1], "the plugin leads a session of its own, without Docket's terminal: \(text)")
    }

    func testUnreadRequestFailsTheStepWithoutKillingDocket() async throws {
        let child = ChildProcess(arguments: ["true"], environment: ["PATH": PluginStep.pluginPATH], workingFolder: root,
                                 input: Data(count: 4 << 20), timeout: 60, maxOutput: 1 << 20)
        let result = try child.run()  // with SIGPIPE at its default, this test process would die here
        XCTAssertEqual(result.ending, .exited(0))
        XCTAssertGreaterThan(result.inputUnread, 0)
        try plugin("deaf", #"echo '{"protocol": 1, "status": "completed"}'"#, manifest: "with:\n  pad: {type: string}\n")
        let (report, _) = try await runCase("deaf", with: "{pad: \(String(repeating: "x", count: 300_000))}")
        XCTAssertTrue(failure(report).contains("plugin 'deaf'"), failure(report))
        XCTAssertTrue(failure(report).contains("exited without reading its whole request"), failure(report))
    }

    func testKilledBySignalIsReportedInEveryMode() async throws {
        for mode in modes {
            try plugin("suicidal", "cat >/dev/null; kill -9 $$")
            let (report, _) = try await runCase("suicidal", isolation: mode)
            XCTAssertTrue(failure(report).contains("plugin 'suicidal'"), failure(report))
            XCTAssertTrue(failure(report).contains("was killed by signal 9"), "\(mode): \(failure(report))")
        }
    }

    func testOutputLimitsHardLinksAndSpecialFiles() async throws {
        let cases: [(String, String, String, String)] = [
            ("many", "for i in 1 2 3 4 5 6; do echo $i > \"$out/f$i.txt\"; done", "max-files: 5\n", "left more than 5 files and folders in its output folder (the limit; plugin.yaml 'max-files' raises it up to 100000)"),
            ("sparse", "truncate -s 1T \"$out/huge.bin\"", "", "wrote 'huge.bin' of 1099511627776 bytes, over the limit of 268435456 per file"),
            ("bulky", "head -c 3000 /dev/zero > \"$out/a\"; head -c 3000 /dev/zero > \"$out/b\"", "max-bytes: 5000\n", "wrote more than 5000 bytes of documents"),
            ("linked", "echo x > \"$out/a.txt\"; ln \"$out/a.txt\" \"$out/b.txt\"", "", "as a hard link to another file (2 links)"),
            ("stolen", "ln \"$file\" \"$out/copy.md\" 2>/dev/null || echo x > \"$out/copy.md\"; chmod 644 \"$out/copy.md\"", "", "wrote 'copy.md' but did not list it in 'documents'"),
            ("piped", "mkfifo \"$out/fifo\"", "", "left 'fifo', a special file (FIFO, socket or device)"),
            ("pointer", "ln -s /dev/zero \"$out/zero\"", "", "wrote 'zero' as a link"),
        ]
        for mode in modes {
            for (name, body, manifest, expected) in cases {
                try plugin(name, fields + "\n\(body)\necho '{\"protocol\": 1, \"status\": \"completed\", \"documents\": []}'", manifest: manifest)
                let (report, store) = try await runCase(name, isolation: mode)
                let message = failure(report)
                XCTAssertTrue(message.contains("plugin '\(name)'"), message)
                XCTAssertTrue(message.contains(expected), "\(mode) \(name): \(message)")
                let doc = store.documents(report.caseID).appendingPathComponent("make/doc.md").path
                var st = stat()
                XCTAssertEqual(lstat(doc, &st), 0)
                XCTAssertEqual(st.st_mode & 0o777, 0o444, "\(mode) \(name): the case's document keeps its mode")
            }
        }
        XCTAssertThrowsError(try PluginManifest.load(folder: try plugin("greedy", "true", manifest: "max-files: 1000000\n"))) { e in
            XCTAssertTrue("\(e)".contains("'max-files' must be between 1 and 100000"), "\(e)")
        }
    }

    func testTamperedInputDocumentFailsNamingItAndTheWayBack() async throws {
        let flag = root.appendingPathComponent("second-run").path
        try plugin("reader", "cat >/dev/null; [ -e \(flag) ] || exit 3; echo '{\"protocol\": 1, \"status\": \"completed\"}'")
        for replacement in ["fifo", "link", "changed"] {
            try? FileManager.default.removeItem(atPath: flag)
            let (first, store) = try await runCase("reader")
            XCTAssertTrue(failure(first).contains("exited with status 3"), failure(first))
            let doc = store.documents(first.caseID).appendingPathComponent("make/doc.md").path
            try FileManager.default.removeItem(atPath: doc)
            switch replacement {
            case "fifo": XCTAssertEqual(mkfifo(doc, 0o644), 0)
            case "link": XCTAssertEqual(symlink("/dev/zero", doc), 0)
            default: try Data("改ざん\n".utf8).write(to: URL(fileURLWithPath: doc))
            }
            _ = FileManager.default.createFile(atPath: flag, contents: nil)
            let second = try await runner.run(caseID: first.caseID)  // must not hang on the FIFO or /dev/zero
            let message = failure(second)
            XCTAssertTrue(message.contains("the case's document make/doc.md is not the one its journal records"), message)
            XCTAssertTrue(message.contains("restore the original file (SHA-256 "), message)
        }
    }

    func testRewrittenSnapshotIsRefusedBeforeTheNextRun() async throws {
        try plugin("once", "cat >/dev/null; exit 1")
        let (first, store) = try await runCase("once")
        XCTAssertEqual(first.status, .failed)
        try Data("docket: 1\nname: t\nsteps:\n  - id: make\n    uses: make\n".utf8).write(to: store.workflowFile(first.caseID))
        do {
            _ = try await runner.run(caseID: first.caseID)
            XCTFail("a rewritten snapshot must not run")
        } catch let error as CaseError {
            XCTAssertTrue(error.description.contains("it is not the file the journal records (SHA-256 "), error.description)
            XCTAssertEqual(error.exitCode, 65)
        }
    }

    func testSecretsNeverReachThePlugin() async throws {
        try plugin("greedy", "cat >/dev/null; env >&2; echo '{\"protocol\": 1, \"status\": \"completed\"}'",
                   manifest: "env: [DOCKET_ARCHIVE_PASSWORD, API_TOKEN, DB_PASSWORD, DEPT_CODE, PATH]\n")
        setenv("DOCKET_ARCHIVE_PASSWORD", "archive-pw-1", 1)
        setenv("API_TOKEN", "token-2", 1)
        setenv("DB_PASSWORD", "db-pw-3", 1)
        setenv("DEPT_CODE", "soumu", 1)
        defer { for n in ["DOCKET_ARCHIVE_PASSWORD", "API_TOKEN", "DB_PASSWORD", "DEPT_CODE", "DOCKET_PLUGIN_ALLOW_ENV"] { unsetenv(n) } }
        var (report, store) = try await runCase("greedy")
        XCTAssertEqual(report.status, .completed, "\(report.lines)")
        var seen = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("logs/p-1.log"), encoding: .utf8)
        for secret in ["archive-pw-1", "token-2", "db-pw-3"] { XCTAssertFalse(seen.contains(secret), "\(secret) withheld:\n\(seen)") }
        XCTAssertTrue(seen.contains("DEPT_CODE=soumu"), seen)
        XCTAssertTrue(seen.contains("PATH=\(PluginStep.pluginPATH)\n"), "one PATH, Docket's own is not passed:\n\(seen)")
        setenv("DOCKET_PLUGIN_ALLOW_ENV", "API_TOKEN,DOCKET_ARCHIVE_PASSWORD", 1)
        (report, store) = try await runCase("greedy")
        seen = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("logs/p-1.log"), encoding: .utf8)
        XCTAssertTrue(seen.contains("API_TOKEN=token-2"), "the workspace allowed it:\n\(seen)")
        XCTAssertFalse(seen.contains("archive-pw-1"), "Docket's own variables are never allowed:\n\(seen)")
        XCTAssertFalse(seen.contains("db-pw-3"), seen)
    }

    func testPluginTextIsEscapedAndTheLogCutIsMarked() async throws {
        try plugin("forger", #"cat >/dev/null; head -c 1200000 /dev/zero | tr '\0' 'l' >&2; printf '{"protocol": 1, "status": "failed", "message": "x\\u001b[2J\\u0007\\r\\nstep p completed\\u0000"}'"#)
        let (report, store) = try await runCase("forger")
        let message = failure(report)
        XCTAssertFalse(message.unicodeScalars.contains { $0.value < 0x20 }, "no control character reaches the terminal: \(message.debugDescription)")
        XCTAssertTrue(message.contains(#"x\u{1B}[2J\u{7}\r\nstep p completed\u{0}"#), message)
        let log = try String(contentsOf: store.folder(report.caseID).appendingPathComponent("logs/p-1.log"), encoding: .utf8)
        XCTAssertTrue(log.hasSuffix("\n[docket: the log was cut here at 1048576 bytes; 151424 more bytes were dropped]\n"), String(log.suffix(120)))
    }

    func testBubblewrapAskedForButMissingRunsNothing() async throws {
        let marker = root.appendingPathComponent("ran").path
        try plugin("hopeful", "cat >/dev/null; touch \(marker); echo '{\"protocol\": 1, \"status\": \"completed\"}'")
        let env = ["DOCKET_PLUGIN_ISOLATION": "bubblewrap", "DOCKET_BWRAP": "/nonexistent/bwrap"]
        XCTAssertEqual(Isolation.chosen(environment: env), .bubblewrap, "kept as asked")
        XCTAssertTrue(Isolation.bubblewrap.summary(environment: env).hasPrefix("none: plugins will not run"))
        let manifest = try PluginManifest.load(folder: root.appendingPathComponent("plugins/hopeful"))
        let step = PluginStep(manifest: manifest, isolation: .bubblewrap, environment: env)
        let scratch = root.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("out"), withIntermediateDirectories: true)
        let context = StepContext(caseID: "c", stepID: "p", attempt: 1, with: [:], inputs: [:], outputs: [:], documents: [], records: [],
                                  outputFolder: scratch.appendingPathComponent("out"), documentsFolder: scratch.appendingPathComponent("documents"),
                                  snapshotFolder: scratch, rootFolder: scratch, now: Date())
        guard case .broken(let message) = try step.invoke(context) else { return XCTFail("it must not run") }
        XCTAssertTrue(message.contains("plugin isolation 'bubblewrap' was asked for, but bwrap is not installed; no plugin runs unconfined. Install the 'bubblewrap' package"), message)
        XCTAssertTrue(message.contains("DOCKET_PLUGIN_ISOLATION=process"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the plugin did not run")
        // A plugin that requires bubblewrap does not run in process mode.
        try plugin("strict", "cat >/dev/null; touch \(marker); exit 0", manifest: "isolation: bubblewrap\n")
        let (report, _) = try await runCase("strict", isolation: .process)
        XCTAssertTrue(failure(report).contains("its plugin.yaml requires bubblewrap isolation"), failure(report))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testHiddenCommandIsExplainedUnderBubblewrap() throws {
        // A virtual environment outside the plugin folder, as `python3 -m venv ~/venv` makes one.
        let python = root.appendingPathComponent("venv/bin/python")
        try FileManager.default.createDirectory(at: python.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: python.path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        try plugin("venv", "true")
        try Data("docket-plugin: 1\nname: venv\ndescription: d\nversion: 1\nrun: [\(python.path), scan.py]\n".utf8)
            .write(to: root.appendingPathComponent("plugins/venv/plugin.yaml"))
        let manifest = try PluginManifest.load(folder: root.appendingPathComponent("plugins/venv"))
        guard case .refused(let message) = PluginStep(manifest: manifest, isolation: .bubblewrap, environment: [:]).command() else {
            return XCTFail("a hidden command is refused with its reason")
        }
        XCTAssertTrue(message.contains("its command \(python.path) is hidden from it, since bubblewrap shows the plugin only /usr, /bin"), message)
        XCTAssertTrue(message.contains("a Python virtual environment: python3 -m venv in the plugin folder"), message)
        guard case .ready = PluginStep(manifest: manifest, isolation: .process, environment: [:]).command() else {
            return XCTFail("process isolation hides nothing")
        }
    }
}
