import DocketYAML
import XCTest

final class YAMLTextTests: XCTestCase {
    /// What Docket writes into a generated file reads back as the same text, whatever was typed.
    func testQuotedTextReadsBackUnchanged() throws {
        for text in ["みどり市個人情報保護審議会", "a \"quoted\" \\ name", "two\nlines\tand a tab", "bell \u{07} # not a comment", ""] {
            let node = try YAMLLoader().loadSingleDocument(Array("name: \(YAMLText.quoted(text))\n".utf8), file: "t.yaml")
            XCTAssertEqual(node.value(forKey: "name")?.scalarText, text)
        }
    }
}
