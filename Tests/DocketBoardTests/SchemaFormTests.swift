import DocketCore
import DocketSteps
import DocketYAML
import DocketTestSupport
import XCTest

@testable import DocketBoard

/// The form generated from a record schema, and the record read back from it, without a server.
final class SchemaFormTests: XCTestCase {
    let review = CommitteeReviewStep().recordSchema(with: [:])!
    let tally = VoteStep().recordSchema(with: [:])!

    func decode(_ schema: Schema, _ body: String) -> (values: [String: Value], errors: FieldErrors) {
        let (node, places) = try! SchemaForm(schema).node(from: FormValues(urlEncoded: body))
        var d = Diagnostics(file: "form")
        let values = SchemaCheck.decode(node, against: schema, what: "the record", diagnostics: &d)
        return (values, places.place(d.sorted))
    }

    func testURLEncodedBodyDecodesPlusPercentAndRepeats() {
        let v = FormValues(urlEncoded: "a=%E4%BA%BA%E4%BA%8B%E8%AA%B2&b=x+y&a=2&c")
        XCTAssertEqual(v["a"], "人事課")
        XCTAssertEqual(v.all("a"), ["人事課", "2"])
        XCTAssertEqual(v["b"], "x y")
        XCTAssertEqual(v["c"], "")
    }

    func testNestedQuestionsListReadsBackAsTheRecordTheCLIWouldRecord() {
        let body = "questions%5B0%5D.question=%E7%9B%AE%E7%9A%84%E3%81%AF%EF%BC%9F&questions%5B0%5D.answer=%E5%A7%94%E8%A8%97&questions%5B0%5D.by=A"
            + "&questions%5B1%5D.question=&questions%5B1%5D.answer=&questions%5B1%5D.by="
            + "&conditions=%E4%B8%80%0D%0A%E4%BA%8C%0D%0A&send_back=false&notes="
        let (values, errors) = decode(review, body)
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(values["questions"], .list([.map(["question": .string("目的は？"), "answer": .string("委託"), "by": .string("A")])]),
                       "the blank second row is left out")
        XCTAssertEqual(values["conditions"], .list([.string("一"), .string("二")]))
        XCTAssertEqual(values["send_back"], .bool(false))
        XCTAssertNil(values["notes"])
    }

    func testProblemsAreShownAtTheirField() {
        // A question row without its question; a tally with words for numbers and no 'for'.
        let (_, errors) = decode(review, "questions%5B0%5D.question=+&questions%5B0%5D.answer=x&send_back=maybe")
        XCTAssertEqual(errors["questions[0].question"].count, 1, "\(errors)")
        XCTAssertEqual(errors["questions[0].question"][0], "「質問」が空欄です。入力してください。", "shown in Japanese, by the label")
        XCTAssertEqual(errors["send_back"].count, 1, "\(errors)")
        XCTAssertTrue(errors.general.isEmpty, "\(errors)")

        let (_, vote) = decode(tally, "present=%EF%BC%98&against=two&meeting.id=m1&meeting.date=%E4%BB%A4%E5%92%8C4%E5%B9%B46%E6%9C%8827%E6%97%A5")
        XCTAssertTrue(vote["present"].isEmpty, "full-width digits are read as a number: \(vote)")
        XCTAssertEqual(vote["against"].count, 1, "\(vote)")
        XCTAssertEqual(vote["for"].count, 1, "the missing 'for' is shown at its field: \(vote)")
        XCTAssertTrue(vote["meeting.date"].isEmpty, "an era date is accepted: \(vote)")
    }

    func testControlsKeepEntriesAndAddARow() {
        let values = FormValues(urlEncoded: "questions%5B0%5D.question=Q1&notes=%3Cb%3E")
        var errors = FieldErrors()
        errors.add("'question' is blank", at: "questions[0].question")
        let controls = SchemaForm(review).controls(values: values, errors: errors, addRowTo: "questions")
        let questions = controls.first { $0.name == "questions" }!
        XCTAssertTrue(questions.isRows)
        XCTAssertEqual(questions.rows.count, 2, "one row sent, one added")
        XCTAssertEqual(questions.rows[0].controls.first { $0.name == "questions[0].question" }?.value, "Q1")
        XCTAssertEqual(questions.rows[0].controls.first { $0.name == "questions[0].question" }?.errors, ["'question' is blank"])
        XCTAssertEqual(questions.rows[1].controls.first?.name, "questions[1].question")
        XCTAssertEqual(controls.first { $0.name == "notes" }?.value, "<b>")
        let sendBack = controls.first { $0.name == "send_back" }!
        XCTAssertTrue(sendBack.isSelect)
        XCTAssertEqual(sendBack.options.map(\.value), ["true", "false"])

        let fresh = SchemaForm(tally).controls(values: nil)
        XCTAssertEqual(fresh.first { $0.name == "recount_called" }?.options.first { $0.selected }?.value, "false", "the default is chosen")
        XCTAssertTrue(fresh.contains { $0.name == "meeting" && $0.isGroup })
        XCTAssertEqual(fresh.first { $0.name == "meeting.date" }?.id, "f-meeting-date")
    }

