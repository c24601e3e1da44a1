import DocketCore
import DocketYAML
import Foundation

/// Docket's own signer, `libexec/seal/seal.py` run with the Python environment beside it
/// (pyHanko, built by scripts/install-pdf-tools). It is run by Docket itself, never as a
/// plugin: it alone is given the key file and `$DOCKET_SEAL_PASSPHRASE`; its environment is
/// otherwise clean, and it answers one JSON object (never the key).
public struct SealTool: Sendable {
    /// The folder holding `seal.py` and `venv/`.
    public let folder: URL
    /// The variables passed through (the passphrases only).
    public let environment: [String: String]
    public var timeout: TimeInterval = 120

    public init(folder: URL, environment: [String: String]) {
        self.folder = folder
        self.environment = environment
    }

    /// The signer of the standard files' folder (`<share>/libexec/seal`).
    public init(standardFolder: URL, environment: [String: String]) {
        self.init(folder: standardFolder.appendingPathComponent("libexec/seal"), environment: environment)
    }

    var python: URL { folder.appendingPathComponent("venv/bin/python3") }
    var script: URL { folder.appendingPathComponent("seal.py") }

    /// Why the signer cannot run here, in words saying what to do; nil when it can.
    public var unavailable: String? {
        guard FileManager.default.isExecutableFile(atPath: python.path), FileManager.default.fileExists(atPath: script.path) else {
            return "the seal's signer is not installed (\(folder.path)/venv is missing): run scripts/install-pdf-tools (make deps does it)"
        }
        return nil
    }

    /// Runs `seal.py COMMAND ARGS`, returning its answer; its `error` is thrown as `SealError`.
    public func run(_ arguments: [String]) throws -> [String: Value] {
        if let problem = unavailable { throw SealError(problem) }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path] + arguments
        var env = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": NSTemporaryDirectory()]
        for name in ["DOCKET_SEAL_PASSPHRASE", "DOCKET_SEAL_IMPORT_PASSPHRASE"] { env[name] = environment[name] }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchTime.now() + timeout
        let done = DispatchSemaphore(value: 0)
        let collected = OutputBox()
        DispatchQueue.global().async { collected.out = out.fileHandleForReading.readDataToEndOfFile(); done.signal() }
        DispatchQueue.global().async { collected.err = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
        if done.wait(timeout: deadline) == .timedOut || done.wait(timeout: deadline) == .timedOut {
            process.terminate()
            throw SealError("the seal's signer ran past \(Int(timeout)) s and was stopped")
        }
        process.waitUntilExit()
        let text = String(decoding: collected.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let answer = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)), case .map(let map) = answer else {
            let log = String(decoding: collected.err.suffix(300), as: UTF8.self)
            throw SealError("the seal's signer did not answer (status \(process.terminationStatus)): \(TerminalText.escaped(log))")
        }
        if let error = map["error"]?.stringValue { throw SealError(error) }
        return map
    }

    private final class OutputBox: @unchecked Sendable {
        var out = Data()
        var err = Data()
    }
}

/// Why sealing or checking a seal did not work, in words saying what to do.
public struct SealError: DocketFailure {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var kind: FailureKind { .stopped }
    public var description: String { message }
}
