import DocketArchive
import DocketCore
import DocketIndex
import DocketMeetings
import DocketWorkspace
import DocketYAML
import HTTPTypes
import Hummingbird
import NIOCore

/// Refusals the board itself makes, and Docket's own errors as the board shows them. The
/// `ErrorPages` middleware renders each as the error page (with the person's navigation) at
/// the HTTP status of its kind (`FailureKind.httpStatus`, the table the CLI's exit codes share).
public enum BoardError: Error, Sendable, Equatable {
    /// Nobody is signed in: answered by a redirect to /login, not a page.
    case signInRequired
    /// The person's roles or scope do not admit the route or the case.
    case forbidden(String)
    /// A POST without the session's CSRF token.
    case csrf
    case notFound(String)
    /// Bad input the board found before calling the library (422).
    case invalid(String)
    /// A request body over the board's limit for it (413), refused before it is read.
    case tooLarge(what: String, limit: Int)
    /// A request the board cannot read at all: a broken body, a bad chunk (400).
    case badRequest(String)
    /// A Docket error, with its message and kind.
    case docket(message: String, kind: FailureKind)

    public var status: HTTPResponse.Status {
        switch self {
        case .signInRequired: return .seeOther
        case .forbidden, .csrf: return .forbidden
        case .notFound: return .notFound
        case .invalid: return .unprocessableContent
        case .tooLarge: return .contentTooLarge
        case .badRequest: return .badRequest
        case .docket(_, let kind): return HTTPResponse.Status(code: kind.httpStatus)
        }
    }

    /// The page's heading.
    public var title: String {
        switch self {
        case .signInRequired: return "ログインしてください"
        case .forbidden: return "権限がありません"
        case .csrf: return "フォームの有効期限が切れました"
        case .notFound: return "見つかりません"
        case .invalid: return "入力に誤りがあります"
        case .tooLarge: return "送信されたデータが大きすぎます"
        case .badRequest: return "送信されたデータを読めませんでした"
        case .docket(_, let kind):
            switch kind {
            case .badInput, .usage: return "入力に誤りがあります"
            case .notFound: return "見つかりません"
            case .refused, .stopped: return "この操作は今の状態ではできません"
            case .busy: return "案件は他の操作で使用中です"
            case .unavailable: return "索引のサーバーに接続できません"
            case .fileSystem, .internalFault: return "処理できませんでした"
            }
        }
    }

    public var message: String {
        switch self {
        case .signInRequired: return "このページを見るにはログインが必要です。"
        case .forbidden(let text): return text
        case .csrf: return "フォームの確認用トークンが一致しません。ページを開き直してから、もう一度送信してください。"
        case .notFound(let text): return text
        case .invalid(let text): return text
        case .tooLarge(let what, let limit):
            return "\(what)が上限 \(UploadError.size(Int64(limit))) を超えています。何も保存していません。入力を短くするか、ファイルは添付欄から送ってください。"
        case .badRequest(let text): return text
        case .docket(let text, let kind):
            return kind == .busy || kind == .unavailable ? text + "（しばらく待ってから、もう一度お試しください）" : text
        }
    }

    /// Any error as a board error: Docket's own keep their words and exit codes; an error the
    /// board does not know becomes a 500 without its internals.
    public init(_ error: any Error) {
        switch error {
        case let e as BoardError: self = e
        case let e as any DocketFailure: self = .docket(message: e.description, kind: e.kind)
        case is DecodingError: self = .invalid("フォームの項目が足りないか、形式が違います。ページを開き直して入力してください。")
        case let e as HTTPError where e.status == .notFound: self = .notFound("このページはありません。アドレスを確かめてください。")
        case let e as HTTPError where e.status == .forbidden: self = .forbidden("このページを見る権限がありません。")
        case let e as HTTPError where e.status == .unauthorized: self = .signInRequired
        case let e as HTTPError where e.status == .badRequest:
            self = .invalid("リクエストの形式が違います（フォームの項目が足りないなど）。ページを開き直して入力してください。")
        case let e as HTTPError where e.status == .contentTooLarge: self = .docket(message: "送信されたデータが大きすぎます。", kind: .badInput)
        case is NIOTooManyBytesError: self = .tooLarge(what: "送信されたデータ", limit: CSRFCheck.maxFormBytes)
        default: self = .docket(message: "サーバーで予期しない問題が起きました。記録を確かめるよう管理者に伝えてください。", kind: .internalFault)
        }
    }
}

extension BoardError: HTTPResponseError {
    /// Plain text, for the rare error raised outside `ErrorPages` (which renders the page).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: title + "\n" + message + "\n")))
    }
}

/// Renders every error thrown below it as the board's error page (status per `BoardError`),
/// and "sign in" as a redirect to /login. Unexpected errors are logged by type only: a
/// message could hold a password or a session id.
struct ErrorPages: RouterMiddleware {
    typealias Context = BoardContext
    let pages: Pages

    func handle(_ request: Request, context: BoardContext, next: (Request, BoardContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let board = BoardError(error)
            if case .signInRequired = board { return .redirect(to: "/login", type: .normal) }
            if case .docket(_, let kind) = board, kind == .internalFault || kind == .fileSystem {
                context.logger.error("unexpected error on \(request.method) \(request.uri.path): \(type(of: error)) \(board)")
            }
            return try pages.error(board, context: context)
        }
    }
}
