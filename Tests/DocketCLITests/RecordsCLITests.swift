import Foundation
import XCTest

/// Records a person can write: step details, skeletons, dates, blank text; send-back that waits
/// for corrected materials; templates that fail loudly; archive replacing an archive.
final class RecordsCLITests: XCTestCase {
    let inputs = "workflows/examples/simple/inputs.yaml"
    let c2 = "workflows/examples/meeting-2022-06-27/c2"

    func testStepsDetailAndTemplates() throws {
        let ws = try Workspace()
        var r = try ws.cli("steps", "committee-review")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("questions: [{question, answer?, by?}]"), r.out)
        XCTAssertTrue(r.out.contains("send_back: true or false, default false"), r.out)
        XCTAssertTrue(r.out.contains("outputs: conditions, corrections, questions, sent_back, round, document"), r.out)
        r = try ws.cli("steps", "committe-review")
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.err.contains("did you mean 'committee-review'?"), r.err)

        try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs)
        try ws.cli("run", "a")
        r = try ws.cli("record", "a", "review", "--template")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("# required: true or false — 審議会が承認したかどうか\napproved: false\n"), r.out)
        // The skeleton, filled in, is a valid record.
        try ws.write("filled.yaml", r.out.replacingOccurrences(of: "approved: false", with: "approved: true"))
        XCTAssertEqual(try ws.cli("record", "a", "review", "--file", "filled.yaml").status, 0)

        r = try ws.cli("new", "simple-consultation", "--template")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("# required: text — 諮問する課\ndepartment: \"\""), r.out)
        XCTAssertTrue(r.out.contains("date: 2025-05-12   # or 令和7年5月12日, R7.5.12"), r.out)
    }

    func testDatesInTheEraAndImpossibleDates() throws {
        let ws = try Workspace()
        var r = try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs, "--input", "date=令和7年5月12日", "--input", "retention_end=R8.3.31")
        XCTAssertEqual(r.status, 0, r.err)
        let journal = try ws.read("cases/a/journal.jsonl")
        XCTAssertTrue(journal.contains("\"date\":\"2025-05-12\"") && journal.contains("\"retention_end\":\"2026-03-31\""), journal)
        XCTAssertEqual(try ws.cli("new", "simple-consultation", "--case", "g", "--inputs", inputs, "--input", "date=令和元年5月1日").status, 0)

        r = try ws.cli("new", "simple-consultation", "--case", "b", "--inputs", inputs, "--input", "date=2025-02-30")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("'2025-02-30' is not a real date: February 2025 has no 30th (it has 28 days)"), r.err)
        XCTAssertFalse(r.err.contains("missing"), "a bad value is not also reported as missing: \(r.err)")
        r = try ws.cli("new", "simple-consultation", "--case", "b", "--inputs", inputs, "--input", "date=5/12")
        XCTAssertTrue(r.err.contains("'5/12' is not a date: write YYYY-MM-DD (2025-05-12), 令和7年5月12日 or R7.5.12"), r.err)
        XCTAssertFalse(r.err.contains("missing"), r.err)
        r = try ws.cli("new", "simple-consultation", "--case", "b", "--inputs", inputs, "--input", "date=平成32年1月1日")
        XCTAssertTrue(r.err.contains("平成 ended before 2019-05-01"), r.err)

        try ws.write("in.yaml", "department: 人事課\nsubject: \"  \"\ndate: 2025-13-01\n")
        r = try ws.cli("new", "simple-consultation", "--case", "b", "--inputs", "in.yaml")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("in.yaml:2:10: error: 'subject' is blank; it is required"), r.err)
        XCTAssertTrue(r.err.contains("in.yaml:3:7: error: 'date': '2025-13-01' is not a real date: there is no month 13"), r.err)
        XCTAssertFalse(r.err.contains("missing"), r.err)
    }

    func testSendBackWaitsForCorrectedMaterials() throws {
        let ws = try Workspace()
        XCTAssertEqual(try ws.cli("new", "consultation", "--case", "c", "--inputs", "\(c2)/inputs.yaml").status, 0)
        try ws.cli("run", "c")
        try ws.write("back.yaml", "corrections:\n  - {material: 資料2-3, change: 封入時の照合手順を明記すること}\nsend_back: true\n")
        XCTAssertEqual(try ws.cli("record", "c", "review", "--file", "back.yaml").status, 0)
        var r = try ws.cli("run", "c")
        XCTAssertTrue(r.out.contains("step 'draft' is waiting: 審議会から修正を求められて差し戻されました。所管課が修正した資料を提出してください"), r.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("cases/c/documents/draft@2").path), "no redraft from uncorrected materials")

        // The same files again: refused, unless the record says why nothing changed.
        r = try ws.cli("record", "c", "draft", "--materials", "\(c2)/materials")
        XCTAssertEqual(r.status, 65, r.err)
        XCTAssertTrue(r.err.contains("are byte-identical to the previous round's (draft/資料): no correction was made"), r.err)
        let fixed = ws.root.appendingPathComponent("fixed")
        try FileManager.default.copyItem(at: ws.root.appendingPathComponent("\(c2)/materials"), to: fixed)
        try ws.write("fixed/資料2-3_安全管理措置.md", "# 資料2-3 安全管理措置（修正版）\n")
        r = try ws.cli("record", "c", "draft", "--materials", "fixed")
        XCTAssertEqual(r.status, 0, r.err)
        r = try ws.cli("run", "c")
        XCTAssertTrue(r.out.contains("step 'review' is waiting"), r.out)
        XCTAssertEqual(try ws.read("cases/c/documents/draft@2/資料/資料2-3_安全管理措置.md"), "# 資料2-3 安全管理措置（修正版）\n")
        XCTAssertTrue(try ws.read("cases/c/documents/draft@2/諮問文.md").contains("（第2版）"))

        // A second send-back: unchanged materials with a reason are accepted.
        XCTAssertEqual(try ws.cli("record", "c", "review", "--file", "back.yaml").status, 0)
        try ws.cli("run", "c")
        r = try ws.cli("record", "c", "draft", "--materials", "fixed", "--reason", "資料2-3は修正済みで、説明の補足のみ")
        XCTAssertEqual(r.status, 0, r.err)
    }

    func testTemplatesFailLoudly() throws {
        let ws = try Workspace(copyWorkflows: false)
        try ws.write("wf.yaml", """
            docket: 1
            name: t
            inputs:
              date: {type: date, required: true}
            steps:
              - id: doc
                uses: render
                with: {template: t.mustache, output: a.txt}
            """)
        try ws.write("t.mustache", "日付: {{#wareki}}{{inputs.date}}{{/wareki}}\n宛先: {{inputs.nosuch}}\n")
        var r = try ws.cli("validate", "wf.yaml")
        XCTAssertEqual(r.status, 65)
        let t = ws.root.appendingPathComponent("t.mustache").path
        XCTAssertTrue(r.err.contains("\(t):2:5: error: 'inputs.nosuch'"), r.err)
        try ws.write("t.mustache", "日付: {{#wareki}}{{inputs.date}}{{/wareki}}\n{{#inputs.date}}\nx\n")
        r = try ws.cli("validate", "wf.yaml")
        XCTAssertTrue(r.err.contains("\(t):2:1: error: the template does not parse: the section '{{#inputs.date}}' opened here is never closed"), r.err)
        try ws.write("t.mustache", "{{workspace.counsil}}\n")
        r = try ws.cli("validate", "wf.yaml")
        XCTAssertTrue(r.err.contains("\(t):1:1: error: 'workspace.counsil' is unknown; the workspace offers workspace.council, workspace.organization, workspace.head") && r.err.contains("did you mean 'workspace.council'?"), r.err)
        try ws.write("t.mustache", "日付: {{#wareki}}{{inputs.date}}{{/wareki}}\n{{workspace.council}}\n")
        XCTAssertEqual(try ws.cli("validate", "wf.yaml").status, 0)
        XCTAssertEqual(try ws.cli("new", "wf.yaml", "--case", "w", "--input", "date=2025-05-12").status, 0)
        XCTAssertEqual(try ws.cli("run", "w").status, 0)
        XCTAssertEqual(try ws.read("cases/w/documents/doc/a.txt"), "日付: 令和7年5月12日\nテスト審査会\n", "the council comes from docket.yaml")
    }

    func testArchiveSaysWhatItReplaces() throws {
        let ws = try Workspace()
        try ws.cli("new", "simple-consultation", "--case", "a", "--inputs", inputs)
        try ws.cli("run", "a")
        try ws.cli("record", "a", "review", "--file", "workflows/examples/simple/review.yaml")
        try ws.cli("run", "a")
        var r = try ws.cli("archive", "a")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertFalse(r.out.contains("replaces"), r.out)
        r = try ws.cli("archive", "a")
        XCTAssertTrue(r.out.contains("it replaces the archive made"), r.out)
        XCTAssertTrue(r.out.contains(": the same bytes, nothing changed since"), r.out)
    }
}
