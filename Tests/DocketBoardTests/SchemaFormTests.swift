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
        XCTAssertTrue(errors["questions[0].question"][0].contains("blank"))
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
}
