import DocketAccounts
import DocketArchive
import DocketCore
import DocketCouncil
import DocketIndex
import DocketMeetings
import DocketPlugins
import DocketSeal
import DocketSteps
import DocketWorkspace
import Foundation

/// Everything Docket runs with, assembled once from a workspace: the step registry (built-ins,
/// the archive step and the workspace's plugins), the index backend and the case store that
/// feeds it, the meeting book, the accounts, and the council's defaults. `docket`, `docket
/// serve`, the demo and the tests all build this one value, so every front end runs the same
/// steps on the same store with the same defaults; none assembles them itself.
public struct DocketServices: Sendable {
    public let workspace: Workspace
    /// The environment Docket was started with (plugin path and isolation, index password,
    /// archive password, organization): read here, once, never deeper down.
    public let environment: [String: String]
    /// The folder paths given on a command line are relative to.
    public let currentFolder: URL
    /// Who acts (the journal's `by`) unless an action names someone else.
    public let user: String
    public let indexBackend: IndexBackend
    public let council: CouncilDefaults
    public let clock: @Sendable () -> Date

    /// The services of `workspace`; its council profile is read (strictly) here, so a broken
    /// `council.yaml`, or a docket.yaml that names another council, stops every command at once.
    public init(workspace given: Workspace, environment: [String: String], currentFolder: URL, user: String,
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        var located = given
        if located.standard == nil { located.standard = StandardFiles.locate(environment: environment) }
        let workspace = located
        self.workspace = workspace
        self.environment = environment
        self.currentFolder = currentFolder
        self.user = user
        self.clock = clock
        let council = try CouncilDefaults.load(workspace: workspace, environment: environment)
        self.council = council
        let profile = CouncilProfileSource(path: council.profilePath)
        discovered = Once { StepTypes.discover(in: workspace, environment: environment, currentFolder: currentFolder, council: council, profile: profile) }
        indexBackend = IndexBackend(config: workspace.config, environment: environment)
    }

    /// The step types, found on first use: a command that only reads the index or the cases
    /// never reads the plugin folders.
    public var stepTypes: StepTypes { discovered.value }
    private let discovered: Once<StepTypes>

    /// The services of the workspace `rootOption`, `$DOCKET_ROOT` or the current folder names
    /// (see `Workspace.locate`).
    public static func locate(rootOption: String?, environment: [String: String], currentFolder: URL,
                              user: String) throws -> DocketServices {
        let workspace = try Workspace.locate(rootOption: rootOption, environment: environment, currentFolder: currentFolder)
        return try DocketServices(workspace: workspace, environment: environment, currentFolder: currentFolder, user: user)
    }

    public var registry: StepRegistry { stepTypes.registry }

    /// The council's electronic seal (`seal/`), used by Docket's own signer from the standard files.
    public var seal: SealStore {
        SealStore(root: workspace.root, tool: SealTool(standardFolder: workspace.standard?.folder ?? workspace.root, environment: environment))
    }

    /// The workspace's cases; every commit feeds the index (see `CaseIndexes.fed`).
    public var store: CaseStore { CaseIndexes.fed(workspace.store, backend: indexBackend) }

    /// The runner acting as `user`.
    public var runner: Runner { runner(by: user) }

    /// The runner acting as `name`: what it journals carries that name.
    public func runner(by name: String) -> Runner {
        var runner = Runner(store: store, registry: registry, user: name, clock: clock)
        runner.workspaceValues = council.workspaceValues
        return runner
    }

    /// The case actions, acting as `name` (`CaseActions`).
    public func actions(by name: String) -> CaseActions { CaseActions(runner: runner(by: name)) }

    /// The meetings, acting as `user`.
    public var meetings: MeetingBook { meetings(by: user) }

    public func meetings(by name: String) -> MeetingBook {
        MeetingBook(root: workspace.root, user: name, council: council.council.isEmpty ? nil : council.council,
                    templates: workspace.workflowFolders, clock: clock)
    }

    /// The board's accounts (`board/users.json`).
    public var accounts: AccountStore { AccountStore(workspace: workspace.root) }

    /// The answers register (答申番号).
    public var answerRegister: AnswerRegister { AnswerRegister(root: workspace.root) }

    /// The archiver, naming the council's organization in bag-info.txt.
    public func archiver(organization: String? = nil) -> Archiver {
        Archiver(store: store, organization: organization ?? council.sourceOrganization)
    }

    /// The index, opened for reading (made from the journals first if there is none).
    public func openIndex() throws -> OpenedIndex {
        try CaseIndexes.open(store: store, backend: indexBackend)
    }

    /// The workflow `given` names: a file (relative to `currentFolder`) or a name in the
    /// workspace's workflow folders.
    public func workflowPath(_ given: String) throws -> String {
        try workspace.workflowPath(given, currentFolder: currentFolder)
    }

    /// The workflow called `name` in the workspace's workflow folders (never a path: what a
    /// web form names), loaded and checked against the registry.
    public func workflow(named name: String) throws -> (path: String, workflow: Workflow) {
        let path = try workspace.workflowFile(named: name)
        return (path, try WorkflowLoader(registry: registry).load(path: path))
    }

    /// The council's profile (`Workspace.rosterPath`), or the file `given` names.
    public func rosterPath(_ given: String? = nil) throws -> String {
        try workspace.rosterPath(given, currentFolder: currentFolder)
    }

    /// The workspace's profile, never a path a request names, for the board.
    public func rosterPathByName() throws -> String {
        try workspace.rosterPath(nil, currentFolder: nil)
    }

    /// Today in the council's time zone, `YYYY-MM-DD`.
    public var today: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = council.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: clock())
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// The council profile's history (`registers/council.jsonl`).
    public var councilHistory: CouncilHistory { CouncilHistory(root: workspace.root) }

    /// Records the council profile if it changed since the last version recorded (who: the
    /// services' user; when: now); nil when nothing changed or there is no profile.
    @discardableResult
    public func recordProfileChange() throws -> CouncilHistory.Entry? {
        guard let path = council.profilePath else { return nil }
        return try councilHistory.record(profileAt: path, by: user, now: clock())
    }

    /// The personal-data check the minutes must pass, if the workspace has it.
    public var personalDataCheck: (any Step)? { registry["personal-data-scan"] }

    /// What publishing minutes runs: the personal-data check, the PDF/A rendition, the seal.
    public var minutesTools: MinutesTools {
        MinutesTools(checker: personalDataCheck, renderer: registry["pdf-render"], sealer: registry["seal"])
    }
}

/// A value made on first use, once, shared by every copy of the struct holding it.
final class Once<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var made: Value?
    private let make: @Sendable () -> Value

    init(_ make: @escaping @Sendable () -> Value) {
        self.make = make
    }

    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let value = make()
        made = value
        return value
    }
}
