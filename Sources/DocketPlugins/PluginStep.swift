import DocketCore
import DocketYAML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A department plugin seen as a step: the runner treats it like a built-in. Each run is one
/// child process speaking protocol v1 (described in DocketPluginKit/Protocol.swift and the
/// README). Whatever the plugin does wrong fails the step with a message naming the plugin.
public struct PluginStep: Step, StepProvenance {
    public let manifest: PluginManifest
    public let isolation: Isolation
    /// Docket's own environment, from which the variables a plugin asks for (`env:`) are taken.
    public let environment: [String: String]

    public init(manifest: PluginManifest, isolation: Isolation, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.manifest = manifest
        self.isolation = isolation
        self.environment = environment
    }

    public var name: String { manifest.name }
    public var summary: String { manifest.description }
    public var withSchema: Schema { manifest.withSchema }
    public func outputNames(with: [String: Value]) -> [String]? { manifest.outputs }
    public func recordSchema(with: [String: Value]) -> Schema? { manifest.waitsFor }

    /// How an invocation went: the plugin answered in the protocol, or it broke it.
    public enum Invocation: Sendable, Equatable {
        case answered(StepOutcome)
        case broken(String)
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        // The child process is waited for on a thread of its own, never on Swift's cooperative
        // pool: a long plugin (the OCR of a scan) leaves the board's threads free.
        let invocation: Invocation = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try invoke(context) }) }
        }
        switch invocation {
        case .answered(let outcome): return outcome
        case .broken(let message): return .failed(message)
        }
    }

    var label: String { "plugin '\(manifest.name)' (\(manifest.folder.path))" }

    /// The one PATH a plugin's command is looked up on and that the plugin runs with.
    public static let pluginPATH = "/usr/local/bin:/usr/bin:/bin"

    /// Docket's own variables (the archive password among them) never reach a plugin, nor do
    /// names that look like a secret unless `$DOCKET_PLUGIN_ALLOW_ENV` (names separated by ','
    /// or ':') lets them through. A plugin asking for one in `env:` does not get it.
    public static let secretWords = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH",
                                     "PRIVATE", "COOKIE", "SESSION"]

    /// The environment the plugin gets, and the variables it asked for but does not get, with why.
    public func pluginEnvironment(scratch: String) -> (given: [String: String], withheld: [(name: String, why: String)]) {
        var given = ["PATH": Self.pluginPATH, "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8"]
        var withheld: [(String, String)] = []
        let allowed = Set((environment["DOCKET_PLUGIN_ALLOW_ENV"] ?? "").split(whereSeparator: { ",: ".contains($0) }).map(String.init))
        for name in manifest.env {
            let upper = name.uppercased()
            if upper.hasPrefix("DOCKET_") {
                withheld.append((name, "one of Docket's own variables"))
            } else if ["PATH", "HOME", "TMPDIR"].contains(name) {
                withheld.append((name, "set by Docket for every plugin"))
            } else if Self.secretWords.contains(where: upper.contains), !allowed.contains(name) {
                withheld.append((name, "named like a secret; the workspace may allow it with DOCKET_PLUGIN_ALLOW_ENV=\(name)"))
            } else if let value = environment[name] {
                given[name] = value
            }
        }
        return (given, withheld)
    }

    /// A command line ready to run, or why it cannot run.
    enum Command: Equatable { case ready([String]), refused(String) }

    /// The command line as it will run (files of the plugin made absolute, the program looked
    /// up on the plugin PATH), or why it cannot.
    func command() -> Command {
        var command = manifest.run
        // Arguments naming files of the plugin (scan.py) are made absolute: it runs elsewhere.
        for i in command.indices.dropFirst() where !command[i].hasPrefix("/") && !command[i].hasPrefix("-") {
            let candidate = manifest.folder.appendingPathComponent(command[i])
            if FileManager.default.fileExists(atPath: candidate.path) { command[i] = candidate.standardizedFileURL.path }
        }
        if command[0].contains("/") || FileManager.default.fileExists(atPath: manifest.folder.appendingPathComponent(command[0]).path) {
            command[0] = command[0].hasPrefix("/") ? command[0] : manifest.folder.appendingPathComponent(command[0]).standardizedFileURL.path
            guard FileManager.default.isExecutableFile(atPath: command[0]) else {
                return .refused("\(label) cannot run: \(command[0]) is missing or not executable (is the plugin built? 'make build' builds the bundled ones)")
            }
        } else if let found = ChildProcess.lookUp(command[0], path: Self.pluginPATH) {
            command[0] = found
        } else {
            return .refused("\(label) cannot run: '\(command[0])' is not found on the plugin PATH (\(Self.pluginPATH)); install it there or ship it in the plugin's folder")
        }
        if let hidden = isolation.hides(command[0], pluginFolder: manifest.folder) {
            return .refused("\(label) cannot run: its command \(command[0]) is hidden from it, since \(hidden); ship its dependencies inside the plugin folder (a Python virtual environment: python3 -m venv in the plugin folder)")
        }
        return .ready(command)
    }

    /// The plugin's folder and version, and the SHA-256 of each of its own files on the
    /// command line (a program found on the PATH is named, not hashed), for the journal.
    public var provenance: String? {
        guard case .ready(let command) = command() else { return nil }
        let own = command.filter { $0.hasPrefix(manifest.folder.standardizedFileURL.path + "/") && FileManager.default.fileExists(atPath: $0) }
        let digests = own.map { file in "\(file.dropFirst(manifest.folder.standardizedFileURL.path.count + 1)) sha256 \((try? FileIO.digest(of: file).sha256) ?? "unreadable")" }
        return "plugin \(manifest.name) \(manifest.version) in \(manifest.folder.path), isolation \(isolation.rawValue); runs \(command.joined(separator: " "))"
            + (digests.isEmpty ? "" : "; " + digests.joined(separator: ", "))
    }

    /// Why the plugin may not run here for a case whose workflow requires `workflow`, naming
    /// who asked for what and what to do; nil if it may. Bubblewrap asked for by the
    /// environment, the plugin.yaml or the case's workflow is never weakened to process isolation.
    public func refusal(workflow: PluginPolicy) -> String? {
        let required: String?
        if workflow.isolation == Isolation.bubblewrap.rawValue {
            required = "the case's workflow requires bubblewrap isolation for every plugin ('plugins: isolation: bubblewrap', "
                + "kept in the case's workflow snapshot for its whole life)"
        } else if manifest.requires == .bubblewrap {
            required = "its plugin.yaml requires bubblewrap isolation"
        } else {
            required = nil
        }
        if isolation == .bubblewrap, isolation.unavailable(environment: environment) == nil { return nil }
        guard let required else { return isolation.unavailable(environment: environment) }
        if let why = Isolation.bwrapProblem(environment: environment) {
            return "\(required), but \(why); it never runs unconfined. \(Isolation.installAdvice), then run it again"
        }
        return "\(required), and DOCKET_PLUGIN_ISOLATION=\(environment["DOCKET_PLUGIN_ISOLATION"] ?? "") asks for process isolation; "
            + "unset DOCKET_PLUGIN_ISOLATION (bubblewrap works here), then run it again"
    }

    /// Runs the plugin once and checks everything it did.
    public func invoke(_ context: StepContext) throws -> Invocation {
        if let problem = refusal(workflow: context.plugins) { return .broken("\(label) was not run: \(problem)") }
        if let problem = InputDocuments.check(context) { return .broken("\(label) was not run: \(problem)") }
        let request = try requestData(context)
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("docket-plugin-\(manifest.name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }

        let command: [String]
        switch self.command() {
        case .ready(let c): command = c
        case .refused(let message): return .broken(message)
        }
        let timeout = context.withTimeout ?? manifest.timeout
        let start = Date()
        let process = ChildProcess(
            arguments: isolation.wrap(command, bwrap: Isolation.bwrapPath(environment: environment), pluginFolder: manifest.folder, documents: context.documentsFolder,
                                      output: context.outputFolder, scratch: scratch),
            environment: pluginEnvironment(scratch: scratch.path).given, workingFolder: scratch, input: request,
            timeout: timeout, maxOutput: manifest.maxOutput,
            writable: isolation == .process ? [context.outputFolder.path, scratch.path, "/dev/null"] : nil,
            dropCapabilities: isolation == .process && geteuid() == 0, noNewPrivileges: isolation == .process)
        let result: ChildProcess.Result
        do { result = try process.run() } catch { return .broken("\(label) cannot be started: \(error)") }
        saveLog(result, context: context)
        let logTail = String(decoding: result.log.suffix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let tail = logTail.isEmpty ? "" : "; its last log lines: \(TerminalText.escaped(logTail))"

        switch result.ending {
        case .timedOut:
            return .broken("\(label) ran past its timeout of \(Int(timeout)) s and was stopped (with every process it started)")
        case .outputTooLarge:
            return .broken("\(label) wrote more than \(manifest.maxOutput) bytes to standard output (the limit in plugin.yaml 'max-output'); it was stopped")
        case .signalled(let signal):
            return .broken("\(label) was killed by signal \(signal)\(tail)")
        case .exited(let code) where isolation == .bubblewrap && code > 128 && code < 128 + 65:
            // bwrap reports a child killed by signal N as status 128+N.
            return .broken("\(label) was killed by signal \(code - 128)\(tail)")
        case .exited(let code) where code != 0:
            return .broken("\(label) exited with status \(code)\(tail)")
        case .exited:
            break
        }
        if result.inputUnread > 0 {
            return .broken("\(label) exited without reading its whole request (\(request.count - result.inputUnread) of \(request.count) bytes); a plugin must read standard input to the end")
        }
        // Nothing the plugin was given may have changed.
        if let problem = InputDocuments.check(context, changedBy: label) { return .broken(problem) }

        struct Wire: Decodable {
            var `protocol`: Int?
            var status: String?
            var outputs: [String: Value]?
            var documents: [String]?
            var prompt: String?
            var message: String?
        }
        let text = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(text.utf8)), let version = wire.protocol, let status = wire.status else {
            let shown = text.isEmpty ? "nothing" : "'\(TerminalText.escaped(text.prefix(200)))'"
            return .broken("\(label) did not answer in the Docket plugin protocol: it wrote \(shown) to standard output (expected one JSON object with 'protocol' and 'status')")
        }
        guard PluginManifest.protocolVersions.contains(version) else {
            return .broken("\(label) answered in protocol version \(version); this Docket speaks \(PluginManifest.protocolVersions.map(String.init).joined(separator: ", "))")
        }
        switch status {
        case "completed":
            let listed = wire.documents ?? []
            for path in listed {
                let shown = TerminalText.escaped(path)
                let parts = path.split(separator: "/", omittingEmptySubsequences: false)
                if path.hasPrefix("/") || parts.contains("..") || parts.contains("") || path.isEmpty {
                    return .broken("\(label) named the document '\(shown)', which is outside its output folder")
                }
                var st = stat()
                let full = context.outputFolder.appendingPathComponent(path).path
                guard lstat(full, &st) == 0 else { return .broken("\(label) named the document '\(shown)' but did not write it") }
                if st.st_mode & S_IFMT == S_IFLNK { return .broken("\(label) wrote '\(shown)' as a link; documents must be real files in the output folder") }
            }
            if let problem = OutputCheck.problem(in: context.outputFolder, limits: manifest.limits, deadline: start.addingTimeInterval(timeout)) {
                return .broken("\(label) \(problem)")
            }
            let written: [String]
            do { written = try DocumentNames.collect(in: context.outputFolder) } catch { return .broken("\(label): \(error)") }
            let unlisted = Set(written).subtracting(listed.map { $0.precomposedStringWithCanonicalMapping })
            if let extra = unlisted.sorted().first {
                return .broken("\(label) wrote '\(extra)' but did not list it in 'documents'")
            }
            return .answered(.completed(outputs: wire.outputs ?? [:]))
        case "waiting":
            guard manifest.waitsFor != nil else {
                return .broken("\(label) asked to wait, but its plugin.yaml declares no 'waits-for'")
            }
            return .answered(.waiting(prompt: TerminalText.escaped(wire.prompt ?? "the plugin needs a record")))
        case "failed":
            return .answered(.failed("\(manifest.name): \(TerminalText.escaped(wire.message ?? "failed without a message"))"))
        default:
            return .broken("\(label) answered status '\(TerminalText.escaped(status))'; the protocol has completed, waiting and failed")
        }
    }

    func requestData(_ context: StepContext) throws -> Data {
        struct Request: Encodable {
            struct Case: Encodable { var id: String; var inputs: [String: Value] }
            struct StepInfo: Encodable { var id: String; var attempt: Int; var round: Int; var with: [String: Value] }
            struct Document: Encodable { var path: String; var sha256: String; var size: Int64; var file: String }
            var `protocol`: Int
            var `case`: Case
            var step: StepInfo
            var outputs: [String: [String: Value]]
            var documents: [Document]
            var records: [Value]
            var output_folder: String
            /// The council's public names (council, organization, head, addressee, secretariat…).
            var workspace: [String: Value]
        }
        let request = Request(
            protocol: manifest.protocolVersion, case: .init(id: context.caseID, inputs: context.inputs),
            step: .init(id: context.stepID, attempt: context.attempt, round: context.round, with: context.with),
            outputs: context.outputs,
            documents: context.documents.map { .init(path: $0.path, sha256: $0.sha256, size: $0.size,
                                                     file: context.documentsFolder.appendingPathComponent($0.path).path) },
            records: context.records, output_folder: context.outputFolder.path, workspace: context.workspace)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(request)
    }

    /// Keeps the plugin's standard error with the case, under logs/, with a marker where it was cut.
    func saveLog(_ result: ChildProcess.Result, context: StepContext) {
        guard !result.log.isEmpty else { return }
        var log = result.log
        if result.logDropped > 0 {
            log.append(Data("\n[docket: the log was cut here at \(result.log.count) bytes; \(result.logDropped) more bytes were dropped]\n".utf8))
        }
        let folder = context.documentsFolder.deletingLastPathComponent().appendingPathComponent("logs")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? log.write(to: folder.appendingPathComponent("\(context.stepID)-\(context.attempt).log"))
    }
}
