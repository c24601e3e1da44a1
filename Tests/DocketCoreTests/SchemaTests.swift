import DocketCore
import DocketYAML
import XCTest

final class SchemaTests: XCTestCase {
    func node(_ text: String) throws -> Node {
        try YAMLLoader().loadSingleDocument(Array(text.utf8), file: "r.yaml")
    }

    let schema = Schema([
        Field("present", .int, required: true),
        Field("decision", .oneOf(["承認", "不承認"]), required: true),
        Field("date", .date),
        Field("members", .list(of: .string)),
        Field("note", .string, default: .string("なし")),
    ])

    func testDecodesValidRecordWithDefaults() throws {
        var d = Diagnostics(file: "r.yaml")
        let v = SchemaCheck.decode(try node("present: 18\ndecision: 承認\ndate: 2022-06-27\nmembers: [甲, 乙]\n"), against: schema, what: "the record", diagnostics: &d)
        XCTAssertTrue(d.isEmpty, "\(d.items)")
        XCTAssertEqual(v["present"], .int(18))
        XCTAssertEqual(v["members"], .list([.string("甲"), .string("乙")]))
        XCTAssertEqual(v["note"], .string("なし"))
    }

    func testReportsEveryProblem() throws {
        var d = Diagnostics(file: "r.yaml")
        _ = SchemaCheck.decode(try node("present: eighteen\ndecision: 承任\ndate: 2022-02-30\nmembers: [[x]]\nextra: 1\n"),
                               against: schema, what: "the record", diagnostics: &d)
        XCTAssertEqual(d.items.map(\.description), [
            "r.yaml:1:10: error: 'present' must be a whole number, not a string",
            "r.yaml:2:11: error: 'decision' must be one of: 承認, 不承認; did you mean '承認'?",
            "r.yaml:3:7: error: 'date': '2022-02-30' is not a real date: February 2022 has no 30th (it has 28 days)",
            "r.yaml:4:11: error: item 1 of 'members' must be text, not a list",
            "r.yaml:5:1: error: unknown key 'extra' in the record; expected one of: present, decision, date, members, note",
        ])
    }

    func testMissingRequired() throws {
        var d = Diagnostics(file: "r.yaml")
        _ = SchemaCheck.decode(try node("date: 2022-06-27\n"), against: schema, what: "the record", diagnostics: &d)
        XCTAssertEqual(d.items.map(\.message), ["the record is missing 'present' (a whole number)",
                                                 "the record is missing 'decision' (one of: 承認, 不承認)"])
    }

    func testDates() {
        XCTAssertTrue(SchemaCheck.isDate("2024-02-29"))
        XCTAssertFalse(SchemaCheck.isDate("2023-02-29"))
        XCTAssertFalse(SchemaCheck.isDate("2022-6-27"))
        XCTAssertFalse(SchemaCheck.isDate("令和4年6月27日"))
    }

    func testDeclaredSchema() throws {
        var d = Diagnostics(file: "w.yaml")
        let s = Schema.declared(from: try node("kind: {type: string, values: [outsourcing, cloud]}\nn: {type: int, default: 3}\nl: {type: list, items: date}\nbad: {type: integer, requird: true}\n"),
                                what: "'inputs'", diagnostics: &d)
        XCTAssertEqual(s.field("kind")?.type, .oneOf(["outsourcing", "cloud"]))
        XCTAssertEqual(s.field("n")?.defaultValue, .int(3))
        XCTAssertEqual(s.field("l")?.type, .list(of: .date))
        XCTAssertEqual(d.items.map(\.description), [
            "w.yaml:4:13: error: unknown type 'integer' for field 'bad'; use one of: string, int, number, bool, date, list, map, folder (did you mean 'int'?)",
            "w.yaml:4:22: error: unknown key 'requird' in field 'bad'; did you mean 'required'?",
        ])
    }

    func testRuntimeProblems() {
        XCTAssertNil(SchemaCheck.problem(with: .int(3), as: .number))
        XCTAssertNotNil(SchemaCheck.problem(with: .string("x"), as: .int))
        XCTAssertNotNil(SchemaCheck.problem(with: .string("2022-13-01"), as: .date))
        XCTAssertNotNil(SchemaCheck.problem(with: .list([.int(1), .string("x")]), as: .list(of: .int)))
    }
}
