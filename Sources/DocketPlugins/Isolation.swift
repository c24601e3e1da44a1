import CGlibc
import Foundation

/// How plugin processes are confined. Both modes: a clean environment (no secret of Docket's),
/// a scratch working folder, a new session, default signals, no new privileges, every process
/// the plugin starts killed when its step ends, input documents checked by digest before and
/// after, output checked against limits.
public enum Isolation: String, Sendable, CaseIterable {
    /// A child process; where the kernel offers Landlock, it can write only into its output
    /// and scratch folders (so not the journal, the snapshot, the documents or other cases).
    case process
    /// Inside bubblewrap: no capabilities, no network, a private /tmp, the system read-only,
    /// and of the case only the documents (read-only) and the output folder (writable) visible.
    case bubblewrap

    /// The isolation asked for: `$DOCKET_PLUGIN_ISOLATION` (process or bubblewrap) if set, else
    /// bubblewrap where `bwrap` works on this machine, else process. An unknown value asks for
    /// bubblewrap, the stricter mode. Bubblewrap asked for where it does not work is kept:
    /// plugins then refuse to run (`unavailable`), they never run unconfined.
    public static func chosen(environment: [String: String]) -> Isolation {
        if let wanted = environment["DOCKET_PLUGIN_ISOLATION"] { return Isolation(rawValue: wanted) ?? .bubblewrap }
        let works = environment["DOCKET_BWRAP"].map { Self.works(bwrap: $0) } ?? bubblewrapWorks
        return works ? .bubblewrap : .process
    }

    /// Why no plugin can run under this isolation here, in words saying what to do; nil if it
    /// works. `environment`: `$DOCKET_BWRAP` names the bwrap to use (default: the installed one).
    public func unavailable(environment: [String: String]) -> String? {
        guard self == .bubblewrap, let why = Self.bwrapProblem(environment: environment) else { return nil }
        return "plugin isolation 'bubblewrap' was asked for, but \(why); no plugin runs unconfined. \(Self.installAdvice), "
            + "or choose process isolation explicitly with DOCKET_PLUGIN_ISOLATION=process"
    }

    /// Why bwrap cannot make Docket's sandbox here (not installed, or no user namespaces); nil if it can.
    public static func bwrapProblem(environment: [String: String]) -> String? {
        let path = bwrapPath(environment: environment)
        if let path, path == installedBwrap ? bubblewrapWorks : works(bwrap: path) { return nil }
        return path == nil || !FileManager.default.isExecutableFile(atPath: path!)
            ? "bwrap is not installed" : "bwrap is installed but cannot make a sandbox here (it needs user namespaces, or root)"
    }

    public static let installAdvice = "Install the 'bubblewrap' package (Debian: apt-get install bubblewrap)"

    /// Whether the installed `bwrap` can make the sandbox Docket asks for (no capabilities, new
    /// namespaces): it needs user namespaces, or root.
    public static let bubblewrapWorks: Bool = installedBwrap.map { works(bwrap: $0) } ?? false

    static func works(bwrap: String, extra: [String] = []) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: bwrap) else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bwrap)
        p.arguments = ["--ro-bind", "/", "/", "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session"] + extra + ["/bin/true"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Whether the installed bwrap can forbid further user namespaces inside the sandbox.
    static let disablesUserNamespaces: Bool = installedBwrap.map { works(bwrap: $0, extra: ["--unshare-user", "--disable-userns"]) } ?? false

    static let installedBwrap: String? = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static func bwrapPath(environment: [String: String]) -> String? {
        environment["DOCKET_BWRAP"] ?? installedBwrap
    }

    /// The Landlock ABI of this kernel (0: none), which process isolation uses to make
    /// everything but the output and scratch folders read-only to the plugin.
    public static let landlockABI = Int(docket_landlock_abi())

    /// What is really in force, for `docket plugins`.
    public func summary(environment: [String: String]) -> String {
        let reaper = StepCgroup.ownFolder().map { FileManager.default.isWritableFile(atPath: $0) } == true
            ? "every process it starts killed at the step's end (cgroup v2 and subreaper)"
            : "every process it starts killed at the step's end (subreaper)"
        switch self {
        case .process:
            let writes = Self.landlockABI > 0
                ? "writes only into its output folder (Landlock ABI \(Self.landlockABI))"
                : "NOT kept from writing the case's files (this kernel has no Landlock; use bubblewrap)"
            return "process (clean environment, new session, \(writes), \(reaper))"
        case .bubblewrap:
            if let problem = unavailable(environment: environment) { return "none: plugins will not run. \(problem)" }
            return "bubblewrap (no capabilities, no network, read-only system and documents, only the output folder writable, \(reaper))"
        }
    }

    /// Folders visible inside the bubblewrap sandbox besides the plugin's own and the case's.
    static let systemFolders = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc", "/opt"]

    /// Where `path` is hidden in this isolation, the visible folders in words; nil if visible.
    func hides(_ path: String, pluginFolder: URL) -> String? {
        guard self == .bubblewrap else { return nil }
        let visible = Self.systemFolders + [pluginFolder.path]
        if visible.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { return nil }
        return "bubblewrap shows the plugin only \(Self.systemFolders.joined(separator: ", ")) and its own folder \(pluginFolder.path)"
    }

    /// The command line that runs `command` under this isolation.
    func wrap(_ command: [String], bwrap: String?, pluginFolder: URL, documents: URL, output: URL, scratch: URL) -> [String] {
        guard self == .bubblewrap, let bwrap else { return command }
        var args = [bwrap, "--die-with-parent", "--unshare-all", "--cap-drop", "ALL", "--new-session",
                    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        // No user namespace inside, where a plugin would get its capabilities back (bwrap 0.8+).
        if bwrap == Self.installedBwrap, Self.disablesUserNamespaces { args += ["--unshare-user", "--disable-userns"] }
        for system in Self.systemFolders where FileManager.default.fileExists(atPath: system) {
            args += ["--ro-bind", system, system]
        }
        args += ["--ro-bind", pluginFolder.path, pluginFolder.path]
        if FileManager.default.fileExists(atPath: documents.path) { args += ["--ro-bind", documents.path, documents.path] }
        args += ["--bind", output.path, output.path, "--bind", scratch.path, scratch.path, "--chdir", scratch.path, "--"]
        return args + command
    }
}
