import Foundation
import XCTest

/// Runs the built `docket` binary the way a clerk or a script would.
struct CLI {
    let root: URL
    var env: [String: String] = [:]

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["DOCKET_BIN"] { return URL(fileURLWithPath: path) }
        // The test bundle sits in the build folder beside the products.
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("docket")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/docket")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `docket ARGS` in `root` (the working folder) and waits for it.
    @discardableResult
    func callAsFunction(_ args: String...) throws -> Result {
        try run(args)
    }

    func run(_ args: [String]) throws -> Result {
        let process = try start(args)
        let out = process.standardOutput as! Pipe, err = process.standardError as! Pipe
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self))
    }

    func start(_ args: [String], quiet: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = args
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DOCKET_ROOT")
        environment["USER"] = "clerk"
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        } else {
            process.standardOutput = Pipe()
            process.standardError = Pipe()
        }
        try process.run()
        return process
    }
}

/// A fresh workspace (a folder with docket.yaml, as `docket init` writes it) with the project's
/// workflows/ and Plugins/ copied in.
final class Workspace {
    let root: URL

    init(copyWorkflows: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data(Self.minimalConfig.utf8).write(to: root.appendingPathComponent("docket.yaml"))
        try Data(Self.profile.utf8).write(to: root.appendingPathComponent("council.yaml"))
        try addSeal()
        if copyWorkflows {
            let fm = FileManager.default
            try fm.copyItem(at: CLI.packageRoot.appendingPathComponent("workflows"), to: root.appendingPathComponent("workflows"))
            // The department plugins the workflows use, with the Swift one freshly built.
            // The PDF plugins (hundreds of MB of Python environment each) are not copied: the
            // standard ones, in the project, are found after the workspace's own.
            let plugins = root.appendingPathComponent("Plugins")
            try fm.createDirectory(at: plugins, withIntermediateDirectories: true)
            for name in try fm.contentsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("Plugins").path) {
                let source = CLI.packageRoot.appendingPathComponent("Plugins/\(name)")
                if fm.fileExists(atPath: source.appendingPathComponent("venv").path) { continue }
                try fm.copyItem(at: source, to: plugins.appendingPathComponent(name))
            }
            let bin = plugins.appendingPathComponent("mailing-serial-check/bin")
            try? fm.removeItem(at: bin)
            try fm.createDirectory(at: bin, withIntermediateDirectories: true)
            try fm.copyItem(at: CLI.binary.deletingLastPathComponent().appendingPathComponent("mailing-serial-check"),
                            to: bin.appendingPathComponent("mailing-serial-check"))
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Gives the workspace the test seal (made once per test run with Docket's signer), as
    /// `docket seal init` would leave it: seal/ 0700, key.pem 0600.
    func addSeal() throws {
        let folder = root.appendingPathComponent("seal")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in ["key.pem", "certificate.pem"] {
            try FileManager.default.copyItem(at: try Self.testSeal.get().appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        chmod(folder.appendingPathComponent("key.pem").path, 0o600)
    }

    /// A seal made once for the whole test run (テスト審査会, marked as a demo).
    static let testSeal: Result<URL, Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("docket-test-seal-\(getpid())")
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("certificate.pem").path) { return folder }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = CLI.packageRoot.appendingPathComponent("libexec/seal/venv/bin/python3")
        p.arguments = [CLI.packageRoot.appendingPathComponent("libexec/seal/seal.py").path, "create", "--council", "テスト審査会",
                       "--organization", "テスト市", "--demo", "--key", folder.appendingPathComponent("key.pem").path,
                       "--cert", folder.appendingPathComponent("certificate.pem").path]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return folder
    }

    /// What a workspace needs at least; the rest of docket.yaml has defaults.
    static let minimalConfig = "docket-workspace: 1\n"

    /// The council profile: the bundled example's 21 members and rules, under the test
    /// council's names (テスト審査会 of テスト市, whose head is the 市長).
    static var profile: String {
        let example = (try? String(contentsOf: CLI.packageRoot.appendingPathComponent("workflows/examples/meeting-2022-06-27/council.yaml"), encoding: .utf8)) ?? ""
        return example.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("name:") { return "name: テスト審査会" }
            if line.hasPrefix("organization:") { return "organization: テスト市" }
            if line.hasPrefix("head:") { return "head: 市長" }
            return String(line)
        }.joined(separator: "\n")
    }

    var cli: CLI { CLI(root: root) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
