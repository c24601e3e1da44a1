import DocketAccounts
import DocketCore
import DocketCouncil
import DocketSteps
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The board's pages: mustache templates bundled with the module (`Resources/templates`),
/// each overridable by a file of the same name in the workspace's templates folder (default
/// `board/templates/`), so the secretariat restyles the board without rebuilding it. Every
/// page is rendered into `layout.mustache` (navigation, the signed-in person, sign-out).
/// `{{ }}` HTML-escapes; only `{{{content}}}` in the layout and `{{{html}}}` of a rendered
/// Markdown document (escaped first, see `MarkdownHTML`) are inserted as they are.
public struct Pages: Sendable {
    let library: MustacheLibrary
    /// The stylesheet served at /static/board.css (the folder's `board.css` if it has one).
    let stylesheet: [UInt8]
    /// Where the overrides came from, for the start-up message.
    public let overridden: [String]

    /// The bundled templates, with those in `folder` (if any) in their place.
    /// The council's name, as the header shows it (from the council profile).
    public var council = ""

    public init(overrides folder: URL?, council: String = "") throws {
        self.council = council
        var library = MustacheLibrary()
        var css: [UInt8] = []
        var overridden: [String] = []
        let bundled = Self.bundledResources
        for (base, isOverride) in [(bundled, false)] + (folder.map { [($0, true)] } ?? []) {
            let templates = isOverride ? base : base.appendingPathComponent("templates")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: templates.path)) ?? []
            for file in names.sorted() where file.hasSuffix(".mustache") {
                let path = templates.appendingPathComponent(file).path
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                do {
                    try library.register(String(decoding: data, as: UTF8.self), named: String(file.dropLast(9)))
                } catch {
                    throw BoardError.docket(message: "\(path): error: the template does not parse: \(error)", kind: .badInput)
                }
                if isOverride { overridden.append(file) }
            }
            let cssFile = isOverride ? base.appendingPathComponent("board.css") : base.appendingPathComponent("static/board.css")
            if let data = FileManager.default.contents(atPath: cssFile.path) {
                css = Array(data)
                if isOverride { overridden.append("board.css") }
            }
        }
        self.library = library
        self.stylesheet = css
        self.overridden = overridden
    }

    /// The module's `Resources` folder. Foundation on Linux takes a bundle holding a
    /// `Resources` folder for a macOS-style bundle and reports that folder as its resources,
    /// elsewhere the bundle itself: look in both.
    static var bundledResources: URL {
        let bundle = Bundle.module
        let candidates = [bundle.resourceURL, bundle.resourceURL?.appendingPathComponent("Resources"),
                          bundle.bundleURL.appendingPathComponent("Resources")].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("templates/layout.mustache").path) }
            ?? bundle.bundleURL.appendingPathComponent("Resources")
    }

    /// A page: `template` rendered with `view`, inside the layout. `status` for a page that
    /// reports a refusal (a form shown again with its message).
    public func render(_ template: String, title: String, view: [String: Any], context: BoardContext,
                       status: HTTPResponse.Status = .ok) throws -> Response {
        Self.response(html: try html(template, title: title, view: view, context: context), status: status)
    }

    /// The page's HTML (`render` without the response around it).
    func html(_ template: String, title: String, view: [String: Any], context: BoardContext) throws -> String {
        var view = Self.pruned(view)
        view["csrf"] = context.csrf
        if let identity = context.identity { view["user"] = Self.userView(identity) }
        guard let content = library.render(view, withTemplate: template) else {
            throw BoardError.docket(message: "the page template '\(template).mustache' is missing", kind: .internalFault)
        }
        var page: [String: Any] = [
            "title": title, "content": content, "csrf": context.csrf, "nav": Self.navigation(for: context.identity),
            "council": council,
        ]
        if let identity = context.identity { page["user"] = Self.userView(identity) }
        guard let html = library.render(page, withTemplate: "layout") else {
            throw BoardError.docket(message: "the page template 'layout.mustache' is missing", kind: .internalFault)
        }
        return html
    }

    /// A page's HTML as the response (never stored by a browser or proxy).
    static func response(html: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: html)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `view` without nils (`x as Any`) and empty strings, at any depth: mustache takes both
    /// for values, so `{{#note}}…{{/note}}` would show for a case without a note.
    static func pruned(_ view: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in view {
            if let kept = prunedValue(value) { out[key] = kept }
        }
        return out
    }

    private static func prunedValue(_ value: Any) -> Any? {
        switch value {
        case let s as String: return s.isEmpty ? nil : s
        case let d as [String: Any]: return pruned(d)
        case let a as [[String: Any]]: return a.map(pruned)
        case let a as [Any]: return a.compactMap(prunedValue)
        default:
            let m = Mirror(reflecting: value)
            return m.displayStyle == .optional && m.children.isEmpty ? nil : value
        }
    }

    /// The error page for `error`.
    func error(_ error: BoardError, context: BoardContext) throws -> Response {
        try render("error", title: error.title, view: ["title": error.title, "message": error.message,
                                                       "status": Int(error.status.code)],
                   context: context, status: error.status)
    }

    static func userView(_ identity: Identity) -> [String: Any] {
        var view: [String: Any] = ["name": identity.name, "roles": identity.roleLabels]
        if let department = identity.department { view["department"] = department }
        return view
    }

    /// The links a person's roles reach, in a fixed order.
    static func navigation(for identity: Identity?) -> [[String: Any]] {
        guard let identity else { return [] }
        let items: [(String, String, Access)] = [
            ("/", "案件一覧", .caseReaders),
            ("/meetings", "会議", .meetingReaders),
            ("/answers", "答申一覧", .records),
            ("/archives", "アーカイブ", .records),
            ("/retention", "保存期間", .records),
            ("/accounts", "アカウント", .secretariat),
            ("/council", "審議会の設定", .secretariat),
            ("/account/password", "パスワード変更", .signedIn),
        ]
        return items.filter { $0.2.admits(identity) }.map { ["href": $0.0, "label": $0.1] }
    }

    /// `2022-06-27` (or a timestamp starting so) → `令和4年6月27日（2022-06-27）`.
    public static func date(_ iso: String?) -> String {
        guard let iso, iso.count >= 10 else { return iso ?? "" }
        let day = String(iso.prefix(10))
        return DateText.shared.era(day).map { "\($0)（\(day)）" } ?? iso
    }

}

