import Foundation

/// How plugin processes are confined.
public enum Isolation: String, Sendable, CaseIterable {
    /// A child process with a clean environment, a scratch working folder, and input documents
    /// checked by digest afterwards.
    case process
    /// As `process`, inside bubblewrap: no network, a private /tmp, the system read-only, and of
    /// the case only the documents (read-only) and the output folder (writable) visible.
    case bubblewrap

    /// The isolation to use: `$DOCKET_PLUGIN_ISOLATION` (process or bubblewrap) if set, else
    /// bubblewrap where `bwrap` works on this machine, else process.
    public static func chosen(environment: [String: String]) -> Isolation {
        if let wanted = environment["DOCKET_PLUGIN_ISOLATION"], let i = Isolation(rawValue: wanted) { return i }
        return bubblewrapWorks ? .bubblewrap : .process
    }

    /// Whether `bwrap` is installed and can make a sandbox here (it needs user namespaces).
    public static let bubblewrapWorks: Bool = {
        guard let bwrap = bwrapPath else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bwrap)
        p.arguments = ["--ro-bind", "/", "/", "--unshare-net", "--die-with-parent", "/bin/true"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    static let bwrapPath: String? = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    public var summary: String {
        switch self {
        case .process: return "process (clean environment, scratch folder, input documents checked by digest)"
        case .bubblewrap: return "bubblewrap (no network, read-only system and documents, only the output folder writable)"
        }
    }

    /// The command line that runs `command` under this isolation.
    func wrap(_ command: [String], pluginFolder: URL, documents: URL, output: URL, scratch: URL) -> [String] {
        guard self == .bubblewrap, let bwrap = Self.bwrapPath else { return command }
        var args = [bwrap, "--die-with-parent", "--unshare-all", "--new-session", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for system in ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc", "/opt"] where FileManager.default.fileExists(atPath: system) {
            args += ["--ro-bind", system, system]
        }
        args += ["--ro-bind", pluginFolder.path, pluginFolder.path]
        if FileManager.default.fileExists(atPath: documents.path) { args += ["--ro-bind", documents.path, documents.path] }
        args += ["--bind", output.path, output.path, "--bind", scratch.path, scratch.path, "--chdir", scratch.path, "--"]
        return args + command
    }
}
