import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// A signed-in (or anonymous) browser for router tests: keeps the session cookie and the
/// CSRF token of the last page, as a browser keeps the cookie and the form its hidden field.
public struct Browser: Sendable {
    /// The password of the accounts test fixtures make.
    public static let password = "correct horse battery"

    public let client: any TestClientProtocol
    public var cookie: String?
    public var csrf: String?

    public init(_ client: any TestClientProtocol) {
        self.client = client
    }

    /// GET `uri`, remembering the session cookie and the page's CSRF token.
    @discardableResult
    public mutating func get(_ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: headers(), body: nil)
        remember(response)
        return response
    }

    /// POST a URL-encoded form (with the CSRF token unless `csrf` is given).
    @discardableResult
    public mutating func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil) async throws -> TestResponse {
        var h = headers()
        h[.contentType] = "application/x-www-form-urlencoded"
        let all = [("csrf", csrf ?? self.csrf ?? "")] + fields
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let response = try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    /// Signs in as `name` (GET /login for the token, POST the form).
    public mutating func signIn(_ name: String, password: String = Browser.password) async throws -> TestResponse {
        try await get("/login")
        return try await post("/login", [("name", name), ("password", password)])
    }

    public func headers() -> HTTPFields {
        var h = HTTPFields()
        if let cookie { h[.cookie] = cookie }
        return h
    }

    public mutating func remember(_ response: TestResponse) {
        // A new session sets a new id; the same id sent back is the session's deletion (expired).
        if let set = response.headers[.setCookie], let pair = set.split(separator: ";").first {
            cookie = String(pair) == cookie ? nil : String(pair)
        }
        let html = String(buffer: response.body)
        if let range = html.range(of: #"name="csrf" value=""#) {
            csrf = String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    public static func encode(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

extension TestResponse {
    /// The body as text.
    public var text: String { String(buffer: body) }
}
