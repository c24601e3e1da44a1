import Foundation

/// The folders the benchmarks run `docket` in are workspaces: `docket` refuses a `--root`
/// without a `docket.yaml` (it would otherwise start a second set of cases by mistake).
enum BenchWorkspace {
    static func make(at root: URL) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("docket-workspace: 1\n".utf8).write(to: root.appendingPathComponent("docket.yaml"))
    }
}