extension Pages {
    /// A file's size as a page shows it: 「0 バイト」, 「512 バイト」, 「1.2 KB」, 「48 KB」, 「3.5 MB」
    /// (1 KB = 1,024 bytes, one decimal below 10).
    public static func size(_ bytes: Int64) -> String { Sizes.text(bytes) }
}

/// Date formatting for pages, made once: a board of thousands of rows repeats a few hundred
/// days, and a formatter costs far more to make than to use. Guarded by a lock.
public final class DateText: @unchecked Sendable {
    /// Era dates only (a day has no zone).
    static let shared = DateText(zone: TimeZone(identifier: "Asia/Tokyo")!)
    private let lock = NSLock()
    private var eras: [String: String] = [:]
    private let withFraction: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
    private let plain = ISO8601DateFormatter()
    private let out: DateFormatter
    /// The workspace's time zone (docket.yaml `time-zone`): times on pages are its wall time.
    let zone: TimeZone
    /// The zone's offset by UTC hour since 1970 (one question to Foundation per hour of time).
    private var offsets: [Int: Int] = [:]

    public init(zone: TimeZone) {
        self.zone = zone
        out = DateFormatter()
        out.locale = Locale(identifier: "en_US_POSIX")
        out.timeZone = zone
        out.dateFormat = "yyyy-MM-dd HH:mm"
    }

    /// A timestamp as the era date, Gregorian date and time, in the workspace's zone.
    public func dateTime(_ iso: String?) -> String {
        guard let iso else { return "" }
        guard let text = wallTime(iso) else { return Pages.date(iso) }
        return Pages.date(String(text.prefix(10))) + " " + text.suffix(5)
    }

    /// `2022-06-27` → `令和4年6月27日`, remembered.
    func era(_ day: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let hit = eras[day] { return hit }
        guard let text = JapaneseDate.era(day) else { return nil }
        if eras.count > 10_000 { eras.removeAll() }
        eras[day] = text
        return text
    }

    /// An ISO 8601 timestamp as `yyyy-MM-dd HH:mm` in the zone: a journal's own form by
    /// `JournalTime`, anything else by Foundation's parser (tens of microseconds a call).
    func wallTime(_ iso: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let f = JournalTime.fields(iso) {
            let t = JournalTime.seconds(f), hour = JournalTime.floorDivide(t, 3600)
            let offset = offsets[hour] ?? zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
            if offsets.count > 100_000 { offsets.removeAll() }
            offsets[hour] = offset
            let w = JournalTime.wallTime(t, offset: offset)
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return "\(w.year)-\(two(w.month))-\(two(w.day)) \(two(w.hour)):\(two(w.minute))"
        }
        guard let instant = withFraction.date(from: iso) ?? plain.date(from: iso) else { return nil }
        return out.string(from: instant)
    }
}
