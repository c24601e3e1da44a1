import DocketCore
import DocketMeetings
import Foundation
import Hummingbird

/// The meeting routes, each action one `MeetingBook` call with the signed-in user as `by`:
///
///     GET  /meetings                 the list (members and secretariat)
///     GET  /meetings/:id             a meeting: agenda, outcomes, and for the secretariat its forms
///     GET  /meetings/:id/minutes     the minutes (Markdown; ?format=html the printable page, sandboxed)
///     GET  /meetings/new, POST /meetings                      open a meeting (id, date, time, place, title)
///     POST /meetings/:id/agenda      kind (consultation|report|defer), case
///     POST /meetings/:id/attendance  members (one per member present), arrivals[i].*, departures[i].*, staff, observers, materials.*
///     POST /meetings/:id/vote        case, the tally (for, against, abstain, …); present comes from the attendance
///     POST /meetings/:id/acknowledge case, remarks
///     POST /meetings/:id/minutes     check, seal, record and archive the minutes (closed meeting)
///     POST /meetings/:id/close
///
/// A refused form is shown again on the meeting page with its entries and problems, status by
/// the board's map; success redirects 303 to the meeting.
struct MeetingRoutes: Sendable {
    let board: Board

    typealias Context = BoardContext
    var pages: MeetingPages { MeetingPages(services: board.services.docket) }

    func clerk(_ context: Context) -> FormClerk { FormClerk(context) }

    func render(_ template: String, _ view: Any, _ status: HTTPResponse.Status, _ context: Context, title: String = "会議") throws -> Response {
        try board.pages.render(template, view: view, context: context, status: status, fallbackTitle: title)
    }

    func canManage(_ context: Context) -> Bool { Access.secretariat.admits(context.identity) }

    func addRoutes(to routes: BoardRouter) {
        routes.get("/meetings", .meetingReaders) { _, context in try await guarded(context) {
            try render("meetings", pages.list(canManage: canManage(context)), .ok, context)
        } }
        routes.get("/meetings/new", .secretariat) { _, context in
            try render("meeting-new", pages.newView(values: nil, csrf: clerk(context).csrf), .ok, context, title: "会議の作成")
        }
        routes.post("/meetings", .secretariat) { request, context in try await create(request, context) }
        routes.get("/meetings/:id", .meetingReaders) { _, context in try await guarded(context) {
            let id = try context.parameters.require("id")
            return try render("meeting", pages.meetingView(id, canManage: canManage(context), csrf: clerk(context).csrf), .ok, context)
        } }
        routes.get("/meetings/:id/minutes", .meetingReaders) { request, context in try await guarded(context) {
            let id = try context.parameters.require("id")
            let minutes = try pages.minutes(id)
            if request.uri.queryParameters.get("format") == "html" {
                // The generated page as it prints, sandboxed: no script, no form, no navigation.
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8",
                                                       .contentSecurityPolicy: "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"],
                                body: .init(byteBuffer: ByteBuffer(string: minutes.html)))
            }
            let (_, meeting) = try pages.book("").load(id)
            return try render("meeting-minutes", MinutesView(id: id, title: meeting.title, html: MarkdownHTML.render(minutes.markdown, belowPageHeading: true)), .ok, context)
        } }
        routes.post("/meetings/:id/agenda", .secretariat) { request, context in
            try await act(request, context, form: { _ in .other }) { id, values, user in try pages.addToAgenda(id, values, by: user) }
        }
        routes.post("/meetings/:id/attendance", .secretariat) { request, context in
            try await act(request, context, form: { _ in .attendance }) { id, values, user in try pages.attend(id, values, by: user) }
        }
        routes.post("/meetings/:id/vote", .secretariat) { request, context in
            try await act(request, context, form: { .vote($0["case"] ?? "") }) { id, values, user in try await pages.vote(id, values, by: user) }
        }
        routes.post("/meetings/:id/acknowledge", .secretariat) { request, context in
            try await act(request, context, form: { .acknowledge($0["case"] ?? "") }) { id, values, user in try await pages.acknowledge(id, values, by: user) }
        }
        routes.post("/meetings/:id/minutes", .secretariat) { request, context in
            try await act(request, context, form: { _ in .other }) { id, _, user in try await pages.publishMinutes(id, by: user) }
        }
        routes.post("/meetings/:id/close", .secretariat) { request, context in
            try await act(request, context, form: { _ in .other }) { id, _, user in try pages.close(id, by: user) }
        }
    }

    func create(_ request: Request, _ context: Context) async throws -> Response {
        let c = clerk(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        do {
            guard let roster = try? board.services.docket.rosterPathByName() else {
                throw Refusal(status: 500, message: "審議会の委員名簿（council.yaml）がありません。docket.yaml のあるフォルダに置いてください。")
            }
            let id = try pages.create(values, rosterPath: roster, by: c.name)
            return .redirect(to: "/meetings/\(id)", type: .normal)
        } catch {
            let refusal = Refusal(error)
            return try render("meeting-new", pages.newView(values: values, errors: refusal.fieldErrors, message: refusal.message, csrf: c.csrf),
                              .init(code: refusal.status), context, title: "会議の作成")
        }
    }

    struct MinutesView: Sendable {
        var id: String
        var title: String
        /// The minutes' Markdown as HTML (escaped first, as a case's Markdown document).
        var html: String
    }

    /// Reads the form, runs `body`; on a refusal shows the meeting page again with the form's
    /// entries kept and its problems placed (an add-row button only shows one more row).
    func act(_ request: Request, _ context: Context, form which: @Sendable (FormValues) -> MeetingPages.Redo.Form,
             _ body: @Sendable (String, FormValues, String) async throws -> Void) async throws -> Response {
        let id = try context.parameters.require("id")
        let c = clerk(context)
        let values = try await CaseFormRoutes.urlEncoded(request)
        if let add = values["add"] {
            let redo = MeetingPages.Redo(form: which(values), values: values, errors: FieldErrors(), refusal: Refusal(status: 200, message: nil), addRowTo: add)
            return try render("meeting", pages.meetingView(id, canManage: true, redo: redo, csrf: c.csrf), .ok, context)
        }
        do {
            try await body(id, values, c.name)
            return .redirect(to: "/meetings/\(id)", type: .normal)
        } catch {
            let refusal = Refusal(error)
            let redo = MeetingPages.Redo(form: which(values), values: values, errors: refusal.fieldErrors, refusal: refusal)
            return try render("meeting", pages.meetingView(id, canManage: true, redo: redo, csrf: c.csrf), .init(code: refusal.status), context)
        }
    }

    /// A library refusal outside a form (no such meeting…) as a page with its status.
    func guarded(_ context: Context, _ body: () async throws -> Response) async throws -> Response {
        try await CaseFormRoutes(board: board).guarded(context, body)
    }
}
