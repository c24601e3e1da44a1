import DocketCore
import Foundation
import Hummingbird
import HummingbirdTesting
import DocketTestSupport
import XCTest

@testable import DocketBoard

/// The record form, the new-case form with uploads, corrected materials and the case buttons,
/// through the routes, against the real runner and the bundled consultation workflow.
final class CaseFormRouteTests: XCTestCase {
    func testRecordFormRoundTripWithQuestionsAddRowAndAFieldError() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let form = try await b.get("/cases/2022-c2/record/review")
            XCTAssertEqual(form.status, .ok)
            XCTAssertTrue(form.text.contains(#"name="questions[0].question""#), form.text)
            XCTAssertTrue(form.text.contains(#"<label for="f-questions-0--question">"#), form.text)
            XCTAssertTrue(form.text.contains(#"name="add" value="questions""#))
            XCTAssertTrue(form.text.contains("<h1>"))
            // Enter in a field presses the form's first submit button: it must record, not add a row.
            let inForm = try XCTUnwrap(form.text.components(separatedBy: #"id="record-form""#).dropFirst().first)
            let firstSubmit = try XCTUnwrap(inForm.components(separatedBy: #"<button type="submit""#).dropFirst().first)
            XCTAssertFalse(firstSubmit.hasPrefix(#" name="add""#), "the first submit button adds a row: \(firstSubmit.prefix(80))")
            XCTAssertTrue(firstSubmit.contains(">記録する</button>"), String(firstSubmit.prefix(120)))

            // "Add a row" records nothing and shows a second row, the first row's entry kept.
            let added = try await b.post("/cases/2022-c2/record/review",
                                              form: [("questions[0].question", "委託先の監督は？"), ("add", "questions")])
            XCTAssertEqual(added.status, .ok)
            XCTAssertTrue(added.text.contains(#"name="questions[1].question""#))
            XCTAssertTrue(added.text.contains("委託先の監督は？"))
            XCTAssertEqual(try ws.state("2022-c2").step("review").status, .waiting)

            // The second row has an answer but no question: refused at that field, entries kept.
            let refused = try await b.post("/cases/2022-c2/record/review", form: [
                ("questions[0].question", "委託先の監督は？"), ("questions[0].answer", "定期的に報告を求める"), ("questions[0].by", "委員01"),
                ("questions[1].question", " "), ("questions[1].answer", "<script>x</script>"),
                ("conditions", "監督を徹底すること"), ("send_back", "false"),
            ])
            XCTAssertEqual(refused.status, .unprocessableContent)
            let html = refused.text
            let field = try XCTUnwrap(html.range(of: #"id="f-questions-1--question""#), html)
            let error = try XCTUnwrap(html.range(of: #"id="f-questions-1--question-error""#), html)
            XCTAssertTrue(error.lowerBound > field.lowerBound && html[field.upperBound..<error.lowerBound].count < 600, "the error follows its field")
            XCTAssertTrue(html.contains("空欄です"), html)
            XCTAssertTrue(html.contains("定期的に報告を求める"), "entries kept")
            XCTAssertTrue(html.contains("&lt;script&gt;x&lt;/script&gt;"), "entries escaped")
            XCTAssertFalse(html.contains("<script>x"))
            XCTAssertEqual(try ws.state("2022-c2").step("review").status, .waiting, "nothing recorded")

            let ok = try await b.post("/cases/2022-c2/record/review", form: [
                ("questions[0].question", "委託先の監督は？"), ("questions[0].answer", "定期的に報告を求める"), ("questions[0].by", "委員01"),
                ("questions[1].question", ""), ("questions[1].answer", ""),
                ("conditions", "監督を徹底すること\r\n報告を受けること"), ("send_back", "false"),
            ])
            XCTAssertEqual(ok.status, .seeOther)
            XCTAssertEqual(ok.headers[.location], "/cases/2022-c2")
        }
        let state = try ws.state("2022-c2")
        XCTAssertEqual(state.step("review").status, .completed, "the case ran on by itself after the record")
        XCTAssertEqual(state.step("review").records.last, .map([
            "questions": .list([.map(["question": .string("委託先の監督は？"), "answer": .string("定期的に報告を求める"), "by": .string("委員01")])]),
            "conditions": .list([.string("監督を徹底すること"), .string("報告を受けること")]), "send_back": .bool(false),
        ]))
        let journal = try ws.runner.store.journal("2022-c2").read()
        XCTAssertEqual(journal.events.last?.by, "clerk", "journaled under the signed-in user")
    }

    func testNewCaseWithUploadedMaterialsAndRefusals() async throws {
        let ws = try FormWorkspace()
        let materials = ws.example.appendingPathComponent("c2/materials")
        let files = try FileManager.default.contentsOfDirectory(atPath: materials.path).sorted().map {
            (field: "materials_folder", name: $0, bytes: [UInt8](try Data(contentsOf: materials.appendingPathComponent($0))))
        }
        let inputs: [(String, String)] = [
            ("workflow", "consultation"), ("case", "2022-n1"), ("department", "子育て支援課"),
            ("subject", "給付金事務の外部委託に伴う個人情報の取扱いについて"), ("kind", "outsourcing"),
            ("items", "氏名\n住所"), ("handover", "true"), ("retention_end", "令和5年3月31日"),
            ("materials", "資料2-1 委託の目的\n資料2-2 委託する個人情報\n資料2-3 安全管理措置\n資料2-4 特記仕様書"),
            ("consulted_on", "R4.6.27"),
        ]
        let uploads = ws.root.appendingPathComponent("uploads")
        try await ws.app(maxUploadBytes: 64 << 10).test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let form = try await b.get("/cases/new?workflow=consultation")
            XCTAssertEqual(form.status, .ok)
            XCTAssertTrue(form.text.contains(#"type="file" multiple id="f-materials_folder" name="materials_folder""#), form.text)
            XCTAssertTrue(form.text.contains(#"enctype="multipart/form-data""#))

            // Over the per-file limit: refused with the figure, nothing kept, no case.
            let big = try await b.post("/cases?workflow=consultation", multipart: inputs,
                                            files: files + [("materials_folder", "資料2-5 大きい.pdf", [UInt8](repeating: 1, count: 70 << 10))])
            XCTAssertEqual(big.status, .contentTooLarge)
            XCTAssertTrue(big.text.contains("64 KB"), big.text)
            XCTAssertTrue(big.text.contains(#"id="new-case-form""#), "the form is shown again")
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.runner.store.folder("2022-n1").path))
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? [], [], "nothing left behind")

            // A traversal name is stored under its last part, inside the staging folder; an
            // input the library refuses (a bad date) is shown at its field and the upload removed.
            var bad = inputs
            bad[bad.firstIndex { $0.0 == "retention_end" }!].1 = "令和5年2月30日"
            let refused = try await b.post("/cases", multipart: bad, files: files + [("materials_folder", "../../../escape.txt", [1])])
            XCTAssertEqual(refused.status, .unprocessableContent)
            XCTAssertTrue(refused.text.contains(#"id="f-retention_end-error""#), refused.text)
            XCTAssertTrue(refused.text.contains("給付金事務の外部委託"), "entries kept")
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("escape.txt").path))
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.deletingLastPathComponent().appendingPathComponent("escape.txt").path))
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? [], [])

            let opened = try await b.post("/cases", multipart: inputs, files: files)
            XCTAssertEqual(opened.status, .seeOther, opened.text)
            XCTAssertEqual(opened.headers[.location], "/cases/2022-n1")
        }
        let state = try ws.state("2022-n1")
        XCTAssertEqual(state.inputs["retention_end"], .string("2023-03-31"), "era dates read as the CLI reads them")
        let folder = try XCTUnwrap(state.inputs["materials_folder"]?.stringValue)
        XCTAssertTrue(folder.hasPrefix(uploads.path + "/2022-n1/"), folder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), files.map(\.name))
        let report = try await ws.runner.run(caseID: "2022-n1")
        XCTAssertEqual(report.step, "review", "the draft step found the uploaded materials: \(report.lines)")
    }

    func testADepartmentOpensOnlyItsOwnDepartmentsCases() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("jinji", client)
            let form = try await b.get("/cases/new?workflow=simple-consultation")
            XCTAssertTrue(form.text.contains(#"value="人事課""#), "the department is filled in")
            let other = try await b.post("/cases", multipart: [("workflow", "simple-consultation"), ("case", "x1"), ("department", "子育て支援課")], files: [])
            XCTAssertEqual(other.status, .forbidden)
            XCTAssertFalse(FileManager.default.fileExists(atPath: ws.runner.store.folder("x1").path))
            let otherCase = try await b.get("/cases/2022-c2/record/review")
            XCTAssertEqual(otherCase.status, .forbidden, "another department's case is not shown")
        }
    }

    func testButtonsJournalTheUserAndABusyCaseSaysSo() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let noReason = try await b.post("/cases/2022-c2/withdraw", form: [("reason", " ")])
            XCTAssertEqual(noReason.status, .unprocessableContent)
            XCTAssertTrue(noReason.text.contains("理由を書いてください"), noReason.text)

            let lock = try ws.runner.store.lock("2022-c2")
            let busy = try await b.post("/cases/2022-c2/withdraw", form: [("reason", "取り下げの申出")])
            XCTAssertEqual(busy.status.code, 423)
            XCTAssertTrue(busy.text.contains(#"id="retry""#), busy.text)
            XCTAssertTrue(busy.text.contains(#"name="reason" value="取り下げの申出""#), "the retry sends the form again")
            withExtendedLifetime(lock) {}
        }
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let done = try await b.post("/cases/2022-c2/withdraw", form: [("reason", "取り下げの申出")])
            XCTAssertEqual(done.status, .seeOther)
            let reopened = try await b.post("/cases/2022-c2/reopen", form: [("reason", "再提出")])
            XCTAssertEqual(reopened.status, .seeOther)
            let badCSRF = try await b.post("/cases/2022-c2/withdraw", form: [("reason", "x")], csrf: "forged")
            XCTAssertEqual(badCSRF.status, .forbidden)
        }
        let events = try ws.runner.store.journal("2022-c2").read().events
        XCTAssertEqual(events.suffix(2).map(\.type), [.withdrawn, .reopened])
        XCTAssertEqual(Set(events.suffix(2).compactMap(\.by)), ["clerk"])
    }
}

/// Corrected materials after the council sends a case back, through the routes.
final class MaterialsRouteTests: XCTestCase {
    func testCorrectedMaterialsAfterASendBack() async throws {
        let ws = try FormWorkspace()
        try await ws.consultationAtReview("2022-c2")
        let materials = ws.example.appendingPathComponent("c2/materials")
        let files = try FileManager.default.contentsOfDirectory(atPath: materials.path).sorted().map {
            (field: "files", name: $0, bytes: [UInt8](try Data(contentsOf: materials.appendingPathComponent($0))))
        }
        var changed = files
        changed[0].bytes += Array("\n委託の目的: 給付金の支給事務（通知の発送を含む）。\n".utf8)
        let correctedFiles = changed
        try await ws.app().test(.router) { client in
            var b = try await Browser.signedIn("clerk", client)
            let back = try await b.post("/cases/2022-c2/record/review", form: [
                ("corrections[0].material", "資料2-1"), ("corrections[0].change", "委託の目的を具体的に書くこと"), ("send_back", "true"),
            ])
            XCTAssertEqual(back.status, .seeOther, back.text)
            // The case runs by itself after the record: the draft now waits for the corrections.
            XCTAssertEqual(try ws.state("2022-c2").step("draft").status, .waiting)

            let page = try await b.get("/cases/2022-c2/materials")
            XCTAssertTrue(page.text.contains(#"<label for="f-files">"#), page.text)
            // The same files as before: refused (no correction made), nothing kept.
            let same = try await b.post("/cases/2022-c2/materials", multipart: [], files: files)
            XCTAssertEqual(same.status, .unprocessableContent, same.text)
            XCTAssertTrue(same.text.contains("byte-identical"), same.text)
            let uploads = ws.root.appendingPathComponent("uploads")
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? [], [])

            let corrected = try await b.post("/cases/2022-c2/materials", multipart: [("reason", "")], files: correctedFiles)
            XCTAssertEqual(corrected.status, .seeOther, corrected.text)
        }
        let state = try ws.state("2022-c2")
        XCTAssertEqual(state.step("draft").status, .completed, "the draft was made again from the corrected materials at once")
        XCTAssertEqual(state.step("review").status, .waiting, "and the case is back at the review")
        let folder = try XCTUnwrap(state.step("draft").records.last.flatMap { r -> String? in
            if case .map(let m) = r { return m["materials"]?.stringValue } else { return nil }
        })
        XCTAssertTrue(folder.hasPrefix(ws.root.appendingPathComponent("uploads/2022-c2/").path), folder)
        XCTAssertEqual(try ws.runner.store.journal("2022-c2").read().events.last?.by, "clerk")
    }
}
