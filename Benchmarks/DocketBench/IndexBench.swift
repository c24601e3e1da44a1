import DocketCore
import DocketIndex
import DocketSteps
import DocketWorkspace
import Foundation

/// The case index next to what it replaces, in the same run:
///
///   1. `docket status` over N cases (default 100,000) read from the index, next to today's
///      journal fold (read + verify every journal, load each case's workflow snapshot, fold),
///      timed in-process on a sample and scaled to N (it is linear per case).
///   2. `docket search` over M cases (default 10,000) of 5 documents each, next to `grep -r`
///      over the same documents.
///
/// Cases are written directly (journal, snapshot, documents), not run, so making them is quick.
///
///   docket-bench --docket PATH --index [--cases N] [--search-cases M] [--fold-sample K] [--keep] [--status-root DIR] [--postgres URL]
///
/// `--postgres postgres://USER@HOST:PORT/DB` measures the same commands with the index on that
/// server too (docket.yaml's `index:`), in the same run; the database is emptied and refilled.
///
/// `--keep` leaves the cases (and their index) in the temporary folder it names, to profile;
/// `--status-root DIR/status` times status on those again (N must be their number).
enum IndexBench {
    static let workflow = """
        docket: 1
        name: bench
        steps:
          - id: draft
            uses: render
            with: {text: "draft of {{case.id}}", output: draft.md}
          - id: review
            uses: input
            with:
              prompt: record the review
              fields:
                approved: {type: bool, required: true}
          - id: answer
            uses: render
            with: {text: "answer", output: answer.md}
        """

    static let phrases = ["個人情報", "外部委託", "防犯カメラ", "内定者管理", "保有期限", "消去証明書", "クラウドサービス",
                          "アクセスログ", "委託先の監督", "目的外利用", "本人同意", "再委託", "暗号化", "保存期間", "住民基本台帳",
                          "学校の名簿", "健康診断の結果", "窓口の受付簿", "電子申請", "人事評価"]
    static let departments = ["人事課", "総務課", "教育委員会", "市民課", "福祉課", "税務課"]

    /// A small deterministic generator (the same cases every run).
    struct Rng {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    /// Writes `count` cases under `root`, each waiting for its review after a draft of
    /// `documents` text documents (none: the draft's document is recorded but not written).
    static func makeCases(_ count: Int, documents: Int, root: URL) throws {
        let store = CaseStore(root: root)
        let fm = FileManager.default
        try fm.createDirectory(at: store.casesFolder, withIntermediateDirectories: true)
        try BenchWorkspace.make(at: root)
        let workflowBytes = Array(workflow.utf8)
        let workflowSHA = Journal.sha256Hex(workflowBytes)
        var rng = Rng(state: 2022)
        let start = Date(timeIntervalSince1970: 1_656_306_000)
        for i in 0..<count {
            let id = String(format: "c%06d", i)
            let folder = store.folder(id)
            try fm.createDirectory(at: folder, withIntermediateDirectories: false)
            // One snapshot shared by hard links (a new one every 50,000: a file system allows
            // only so many links to one file): the cases are made quickly, read as usual.
            let first = String(format: "c%06d", i - i % 50_000)
            if first == id { try Data(workflowBytes).write(to: store.workflowFile(id)) }
            else if link(store.workflowFile(first).path, store.workflowFile(id).path) != 0 { throw CaseError.posix(store.workflowFile(id).path) }
            let department = departments[rng.next(departments.count)]
            var created = JournalEvent(type: .created)
            created.caseID = id
            created.workflow = WorkflowSnapshot(name: "bench", source: "bench.yaml", sha256: workflowSHA, files: [])
            created.inputs = ["department": .string(department), "subject": .string("\(phrases[rng.next(phrases.count)])の取扱いについて（\(i)）"),
                              "date": .string(String(format: "20%02d-%02d-01", 20 + i % 6, 1 + i % 12))]
            var started = JournalEvent(type: .started, step: "draft")
            started.attempt = 1
            var completed = JournalEvent(type: .completed, step: "draft")
            var records: [DocumentRecord] = []
            if documents > 0 {
                let docs = store.documents(id).appendingPathComponent("draft")
                try fm.createDirectory(at: docs, withIntermediateDirectories: true)
                for d in 1...documents {
                    var text = "# 資料\(d)（\(id)）\n\n"
                    for line in 0..<20 {
                        text += "\(line + 1). \(phrases[rng.next(phrases.count)])と\(phrases[rng.next(phrases.count)])について、\(department)が説明した。\n"
                    }
                    if i % 997 == 0 && d == 3 { text += "ドローンによる空撮映像の取扱い\n" }  // rare: 11 cases
                    let bytes = Array(text.utf8)
                    try Data(bytes).write(to: docs.appendingPathComponent("資料\(d).md"))
                    records.append(DocumentRecord(path: "draft/資料\(d).md", size: Int64(bytes.count), sha256: Journal.sha256Hex(bytes)))
                }
            } else {
                records = [DocumentRecord(path: "draft/draft.md", size: 20, sha256: String(repeating: "0", count: 64))]
            }
            completed.documents = records
            completed.outputs = ["document": .string(records[0].path)]
            var waiting = JournalEvent(type: .waiting, step: "review")
            waiting.message = "record the review"
            var contents = Journal.Contents.empty
            try store.journal(id).append([created, started, completed, waiting], to: &contents,
                                         now: start.addingTimeInterval(Double(i) * 60), durable: false)
        }
    }

