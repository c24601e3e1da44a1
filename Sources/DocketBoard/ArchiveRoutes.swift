import DocketArchive
import DocketCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix

/// Archives (download, verify with DocketArchive's verifier) and retention due.
///
///     GET  /archives                 every case archive in archives/
///     GET  /archives/:id/download    the zip, streamed, as an attachment
///     POST /archives/:id/verify      (password, for an encrypted one) → the list with the result
///     GET  /retention                cases whose retention has ended (as `docket retention due`)
struct ArchiveRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {
        routes.get("/archives", .records, archivesPage)
        routes.get("/archives/:id/download", .records, download)
        routes.post("/archives/:id/verify", .records, verify)
        routes.get("/retention", .records, retentionPage)
    }

    var folder: URL { board.services.store.archivesFolder }

    func archives() -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".zip") }.sorted()
        return names.compactMap { name -> [String: Any]? in
            let id = String(name.dropLast(4))
            guard CaseStore.isValidCaseID(id),
                  let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path) else { return nil }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes[.modificationDate] as? Date).map { ISO8601DateFormatter().string(from: $0) }
            return ["id": id, "name": name, "size": Pages.size(size),
                    "modified": board.services.dates.dateTime(modified), "hasCase": board.services.store.caseIDs().contains(id)]
        }
    }

    func page(_ context: BoardContext, result: [String: Any]? = nil, status: HTTPResponse.Status = .ok) throws -> Response {
        let list = archives()
        var view: [String: Any] = ["archives": list, "empty": list.isEmpty]
        if let result { view["result"] = result }
        return try board.pages.render("archives", title: "アーカイブ", view: view, context: context, status: status)
    }

    @Sendable func archivesPage(_ request: Request, context: BoardContext) async throws -> Response {
        try page(context)
    }

    /// The archive of case `id` (a valid case id, resolved inside archives/).
    func archive(_ context: BoardContext) throws -> (id: String, file: URL) {
        let id = try context.parameters.require("id")
        guard CaseStore.isValidCaseID(id), let file = try? ConfinedPath.file(id + ".zip", in: folder) else {
            throw BoardError.notFound("案件 \(id) のアーカイブはありません（archives/ に \(id).zip がありません）。")
        }
        return (id, file)
    }

    @Sendable func download(_ request: Request, context: BoardContext) async throws -> Response {
        let (id, file) = try archive(context)
        let body = try await FileIO().loadFile(path: file.path, context: context)
        return Response(status: .ok, headers: [
            .contentType: "application/zip", .contentDisposition: CaseRoutes.contentDisposition(id + ".zip"),
        ], body: body)
    }

    struct VerifyForm: Decodable {
        var password: String?
    }

    @Sendable func verify(_ request: Request, context: BoardContext) async throws -> Response {
        let (id, file) = try archive(context)
        let form = try await request.decode(as: VerifyForm.self, context: context)
        let password = form.password.flatMap { $0.isEmpty ? nil : $0 }
        // Verification reads the whole zip: off the cooperative pool.
        let report = try await NIOThreadPool.singleton.runIfActive {
            Verifier.verify(path: file.path, password: password, digestingFile: true)
        }
        let result: [String: Any] = [
            "id": id, "ok": report.problems.isEmpty, "bag": report.bag, "files": report.payloadFiles,
            "bytes": Pages.size(report.payloadBytes),
            "encrypted": report.encrypted, "sha256": report.fileSHA256 ?? "", "problems": report.problems,
        ]
        context.logger.info("archive verified", metadata: ["case": .string(id), "ok": .stringConvertible(report.problems.isEmpty),
                                                           "by": .string(context.identity?.name ?? "")])
        return try page(context, result: result)
    }

    @Sendable func retentionPage(_ request: Request, context: BoardContext) async throws -> Response {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = board.services.docket.council.timeZone
        f.dateFormat = "yyyy-MM-dd"
        let today = f.string(from: board.services.runner.clock())
        let report = Retention(runner: board.services.runner).dueReport(on: today)
        let due: [[String: Any]] = report.due.map {
            ["case": $0.caseID, "workflow": $0.workflow, "until": Pages.date($0.until), "state": $0.state,
             "archived": $0.archived, "keepArchive": $0.keepArchive]
        }
        return try board.pages.render("retention", title: "保存期間", view: [
            "today": Pages.date(today), "due": due, "empty": due.isEmpty, "problems": report.problems,
            "hasProblems": !report.problems.isEmpty,
        ], context: context)
    }
}
