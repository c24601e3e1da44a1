import DocketCore
import DocketYAML
import Foundation

/// A folder holding `docket.yaml`, `cases/` and `archives/`: where every command's cases are.
///
/// Found like git finds a repository, so a command run from any folder below it works on the
/// same cases: `--root DIR` if given (an explicit choice wins), else `$DOCKET_ROOT`, else the
/// nearest folder holding `docket.yaml` from the current folder upwards. A command that finds
/// none stops and names the folders it searched: it never opens a second set of cases by accident.
public struct Workspace: Sendable {
    public let root: URL
    public let config: WorkspaceConfig
    /// The workflows and plugins that ship with Docket, looked up after the workspace's own.
    public var standard: StandardFiles?

    public init(root: URL, config: WorkspaceConfig, standard: StandardFiles? = nil) {
        self.root = root.standardizedFileURL
        self.config = config
        self.standard = standard
    }

    /// The council profile (`council.yaml`, or the file docket.yaml's `profile:` names).
    public var profileFile: URL { resolve(config.profile) }

    public var store: CaseStore { CaseStore(root: root) }
    public var configFile: URL { root.appendingPathComponent(WorkspaceConfig.fileName) }

    /// Where the lookup started and what it found, for messages.
    public enum Source: Sendable, Equatable {
        case option, environment, search
    }

    /// Finds the workspace: `rootOption`, else `$DOCKET_ROOT` in `environment`, else the
    /// nearest folder with `docket.yaml` at or above `currentFolder`.
    public static func locate(rootOption: String?, environment: [String: String], currentFolder: URL) throws -> Workspace {
        var found = try find(rootOption: rootOption, environment: environment, currentFolder: currentFolder)
        found.standard = StandardFiles.locate(environment: environment)
        return found
    }

