import Foundation
import XCTest

/// The official documents as a recipient and an archivist check them, with outside tools only:
/// pikepdf (PDF/A-2b identification in the XMP, the catalog's language), pdffonts (every font
/// embedded), qpdf --check, pdftotext (the PDF says what the print HTML says), pdfsig (the
/// council's seal valid, the whole document signed), and `docket verify` on the sealed file and
/// on a tampered copy. Then a scanned material, made here as an image-only PDF, found by search.
final class OfficialDocumentsTests: XCTestCase {
    /// Runs a program, returning its status and standard output.
    @discardableResult
    func tool(_ program: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/\(program)")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    var python: String { ProcessInfo.processInfo.environment["DOCKET_TEST_PYTHON"] ?? "/usr/bin/env" }
    func pythonArgs(_ args: [String]) -> [String] { python == "/usr/bin/env" ? ["python3"] + args : args }

    /// What pikepdf reads: the PDF/A part and conformance in the XMP, the title, author and language.
    func pdfaFacts(_ file: URL) throws -> [String: String] {
        let script = """
            import json, sys, pikepdf
            pdf = pikepdf.open(sys.argv[1])
            meta = pdf.open_metadata()
            print(json.dumps({"part": str(meta.get("pdfaid:part", "")), "conformance": str(meta.get("pdfaid:conformance", "")),
                              "title": str(meta.get("dc:title", "")), "author": str(meta.get("dc:creator", "")),
                              "lang": str(pdf.Root.get("/Lang", "")), "pages": len(pdf.pages)}, ensure_ascii=False))
            """
        let r = try tool(python, pythonArgs(["-c", script, file.path]))
        XCTAssertEqual(r.status, 0, "pikepdf could not read \(file.lastPathComponent)")
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
        return object.mapValues { "\($0)" }
    }

    /// The text blocks of an HTML document's body (paragraphs, headings, list items), as a reader sees them.
    func blocks(ofHTML html: String) -> [String] {
        let body = html.components(separatedBy: "<body>").last ?? html
        return body.components(separatedBy: "\n").map { line in
            line.replacingOccurrences(of: "<br>", with: "").replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        }.map(Self.squeezed).filter { !$0.isEmpty }
    }

    static func squeezed(_ s: String) -> String { s.filter { !$0.isWhitespace } }

    /// Checks one issued PDF the way an archivist would.
    func checkPDF(_ file: URL, author: String, file line: UInt = #line) throws {
        let name = file.path.components(separatedBy: "/documents/").last ?? file.lastPathComponent
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), "\(name) was issued", line: line)
        let facts = try pdfaFacts(file)
        XCTAssertEqual(facts["part"], "2", "\(name) identifies as PDF/A-2: \(facts)", line: line)
        XCTAssertEqual(facts["conformance"], "B", "\(name) identifies as PDF/A-2b: \(facts)", line: line)
        XCTAssertEqual(facts["lang"], "ja", "\(name) is in Japanese", line: line)
        XCTAssertEqual(facts["author"]?.contains(author), true, "\(name)'s author is the council: \(facts)", line: line)
        XCTAssertFalse(facts["title"]?.isEmpty ?? true, "\(name) has a title", line: line)
        let fonts = try tool("pdffonts", [file.path])
        XCTAssertEqual(fonts.status, 0, line: line)
        let rows = fonts.out.split(separator: "\n").dropFirst(2)
        XCTAssertFalse(rows.isEmpty, "\(name) has fonts", line: line)
        for row in rows {
            let cols = row.split(separator: " ", omittingEmptySubsequences: true)
            // name type… encoding emb sub uni object ID: emb is the fifth from the end.
            XCTAssertEqual(cols.count >= 5 ? String(cols[cols.count - 5]) : "", "yes", "every font of \(name) is embedded: \(row)", line: line)
        }
        let check = try tool("qpdf", ["--check", file.path])
        XCTAssertEqual(check.status, 0, "qpdf --check \(name): \(check.out)", line: line)
    }

    func testTheBundledMeetingIssuesSealedPDFA() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("docket-pdf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = CLI(root: CLI.packageRoot)
        let demo = try cli.run(["demo", "--root", folder.path])
        XCTAssertEqual(demo.status, 0, demo.err)
        XCTAssertTrue(demo.out.contains("demo seal: "), demo.out)
        let council = "目黒区情報公開・個人情報保護審議会"  // the bundled example's own profile
        let shown = try cli.run(["seal", "show", "--root", folder.path])
        XCTAssertTrue(shown.out.contains("DEMO"), "the demo's seal says it is one: \(shown.out)")

        for id in ["r4-1-c1", "r4-1-c2", "r4-1-c3", "r4-1-c4"] {
            let docs = folder.appendingPathComponent("cases/\(id)/documents")
            for pdf in ["draft-pdf/諮問文.pdf", "records-pdf/審議記録.pdf", "records-pdf/採決記録.pdf", "answer-pdf/答申.pdf", "answer-seal/答申.pdf"] {
                try checkPDF(docs.appendingPathComponent(pdf), author: council)
            }
            // The PDF says what the print HTML says: number, date, addressee, conclusion, conditions.
            let html = try String(contentsOf: docs.appendingPathComponent("answer/答申.html"), encoding: .utf8)
            let text = Self.squeezed(try tool("pdftotext", [docs.appendingPathComponent("answer-seal/答申.pdf").path, "-"]).out)
            let wanted = blocks(ofHTML: html)
            XCTAssertGreaterThan(wanted.count, 8, "the answer has its parts")
            for block in wanted {
                XCTAssertTrue(text.contains(block), "\(id)'s sealed answer reads as its HTML: '\(block)' is missing from the PDF's text")
            }
            XCTAssertTrue(text.contains("令和4年度第"), "the number is in the PDF")
            XCTAssertTrue(text.contains("目黒区長様"), "the addressee is in the PDF")
            XCTAssertTrue(text.contains("電子署名"), "the visible signature block is on the page")
            // The draft's text in the 諮問文's PDF.
            let draft = Self.squeezed(try String(contentsOf: docs.appendingPathComponent("draft/諮問文.md"), encoding: .utf8)
                .replacingOccurrences(of: "#", with: "").replacingOccurrences(of: "**", with: ""))
            let draftPDF = Self.squeezed(try tool("pdftotext", [docs.appendingPathComponent("draft-pdf/諮問文.pdf").path, "-"]).out)
            XCTAssertTrue(draftPDF.contains(String(draft.prefix(20))), "the 諮問文 PDF holds the draft: \(draftPDF.prefix(80))")

            let sig = try tool("pdfsig", [docs.appendingPathComponent("answer-seal/答申.pdf").path])
            XCTAssertTrue(sig.out.contains("Signature Validation: Signature is Valid."), sig.out)
            XCTAssertTrue(sig.out.contains("Total document signed"), sig.out)
            XCTAssertTrue(sig.out.contains("ETSI.CAdES.detached"), "PAdES: \(sig.out)")
            XCTAssertTrue(sig.out.contains(council), "the seal names the council: \(sig.out)")
        }
        let minutes = folder.appendingPathComponent("meetings/2022-1/documents/minutes/会議録.pdf")
        try checkPDF(minutes, author: council)
        XCTAssertTrue(try tool("pdfsig", [minutes.path]).out.contains("Signature is Valid."), "the minutes are sealed")
        let minutesText = Self.squeezed(try tool("pdftotext", [minutes.path, "-"]).out)
        XCTAssertTrue(minutesText.contains("会議録"), minutesText.prefix(200).description)

        // docket verify: the sealed answer is the one the journal recorded; a changed copy is not.
        let sealed = folder.appendingPathComponent("cases/r4-1-c1/documents/answer-seal/答申.pdf")
        let ok = try cli.run(["verify", "--root", folder.path, sealed.path])
        XCTAssertEqual(ok.status, 0, ok.err)
        XCTAssertTrue(ok.out.contains("unchanged since; recorded as case r4-1-c1: answer-seal/答申.pdf"), ok.out)
        var bytes = [UInt8](try Data(contentsOf: sealed))
        let spot = bytes.count / 3
        bytes[spot] = bytes[spot] == 0x30 ? 0x31 : 0x30
        let tampered = folder.appendingPathComponent("tampered.pdf")
        try Data(bytes).write(to: tampered)
        let bad = try cli.run(["verify", "--root", folder.path, tampered.path])
        XCTAssertEqual(bad.status, 1, bad.out)
        XCTAssertTrue(bad.err.contains("NOT OK"), bad.err)
        XCTAssertTrue(bad.err.contains("no case or meeting journal records this file"), bad.err)
        let unsealed = try cli.run(["verify", "--root", folder.path, folder.appendingPathComponent("cases/r4-1-c1/documents/answer-pdf/答申.pdf").path])
        XCTAssertEqual(unsealed.status, 1)
        XCTAssertTrue(unsealed.err.contains("carries no electronic seal"), unsealed.err)

        // The key never left seal/: not in any case, meeting, archive or log.
        let key = try String(contentsOf: folder.appendingPathComponent("seal/key.pem"), encoding: .utf8)
        let keyBody = key.split(separator: "\n").dropFirst().first.map(String.init) ?? key
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("seal/key.pem").path)
        XCTAssertEqual(attributes[.posixPermissions] as? Int, 0o600)
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
        for case let url as URL in walker where !url.path.contains("/seal/") && !url.hasDirectoryPath {
            let data = (try? Data(contentsOf: url)) ?? Data()
            XCTAssertNil(data.range(of: Data(keyBody.utf8)), "the seal's key is in \(url.path)")
        }
    }

    /// Writes a PDF without a text layer: page 1 blank, page 2 text drawn as an image, as a scanner gives it.
    func makeScan(_ file: URL, text: [String]) throws {
        let script = """
            import sys
            from PIL import Image, ImageDraw, ImageFont
            font = ImageFont.truetype("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", 64)
            first = Image.new("L", (1654, 2339), 255)
            ImageDraw.Draw(first).text((150, 300), "一", font=font, fill=0)
            second = Image.new("L", (1654, 2339), 255)
            d = ImageDraw.Draw(second)
            for i, line in enumerate(sys.argv[2:]):
                d.text((150, 300 + i * 140), line, font=font, fill=0)
            first.save(sys.argv[1], resolution=200, save_all=True, append_images=[second])
            """
        let venvPython = CLI.packageRoot.appendingPathComponent("Plugins/pdf-text/venv/bin/python3").path
        let r = try tool(venvPython, ["-c", script, file.path] + text)
        XCTAssertEqual(r.status, 0, "the test scan was made")
        XCTAssertTrue(Self.squeezed(try tool("pdftotext", [file.path, "-"]).out).isEmpty, "the scan has no text layer")
    }

    func testAScannedMaterialIsFoundBySearchWithItsPage() throws {
        let ws = try Workspace()
        let cli = ws.cli
        let materials = ws.root.appendingPathComponent("c1")
        try FileManager.default.createDirectory(at: materials, withIntermediateDirectories: true)
        try makeScan(materials.appendingPathComponent("資料2 監査報告.pdf"), text: ["委託先の監査報告書", "保管期間は五年間とする。"])
        try Data("委託の概要\n".utf8).write(to: materials.appendingPathComponent("資料1 委託の概要.txt"))
        try Data("""
            department: 情報政策課
            subject: 窓口予約システムの外部委託
            kind: outsourcing
            materials: ["資料1 委託の概要", "資料2 監査報告"]
            materials_folder: c1
            consulted_on: 2026-11-20

            """.utf8).write(to: ws.root.appendingPathComponent("inputs.yaml"))
        XCTAssertEqual(try cli("new", "consultation", "--case", "c1", "--inputs", "inputs.yaml").status, 0)
        let run = try cli("run", "c1")
        XCTAssertEqual(run.status, 0, run.err + run.out)
        XCTAssertTrue(run.out.contains("materials-text"), run.out)
        let docs = ws.root.appendingPathComponent("cases/c1/documents/materials-text")
        let text = try String(contentsOf: docs.appendingPathComponent("資料2 監査報告.pdf.txt"), encoding: .utf8)
        XCTAssertEqual(text.filter { $0 == "\u{0C}" }.count, 1, "two pages, one form feed between them")
        XCTAssertTrue(FileManager.default.fileExists(atPath: docs.appendingPathComponent("資料2 監査報告（OCR）.pdf").path), "the searchable copy is kept beside the original")
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/c1/documents/draft/資料/資料2 監査報告.pdf").path), "the original is kept as uploaded")
        let facts = try pdfaFacts(docs.appendingPathComponent("資料2 監査報告（OCR）.pdf"))
        XCTAssertEqual(facts["part"], "2", "the searchable copy is PDF/A-2: \(facts)")

        let found = try cli("search", "監査報告")
        XCTAssertEqual(found.status, 0, found.err)
        XCTAssertTrue(found.out.contains("資料2 監査報告.pdf.txt p.2"), "found in the scan, on its page 2: \(found.out)")
        let json = try cli("search", "保管期間", "--json")
        XCTAssertTrue(json.out.contains("\"page\":2") || json.out.contains("\"page\" : 2"), json.out)
    }

    func testHostilePDFsAreRefusedNamingTheFile() throws {
        let ws = try Workspace()
        let materials = ws.root.appendingPathComponent("m")
        try FileManager.default.createDirectory(at: materials, withIntermediateDirectories: true)
        // Encrypted: made from a scan with qpdf.
        let plain = ws.root.appendingPathComponent("plain.pdf")
        try makeScan(plain, text: ["暗号"])
        XCTAssertEqual(try tool("qpdf", ["--encrypt", "user", "owner", "256", "--", plain.path, materials.appendingPathComponent("資料1 暗号.pdf").path]).status, 0)
        let run = try openAndRun(ws, "e1", folder: "m", material: "資料1 暗号")
        XCTAssertEqual(run.status, 1, run.said)
        let said = run.said
        XCTAssertTrue(said.contains("資料1 暗号.pdf"), "the refusal names the file: \(said)")
        XCTAssertTrue(said.contains("暗号化"), "and says why: \(said)")
        // What was recorded before stays: the draft and its PDF.
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/e1/documents/draft-pdf/諮問文.pdf").path))

        // Not a PDF at all, JavaScript-laden: a fake named .pdf is refused, nothing of it runs.
        let fake = ws.root.appendingPathComponent("f")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        try Data("<script>alert(1)</script>".utf8).write(to: fake.appendingPathComponent("資料1 偽物.pdf"))
        let fakeRun = try openAndRun(ws, "e2", folder: "f", material: "資料1 偽物")
        XCTAssertEqual(fakeRun.status, 1)
        XCTAssertTrue(fakeRun.said.contains("資料1 偽物.pdf"), fakeRun.said)

        // 2,001 pages: refused, naming the figure and the limit.
        let one = ws.root.appendingPathComponent("one.pdf")
        XCTAssertEqual(try tool(CLI.packageRoot.appendingPathComponent("Plugins/pdf-render/venv/bin/python3").path,
                                ["-c", "import sys, weasyprint; weasyprint.HTML(string='<p>頁</p>').write_pdf(sys.argv[1])", one.path]).status, 0)
        let big = ws.root.appendingPathComponent("big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        XCTAssertEqual(try tool("qpdf", ["--empty", "--pages", one.path, Array(repeating: "1", count: 2001).joined(separator: ","), "--",
                                         big.appendingPathComponent("資料1 大部.pdf").path]).status, 0)
        let bigRun = try openAndRun(ws, "e3", folder: "big", material: "資料1 大部")
        XCTAssertEqual(bigRun.status, 1)
        XCTAssertTrue(bigRun.said.contains("資料1 大部.pdf") && bigRun.said.contains("2001") && bigRun.said.contains("500"), bigRun.said)

        // JavaScript: contained (never run), removed from the searchable copy, named in the report.
        let js = ws.root.appendingPathComponent("js")
        try FileManager.default.createDirectory(at: js, withIntermediateDirectories: true)
        XCTAssertEqual(try tool(CLI.packageRoot.appendingPathComponent("Plugins/pdf-text/venv/bin/python3").path, ["-c", """
            import sys, pikepdf
            pdf = pikepdf.open(sys.argv[1])
            pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
            pdf.save(sys.argv[2])
            """, one.path, js.appendingPathComponent("資料1 台本.pdf").path]).status, 0)
        let jsRun = try openAndRun(ws, "e4", folder: "js", material: "資料1 台本")
        XCTAssertEqual(jsRun.status, 0, jsRun.said)
        let journal = try String(contentsOf: ws.root.appendingPathComponent("cases/e4/journal.jsonl"), encoding: .utf8)
        XCTAssertTrue(journal.contains("JavaScript"), "the report names the JavaScript it found")
    }

    func openAndRun(_ ws: Workspace, _ id: String, folder: String, material: String) throws -> (status: Int32, said: String) {
        try Data("""
            department: 情報政策課
            subject: \(id)の外部委託
            kind: outsourcing
            materials: ["\(material)"]
            materials_folder: \(folder)
            consulted_on: 2026-11-20

            """.utf8).write(to: ws.root.appendingPathComponent("\(id).yaml"))
        XCTAssertEqual(try ws.cli("new", "consultation", "--case", id, "--inputs", "\(id).yaml").status, 0)
        let run = try ws.cli("run", id)
        return (run.status, run.out + run.err)
    }
}
