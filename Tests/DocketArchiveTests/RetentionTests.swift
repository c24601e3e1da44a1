@testable import DocketArchive
import DocketCore
import DocketSteps
import DocketYAML
import Foundation
import XCTest

final class RetentionTests: XCTestCase {
    var root: URL!
    var runner: Runner!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var registry = BuiltinSteps.registry()
        try registry.register(FilesStep())
        runner = Runner(store: CaseStore(root: root), registry: registry, user: "archivist")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func makeCase(_ id: String, until: String, keepArchive: Bool = true, archive: Bool = true) async throws {
        let wf = root.appendingPathComponent("w-\(id).yaml")
        try Data("""
            docket: 1
            name: kept
            inputs:
              retention_end: {type: date, required: true}
            retention:
              until: ${{ inputs.retention_end }}
              keep-archive: \(keepArchive)
            steps:
              - id: draft
                uses: files
                with: {files: {"諮問文.md": "個人情報を含む文書"}}
            """.utf8).write(to: wf)
        _ = try runner.open(caseID: id, workflowPath: wf.path, inputsFile: nil, inputs: ["retention_end": "\(until)"])
        _ = try await runner.run(caseID: id)
        if archive {
            let contents = try runner.store.journal(id).read()
            let result = try await Archiver(store: runner.store, organization: "x").archive(
                caseID: id, contents: contents, journalBytes: [UInt8](try Data(contentsOf: runner.store.journal(id).url)), options: .init())
            var c = contents
            var e = JournalEvent(type: .archived)
            e.outputs = ["sha256": .string(result.sha256)]
            try runner.store.journal(id).append([e], to: &c, now: Date())
        }
    }

    func testDueListsOnlyEndedRetention() async throws {
        try await makeCase("old", until: "2023-03-31")
        try await makeCase("new", until: "2024-03-31")
        let retention = Retention(runner: runner)
        XCTAssertEqual(retention.due(on: "2023-04-01").map(\.caseID), ["old"])
        XCTAssertEqual(retention.due(on: "2023-03-31").map(\.caseID), [], "due only after the last day")
        XCTAssertEqual(retention.due(on: "2024-04-01").map(\.caseID), ["new", "old"])
    }

