// Measures Docket's per-step overhead next to the peer a user would otherwise pick, in the same
// run, and reports ratios (machines here are shared and noisy, so only ratios are compared).
//
//   docket-bench --docket PATH [--ansible PATH] [--repeat N]
//   docket-bench --docket PATH --archive [--archive-mib N]     (the archive benchmark)
//   docket-bench --docket PATH --index [--cases N] [--search-cases M] [--fold-sample K] [--keep] [--postgres URL]  (status and search)
//   docket-bench --digests                                     (SHA-256/512 rates of both libraries)
//   docket-bench --make-cases DIR [--cases N]                  (a workspace of N cases for scripts/board-load)
//
// 1. In-process runner: a workflow of 100 steps that do nothing (pure runner overhead: journal
//    append with fsync, state fold, staging and commit) and of 100 `render` steps.
// 2. The `docket run` command end to end on the 100 `render` steps (process start included).
// 3. 1,000 cases of 3 `render` steps each, run with `docket run --all`.
// 4. The peer: ansible-playbook running the equivalent local playbook of 100 `template` tasks.
import CLibCrypto
import Crypto
import DocketCore
import DocketPlugins
import DocketSteps
import Foundation

struct NoopStep: Step {
    let name = "noop"
    let summary = "does nothing (benchmark)"
    let withSchema = Schema([Field("n", .int)])
    func run(_ context: StepContext) async throws -> StepOutcome { .completed(outputs: [:]) }
}

