import DocketArchive
import DocketCore
import DocketPlugins
import DocketSteps
import DocketTestSupport
import DocketYAML
import Foundation
import XCTest

/// The council workflows of workflows/, run through the real runner in a temporary root.
final class ConsultationFlowTests: XCTestCase {
    var workspace: TestWorkspace!
    var runner: Runner!

    override func setUpWithError() throws {
        // The services `docket` builds, over the bundled workflows and plugins (the workflows
        // use the bundled personal-data-scan plugin).
        workspace = try TestWorkspace(council: "", user: "clerk")
        runner = workspace.services.runner
    }

    override func tearDownWithError() throws {
        workspace = nil
    }

    var root: URL { workspace.root }
    var workflows: URL { workspace.workflows }
    var example: URL { workspace.example }

    func write(_ name: String, _ text: String) throws -> String {
        try workspace.write(name, text)
    }

    func open(_ id: String, item: String = "c2", workflow: String = "consultation", inputs: [String: String] = [:]) throws {
        _ = try runner.open(caseID: id, workflowPath: root.appendingPathComponent("workflows/\(workflow).yaml").path,
                            inputsFile: example.appendingPathComponent("\(item)/inputs.yaml").path, inputs: inputs)
    }

    func state(_ id: String) throws -> CaseState { try runner.store.load(id).1 }

