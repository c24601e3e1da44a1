import Foundation

/// Counts failed sign-ins per account name and per client address and refuses further
/// attempts once either reaches its limit within the window, until the oldest failure in
/// the window has aged out. Every attempt counts as a failure from the moment it is taken
/// until it succeeds; a success clears the name's count. Kept in memory: a restart
/// forgets it, which costs an attacker a restart they cannot cause.
public actor LoginThrottle {
    public struct Refusal: Sendable, Equatable {
        /// What reached the limit: the name or the address.
        public var byName: Bool
        public var failures: Int
        public var window: Duration
        /// How long until the next attempt is taken.
        public var wait: Duration
    }

    let perName: Int
    let perAddress: Int
    let window: Duration
    let clock: @Sendable () -> ContinuousClock.Instant
    private var names: [String: [ContinuousClock.Instant]] = [:]
    private var addresses: [String: [ContinuousClock.Instant]] = [:]

    public init(perName: Int, perAddress: Int, window: Duration,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.perName = perName
        self.perAddress = perAddress
        self.window = window
        self.clock = clock
    }

    /// Takes one sign-in attempt for `name` from `address`: refused (and not counted) when
    /// either has reached its limit, else counted as a failure at once, before the password
    /// is checked, so parallel attempts cannot all pass the check while the slow bcrypt
    /// verification runs. An actor method without a suspension point: atomic.
    public func attempt(name: String, address: String?) -> Attempt {
        let now = clock()
        let key = name.lowercased()
        if let r = check(&names, key: key, limit: perName, now: now, byName: true) { return .refused(r) }
        if let address, let r = check(&addresses, key: address, limit: perAddress, now: now, byName: false) { return .refused(r) }
        names[key, default: []].append(now)
        if let address { addresses[address, default: []].append(now) }
        return .taken(Ticket(name: key, address: address, at: now))
    }

    /// The attempt of `ticket` succeeded: the name's failures are forgotten, and this attempt
    /// no longer counts against the address.
    public func succeeded(_ ticket: Ticket) {
        names[ticket.name] = nil
        if let address = ticket.address, var list = addresses[address], let i = list.firstIndex(of: ticket.at) {
            list.remove(at: i)
            addresses[address] = list.isEmpty ? nil : list
        }
    }

    /// An attempt taken: kept by the caller until the password is checked.
    public struct Ticket: Sendable, Equatable {
        let name: String
        let address: String?
        let at: ContinuousClock.Instant
    }

    public enum Attempt: Sendable, Equatable {
        case taken(Ticket)
        case refused(Refusal)
    }

    private func check(_ table: inout [String: [ContinuousClock.Instant]], key: String, limit: Int,
                       now: ContinuousClock.Instant, byName: Bool) -> Refusal? {
        var recent = (table[key] ?? []).filter { now - $0 < window }
        table[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit else { return nil }
        recent.sort()
        let wait = window - (now - recent[recent.count - limit])
        return Refusal(byName: byName, failures: recent.count, window: window, wait: wait)
    }
}

extension LoginThrottle.Refusal {
    /// The page's message: the figure, the window and the wait, in minutes (rounded up).
    public var message: String {
        let minutes = Int((Double(window.components.seconds) / 60).rounded(.up))
        let waitMinutes = max(1, Int((Double(wait.components.seconds) / 60).rounded(.up)))
        let who = byName ? "このアカウント名で" : "この接続元から"
        return "\(who)\(minutes)分間に\(failures)回ログインに失敗しました。あと約\(waitMinutes)分待ってから、もう一度お試しください。"
    }
}
