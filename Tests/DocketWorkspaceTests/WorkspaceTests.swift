import DocketCore
import DocketWorkspace
import DocketYAML
import Foundation
import XCTest

/// Finding a workspace, reading its docket.yaml, and where it looks up workflows and plugins.
final class WorkspaceTests: XCTestCase {
    var base: URL!

    override func setUpWithError() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("workspace-\(UUID().uuidString)").standardizedFileURL
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: base)
    }

    func folder(_ path: String) throws -> URL {
        let url = base.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ path: String, _ text: String) throws {
        let url = base.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    // MARK: - Finding it

    func testACommandBelowTheWorkspaceFindsItAndAnOptionWinsOverTheEnvironment() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig(council: "みどり市個人情報保護審議会"))
        let deep = try folder("ws/cases/c1/documents")
        XCTAssertEqual(try Workspace.locate(rootOption: nil, environment: [:], currentFolder: deep).root.path, ws.root.path)
        XCTAssertEqual(try Workspace.locate(rootOption: nil, environment: [:], currentFolder: deep).config.council, "みどり市個人情報保護審議会")

        let other = try Workspace.create(at: base.appendingPathComponent("other"), config: WorkspaceConfig())
        XCTAssertEqual(try Workspace.locate(rootOption: nil, environment: ["DOCKET_ROOT": other.root.path], currentFolder: deep).root.path, other.root.path,
                       "$DOCKET_ROOT wins over the search")
        XCTAssertEqual(try Workspace.locate(rootOption: "../../../../other", environment: ["DOCKET_ROOT": "/nowhere"], currentFolder: deep).root.path,
                       other.root.path, "--root wins over $DOCKET_ROOT, relative to the current folder")
    }

    func testNoWorkspaceNamesEveryFolderSearched() throws {
        let deep = try folder("a/b/c")
        XCTAssertThrowsError(try Workspace.locate(rootOption: nil, environment: [:], currentFolder: deep)) { error in
            guard case WorkspaceError.notFound(let searched) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(searched.first, deep.path)
            XCTAssertTrue(searched.contains(base.appendingPathComponent("a").path), "\(searched)")
            XCTAssertEqual(searched.last, "/")
            XCTAssertEqual((error as? WorkspaceError)?.kind, .notFound)
            XCTAssertFalse(error.localizedDescription.contains("--root"), "the library does not name CLI options")
        }
    }

    func testARootThatIsAFileOrHasNoDocketYamlIsRefusedNamingIt() throws {
        try write("plain.txt", "x")
        XCTAssertThrowsError(try Workspace.locate(rootOption: "plain.txt", environment: [:], currentFolder: base)) { error in
            guard case WorkspaceError.badFolder(let path, _, let why) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "plain.txt")
            XCTAssertEqual(why, "it is a file, not a folder")
        }
        _ = try folder("empty")
        XCTAssertThrowsError(try Workspace.locate(rootOption: nil, environment: ["DOCKET_ROOT": "empty"], currentFolder: base)) { error in
            XCTAssertEqual(error as? WorkspaceError, .notAWorkspace("empty", how: "$DOCKET_ROOT"))
        }
    }

    func testCreateRefusesAnExistingWorkspaceAndChangesNothing() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig(council: "A"))
        let before = try Data(contentsOf: ws.configFile)
        XCTAssertThrowsError(try Workspace.create(at: ws.root, config: WorkspaceConfig(council: "B"))) { error in
            XCTAssertEqual((error as? WorkspaceError)?.kind, .refused)
        }
        XCTAssertEqual(try Data(contentsOf: ws.configFile), before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases").path))
    }

    // MARK: - docket.yaml

    func testTheFileInitWritesReadsBackTheSame() throws {
        let config = WorkspaceConfig(council: "みどり市\"審議会\"", organization: "みどり市", timeZone: "Asia/Tokyo",
                                     pluginFolders: ["Plugins", "/opt/plugins"], workflowFolders: ["workflows"])
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: config)
        XCTAssertEqual(try WorkspaceConfig.load(path: ws.configFile.path), config)
    }

    func testEveryProblemOfDocketYamlIsNamedAtItsLineAndColumn() throws {
        try write("ws/docket.yaml", "docket-workspace: 1\ncouncil: x\ntime-zone: Asia/Tokio\nplugin: [Plugins]\nworkflows: ['  ']\n")
        XCTAssertThrowsError(try WorkspaceConfig.load(path: base.appendingPathComponent("ws/docket.yaml").path)) { error in
            let text = (error as? DiagnosticsError)?.description ?? "\(error)"
            XCTAssertTrue(text.contains("docket.yaml:3:12: error: 'time-zone' is 'Asia/Tokio'"), text)
            XCTAssertTrue(text.contains("did you mean 'Asia/Tokyo'?"), text)
            XCTAssertTrue(text.contains("docket.yaml:4:1:"), text)
            XCTAssertTrue(text.contains("'plugin'"), text)
            XCTAssertTrue(text.contains("docket.yaml:5:13: error: a folder in 'workflows' is blank"), text)
        }
    }

    func testAPasswordInTheIndexURLIsRefusedAndNeverEchoed() throws {
        try write("ws/docket.yaml", "docket-workspace: 1\nindex: postgres://docket:s3cret@db.example/docket\n")
        XCTAssertThrowsError(try WorkspaceConfig.load(path: base.appendingPathComponent("ws/docket.yaml").path)) { error in
            let text = (error as? DiagnosticsError)?.description ?? "\(error)"
            XCTAssertTrue(text.contains("docket.yaml:2:8:"), text)
            XCTAssertFalse(text.contains("s3cret"), text)
        }
    }

    // MARK: - Lookups

    func testFoldersAreResolvedAgainstTheWorkspaceWhateverTheCurrentFolder() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"),
                                      config: WorkspaceConfig(pluginFolders: ["Plugins", "/abs/plugins"], workflowFolders: ["defs"]))
        let folders = ws.pluginFolders(environment: ["DOCKET_PLUGIN_PATH": "/extra/a::/extra/b"]).map(\.path)
        XCTAssertEqual(folders, [ws.root.appendingPathComponent("Plugins").path, "/abs/plugins", "/extra/a", "/extra/b"])
        XCTAssertEqual(ws.workflowFolders.map(\.path), [ws.root.appendingPathComponent("defs").path])
    }

    func testAWorkflowIsFoundByNameOrAsAFileAndAMissOffersTheNearestName() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig())
        try write("ws/workflows/consultation.yaml", "x")
        try write("ws/workflows/report.yml", "x")
        try write("elsewhere/mine.yaml", "x")
        let wf = ws.root.appendingPathComponent("workflows")
        XCTAssertEqual(try ws.workflowPath("consultation", currentFolder: base), wf.appendingPathComponent("consultation.yaml").path)
        XCTAssertEqual(try ws.workflowPath("consultation.yaml", currentFolder: base), wf.appendingPathComponent("consultation.yaml").path)
        XCTAssertEqual(try ws.workflowFile(named: "report"), wf.appendingPathComponent("report.yml").path)
        XCTAssertEqual(try ws.workflowPath("elsewhere/mine.yaml", currentFolder: base), base.appendingPathComponent("elsewhere/mine.yaml").path)
        XCTAssertThrowsError(try ws.workflowPath("consultaton", currentFolder: base)) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'consultation'?"), "\(error)")
            XCTAssertEqual((error as? WorkspaceError)?.kind, .notFound)
        }
    }

    func testAWorkflowByNameIsNeverAPath() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig())
        try write("outside.yaml", "x")
        try write("ws/workflows/a.yaml", "x")
        for name in ["../../outside", "../outside.yaml", "/etc/passwd", "", ".", ".."] {
            XCTAssertThrowsError(try ws.workflowFile(named: name), name)
        }
    }

    func testTheRosterIsCouncilYamlInTheWorkflowFolders() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig())
        XCTAssertThrowsError(try ws.rosterPath(nil, currentFolder: nil))
        try write("ws/workflows/council.yaml", "x")
        XCTAssertEqual(try ws.rosterPath(nil, currentFolder: nil), ws.root.appendingPathComponent("workflows/council.yaml").path)
        try write("my-roster.yaml", "x")
        XCTAssertEqual(try ws.rosterPath("my-roster.yaml", currentFolder: base), base.appendingPathComponent("my-roster.yaml").path)
    }

    func testTheProfileBesideDocketYamlComesBeforeAnOlderWorkspacesRoster() throws {
        let ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig(), profile: "docket-council: 1\n")
        try write("ws/workflows/council.yaml", "x")
        XCTAssertEqual(try ws.rosterPath(nil, currentFolder: nil), ws.root.appendingPathComponent("council.yaml").path)
        XCTAssertThrowsError(try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig(), profile: "y"),
                             "a workspace is never made over another")
        XCTAssertEqual(try String(contentsOf: ws.profileFile, encoding: .utf8), "docket-council: 1\n")
    }

    func testTheStandardFilesAreFoundBesideTheBinaryAndComeAfterTheWorkspacesOwn() throws {
        // An installed docket: <prefix>/bin/docket and <prefix>/share/docket/{workflows,Plugins}.
        try write("prefix/bin/docket", "")
        try write("prefix/share/docket/workflows/consultation.yaml", "standard")
        try write("prefix/share/docket/workflows/report.yaml", "standard")
        let installed = try XCTUnwrap(StandardFiles.locate(environment: [:], executable: base.appendingPathComponent("prefix/bin/docket")))
        XCTAssertEqual(installed.folder.path, base.appendingPathComponent("prefix/share/docket").standardizedFileURL.path)
        XCTAssertEqual(StandardFiles.locate(environment: ["DOCKET_SHARE": "/opt/docket-share"], executable: nil)?.folder.path, "/opt/docket-share")
        XCTAssertNil(StandardFiles.locate(environment: [:], executable: base.appendingPathComponent("nowhere/docket")))

        var ws = try Workspace.create(at: base.appendingPathComponent("ws"), config: WorkspaceConfig())
        ws.standard = installed
        XCTAssertEqual(try ws.workflowFile(named: "consultation"), installed.workflows.appendingPathComponent("consultation.yaml").path)
        try write("ws/workflows/consultation.yaml", "the council's own")
        XCTAssertEqual(try ws.workflowFile(named: "consultation"), ws.root.appendingPathComponent("workflows/consultation.yaml").path,
                       "the workspace's own overrides the standard one")
        XCTAssertEqual(try ws.workflowFile(named: "report"), installed.workflows.appendingPathComponent("report.yaml").path)
        XCTAssertEqual(ws.workflowFiles().map(\.name), ["consultation", "report"])
        XCTAssertFalse(ws.isStandard(ws.root.appendingPathComponent("workflows")))
        XCTAssertTrue(ws.isStandard(installed.workflows))
        XCTAssertEqual(ws.pluginFolders(environment: [:]).last, installed.plugins)
    }
}
