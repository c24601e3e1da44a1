import Hummingbird
import Logging

/// One line per request: method, path (never the query: an upload's CSRF token travels
/// there), status and who. Never a header, a cookie, a form field or a body, so no password
/// or session id reaches the log.
struct RequestLog: RouterMiddleware {
    typealias Context = BoardContext

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        context.logger.info("\(request.method) \(request.uri.path) \(response.status.code)",
                            metadata: context.identity.map { ["by": .string($0.name)] } ?? [:])
        return response
    }
}
