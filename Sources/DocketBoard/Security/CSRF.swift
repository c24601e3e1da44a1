import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Refuses a POST that does not carry the session's CSRF token (403, nothing done), and bounds
/// and reads the body of every URL-encoded POST before anything else looks at it.
///
/// Forms posted as `application/x-www-form-urlencoded` carry the token as the hidden field
/// `csrf`: the body, at most `maxFormBytes`, is read here and handed on (a larger one is 413,
/// a broken one, such as a bad chunk size, 400: never a 500, and never a sign-in attempt).
/// Multipart forms (uploads) carry it in the action's query (`?csrf=…`), so that a large upload
/// is not read twice; with the session cookie being SameSite=Strict, another site cannot post
/// with it in any case. A request whose `Origin` is not the board's own — scheme, host and
/// port, as `BoardSettings.publicOrigin` gives it behind a proxy — is refused too.
struct CSRFCheck: RouterMiddleware {
    typealias Context = BoardContext
    /// The largest URL-encoded form read.
    static let maxFormBytes = 1024 * 1024
    /// The board's own origin when configured (behind a reverse proxy); else the request's
    /// `Host` over `scheme`.
    let publicOrigin: WebOrigin?
    let scheme: String

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        // `Origin: null` is what a browser sends under `Referrer-Policy: no-referrer`: the token decides.
        if let origin = request.headers[.origin], origin != "null" {
            guard let own = publicOrigin ?? request.head.authority.flatMap({ WebOrigin(scheme: scheme, authority: $0) }),
                  WebOrigin(origin) == own else { throw BoardError.csrf }
        }
        var request = request
        let expected = context.csrf
        var given: String?
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            given = request.uri.queryParameters.get("csrf")
        } else {
            let body = try await Self.readForm(&request)
            given = Self.field("csrf", in: String(buffer: body))
        }
        guard !expected.isEmpty, let given, Self.constantTimeEqual(given, expected) else { throw BoardError.csrf }
        return try await next(request, context)
    }

    /// Reads a URL-encoded body of at most `maxFormBytes` (refused from its Content-Length
    /// before a byte is read) and leaves it on the request for the route.
    static func readForm(_ request: inout Request) async throws -> ByteBuffer {
        let limit = maxFormBytes
        if let length = request.headers[.contentLength], let bytes = Int64(length), bytes > Int64(limit) {
            throw BoardError.tooLarge(what: "フォームの内容", limit: limit)
        }
        do {
            return try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw BoardError.tooLarge(what: "フォームの内容", limit: limit)
        } catch {
            throw BoardError.badRequest("送信されたデータの形式が正しくないため、読めませんでした（途中で切れたか、壊れています）。ページを開き直して、もう一度送信してください。")
        }
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
