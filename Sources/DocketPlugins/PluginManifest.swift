import DocketCore
import DocketYAML
import Foundation

/// A department plugin's `plugin.yaml`:
///
///     docket-plugin: 1              # the protocol version it speaks
///     name: personal-data-scan      # what workflows write in `uses:`
///     description: …
///     version: 1.0.0
///     run: [python3, scan.py]       # command and arguments; a relative command is in the folder
///     timeout: 60s
///     env: [LANG]                   # environment variables passed through (nothing else is)
///     with: {NAME: {type, required, default, description, values, items}}
///     waits-for: {…}                # what a person records, if the step waits
///     outputs: [NAME, …]            # the outputs it gives, for reference checks
///     sample: {…}                   # a sample `with:` for `docket plugins check`
///     max-output: 1048576           # bytes of standard output accepted
///     max-files: 1000               # output limits (defaults; raise up to OutputLimits.ceiling)
///     max-bytes: 536870912
///     max-file-size: 268435456
///     isolation: bubblewrap         # refuse to run under anything weaker
public struct PluginManifest: Sendable {
    public var folder: URL
    public var file: String
    public var name: String
    public var description: String
    public var version: String
    public var protocolVersion: Int
    public var run: [String]
    public var timeout: Double
    public var env: [String]
    public var withSchema: Schema
    public var waitsFor: Schema?
    public var outputs: [String]?
    public var sample: [String: Value]
    public var maxOutput: Int
    public var limits = OutputLimits.defaults
    /// The isolation the plugin requires, if any (`bubblewrap`: it never runs in process mode).
    public var requires: Isolation?

    public static let protocolVersions = [1]
    static let keys = ["docket-plugin", "name", "description", "version", "run", "timeout", "env", "with", "waits-for",
                       "outputs", "sample", "max-output",
                       "max-files", "max-bytes", "max-file-size", "isolation"]

    /// Loads and checks `folder/plugin.yaml`; throws `DiagnosticsError` with every problem's place.
    public static func load(folder: URL) throws -> PluginManifest {
        let file = folder.appendingPathComponent("plugin.yaml").path
        let node = try YAMLLoader().loadFile(at: file)
        var d = Diagnostics(file: file)
        var m = PluginManifest(folder: folder, file: file, name: "", description: "", version: "", protocolVersion: 1, run: [],
                               timeout: 60, env: [], withSchema: .empty, waitsFor: nil, outputs: nil, sample: [:], maxOutput: 1 << 20)
        guard var map = StrictMapping(node, what: "the plugin manifest", diagnostics: &d) else { try d.check(); return m }
        if let v = map.require("docket-plugin", "the protocol version, 'docket-plugin: 1'", diagnostics: &d), let n = Read.int(v, "'docket-plugin'", &d) {
            if !protocolVersions.contains(n) { d.error("this plugin speaks protocol \(n); this Docket speaks \(protocolVersions.map(String.init).joined(separator: ", "))", at: v.mark) }
            m.protocolVersion = n
        }
        if let v = map.require("name", "the name workflows use in 'uses:'", diagnostics: &d), let name = Read.string(v, "'name'", &d) {
            if Workflow.isStepID(name) { m.name = name } else { d.error("'name' must be lowercase letters, digits and '-', not '\(name)'", at: v.mark) }
        }
        if let v = map.require("description", "one line saying what the step does", diagnostics: &d) { m.description = Read.string(v, "'description'", &d) ?? "" }
        if let v = map.require("version", "the plugin's own version, e.g. 1.0.0", diagnostics: &d) { m.version = Read.text(v, "'version'", &d) ?? "" }
        if let v = map.require("run", "the command to run, e.g. [python3, scan.py]", diagnostics: &d) {
            if let text = v.scalarText, v.resolved != .null { m.run = text.split(separator: " ").map(String.init) }
            else if let items = Read.list(v, "'run'", &d) { m.run = items.compactMap { Read.text($0, "an item of 'run'", &d) } }
            if m.run.isEmpty { d.error("'run' names no command", at: v.mark) }
        }
        if let v = map.take("timeout") { m.timeout = WorkflowLoader.parseDuration(v, what: "'timeout'", diagnostics: &d) ?? 60 }
        if let v = map.take("env"), let items = Read.list(v, "'env'", &d) { m.env = items.compactMap { Read.text($0, "an item of 'env'", &d) } }
        if let v = map.take("with"), v.resolved != .null || v.scalarText == nil { m.withSchema = Schema.declared(from: v, what: "'with'", diagnostics: &d) }
        if let v = map.take("waits-for") { m.waitsFor = Schema.declared(from: v, what: "'waits-for'", diagnostics: &d) }
        if let v = map.take("outputs"), let items = Read.list(v, "'outputs'", &d) { m.outputs = items.compactMap { Read.text($0, "an output name", &d) } }
        if let v = map.take("sample") { m.sample = SchemaCheck.decode(v, against: m.withSchema, what: "'sample'", diagnostics: &d) }
        if let v = map.take("max-output"), let n = Read.int(v, "'max-output'", &d) {
            if n < 1024 || n > 64 << 20 { d.error("'max-output' must be between 1024 and 67108864 bytes", at: v.mark) } else { m.maxOutput = n }
        }
        for (key, path, ceiling) in [("max-files", \OutputLimits.files, OutputLimits.ceiling.files),
                                     ("max-bytes", \OutputLimits.bytes, OutputLimits.ceiling.bytes),
                                     ("max-file-size", \OutputLimits.fileSize, OutputLimits.ceiling.fileSize)] {
            guard let v = map.take(key), let n = Read.int(v, "'\(key)'", &d) else { continue }
            if n < 1 || Int64(n) > ceiling { d.error("'\(key)' must be between 1 and \(ceiling)", at: v.mark) } else { m.limits[keyPath: path] = Int64(n) }
        }
        if let v = map.take("isolation"), let text = Read.text(v, "'isolation'", &d) {
            if let i = Isolation(rawValue: text) { m.requires = i } else { d.error("'isolation' must be process or bubblewrap, not '\(text)'", at: v.mark) }
        }
        map.rejectUnknown(known: keys, diagnostics: &d)
        try d.check()
        return m
    }
}

