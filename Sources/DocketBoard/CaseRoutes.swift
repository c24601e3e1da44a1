import DocketAccounts
import DocketCore
import DocketIndex
import DocketMeetings
import Foundation
import HTTPTypes
import Hummingbird

/// A case page and its documents (case scope applies: a department sees its own cases, a
/// member those on an agenda).
///
///     GET /cases/:id                      steps as a timeline, documents, journal events, votes,
///                                         and the forms the person may use (case-actions)
///     GET /cases/:id/documents/<path>     Markdown rendered as HTML (escaped first); HTML served
///                                         as it prints, under `Content-Security-Policy: sandbox`;
///                                         `?download=1` as an attachment. The path is resolved
///                                         inside the case's documents/ (`ConfinedPath`).
struct CaseRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {
        routes.get("/cases/:id", .caseReaders, caseScoped: true, casePage)
        routes.get("/cases/:id/documents/**", .caseReaders, caseScoped: true, document)
        routes.get("/cases/:id/seal-check/**", .caseReaders, caseScoped: true, sealCheck)
    }

    /// The full check of a sealed PDF (the signature against the workspace's certificates, the
    /// digest against the journal), on request: it runs the signer, so it is not on every page view.
    @Sendable func sealCheck(_ request: Request, context: BoardContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let (relative, file) = try confinedDocument(id, context)
        guard file.pathExtension.lowercased() == "pdf" else {
            throw BoardError.notFound("電子署名を検証できるのはPDFの文書だけです（\(file.lastPathComponent) はPDFではありません）。")
        }
        let (_, state) = try board.services.store.load(id)
        let check = try board.services.docket.checkSealed(file, inCase: id)
        let signatures: [[String: Any]] = check.signatures.map { s in
            ["signer": s.signer, "signedAt": s.signedAt.map { board.services.dates.dateTime($0) } ?? "",
             "valid": s.valid, "trusted": s.trusted, "whole": s.coversWholeFile, "sound": s.sound]
        }
        let view: [String: Any] = [
            "id": id, "subject": state.inputs["subject"]?.stringValue ?? "", "name": file.lastPathComponent, "path": relative,
            "sound": check.sound, "signatures": signatures, "hasSignatures": !signatures.isEmpty,
            "recorded": !check.recorded.isEmpty, "sha256": check.sha256,
            "href": Self.documentView(id, DocumentRecord(path: relative, size: 0, sha256: ""))["href"] ?? "",
        ]
        return try board.pages.render("seal-check", title: "電子署名の検証 \(file.lastPathComponent) — \(id)", view: view, context: context)
    }

    @Sendable func casePage(_ request: Request, context: BoardContext) async throws -> Response {
        let identity = try context.user()
        let id = try context.parameters.require("id")
        var view = try Self.caseView(id, services: board.services, identity: identity)
        if let running = await board.runs.running(id) {
            let (_, state) = try board.services.store.load(id)
            let step = state.steps.filter { $0.value.status == .interrupted }.map(\.key).first
            let name = (view["timeline"] as? [[String: Any]])?.first { ($0["id"] as? String) == step }?["name"] as? String
            view["background"] = ["step": name ?? step ?? "次の手順", "since": board.services.dates.dateTime(Timestamp.string(running.since)),
                                  "by": running.by]
        }
        return try board.pages.render("case", title: "案件 \(id)", view: view, context: context)
    }

    /// Everything the case page shows (also what the forms work extends when it shows the
    /// page again with a message).
    static func caseView(_ id: String, services: BoardServices, identity: Identity) throws -> [String: Any] {
        let store = services.store
        let (contents, state) = try store.load(id)
        // Where the case stands, as `docket status` tells it: the case summary, from the journal
        // and the snapshot's step list (the journal's own steps if the snapshot does not read).
        let summary = CaseSummary(id: id, events: contents.events,
                                  steps: services.workflowSteps.steps(of: store, case: id, sha256: state.workflow?.sha256))
        let order = summary.steps.map(\.id)
        let status = state.status(order: order)
        let current = summary.step
        // The fields' labels, from the case's own workflow snapshot (`ValueDisplay`).
        let schemas = ValueDisplay.Schemas(of: store, case: id, registry: services.docket.registry)
        let timeline: [[String: Any]] = summary.steps.map { step -> [String: Any] in
            let s = state.step(step.id)
            return [
                "id": step.id, "name": step.name.isEmpty ? step.id : step.name, "uses": step.uses,
                "status": step.state, "statusLabel": stepLabel(s.status), "current": step.id == current,
                "attempts": step.attempts, "round": s.round,
                // A step that never ran has no time to show.
                "ranAt": s.attempts > 0 || s.status != .pending ? services.dates.dateTime(s.updated) as Any : false,
                "message": PageText.withoutServerPaths(step.message ?? ""),
                "documents": step.documents.map { documentView(id, $0) }, "hasDocuments": !step.documents.isEmpty,
                "outputs": ValueDisplay.outputs(step.outputs, uses: step.uses),
                "records": s.records.enumerated().map { i, r in ["n": i + 1, "fields": ValueDisplay.record(r, schema: schemas.records[step.id])] },
            ]
        }
        let events: [[String: Any]] = contents.events.map { e in
            ["seq": e.seq, "time": services.dates.dateTime(e.time), "type": e.type.rawValue, "label": eventLabel(e.type),
             "step": e.step.map { step in summary.steps.first { $0.id == step }.map { $0.name.isEmpty ? step : $0.name } ?? step } ?? "", "by": e.by ?? "", "message": PageText.withoutServerPaths(e.message ?? "")]
        }
        // Votes and decisions: the summary's steps that carry a tally or a decision.
        let votes: [[String: Any]] = summary.decisionSteps.map { step -> [String: Any] in
            ["step": step.name.isEmpty ? step.id : step.name,
             "fields": ValueDisplay.outputs(step.outputs, uses: step.uses)]
        }
        // The PDFs the case issued, sealed ones first, each with its seal's state (the library's).
        let uses = Dictionary(summary.steps.map { ($0.id, $0.uses) }, uniquingKeysWith: { a, _ in a })
        let official: [[String: Any]] = services.docket.officialDocuments(of: id, state: state, stepUses: uses).map { o in
            var v = documentView(id, o.record)
            v["title"] = o.title
            if let signer = o.sealedBy {
                v["sealed"] = ["signer": signer, "demo": o.demo, "intact": o.intact,
                               "check": (v["href"] as? String ?? "").replacingOccurrences(of: "/documents/", with: "/seal-check/")]
            } else {
                v["unsealed"] = ["intact": o.intact]
            }
            return v
        }
        let meetings = (try? services.meetings.all()) ?? []
        let onAgenda = meetings.filter { $0.item(of: id) != nil }.map { ["id": $0.id, "title": $0.title, "date": Pages.date($0.date)] }
        let department = state.inputs["department"]?.stringValue
        let allowed = (try? services.docket.actions(by: identity.name).allowedActions(id, state: state, order: order))
            ?? AllowedActions(state: state, order: order)
        let corrections = allowed.materialsStep != nil ? askedCorrections(contents.events) : []
        let secretariat = Access.secretariat.admits(identity)
        let mayAny = (secretariat && !allowed.allowed.filter { $0 != .supplyMaterials }.isEmpty)
            || (Access.caseSubmitters.admits(identity) && allowed.allows(.supplyMaterials))
        return [
            "mayAny": mayAny,
            "id": id, "subject": state.inputs["subject"]?.stringValue ?? "", "workflow": state.workflow?.name ?? "",
            "department": department ?? "", "state": status.rawValue, "stateLabel": caseLabel(status),
            "workflowTitle": services.workflowSteps.title(of: store, case: id, sha256: state.workflow?.sha256).flatMap { $0.isEmpty ? nil : $0 }
                ?? state.workflow?.name ?? "",
            "waits": BoardRoutes.whereItStands(
                stage: summary.stage, step: current.flatMap { c in summary.steps.first { $0.id == c } }.map { $0.name.isEmpty ? $0.id : $0.name },
                department: state.inputs["department"]?.stringValue,
                voteAtMeeting: !onAgenda.isEmpty && current.flatMap { c in summary.steps.first { $0.id == c }?.uses } == "vote",
                archived: !allowed.allows(.archive)),
            "eventCount": contents.events.count,
            "currentStep": current ?? "", "waiting": status == .waiting,
            "currentStepName": current.flatMap { c in summary.steps.first { $0.id == c } }.map { $0.name.isEmpty ? $0.id : $0.name } ?? "",
            "voteAtMeeting": !onAgenda.isEmpty && current.flatMap { c in summary.steps.first { $0.id == c }?.uses } == "vote",
            "created": services.dates.dateTime(state.created), "updated": services.dates.dateTime(state.updated),
            "note": state.note ?? "",
            // By label and in words, in the workflow's order (`ValueDisplay`): never a key, JSON or a server path.
            "inputs": ValueDisplay.inputs(state.inputs, schema: schemas.inputs),
            "timeline": timeline, "documents": state.documents.map { documentView(id, $0) },
            "official": official, "hasOfficial": !official.isEmpty,
            "events": events, "votes": votes, "hasVotes": !votes.isEmpty, "meetings": onAgenda, "hasMeetings": !onAgenda.isEmpty,
            "archived": state.archive != nil,
            // What the person may do here: the case's rules (the library's `AllowedActions`)
            // and the person's role; the routes check both again.
            "may": [
                "run": Access.secretariat.admits(identity) && allowed.allows(.run),
                "record": Access.secretariat.admits(identity) && allowed.allows(.record),
                "withdraw": Access.secretariat.admits(identity) && allowed.allows(.withdraw),
                "reopen": Access.secretariat.admits(identity) && allowed.allows(.reopen),
                "rerun": Access.secretariat.admits(identity) && allowed.allows(.rerun),
                "archive": Access.secretariat.admits(identity) && allowed.allows(.archive),
                "materials": Access.caseSubmitters.admits(identity) && allowed.allows(.supplyMaterials),
                "amend": Access.secretariat.admits(identity) && allowed.allows(.amend),
            ] as [String: Bool],
            "missingFiles": allowed.missingFilesInput != nil && allowed.materialsStep == nil,
            "corrections": corrections, "hasCorrections": !corrections.isEmpty,
            "rerunSteps": order.filter { state.step($0).attempts > 0 || state.step($0).status != .pending }.map { step in
                ["id": step, "name": summary.steps.first { $0.id == step }.map { $0.name.isEmpty ? $0.id : $0.name } ?? step,
                 "selected": step == current]
            },
            "steps": order,
        ]
    }

    static func documentView(_ id: String, _ d: DocumentRecord) -> [String: Any] {
        let href = "/cases/\(id)/documents/" + d.path.split(separator: "/").map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0)
        }.joined(separator: "/")
        return ["path": d.path, "href": href, "size": Sizes.text(d.size),
                "sha256": String(d.sha256.prefix(12))]
    }

    /// What the council asked to correct when it last sent the case back: the corrections of
    /// the latest record that sent it back (資料2-1：委託の目的を具体的に書くこと), from the journal.
    static func askedCorrections(_ events: [JournalEvent]) -> [String] {
        for e in events.reversed() where e.type == .recorded {
            guard case .map(let record)? = e.record, record["send_back"]?.boolValue == true else { continue }
            guard case .list(let items)? = record["corrections"] else { return [] }
            return items.compactMap { item -> String? in
                guard case .map(let m) = item else { return item.stringValue }
                let material = m["material"]?.stringValue ?? ""
                let change = m["change"]?.stringValue ?? ""
                return material.isEmpty ? change : "\(material)：\(change)"
            }
        }
        return []
    }

    static func stepLabel(_ s: CaseState.StepState.Status) -> String {
        switch s {
        case .pending: return "未実行"
        case .recorded: return "記録済み（次の実行で使用）"
        case .interrupted: return "中断"
        case .completed: return "完了"
        case .waiting: return "記録待ち"
        case .failed: return "失敗"
        case .skipped: return "省略"
        }
    }

    static func caseLabel(_ s: CaseState.Status) -> String {
        switch s {
        case .ready: return "未実行"
        case .running: return "実行中"
        case .waiting: return "記録待ち"
        case .completed: return "完了"
        case .failed: return "失敗"
        case .withdrawn: return "取下げ"
        }
    }

    static func eventLabel(_ k: JournalEvent.Kind) -> String {
        switch k {
        case .created: return "開始"
        case .started: return "実行開始"
        case .completed: return "完了"
        case .waiting: return "記録待ち"
        case .recorded: return "記録"
        case .failed: return "失敗"
        case .skipped: return "省略"
        case .finished: return "終了"
        case .archived: return "アーカイブ"
        case .amended: return "入力訂正"
        case .rerun: return "再実行"
        case .withdrawn: return "取下げ"
        case .reopened: return "再開"
        }
    }

    // MARK: - Documents

    /// The case document the request's path names, confined to the case's documents/.
    func confinedDocument(_ id: String, _ context: BoardContext) throws -> (relative: String, file: URL) {
        do {
            let relative = try ConfinedPath.relative(context.parameters.getCatchAll())
            return (relative, try ConfinedPath.file(relative, in: board.services.store.documents(id)))
        } catch ConfinedPath.Refusal.outside {
            throw BoardError.notFound("その文書はこの案件の文書フォルダにありません。")
        } catch {
            throw BoardError.notFound("案件 \(id) に文書「\(context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? "")」はありません。")
        }
    }

    @Sendable func document(_ request: Request, context: BoardContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let (relative, file) = try confinedDocument(id, context)
        let name = file.lastPathComponent
        let ext = file.pathExtension.lowercased()
        if request.uri.queryParameters.get("download") == "1" {
            var response = try Self.fileResponse(file, type: Self.mediaType(ext), attachment: name)
            response.headers[.contentSecurityPolicy] = Self.sandboxed
            return response
        }
        switch ext {
        case "md", "markdown":
            let text = try String(contentsOf: file, encoding: .utf8)
            let (_, state) = try board.services.store.load(id)
            var response = try board.pages.render("document", title: "\(name) — \(id)", view: [
                "id": id, "subject": state.inputs["subject"]?.stringValue ?? "", "path": relative, "name": name,
                "html": MarkdownHTML.render(text, belowPageHeading: true), "download": "?download=1",
            ], context: context)
            // The board's own page around a case's text: sandboxed too (no script at all), with
            // forms and same-origin kept so its navigation and sign-out still work.
            response.headers[.contentSecurityPolicy] = Self.sandboxedPage
            return response
        case "html", "htm":
            // As it prints: the document's own layout and styles, but no script, no form, no
            // plugin, and no access to the board's origin (a sandbox is a unique origin).
            var response = try Self.fileResponse(file, type: "text/html; charset=utf-8", attachment: nil)
            response.headers[.contentSecurityPolicy] =
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
            return response
        default:
            var response = try Self.fileResponse(file, type: Self.mediaType(ext), attachment: Self.inline(ext) ? nil : name)
            response.headers[.contentSecurityPolicy] = Self.sandboxed
            return response
        }
    }

    /// Every document the board serves carries a sandboxing policy: a file as it is (no script,
    /// no form, a unique origin), and the board's page showing a Markdown document.
    static let sandboxed = "sandbox; default-src 'none'; frame-ancestors 'none'"
    static let sandboxedPage = "sandbox allow-forms allow-same-origin allow-top-navigation-by-user-activation; "
        + "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'"

    static func inline(_ ext: String) -> Bool { ["pdf", "txt", "png", "jpg", "jpeg", "csv", "yaml", "json"].contains(ext) }

    static func mediaType(_ ext: String) -> String {
        switch ext {
        case "md", "markdown": return "text/markdown; charset=utf-8"
        case "html", "htm": return "text/html; charset=utf-8"
        case "txt", "yaml", "yml", "csv": return "text/plain; charset=utf-8"
        case "json": return "application/json"
        case "pdf": return "application/pdf"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "zip": return "application/zip"
        default: return "application/octet-stream"
        }
    }

    /// A whole file as the response body (documents are small; archives are streamed by
    /// `ArchiveRoutes`).
    static func fileResponse(_ file: URL, type: String, attachment: String?) throws -> Response {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw BoardError.notFound("文書を読めませんでした。")
        }
        var headers: HTTPFields = [.contentType: type]
        if let attachment { headers[.contentDisposition] = contentDisposition(attachment) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
