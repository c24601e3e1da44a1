import DocketYAML
import Foundation
import XCTest

final class YAMLBoundsTests: XCTestCase {
    func lines(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            XCTFail("expected an error")
        } catch let e as DiagnosticsError {
            return e.diagnostics.map(\.description)
        } catch {
            XCTFail("unexpected error \(error)")
        }
        return []
    }

    func load(_ text: String) throws -> Node {
        try YAMLLoader().loadSingleDocument(Array(text.utf8), file: "t.yaml")
    }

    func testTabInAQuotedValueIsRefusedEvenAfterAHash() {
        let message = "tab character; indent and separate with spaces (write \\t inside double quotes for a tab in a value)"
        XCTAssertEqual(lines { _ = try load("title: \"No. #3\tx\"\n") }, ["t.yaml:1:15: error: \(message)"])
        XCTAssertEqual(lines { _ = try load("title: 'a # b\tc'\n") }, ["t.yaml:1:14: error: \(message)"])
        XCTAssertEqual(lines { _ = try load("title: |\n  a # b\tc\n") }, ["t.yaml:2:8: error: \(message)"])
    }

    func testTabInACommentIsAllowed() throws {
        let node = try load("title: x # a\tcomment\n# whole\tline\nb: 'y' #\t\n")
        XCTAssertEqual(node.pairs?.count, 2)
    }

    func testHugeFileIsRefusedBeforeItIsRead() throws {
        // A sparse 4 GiB file: refused from its size alone, in no time and no memory.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).yaml")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data("a: 1\n".utf8)))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 4 << 30)
        try handle.close()
        XCTAssertEqual(lines { _ = try YAMLLoader().loadFile(at: url.path) },
                       ["\(url.path):1:1: error: the file is 4294967296 bytes, more than the 8388608 this tool reads; split it or remove what is not needed"])
    }

    func testEndlessDeviceIsReadOnlyUpToTheLimit() {
        let found = lines { _ = try YAMLLoader(limits: YAMLLimits(maxBytes: 1 << 20)).loadFile(at: "/dev/zero") }
        XCTAssertEqual(found, ["/dev/zero:1:1: error: the file holds more than the 1048576 bytes this tool reads; split it or remove what is not needed"])
    }

    func testMissingFileIsNoSuchFile() {
        do {
            _ = try YAMLLoader().loadFile(at: "/nonexistent/inputs.yaml")
            XCTFail("expected an error")
        } catch let e as DiagnosticsError {
            XCTAssertEqual(e.exitCode, 66)
        } catch { XCTFail("\(error)") }
    }

    func testDiagnosticsEscapeControlCharacters() {
        let d = Diagnostic(file: "w\n.yaml", mark: Mark(line: 3, column: 1), message: "unknown key 'x\nok FILE\u{1B}[31m'")
        XCTAssertEqual(d.description, "w\\n.yaml:3:1: error: unknown key 'x\\nok FILE\\u{1B}[31m'")
    }
}
