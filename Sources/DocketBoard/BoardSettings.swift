import Foundation

/// How the board runs: where it listens, how its cookies are marked, where its templates
/// are, and its limits. The CLI fills it from `docket serve`'s options; tests use the defaults.
public struct BoardSettings: Sendable {
    /// Address and port to listen on (`--listen 127.0.0.1:8080`).
    public var host = "127.0.0.1"
    public var port = 8080
    /// Mark the session cookie `Secure`: set it when the board is reached over HTTPS (behind
    /// a TLS reverse proxy); browsers then never send the cookie over plain HTTP.
    public var secureCookies = false
    /// The board's origin as browsers reach it (`https://board.example.jp`), behind a reverse
    /// proxy that changes the scheme, host or port; a POST whose `Origin` is not this is
    /// refused. Without it, the request's `Host` over http (https with `secureCookies`).
    public var publicOrigin: WebOrigin?
    /// Take the client's address from the proxy's `X-Forwarded-For` (its last entry) for login
    /// throttling: set it only behind a reverse proxy that sets that header.
    public var trustForwardedFor = false
    /// Templates that override the bundled ones, one `NAME.mustache` per page (default
    /// `board/templates` in the workspace); the bundled ones fill the rest.
    public var templatesFolder: URL?
    /// How long a session lasts without signing in again.
    public var sessionLifetime: Duration = .seconds(8 * 60 * 60)
    /// bcrypt cost for new passwords (10 or more).
    public var bcryptCost: UInt8 = 12
    /// Failed sign-ins allowed per name, and per client address, within `throttleWindow`
    /// before further attempts wait until the window has passed.
    public var failuresPerName = 5
    public var failuresPerAddress = 20
    public var throttleWindow: Duration = .seconds(15 * 60)
    /// Largest upload accepted, in bytes (per request).
    public var maxUploadBytes = 100 * 1024 * 1024

    public init() {}

    /// Parses `HOST:PORT` (IPv6 as `[::1]:8080`); nil when it is not one.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        var hostPart: Substring, portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (1...65535).contains(port) else { return nil }
        return (String(hostPart), port)
    }
}