/// What a plugin may leave in its output folder. Checked with lstat, before anything is read.
public struct OutputLimits: Sendable, Equatable {
    public var files: Int64
    public var bytes: Int64
    public var fileSize: Int64

    /// Enough for any council document set; a plugin.yaml raises them within `ceiling`.
    public static let defaults = OutputLimits(files: 1000, bytes: 512 << 20, fileSize: 256 << 20)
    public static let ceiling = OutputLimits(files: 100_000, bytes: 16 << 30, fileSize: 4 << 30)
}

/// Finds plugins in `Plugins/` and in each folder of `$DOCKET_PLUGIN_PATH`.
public enum PluginDiscovery {
    /// The folders searched, in order.
    public static func searchPath(projectFolder: URL, environment: [String: String]) -> [URL] {
        var folders = [projectFolder.appendingPathComponent("Plugins")]
        for part in (environment["DOCKET_PLUGIN_PATH"] ?? "").split(separator: ":") where !part.isEmpty {
            folders.append(URL(fileURLWithPath: String(part)))
        }
        return folders
    }

    /// Every plugin found, and the problems of those that could not be loaded (a broken manifest,
    /// or a name clashing with a built-in step or another plugin; both places are named).
    /// `environment`: Docket's own, from which plugins take their `env:` and bwrap is found.
    /// A plugin in one of `standard` (the plugins that ship with Docket) yields to a plugin of
    /// the same name found before it: the workspace's own overrides the standard one.
    public static func discover(in folders: [URL], builtins: StepRegistry, isolation: Isolation,
                                environment: [String: String] = ProcessInfo.processInfo.environment,
                                standard: [URL] = []) -> (registry: StepRegistry, plugins: [PluginManifest], problems: [String]) {
        var registry = builtins
        var plugins: [PluginManifest] = []
        var problems: [String] = []
        let yielding = Set(standard.map(\.standardizedFileURL.path))
        for folder in folders {
            guard let names = try? FileIO.names(in: folder) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") {
                let plugin = folder.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: plugin.appendingPathComponent("plugin.yaml").path) else { continue }
                do {
                    let manifest = try PluginManifest.load(folder: plugin)
                    if yielding.contains(folder.standardizedFileURL.path), plugins.contains(where: { $0.name == manifest.name }) { continue }
                    try registry.register(PluginStep(manifest: manifest, isolation: isolation, environment: environment), origin: "the plugin in \(plugin.path)")
                    plugins.append(manifest)
                } catch {
                    problems.append("\(error)")
                }
            }
        }
        return (registry, plugins, problems)
    }
}
