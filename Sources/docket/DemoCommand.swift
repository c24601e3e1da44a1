import ArgumentParser
import DocketCore
import DocketSteps
import DocketWorkspace
import DocketYAML
import Foundation

/// A meeting to replay: its agenda items as cases, with what was recorded for each.
struct MeetingScript {
    struct Item {
        var label, caseID, workflow, inputs: String
        var records: [(step: String, file: String)]
    }

    var title: String
    var date: String
    var items: [Item]

    static func load(path: String) throws -> MeetingScript {
        let node = try YAMLLoader().loadFile(at: path)
        var d = Diagnostics(file: path)
        var script = MeetingScript(title: "", date: "", items: [])
        if var m = StrictMapping(node, what: "the meeting", diagnostics: &d) {
            script.title = m.require("meeting", "the meeting's name", diagnostics: &d).flatMap { Read.string($0, "'meeting'", &d) } ?? ""
            script.date = m.require("date", "the meeting date", diagnostics: &d).flatMap { Read.text($0, "'date'", &d) } ?? ""
            for item in m.require("items", "the agenda items", diagnostics: &d).flatMap({ Read.list($0, "'items'", &d) }) ?? [] {
                guard var im = StrictMapping(item, what: "an item", diagnostics: &d) else { continue }
                func text(_ key: String) -> String { im.require(key, "", diagnostics: &d).flatMap { Read.text($0, "'\(key)'", &d) } ?? "" }
                var entry = Item(label: text("label"), caseID: text("case"), workflow: text("workflow"), inputs: text("inputs"), records: [])
                for r in im.take("records").flatMap({ Read.list($0, "'records'", &d) }) ?? [] {
                    guard var rm = StrictMapping(r, what: "a record", diagnostics: &d) else { continue }
                    let step = rm.require("step", "the waiting step", diagnostics: &d).flatMap { Read.text($0, "'step'", &d) } ?? ""
                    let file = rm.require("file", "the record file", diagnostics: &d).flatMap { Read.text($0, "'file'", &d) } ?? ""
                    rm.rejectUnknown(known: ["step", "file"], diagnostics: &d)
                    entry.records.append((step, file))
                }
                im.rejectUnknown(known: ["label", "case", "workflow", "inputs", "records"], diagnostics: &d)
                script.items.append(entry)
            }
            m.rejectUnknown(known: ["meeting", "date", "items"], diagnostics: &d)
        }
        try d.check()
        return script
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Replays the bundled meeting (令和4年6月27日) end to end in a fresh folder.",
        discussion: """
            Opens each agenda item of the meeting as a case, runs it, records the review and the \
            tally the meeting record gives, runs it to its answer, and prints a table: item, kind, \
            for, against, decision, answer number, answer file. The root folder must be empty or \
            absent (nothing is ever overwritten).
            """)

    @Option(name: .long, help: ArgumentHelp("An empty folder for the demo's cases.", valueName: "DIR"))
    var root: String = "demo"

    @Option(name: .long, help: ArgumentHelp("The meeting script.", valueName: "FILE"))
    var meeting: String = "workflows/examples/meeting-2022-06-27/meeting.yaml"

    func run() async throws {
        do {
            try await replay()
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }

    func replay() async throws {
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: root), !existing.isEmpty {
            throw CaseError.invalidInput("docket: the folder '\(root)' is not empty; give an empty or new folder with --root (the demo never overwrites cases)")
        }
        let script = try MeetingScript.load(path: meeting)
        let base = URL(fileURLWithPath: meeting).deletingLastPathComponent()
        let workflows = base.deletingLastPathComponent().deletingLastPathComponent()
        // The demo folder is a workspace of its own, using the plugins and workflows found here.
        let here = try? Workspace.locate(rootOption: nil, environment: RootOptions.environment, currentFolder: RootOptions.currentFolder)
        let plugins = here?.pluginFolders(environment: [:]).map(\.path) ?? [RootOptions.currentFolder.appendingPathComponent("Plugins").path]
        try Workspace.create(at: root.hasPrefix("/") ? URL(fileURLWithPath: root) : RootOptions.currentFolder.appendingPathComponent(root),
                             config: WorkspaceConfig(council: "情報公開・個人情報保護審査会（デモ）", organization: "Docket demo",
                                                     pluginFolders: plugins, workflowFolders: [workflows.standardizedFileURL.path]))
        let runner = Runner(store: CaseStore(root: URL(fileURLWithPath: root)), registry: RootOptions.registry, user: RootOptions.user)
        print("\(script.title) (\(JapaneseDate.era(script.date) ?? script.date))\n")
        for item in script.items {
            print("== \(item.label) (case \(item.caseID), workflow \(item.workflow))")
            _ = try runner.open(caseID: item.caseID, workflowPath: workflows.appendingPathComponent("\(item.workflow).yaml").path,
                                inputsFile: base.appendingPathComponent(item.inputs).path, inputPairs: [])
            var result = try await runner.run(caseID: item.caseID)
            result.lines.forEach { print("   \($0)") }
            for record in item.records {
                try runner.record(caseID: item.caseID, stepID: record.step, file: base.appendingPathComponent(record.file).path)
                print("   recorded \(record.file) for step '\(record.step)'")
                result = try await runner.run(caseID: item.caseID)
                result.lines.forEach { print("   \($0)") }
            }
            guard result.status == .completed else {
                print("docket: \(item.label) did not complete (\(result.status.rawValue) at '\(result.step ?? "")')")
                throw ExitCode(1)
            }
        }
        var rows = [["ITEM", "KIND", "FOR", "AGAINST", "DECISION", "ANSWER", "ANSWER FILE"]]
        for item in script.items {
            let (_, state) = try runner.store.load(item.caseID)
            let vote = state.step("vote").outputs, answer = state.step("answer").outputs, report = state.step("report").outputs
            let kind = report["kind"]?.stringValue ?? (item.workflow == "retroactive-approval" ? "retroactive" : "consultation")
            let file = answer["document"]?.stringValue.map { "\(root)/cases/\(item.caseID)/documents/\($0)" } ?? "–"
            rows.append([item.label, kind, vote["for"]?.description ?? "–", vote["against"]?.description ?? "–",
                         answer["decision"]?.stringValue ?? (report["acknowledged"]?.boolValue == true ? "報告（了承）" : "–"),
                         answer["number_label"]?.stringValue ?? "–", file])
        }
        print("")
        print(Table.render(rows))
    }
}
