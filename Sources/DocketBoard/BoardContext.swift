import DocketAccounts
import Foundation
import Hummingbird
import HummingbirdAuth

/// What a board session keeps (in the session store, behind an HttpOnly, SameSite=Strict
/// cookie): who signed in (nil before sign-in), the account's session epoch at sign-in, and
/// the CSRF token every form carries. The account itself is read afresh on each request, so
/// a disabled account, a changed password or changed roles end the session at once.
public struct BoardSession: Codable, Sendable, Equatable {
    public var name: String?
    public var epoch: Int
    public var csrf: String

    public init(name: String? = nil, epoch: Int = 0, csrf: String = BoardSession.newToken()) {
        self.name = name
        self.epoch = epoch
        self.csrf = csrf
    }

    /// 32 random bytes, hex.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}

/// The per-request context: Hummingbird's core storage, the signed-in identity, the session,
/// and an HTML-form decoder (the board posts forms, never JSON).
public struct BoardContext: AuthRequestContext, SessionRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    public let sessions: SessionContext<BoardSession>
    /// The address of the client (or of the proxy in front of the board).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        sessions = .init()
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    public var requestDecoder: URLEncodedFormDecoder { URLEncodedFormDecoder() }

    /// The session's CSRF token (empty before a session exists).
    public var csrf: String { sessions.session?.csrf ?? "" }

    /// The signed-in identity; a route reached without one is a programming error (the
    /// group's `RequireSignIn` runs first), answered as "sign in".
    public func user() throws -> Identity {
        guard let identity else { throw BoardError.signInRequired }
        return identity
    }
}
