import DocketCore
import Foundation
import XCTest

/// Writes `with.count` small documents, and `with.big` (name -> MiB) of random bytes, streamed.
struct BulkStep: Step {
    let name = "bulk"
    let summary = "test: writes many or large documents"
    let withSchema = Schema([Field("count", .int), Field("big", .map(of: .int))])
    func run(_ context: StepContext) async throws -> StepOutcome {
        let count = context.with["count"]?.intValue ?? 0
        for i in 0..<count {
            let dir = context.outputFolder.appendingPathComponent("part-\(i / 500)")
            if i % 500 == 0 { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
            try Data("文書 \(i)\n".utf8).write(to: dir.appendingPathComponent("doc-\(i).txt"))
        }
        if case .map(let big)? = context.with["big"] {
            var generator = SystemRandomNumberGenerator()
            for (name, mib) in big {
                FileManager.default.createFile(atPath: context.outputFolder.appendingPathComponent(name).path, contents: nil)
                let handle = try FileHandle(forWritingTo: context.outputFolder.appendingPathComponent(name))
                for _ in 0..<(mib.intValue ?? 0) {
                    handle.write(Data((0..<(1 << 17)).map { _ in generator.next() as UInt64 }.withUnsafeBytes { Array($0) }))
                }
                try handle.close()
            }
        }
        return .completed(outputs: [:])
    }
}

final class ArchiveCLITests: XCTestCase {
    /// Opens and runs a one-step case in-process (the binary only archives it).
    func makeCase(_ ws: Workspace, with: String) async throws {
        var registry = StepRegistry()
        try registry.register(BulkStep())
        let runner = Runner(store: CaseStore(root: ws.root), registry: registry, user: "clerk")
        let wf = try ws.write("bulk.yaml", "docket: 1\nname: bulk\nsteps:\n  - id: make\n    uses: bulk\n    with: \(with)\n")
        _ = try runner.open(caseID: "c", workflowPath: wf, inputsFile: nil)
        let report = try await runner.run(caseID: "c")
        XCTAssertEqual(report.status, .completed)
    }

    func testThousandsOfDocumentsUnderALowOpenFileLimit() async throws {
        let ws = try Workspace(copyWorkflows: false)
        try await makeCase(ws, with: "{count: 3000}")
        let r = try ws.cli.runProgram(["bash", "-c", "ulimit -n 64 && exec \"$0\" archive c --root .", CLI.binary.path])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("archived case c to"), r.out)
        let v = try ws.cli("verify", "archives/c.zip")
        XCTAssertEqual(v.status, 0, v.err)
        XCTAssertTrue(v.out.contains("with 3002 payload files"), v.out)
    }

    func testAFailedWriteLeavesNoArchiveAndRecordsNothing() async throws {
        let ws = try Workspace(copyWorkflows: false)
        try await makeCase(ws, with: "{big: {data.bin: 4}}")
        let journal = ws.root.appendingPathComponent("cases/c/journal.jsonl")
        let before = try Data(contentsOf: journal)
        // Files may not grow past 1 MiB (the kernel then refuses the write: EFBIG).
        let r = try ws.cli.runProgram(["bash", "-c", "trap '' XFSZ; ulimit -f 1024 && exec \"$0\" archive c --root .", CLI.binary.path])
        XCTAssertEqual(r.status, 74, r.out + r.err)
        XCTAssertTrue(r.err.contains("archives/c.zip could not be written (writing the zip failed: Write error: File too large); nothing was archived and the case is unchanged"), r.err)
        let left = try FileManager.default.contentsOfDirectory(atPath: ws.root.appendingPathComponent("archives").path)
        XCTAssertEqual(left, [], "nothing that looks like an archive, nor a temporary file, is left")
        XCTAssertEqual(try Data(contentsOf: journal), before, "the journal is unchanged")
        // With room again, the same command archives the case.
        XCTAssertEqual(try ws.cli("archive", "c").status, 0)
    }

    func testMemoryStaysFlatAsDocumentsGrow() async throws {
        let ws = try Workspace(copyWorkflows: false)
        try await makeCase(ws, with: "{big: {scan.jpg: 160, data.bin: 48}}")
        // Peak resident memory of the archive command, measured by its parent.
        let script = """
            import resource, subprocess, sys
            r = subprocess.run([sys.argv[1], 'archive', 'c', '--root', sys.argv[2]], capture_output=True, text=True)
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
            print(r.stdout, r.stderr)
            """
        let r = try ws.cli.runProgram(["python3", "-c", script, CLI.binary.path, ws.root.path])
        let fields = r.out.split(separator: "\n")[0].split(separator: " ")
        XCTAssertEqual(fields[0], "0", r.out)
        let peakMiB = Int(fields[1]) ?? 9999
        print("archive of 208 MiB of documents: peak RSS \(peakMiB) MiB")
        XCTAssertLessThan(peakMiB, 100, "documents are streamed, never loaded whole")
        XCTAssertEqual(try ws.cli("verify", "archives/c.zip").status, 0)
        // Another reader than libzip: Info-ZIP checks every entry's CRC and sizes.
        let t = try ws.cli.runProgram(["unzip", "-tq", "archives/c.zip"])
        XCTAssertEqual(t.status, 0, t.out + t.err)
    }

