import DocketArchive
import DocketCore
import DocketWorkspace
import DocketYAML
import Foundation
import Hummingbird

/// The case routes that change a case, each one library call with the signed-in user as `by`:
///
///     GET  /cases/new?workflow=NAME        the new-case form, from the workflow's inputs
///     POST /cases                          multipart: workflow, case, the inputs, files of folder inputs
///     GET  /cases/:id/record/:step         the record form of a waiting step, from its schema
///     POST /cases/:id/record/:step         urlencoded; `add=LIST` adds a row instead of recording
///     GET  /cases/:id/materials            the corrected-materials form (after a send-back)
///     POST /cases/:id/materials            multipart: files, reason
///     POST /cases/:id/run|withdraw|reopen|rerun|archive   the case page's buttons (reason, step)
///
/// A refused form is shown again with the user's entries and each problem at its field, with
/// the status of the board's map (422, 404, 409, 423 busy, 413 too large); success redirects 303.
/// Who may call which route is decided by the route groups these are added to, not here —
/// except that a department account opens and supplies materials for its own department only.
struct CaseFormRoutes: Sendable {
    let board: Board

    typealias Context = BoardContext
    var runner: Runner { board.services.runner }
    var limits: UploadLimits { board.settings.uploadLimits }
    /// The workflow a form names, from the workspace's workflow folders (a name, never a path).
    func workflow(_ name: String) throws -> (path: String, workflow: Workflow) {
        do { return try board.services.docket.workflow(named: name) } catch WorkspaceError.noWorkflow {
            throw Refusal(status: 404, message: "ワークフロー「\(name)」はありません。")
        }
    }
    var forms: CaseForms { CaseForms(runner: runner) }
    var uploads: CaseUploads { CaseUploads(runner: runner, area: UploadArea(root: runner.store.root)) }

    func clerk(_ context: Context) -> FormClerk { FormClerk(context) }

    func addRoutes(to routes: BoardRouter) {
        routes.get("/cases/new", .caseSubmitters) { request, context in try await guarded(context) { try newCaseForm(request, context) } }
        routes.post("/cases", .caseSubmitters) { request, context in try await guarded(context) { try await newCase(request, context) } }
        routes.get("/cases/:id/record/:step", .secretariat, caseScoped: true) { _, context in try await guarded(context) { try recordForm(context) } }
        routes.post("/cases/:id/record/:step", .secretariat, caseScoped: true) { request, context in try await guarded(context) { try await record(request, context) } }
        routes.get("/cases/:id/materials", .caseSubmitters, caseScoped: true) { _, context in try await guarded(context) { try materialsForm(context, refusal: nil) } }
        routes.post("/cases/:id/materials", .caseSubmitters, caseScoped: true) { request, context in try await guarded(context) { try await materials(request, context) } }
        routes.post("/cases/:id/run", .secretariat, caseScoped: true) { request, context in try await action(request, context, .run) { id, _, user in
            try await run(id, by: user)
        } }
        routes.get("/cases/:id/amend", .secretariat, caseScoped: true) { _, context in try await guarded(context) { try amendForm(context) } }
        routes.post("/cases/:id/amend", .secretariat, caseScoped: true) { request, context in try await guarded(context) { try await amend(request, context) } }
        routes.post("/cases/:id/withdraw", .secretariat, caseScoped: true) { request, context in try await action(request, context, .withdraw) { id, form, user in
            try CaseActions(runner: runner).withdraw(id, reason: form["reason"] ?? "", by: user)
        } }
        routes.post("/cases/:id/reopen", .secretariat, caseScoped: true) { request, context in try await action(request, context, .reopen) { id, form, user in
            try CaseActions(runner: runner).reopen(id, reason: form["reason"] ?? "", by: user)
        } }
        routes.post("/cases/:id/rerun", .secretariat, caseScoped: true) { request, context in try await action(request, context, .rerun) { id, form, user in
            var signedIn = self.runner
            signedIn.user = user
            _ = try await CaseActions(runner: signedIn).rerun(id, step: form["step"] ?? "", reason: form["reason"] ?? "", by: user)
        } }
        routes.post("/cases/:id/archive", .secretariat, caseScoped: true) { request, context in try await action(request, context, .archive) { id, _, user in
            _ = try await board.services.docket.archiver().archiveCase(id, options: .init(), by: user)
        } }
    }

