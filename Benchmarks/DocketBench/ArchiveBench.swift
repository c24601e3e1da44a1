import DocketArchive
import DocketCore
import Foundation

/// Archives synthetic cases with `docket archive`, and in the same run the peers: bagit.py making
/// the bag plus `zip -r`, `zip -r` alone, and `sha256sum` alone (the floor). Reports MB/s, ratios
/// and peak memory, for two mixes (`--archive-mix round-one|text-heavy|both`, default both):
/// - round one: about `mib` MiB, a fifth as 10 kB text files (one repeated paragraph: deflate
///   has little to do), the rest as 4 large random files (stored);
/// - text heavy: 2,000 text documents of about 50 kB, each different (words drawn at random
///   from a vocabulary: deflate shrinks them about 3x, as it does real minutes), and 200 MB of
///   scans (4 random files of 50 MB, stored).
enum ArchiveBench {
    /// Writes the documents straight into a case made by a one-step workflow.
    struct Filler: Step {
        let name = "fill"
        let summary = "benchmark: synthetic documents"
        let withSchema = Schema([Field("small", .int), Field("small_kb", .int), Field("varied", .bool), Field("large", .int), Field("large_mib", .int)])
        func run(_ context: StepContext) async throws -> StepOutcome {
            let small = context.with["small"]?.intValue ?? 0
            let smallBytes = (context.with["small_kb"]?.intValue ?? 10) * 1000
            let varied = context.with["varied"] == .bool(true)
            var text = ""
            while text.utf8.count < smallBytes { text += "個人情報の取扱いに関する審議資料。第\(text.count)行。The council reviews personal data handling.\n" }
            var words = Words()
            for i in 0..<small {
                let dir = context.outputFolder.appendingPathComponent("text-\(i / 1000)")
                if i % 1000 == 0 { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
                let body = varied ? words.document(bytes: smallBytes) : text + "\(i)\n"
                try Data(body.utf8).write(to: dir.appendingPathComponent("doc-\(i).txt"))
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

    /// Text like minutes: words drawn (seeded, so every run writes the same documents) from a
    /// vocabulary of 4,096 made of kanji, kana and English syllables, in sentences and lines.
    struct Words {
        var state: UInt64 = 0x2545F4914F6CDD1D
        let vocabulary: [String]

        init() {
            let kanji = Array("個人情報取扱審議会諮問答申委員事務局公開請求開示決定保有利用目的提供第三者記録管理規程条例市民")
            let kana = Array("のはをにがでとしたてるれますいう")
            let latin = ["council", "data", "record", "review", "minutes", "request", "answer", "item", "vote", "member"]
            var state: UInt64 = 88172645463325252
            func next() -> Int { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return Int(state >> 33) }
            vocabulary = (0..<4096).map { i in
                if i % 5 == 0 { return latin[next() % latin.count] + String(next() % 1000) }
                return String((0..<(2 + next() % 3)).map { _ in kanji[next() % kanji.count] }) + String(kana[next() % kana.count])
            }
        }

        mutating func next() -> Int { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return Int(state >> 33) }

        mutating func document(bytes: Int) -> String {
            var out = ""
            var inLine = 0
            while out.utf8.count < bytes {
                out += vocabulary[next() % vocabulary.count]
                inLine += 1
                if inLine % 9 == 0 { out += "。" }
                if inLine >= 36 { out += "\n"; inLine = 0 } else if inLine % 3 == 0 { out += " " }
            }
            return out + "\n"
        }
    }

    struct Mix {
        var title: String
        var small: Int
        var smallKB: Int
        var varied: Bool
        var largeMiB: Int
        var with: String { "{small: \(small), small_kb: \(smallKB), varied: \(varied), large: 4, large_mib: \(largeMiB)}" }
    }

    static func run(docket: String, mib: Int) async throws {
        let which = CommandLine.arguments.firstIndex(of: "--archive-mix").map { CommandLine.arguments[$0 + 1] } ?? "both"
        // About a fifth of the bytes as 10 kB text files, the rest as 4 large random files.
        let roundOne = Mix(title: "round-one mix", small: max(10, mib * 1024 / 5 / 10), smallKB: 10, varied: false, largeMiB: max(1, mib * 4 / 5 / 4))
        let textHeavy = Mix(title: "text-heavy mix", small: 2000, smallKB: 50, varied: true, largeMiB: 48)
        if which != "text-heavy" { try await run(docket: docket, mix: roundOne) }
        if which != "round-one" { try await run(docket: docket, mix: textHeavy) }
    }

    static func run(docket: String, mix: Mix) async throws {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("docket-archive-bench-\(getpid())")
        try BenchWorkspace.make(at: work)
        defer { try? fm.removeItem(at: work) }
        var registry = StepRegistry()
        try registry.register(Filler())
        let runner = Runner(store: CaseStore(root: work), registry: registry, user: "bench")
        let wf = work.appendingPathComponent("bench.yaml")
        try Data("docket: 1\nname: bench\nsteps:\n  - id: fill\n    uses: fill\n    with: \(mix.with)\n".utf8).write(to: wf)
        _ = try runner.open(caseID: "big", workflowPath: wf.path, inputsFile: nil)
        print("\(mix.title): writing the synthetic case (\(mix.small) text files of \(mix.smallKB) kB\(mix.varied ? ", each different" : ""), 4 random files of \(mix.largeMiB) MiB)…")
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
        let zipped = try fm.attributesOfItem(atPath: work.appendingPathComponent("archives/big.zip").path)[.size] as? Int64 ?? 0
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
        let peerZipped = try fm.attributesOfItem(atPath: work.appendingPathComponent("peer-bag.zip").path)[.size] as? Int64 ?? 1
        print("Archive benchmark, \(mix.title): \(String(format: "%.0f", mb)) MB in \(mix.small + 4) documents, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(row("docket archive (deflate text, store random)", deflate))
        print(row("docket archive --store", store))
        print(row("sha256sum alone (the floor)", sha))
        print(row("zip -r alone", zipOnly))
        print(row("bagit.py (sha256+sha512, 2 processes) + zip -r", bagit))
        print("ratios:")
        print(String(format: "  bagit.py+zip / docket archive:        %.2fx  (target ≥ 3)", bagit.seconds / deflate.seconds))
        print(String(format: "  docket archive --store / sha256sum:   %.2fx  (target ≤ 2)", store.seconds / sha.seconds))
        print(String(format: "  zip -r / docket archive:              %.2fx  (target > 1)", zipOnly.seconds / deflate.seconds))
        print(String(format: "  archive size: docket %.1f MB, bagit.py+zip %.1f MB (docket / peer %.3f)", Double(zipped) / 1e6, Double(peerZipped) / 1e6, Double(zipped) / Double(peerZipped)))
        print("  peak memory of docket archive: \(max(deflate.peakMiB, store.peakMiB)) MiB (target < 100)")
    }

    static func sizeOf(_ url: URL) throws -> Int64 {
        var total: Int64 = 0
        let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey])!
        for case let f as URL in e { total += Int64((try? f.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
        return total
    }
}
