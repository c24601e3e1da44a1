import DocketArchive
import DocketCore
import DocketServices
import DocketTestSupport
import DocketWorkspace
import Foundation
import XCTest

/// What `DocketServices` assembles from a workspace: the same for every front end.
final class ServicesTests: XCTestCase {
    func testTheRegistryHasTheBuiltinsTheArchiveStepAndTheWorkspacesPlugins() throws {
        let ws = try TestWorkspace()
        let services = ws.services
        for name in ["render", "draft-consultation", "committee-review", "vote", "issue-answer", "report", "archive"] {
            XCTAssertNotNil(services.registry[name], "built-in '\(name)'")
        }
        XCTAssertNotNil(services.registry["personal-data-scan"], "the bundled plugin, from the workspace's plugin folders")
        XCTAssertNotNil(services.personalDataCheck)
        XCTAssertTrue(services.stepTypes.problems.isEmpty, "\(services.stepTypes.problems)")
        XCTAssertEqual(services.stepTypes.pluginFolders.map(\.path), [TestWorkspace.project.appendingPathComponent("Plugins").path])
    }

    func testTheCouncilsDefaultsComeFromDocketYamlAndTheEnvironmentOnce() throws {
        let named = try TestWorkspace(council: "みどり市個人情報保護審議会", organization: "みどり市", head: "市長", workflows: false)
        XCTAssertEqual(named.services.council.sourceOrganization, "みどり市個人情報保護審議会 事務局", "archives name the secretariat")
        XCTAssertEqual(named.services.archiver().organization, "みどり市個人情報保護審議会 事務局")
        XCTAssertEqual(named.services.runner.workspaceValues, [
            "council": .string("みどり市個人情報保護審議会"), "organization": .string("みどり市"), "head": .string("市長"),
            "addressee": .string("みどり市長"), "secretariat": .string("みどり市個人情報保護審議会 事務局"), "executive_side": .string("市側"),
        ])
        XCTAssertEqual(named.services.meetings.council, "みどり市個人情報保護審議会")

        // docket.yaml may still name the council only as the profile does: one source.
        try named.write("docket.yaml", "docket-workspace: 1\ncouncil: 別の審議会\n")
        let reread = try Workspace.locate(rootOption: named.root.path, environment: [:], currentFolder: named.root)
        XCTAssertThrowsError(try DocketServices(workspace: reread, environment: [:], currentFolder: named.root, user: "u")) { error in
            XCTAssertTrue("\(error)".contains("says council: 別の審議会, but the council profile"), "\(error)")
            XCTAssertTrue("\(error)".contains("delete 'council' from docket.yaml"), "\(error)")
        }

        // A workspace without a profile names no council.
        let bareRoot = FileManager.default.temporaryDirectory.appendingPathComponent("docket-bare-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: bareRoot) }
        let bare = try DocketServices(workspace: try Workspace.create(at: bareRoot, config: WorkspaceConfig()), environment: [:],
                                      currentFolder: bareRoot, user: "u")
        XCTAssertEqual(bare.council.sourceOrganization, "Docket")
        XCTAssertEqual(bare.council.sourceOrganization(council: "名簿の審議会"), "名簿の審議会 事務局")

        named.environment["DOCKET_ORGANIZATION"] = "みどり市総務部"
        XCTAssertEqual(named.services.council.sourceOrganization, "みどり市総務部", "the environment wins, read by the services")
        XCTAssertEqual((named.services.registry["archive"] as? ArchiveStep)?.organization, "みどり市総務部",
                       "the archive step of a workflow names the same organization as `docket archive`")
    }

    func testAWorkflowByNameIsLoadedAndAPathIsRefused() throws {
        let ws = try TestWorkspace()
        let found = try ws.services.workflow(named: "consultation")
        XCTAssertEqual(found.workflow.name, "consultation")
        XCTAssertEqual(found.path, ws.workflows.appendingPathComponent("consultation.yaml").path)
        XCTAssertThrowsError(try ws.services.workflow(named: "../workflows/consultation")) { error in
            XCTAssertEqual((error as? WorkspaceError)?.kind, .notFound)
        }
        XCTAssertEqual(try ws.services.rosterPathByName(), ws.root.appendingPathComponent("council.yaml").path)
    }

    func testRunAllRunsWhatCanMoveOnAndReportsTheRestWhereTheyStand() async throws {
        let ws = try TestWorkspace()
        let runner = ws.services.runner
        let simple = ws.workflows.appendingPathComponent("simple-consultation.yaml").path
        for id in ["a", "b"] {
            _ = try runner.open(caseID: id, workflowPath: simple, inputsFile: nil,
                                inputs: ["department": "人事課", "subject": "件名 \(id)", "date": "2022-06-01"])
        }
        _ = try await runner.run(caseID: "a")  // now waits for its review
        let results = try await ws.services.runAll()
        XCTAssertEqual(results.map(\.0), ["a", "b"])
        let a = try XCTUnwrap(try? results[0].1.get()), b = try XCTUnwrap(try? results[1].1.get())
        XCTAssertTrue(a.skipped, "a waits for a person: left as it is")
        XCTAssertEqual(a.status, .waiting)
        XCTAssertEqual(a.step, "review")
        XCTAssertFalse(b.skipped)
        XCTAssertEqual(b.status, .waiting, "b ran up to its review")
        XCTAssertFalse(b.lines.isEmpty)
    }

    func testTheAnswersRegisterListsNumbersAndStatesFromTheCases() async throws {
        let ws = try TestWorkspace()
        XCTAssertEqual(try ws.services.answers(), [])
        let register = ws.services.answerRegister
        _ = try register.number(fiscalYear: 2022, caseID: "gone", step: "answer", issued: "2022-06-27", label: { "令和4年度第\($0)号" })
        var notes: [ListingNote] = []
        let rows = try ws.services.answers(note: { notes.append($0) })
        XCTAssertEqual(rows.map(\.label), ["令和4年度第1号"])
        XCTAssertEqual(rows.map(\.state), [.missing], "the case folder is not there")
    }
}