    // MARK: - Record forms

    func recordForm(_ context: Context) throws -> Response {
        let id = try context.parameters.require("id"), step = try context.parameters.require("step")
        let c = clerk(context)
        return try page("record-form", forms.recordView(id, step: step, values: nil, csrf: c.csrf), .ok, context)
    }

    /// A record form: URL-encoded, or multipart when the step takes files. Files arrive in the
    /// board's staging folder and are kept under `uploads/<case>/record-<step>/`; the record
    /// names only those (never a path the request wrote), and a refused record leaves none.
    func record(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id"), step = try context.parameters.require("step")
        let c = clerk(context)
        var values: FormValues, files: [String: String] = [:], kept: URL?
        if request.headers[.contentType].flatMap(MultipartUpload.boundary(of:)) != nil {
            let form: UploadedForm
            do { form = try await receive(request) } catch {
                var view = try forms.recordView(id, step: step, values: nil, csrf: c.csrf)
                let refusal = Refusal(error)
                view.message = refusal.message
                return try page("record-form", view, .init(code: refusal.status), context)
            }
            values = form.fields
            if form.files.values.contains(where: { !$0.isEmpty }) && values["add"] == nil {
                let folder = try uploads.area.keep(form.staging, caseID: id, label: "record-\(step)")
                kept = folder
                files = CaseUploads.paths(of: form, keptIn: folder, schema: try CaseActions(runner: runner).recordSchema(id, step: step))
            } else {
                try? FileManager.default.removeItem(at: form.staging)
            }
        } else {
            values = try await Self.urlEncoded(request)
        }
        let outcome: CaseForms.Outcome
        do {
            outcome = try forms.submitRecord(id, step: step, values: values, files: files, by: c.name, csrf: c.csrf)
        } catch {
            if let kept { uploads.area.discard(kept) }
            throw error
        }
        switch outcome {
        case .recorded:
            await runOn(id, by: c.name)
            return .redirect(to: "/cases/\(id)", type: .normal)
        case .again(let view, let status):
            if let kept { uploads.area.discard(kept) }
            return try page("record-form", view, .init(code: status), context)
        }
    }

    // MARK: - New case

    func newCaseForm(_ request: Request, _ context: Context) throws -> Response {
        let c = clerk(context)
        let name = request.uri.queryParameters.get("workflow") ?? ""
        guard !name.isEmpty else { return try workflowChoice(c, context) }
        let workflow = try workflow(name).workflow
        try c.mayOpen(workflow)
        return try page("new-case", uploads.newCaseView(workflow, values: nil, limits: limits, fixed: c.fixedInputs, csrf: c.csrf), .ok, context)
    }

    /// The first step of opening a case: which kind of case (the workspace's workflows this
    /// account may open, by title and description; one that does not load is named with why,
    /// for the secretariat to mend).
    func workflowChoice(_ c: FormClerk, _ context: Context) throws -> Response {
        let loader = WorkflowLoader(registry: board.services.docket.registry)
        var choices: [[String: Any]] = [], broken: [[String: Any]] = []
        for entry in board.services.docket.workflows() {
            guard entry.problem == nil, let workflow = try? loader.load(path: entry.path) else {
                broken.append(["name": entry.title ?? entry.name])
                continue
            }
            guard (try? c.mayOpen(workflow)) != nil else { continue }
            let title = workflow.title.isEmpty ? workflow.name : workflow.title
            choices.append(["name": entry.name, "title": title,
                            "steps": workflow.steps.map(\.name).filter { !$0.isEmpty }.joined(separator: " → "),
                            "href": "/cases/new?workflow=" + (entry.name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? entry.name)])
        }
        let view: [String: Any] = ["choices": choices, "none": choices.isEmpty,
                                   "broken": Access.secretariat.admits(context.identity) ? broken : [], "hasBroken": !broken.isEmpty && Access.secretariat.admits(context.identity)]
        return try board.pages.render("new-case-choose", title: "新しい案件を開く", view: view, context: context)
    }

