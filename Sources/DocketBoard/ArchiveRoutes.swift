import DocketArchive
import DocketCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix

/// Archives (download, verify with DocketArchive's verifier) and retention due.
///
///     GET  /archives                 every case archive in archives/ and meeting archive in archives/meetings/
///     GET  /archives/:id/download    the zip, streamed, as an attachment
///     POST /archives/:id/verify      (password, for an encrypted one) → the list with the result
///     GET  /archives/meetings/:id/download, POST /archives/meetings/:id/verify   the same for a meeting
///     GET  /retention                cases whose retention has ended (as `docket retention due`), certificates
///     POST /retention/:id/purge      (confirm, password) deletes a due case with its certificate (`docket retention purge`)
///     GET  /retention/:id/certificate  the deletion certificate (消去証明書) as a page
struct ArchiveRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {
        routes.get("/archives", .records, archivesPage)
        routes.get("/archives/:id/download", .records, download)
        routes.post("/archives/:id/verify", .records, verify)
        routes.get("/archives/meetings/:id/download", .records) { request, context in try await download(request, context: context, .meeting) }
        routes.post("/archives/meetings/:id/verify", .records) { request, context in try await verify(request, context: context, .meeting) }
        routes.get("/retention", .records, retentionPage)
        routes.post("/retention/:id/purge", .records, purge)
        routes.get("/retention/:id/certificate", .records, certificate)
    }

    /// What an archive keeps: a case (archives/ID.zip) or a meeting (archives/meetings/ID.zip).
    enum Kind: Sendable {
        case `case`, meeting
    }

    var folder: URL { board.services.store.archivesFolder }
    func folder(_ kind: Kind) -> URL { kind == .case ? folder : folder.appendingPathComponent("meetings", isDirectory: true) }

    func archives(_ kind: Kind = .case) -> [[String: Any]] {
        let folder = self.folder(kind)
        let known = kind == .case ? Set(board.services.store.caseIDs()) : Set(((try? board.services.meetings.all()) ?? []).map(\.id))
        let prefix = kind == .case ? "/archives/" : "/archives/meetings/"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".zip") }.sorted()
        return names.compactMap { name -> [String: Any]? in
            let id = String(name.dropLast(4))
            guard CaseStore.isValidCaseID(id),
                  let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path) else { return nil }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes[.modificationDate] as? Date).map { ISO8601DateFormatter().string(from: $0) }
            return ["id": id, "name": name, "size": Pages.size(size), "base": prefix + id,
                    "domID": (kind == .case ? "" : "meeting-") + id,
                    "modified": board.services.dates.dateTime(modified), "hasCase": known.contains(id)]
        }
    }

    func page(_ context: BoardContext, result: [String: Any]? = nil, status: HTTPResponse.Status = .ok) throws -> Response {
        let list = archives(), meetings = archives(.meeting)
        var view: [String: Any] = ["archives": list, "meetingArchives": meetings, "hasMeetingArchives": !meetings.isEmpty,
                                   "empty": list.isEmpty && meetings.isEmpty]
        if let result { view["result"] = result }
        return try board.pages.render("archives", title: "アーカイブ", view: view, context: context, status: status)
    }

    @Sendable func archivesPage(_ request: Request, context: BoardContext) async throws -> Response {
        try page(context)
    }

    /// The archive of case (or meeting) `id` (a valid id, resolved inside its archives folder).
    func archive(_ context: BoardContext, _ kind: Kind = .case) throws -> (id: String, file: URL) {
        let id = try context.parameters.require("id")
        guard CaseStore.isValidCaseID(id), let file = try? ConfinedPath.file(id + ".zip", in: folder(kind)) else {
            throw BoardError.notFound(kind == .case ? "案件 \(id) のアーカイブはありません。案件のページで「アーカイブする」を押すと作られます。"
                                                     : "会議 \(id) のアーカイブはありません。会議録を確定すると作られます。")
        }
        return (id, file)
    }

    @Sendable func download(_ request: Request, context: BoardContext) async throws -> Response {
        try await download(request, context: context, .case)
    }

    func download(_ request: Request, context: BoardContext, _ kind: Kind) async throws -> Response {
        let (id, file) = try archive(context, kind)
        let body = try await FileIO().loadFile(path: file.path, context: context)
        return Response(status: .ok, headers: [
            .contentType: "application/zip", .contentDisposition: CaseRoutes.contentDisposition(id + ".zip"),
        ], body: body)
    }

    struct VerifyForm: Decodable {
        var password: String?
    }

    @Sendable func verify(_ request: Request, context: BoardContext) async throws -> Response {
        try await verify(request, context: context, .case)
    }

    func verify(_ request: Request, context: BoardContext, _ kind: Kind) async throws -> Response {
        let (id, file) = try archive(context, kind)
        let form = try await request.decode(as: VerifyForm.self, context: context)
        let password = form.password.flatMap { $0.isEmpty ? nil : $0 }
        // Verification reads the whole zip: off the cooperative pool.
        let report = try await NIOThreadPool.singleton.runIfActive {
            Verifier.verify(path: file.path, password: password, digestingFile: true)
        }
        let result: [String: Any] = [
            "id": id, "what": kind == .case ? "案件" : "会議", "ok": report.problems.isEmpty, "bag": report.bag, "files": report.payloadFiles,
            "bytes": Pages.size(report.payloadBytes),
            "encrypted": report.encrypted, "sha256": report.fileSHA256 ?? "", "problems": report.problems,
        ]
        context.logger.info("archive verified", metadata: ["case": .string(id), "ok": .stringConvertible(report.problems.isEmpty),
                                                           "by": .string(context.identity?.name ?? "")])
        return try page(context, result: result)
    }

    /// Today in the council's time zone, as the retention rules read dates.
    var today: String { board.services.docket.today }

    struct PurgeForm: Decodable {
        var confirm: String?
        var password: String?
    }

    /// Deletes a due case's working copy (the archive kept where its workflow says), under the
    /// signed-in person, with the certificate the CLI writes; the page then says what was done.
    @Sendable func purge(_ request: Request, context: BoardContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard CaseStore.isValidCaseID(id) else { throw BoardError.notFound("案件 \(id) はありません。") }
        let form = try await request.decode(as: PurgeForm.self, context: context)
        guard form.confirm == "yes" else {
            return try retention(context, result: ["ok": false, "message": "消去する前に「この案件の個人情報を消去します」に印を付けてください（消去は取り消せません）。"],
                                 status: .unprocessableContent)
        }
        let user = context.identity?.name ?? ""
        let rules = Retention(runner: board.services.docket.runner(by: user))
        let today = self.today
        let password = form.password.flatMap { $0.isEmpty ? nil : $0 }
        do {
            let (certificate, _) = try await NIOThreadPool.singleton.runIfActive {
                try rules.purge(id, on: today, password: password, now: Date())
            }
            context.logger.info("case purged", metadata: ["case": .string(id), "by": .string(user)])
            let kept = certificate.archiveKept ? "アーカイブは保存しています" : "アーカイブも消去しました"
            return try retention(context, result: ["ok": true, "case": id,
                                                   "message": "案件 \(id) の作業用の記録を消去しました（\(certificate.deleted.count) 件のファイル。\(kept)）。消去証明書を作成しました。"])
        } catch {
            let refusal = Refusal(error)
            return try retention(context, result: ["ok": false, "message": refusal.message ?? refusal.lines.joined(separator: "\n")],
                                 status: .init(code: refusal.status))
        }
    }

    /// A deletion certificate (消去証明書) as a page: the Markdown the purge wrote, escaped.
    @Sendable func certificate(_ request: Request, context: BoardContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let folder = board.services.store.root.appendingPathComponent("certificates", isDirectory: true)
        guard CaseStore.isValidCaseID(id), let file = try? ConfinedPath.file("\(id)-消去証明書.md", in: folder),
              let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw BoardError.notFound("案件 \(id) の消去証明書はありません。")
        }
        return try board.pages.render("certificate", title: "消去証明書 — \(id)", view: [
            "id": id, "html": MarkdownHTML.render(text, belowPageHeading: true),
        ], context: context)
    }

    /// The certificates written so far, newest first.
    func certificates() -> [[String: Any]] {
        let folder = board.services.store.root.appendingPathComponent("certificates", isDirectory: true)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix("-消去証明書.md") }
        return names.sorted().reversed().compactMap { name in
            let id = String(name.dropLast("-消去証明書.md".count))
            guard CaseStore.isValidCaseID(id) else { return nil }
            return ["case": id, "href": "/retention/\(id)/certificate"]
        }
    }

    @Sendable func retentionPage(_ request: Request, context: BoardContext) async throws -> Response {
        try retention(context)
    }

    func retention(_ context: BoardContext, result: [String: Any]? = nil, status: HTTPResponse.Status = .ok) throws -> Response {
        let today = self.today
        let report = Retention(runner: board.services.runner).dueReport(on: today)
        let due: [[String: Any]] = report.due.map {
            ["case": $0.caseID, "workflow": $0.workflow, "until": Pages.date($0.until),
             "state": CaseState.Status(rawValue: $0.state).map(CaseRoutes.caseLabel) ?? $0.state,
             "archived": $0.archived, "keepArchive": $0.keepArchive]
        }
        let certificates = self.certificates()
        var view: [String: Any] = [
            "today": Pages.date(today), "due": due, "empty": due.isEmpty, "problems": report.problems,
            "hasProblems": !report.problems.isEmpty, "certificates": certificates, "hasCertificates": !certificates.isEmpty,
        ]
        if let result { view["result"] = result }
        return try board.pages.render("retention", title: "保存期間", view: view, context: context, status: status)
    }
}