    static func find(rootOption: String?, environment: [String: String], currentFolder: URL) throws -> Workspace {
        if let given = rootOption {
            return try open(given, how: "--root", relativeTo: currentFolder)
        }
        if let env = environment["DOCKET_ROOT"], !env.isEmpty {
            return try open(env, how: "$DOCKET_ROOT", relativeTo: currentFolder)
        }
        var searched: [String] = []
        var folder = currentFolder.standardizedFileURL
        while true {
            searched.append(folder.path)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(WorkspaceConfig.fileName).path) {
                return Workspace(root: folder, config: try WorkspaceConfig.load(path: folder.appendingPathComponent(WorkspaceConfig.fileName).path))
            }
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { break }
            folder = parent
        }
        throw WorkspaceError.notFound(searched: searched)
    }

    /// Opens the workspace at a folder named explicitly (by `--root` or `$DOCKET_ROOT`).
    static func open(_ given: String, how: String, relativeTo base: URL) throws -> Workspace {
        let url = given.hasPrefix("/") ? URL(fileURLWithPath: given) : base.appendingPathComponent(given)
        let root = url.standardizedFileURL
        if let problem = folderProblem(root) { throw WorkspaceError.badFolder(given, how: how, problem) }
        let file = root.appendingPathComponent(WorkspaceConfig.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw WorkspaceError.notAWorkspace(given, how: how) }
        return Workspace(root: root, config: try WorkspaceConfig.load(path: file.path))
    }

    /// Why `folder` cannot be a workspace folder (it, or a folder above it, is a file or missing).
    static func folderProblem(_ folder: URL) -> String? {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir) {
            return isDir.boolValue ? nil : "it is a file, not a folder"
        }
        var above = folder.deletingLastPathComponent()
        while above.path != "/" && !FileManager.default.fileExists(atPath: above.path, isDirectory: &isDir) {
            above = above.deletingLastPathComponent()
        }
        if FileManager.default.fileExists(atPath: above.path, isDirectory: &isDir), !isDir.boolValue {
            return "'\(above.path)' above it is a file, not a folder"
        }
        return "the folder does not exist"
    }

    /// Makes `folder` a workspace: writes `docket.yaml` (refusing if one is there), the council
    /// profile `profile` if given (refusing to overwrite one), and creates `cases/`. The folder
    /// is created if missing.
    @discardableResult
    public static func create(at folder: URL, config: WorkspaceConfig, profile: String? = nil) throws -> Workspace {
        let root = folder.standardizedFileURL
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), !isDir.boolValue {
            throw WorkspaceError.badFolder(folder.path, how: "init", "it is a file, not a folder")
        }
        let file = root.appendingPathComponent(WorkspaceConfig.fileName)
        if FileManager.default.fileExists(atPath: file.path) { throw WorkspaceError.exists(file.path) }
        let made = Workspace(root: root, config: config)
        if profile != nil, FileManager.default.fileExists(atPath: made.profileFile.path) { throw WorkspaceError.exists(made.profileFile.path) }
        do {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("cases"), withIntermediateDirectories: true)
        } catch {
            throw WorkspaceError.badFolder(folder.path, how: "init", folderProblem(root) ?? "it cannot be created: \(error.localizedDescription)")
        }
        if let profile { try FileIO.writeAtomically(Array(profile.utf8), to: made.profileFile, mode: 0o644) }
        try FileIO.writeAtomically(Array(config.yaml.utf8), to: file, mode: 0o644)
        return made
    }

    func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
    }

    /// The workspace's plugin folders, then those of `$DOCKET_PLUGIN_PATH` (':'-separated),
    /// then the standard plugins.
    public func pluginFolders(environment: [String: String]) -> [URL] {
        var folders = config.pluginFolders.map(resolve)
        for part in (environment["DOCKET_PLUGIN_PATH"] ?? "").split(separator: ":") where !part.isEmpty {
            folders.append(URL(fileURLWithPath: String(part)))
        }
        return Self.distinct(folders + (standard.map { [$0.plugins] } ?? []))
    }

    /// The workspace's workflow folders, then the standard workflows.
    public var workflowFolders: [URL] { Self.distinct(config.workflowFolders.map(resolve) + (standard.map { [$0.workflows] } ?? [])) }

    /// Whether `folder` is the standard workflows' or plugins' (not the workspace's own).
    public func isStandard(_ folder: URL) -> Bool {
        guard let standard, !config.workflowFolders.map(resolve).contains(folder.standardizedFileURL) else { return false }
        return folder.standardizedFileURL == standard.workflows || folder.standardizedFileURL == standard.plugins
    }

    static func distinct(_ folders: [URL]) -> [URL] {
        var seen: Set<String> = []
        return folders.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The workflow `given` names: a path to a file (relative to `currentFolder`), or a name
    /// (with or without `.yaml`) under one of the workspace's workflow folders.
    public func workflowPath(_ given: String, currentFolder: URL) throws -> String {
        let fm = FileManager.default
        let direct = given.hasPrefix("/") ? URL(fileURLWithPath: given) : currentFolder.appendingPathComponent(given)
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: direct.path, isDirectory: &isDir), !isDir.boolValue { return given.hasPrefix("/") ? given : direct.path }
        return try workflowFile(named: given)
    }

    /// The workflow file called `name` (`NAME`, `NAME.yaml` or `NAME.yml`) in the first of the
    /// workspace's workflow folders holding one; never a path (what a web form may name).
    public func workflowFile(named name: String) throws -> String {
        let fm = FileManager.default
        let stem = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name.hasSuffix(".yml") ? String(name.dropLast(4)) : name
        if !stem.isEmpty, !stem.contains("/"), stem != "..", stem != "." {
            for folder in workflowFolders {
                for ext in ["yaml", "yml"] {
                    let candidate = folder.appendingPathComponent("\(stem).\(ext)")
                    var isDir: ObjCBool = false
                    if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate.path }
                }
            }
        }
        throw WorkspaceError.noWorkflow(name, known: workflowNames(), searched: workflowFolders.map(\.path))
    }

    /// The council's profile: the workspace's (`profileFile`), else — in a workspace made
    /// before profiles — `council.yaml` in its own workflow folders; or the file `given` names
    /// (a path from `currentFolder`, or a name; without `currentFolder`, a name only).
    public func rosterPath(_ given: String? = nil, currentFolder: URL?) throws -> String {
        if given == nil {
            if FileManager.default.fileExists(atPath: profileFile.path) { return profileFile.path }
            for folder in config.workflowFolders.map(resolve) {
                let legacy = folder.appendingPathComponent("council.yaml")
                if FileManager.default.fileExists(atPath: legacy.path) { return legacy.path }
            }
            throw WorkspaceError.noProfile(profileFile.path)
        }
        guard let currentFolder else { return try workflowFile(named: given!) }
        return try workflowPath(given!, currentFolder: currentFolder)
    }

    /// The names of the workflows in the workflow folders.
    public func workflowNames() -> [String] {
        workflowFolders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        }.sorted()
    }

    /// The workflow files a name finds (`workflowFile(named:)`), one per name, in name order:
    /// the first workflow folder holding a name wins, as lookups do. Council rosters (files
    /// that begin `docket-council:`) are not workflows and are left out.
    public func workflowFiles() -> [(name: String, path: String, folder: URL)] {
        var found: [String: (name: String, path: String, folder: URL)] = [:]
        for folder in workflowFolders {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for file in names where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                let name = file.hasSuffix(".yaml") ? String(file.dropLast(5)) : String(file.dropLast(4))
                let path = folder.appendingPathComponent(file).path
                guard found[name] == nil, (try? workflowFile(named: name)) == path else { continue }
                let head = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 4096)).flatMap { $0 } ?? Data()
                if String(decoding: head, as: UTF8.self).split(separator: "\n").contains(where: { $0.hasPrefix("docket-council:") }) { continue }
                found[name] = (name, path, folder)
            }
        }
        return found.values.sorted { $0.name < $1.name }
    }
}