    func newCase(_ request: Request, _ context: Context) async throws -> Response {
        let c = clerk(context)
        var form: UploadedForm
        do {
            form = try await receive(request)
        } catch {
            // Nothing of the upload is kept; the form is shown anew with the refusal.
            let refusal = Refusal(error)
            let name = request.uri.queryParameters.get("workflow") ?? ""
            guard let found = try? workflow(name) else { return try errorPage(refusal, context) }
            var view = uploads.newCaseView(found.workflow, values: nil, limits: limits, fixed: c.fixedInputs, csrf: c.csrf)
            view.message = refusal.message
            return try page("new-case", view, .init(code: refusal.status), context)
        }
        let name = form.fields["workflow"] ?? ""
        let found: (path: String, workflow: Workflow)
        do { found = try workflow(name) } catch {
            try? FileManager.default.removeItem(at: form.staging)
            throw error
        }
        let (path, workflow) = found
        do { try c.mayOpen(workflow) } catch {
            try? FileManager.default.removeItem(at: form.staging)
            throw error
        }
        for (input, value) in c.fixedInputs where (form.fields[input] ?? "") != value {
            // Left blank (or dropped from the form): the board fills it in, the account's own.
            if (form.fields[input] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                form.fields.pairs.removeAll { $0.name == input }
                form.fields.append(input, value)
                continue
            }
            try? FileManager.default.removeItem(at: form.staging)
            let refusal = Refusal(status: 403, message: "このアカウントが開ける案件は「\(value)」のものだけです（\(input) を「\(value)」にしてください）。")
            var view = uploads.newCaseView(workflow, values: form.fields, limits: limits, fixed: c.fixedInputs, csrf: c.csrf)
            view.message = refusal.message
            return try page("new-case", view, .forbidden, context)
        }
        do {
            let id = try uploads.open(form, workflowPath: path, workflow: workflow, by: c.name)
            // Opened: the draft is made at once, so its maker sees whether anything is missing.
            await runOn(id, by: c.name)
            return .redirect(to: "/cases/\(id)", type: .normal)
        } catch {
            let refusal = Refusal(error)
            var view = uploads.newCaseView(workflow, values: form.fields, errors: refusal.fieldErrors, limits: limits,
                                           fixed: c.fixedInputs, csrf: c.csrf)
            view.message = refusal.message
            view.busy = refusal.busy
            switch error as? CaseError {
            case .invalidCaseID?, .caseExists?:
                // Said at the case id's field.
                view.caseErrors = [refusal.message ?? ""]
                view.hasCaseErrors = true
                view.message = nil
            default: break
            }
            view.summarize()
            let sent = form.files.values.flatMap { $0 }.filter { !$0.isEmpty }
            if !sent.isEmpty { view.filesAgain = sent.sorted().joined(separator: "、") }
            return try page("new-case", view, .init(code: refusal.status), context)
        }
    }

    // MARK: - Corrected materials

    struct MaterialsView: Sendable {
        var title: String
        var caseID: String
        var message: String?
        var busy: Bool
        var general: [String]
        var csrf: String
        var maxFile: String
        var maxRequest: String
        /// A failed draft's missing file, rather than corrections after a send-back.
        var missing: Bool
        /// Why the draft stopped (a missing file).
        var asked: String?
        /// What the council asked to correct (after a send-back).
        var corrections: [String]
        var hasCorrections: Bool
    }

