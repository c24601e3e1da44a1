import DocketCore
import Foundation
import XCTest

final class JournalTests: XCTestCase {
    func makeJournal(_ sandbox: Sandbox, events: Int) throws -> Journal {
        let journal = Journal(url: sandbox.root.appendingPathComponent("journal.jsonl"))
        var contents = Journal.Contents.empty
        for i in 0..<events {
            var e = JournalEvent(type: i == 0 ? .created : .started, step: i == 0 ? nil : "s\(i)")
            e.message = "事象 \(i)"
            try journal.append([e], to: &contents, now: Date())
        }
        return journal
    }

    func lines(_ journal: Journal) throws -> [String] {
        try String(contentsOf: journal.url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func testChainReadsBack() throws {
        let sandbox = try Sandbox()
        let journal = try makeJournal(sandbox, events: 5)
        let contents = try journal.read()
        XCTAssertEqual(contents.events.map(\.seq), [1, 2, 3, 4, 5])
        XCTAssertEqual(contents.events[0].prev, Journal.genesis)
        XCTAssertEqual(contents.events[3].message, "事象 3")
        XCTAssertFalse(contents.tornTail)
    }

    func assertBroken(_ journal: Journal, line expected: Int, file: StaticString = #filePath, lineNo: UInt = #line) {
        XCTAssertThrowsError(try journal.read(), file: file, line: lineNo) { error in
            guard case CaseError.brokenJournal(_, let line, _)? = error as? CaseError else {
                return XCTFail("expected a broken journal, got \(error)", file: file, line: lineNo)
            }
            XCTAssertEqual(line, expected, file: file, line: lineNo)
        }
    }

    func testEditedEventBreaksTheChain() throws {
        let sandbox = try Sandbox()
        let journal = try makeJournal(sandbox, events: 4)
        var l = try lines(journal)
        l[1] = l[1].replacingOccurrences(of: "事象 1", with: "事象 9")
        try Data((l.joined(separator: "\n") + "\n").utf8).write(to: journal.url)
        assertBroken(journal, line: 3)
    }

    func testRemovedEventBreaksTheChain() throws {
        let sandbox = try Sandbox()
        let journal = try makeJournal(sandbox, events: 4)
        var l = try lines(journal)
        l.remove(at: 2)
        try Data((l.joined(separator: "\n") + "\n").utf8).write(to: journal.url)
        assertBroken(journal, line: 3)
    }

    func testGarbageLineIsReported() throws {
        let sandbox = try Sandbox()
        let journal = try makeJournal(sandbox, events: 2)
        let handle = try FileHandle(forWritingTo: journal.url)
        handle.seekToEndOfFile()
        handle.write(Data("not json\n".utf8))
        try handle.close()
        assertBroken(journal, line: 3)
    }

    func testTornTailIsIgnoredThenCutOff() throws {
        let sandbox = try Sandbox()
        let journal = try makeJournal(sandbox, events: 3)
        let handle = try FileHandle(forWritingTo: journal.url)
        handle.seekToEndOfFile()
        handle.write(Data("{\"seq\":4,\"ty".utf8))
        try handle.close()
        var contents = try journal.read()
        XCTAssertTrue(contents.tornTail)
        XCTAssertEqual(contents.events.count, 3)
        try journal.append([JournalEvent(type: .finished)], to: &contents, now: Date())
        let again = try journal.read()
        XCTAssertFalse(again.tornTail)
        XCTAssertEqual(again.events.map(\.type), [.created, .started, .started, .finished])
    }
}
