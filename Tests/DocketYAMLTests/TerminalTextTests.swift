import DocketYAML
import XCTest

final class TerminalTextTests: XCTestCase {
    func testControlCharactersCannotForgeALine() {
        XCTAssertEqual(TerminalText.escaped("a\nok workflows/x.yaml"), "a\\nok workflows/x.yaml")
        XCTAssertEqual(TerminalText.escaped("\u{1B}[2J\u{07}\r\0"), "\\u{1B}[2J\\u{7}\\r\\u{0}")
        XCTAssertEqual(TerminalText.escaped("諮問\u{2028}x\u{85}"), "諮問\\u{2028}x\\u{85}")
        XCTAssertEqual(TerminalText.escaped("plain 令和4年 \\n"), "plain 令和4年 \\n")
    }

    func testBlocksKeepTheirLines() {
        XCTAssertEqual(TerminalText.escapedKeepingLines("one\n\ttwo\u{1B}]0;x\u{07}"), "one\n\ttwo\\u{1B}]0;x\\u{7}")
    }
}
