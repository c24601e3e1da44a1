import DocketArchive
import DocketCore
import DocketSteps
import Foundation
import XCTest

/// Writes the files of `with.files` (name -> text) as documents.
struct FilesStep: Step {
    let name = "files"
    let summary = "test: writes documents"
    let withSchema = Schema([Field("files", .map(of: .string), required: true)])
    func run(_ context: StepContext) async throws -> StepOutcome {
        if case .map(let files)? = context.with["files"] {
            for (name, text) in files {
                let url = context.outputFolder.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.description.utf8).write(to: url)
            }
        }
        return .completed(outputs: ["decision": .string("承認")])
    }
}

/// Writes `large.txt`, `with.mib` MiB of varied text: a document too large to deflate whole.
struct LargeTextStep: Step {
    let name = "large-text"
    let summary = "test: writes one large text document"
    let withSchema = Schema([Field("mib", .int, required: true)])
    func run(_ context: StepContext) async throws -> StepOutcome {
        var text = ""
        var line = 0
        while text.utf8.count < (context.with["mib"]?.intValue ?? 0) << 20 {
            text += "第\(line)行 council minutes \(line * 7919 % 10007)\n"
            line += 1
        }
        try Data(text.utf8).write(to: context.outputFolder.appendingPathComponent("large.txt"))
        return .completed(outputs: [:])
    }
}