    /// Points the workspace at `root` to the PostgreSQL index at `url` (nil: back to SQLite).
    static func useIndex(_ url: String?, in root: URL) throws {
        try Data(("docket-workspace: 1\n" + (url.map { "index: \($0)\n" } ?? "")).utf8).write(to: root.appendingPathComponent("docket.yaml"))
    }

    /// `reuse`: the status workspace of an earlier `--keep` run (`--status-root`), not made again.
    static func run(docket: String, cases: Int, searchCases: Int, foldSample: Int, keep: Bool = false, reuse: URL? = nil,
                    postgres: String? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("docket-index-bench-\(getpid())")
        defer { if keep { print("  kept: \(base.path)") } else { try? FileManager.default.removeItem(at: base) } }
        let statusRoot = reuse ?? base.appendingPathComponent("status"), searchRoot = base.appendingPathComponent("search")
        func s(_ t: Double) -> String { t >= 1 ? String(format: "%.2f s", t) : String(format: "%.0f ms", t * 1000) }
        func quiet(_ args: [String]) throws -> Double {
            time { _ = try? shell(docket, args, in: base) }
        }

        print("Case index benchmark (\(ProcessInfo.processInfo.activeProcessorCount) cores, medians of 3)")
        if reuse == nil {
            let made = try time { try makeCases(cases, documents: 0, root: statusRoot) }
            print("  made \(cases) cases in \(s(made))")
            let rebuild = try quiet(["index", "rebuild", "--root", statusRoot.path])
            print("  docket index rebuild, \(cases) cases:   \(s(rebuild))")
        } else {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)  // where docket runs
            print("  the cases and index of \(statusRoot.path) (made by an earlier --keep run)")
        }
        /// `docket status` as a table, as JSON and filtered to nothing: medians of 3.
        func statusTimes() throws -> (table: Double, json: Double, filtered: Double) {
            func timed(_ args: [String]) throws -> Double {
                median(try (0..<3).map { _ in try quiet(["status"] + args + ["--root", statusRoot.path]) })
            }
            return (try timed([]), try timed(["--json"]), try timed(["--state", "failed"]))
        }
        let (status, statusJSON, filtered) = try statusTimes()
        print("  docket status (table), \(cases) cases:  \(s(status)) (process start, catch-up stat of every journal, query, table)")
        print("  docket status --json, \(cases) cases:   \(s(statusJSON))")
        print("  docket status --state failed:          \(s(filtered))")

        // The peer: today's status, in-process (no process start), on a sample, scaled.
        let store = CaseStore(root: statusRoot)
        let runner = Runner(store: store, registry: BuiltinSteps.registry(), user: "bench")
        let sample = store.caseIDs().prefix(foldSample)
        let fold = try time {
            for id in sample {
                let (_, state) = try store.load(id)
                let order = try runner.workflow(of: id).steps.map(\.id)
                _ = state.status(order: order)
            }
        }
        let foldAll = fold / Double(sample.count) * Double(cases)
        print("  journal fold (today's status), \(sample.count) cases: \(s(fold)) → \(s(foldAll)) for \(cases) (linear)")
        print("  ratio fold / docket status: \(String(format: "%.0fx", foldAll / status))")
        if let postgres {
            try useIndex(postgres, in: statusRoot)
            let rebuild = try quiet(["index", "rebuild", "--root", statusRoot.path])
            print("  PostgreSQL: docket index rebuild, \(cases) cases: \(s(rebuild))")
            let (status, statusJSON, filtered) = try statusTimes()
            print("  PostgreSQL: docket status (table):      \(s(status))")
            print("  PostgreSQL: docket status --json:       \(s(statusJSON))")
            print("  PostgreSQL: docket status --state failed: \(s(filtered))")
            print("  ratio fold / docket status (PostgreSQL): \(String(format: "%.0fx", foldAll / status))")
            try useIndex(nil, in: statusRoot)
        }