    func materialsForm(_ context: Context, refusal: Refusal?) throws -> Response {
        let id = try context.parameters.require("id")
        let c = clerk(context)
        let (contents, state) = try runner.store.load(id)
        let order = try runner.workflow(of: id).steps.map(\.id)
        let allowed = try CaseActions(runner: runner).allowedActions(id, state: state, order: order)
        let corrections = allowed.materialsStep != nil ? CaseRoutes.askedCorrections(contents.events) : []
        let missing = allowed.materialsStep == nil && allowed.missingFilesInput != nil
        let step = allowed.materialsStep ?? state.currentStep(order: order)
        let view = MaterialsView(title: missing ? "足りない資料の追加（\(id)）" : "修正資料の提出（\(id)）", caseID: id, message: refusal?.message,
                                 busy: refusal?.busy ?? false, general: refusal?.diagnostics.map(\.message) ?? [], csrf: c.csrf,
                                 maxFile: UploadError.size(limits.maxFileBytes), maxRequest: UploadError.size(limits.maxRequestBytes),
                                 missing: missing, asked: missing ? step.flatMap { state.step($0).message }.map(PageText.withoutServerPaths) : nil,
                                 corrections: corrections, hasCorrections: !corrections.isEmpty)
        return try page("materials", view, .init(code: refusal?.status ?? 200), context)
    }

    func materials(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let c = clerk(context)
        do {
            let form = try await receive(request)
            _ = try uploads.recordMaterials(id, form: form, by: c.name)
            // Corrected or missing materials: the drafting step runs on them now.
            await runOn(id, by: c.name)
            return .redirect(to: "/cases/\(id)", type: .normal)
        } catch let e as BoardError {
            throw e
        } catch {
            return try materialsForm(context, refusal: Refusal(error))
        }
    }

    // MARK: - Amend

    func amendForm(_ context: Context) throws -> Response {
        let id = try context.parameters.require("id")
        return try page("amend", uploads.amendView(id, values: nil, limits: limits, csrf: clerk(context).csrf), .ok, context)
    }

    func amend(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let c = clerk(context)
        let form: UploadedForm
        do { form = try await receive(request) } catch {
            var view = try uploads.amendView(id, values: nil, limits: limits, csrf: c.csrf)
            view.message = Refusal(error).message
            return try page("amend", view, .init(code: Refusal(error).status), context)
        }
        do {
            _ = try uploads.amend(id, form: form, by: c.name)
            await runOn(id, by: c.name)
            return .redirect(to: "/cases/\(id)", type: .normal)
        } catch {
            var refusal = Refusal(error)
            var errors = refusal.fieldErrors
            var view: AmendView
            if case CaseError.reasonRequired? = error as? CaseError {
                // Said at the reason's field (and in the summary), not above the form.
                errors.add(refusal.message ?? "", at: "reason")
                refusal.message = nil
            }
            view = try uploads.amendView(id, values: form.fields, reason: form.fields["reason"] ?? "", errors: errors, limits: limits, csrf: c.csrf)
            view.message = refusal.message
            view.busy = refusal.busy
            view.summarize()
            let sent = form.files.values.flatMap { $0 }.filter { !$0.isEmpty }
            if !sent.isEmpty { view.filesAgain = sent.sorted().joined(separator: "、") }
            return try page("amend", view, .init(code: refusal.status), context)
        }
    }

    // MARK: - Running

    /// Runs the case as `user` (a long run, the OCR of a scan, goes on in the background after
    /// the board's wait; the case page says so).
    func run(_ id: String, by user: String) async throws {
        var signedIn = self.runner
        signedIn.user = user
        let runner = signedIn
        _ = try await board.runs.run(id, by: user) { try await runner.run(caseID: id) }
    }

    /// After a record, corrected materials or an amendment the case runs by itself: what follows
    /// is the steps' own work (drafting, PDFs, the seal), and the next person waits on it. A run
    /// that cannot start (busy, closed) leaves the case as the page then shows it, with 実行する.
    func runOn(_ id: String, by user: String) async {
        guard let allowed = try? CaseActions(runner: runner).allowedActions(id), allowed.allows(.run) else { return }
        try? await run(id, by: user)
    }

    // MARK: - Buttons

