import Foundation

/// The workflows, templates and plugins that ship with Docket: every workspace can open a case
/// under them at once, and a workspace's own `workflows/` and plugin folders come first (a
/// workflow or plugin of the same name there overrides the standard one). Found, in order, at
/// `$DOCKET_SHARE`, at `<bin>/../share/docket` beside the installed binary, or in the source
/// folder the binary was built in (a clone: the folder holding `Package.swift`), so the files
/// are always those of the Docket that runs.
public struct StandardFiles: Sendable, Equatable {
    /// The folder holding `workflows/` and `Plugins/`.
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder.standardizedFileURL
    }

    public var workflows: URL { folder.appendingPathComponent("workflows") }
    public var plugins: URL { folder.appendingPathComponent("Plugins") }

    /// Where the standard files are for the binary at `executable` (default: this process's).
    public static func locate(environment: [String: String], executable: URL? = nil) -> StandardFiles? {
        if let given = environment["DOCKET_SHARE"], !given.isEmpty {
            return StandardFiles(folder: URL(fileURLWithPath: given))
        }
        guard let exe = executable ?? runningBinary() else { return nil }
        let bin = exe.deletingLastPathComponent()
        let installed = bin.deletingLastPathComponent().appendingPathComponent("share/docket")
        if holdsWorkflows(installed) { return StandardFiles(folder: installed) }
        var folder = bin
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), holdsWorkflows(folder) {
                return StandardFiles(folder: folder)
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    static func holdsWorkflows(_ folder: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("workflows").path, isDirectory: &isDir) && isDir.boolValue
    }

    static func runningBinary() -> URL? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: path).resolvingSymlinksInPath()
    }
}
