import Foundation

/// Counts failed sign-ins per account name and per client address and refuses further
/// attempts once either reaches its limit within the window, until the oldest failure in
/// the window has aged out. A success clears the name's count. Kept in memory: a restart
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

    /// Why an attempt for `name` from `address` is refused now, or nil.
    public func refusal(name: String, address: String?) -> Refusal? {
        let now = clock()
        if let r = check(&names, key: name.lowercased(), limit: perName, now: now, byName: true) { return r }
        if let address, let r = check(&addresses, key: address, limit: perAddress, now: now, byName: false) { return r }
        return nil
    }

    public func failed(name: String, address: String?) {
        let now = clock()
        names[name.lowercased(), default: []].append(now)
        if let address { addresses[address, default: []].append(now) }
    }

    public func succeeded(name: String) {
        names[name.lowercased()] = nil
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
