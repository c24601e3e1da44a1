import HTTPTypes
import Hummingbird

/// Adds the usual protective headers to every response, error pages and redirects included:
/// a Content-Security-Policy that allows nothing but the board's own files and no inline
/// script, no framing, no MIME sniffing, no referrer, and `no-store` on pages (they show
/// personal data; a shared browser's back button must not replay them). A route may set its
/// own stricter CSP first (a document served as `sandbox`); it is kept.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = BoardContext

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response.headers)
        return response
    }

    static func apply(to headers: inout HTTPFields) {
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = contentSecurityPolicy }
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.xFrameOptions] = "DENY"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}