    func testPurgeDeletesTheWorkingCopyAndCertifiesIt() async throws {
        try await makeCase("c", until: "2023-03-31")
        let retention = Retention(runner: runner)
        XCTAssertThrowsError(try retention.purge("c", on: "2023-03-01", password: nil, now: Date())) { e in
            XCTAssertEqual(e as? RetentionError, .notDue("c", until: "2023-03-31"))
        }
        let before = try FileIO.digest(of: root.appendingPathComponent("archives/c.zip").path)
        let (certificate, path) = try retention.purge("c", on: "2023-04-01", password: nil, now: Date())
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("cases/c").path))
        XCTAssertEqual(try FileIO.digest(of: root.appendingPathComponent("archives/c.zip").path).sha256, before.sha256, "the archive is kept as it was")
        XCTAssertEqual(certificate.status, "deleted")
        XCTAssertEqual(certificate.caseFolderAfter, "absent")
        XCTAssertEqual(certificate.deletedBy, "archivist")
        XCTAssertTrue(certificate.archiveVerified)
        XCTAssertTrue(certificate.deleted.contains { $0.path == "cases/c/documents/draft/諮問文.md" && $0.size == 27 })
        XCTAssertTrue(certificate.before.contains { $0.path == "cases/c/journal.jsonl" })
        XCTAssertEqual(certificate.after.map(\.path), ["archives/c.zip"])
        let text = try String(contentsOf: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("# 消去証明書"))
        XCTAssertTrue(text.contains("## 消去前 (listing before)") && text.contains("## 消去後 (listing after)"))
        let register = try String(contentsOf: root.appendingPathComponent("registers/purges.jsonl"), encoding: .utf8)
        XCTAssertTrue(register.contains("\"case\":\"c\""))
    }

    func testKeptArchiveMustExistVerifyAndBeTheRecordedOne() async throws {
        try await makeCase("none", until: "2023-03-31", archive: false)
        let retention = Retention(runner: runner)
        XCTAssertThrowsError(try retention.purge("none", on: "2023-04-01", password: nil, now: Date())) { e in
            XCTAssertEqual(e as? RetentionError, .archiveMissing("none"))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("cases/none/journal.jsonl").path), "nothing deleted")

        try await makeCase("swapped", until: "2023-03-31")
        // Another valid archive put in its place is refused.
        try FileManager.default.removeItem(at: root.appendingPathComponent("archives/swapped.zip"))
        let contents = try runner.store.journal("swapped").read()
        _ = try await Archiver(store: runner.store, organization: "someone else").archive(
            caseID: "swapped", contents: contents, journalBytes: [UInt8](try Data(contentsOf: runner.store.journal("swapped").url)), options: .init())
        XCTAssertThrowsError(try retention.purge("swapped", on: "2023-04-01", password: nil, now: Date())) { e in
            guard case .archiveDiffers? = e as? RetentionError else { return XCTFail("\(e)") }
        }

        let damaged = root.appendingPathComponent("archives/none.zip")
        try Data("not a zip".utf8).write(to: damaged)
        XCTAssertThrowsError(try retention.purge("none", on: "2023-04-01", password: nil, now: Date())) { e in
            guard case .archiveInvalid? = e as? RetentionError else { return XCTFail("\(e)") }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("cases/swapped").path))
    }

    func testArchiveNotKeptIsDeletedToo() async throws {
        try await makeCase("gone", until: "2023-03-31", keepArchive: false)
        let (certificate, _) = try Retention(runner: runner).purge("gone", on: "2023-04-01", password: nil, now: Date())
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("archives/gone.zip").path))
        XCTAssertTrue(certificate.deleted.contains { $0.path == "archives/gone.zip" })
        XCTAssertEqual(certificate.after, [])
    }

    func testRetentionRuleIsChecked() throws {
        let wf = root.appendingPathComponent("bad.yaml")
        try Data("docket: 1\nname: b\nretention:\n  until: ${{ inputs.missing }}\n  keep: true\nsteps:\n  - id: a\n    uses: input\n    with: {fields: {x: {type: int}}}\n".utf8).write(to: wf)
        XCTAssertThrowsError(try WorkflowLoader(registry: runner.registry).load(path: wf.path)) { e in
            let lines = (e as! DiagnosticsError).diagnostics.map(\.description)
            XCTAssertEqual(lines, [
                "\(wf.path):4:14: error: 'inputs.missing' refers to an input the workflow does not declare (it declares none)",
                "\(wf.path):5:3: error: unknown key 'keep' in 'retention'; did you mean 'keep-archive'?",
            ])
        }
    }

    // MARK: - Interrupted purges

    /// What a completed purge must leave: no trace of the case's files, a certificate saying
    /// deleted, exactly one register line, and they agree.
    func assertCompletelyPurged(_ id: String, files: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let cases = root.appendingPathComponent("cases")
        let left = try FileManager.default.contentsOfDirectory(atPath: cases.path).filter { !$0.hasPrefix(".purge.lock") }
        XCTAssertEqual(left, [], "nothing of the case is left under cases/", file: file, line: line)
        let json = root.appendingPathComponent("certificates/\(id)-deletion-certificate.json")
        let certificate = try JSONDecoder().decode(Retention.Certificate.self, from: Data(contentsOf: json))
        XCTAssertEqual(certificate.status, "deleted", file: file, line: line)
        XCTAssertEqual(certificate.caseFolderAfter, "absent", file: file, line: line)
        XCTAssertEqual(certificate.deleted.map(\.path).filter { $0.hasPrefix("cases/") }.sorted(), files, file: file, line: line)
        let register = try String(contentsOf: root.appendingPathComponent("registers/purges.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("\"case\":\"\(id)\"") }
        XCTAssertEqual(register.count, 1, "one register line: \(register)", file: file, line: line)
        XCTAssertTrue(register.first?.contains("\"status\":\"deleted\"") == true, file: file, line: line)
        XCTAssertTrue(register.first?.contains("\"deleted_at\":\"\(certificate.deletedAt)\"") == true, file: file, line: line)
        let markdown = try String(contentsOf: root.appendingPathComponent("certificates/\(id)-消去証明書.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| 状態 (status) | deleted |"), file: file, line: line)
    }

    func testPurgeCutShortAtAnyStageIsFinishedByTheNextCommand() async throws {
        let stages: [Retention.Stage] = [.certificateWritten, .renamed, .someFilesRemoved, .certificateFinished, .registerWritten]
        for (n, stage) in stages.enumerated() {
            let id = "cut\(n)"
            try await makeCase(id, until: "2023-03-31", keepArchive: n % 2 == 0)
            let files = try Retention(runner: runner).listing(runner.store.folder(id), prefix: "cases/\(id)").map(\.path)
            var cut = Retention(runner: runner)
            cut.stopAfter = stage
            XCTAssertThrowsError(try cut.purge(id, on: "2023-04-01", password: nil, now: Date()), "\(stage)")
            let retention = Retention(runner: runner)
            if stage == .certificateWritten {
                // Nothing was deleted yet: the case is still there and a re-run purges it.
                XCTAssertEqual(runner.store.caseIDs(), [id])
                _ = try retention.purge(id, on: "2023-04-01", password: nil, now: Date())
            } else {
                // Any later retention command finishes it; purge of the same case says it is done.
                XCTAssertEqual(runner.store.caseIDs(), [])
                if n % 2 == 0 {
                    XCTAssertTrue(retention.dueReport(on: "2023-04-01").problems.isEmpty)
                } else {
                    let (certificate, _) = try retention.purge(id, on: "2023-04-01", password: nil, now: Date())
                    XCTAssertEqual(certificate.status, "deleted")
                }
            }
            try assertCompletelyPurged(id, files: files)
            XCTAssertEqual(FileManager.default.fileExists(atPath: root.appendingPathComponent("archives/\(id).zip").path), n % 2 == 0,
                           "the archive is kept only if the workflow keeps it (\(stage))")
        }
    }

    func testPurgeLeftByAnOlderDocketIsFinished() async throws {
        try await makeCase("old", until: "2023-03-31")
        let files = try Retention(runner: runner).listing(runner.store.folder("old"), prefix: "cases/old").map(\.path)
        XCTAssertTrue(files.contains("cases/old/documents/draft/諮問文.md"))
        var cut = Retention(runner: runner)
        cut.stopAfter = .renamed
        XCTAssertThrowsError(try cut.purge("old", on: "2023-04-01", password: nil, now: Date()))
        let cases = root.appendingPathComponent("cases")
        try FileManager.default.moveItem(at: cases.appendingPathComponent(".purging-old"), to: cases.appendingPathComponent(".purging-old-4242"))
        XCTAssertEqual(try Retention(runner: runner).finishInterruptedPurges().map(\.0.caseID), ["old"])
        try assertCompletelyPurged("old", files: files)
    }

    func testDueListsTheOtherCasesAndNamesTheDamagedOne() async throws {
        try await makeCase("a", until: "2023-03-31")
        try await makeCase("b", until: "2023-03-31")
        try await makeCase("c", until: "2023-03-31")
        try Data().write(to: runner.store.journal("b").url)
        let cases = root.appendingPathComponent("cases")
        try FileManager.default.createDirectory(at: cases.appendingPathComponent(".purging-nobody"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: cases.appendingPathComponent(".new-x-999999999-1"), withIntermediateDirectories: true)
        let report = Retention(runner: runner).dueReport(on: "2023-04-01")
        XCTAssertEqual(report.due.map(\.caseID), ["a", "c"])
        XCTAssertEqual(report.problems.count, 3, "\(report.problems)")
        XCTAssertTrue(report.problems.contains { $0.hasPrefix("cases/.purging-nobody is left from an interrupted deletion") })
        XCTAssertTrue(report.problems.contains { $0.hasPrefix("cases/.new-x-999999999-1 is left from an interrupted 'new'") })
        XCTAssertTrue(report.problems.contains { $0.contains("case 'b'") && $0.contains("the end of the journal was removed") })
        XCTAssertTrue(FileManager.default.fileExists(atPath: cases.appendingPathComponent(".purging-nobody").path), "uncertified: left alone")
    }
}