func arg(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func timeAsync(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

@discardableResult
func shell(_ executable: String, _ args: [String], in dir: URL, env: [String: String] = [:]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    p.currentDirectoryURL = dir
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    let log = dir.appendingPathComponent(".bench-log-\(getpid())")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    p.standardOutput = handle
    p.standardError = handle
    try p.run()
    p.waitUntilExit()
    try handle.close()
    guard p.terminationStatus == 0 else {
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        print("\(executable) \(args.joined(separator: " ")) exited \(p.terminationStatus):\n\(output.suffix(2000))")
        exit(1)
    }
    try? FileManager.default.removeItem(at: log)
    return p.terminationStatus
}

if CommandLine.arguments.contains("--breakdown") {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("docket-breakdown-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let journal = Journal(url: dir.appendingPathComponent("j.jsonl"))
    var contents = Journal.Contents.empty
    var e = JournalEvent(type: .completed, step: "s1")
    e.outputs = ["document": .string("s1/doc.md")]
    e.documents = [DocumentRecord(path: "s1/doc.md", size: 10, sha256: String(repeating: "a", count: 64))]
    let n = 300
    func per(_ t: Double) -> String { String(format: "%.1f µs", t / Double(n) * 1e6) }
    print("append, fsync:    ", per(try time { for _ in 0..<n { try journal.append([e], to: &contents, now: Date()) } }))
    print("append, no fsync: ", per(try time { for _ in 0..<n { try journal.append([e], to: &contents, now: Date(), durable: false) } }))
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print("encode only:      ", per(try time { for _ in 0..<n { _ = try enc.encode(e) } }))
    print("timestamp:        ", per(time { for _ in 0..<n { _ = Timestamp.string(Date()) } }))
    let staging = dir.appendingPathComponent("st")
    print("staging cycle:    ", per(try time { for _ in 0..<n { try FileIO.makeEmptyFolder(staging); _ = try DocumentNames.collect(in: staging); rmdir(staging.path) } }))
    print("read+fold 600 ev: ", per(try time { for _ in 0..<n { _ = CaseState(caseID: "x", events: try journal.read().events) } }))
    exit(0)
}

if CommandLine.arguments.contains("--digests") {
    // Digest throughput, on one core, from memory: swift-crypto (BoringSSL), which Docket uses
    // for the journal, and OpenSSL's libcrypto, which it uses for archives.
    let buffer = [UInt8](repeating: 0x5A, count: 256 << 20)
    func rate(_ name: String, _ body: () -> Void) {
        let t = median((0..<3).map { _ in time(body) })
        print("\(name): \(String(format: "%.0f MB/s", Double(buffer.count) / t / 1e6)) on one core")
    }
    rate("SHA-256 (swift-crypto)") { var h = SHA256(); h.update(data: buffer); _ = h.finalize() }
    rate("SHA-512 (swift-crypto)") { var h = SHA512(); h.update(data: buffer); _ = h.finalize() }
    for name in ["SHA256", "SHA512"] {
        rate("\(name) (libcrypto)") {
            var out = [UInt8](repeating: 0, count: 64)
            var length: UInt32 = 0
            buffer.withUnsafeBytes { _ = EVP_Digest($0.baseAddress, $0.count, &out, &length, EVP_get_digestbyname(name), nil) }
        }
    }
    exit(0)
}

if CommandLine.arguments.contains("--index"), let path = arg("--docket") {
    do {
        try IndexBench.run(docket: URL(fileURLWithPath: path).standardizedFileURL.path, cases: Int(arg("--cases") ?? "100000") ?? 100_000,
                           searchCases: Int(arg("--search-cases") ?? "10000") ?? 10_000, foldSample: Int(arg("--fold-sample") ?? "5000") ?? 5_000,
                           keep: CommandLine.arguments.contains("--keep"), reuse: arg("--status-root").map { URL(fileURLWithPath: $0) },
                           postgres: arg("--postgres"))
    } catch {
        print("docket-bench: \(error)")
        exit(1)
    }
    exit(0)
}

// The board's load test (scripts/board-load) serves the index benchmark's cases: N cases, each
// waiting for its review after a draft of one document.
if let dir = arg("--make-cases") {
    do {
        try IndexBench.makeCases(Int(arg("--cases") ?? "10000") ?? 10_000, documents: 1, root: URL(fileURLWithPath: dir))
    } catch {
        print("docket-bench: \(error)")
        exit(1)
    }
    exit(0)
}

if CommandLine.arguments.contains("--archive"), let path = arg("--docket") {
    do {
        try await ArchiveBench.run(docket: URL(fileURLWithPath: path).standardizedFileURL.path, mib: Int(arg("--archive-mib") ?? "1024") ?? 1024)
    } catch {
        print("docket-bench: \(error)")
        exit(1)
    }
    exit(0)
}

guard let docketArg = arg("--docket") else {
    print("usage: docket-bench --docket PATH [--ansible PATH] [--repeat N]")
    exit(64)
}
let docket = URL(fileURLWithPath: docketArg).standardizedFileURL.path
let ansible = arg("--ansible").map { URL(fileURLWithPath: $0).standardizedFileURL.path }
let repeats = Int(arg("--repeat") ?? "5") ?? 5
let fm = FileManager.default
let work = fm.temporaryDirectory.appendingPathComponent("docket-bench-\(getpid())")
try fm.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? fm.removeItem(at: work) }

// The 100-step workflows and the template each render step fills.
let template = "諮問 {{case.id}}: {{inputs.department}} / {{inputs.subject}} ({{with.data.n}})\n"
try fm.createDirectory(at: work.appendingPathComponent("templates"), withIntermediateDirectories: true)
try Data(template.utf8).write(to: work.appendingPathComponent("templates/doc.mustache"))
func workflow(_ name: String, steps: Int, uses: String) -> String {
    var w = "docket: 1\nname: \(name)\ninputs:\n  department: {type: string, required: true}\n  subject: {type: string, required: true}\nsteps:\n"
    for i in 1...steps {
        if uses == "render" {
            w += "  - id: s\(i)\n    uses: render\n    with: {template: templates/doc.mustache, output: doc-\(i).md, data: {n: \(i)}}\n"
        } else {
            w += "  - id: s\(i)\n    uses: noop\n    with: {n: \(i)}\n"
        }
    }
    return w
}
try Data(workflow("render100", steps: 100, uses: "render").utf8).write(to: work.appendingPathComponent("render100.yaml"))
try Data(workflow("noop100", steps: 100, uses: "noop").utf8).write(to: work.appendingPathComponent("noop100.yaml"))
try Data(workflow("render3", steps: 3, uses: "render").utf8).write(to: work.appendingPathComponent("render3.yaml"))
let inputs = ["department": "人事課", "subject": "内定者管理ツール"]

var registry = BuiltinSteps.registry()
try registry.register(NoopStep())
let runner = Runner(store: CaseStore(root: work.appendingPathComponent("inproc")), registry: registry, user: "bench")

// 1. In-process.
var noopTimes: [Double] = [], renderTimes: [Double] = []
for r in 0..<repeats {
    _ = try runner.open(caseID: "noop-\(r)", workflowPath: work.appendingPathComponent("noop100.yaml").path, inputsFile: nil, inputs: inputs)
    _ = try runner.open(caseID: "render-\(r)", workflowPath: work.appendingPathComponent("render100.yaml").path, inputsFile: nil, inputs: inputs)
    noopTimes.append(try await timeAsync { _ = try await runner.run(caseID: "noop-\(r)") })
    renderTimes.append(try await timeAsync { _ = try await runner.run(caseID: "render-\(r)") })
}

// 1b. A process plugin (a shell script answering at once) in place of the no-op step.
let pluginFolder = work.appendingPathComponent("plugins/echo-plugin")
try fm.createDirectory(at: pluginFolder, withIntermediateDirectories: true)
try Data("docket-plugin: 1\nname: echo-plugin\ndescription: answers at once\nversion: 1\nrun: [sh, run.sh]\nwith:\n  n: {type: int}\n".utf8)
    .write(to: pluginFolder.appendingPathComponent("plugin.yaml"))
try Data("cat > /dev/null\necho '{\"protocol\": 1, \"status\": \"completed\"}'\n".utf8).write(to: pluginFolder.appendingPathComponent("run.sh"))
try Data(workflow("plugin100", steps: 100, uses: "noop").replacingOccurrences(of: "uses: noop", with: "uses: echo-plugin").utf8)
    .write(to: work.appendingPathComponent("plugin100.yaml"))
var pluginTimes: [Isolation: [Double]] = [:]
for isolation in Isolation.bubblewrapWorks ? [Isolation.process, .bubblewrap] : [.process] {
    let found = PluginDiscovery.discover(in: [work.appendingPathComponent("plugins")], builtins: registry, isolation: isolation)
    let pluginRunner = Runner(store: CaseStore(root: work.appendingPathComponent("plugin-\(isolation.rawValue)")), registry: found.registry, user: "bench")
    for r in 0..<max(1, repeats / 2) {
        _ = try pluginRunner.open(caseID: "p\(r)", workflowPath: work.appendingPathComponent("plugin100.yaml").path, inputsFile: nil, inputs: inputs)
        pluginTimes[isolation, default: []].append(try await timeAsync { _ = try await pluginRunner.run(caseID: "p\(r)") })
    }
}

// 2. The command, end to end.
var cliTimes: [Double] = []
let cliRoot = work.appendingPathComponent("cli")
try BenchWorkspace.make(at: cliRoot)
for r in 0..<repeats {
    try shell(docket, ["new", work.appendingPathComponent("render100.yaml").path, "--case", "c\(r)", "--root", cliRoot.path] + inputs.sorted { $0.key < $1.key }.flatMap { ["--input", "\($0.key)=\($0.value)"] }, in: work)
    cliTimes.append(try time { try shell(docket, ["run", "c\(r)", "--root", cliRoot.path], in: work) })
}

// 3. 1,000 cases with --all (cases opened in-process beforehand; only the run is timed), three
// times, and (3b) the same with the SQLite index present, so that every commit feeds it (as on
// a board's workspace). Medians: one run of 3 s on a shared machine is noisy.
@MainActor func runAllOnce(_ name: String, indexed: Bool) throws -> Double {
    let root = work.appendingPathComponent(name)
    try BenchWorkspace.make(at: root)
    let runner = Runner(store: CaseStore(root: root), registry: registry, user: "bench")
    for i in 0..<1000 {
        _ = try runner.open(caseID: "case-\(i)", workflowPath: work.appendingPathComponent("render3.yaml").path, inputsFile: nil, inputs: inputs)
    }
    if indexed { _ = try shell(docket, ["index", "rebuild", "--root", root.path], in: work) }
    // Kept until the benchmark ends: removing 1,000 case folders just before making the next
    // 1,000 sends ext4's inode allocator through its recently-deleted scan, which would be timed.
    return try time { _ = try shell(docket, ["run", "--all", "--root", root.path], in: work) }
}
var allTimes: [Double] = [], indexedTimes: [Double] = []
for r in 0..<3 {
    allTimes.append(try runAllOnce("many-\(r)", indexed: false))
    indexedTimes.append(try runAllOnce("many-indexed-\(r)", indexed: true))
}
let allTime = median(allTimes), indexedTime = median(indexedTimes)

// 4. The peer.
var ansibleTimes: [Double] = []
if let ansible {
    let peer = work.appendingPathComponent("ansible")
    try fm.createDirectory(at: peer.appendingPathComponent("out"), withIntermediateDirectories: true)
    try Data("諮問 {{ case_id }}: {{ department }} / {{ subject }} ({{ n }})\n".utf8).write(to: peer.appendingPathComponent("doc.j2"))
    var play = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  vars:\n    ansible_python_interpreter: \"{{ ansible_playbook_python }}\"\n    case_id: c1\n    department: 人事課\n    subject: 内定者管理ツール\n  tasks:\n"
    for i in 1...100 {
        play += "    - name: s\(i)\n      template: {src: doc.j2, dest: \"out/doc-\(i).md\"}\n      vars: {n: \(i)}\n"
    }
    try Data(play.utf8).write(to: peer.appendingPathComponent("play.yaml"))
    for _ in 0..<max(1, repeats / 2) {
        try? fm.removeItem(at: peer.appendingPathComponent("out"))
        try fm.createDirectory(at: peer.appendingPathComponent("out"), withIntermediateDirectories: true)
        ansibleTimes.append(try time {
            try shell(ansible, ["-i", "localhost,", "play.yaml"], in: peer, env: ["ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "false"])
        })
    }
}

func ms(_ s: Double) -> String { String(format: "%.3f ms", s * 1000) }
let noop = median(noopTimes) / 100, render = median(renderTimes) / 100, cli = median(cliTimes) / 100
print("Docket runner benchmark (\(repeats) repeats, medians; \(ProcessInfo.processInfo.activeProcessorCount) cores)")
print("  in-process, 100 no-op steps:       \(ms(noop)) per step (runner overhead, fsync'd journal + commit)")
print("  in-process, 100 render steps:      \(ms(render)) per step")
for (isolation, times) in pluginTimes.sorted(by: { $0.key.rawValue > $1.key.rawValue }) {
    let per = median(times) / 100
    print("  in-process, 100 plugin steps (\(isolation.rawValue)): \(ms(per)) per step, \(String(format: "%.1f", per / noop))x a built-in no-op step")
}
print("  docket run, 100 render steps:      \(ms(cli)) per step (\(ms(median(cliTimes))) in all, process start included)")
print("  docket run --all, 1,000 cases × 3: \(String(format: "%.2f s", allTime)) in all (median of 3), \(ms(allTime / 1000)) per case, \(ms(allTime / 3000)) per step, \(Int(60_000 / allTime)) cases a minute")
print("  the same, the SQLite index fed:     \(String(format: "%.2f s", indexedTime)) in all, \(ms(indexedTime / 1000)) per case, \(Int(60_000 / indexedTime)) cases a minute")
if !ansibleTimes.isEmpty {
    let peer = median(ansibleTimes) / 100
    print("  ansible-playbook, 100 template tasks: \(ms(peer)) per task (\(String(format: "%.2f s", median(ansibleTimes))) in all)")
    print("ratios (peer time / Docket time, higher is better for Docket):")
    print("  ansible 100 tasks / docket run 100 render steps: \(String(format: "%.0fx", median(ansibleTimes) / median(cliTimes)))")
    print("  ansible per task / in-process render step:       \(String(format: "%.0fx", peer / render))")
} else {
    print("(no --ansible given: the peer was not measured)")
}
