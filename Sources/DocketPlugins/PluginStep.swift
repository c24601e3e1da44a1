import DocketCore
import DocketYAML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A department plugin seen as a step: the runner treats it like a built-in. Each run is one
/// child process speaking protocol v1 (described in DocketPluginKit/Protocol.swift and the
/// README). Whatever the plugin does wrong fails the step with a message naming the plugin.
public struct PluginStep: Step {
    public let manifest: PluginManifest
    public let isolation: Isolation

    public init(manifest: PluginManifest, isolation: Isolation) {
        self.manifest = manifest
        self.isolation = isolation
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
        switch try invoke(context) {
        case .answered(let outcome): return outcome
        case .broken(let message): return .failed(message)
        }
    }

    var label: String { "plugin '\(manifest.name)' (\(manifest.folder.path))" }

    /// Runs the plugin once and checks everything it did.
    public func invoke(_ context: StepContext) throws -> Invocation {
        let request = try requestData(context)
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("docket-plugin-\(manifest.name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: scratch) }

        var command = manifest.run
        // Arguments naming files of the plugin (scan.py) are made absolute: it runs elsewhere.
        for i in command.indices.dropFirst() where !command[i].hasPrefix("/") && !command[i].hasPrefix("-") {
            let candidate = manifest.folder.appendingPathComponent(command[i])
            if FileManager.default.fileExists(atPath: candidate.path) { command[i] = candidate.standardizedFileURL.path }
        }
        if command[0].contains("/") || FileManager.default.fileExists(atPath: manifest.folder.appendingPathComponent(command[0]).path) {
            command[0] = manifest.folder.appendingPathComponent(command[0]).standardizedFileURL.path
            guard FileManager.default.isExecutableFile(atPath: command[0]) else {
                return .broken("\(label) cannot run: \(command[0]) is missing or not executable (is the plugin built? 'make build' builds the bundled ones)")
            }
        }
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch.path, "TMPDIR": scratch.path, "LANG": "C.UTF-8"]
        let inherited = ProcessInfo.processInfo.environment
        for name in manifest.env { if let v = inherited[name] { environment[name] = v } }
        let process = ChildProcess(
            arguments: isolation.wrap(command, pluginFolder: manifest.folder, documents: context.documentsFolder,
                                      output: context.outputFolder, scratch: scratch),
            environment: environment, workingFolder: scratch, input: request,
            timeout: context.withTimeout ?? manifest.timeout, maxOutput: manifest.maxOutput)
        let result: ChildProcess.Result
        do { result = try process.run() } catch { return .broken("\(label) cannot be started: \(error)") }
        saveLog(result.log, context: context)
        let logTail = String(decoding: result.log.suffix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let tail = logTail.isEmpty ? "" : "; its last log lines: \(logTail)"

        switch result.ending {
        case .timedOut:
            return .broken("\(label) ran past its timeout of \(Int(context.withTimeout ?? manifest.timeout)) s and was stopped (its whole process group was killed)")
        case .outputTooLarge:
            return .broken("\(label) wrote more than \(manifest.maxOutput) bytes to standard output (the limit in plugin.yaml 'max-output'); it was stopped")
        case .signalled(let signal):
            return .broken("\(label) was killed by signal \(signal)\(tail)")
        case .exited(let code) where code != 0:
            return .broken("\(label) exited with status \(code)\(tail)")
        case .exited:
            break
        }

        // Nothing the plugin was given may have changed.
        for doc in context.documents {
            let file = context.documentsFolder.appendingPathComponent(doc.path).path
            if (try? FileIO.digest(of: file).sha256) != doc.sha256 {
                return .broken("\(label) changed the input document \(doc.path) (its SHA-256 no longer matches the journal); plugins may only write into their output folder")
            }
        }

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
            let shown = text.isEmpty ? "nothing" : "'\(text.prefix(200))'"
            return .broken("\(label) did not answer in the Docket plugin protocol: it wrote \(shown) to standard output (expected one JSON object with 'protocol' and 'status')")
        }
        guard PluginManifest.protocolVersions.contains(version) else {
            return .broken("\(label) answered in protocol version \(version); this Docket speaks \(PluginManifest.protocolVersions.map(String.init).joined(separator: ", "))")
        }
        switch status {
        case "completed":
            let listed = wire.documents ?? []
            for path in listed {
                let parts = path.split(separator: "/", omittingEmptySubsequences: false)
                if path.hasPrefix("/") || parts.contains("..") || parts.contains("") || path.isEmpty {
                    return .broken("\(label) named the document '\(path)', which is outside its output folder")
                }
                var st = stat()
                let full = context.outputFolder.appendingPathComponent(path).path
                guard lstat(full, &st) == 0 else { return .broken("\(label) named the document '\(path)' but did not write it") }
                if st.st_mode & S_IFMT == S_IFLNK { return .broken("\(label) wrote '\(path)' as a link; documents must be real files in the output folder") }
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
            return .answered(.waiting(prompt: wire.prompt ?? "the plugin needs a record"))
        case "failed":
            return .answered(.failed("\(manifest.name): \(wire.message ?? "failed without a message")"))
        default:
            return .broken("\(label) answered status '\(status)'; the protocol has completed, waiting and failed")
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
        }
        let request = Request(
            protocol: manifest.protocolVersion, case: .init(id: context.caseID, inputs: context.inputs),
            step: .init(id: context.stepID, attempt: context.attempt, round: context.round, with: context.with),
            outputs: context.outputs,
            documents: context.documents.map { .init(path: $0.path, sha256: $0.sha256, size: $0.size,
                                                     file: context.documentsFolder.appendingPathComponent($0.path).path) },
            records: context.records, output_folder: context.outputFolder.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(request)
    }

    /// Keeps the plugin's standard error with the case, under logs/.
    func saveLog(_ log: Data, context: StepContext) {
        guard !log.isEmpty else { return }
        let folder = context.documentsFolder.deletingLastPathComponent().appendingPathComponent("logs")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? log.write(to: folder.appendingPathComponent("\(context.stepID)-\(context.attempt).log"))
    }
}
