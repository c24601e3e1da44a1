import DocketCore
import DocketTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import DocketBoard

/// The ways into and back out of a case from the browser alone: choosing the workflow, a
/// missing file added to a failed draft, amending inputs with a reason, the error summary, an
/// empty file refused, a case that runs by itself after a record.
final class CaseCorrectionRouteTests: XCTestCase {
    static func materials(_ ws: FormWorkspace, field: String) throws -> [(field: String, name: String, bytes: [UInt8])] {
        let folder = ws.example.appendingPathComponent("c2/materials")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            (field: field, name: $0, bytes: [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))))
        }
    }

    static let inputs: [(String, String)] = [
        ("workflow", "consultation"), ("case", "2026-k1"), ("department", "人事課"),
        ("subject", "給付金事務の外部委託に伴う個人情報の取扱いについて"), ("kind", "outsourcing"),
        ("items", "氏名\n住所"), ("handover", "true"), ("retention_end", "令和9年3月31日"),
        ("materials", "資料2-1 委託の目的\n資料2-2 委託する個人情報\n資料2-3 安全管理措置\n資料2-4 特記仕様書"),
        ("consulted_on", "R8.11.20"),
    ]

    func testNewCaseStartsByChoosingTheWorkflow() async throws {
        let ws = try FormWorkspace()
        try await ws.app().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let page = try await clerk.get("/cases/new")
            XCTAssertEqual(page.status, .ok, page.text)
            XCTAssertTrue(page.text.contains("案件の種類を選んでください"), page.text)
            XCTAssertTrue(page.text.contains(#"href="/cases/new?workflow=consultation""#), page.text)
            XCTAssertTrue(page.text.contains("諮問（個人情報の取扱い）"), "by its title")
            XCTAssertFalse(page.text.contains("ワークフロー「」"), "no 404 for a missing choice")
            let chosen = try await clerk.get("/cases/new?workflow=consultation")
            XCTAssertEqual(chosen.status, .ok)
            XCTAssertTrue(chosen.text.contains(#"id="new-case-form""#))

            // A department sees only the workflows whose cases carry its department.
            var jinji = try await Browser.signedIn("jinji", client)
            let theirs = try await jinji.get("/cases/new")
            XCTAssertEqual(theirs.status, .ok)
            XCTAssertTrue(theirs.text.contains("workflow=consultation"))
            XCTAssertFalse(theirs.text.contains("workflow=mailing-check"), "a workflow without 所管課 is not offered: \(theirs.text)")
        }
    }

    func testAnEmptyFileIsRefusedNamingItAndTheSummaryLinksToTheFields() async throws {
        let ws = try FormWorkspace()
        let files = try Self.materials(ws, field: "materials_folder")
        try await ws.app().test(.router) { client in
            var jinji = try await Browser.signedIn("jinji", client)
            let empty = try await jinji.post("/cases", multipart: Self.inputs, files: files + [("materials_folder", "資料2-5 空.pdf", [])])
            XCTAssertEqual(empty.status, .unprocessableContent)
            XCTAssertTrue(empty.text.contains("ファイル「資料2-5 空.pdf」は空です（0 バイト）"), empty.text)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.runner.store.folder("2026-k1").path), "no case")

            // A bad date and a missing subject: the summary at the top names both, linking to each field.
            var bad = Self.inputs.filter { $0.0 != "subject" }
            bad[bad.firstIndex { $0.0 == "retention_end" }!].1 = "2027-02-30"
            bad.append(("subject", " "))
            let refused = try await jinji.post("/cases", multipart: bad, files: files)
            XCTAssertEqual(refused.status, .unprocessableContent)
            XCTAssertTrue(refused.text.contains(#"id="error-summary""#), refused.text)
            XCTAssertTrue(refused.text.contains(##"<a href="#f-retention_end">"##), refused.text)
            XCTAssertTrue(refused.text.contains(##"<a href="#f-subject">"##), refused.text)
            XCTAssertTrue(refused.text.contains(#"aria-describedby="f-retention_end-error""#))
            XCTAssertTrue(refused.text.contains(#"id="files-again""#), "the attached files are asked for again, by name")
            XCTAssertTrue(refused.text.contains("資料2-1"), refused.text)
        }
    }

    func testADepartmentAddsTheFileAFailedDraftLackedAndTheCaseGoesOn() async throws {
        let ws = try FormWorkspace()
        let all = try Self.materials(ws, field: "materials_folder")
        let missing = all.last!
        try await ws.app().test(.router) { client in
            var jinji = try await Browser.signedIn("jinji", client)
            let opened = try await jinji.post("/cases", multipart: Self.inputs, files: Array(all.dropLast()))
            XCTAssertEqual(opened.status, .seeOther, opened.text)
            _ = try await ws.runner.run(caseID: "2026-k1")
            XCTAssertEqual(try ws.state("2026-k1").status(order: try ws.runner.workflow(of: "2026-k1").steps.map(\.id)), .failed)

            let casePage = try await jinji.get("/cases/2026-k1")
            XCTAssertTrue(casePage.text.contains("足りない資料を追加する"), casePage.text)
            let form = try await jinji.get("/cases/2026-k1/materials")
            XCTAssertEqual(form.status, .ok)
            let added = try await jinji.post("/cases/2026-k1/materials", multipart: [], files: [("files", missing.name, missing.bytes)])
            XCTAssertEqual(added.status, .seeOther, added.text)
        }
        let state = try ws.state("2026-k1")
        XCTAssertEqual(state.step("draft").status, .completed, "the draft ran again with the file")
        let folder = try XCTUnwrap(state.inputs["materials_folder"]?.stringValue)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), all.map(\.name), "old files kept, the new one added")
        let amended = try ws.runner.store.load("2026-k1").0.events.last { $0.type == .amended }
        XCTAssertEqual(amended?.by, "jinji", "journaled under the signed-in person")
        XCTAssertTrue(amended?.message?.contains(missing.name) == true, amended?.message ?? "")
    }

    func testTheSecretariatAmendsInputsWithAReasonAndRerunsAStep() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        try await ws.app().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let page = try await clerk.get("/cases/2022-c2")
            XCTAssertTrue(page.text.contains(#"href="/cases/2022-c2/amend""#), "amend is on the case page")
            XCTAssertTrue(page.text.contains(#"id="rerun-form""#), "rerun is on the case page")
            let form = try await clerk.get("/cases/2022-c2/amend")
            XCTAssertEqual(form.status, .ok, form.text)
            let subject = try XCTUnwrap(ws.state("2022-c2").inputs["subject"]?.stringValue)
            XCTAssertTrue(form.text.contains(subject), "filled with the case's inputs")
            XCTAssertFalse(form.text.contains(ws.root.path), "no server path on the page")

            // The form as the page fills it, with one change; no reason: refused at the reason's field.
            var fields: [(String, String)] = [("subject", subject + "（訂正）"), ("department", "子育て支援課"), ("kind", "outsourcing")]
            let noReason = try await clerk.post("/cases/2022-c2/amend", multipart: fields, files: [])
            XCTAssertEqual(noReason.status, .unprocessableContent, noReason.text)
            XCTAssertTrue(noReason.text.contains(##"<a href="#f-amend-reason">"##), noReason.text)
            XCTAssertNil(try ws.runner.store.load("2022-c2").0.events.first { $0.type == .amended })

            fields.append(("reason", "件名の誤記"))
            let done = try await clerk.post("/cases/2022-c2/amend", multipart: fields, files: [])
            XCTAssertEqual(done.status, .seeOther, done.text)
            let amended = try XCTUnwrap(try ws.runner.store.load("2022-c2").0.events.last { $0.type == .amended })
            XCTAssertEqual(amended.by, "clerk")
            XCTAssertEqual(amended.message, "件名の誤記")
            XCTAssertEqual(amended.inputs?["subject"], .string(subject + "（訂正）"))
            XCTAssertEqual(amended.inputs?.count, 1, "only what changed: \(amended.inputs ?? [:])")

            let rerun = try await clerk.post("/cases/2022-c2/rerun", form: [("step", "draft"), ("reason", "件名を訂正したため")])
            XCTAssertEqual(rerun.status, .seeOther, rerun.text)
            let event = try XCTUnwrap(try ws.runner.store.load("2022-c2").0.events.last { $0.type == .rerun })
            XCTAssertEqual(event.by, "clerk")
            XCTAssertEqual(event.step, "draft")
        }
    }

    func testARecordedReviewRunsTheCaseOnByItself() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        try await ws.app().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let recorded = try await clerk.post("/cases/2022-c2/record/review", form: [("send_back", "false")])
            XCTAssertEqual(recorded.status, .seeOther, recorded.text)
        }
        let order = try ws.runner.workflow(of: "2022-c2").steps.map(\.id)
        let state = try ws.state("2022-c2")
        XCTAssertEqual(state.step("review").status, .completed, "no 実行する needed after the record")
        XCTAssertEqual(state.currentStep(order: order), "vote", "it ran on to the vote, which waits for its tally")
    }
}

/// Retention from the archivist's page: a due case is deleted with its certificate, under the
/// signed-in person, only once its deletion is confirmed.
final class RetentionRouteTests: XCTestCase {
    func testADueCaseIsPurgedFromTheBoardWithItsCertificate() async throws {
        let ws = try FormWorkspace()
        let workflow = ws.workflows.appendingPathComponent("kept.yaml")
        try Data("""
            docket: 1
            name: kept
            title: 保存期間のある記録
            inputs:
              department: {type: string, required: true, label: 所管課}
              retention_end: {type: date, required: true, label: 消去期限}
            retention:
              until: ${{ inputs.retention_end }}
              keep-archive: true
            steps:
              - id: archive
                name: 保存
                uses: archive
            """.utf8).write(to: workflow)
        _ = try ws.runner.open(caseID: "old-1", workflowPath: workflow.path, inputsFile: nil,
                               inputs: ["department": "人事課", "retention_end": "2020-03-31"])
        _ = try await ws.runner.run(caseID: "old-1")
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("archives/old-1.zip").path))
        try await ws.app().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let page = try await clerk.get("/retention")
            XCTAssertTrue(page.text.contains(#"action="/retention/old-1/purge""#), page.text)
            XCTAssertTrue(page.text.contains("完了"), "the state in words")

            let unconfirmed = try await clerk.post("/retention/old-1/purge", form: [("password", "")])
            XCTAssertEqual(unconfirmed.status, .unprocessableContent)
            XCTAssertTrue(unconfirmed.text.contains("印を付けてください"), unconfirmed.text)
            XCTAssertTrue(FileManager.default.fileExists(atPath: ws.runner.store.folder("old-1").path), "nothing deleted")

            let done = try await clerk.post("/retention/old-1/purge", form: [("confirm", "yes"), ("password", "")])
            XCTAssertEqual(done.status, .ok, done.text)
            XCTAssertTrue(done.text.contains("案件 old-1 の作業用の記録を消去しました"), done.text)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.runner.store.folder("old-1").path))
            let certificate = try await clerk.get("/retention/old-1/certificate")
            XCTAssertEqual(certificate.status, .ok)
            XCTAssertTrue(certificate.text.contains("clerk"), "deleted by the signed-in person: \(certificate.text)")
            let again = try await clerk.post("/retention/old-1/purge", form: [("confirm", "yes")])
            XCTAssertNotEqual(again.status, .ok, "a second purge is refused")
            let missing = try await clerk.get("/retention/nothing/certificate")
            XCTAssertEqual(missing.status, .notFound)
        }
    }
}

/// After a send-back the department is shown what the council asked and sends only the file it
/// corrected; no page names a place on the server.
final class SendBackRouteTests: XCTestCase {
    func testTheDepartmentSeesTheCorrectionsAndSendsOnlyTheCorrectedFile() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        let folder = ws.example.appendingPathComponent("c2/materials")
        let first = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().first)
        var corrected = [UInt8](try Data(contentsOf: folder.appendingPathComponent(first)))
        corrected += Array("\n委託の目的: 給付金の支給事務（通知の発送を含む）。\n".utf8)
        let fixed = corrected
        try await ws.app().test(.router) { client in
            var clerk = try await Browser.signedIn("clerk", client)
            let back = try await clerk.post("/cases/2022-c2/record/review", form: [
                ("corrections[0].material", "資料2-1"), ("corrections[0].change", "委託の目的を具体的に書くこと"), ("send_back", "true"),
            ])
            XCTAssertEqual(back.status, .seeOther, back.text)

            // The case is 子育て支援課's; the clerk sees the case page as its department would.
            let page = try await clerk.get("/cases/2022-c2")
            XCTAssertTrue(page.text.contains("審議会が求めた修正"), page.text)
            XCTAssertTrue(page.text.contains("資料2-1：委託の目的を具体的に書くこと"), page.text)
            XCTAssertTrue(page.text.contains("修正待ち — 所管課（子育て支援課）"), page.text)
            XCTAssertFalse(page.text.contains(ws.root.path), "no server path on the case page")
            let form = try await clerk.get("/cases/2022-c2/materials")
            XCTAssertTrue(form.text.contains("資料2-1：委託の目的を具体的に書くこと"), form.text)

            let sent = try await clerk.post("/cases/2022-c2/materials", multipart: [], files: [("files", first, fixed)])
            XCTAssertEqual(sent.status, .seeOther, sent.text)
        }
        let state = try ws.state("2022-c2")
        XCTAssertEqual(state.step("draft").status, .completed, "the draft was made again with the one corrected file and the rest")
        XCTAssertEqual(state.step("review").status, .waiting)
    }

    func testPathsAreNamedByTheirLastPartOnly() {
        XCTAssertEqual(PageText.withoutServerPaths("plugin pdf-render 1.0.0 in /work/main/Plugins/pdf-render, isolation bubblewrap"),
                       "plugin pdf-render 1.0.0 in pdf-render, isolation bubblewrap")
        XCTAssertEqual(PageText.withoutServerPaths("the folder '/tmp/x/uploads/c1/materials/files' has no file"), "the folder 'files' has no file")
        XCTAssertEqual(PageText.withoutServerPaths("2026/11/20 に 資料1/資料2 を確認"), "2026/11/20 に 資料1/資料2 を確認", "dates and words stay")
    }

    func testADocumentPageHasOneH1() {
        XCTAssertEqual(MarkdownHTML.render("# 答申\n\n## 結論", belowPageHeading: true), "<h2>答申</h2>\n<h3>結論</h3>")
    }
}
