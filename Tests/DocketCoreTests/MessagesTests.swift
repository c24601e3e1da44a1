import DocketCore
import DocketYAML
import XCTest

/// The message catalogue: each validation problem in English (the CLI's, unchanged) and in
/// Japanese (the board's), naming the field by its label; and `label:`/`help:` in a workflow.
final class MessagesTests: XCTestCase {
    func node(_ text: String, file: String = "r.yaml") throws -> Node {
        try YAMLLoader().loadSingleDocument(Array(text.utf8), file: file)
    }

    let schema = Schema([
        Field("consulted_on", .date, label: "諮問日"),
        Field("subject", .string, required: true, label: "件名"),
        Field("present", .int, required: true),
        Field("kind", .oneOf(["outsourcing", "cloud-service"])),
        Field("handover", .bool),
        Field("items", .list(of: .date), label: "期日"),
    ])

    func decode(_ text: String) throws -> [Diagnostic] {
        var d = Diagnostics(file: "r.yaml")
        _ = SchemaCheck.decode(try node(text), against: schema, what: "the record", diagnostics: &d)
        return d.sorted
    }

    func testEveryProblemInBothLanguages() throws {
        let found = try decode("consulted_on: 2026/13/40\nsubject: ' '\npresent: two\nkind: outsorcing\nhandover: yes\nitems: [2026-02-30]\n")
        XCTAssertEqual(found.map(\.message), [
            "'consulted_on': '2026/13/40' is not a real date: there is no month 13",
            "'subject' is blank; it is required: write it in",
            "'present' must be a whole number, not a string",
            "'kind' must be one of: outsourcing, cloud-service; did you mean 'outsourcing'?",
            "'handover' must be true or false, not a string ('yes' is text in YAML 1.2; write true or false)",
            "item 1 of 'items': '2026-02-30' is not a real date: February 2026 has no 30th (it has 28 days)",
        ])
        XCTAssertEqual(found.map(\.japanese), [
            "「諮問日」：「2026/13/40」は実在しない日付です（13月はありません）。",
            "「件名」が空欄です。入力してください。",
            "「出席者数」には整数を入力してください。",
            "「種別」は次のいずれかから選んでください：外部委託、クラウドサービス。",
            "「外部提供」は「はい」か「いいえ」で答えてください。",
            "「期日」の1行目：「2026-02-30」は実在しない日付です（2026年2月は28日までです）。",
        ])
    }

    func testShapeAndMissing() throws {
        let found = try decode("consulted_on: 11月20日\n")
        XCTAssertEqual(found.map(\.japanese), [
            "「件名」が入力されていません。必ず入力してください。",
            "「出席者数」が入力されていません。必ず入力してください。",
            "「諮問日」：「11月20日」は日付ではありません。2026-11-20、2026/11/20、令和8年11月20日、R8.11.20 のように入力してください。",
        ])
        XCTAssertEqual(found.map(\.message)[0], "the record is missing 'subject' (text)")
        // Lenient dates are accepted where a schema asks for a date.
        var d = Diagnostics(file: "r.yaml")
        let v = SchemaCheck.decode(try node("consulted_on: 令和8年11月20日（金）\nsubject: x\npresent: 3\n"), against: schema, what: "the record", diagnostics: &d)
        XCTAssertTrue(d.isEmpty, "\(d.items)")
        XCTAssertEqual(v["consulted_on"], .string("2026-11-20"))
    }

    func testLabelAndHelpAreDeclaredAndUnknownKeysStillRefused() throws {
        var d = Diagnostics(file: "w.yaml")
        let s = Schema.declared(from: try node("consulted_on:\n  type: date\n  label: 諮問日\n  help: 諮問した日です。\nbad: {type: string, lable: x}\n", file: "w.yaml"),
                                what: "'inputs'", diagnostics: &d)
        XCTAssertEqual(s.field("consulted_on")?.label, "諮問日")
        XCTAssertEqual(s.field("consulted_on")?.help, "諮問した日です。")
        XCTAssertEqual(FieldNames.label(of: s.field("consulted_on")!), "諮問日")
        XCTAssertEqual(d.items.map(\.description), ["w.yaml:5:21: error: unknown key 'lable' in field 'bad'; did you mean 'label'?"])
        var t = Diagnostics(file: "w.yaml")
        _ = Schema.declared(from: try node("x: {type: string, label: [a]}\n", file: "w.yaml"), what: "'inputs'", diagnostics: &t)
        XCTAssertEqual(t.items.map(\.description), ["w.yaml:1:26: error: 'label' of field 'x' must be text, not a list (write a value after the colon)"])
    }

    func testFieldNamesFallBackToTheTableThenTheName() {
        XCTAssertEqual(FieldNames.label(of: Field("arrivals", .list(of: .string))), "途中出席")
        XCTAssertEqual(FieldNames.label(of: Field("arrivals", .list(of: .string), label: "遅れて出席")), "遅れて出席")
        XCTAssertEqual(FieldNames.label(of: Field("zzz", .string)), "zzz")
        XCTAssertEqual(FieldNames.word("outside-purpose"), "目的外利用")
    }

    func testCaseInputsMissingAndBlankInJapanese() throws {
        let sandbox = try Sandbox()
        let yaml = """
            docket: 1
            name: w
            inputs:
              subject: {type: string, required: true, label: 件名, description: 諮問の件名}
              consulted_on: {type: date, label: 諮問日}
            steps:
              - id: a
                uses: echo
                with: {message: x}
            """
        let workflow = try WorkflowLoader(registry: testRegistry()).load(path: try sandbox.write("w.yaml", yaml))
        do {
            _ = try Runner.inputs(for: workflow, node: nil, source: nil,
                                          given: [GivenInput(name: "consulted_on", text: "2026/11/20（木）", source: "--input consulted_on")])
            XCTFail("refused")
        } catch let e as DiagnosticsError {
            XCTAssertEqual(e.diagnostics.map(\.message), [
                "input 'consulted_on': '2026/11/20（木）' is not a real date: 2026-11-20 is a Friday, not a Thursday",
                "the required input 'subject' (text) is missing: 諮問の件名; give it",
            ])
            XCTAssertEqual(e.diagnostics.map(\.japanese), [
                "「諮問日」：「2026/11/20（木）」は曜日が違います。2026年11月20日は金曜日です（木曜日ではありません）。",
                "「件名」が入力されていません。必ず入力してください。",
            ])
        }
    }
}
