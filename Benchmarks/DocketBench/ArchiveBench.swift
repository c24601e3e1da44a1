import DocketArchive
import DocketCore
import Foundation

/// Archives a synthetic case of about `mib` MiB (many small text files, a few large random ones)
/// with `docket archive`, and in the same run the peers: bagit.py making the bag plus `zip -r`,
/// `zip -r` alone, and `sha256sum` alone (the floor). Reports MB/s, ratios and peak memory.
enum ArchiveBench {
    /// Writes the documents straight into a case made by a one-step workflow.
    struct Filler: Step {
        let name = "fill"
        let summary = "benchmark: synthetic documents"
        let withSchema = Schema([Field("small", .int), Field("large", .int), Field("large_mib", .int)])
        func run(_ context: StepContext) async throws -> StepOutcome {
            let small = context.with["small"]?.intValue ?? 0
            var text = ""
            while text.utf8.count < 10_000 { text += "個人情報の取扱いに関する審議資料。第\(text.count)行。The council reviews personal data handling.\n" }
            for i in 0..<small {
                let dir = context.outputFolder.appendingPathComponent("text-\(i / 1000)")
                if i % 1000 == 0 { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
                try Data((text + "\(i)\n").utf8).write(to: dir.appendingPathComponent("doc-\(i).txt"))
            }
            var state: UInt64 = 0x9E3779B97F4A7C15
            var chunk = [UInt64](repeating: 0, count: 1 << 17)
            for i in 0..<(context.with["large"]?.intValue ?? 0) {
                let url = context.outputFolder.appendingPathComponent("scan-\(i).bin")
                FileManager.default.createFile(atPath: url.path, contents: nil)
                let handle = try FileHandle(forWritingTo: url)
                for _ in 0..<(context.with["large_mib"]?.intValue ?? 0) {
                    for j in chunk.indices {
                        state ^= state << 13; state ^= state >> 7; state ^= state << 17
                        chunk[j] = state
                    }
                    handle.write(chunk.withUnsafeBytes { Data($0) })
                }
                try handle.close()
            }
            return .completed(outputs: [:])
        }
    }

    static func run(docket: String, mib: Int) async throws {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("docket-archive-bench-\(getpid())")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        // About a fifth of the bytes as 10 kB text files, the rest as 4 large random files.
        let small = max(10, mib * 1024 / 5 / 10)
        let largeMiB = max(1, mib * 4 / 5 / 4)
        var registry = StepRegistry()
        try registry.register(Filler())
        let runner = Runner(store: CaseStore(root: work), registry: registry, user: "bench")
        let wf = work.appendingPathComponent("bench.yaml")
        try Data("docket: 1\nname: bench\nsteps:\n  - id: fill\n    uses: fill\n    with: {small: \(small), large: 4, large_mib: \(largeMiB)}\n".utf8).write(to: wf)
        _ = try runner.open(caseID: "big", workflowPath: wf.path, inputsFile: nil, inputPairs: [])
        print("writing the synthetic case (\(small) text files of 10 kB, 4 random files of \(largeMiB) MiB)…")
        _ = try await runner.run(caseID: "big")
        let docs = runner.store.documents("big")
        let bytes = try sizeOf(docs)
        let mb = Double(bytes) / 1e6
        sync()

        func timed(_ args: [String], in dir: URL = work) throws -> (seconds: Double, peakMiB: Int) {
            // Peak memory of the child, read by a parent that measures nothing else.
            let script = "import resource,subprocess,sys,time\nt=time.monotonic()\nr=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE)\nd=time.monotonic()-t\nif r.returncode: sys.stderr.write(r.stderr.decode()); sys.exit(r.returncode)\nprint(d, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss//1024)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", script] + args
            p.currentDirectoryURL = dir
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CaseError.io(args.joined(separator: " "), "the command failed") }
            let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
            return (Double(fields[0]) ?? 0, Int(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        }

        let deflate = try timed([docket, "archive", "big", "--root", work.path])
        try fm.removeItem(at: work.appendingPathComponent("archives/big.zip"))
        let store = try timed([docket, "archive", "big", "--root", work.path, "--store"])
        let sha = try timed(["bash", "-c", "find . -type f -print0 | xargs -0 sha256sum > /dev/null"], in: docs)
        let zipOnly = try timed(["bash", "-c", "zip -q -r \(work.path)/peer-only.zip ."], in: docs)
        // bagit.py moves files into data/: give it its own copy (the copy is not timed).
        let bagDir = work.appendingPathComponent("peer-bag")
        try fm.copyItem(at: docs, to: bagDir)
        sync()
        let bagit = try timed(["bash", "-c", "bagit.py --quiet --processes 2 --sha256 --sha512 \(bagDir.path) && cd \(work.path) && zip -q -r peer-bag.zip peer-bag"])

        func rate(_ s: Double) -> String { String(format: "%7.1f MB/s", mb / s) }
        func row(_ name: String, _ r: (seconds: Double, peakMiB: Int)) -> String {
            "  \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(String(format: "%6.2f s", r.seconds))  \(rate(r.seconds))  peak \(r.peakMiB) MiB"
        }
        print("Archive benchmark: \(String(format: "%.0f", mb)) MB in \(small + 4) documents, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(row("docket archive (deflate text, store random)", deflate))
        print(row("docket archive --store", store))
        print(row("sha256sum alone (the floor)", sha))
        print(row("zip -r alone", zipOnly))
        print(row("bagit.py (sha256+sha512, 2 processes) + zip -r", bagit))
        print("ratios:")
        print(String(format: "  bagit.py+zip / docket archive:        %.2fx  (target ≥ 3)", bagit.seconds / deflate.seconds))
        print(String(format: "  docket archive --store / sha256sum:   %.2fx  (target ≤ 2)", store.seconds / sha.seconds))
        print(String(format: "  zip -r / docket archive:              %.2fx  (target > 1)", zipOnly.seconds / deflate.seconds))
        print("  peak memory of docket archive: \(max(deflate.peakMiB, store.peakMiB)) MiB (target < 100)")
    }

    static func sizeOf(_ url: URL) throws -> Int64 {
        var total: Int64 = 0
        let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey])!
        for case let f as URL in e { total += Int64((try? f.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
        return total
    }
}
