import Foundation
import HTTPTypes
import Hummingbird

/// Refuses a POST that does not carry the session's CSRF token (403, nothing done).
///
/// Forms posted as `application/x-www-form-urlencoded` carry it as the hidden field `csrf`:
/// the body (small) is read here and handed on. Multipart forms (uploads) carry it in the
/// action's query (`?csrf=…`), so that a large upload is not read twice; with the session
/// cookie being SameSite=Strict, another site cannot post with it in any case. A request
/// whose `Origin` names another host is refused too.
struct CSRFCheck: RouterMiddleware {
    typealias Context = BoardContext
    /// The largest URL-encoded form read to find the token.
    static let maxFormBytes = 1024 * 1024

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        // `Origin: null` is what a browser sends under `Referrer-Policy: no-referrer`: no host to compare.
        if let origin = request.headers[.origin], origin != "null", let host = request.head.authority,
           URL(string: origin)?.host.map({ Self.hostPart(host) == $0 }) != true {
            throw BoardError.csrf
        }
        var request = request
        let expected = context.csrf
        var given: String?
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            given = request.uri.queryParameters.get("csrf")
        } else {
            let body = try await request.collectBody(upTo: Self.maxFormBytes)
            given = Self.field("csrf", in: String(buffer: body))
        }
        guard !expected.isEmpty, let given, Self.constantTimeEqual(given, expected) else { throw BoardError.csrf }
        return try await next(request, context)
    }

    /// `host:port` → `host` (IPv6 brackets removed).
    static func hostPart(_ host: String) -> String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[host.index(after: host.startIndex)..<close]) }
        return String(host.split(separator: ":").first ?? "")
    }

    /// The first value of `name` in a URL-encoded body.
    static func field(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