    func testDraftChecksStopTheCaseNamingTheProblem() async throws {
        try open("a", inputs: ["subject": "子育て世帯生活支援特別給付金に係る事務について"])
        var report = try await runner.run(caseID: "a")
        XCTAssertEqual(report.status, .failed)
        XCTAssertTrue(report.lines.last!.contains("件名に「外部委託」を含めてください"), report.lines.last!)

        try FileManager.default.removeItem(at: example.appendingPathComponent("c3/materials/資料3-4_特記仕様書.md"))
        try open("b", item: "c3")
        report = try await runner.run(caseID: "b")
        XCTAssertTrue(report.lines.last!.contains("資料の一覧にある「資料3-4 特記仕様書」のファイルがありません。名前が「資料3-4」で始まるファイルを追加してください"), report.lines.last!)

        let noRetention = try write("in.yaml", try String(contentsOf: example.appendingPathComponent("c2/inputs.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "retention_end: 2023-03-31\n", with: "")
            .replacingOccurrences(of: "materials_folder: materials", with: "materials_folder: workflows/examples/meeting-2022-06-27/c2/materials"))
        _ = try runner.open(caseID: "c", workflowPath: root.appendingPathComponent("workflows/consultation.yaml").path, inputsFile: noRetention)
        report = try await runner.run(caseID: "c")
        XCTAssertTrue(report.lines.last!.contains("消去期限がありません。個人情報を委託先に渡すため"), report.lines.last!)
    }

    func testSendBackRedraftsIntoANewRoundWithoutOverwriting() async throws {
        try open("loop")
        _ = try await runner.run(caseID: "loop")
        let firstDraft = runner.store.documents("loop").appendingPathComponent("draft/資料/資料2-3_安全管理措置.md")
        let original = try Data(contentsOf: firstDraft)

        // The council asks for a correction; the department fixes the material in its folder.
        let review = try write("review.yaml", """
            corrections:
              - {material: 資料2-3, change: 封入時の照合手順を明記すること}
            send_back: true
            """)
        try runner.record(caseID: "loop", stepID: "review", file: review)
        var report = try await runner.run(caseID: "loop")
        XCTAssertTrue(report.lines.contains { $0.contains("sent the case back to 'draft'") }, "\(report.lines)")
        XCTAssertEqual(report.step, "draft", "the draft waits for the corrected materials")
        XCTAssertEqual(report.status, .waiting)
        try Data("# 資料2-3 安全管理措置（修正版）\n".utf8).write(to: example.appendingPathComponent("c2/materials/資料2-3_安全管理措置.md"))
        let corrected = try write("corrected.yaml", "materials: \(example.appendingPathComponent("c2/materials").path)\n")
        try runner.record(caseID: "loop", stepID: "draft", file: corrected)
        report = try await runner.run(caseID: "loop")
        XCTAssertEqual(report.status, .waiting)
        XCTAssertEqual(report.step, "review", "the review waits again for the corrected draft")

        let s = try state("loop")
        XCTAssertEqual(s.step("draft").round, 2)
        XCTAssertEqual(s.step("draft").outputs["document"], .string("draft@2/諮問文.md"))
        XCTAssertEqual(try Data(contentsOf: firstDraft), original, "round 1's materials are untouched")
        let second = runner.store.documents("loop").appendingPathComponent("draft@2/資料/資料2-3_安全管理措置.md")
        XCTAssertEqual(try String(contentsOf: second, encoding: .utf8), "# 資料2-3 安全管理措置（修正版）\n")
        let redraft = try String(contentsOf: runner.store.documents("loop").appendingPathComponent("draft@2/諮問文.md"), encoding: .utf8)
        XCTAssertTrue(redraft.contains("# 諮問文（第2版）"), redraft)
        XCTAssertTrue(redraft.contains("- 資料2-3: 封入時の照合手順を明記すること"), redraft)
        XCTAssertEqual(s.step("review").documents.map(\.path), ["review/審議記録.md"])

        // A correction naming a material that is not listed is refused at recording.
        let wrong = try write("wrong.yaml", "corrections:\n  - {material: 資料2-9, change: x}\nsend_back: true\n")
        let problems = diagnostics { try runner.record(caseID: "loop", stepID: "review", file: wrong) }
        XCTAssertTrue(problems.first?.contains("the correction names '資料2-9', which is not among the materials") ?? false, "\(problems)")

        try runner.record(caseID: "loop", stepID: "review", file: example.appendingPathComponent("c2/review.yaml").path)
        _ = try await runner.run(caseID: "loop")
        try runner.record(caseID: "loop", stepID: "vote", file: example.appendingPathComponent("c2/tally.yaml").path)
        let done = try await runner.run(caseID: "loop")
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(try state("loop").step("review").documents.map(\.path), ["review/審議記録.md", "review@2/審議記録.md"])
    }

    func testRefusedTalliesRecordNothingAndARecountIsKept() async throws {
        try open("v")
        _ = try await runner.run(caseID: "v")
        try runner.record(caseID: "v", stepID: "review", file: example.appendingPathComponent("c2/review.yaml").path)
        _ = try await runner.run(caseID: "v")
        let journal = runner.store.journal("v").url
        let before = try Data(contentsOf: journal)
        for (text, expected) in [
            ("present: 10\nfor: 9\nagainst: 0\n", "no quorum: 10 present, but 11 must attend"),
            ("present: 18\nfor: 17\nagainst: 1\n", "more votes than voters"),
            ("present: 18\nfor: 3\nagainst: -1\n", "'against' is -1; counts cannot be negative"),
            ("present: 18\nfor: 10\nagainst: 5\ncasting_vote: for\n", "a casting vote is only given on a tie"),
        ] {
            let file = try write("t.yaml", text)
            let problems = diagnostics { try runner.record(caseID: "v", stepID: "vote", file: file) }
            XCTAssertEqual(problems.count, 1)
            XCTAssertTrue(problems.first?.contains(expected) ?? false, "\(problems) should say \(expected)")
            XCTAssertTrue(problems.first?.hasPrefix("\(file):") ?? false)
        }
        XCTAssertEqual(try Data(contentsOf: journal), before, "a refused tally changes nothing")

        try runner.record(caseID: "v", stepID: "vote", file: try write("t1.yaml", "present: 18\nfor: 8\nagainst: 8\nrecount_called: true\n"))
        var report = try await runner.run(caseID: "v")
        XCTAssertEqual(report.status, .waiting)
        XCTAssertTrue(report.lines.last!.contains("会長が1回目の採決の再計数を求めました"), report.lines.last!)
        try runner.record(caseID: "v", stepID: "vote", file: try write("t2.yaml", "present: 18\nfor: 8\nagainst: 8\nabstain: 1\ncasting_vote: for\n"))
        report = try await runner.run(caseID: "v")
        XCTAssertEqual(report.status, .completed)
        let s = try state("v")
        XCTAssertEqual(s.step("vote").outputs["tallies"], .int(2))
        XCTAssertEqual(s.step("vote").outputs["casting_vote"], .string("for"))
        XCTAssertEqual(s.step("vote").outputs["approved"], .bool(true))
        let answer = try String(contentsOf: runner.store.documents("v").appendingPathComponent("answer/答申.md"), encoding: .utf8)
        XCTAssertTrue(answer.contains("（採決: 賛成8名、反対8名、棄権1名（可否同数のため会長が可と裁決））"), answer)
    }

    func testRejectedConsultationIsAnsweredNotApproved() async throws {
        try open("n")
        _ = try await runner.run(caseID: "n")
        try runner.record(caseID: "n", stepID: "review", file: try write("r.yaml", "conditions: []\n"))
        _ = try await runner.run(caseID: "n")
        try runner.record(caseID: "n", stepID: "vote", file: try write("t.yaml", "present: 15\nfor: 4\nagainst: 10\n"))
        _ = try await runner.run(caseID: "n")
        let s = try state("n")
        XCTAssertEqual(s.step("answer").outputs["decision"], .string("不承認"))
        let answer = try String(contentsOf: runner.store.documents("n").appendingPathComponent("answer/答申.md"), encoding: .utf8)
        XCTAssertTrue(answer.contains("本件については、承認しない。"), answer)
        XCTAssertFalse(answer.contains("付帯意見"), "no conditions, no heading:\n\(answer)")
    }

    func diagnostics(_ body: () throws -> Void) -> [String] {
        do { try body() } catch let e as DiagnosticsError { return e.diagnostics.map(\.description) } catch { return ["\(error)"] }
        return []
    }
}
