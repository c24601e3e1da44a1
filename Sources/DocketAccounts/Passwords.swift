import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing and checking, off Swift's cooperative pool: a check costs tens of
/// milliseconds of CPU by design, which would stall every other request on that thread, so it
/// runs on NIO's blocking thread pool (as hummingbird-auth's `BcryptPasswordVerifier` does).
public struct Passwords: Sendable {
    /// bcrypt cost for new hashes (2^cost rounds); at least 10.
    public let cost: UInt8
    /// A hash to check unknown names against, so that "no such account" takes as long as
    /// "wrong password" and a name cannot be probed by timing.
    private let decoy: String

    public init(cost: UInt8 = 12) {
        self.cost = max(cost, 10)
        decoy = Bcrypt.hash("decoy password, never matches", cost: max(cost, 10))
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (no such account) checks the decoy and
    /// answers false.
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let target = hash ?? decoy
        let ok = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return hash != nil && ok
    }

    /// For the CLI (no event loop to spare): hashes on the calling thread.
    public func hashNow(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }
}
