import DocketCore
import DocketCouncil
import DocketWorkspace
import DocketYAML
import Foundation

/// The council's defaults, from its profile (`council.yaml`), docket.yaml and the environment:
/// what documents, archives and pages name when nothing more particular is given.
public struct CouncilDefaults: Sendable, Equatable {
    /// The council's name (the profile's `name`), or empty.
    public var council: String
    /// The organization (the profile's `organization`), or empty.
    public var organization: String
    /// The profile, if the workspace has one.
    public var profile: CouncilRoster?
    /// Its file.
    public var profilePath: String?
    /// `$DOCKET_ORGANIZATION`, if set.
    var organizationOverride: String?
    /// The time zone times are shown in (docket.yaml `time-zone`).
    public var timeZone: TimeZone

    /// The defaults of a workspace without a profile file: docket.yaml's names only.
    public init(config: WorkspaceConfig, profile: CouncilRoster? = nil, environment: [String: String]) {
        council = profile.map(\.name).flatMap { $0.isEmpty ? nil : $0 } ?? config.council
        organization = profile.map(\.organization).flatMap { $0.isEmpty ? nil : $0 } ?? config.organization
        self.profile = profile
        timeZone = config.zone
        organizationOverride = environment["DOCKET_ORGANIZATION"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads the workspace's profile (if it has one) and checks that docket.yaml, where it
    /// still names the council or the organization, names the same: one source, no second copy.
    public static func load(workspace: Workspace, environment: [String: String]) throws -> CouncilDefaults {
        guard let path = try? workspace.rosterPath(currentFolder: nil) else {
            return CouncilDefaults(config: workspace.config, environment: environment)
        }
        let profile = try CouncilRoster.load(path: path)
        for (key, ours, theirs) in [("council", workspace.config.council, profile.name), ("organization", workspace.config.organization, profile.organization)]
        where !ours.isEmpty && !theirs.isEmpty && ours != theirs {
            throw ProfileDisagreement(key: key, workspaceFile: workspace.configFile.path, workspaceValue: ours,
                                      profileFile: path, profileValue: theirs)
        }
        var defaults = CouncilDefaults(config: workspace.config, profile: profile, environment: environment)
        defaults.profilePath = path
        return defaults
    }

    /// `Source-Organization` of archives: `$DOCKET_ORGANIZATION`, else the profile's
    /// secretariat (「<council> 事務局」 unless it names one), else the organization, else `Docket`.
    public var sourceOrganization: String { sourceOrganization(council: nil) }

    /// The secretariat: the profile's, else that of the council docket.yaml names, or empty.
    public var secretariat: String {
        profile.map(\.secretariat).flatMap { $0.isEmpty ? nil : $0 } ?? CouncilRoster.secretariat(of: council)
    }

    /// The same, with `fallbackCouncil` (a roster's name) for a workspace that names none.
    public func sourceOrganization(council fallbackCouncil: String?) -> String {
        if let organizationOverride { return organizationOverride }
        let sender = secretariat.isEmpty ? CouncilRoster.secretariat(of: fallbackCouncil ?? "") : secretariat
        if !sender.isEmpty { return sender }
        return organization.isEmpty ? "Docket" : organization
    }

    /// What templates see as `workspace.NAME` (`TemplateReferences.workspaceNames`).
    public var workspaceValues: [String: Value] {
        [
            "council": .string(council), "organization": .string(organization),
            "head": .string(profile?.head ?? ""), "addressee": .string(profile?.addressee ?? ""),
            "secretariat": .string(secretariat),
            "executive_side": .string(profile?.executiveSide ?? "執行機関側"),
        ]
    }
}

/// docket.yaml names a council or organization other than the profile's.
public struct ProfileDisagreement: DocketFailure, Equatable {
    public var key: String
    public var workspaceFile: String
    public var workspaceValue: String
    public var profileFile: String
    public var profileValue: String

    public var kind: FailureKind { .badInput }

    public var description: String {
        "\(TerminalText.escaped(workspaceFile)) says \(key): \(TerminalText.escaped(workspaceValue)), but the council profile \(TerminalText.escaped(profileFile)) says \(TerminalText.escaped(profileValue)): the profile is the one source; delete '\(key)' from docket.yaml (or correct the profile)"
    }
}
