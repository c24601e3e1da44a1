import DocketYAML
import XCTest

final class LoaderTests: XCTestCase {
    func load(_ text: String, limits: YAMLLimits = .docket) throws -> Node {
        try YAMLLoader(limits: limits).loadSingleDocument(Array(text.utf8), file: "t.yaml")
    }

    func diagnostics(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            XCTFail("expected an error")
            return []
        } catch let e as DiagnosticsError {
            return e.diagnostics.map(\.description)
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    func testMarksAreOneBasedAndCountUnicodeScalars() throws {
        let node = try load("a:\n  所管課: 人事課\n  b: [1, 2]\n")
        let inner = try XCTUnwrap(node.pairs?[0].value.pairs)
        XCTAssertEqual(inner[0].key.mark, Mark(line: 2, column: 3))
        XCTAssertEqual(inner[0].value.mark, Mark(line: 2, column: 8), "3 kanji + ': ' after column 3")
        XCTAssertEqual(inner[1].value.items?[1].mark, Mark(line: 3, column: 10))
    }

    func testJapaneseKeysAndValuesRoundTrip() throws {
        let node = try load("件名: \"内定者管理ツールの利用に伴う個人情報の取扱い\"\n答申: |\n  承認する。\n  付帯意見あり\n")
        XCTAssertEqual(node.pairs?[0].key.scalarText, "件名")
        XCTAssertEqual(node.pairs?[0].value.scalarText, "内定者管理ツールの利用に伴う個人情報の取扱い")
        XCTAssertEqual(node.pairs?[1].value.scalarText, "承認する。\n付帯意見あり\n")
    }

    func testCoreSchemaResolution() {
        let cases: [(String, ResolvedScalar)] = [
            ("true", .bool(true)), ("False", .bool(false)), ("yes", .string("yes")), ("no", .string("no")),
            ("on", .string("on")), ("off", .string("off")), ("y", .string("y")), ("~", .null), ("null", .null),
            ("", .null), ("42", .int(42)), ("-7", .int(-7)), ("0o17", .int(15)), ("0x1F", .int(31)),
            ("1.5", .float(1.5)), ("1e3", .float(1000)), (".inf", .float(.infinity)), ("2022-06-27", .string("2022-06-27")),
            ("0123", .int(123)), ("1_000", .string("1_000")), ("12:30", .string("12:30")), ("令和4年", .string("令和4年")),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(Node.resolvePlain(text), expected, "plain scalar '\(text)'")
        }
    }

    func testQuotedAndTaggedScalars() throws {
        let node = try load("a: \"true\"\nb: '42'\nc: !!str 42\nd: !!int \"7\"\ne: |\n  null\n")
        let values = node.pairs!.map(\.value.resolved)
        XCTAssertEqual(values, [.string("true"), .string("42"), .string("42"), .int(7), .string("null\n")])
    }

    func testAnchorsAndAliases() throws {
        let node = try load("base: &b {x: 1}\ncopy: *b\n")
        XCTAssertEqual(node.pairs?[1].value.pairs?[0].value.resolved, .int(1))
        XCTAssertEqual(node.pairs?[1].value.mark, Mark(line: 2, column: 7), "an alias reports where it is used")
    }

    func testUndefinedAliasIsAnError() {
        let d = diagnostics { _ = try load("a: *nowhere\n") }
        XCTAssertEqual(d.count, 1)
        XCTAssertTrue(d[0].hasPrefix("t.yaml:1:4: error: alias *nowhere"), d[0])
    }

    func testAliasBombFailsFast() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let start = Date()
        let d = diagnostics { _ = try load(text) }
        XCTAssertTrue(d.first?.contains("alias bomb") ?? false, "\(d)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "must stop at the node budget, not expand 10^10 nodes")
    }

    func testDeepNestingIsRefused() {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let d = diagnostics { _ = try load(text) }
        XCTAssertTrue(d.first?.contains("nested more than 64 levels") ?? false, "\(d)")
    }

    func testHugeFileIsRefused() {
        let text = String(repeating: "# padding\n", count: 2000)
        let d = diagnostics { _ = try load(text, limits: YAMLLimits(maxBytes: 10_000)) }
        XCTAssertTrue(d.first?.contains("more than the 10000 this tool reads") ?? false, "\(d)")
    }

    func testTabsAreRefusedWithEveryPlace() {
        let d = diagnostics { _ = try load("a:\n\tb: 1\nc: 2 # a\ttab in a comment is fine\nd: \"x\ty\"\n") }
        XCTAssertEqual(d.count, 2, "\(d)")
        XCTAssertTrue(d[0].hasPrefix("t.yaml:2:1: error: tab character"), d[0])
        XCTAssertTrue(d[1].hasPrefix("t.yaml:4:6: error: tab character"), d[1])
    }

    func testSecondDocumentIsRefused() {
        let d = diagnostics { _ = try load("a: 1\n---\nb: 2\n") }
        XCTAssertEqual(d.count, 1)
        XCTAssertTrue(d[0].hasPrefix("t.yaml:3:1: error: a second YAML document"), d[0])
    }

    func testSyntaxErrorNamesLineAndColumn() {
        let d = diagnostics { _ = try load("a: [1, 2\nb: 3\n") }
        XCTAssertEqual(d.count, 1)
        XCTAssertTrue(d[0].hasPrefix("t.yaml:2:"), d[0])
        XCTAssertTrue(d[0].contains("invalid YAML"), d[0])
    }

    func testEmptyFileIsNull() throws {
        XCTAssertEqual(try load("").resolved, .null)
        XCTAssertEqual(try load("# only a comment\n").resolved, .null)
    }
}

final class StrictMappingTests: XCTestCase {
    func testReportsEveryProblemWithSuggestions() throws {
        let node = try YAMLLoader().loadSingleDocument(Array("name: x\ntitel: y\nname: z\n[a]: 1\nstpes: []\n".utf8), file: "w.yaml")
        var d = Diagnostics(file: "w.yaml")
        var m = try XCTUnwrap(StrictMapping(node, what: "the workflow", diagnostics: &d))
        XCTAssertEqual(m.take("name")?.scalarText, "x")
        m.rejectUnknown(known: ["name", "title", "steps"], diagnostics: &d)
        let messages = d.items.map(\.description)
        XCTAssertEqual(messages, [
            "w.yaml:3:1: error: 'name' appears twice in the workflow (first at line 1); keep one",
            "w.yaml:4:1: error: keys in the workflow must be plain words, not a list",
            "w.yaml:2:1: error: unknown key 'titel' in the workflow; did you mean 'title'?",
            "w.yaml:5:1: error: unknown key 'stpes' in the workflow; did you mean 'steps'?",
        ])
    }

