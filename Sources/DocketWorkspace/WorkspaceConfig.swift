import DocketYAML
import Foundation

/// A workspace's `docket.yaml`: which time zone its dates are in, where its council profile,
/// plugins and workflows are. Read strictly: an unknown key, a wrong type or a time zone this
/// machine does not know is an error at `file:line:column`, all of them at once. The council's
/// name and organization are the profile's (`council.yaml`); `council:` and `organization:`
/// here are allowed for older workspaces and must then agree with it.
///
///     docket-workspace: 1
///     profile: council.yaml      # the council profile, relative to the workspace (the default)
///     time-zone: Asia/Tokyo
///     plugins: [Plugins]         # folders, relative to the workspace
///     workflows: [workflows]
///     index: postgres://docket@db.example:5432/docket   # optional; else the SQLite file index.sqlite
public struct WorkspaceConfig: Sendable, Equatable {
    public static let fileName = "docket.yaml"
    public static let keys = ["docket-workspace", "profile", "council", "organization", "time-zone", "plugins", "workflows", "index"]
    public static let defaultProfile = "council.yaml"

    /// `council:` (older workspaces; the profile's `name` is the one source), or empty.
    public var council: String
    /// `organization:` (older workspaces; the profile's), or empty.
    public var organization: String
    /// The council profile, relative to the workspace folder (or absolute).
    public var profile: String = WorkspaceConfig.defaultProfile
    /// An IANA time zone name.
    public var timeZone: String
    /// Plugin folders, relative to the workspace folder (or absolute).
    public var pluginFolders: [String]
    /// Workflow folders, relative to the workspace folder (or absolute).
    public var workflowFolders: [String]
    /// The PostgreSQL server holding the case index (`index:`), or nil for the SQLite file.
    public var index: IndexURL?

    public init(council: String = "", organization: String = "", timeZone: String = "Asia/Tokyo",
                pluginFolders: [String] = ["Plugins"], workflowFolders: [String] = ["workflows"]) {
        self.council = council
        self.organization = organization
        self.timeZone = timeZone
        self.pluginFolders = pluginFolders
        self.workflowFolders = workflowFolders
    }

    /// The zone, known to be valid once loaded.
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Asia/Tokyo")! }

    /// Reads and checks `path`; throws `DiagnosticsError` listing every problem.
    public static func load(path: String) throws -> WorkspaceConfig {
        let node = try YAMLLoader().loadFile(at: path)
        var d = Diagnostics(file: path)
        var config = WorkspaceConfig()
        guard var m = StrictMapping(node, what: "the workspace file", diagnostics: &d) else {
            try d.check()
            return config
        }
        if let v = m.require("docket-workspace", "write 'docket-workspace: 1' as the first line", diagnostics: &d),
           let n = Read.int(v, "'docket-workspace' (the format version)", &d), n != 1 {
            d.error("this is workspace format \(n), but this Docket reads format 1; write 'docket-workspace: 1'", at: v.mark)
        }
        if let v = m.take("profile"), let path = Read.string(v, "'profile' (the council profile's file)", &d) {
            if path.trimmingCharacters(in: .whitespaces).isEmpty { d.error("'profile' is blank; write a path relative to the workspace, e.g. council.yaml", at: v.mark) }
            else { config.profile = path }
        }
        if let v = m.take("council") { config.council = Read.string(v, "'council'", &d) ?? "" }
        if let v = m.take("organization") { config.organization = Read.string(v, "'organization'", &d) ?? "" }
        if let v = m.take("time-zone"), let zone = Read.string(v, "'time-zone'", &d) {
            if TimeZone(identifier: zone) == nil {
                var message = "'time-zone' is '\(zone)', which is not a time zone name this machine knows; write one such as Asia/Tokyo"
                if let near = Suggest.nearest(to: zone, among: TimeZone.knownTimeZoneIdentifiers) { message += " (did you mean '\(near)'?)" }
                d.error(message, at: v.mark)
            } else {
                config.timeZone = zone
            }
        }
        func folders(_ key: String) -> [String]? {
            guard let v = m.take(key) else { return nil }
            guard let items = Read.list(v, "'\(key)' (a list of folders)", &d) else { return nil }
            return items.compactMap { item in
                guard let text = Read.string(item, "a folder in '\(key)'", &d) else { return nil }
                if text.trimmingCharacters(in: .whitespaces).isEmpty {
                    d.error("a folder in '\(key)' is blank; write a path relative to the workspace", at: item.mark)
                    return nil
                }
                return text
            }
        }
        if let f = folders("plugins") { config.pluginFolders = f }
        if let f = folders("workflows") { config.workflowFolders = f }
        if let v = m.take("index"), let text = Read.string(v, "'index' (a postgres:// URL)", &d) {
            switch IndexURL.parse(text) {
            case .success(let url): config.index = url
            case .failure(let problem): d.error(problem.message, at: v.mark)
            }
        }
        m.rejectUnknown(known: keys, diagnostics: &d)
        try d.check()
        return config
    }

    /// The file `docket init` writes (the council's names are in the profile, not here).
    public var yaml: String {
        let quoted = YAMLText.quoted
        func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }
        return """
            # Docket workspace: cases/ and archives/ live beside this file. Commands run anywhere
            # below this folder find it (or give --root DIR, or set $DOCKET_ROOT).
            docket-workspace: 1
            # The council profile: its name, organization, head, members and rules.
            profile: \(quoted(profile))\(council.isEmpty ? "" : "\ncouncil: \(quoted(council))")\(organization.isEmpty ? "" : "\norganization: \(quoted(organization))")
            # Dates and times are shown in this zone.
            time-zone: \(quoted(timeZone))
            # Folders of department plugins and of workflow definitions, relative to this file.
            plugins: \(list(pluginFolders))
            workflows: \(list(workflowFolders))

            """
    }
}
