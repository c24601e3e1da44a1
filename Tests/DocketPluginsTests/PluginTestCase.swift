import DocketCore
import DocketPlugins
import Foundation
import XCTest

/// A temporary folder for plugins written in shell, and cases run through them.
class PluginTestCase: XCTestCase {
    var root: URL!
    /// The runner of the last `runCase`, to run its case again.
    var runner: Runner!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("plugins"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Writes a plugin whose `run.sh` is `script`.
    @discardableResult
    func plugin(_ name: String, _ script: String, manifest extra: String = "", timeout: String = "10s") throws -> URL {
        let folder = root.appendingPathComponent("plugins/\(name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("docket-plugin: 1\nname: \(name)\ndescription: test plugin\nversion: 0.1.0\nrun: [sh, run.sh]\ntimeout: \(timeout)\n\(extra)".utf8)
            .write(to: folder.appendingPathComponent("plugin.yaml"))
        try Data("#!/bin/sh\n\(script)\n".utf8).write(to: folder.appendingPathComponent("run.sh"))
        return folder
    }

    /// Runs a two-step case: `make` writes a document, then the plugin step.
    func runCase(_ plugin: String, with: String = "{}", isolation: Isolation = .process, env: [String: String]? = nil,
                 workflowTop: String = "") async throws -> (Runner.Report, CaseStore) {
        struct MakeStep: Step {
            let name = "make"
            let summary = "test: writes a document"
            let withSchema = Schema([])
            func run(_ context: StepContext) async throws -> StepOutcome {
                try Data("諮問文\n".utf8).write(to: context.outputFolder.appendingPathComponent("doc.md"))
                return .completed(outputs: ["n": .int(1)])
            }
        }
        var builtins = StepRegistry()
        try builtins.register(MakeStep())
        let found = PluginDiscovery.discover(in: [root.appendingPathComponent("plugins")], builtins: builtins, isolation: isolation,
                                                environment: env ?? ProcessInfo.processInfo.environment)
        XCTAssertEqual(found.problems, [])
        let store = CaseStore(root: root.appendingPathComponent("root"))
        runner = Runner(store: store, registry: found.registry, user: "clerk")
        let wf = root.appendingPathComponent("w-\(UUID().uuidString).yaml")
        try Data("docket: 1\nname: t\n\(workflowTop)steps:\n  - id: make\n    uses: make\n  - id: p\n    uses: \(plugin)\n    with: \(with)\n".utf8).write(to: wf)
        let id = "c\(UInt32.random(in: 0...UInt32.max))"
        _ = try runner.open(caseID: id, workflowPath: wf.path, inputsFile: nil)
        return (try await runner.run(caseID: id), store)
    }

    /// Pids of live processes whose command line holds `token`.
    func survivors(_ token: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            guard pid.first?.isNumber == true, let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            return state != "Z" && String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(token)
        }
    }

    func failure(_ report: Runner.Report) -> String {
        XCTAssertEqual(report.status, .failed)
        return report.lines.last ?? ""
    }
}