    func testArchiveAndVerifyCommands() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("demo", "--root", "out").status, 0)
        // The archive step archived every case and recorded its digest.
        let (contents, state) = try CaseStore(root: ws.root.appendingPathComponent("out")).load("r4-1-c1")
        let sha = try XCTUnwrap(state.step("archive").outputs["sha256"]?.stringValue)
        XCTAssertEqual(try FileIO.digest(of: ws.root.appendingPathComponent("out/archives/r4-1-c1.zip").path).sha256, sha)
        XCTAssertEqual(contents.events.last?.type, .finished)

        var r = try ws.cli("verify", "out/archives/r4-1-c1.zip", "out/archives/r4-1-r2.zip")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").count, 2)
        XCTAssertTrue(r.out.hasPrefix("ok out/archives/r4-1-c1.zip: a valid BagIt 1.0 bag 'r4-1-c1'"), r.out)
        XCTAssertTrue(r.out.contains("the zip's SHA-256 is \(sha)"), "verify gives the digest the journal recorded: \(r.out)")

        // Encrypted, with the password from a file (never an argument).
        try ws.write("pw", "s3cret\n")
        chmod(ws.root.appendingPathComponent("pw").path, 0o600)
        r = try ws.cli("archive", "r4-1-c2", "--root", "out", "--encrypt")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("--encrypt needs a password"), r.err)
        r = try ws.cli("archive", "r4-1-c2", "--root", "out", "--encrypt", "--password-file", "pw")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("AES-256 encrypted"))
        XCTAssertFalse(try ws.read("out/cases/r4-1-c2/journal.jsonl").contains("s3cret"), "the password is never journalled")
        r = try ws.cli("verify", "out/archives/r4-1-c2.zip")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("the archive is encrypted"), r.err)
        var env = ws.cli
        env.env["DOCKET_ARCHIVE_PASSWORD"] = "s3cret"
        r = try env("verify", "out/archives/r4-1-c2.zip")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("AES-256 encrypted"))

        // Damage: flip one byte inside the zip.
        let path = ws.root.appendingPathComponent("out/archives/r4-1-c3.zip")
        var bytes = [UInt8](try Data(contentsOf: path))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: path)
        r = try ws.cli("verify", path.path)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.hasPrefix("\(path.path): error: "), r.err)

        r = try ws.cli("archive", "nope", "--root", "out")
        XCTAssertEqual(r.status, 66)
    }

    func testVerifyRefusesAHostileZipWithoutWritingAnything() throws {
        let ws = try Workspace(copyWorkflows: false)
        // A bag whose payload holds a link marked as made on Windows NTFS (which Info-ZIP's unzip
        // would create), with an escape sequence in its name, and a second entry overlapping it.
        let script = #"""
            import struct, zlib, sys
            out = bytearray(); cd = []
            def add(name, data, host=3, attr=0o100644 << 16, at=None):
                n = name.encode(); crc = zlib.crc32(data)
                off = len(out) if at is None else at
                if at is None:
                    out.extend(struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0x800, 0, 0, 0x21, crc, len(data), len(data), len(n), 0) + n + data)
                cd.append(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, (host << 8) | 20, 20, 0x800, 0, 0, 0x21, crc,
                                      len(data), len(data), len(n), 0, 0, 0, 0, attr, off) + n)
                return off
            add('bag/bagit.txt', b'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')
            link = add('bag/data/\x1b[2Jlink', b'/etc/passwd', host=10, attr=0o120777 << 16)
            add('bag/data/copy', b'/etc/passwd', at=link)
            c = b''.join(cd)
            open(sys.argv[1], 'wb').write(bytes(out) + c + struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(cd), len(cd), len(c), len(out), 0))
            """#
        XCTAssertEqual(try ws.cli.runProgram(["python3", "-c", script, "evil.zip"]).status, 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: ws.root.path).sorted()
        let r = try ws.cli("verify", "evil.zip")
        XCTAssertEqual(r.status, 1, r.out + r.err)
        XCTAssertEqual(r.out, "")
        XCTAssertTrue(r.err.contains("evil.zip: error: entry 'bag/data/\\u{1B}[2Jlink' is a symbolic link (mode 120777, made on Windows NTFS (host 10)); an archive holds only files and folders"), r.err)
        XCTAssertTrue(r.err.contains("and 'bag/data/copy' (from byte"), r.err)
        XCTAssertTrue(r.err.contains("overlap: their compressed data is shared, as in a zip bomb"), r.err)
        XCTAssertFalse(r.err.contains("\u{1B}"), "the escape code is shown, not sent to the terminal")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.root.path).sorted(), before, "verify writes nothing")
    }
}

extension CLI {
    /// Runs a program other than docket (bash, python3), found on the PATH, in the working folder.
    func runProgram(_ args: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }
}
