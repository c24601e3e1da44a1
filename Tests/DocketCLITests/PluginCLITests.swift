import Foundation
import XCTest

final class PluginCLITests: XCTestCase {
    func testShellPluginFoundThroughThePluginPath() throws {
        let ws = try Workspace(copyWorkflows: false)
        let folder = ws.root.appendingPathComponent("dept-plugins/stamp")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ws.write("dept-plugins/stamp/plugin.yaml", """
            docket-plugin: 1
            name: stamp
            description: stamps a receipt number (shell plugin)
            version: 2.0.1
            run: [sh, stamp.sh]
            with:
              prefix: {type: string, required: true}
            outputs: [receipt]
            sample: {prefix: 受付}
            """)
        try ws.write("dept-plugins/stamp/stamp.sh", #"""
            req=$(cat)
            prefix=$(printf '%s' "$req" | sed 's/.*"prefix":"\([^"]*\)".*/\1/')
            case_id=$(printf '%s' "$req" | sed 's/.*"case":{"id":"\([^"]*\)".*/\1/')
            echo "stamping $case_id" >&2
            echo "{\"protocol\": 1, \"status\": \"completed\", \"outputs\": {\"receipt\": \"$prefix-$case_id\"}}"
            """#)
        try ws.write("w.yaml", "docket: 1\nname: w\nsteps:\n  - id: s\n    uses: stamp\n    with: {prefix: 受付}\n  - id: t\n    uses: render\n    with: {text: \"{{steps.s.outputs.receipt}}\", output: r.txt}\n")
        var cli = ws.cli
        cli.env["DOCKET_PLUGIN_PATH"] = ws.root.appendingPathComponent("dept-plugins").path
        var r = try cli("plugins")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNotNil(r.out.firstMatch(of: try Regex("(?m)^stamp +2\\.0\\.1 +1 +\(NSRegularExpression.escapedPattern(for: folder.path))")), r.out)
        XCTAssertTrue(r.out.contains("isolation: "), r.out)
        r = try cli("plugins", "check", "stamp")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("ok stamp: speaks protocol 1; on the sample it answered completed"), r.out)
        XCTAssertEqual(try cli("validate", "w.yaml").status, 0)
        XCTAssertEqual(try cli("new", "w.yaml", "--case", "k1").status, 0)
        r = try cli("run", "k1")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertEqual(try ws.read("cases/k1/documents/t/r.txt"), "受付-k1")
        XCTAssertEqual(try ws.read("cases/k1/logs/s-1.log"), "stamping k1\n")
        // Without the path the workflow no longer validates: the plugin is unknown.
        r = try ws.cli("validate", "w.yaml")
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.err.contains("uses 'stamp', which is neither a built-in step nor a plugin found"), r.err)
        // The case's status still shows: reading a case needs none of its plugins.
        r = try ws.cli("status", "k1", "--json")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "no warning: the snapshot reads without the plugin")
        XCTAssertEqual(try ws.json(r.out)["state"] as? String, "completed")
        XCTAssertEqual((try ws.json(r.out)["steps"] as? [[String: Any]])?.compactMap { $0["uses"] as? String }.contains("stamp"), true, r.out)
    }

    func testMailingSerialCheck() throws {
        let ws = try Workspace()
        var r = try ws.cli("new", "mailing-check", "--case", "good", "--inputs", "workflows/examples/mailing/good/inputs.yaml")
        XCTAssertEqual(r.status, 0, r.err)
        r = try ws.cli("run", "good")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertTrue(try ws.read("cases/good/documents/check/mailing-check.md").contains("- letters on the list: 40"))
        try ws.cli("new", "mailing-check", "--case", "bad", "--inputs", "workflows/examples/mailing/misdirected/inputs.yaml")
        r = try ws.cli("run", "bad")
        XCTAssertEqual(r.status, 1)
        for problem in ["serial 17 is missing between 1 and 40", "envelope 8 holds the letter for 9: misdirected mail",
                        "envelope 9 holds the letter for 8: misdirected mail", "envelope 30 was scanned twice"] {
            XCTAssertTrue(r.out.contains(problem), "reports \(problem):\n\(r.out)")
        }
    }

    func testPersonalDataScanFindsWhatMustNotBePublished() throws {
        let ws = try Workspace()
        try ws.write("leak.yaml", """
            docket: 1
            name: leak
            steps:
              - id: answer
                uses: render
                with:
                  output: 答申.md
                  text: |
                    答申本文
                    連絡先 03-1234-5678 または taro.yamada@example.jp
                    個人番号 １２３４ ５６７８ ９０１８
                    〒153-8573 東京都目黒区上目黒2丁目19番15号
                    番号 123456789012 は検査数字が合わないので個人番号ではない
              - id: scan
                uses: personal-data-scan
                with: {documents: [answer/答申.md]}
            """)
        XCTAssertEqual(try ws.cli("new", "leak.yaml", "--case", "p").status, 0)
        let r = try ws.cli("run", "p")
        XCTAssertEqual(r.status, 1)
        for hit in ["answer/答申.md:2: phone number", "answer/答申.md:2: e-mail address", "answer/答申.md:3: individual number",
                    "answer/答申.md:4: postal code", "answer/答申.md:4: postal address"] {
            XCTAssertTrue(r.out.contains(hit), "finds \(hit):\n\(r.out)")
        }
        XCTAssertFalse(r.out.contains("answer/答申.md:5: individual"), "a 12-digit number with a wrong check digit is not an individual number")
        XCTAssertFalse(r.out.contains("taro.yamada@example.jp"), "hits are masked in the message")
    }
}