    func testLabelsAndHelpNeverTheKey() throws {
        let schema = Schema([
            Field("consulted_on", .date, description: "諮問した日", label: "諮問日", help: "諮問文の日付です。"),
            Field("materials_folder", .folder, description: "the folder holding the materials' files"),
            Field("kind", .oneOf(["outsourcing", "cloud-service"])),
        ])
        let controls = SchemaForm(schema).controls(values: nil)
        XCTAssertEqual(controls.map(\.label), ["諮問日", "資料のファイル", "種別"])
        XCTAssertTrue(controls[0].hint.hasPrefix("諮問文の日付です。日付"), controls[0].hint)
        XCTAssertEqual(controls[1].hint, "ファイルを添付", "an English description is the CLI's, not shown")
        XCTAssertEqual(controls[2].options.map(\.label), ["（未選択）", "外部委託", "クラウドサービス"])
        let attendance = SchemaForm(MeetingForms.attendance).controls(values: nil)
        for control in attendance + attendance.flatMap({ $0.rows.flatMap(\.controls) }) {
            XCTAssertFalse(control.label.contains("_") || control.label.allSatisfy(\.isASCII), "labelled in Japanese: \(control.label)")
        }
        // Every input and record field of the standard workflows has a Japanese label.
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../workflows").standardized
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".yaml") {
            let root = try YAMLLoader().loadFile(at: folder.appendingPathComponent(name).path)
            var d = Diagnostics(file: name)
            var schemas = [Schema.declared(from: root.value(forKey: "inputs")!, what: "inputs", diagnostics: &d)]
            for step in root.value(forKey: "steps")?.items ?? [] {
                if let fields = step.value(forKey: "with")?.value(forKey: "fields") { schemas.append(Schema.declared(from: fields, what: "fields", diagnostics: &d)) }
            }
            XCTAssertTrue(d.isEmpty, "\(name): \(d.items)")
            for field in schemas.flatMap(\.fields) { XCTAssertFalse(field.label.isEmpty, "\(name): '\(field.name)' has a label") }
        }
    }

    func testValuesInWords() {
        XCTAssertEqual(Sizes.text(0), "0 KB")
        XCTAssertEqual(Sizes.text(300), "0.3 KB")
        XCTAssertEqual(Sizes.text(12 * 1024 + 100), "12 KB")
        XCTAssertEqual(Sizes.text(1_258_291), "1.2 MB")
        XCTAssertEqual(Sizes.text(2 * 1024 * 1024), "2 MB")
        let schema = Schema([
            Field("items", .list(of: .string), label: "個人情報の項目"), Field("handover", .bool, label: "受け渡し"),
            Field("kind", .oneOf(["outsourcing"])), Field("consulted_on", .date, label: "諮問日"),
            Field("materials_folder", .folder, label: "資料のファイル"),
        ])
        let lines = ValueDisplay.inputs(["items": .list([.string("氏名"), .string("住所")]), "handover": .bool(true), "kind": .string("outsourcing"),
                                         "consulted_on": .string("2026-11-20"), "materials_folder": .string("/nonexistent/uploads/x"),
                                         "fiscal_year": .int(2026)], schema: schema)
        XCTAssertEqual(lines.map { $0["key"] as? String }, ["個人情報の項目", "受け渡し", "種別", "諮問日", "年度"], "a folder with no files: no line")
        XCTAssertEqual(lines[0]["items"] as? [String], ["氏名", "住所"])
        XCTAssertEqual(lines.dropFirst().map { $0["value"] as? String }, ["はい", "外部委託", "2026年11月20日", "2026"])
        let vote = ValueDisplay.outputs(["for": .int(14), "against": .int(2), "abstain": .int(0), "approved": .bool(true), "decision": .string("承認"),
                                         "casting_vote": .null, "document": .string("vote/採決記録.md"), "present": .int(16)], uses: "vote")
        XCTAssertEqual(vote.map { "\($0["key"]!)：\($0["value"]!)" }, ["結果：承認", "採決：賛成14名 反対2名 棄権0名", "出席者数：16名"])
        let answer = ValueDisplay.outputs(["number_label": .string("〇〇第5号"), "fiscal_year": .int(2026), "number": .int(5),
                                           "date": .string("令和8年11月20日"), "decision": .string("承認"), "chair": .string("委員01")], uses: "issue-answer")
        XCTAssertEqual(answer.map { "\($0["key"]!)：\($0["value"]!)" }, ["答申番号：〇〇第5号", "答申日：令和8年11月20日", "結果：承認", "会長：委員01"])
        let other = ValueDisplay.outputs(["number_label": .string("x"), "path": .string("/srv/docket/cases/a")], uses: "some-plugin")
        XCTAssertEqual(other.map { "\($0["key"]!)：\($0["value"]!)" }, ["答申番号：x", "path：a"], "never a server path")
    }
}
