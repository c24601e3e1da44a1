import DocketCore
@testable import DocketIndex
import Foundation
import XCTest

/// What the search reads of a step's documents: a Markdown document once (not again as its HTML
/// rendition), and other HTML without its markup, so a hit shows text a person reads.
final class SearchableTextTests: XCTestCase {
    func testAnHTMLRenditionBesideItsMarkdownIsNotSearchedTwiceAndHTMLIsReadWithoutMarkup() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("searchable-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("draft"), withIntermediateDirectories: true)
        let files = [
            "draft/諮問文.md": "# 諮問文\n\n個人情報の外部委託について\n",
            "draft/諮問文.html": "<html><head><style>p { color: red }</style></head><body><p>個人情報の外部委託について</p></body></html>",
            "draft/別紙.html": "<html><head><title>別紙</title><script>var x = '<委託>';</script></head><body><h1>別紙</h1><p>委託先&amp;再委託先の<b>監督</b></p></body></html>",
        ]
        var event = JournalEvent(type: .completed, step: "draft")
        event.documents = try files.keys.sorted().map { path in
            let bytes = Array(files[path]!.utf8)
            try Data(bytes).write(to: folder.appendingPathComponent(path))
            return DocumentRecord(path: path, size: Int64(bytes.count), sha256: Journal.sha256Hex(bytes))
        }
        let texts = SQLiteIndex.texts(of: event, in: folder)
        XCTAssertEqual(texts.map(\.0).sorted(), ["draft/別紙.html", "draft/諮問文.md"], "the Markdown's own rendition is left out")
        let appendix = try XCTUnwrap(texts.first { $0.0 == "draft/別紙.html" }?.2)
        XCTAssertTrue(appendix.contains("委託先&再委託先の監督"), appendix)
        XCTAssertFalse(appendix.contains("<"), "no markup: \(appendix)")
        XCTAssertFalse(appendix.contains("var x"), "no script: \(appendix)")
    }
}
