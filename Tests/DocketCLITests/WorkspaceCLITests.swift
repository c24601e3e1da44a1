import Foundation
import XCTest

/// The workspace: `docket init`, docket.yaml read strictly, found from any folder below it.
final class WorkspaceCLITests: XCTestCase {
    let inputs = "workflows/examples/simple/inputs.yaml"

    func testInitWritesAWorkspaceThatCommandsFindFromBelow() throws {
        let ws = try Workspace()
        var r = try ws.cli("init", "office", "--council", "審査会", "--organization", "目黒区")
        XCTAssertEqual(r.status, 0, r.err)
        // It says what to do next, each command repeating --root.
        XCTAssertTrue(r.out.contains("2. add the board's first account: docket users add NAME --role secretariat --root office"), r.out)
        XCTAssertTrue(r.out.contains("docket new consultation --case ID --inputs inputs.yaml --root office"), r.out)
        XCTAssertTrue(r.out.contains("docket workflows --root office lists"), r.out)
        let text = try ws.read("office/docket.yaml")
        XCTAssertTrue(text.contains("time-zone: \"Asia/Tokyo\"") && !text.contains("審査会"), "the council's names are the profile's: \(text)")
        let profile = try ws.read("office/council.yaml")
        XCTAssertTrue(profile.contains("name: \"審査会\"") && profile.contains("organization: \"目黒区\""), profile)
        // A second init refuses and changes nothing.
        r = try ws.cli("init", "office")
        XCTAssertEqual(r.status, 73, r.err)
        XCTAssertTrue(r.err.contains("already exists"), r.err)
        XCTAssertEqual(try ws.read("office/docket.yaml"), text)

        // From a folder deep below the workspace, a workflow name and the plugins are found.
        try FileManager.default.createDirectory(at: ws.root.appendingPathComponent("deep/er"), withIntermediateDirectories: true)
        let deep = CLI(root: ws.root.appendingPathComponent("deep/er"))
        r = try deep("new", "simple-consultation", "--case", "a", "--inputs", ws.root.appendingPathComponent(inputs).path)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/a/journal.jsonl").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("deep/er/cases").path), "no second set of cases")
        r = try deep("run", "a")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "no plugin warnings from a sub-folder")

        // What a case can be opened under, and from where; the roster is not a workflow.
        r = try deep("workflows")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNotNil(r.out.firstMatch(of: #/(?m)^consultation +\S.* +\d+ +workspace workflows +ok$/#), r.out)
        XCTAssertNotNil(r.out.firstMatch(of: #/(?m)^simple-consultation /#), r.out)
        XCTAssertFalse(r.out.contains("\ncouncil "), r.out)
        try ws.write("workflows/broken.yaml", "docket: 1\nname: broken\nstepz: []\n")
        r = try deep("workflows")
        XCTAssertEqual(r.status, 65, "a workflow that does not load is named")
        XCTAssertTrue(r.out.contains("does not load: "), r.out)
        XCTAssertTrue(r.out.contains("broken.yaml:1:1: error: the workflow is missing 'steps'"), r.out)
    }

    func testNoWorkspaceIsAnErrorNamingTheFoldersSearched() throws {
        let ws = try Workspace()
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("docket.yaml"))
        let r = try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs)
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.contains("no Docket workspace here: no docket.yaml in \(ws.root.standardizedFileURL.path)"), r.err)
        XCTAssertTrue(r.err.contains("docket init DIR"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases").path), "no case was created")
        XCTAssertEqual(try ws.cli("status").status, 66)
    }

    func testRootPointingAtAFileOrNowhereSaysSo() throws {
        let ws = try Workspace()
        try ws.write("plain.txt", "x")
        var r = try ws.cli("status", "--root", "plain.txt/sub")
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.contains("plain.txt/sub (from --root) cannot be a workspace folder:") && r.err.contains("plain.txt' above it is a file, not a folder"), r.err)
        r = try ws.cli("status", "--root", "missing")
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.contains("missing (from --root) cannot be a workspace folder: the folder does not exist"), r.err)
        try FileManager.default.createDirectory(at: ws.root.appendingPathComponent("empty"), withIntermediateDirectories: true)
        var cli = ws.cli
        cli.env["DOCKET_ROOT"] = ws.root.appendingPathComponent("empty").path
        r = try cli("status")
        XCTAssertEqual(r.status, 66, r.err)
        XCTAssertTrue(r.err.contains("(from $DOCKET_ROOT) is not a Docket workspace: it has no docket.yaml"), r.err)
        XCTAssertFalse(r.out.contains("no cases yet"), r.out)
    }

    func testWorkspaceFileIsReadStrictly() throws {
        let ws = try Workspace()
        try ws.write("docket.yaml", "docket-workspace: 1\ncouncel: x\ntime-zone: Asia/Tokio\nplugins: Plugins\n")
        let r = try ws.cli("status")
        XCTAssertEqual(r.status, 65, r.err)
        let file = ws.root.appendingPathComponent("docket.yaml").path
        XCTAssertTrue(r.err.contains("\(file):2:1: error: unknown key 'councel' in the workspace file; did you mean 'council'?"), r.err)
        XCTAssertTrue(r.err.contains("\(file):3:12: error: 'time-zone' is 'Asia/Tokio', which is not a time zone name"), r.err)
        XCTAssertTrue(r.err.contains("\(file):4:10: error:"), r.err)
    }

