import DocketCore
import DocketIndex
import DocketMeetings
import DocketWorkspace
import Foundation

/// What the board works with, built by the front end that starts it (`docket serve` from the
/// workspace it found, tests from a temporary workspace): the same runner, registry, meeting
/// book and index the CLI uses, so both front ends take one code path per action.
public struct BoardServices: Sendable {
    public let workspace: Workspace
    /// The runner (its store feeds the index; its registry has the built-ins and plugins).
    /// Its `user` is replaced per request by the signed-in name.
    public let runner: Runner
    public let meetingBook: MeetingBook
    public let index: any CaseIndex
    public let accounts: AccountStore
    /// How often a page may catch the index up with the journals.
    let catchUps: CatchUpGate

    public init(workspace: Workspace, runner: Runner, meetings: MeetingBook, index: any CaseIndex,
                accounts: AccountStore? = nil, catchUpInterval: Duration = .seconds(1)) {
        self.catchUps = CatchUpGate(interval: catchUpInterval)
        self.workspace = workspace
        self.runner = runner
        self.meetingBook = meetings
        self.index = index
        self.accounts = accounts ?? AccountStore(workspace: workspace.root)
    }

    public var store: CaseStore { runner.store }

    /// Catches the index up with the journals, at most once per `catchUps` interval. Every
    /// commit, the CLI's and the board's, already feeds the index; the catch-up repairs only what
    /// changed behind its back (a hand edit, a feed that failed), and costs one `stat` per case,
    /// which on every request would be most of a board page's time.
    public func catchUpIndex() throws {
        if catchUps.due() { try index.catchUp() }
    }

    /// The meeting book, for reading.
    public var meetings: MeetingBook { meetingBook }

    /// The runner acting for `identity`: what it journals carries the person's name.
    public func runner(for identity: Identity) -> Runner {
        var r = runner
        r.user = identity.name
        return r
    }

    /// The case actions, acting for `identity` (pass `by: identity.name` as well).
    public func actions(for identity: Identity) -> CaseActions {
        CaseActions(runner: runner(for: identity))
    }

    /// The meeting book acting for `identity`.
    public func meetings(for identity: Identity) -> MeetingBook {
        var book = meetingBook
        book.user = identity.name
        return book
    }
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