    func testRequiredAndTypedReads() throws {
        let node = try YAMLLoader().loadSingleDocument(Array("count: many\nflag: yes\n".utf8), file: "f.yaml")
        var d = Diagnostics(file: "f.yaml")
        var m = try XCTUnwrap(StrictMapping(node, what: "the file", diagnostics: &d))
        XCTAssertNil(Read.int(m.take("count")!, "'count'", &d))
        XCTAssertNil(Read.bool(m.take("flag")!, "'flag'", &d))
        XCTAssertNil(m.require("id", "an id", diagnostics: &d))
        XCTAssertEqual(d.items.map(\.description), [
            "f.yaml:1:8: error: 'count' must be a whole number, not a string",
            "f.yaml:2:7: error: 'flag' must be true or false, not a string ('yes' is text in YAML 1.2; write true or false)",
            "f.yaml:1:1: error: the file is missing 'id': an id",
        ])
    }

    func testErrorCapIsReported() {
        var d = Diagnostics(file: "x", cap: 3)
        for i in 1...10 { d.error("problem \(i)", at: Mark(line: i, column: 1)) }
        XCTAssertThrowsError(try d.check()) { error in
            let e = error as! DiagnosticsError
            XCTAssertEqual(e.diagnostics.count, 4)
            XCTAssertTrue(e.diagnostics[3].message.contains("stopped after 3 errors"))
        }
    }

    func testSuggestions() {
        XCTAssertEqual(Suggest.nearest(to: "promt", among: ["prompt", "fields"]), "prompt")
        XCTAssertNil(Suggest.nearest(to: "zzzzzz", among: ["prompt", "fields"]))
        XCTAssertEqual(Suggest.distance("kitten", "sitting"), 3)
    }
}
