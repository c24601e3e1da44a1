import DocketAccounts
import DocketCore
import DocketIndex
import DocketMeetings
import DocketServices
import DocketWorkspace
import Foundation

/// What the board works with: Docket's services (`DocketServices`, the very value `docket`
/// builds for its commands, so both front ends take one code path per action), the index
/// opened once for the board's pages, and the accounts.
public struct BoardServices: Sendable {
    public let docket: DocketServices
    public let index: any CaseIndex
    /// One store for the board's life: it caches the account file between requests.
    public let accounts: AccountStore
    /// How often a page may catch the index up with the journals.
    let catchUps: CatchUpGate
    /// Times on pages, in the workspace's time zone.
    public let dates: DateText
    /// Workflow snapshots' step lists, read once per snapshot (cases share workflows).
    let workflowSteps = WorkflowSteps()

    /// The board over `docket`; `index` (default: the workspace's, opened now) answers pages.
    public init(_ docket: DocketServices, index: (any CaseIndex)? = nil, catchUpInterval: Duration = .seconds(1)) throws {
        self.docket = docket
        self.index = try index ?? docket.openIndex()
        self.accounts = docket.accounts
        self.catchUps = CatchUpGate(interval: catchUpInterval)
        self.dates = DateText(zone: docket.council.timeZone)
    }

    public var workspace: Workspace { docket.workspace }
    /// The runner (its store feeds the index; its registry has the built-ins and plugins),
    /// acting as the services' user; `runner(for:)` acts for a signed-in person.
    public var runner: Runner { docket.runner }
    public var store: CaseStore { docket.store }

    /// Catches the index up with the journals, at most once per `catchUps` interval. Every
    /// commit, the CLI's and the board's, already feeds the index; the catch-up repairs only what
    /// changed behind its back (a hand edit, a feed that failed), and costs one `stat` per case,
    /// which on every request would be most of a board page's time.
    public func catchUpIndex() throws {
        if catchUps.due() { try index.catchUp() }
    }

    /// The meeting book, for reading.
    public var meetings: MeetingBook { docket.meetings }

    /// The runner acting for `identity`: what it journals carries the person's name.
    public func runner(for identity: Identity) -> Runner { docket.runner(by: identity.name) }

    /// The case actions, acting for `identity` (pass `by: identity.name` as well).
    public func actions(for identity: Identity) -> CaseActions { docket.actions(by: identity.name) }

    /// The meeting book acting for `identity`.
    public func meetings(for identity: Identity) -> MeetingBook { docket.meetings(by: identity.name) }
}

/// Lets one caller through per interval (the others go on without waiting).
final class CatchUpGate: @unchecked Sendable {
    private let lock = NSLock()
    private var last: ContinuousClock.Instant?
    let interval: Duration

    init(interval: Duration) { self.interval = interval }

    /// True when the interval has passed since the last caller it let through.
    func due() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        if let last, now - last < interval { return false }
        last = now
        return true
    }
}