        guard searchCases > 0 else { return }
        let madeSearch = try time { try makeCases(searchCases, documents: 5, root: searchRoot) }
        print("  made \(searchCases) cases × 5 documents in \(s(madeSearch))")
        let rebuildSearch = try quiet(["index", "rebuild", "--root", searchRoot.path])
        print("  docket index rebuild (with full text):  \(s(rebuildSearch))")
        let index = try SQLiteIndex(store: CaseStore(root: searchRoot))
        let queries: [(String, CaseFilter)] = [("ドローン", CaseFilter()), ("空撮映像", CaseFilter()), ("委託先の監督 暗号化", CaseFilter()),
                                               ("消去証明書", CaseFilter(department: "総務課")), ("名簿", CaseFilter())]
        func printRow(_ q: String, _ filter: CaseFilter, _ hits: Int, _ inProcess: Double, _ cli: Double, _ grep: Double) {
            print("  \(q.padding(toLength: 16, withPad: " ", startingAt: 0))\(filter.department.map { " (" + $0 + ")" } ?? "")"
                  .padding(toLength: 28, withPad: " ", startingAt: 0)
                  + "\(String(hits).padding(toLength: 6, withPad: " ", startingAt: 0))\(s(inProcess).padding(toLength: 12, withPad: " ", startingAt: 0))"
                  + "\(s(cli).padding(toLength: 15, withPad: " ", startingAt: 0))\(s(grep).padding(toLength: 11, withPad: " ", startingAt: 0))"
                  + String(format: "%.1fx", grep / cli))
        }
        /// One query on `index` in-process (median of 5) and through `docket search` (median of 3).
        func searchTimes(_ index: any CaseIndex, _ q: String, _ filter: CaseFilter) throws
            -> (hits: Int, bounded: Bool, inProcess: Double, cli: Double) {
            var results = SearchResults(hits: [])
            let inProcess = median(try (0..<5).map { _ in try time { results = try index.search(SearchQuery(q, filter: filter)) } })
            var args = ["search", "--root", searchRoot.path] + q.split(separator: " ").map(String.init)
            if let d = filter.department { args += ["--department", d] }
            let cli = median(try (0..<3).map { _ in try quiet(args) })
            return (results.hits.count, results.rankedAmong != nil, inProcess, cli)
        }
        print("  query                       hits  in-process  docket search  grep -r    grep / docket search")
        var greps: [Double] = []
        var boundedQueries: [(String, CaseFilter)] = []
        for (q, filter) in queries {
            let (hits, bounded, inProcess, cli) = try searchTimes(index, q, filter)
            let firstTerm = String(q.split(separator: " ")[0])
            if bounded { boundedQueries.append((q, filter)) }
            let grep = median((0..<3).map { _ in
                time { grepQuietly(["-r", "-l", "--", firstTerm, searchRoot.appendingPathComponent("cases").path]) }
            })
            printRow(q, filter, hits, inProcess, cli, grep)
            greps.append(grep)
        }
        // The queries whose ranking was bounded (most texts match), ranked in full (--rank-all).
        for (q, filter) in boundedQueries {
            var matched = 0
            let all = median(try (0..<3).map { _ in
                try time { matched = try index.search(SearchQuery(q, filter: filter, rankWithin: nil)).hits.count }
            })
            print("  \(q)\(filter.department.map { " (" + $0 + ")" } ?? ""): ranked among the \(SearchQuery.defaultRankWithin) indexed last; "
                  + "--rank-all (every match) takes \(s(all)) in-process (\(matched) hits)")
        }
        if let postgres, let url = try? IndexURL.parse(postgres).get() {
            try useIndex(postgres, in: searchRoot)
            let rebuild = try quiet(["index", "rebuild", "--root", searchRoot.path])
            print("  PostgreSQL: docket index rebuild (with full text): \(s(rebuild))")
            let index = try PostgresIndex(store: CaseStore(root: searchRoot), url: url, password: ProcessInfo.processInfo.environment["PGPASSWORD"])
            print("  PostgreSQL query            hits  in-process  docket search  grep -r    grep / docket search")
            for ((q, filter), grep) in zip(queries, greps) {
                let (hits, _, inProcess, cli) = try searchTimes(index, q, filter)
                printRow(q, filter, hits, inProcess, cli, grep)
            }
            try useIndex(nil, in: searchRoot)
        }
        print("  (grep -r -l for the first word only, without ranking, lines or filters; docket search limits to 20 results)")
    }

    /// Runs grep with its output discarded (exit 1, nothing found, is an answer too).
    static func grepQuietly(_ args: [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/grep")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
    }
}