final class ArchiveTests: XCTestCase {
    var root: URL!
    var store: CaseStore { CaseStore(root: root) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// A completed case with Japanese-named documents.
    func makeCase(_ id: String = "c1", finish: Bool = true) async throws {
        var registry = BuiltinSteps.registry()
        try registry.register(FilesStep())
        let runner = Runner(store: store, registry: registry, user: "clerk")
        let workflow = root.appendingPathComponent("w.yaml")
        try Data("""
            docket: 1
            name: t
            steps:
              - id: draft
                uses: files
                with: {files: {"諮問文.md": "諮問", "資料/資料1-1_目的.md": "目的", "scan.png": "not really a png"}}
              - id: review
                uses: input
                with: {fields: {ok: {type: bool}}}
            """.utf8).write(to: workflow)
        _ = try runner.open(caseID: id, workflowPath: workflow.path, inputsFile: nil)
        _ = try await runner.run(caseID: id)
        if finish {
            let record = root.appendingPathComponent("r.yaml")
            try Data("ok: true\n".utf8).write(to: record)
            try runner.record(caseID: id, stepID: "review", file: record.path)
            _ = try await runner.run(caseID: id)
        }
    }

    func archive(_ id: String = "c1", partial: Bool = false, password: String? = nil) async throws -> Archiver.Result {
        let contents = try store.journal(id).read()
        let bytes = [UInt8](try Data(contentsOf: store.journal(id).url))
        return try await Archiver(store: store, organization: "審議会事務局").archive(
            caseID: id, contents: contents, journalBytes: bytes, options: .init(partial: partial, password: password))
    }

    func run(_ args: [String], in dir: URL? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.currentDirectoryURL = dir ?? root
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    /// Unzips `zip` into a fresh folder and returns the bag folder.
    func unzip(_ zip: URL, _ name: String = "c1") throws -> URL {
        let dir = root.appendingPathComponent("unzipped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let (status, out) = try run(["unzip", "-q", zip.path, "-d", dir.path])
        XCTAssertEqual(status, 0, out)
        return dir.appendingPathComponent(name)
    }

    func bagitValid(_ bag: URL) throws -> (Bool, String) {
        let (status, out) = try run(["bagit.py", "--validate", bag.path])
        if status == 127 || out.contains("No such file") && !out.contains("bagit") {
            XCTFail("bagit.py is not installed; run 'make test', which installs it (pip install bagit)")
        }
        return (status == 0, out)
    }

    /// Re-zips a bag folder with Info-ZIP's zip.
    func rezip(_ bag: URL) throws -> URL {
        let zip = root.appendingPathComponent("rezipped-\(UUID().uuidString).zip")
        let (status, out) = try run(["zip", "-q", "-r", zip.path, bag.lastPathComponent], in: bag.deletingLastPathComponent())
        XCTAssertEqual(status, 0, out)
        return zip
    }

    func testArchiveIsAValidBagForDocketAndBagitPy() async throws {
        try await makeCase()
        let result = try await archive()
        XCTAssertEqual(result.path.lastPathComponent, "c1.zip")
        XCTAssertEqual(result.payloadFiles, 5, "3 documents, the journal, the workflow (it references no files)")
        let report = Verifier.verify(path: result.path.path)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.bag, "c1")

        let bag = try unzip(result.path)
        let (valid, out) = try bagitValid(bag)
        XCTAssertTrue(valid, out)
        let info = try String(contentsOf: bag.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        for field in ["Source-Organization: 審議会事務局", "External-Identifier: c1", "Bagging-Date: ", "Payload-Oxum: ",
                      "Bag-Software-Agent: Docket", "Docket-Workflow: t", "Docket-Decision: 承認"] {
            XCTAssertTrue(info.contains(field), "bag-info.txt has \(field):\n\(info)")
        }
        XCTAssertFalse(info.contains("Docket-Partial"))
        let premis = try String(contentsOf: bag.appendingPathComponent("preservation-events.json"), encoding: .utf8)
        for event in ["message digest calculation", "fixity check", "validation"] { XCTAssertTrue(premis.contains(event)) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: bag.appendingPathComponent("data/documents/draft/資料/資料1-1_目的.md").path),
                      "Japanese names survive unzip")
        let (_, names) = try run(["python3", "-c", "import zipfile,sys; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", result.path.path])
        XCTAssertTrue(names.contains("c1/data/documents/draft/資料/資料1-1_目的.md"), "Python's zipfile reads the UTF-8 names:\n\(names)")
        XCTAssertTrue(names.contains("c1/data/documents/draft/諮問文.md"))
        let journal = try String(contentsOf: bag.appendingPathComponent("data/journal.jsonl"), encoding: .utf8)
        XCTAssertEqual(journal.split(separator: "\n").count, try store.journal("c1").read().events.count)
    }

    /// 48 compressible documents of about 100 kB (libdeflate, whole) and one of 6 MiB (zlib,
    /// streamed): deflated on every core into part files, copied into the zip as they are.
    func makeBigCase() async throws {
        var registry = BuiltinSteps.registry()
        try registry.register(FilesStep())
        try registry.register(LargeTextStep())
        let runner = Runner(store: store, registry: registry, user: "clerk")
        var files: [String] = []
        for i in 0..<48 {
            files.append("\"text-\(i).txt\": \"\(String(repeating: "審議資料 \(i) ", count: 6_000))\"")
        }
        let workflow = root.appendingPathComponent("big.yaml")
        try Data("""
            docket: 1
            name: big
            steps:
              - id: make
                uses: files
                with: {files: {\(files.joined(separator: ", "))}}
              - id: large
                uses: large-text
                with: {mib: 6}
            """.utf8).write(to: workflow)
        _ = try runner.open(caseID: "big", workflowPath: workflow.path, inputsFile: nil)
        _ = try await runner.run(caseID: "big")
    }

    func testParallelDeflateGivesAValidReproducibleBag() async throws {
        try await makeBigCase()
        let first = try await archive("big")
        XCTAssertLessThan(first.size, first.payloadBytes / 10, "the text was deflated")
        XCTAssertEqual(Verifier.verify(path: first.path.path).problems, [])
        let (valid, out) = try bagitValid(try unzip(first.path, "big"))
        XCTAssertTrue(valid, out)
        // Other tools inflate the streams and check every CRC.
        let (unzipStatus, unzipOut) = try run(["unzip", "-t", first.path.path])
        XCTAssertEqual(unzipStatus, 0, unzipOut)
        XCTAssertTrue(unzipOut.contains("No errors detected"), unzipOut)
        let (sevenStatus, sevenOut) = try run(["7z", "t", first.path.path])
        XCTAssertEqual(sevenStatus, 0, "7-Zip (p7zip-full, installed by scripts/install-deps) tests the archive:\n\(sevenOut)")
        XCTAssertTrue(sevenOut.contains("Everything is Ok"), sevenOut)
        XCTAssertTrue(sevenOut.contains("Files: \(first.payloadFiles + 6)"), "every entry tested:\n\(sevenOut)")
        let (_, listing) = try run(["unzip", "-v", first.path.path])
        XCTAssertTrue(listing.split(separator: "\n").contains { $0.contains("Defl:") && $0.contains("big/data/documents/large/large.txt") },
                      "the large document is deflated:\n\(listing)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.archivesFolder.path).filter { $0 != "big.zip" }
        XCTAssertEqual(leftovers, [], "part files are removed")
        let second = try await archive("big")
        XCTAssertEqual(first.sha256, second.sha256, "parallel deflate is reproducible")
    }

    func testADocumentMissingWhileDeflatingInPartsIsNamedAndLeavesNothing() async throws {
        try await makeBigCase()
        try FileManager.default.removeItem(at: store.documents("big").appendingPathComponent("make/text-30.txt"))
        do {
            _ = try await archive("big")
            XCTFail("a case with a missing document was archived")
        } catch {
            XCTAssertTrue("\(error)".contains("make/text-30.txt, which the journal records, is missing; restore it"), "\(error)")
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: store.archivesFolder.path)) ?? [], [], "no part file or partial zip is left")
    }

    func testSameCaseSameBytes() async throws {
        try await makeCase()
        // What a killed archive run leaves is cleared by the next one.
        try FileManager.default.createDirectory(at: store.archivesFolder, withIntermediateDirectories: true)
        let stale = store.archivesFolder.appendingPathComponent(".c1.zip.partial-99999")
        try Data("half a zip".utf8).write(to: stale)
        let first = try await archive()
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
        // Recording the archive in the journal must not change the next archive.
        var contents = try store.journal("c1").read()
        var event = JournalEvent(type: .archived)
        event.outputs = ["sha256": .string(first.sha256)]
        try store.journal("c1").append([event], to: &contents, now: Date())
        let second = try await archive()
        XCTAssertEqual(first.sha256, second.sha256)
        XCTAssertEqual(first.size, second.size)
    }

    func testOnlyCompletedCasesUnlessPartial() async throws {
        try await makeCase(finish: false)
        do {
            _ = try await archive()
            XCTFail("a waiting case was archived")
        } catch let e as ArchiveError {
            XCTAssertTrue(e.description.contains("case 'c1' is not completed"), e.description)
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: store.archivesFolder.path)) ?? [], [], "nothing is left behind")
        let partial = try await archive(partial: true)
        let bag = try unzip(partial.path)
        XCTAssertTrue(try String(contentsOf: bag.appendingPathComponent("bag-info.txt"), encoding: .utf8).contains("Docket-Partial: yes"))
    }

    func testChangedDocumentIsRefusedAndLeavesNothing() async throws {
        try await makeCase()
        try Data("altered".utf8).write(to: store.documents("c1").appendingPathComponent("draft/諮問文.md"))
        do {
            _ = try await archive()
            XCTFail("an altered document was archived")
        } catch let e as ArchiveError {
            XCTAssertTrue(e.description.contains("draft/諮問文.md no longer matches the digest the journal recorded"), e.description)
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: store.archivesFolder.path)) ?? [], [])
    }

    func testMissingDocumentIsNamedAndLeavesNothing() async throws {
        try await makeCase()
        let doc = store.documents("c1").appendingPathComponent("draft/資料/資料1-1_目的.md")
        chmod(doc.deletingLastPathComponent().path, 0o755)
        try FileManager.default.removeItem(at: doc)
        do {
            _ = try await archive()
            XCTFail("a case with a missing document was archived")
        } catch {
            XCTAssertTrue("\(error)".contains("draft/資料/資料1-1_目的.md, which the journal records, is missing; restore it"), "\(error)")
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: store.archivesFolder.path)) ?? [], [])
    }

    func testTamperingFailsDocketAndBagit() async throws {
        try await makeCase()
        let result = try await archive()
        func check(_ name: String, _ tamper: (URL) throws -> Void, expect: String) throws {
            let bag = try unzip(result.path)
            try tamper(bag)
            let (valid, out) = try bagitValid(bag)
            XCTAssertFalse(valid, "bagit.py accepted: \(name)\n\(out)")
            let report = Verifier.verify(path: try rezip(bag).path)
            XCTAssertTrue(report.problems.contains { $0.contains(expect) }, "\(name): \(report.problems)")
        }
        try check("one byte changed", { bag in
            let doc = bag.appendingPathComponent("data/documents/draft/諮問文.md")
            var bytes = [UInt8](try Data(contentsOf: doc))
            bytes[0] ^= 0x01
            try Data(bytes).write(to: doc)
        }, expect: "data/documents/draft/諮問文.md does not match its SHA256 digest")
        try check("a file added", { bag in
            try Data("extra".utf8).write(to: bag.appendingPathComponent("data/documents/extra.txt"))
        }, expect: "data/documents/extra.txt is in the bag but not listed in manifest-sha256.txt")
        try check("a manifest line removed", { bag in
            let manifest = bag.appendingPathComponent("manifest-sha256.txt")
            let lines = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n").filter { !$0.contains("scan.png") }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: manifest)
        }, expect: "data/documents/draft/scan.png is in the bag but not listed in manifest-sha256.txt")
    }

    func testEntriesOutsideTheBagAreRefused() throws {
        let zip = root.appendingPathComponent("evil.zip")
        let script = """
            import zipfile, sys
            z = zipfile.ZipFile(sys.argv[1], 'w')
            z.writestr('bag/bagit.txt', 'BagIt-Version: 1.0\\nTag-File-Character-Encoding: UTF-8\\n')
            z.writestr('bag/../../etc/evil', 'x')
            z.writestr('/abs/path', 'x')
            link = zipfile.ZipInfo('bag/data/link')
            link.create_system = 3
            link.external_attr = 0o120777 << 16
            z.writestr(link, '/etc/passwd')
            z.close()
            """
        let (status, out) = try run(["python3", "-c", script, zip.path])
        XCTAssertEqual(status, 0, out)
        let problems = Verifier.verify(path: zip.path).problems
        XCTAssertTrue(problems.contains { $0.contains("'bag/../../etc/evil' points outside the bag folder") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("'/abs/path' points outside the bag folder") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("'bag/data/link' is a symbolic link") }, "\(problems)")
    }

    func testEncryptedArchive() async throws {
        try await makeCase()
        let result = try await archive(password: "correct horse")
        XCTAssertEqual(Verifier.verify(path: result.path.path, password: "correct horse").problems, [])
        XCTAssertTrue(Verifier.verify(path: result.path.path, password: "correct horse").encrypted)
        XCTAssertTrue(Verifier.verify(path: result.path.path).problems.first?.contains("the archive is encrypted; give the password to check it") ?? false)
        XCTAssertFalse(Verifier.verify(path: result.path.path, password: "wrong").problems.isEmpty)
        let (_, listing) = try run(["unzip", "-l", result.path.path])
        XCTAssertTrue(listing.contains("c1/data/documents/draft/諮問文.md"), "names stay readable under AES:\n\(listing)")
        let bytes = try Data(contentsOf: result.path)
        XCTAssertNil(bytes.range(of: Data("not really a png".utf8)), "document contents are not in the clear")
        XCTAssertNil(bytes.range(of: Data("BagIt-Version".utf8)), "tag files are encrypted too")
    }
}