    func testGlobalOptionsBeforeTheCommandAndHintsRepeatThem() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("init", "other", "--council", "別の審議会", "--organization", "別市").status, 0)
        var r = try ws.cli("--root", "other", "new", "workflows/simple-consultation.yaml", "--case", "x", "--inputs", inputs)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("next: docket run x --root other"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("other/cases/x").path))
        r = try ws.cli("--root=other", "run", "x")
        XCTAssertTrue(r.out.contains("record it with: docket record x review --file FILE --root other"), r.out)
        r = try ws.cli("record", "x", "review", "--root", "other", "--file", "workflows/examples/simple/review.yaml")
        XCTAssertTrue(r.out.contains("next: docket run x --root other"), r.out)
    }

    func testVersionStdinAndMistypedCommand() throws {
        let ws = try Workspace()
        var r = try ws.cli("--version")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, r.out)
        r = try ws.cli("stauts")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("there is no command 'stauts'; did you mean 'status'?"), r.err)

        XCTAssertEqual(try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs).status, 0)
        XCTAssertEqual(try ws.cli("run", "a").status, 0)
        r = try ws.cli.runProgram(["bash", "-c", "printf 'approved: true\\nfor: 9\\nagainst: 1\\n' | \"$0\" record a review --file -", CLI.binary.path])
        XCTAssertEqual(r.status, 0, r.err)
        r = try ws.cli.runProgram(["bash", "-c", "printf 'approved: maybe\\n' | \"$0\" record a review --file - --replace --reason typo", CLI.binary.path])
        XCTAssertEqual(r.status, 65, r.err)
        XCTAssertTrue(r.err.contains("<stdin>:1:11: error: 'approved' must be true or false"), r.err)
    }

    func testStatusAndVotesNeedNoPluginInstalled() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("demo", "--root", "out").status, 0)
        // Elsewhere, with no plugins at all: the cases still read.
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("Plugins"))
        try ws.write("out/docket.yaml", "docket-workspace: 1\nplugins: [nowhere]\n")
        let r = try ws.cli("status", "--root", "out")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "no warning per case")
        let v = try ws.cli("votes", "--root", "out", "--csv", "--excel")
        XCTAssertEqual(v.status, 0, v.err)
        XCTAssertTrue(v.out.hasPrefix("\u{FEFF}case,item,step"), String(v.out.prefix(40)))
        XCTAssertEqual(try ws.cli("votes", "--root", "out", "--excel").status, 64, "--excel needs --csv")
    }

    func testPluginsAndRetentionThroughTheWorkspace() throws {
        let ws = try Workspace(copyWorkflows: false)
        var r = try ws.cli("plugins")
        XCTAssertEqual(r.status, 0, r.err)
        // The workspace has none of its own: the standard ones that ship with Docket are found.
        XCTAssertTrue(r.out.contains("personal-data-scan"), r.out)
        XCTAssertTrue(r.out.contains(CLI.packageRoot.appendingPathComponent("Plugins").standardizedFileURL.path), r.out)
        r = try ws.cli("retention", "due", "--date", "令和5年4月1日")
        XCTAssertEqual(r.status, 0, r.err)
        r = try ws.cli("retention", "due", "--date", "2023-02-29")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("February 2023 has no 29th"), r.err)
    }

    /// Every command run from a folder outside the workspace, with a relative `--root`: plugins,
    /// workflows and templates are the workspace's, whatever the current folder (the minutes'
    /// personal-data check included, which was once looked up from the current folder).
    func testEveryCommandWorksFromAnotherFolderWithARelativeRoot() throws {
        let ws = try Workspace()
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("docket-elsewhere-\(UUID().uuidString)/a/b")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere.deletingLastPathComponent().deletingLastPathComponent()) }
        let root = "../../../" + ws.root.lastPathComponent
        let cli = CLI(root: elsewhere)
        let example = ws.root.appendingPathComponent("workflows/examples/meeting-2022-06-27").path
        try ws.write("tally.yaml", "for: 17\nagainst: 0\n")
        func ok(_ args: String..., file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
            let r = try cli.run(args + ["--root", root])
            XCTAssertEqual(r.status, 0, "docket \(args.joined(separator: " ")): \(r.err)", file: file, line: line)
            XCTAssertFalse(r.err.contains("not installed") || r.err.contains("not loaded"), r.err, file: file, line: line)
            return r
        }
        XCTAssertTrue(try ok("validate", "consultation").out.contains("consultation"))
        XCTAssertTrue(try ok("steps").out.contains("personal-data-scan"))
        XCTAssertTrue(try ok("plugins").out.contains("personal-data-scan"))
        _ = try ok("new", "consultation", "--case", "c", "--inputs", "\(example)/c2/inputs.yaml")
        XCTAssertTrue(try ok("run", "c").out.contains("record it with: docket record c review --file FILE --root \(root)"))
        _ = try ok("record", "c", "review", "--file", "\(example)/c2/review.yaml")
        _ = try ok("run", "c")
        _ = try ok("meeting", "new", "m", "--date", "2022-06-27")
        _ = try ok("meeting", "agenda", "m", "add", "c")
        _ = try ok("meeting", "attend", "m", "--file", "\(example)/attendance.yaml")
        XCTAssertTrue(try ok("meeting", "vote", "m", "c", "--file", ws.root.appendingPathComponent("tally.yaml").path, "--run").out
            .contains("case c completed"))
        _ = try ok("meeting", "close", "m")
        XCTAssertTrue(try ok("minutes", "m").out.contains("archived meeting m"), "the personal-data check ran")
        XCTAssertTrue(try ok("status").out.contains("1 case: 1 completed"))
        XCTAssertTrue(try ok("search", "給付金").out.contains("c"))
        XCTAssertTrue(try ok("answers").out.contains("令和4年度第1号"))
        XCTAssertTrue(try ok("votes").out.contains("c"))
        _ = try ok("index", "check")
        let verified = try cli.run(["verify", ws.root.appendingPathComponent("archives/c.zip").path])  // any archive, no workspace needed
        XCTAssertEqual(verified.status, 0, verified.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("cases").path), "nothing is written where the command ran")
    }
}