/// Problems finding or making a workspace, in words a clerk can act on.
public enum WorkspaceError: DocketFailure, Sendable, Equatable {
    /// No `docket.yaml` in the current folder or any folder above it, and no `--root` or `$DOCKET_ROOT`.
    case notFound(searched: [String])
    /// `--root` or `$DOCKET_ROOT` names a folder without `docket.yaml`.
    case notAWorkspace(String, how: String)
    /// `--root` or `$DOCKET_ROOT` names something that is not a usable folder.
    case badFolder(String, how: String, String)
    case exists(String)
    case noWorkflow(String, known: [String], searched: [String])
    /// The workspace has no council profile.
    case noProfile(String)

    public var description: String {
        switch self {
        case .notFound(let searched):
            let shown = searched.count > 6 ? searched.prefix(5) + ["…", searched.last!] : searched[...]
            return "no Docket workspace here: no docket.yaml in \(shown.map { TerminalText.escaped($0) }.joined(separator: ", ")). Work inside a workspace, name one, or create one"
        case .notAWorkspace(let path, let how):
            return "\(TerminalText.escaped(path)) (from \(how)) is not a Docket workspace: it has no docket.yaml. Check the path, or make the folder a workspace"
        case .badFolder(let path, let how, let why):
            return "\(TerminalText.escaped(path)) (from \(how)) cannot be a workspace folder: \(why). Check the path"
        case .exists(let path):
            return "\(TerminalText.escaped(path)) already exists: this folder is a workspace already; nothing was changed"
        case .noProfile(let path):
            return "the workspace has no council profile: \(TerminalText.escaped(path)) is missing. Write it (the council's name, organization, head, members and rules; a new workspace gets a commented one)"
        case .noWorkflow(let given, let known, let searched):
            var text = "no workflow '\(TerminalText.escaped(given))': it is neither a file nor a name in the workspace's workflow folders (\(searched.joined(separator: ", ")))"
            if let near = Suggest.nearest(to: given, among: known) { text += "; did you mean '\(near)'?" }
            else if !known.isEmpty { text += "; available: \(known.joined(separator: ", "))" }
            return text
        }
    }

    /// Not found, or (a workspace that is there already) refused.
    public var kind: FailureKind {
        switch self {
        case .exists: return .refused
        default: return .notFound
        }
    }
}
