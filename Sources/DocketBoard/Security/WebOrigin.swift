import Foundation

/// An origin as browsers compare them (RFC 6454): scheme, host and port, the port made explicit
/// (80 for http, 443 for https), scheme and host lower-cased, IPv6 brackets removed.
public struct WebOrigin: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int

    /// `scheme://host[:port]` with nothing after it but an optional `/`; nil for anything else
    /// (`null`, a path, user info, a scheme other than http or https).
    public init?(_ text: String) {
        var trimmed = Substring(text)
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let components = URLComponents(string: String(trimmed)), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
              components.path.isEmpty, components.query == nil, components.fragment == nil,
              components.user == nil, components.password == nil else { return nil }
        self.init(scheme: scheme, host: host, port: components.port ?? (scheme == "https" ? 443 : 80))
    }

    /// The origin of a request's `Host` (`authority`) as reached over `scheme`.
    public init?(scheme: String, authority: String) {
        self.init("\(scheme)://\(authority)")
    }

    public init(scheme: String, host: String, port: Int) {
        self.scheme = scheme.lowercased()
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = port
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let standard = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
        return "\(scheme)://\(shownHost)" + (standard ? "" : ":\(port)")
    }
}