    /// A case page button: checks the form, calls `body`, redirects to the case page; a
    /// refusal is shown on a page of its own with the way back (busy: 423 and a retry).
    func action(_ request: Request, _ context: Context, _ which: CaseAction,
                _ body: @Sendable (String, FormValues, String) async throws -> Void) async throws -> Response {
        let id = try context.parameters.require("id")
        let c = clerk(context)
        let form = try await Self.urlEncoded(request)
        do {
            // The library's rule, in its Japanese words; the action itself checks it again.
            if let why = try CaseActions(runner: runner).allowedActions(id).whyNotJapanese(which) {
                throw Refusal(status: 409, message: why)
            }
            try await body(id, form, c.name)
            return .redirect(to: "/cases/\(id)", type: .normal)
        } catch {
            var refusal = Refusal(error)
            if refusal.message == nil { refusal.message = refusal.lines.joined(separator: "\n") }
            return try errorPage(refusal, context, back: "/cases/\(id)", retry: request.uri.path,
                                 fields: form.pairs.filter { $0.name != "csrf" })
        }
    }

    struct RefusedView: Sendable {
        var title: String
        var message: String
        var lines: [String]
        var back: String?
        var retry: String?
        /// The form's fields, sent again by the retry button.
        var fields: [FormValues.Pair]
        var busy: Bool
        var csrf: String
    }

    func errorPage(_ refusal: Refusal, _ context: Context, back: String? = nil, retry: String? = nil,
                   fields: [FormValues.Pair] = []) throws -> Response {
        let view = RefusedView(title: refusal.busy ? "使用中です" : "実行できませんでした", message: refusal.message ?? "",
                               lines: refusal.diagnostics.map(\.message), back: back, retry: refusal.busy ? retry : nil,
                               fields: fields, busy: refusal.busy, csrf: clerk(context).csrf)
        return try page("refused", view, .init(code: refusal.status), context)
    }

    // MARK: - Helpers

    /// Runs a handler; a library refusal it throws (no such case, not waiting, busy…) becomes
    /// a page saying so, with its status. HTTP errors (403, 404 of the role checks) pass.
    func guarded(_ context: Context, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let e as BoardError {
            throw e
        } catch {
            return try errorPage(Refusal(error), context)
        }
    }

    func page(_ template: String, _ view: Any, _ status: HTTPResponse.Status, _ context: Context) throws -> Response {
        try board.pages.render(template, view: view, context: context, status: status)
    }

    func receive(_ request: Request) async throws -> UploadedForm {
        guard let type = request.headers[.contentType], let boundary = MultipartUpload.boundary(of: type) else {
            throw UploadError.malformed("multipart/form-data で送ってください")
        }
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limits.maxRequestBytes {
            throw UploadError.requestTooLarge(limit: limits.maxRequestBytes)
        }
        return try await MultipartUpload.receive(request.body, boundary: boundary, staging: UploadArea(root: runner.store.root).staging(), limits: limits)
    }

    /// The fields of an urlencoded form (at most 1 MB).
    static func urlEncoded(_ request: Request) async throws -> FormValues {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return FormValues(urlEncoded: String(buffer: buffer))
    }
}

/// The signed-in account as the form routes need it: the name journaled as `by`, the CSRF
/// token its forms carry, and for a department account (not secretariat) its department.
struct FormClerk: Sendable {
    var name: String
    var csrf: String
    /// Set for a department account: it opens cases of its own department only.
    var department: String?

    init(name: String, csrf: String, department: String? = nil) {
        self.name = name
        self.csrf = csrf
        self.department = department
    }

    init(_ context: BoardContext) {
        let identity = context.identity
        self.init(name: identity?.name ?? "", csrf: context.csrf,
                  department: identity.flatMap { $0.roles.contains(.secretariat) ? nil : $0.department })
    }

    /// Inputs a new case must have for this account (a department's own name).
    var fixedInputs: [String: String] { department.map { ["department": $0] } ?? [:] }

    /// Refuses a workflow whose cases would not carry this account's department: a department
    /// account sees only its department's cases, so a case without one would be lost to it.
    func mayOpen(_ workflow: Workflow) throws {
        for input in fixedInputs.keys where workflow.inputs.field(input) == nil {
            let title = workflow.title.isEmpty ? workflow.name : workflow.title
            throw BoardError.forbidden("「\(title)」の案件には所管課の欄がないため、所管課のアカウントでは開けません（開いても所管課から見えなくなります）。事務局に開いてもらってください。")
        }
    }
}
