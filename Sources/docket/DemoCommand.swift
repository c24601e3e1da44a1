import ArgumentParser
import DocketCore
import DocketMeetings
import DocketSteps
import DocketWorkspace
import DocketYAML
import Foundation

/// A meeting to replay: its header, attendance, agenda (opening business, the items as cases
/// with what was recorded for each, closing business) and transcript.
struct MeetingScript {
    struct Item {
        var label, caseID, workflow, inputs: String
        var records: [(step: String, file: String)]
    }

    var id = "", title = "", date = "", time = "", place = "", attendance = ""
    var transcript: String?
    var opening: [String] = [], closing: [String] = []
    var items: [Item] = []

    /// Report workflows give report items (報告事項); the rest are consultations.
    static func isReport(_ workflow: String) -> Bool { workflow == "report" || workflow == "incident-report" }

    static func load(path: String) throws -> MeetingScript {
        let node = try YAMLLoader().loadFile(at: path)
        var d = Diagnostics(file: path)
        var script = MeetingScript()
        if var m = StrictMapping(node, what: "the meeting", diagnostics: &d) {
            func text(_ key: String, _ hint: String) -> String { m.require(key, hint, diagnostics: &d).flatMap { Read.text($0, "'\(key)'", &d) } ?? "" }
            script.id = text("meeting", "the meeting's id")
            script.title = text("title", "the meeting's name")
            script.date = text("date", "the meeting date")
            script.time = text("time", "the time, 14:00-17:30")
            script.place = text("place", "the venue")
            script.attendance = text("attendance", "the attendance file")
            script.transcript = m.take("transcript").flatMap { Read.text($0, "'transcript'", &d) }
            func texts(_ key: String) -> [String] { m.take(key).flatMap { Read.list($0, "'\(key)'", &d) }?.compactMap { Read.text($0, "an item", &d) } ?? [] }
            script.opening = texts("opening")
            script.closing = texts("closing")
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
            m.rejectUnknown(known: ["meeting", "title", "date", "time", "place", "attendance", "transcript", "opening", "items", "closing"], diagnostics: &d)
        }
        try d.check()
        return script
    }
}

struct DemoCommand: AsyncParsableCommand {
    /// The demo workspace's docket.yaml: the council of the replayed meeting.
    static let council = "目黒区情報公開・個人情報保護審議会"
    static let organization = "目黒区（デモ）"

    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Replays the bundled meeting (令和4年6月27日) end to end in a fresh folder.",
        discussion: """
            Opens the meeting, sets its agenda in the record's order, records the attendance (18 of \
            21, quorum 11), opens and runs each item's case, records the review and the tallies at \
            the meeting (the first one recounted), closes the meeting and writes its minutes \
            (会議録), checked and archived. Prints a table: item, kind, for, against, decision, \
            answer number, answer file. The root folder must be empty or absent (nothing is ever \
            overwritten).
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
            throw meetingReport(error)
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
                             config: WorkspaceConfig(council: Self.council, organization: Self.organization,
                                                     pluginFolders: plugins, workflowFolders: [workflows.standardizedFileURL.path]))
        let registry = RootOptions.registry
        let runner = Runner(store: CaseStore(root: URL(fileURLWithPath: root)), registry: registry, user: RootOptions.user)
        let book = MeetingBook(root: URL(fileURLWithPath: root), user: RootOptions.user, council: Self.council)
        func file(_ name: String) -> String { base.appendingPathComponent(name).path }

        let opened = try book.create(
            id: script.id, date: script.date, time: script.time, place: script.place, title: script.title,
            rosterPath: workflows.appendingPathComponent("council.yaml").path,
            files: ["templates/minutes.md.mustache", "templates/minutes.html.mustache"].map { ($0, workflows.appendingPathComponent($0)) })
        print("\(opened.title) (\(JapaneseDate.era(opened.date) ?? opened.date)), meeting \(opened.id)\n")
        for item in script.items {
            _ = try runner.open(caseID: item.caseID, workflowPath: workflows.appendingPathComponent("\(item.workflow).yaml").path,
                                inputsFile: file(item.inputs), inputPairs: [])
        }
        for text in script.opening { _ = try book.addToAgenda(script.id, kind: .other, text: text) }
        for item in script.items {
            _ = try book.addToAgenda(script.id, kind: MeetingScript.isReport(item.workflow) ? .report : .consultation, cases: [item.caseID])
        }
        for text in script.closing { _ = try book.addToAgenda(script.id, kind: .other, text: text) }
        let attended = try book.attend(script.id, file: file(script.attendance))
        let roster = try book.roster(of: script.id)
        let present = attended.attendance?.members.count ?? 0
        print("attendance: \(present) of \(roster.seats) members present; quorum \(roster.quorumCount) (\(present >= roster.quorumCount ? "met" : "not met"))\n")

        for item in script.items {
            print("== \(item.label) (case \(item.caseID), workflow \(item.workflow))")
            var result = try await runner.run(caseID: item.caseID)
            result.lines.forEach { print("   \($0)") }
            for record in item.records {
                if record.step == "vote" {
                    let node = try YAMLLoader().loadFile(at: file(record.file))
                    let (n, _) = try book.recordVote(script.id, caseID: item.caseID, tally: node, source: file(record.file), runner: runner)
                    print("   recorded \(record.file) at meeting \(script.id) (\(n) present)")
                } else if MeetingScript.isReport(item.workflow) {
                    let node = try YAMLLoader().loadFile(at: file(record.file))
                    try book.acknowledgeReport(script.id, caseID: item.caseID, record: node, source: file(record.file), runner: runner, step: record.step)
                    print("   recorded \(record.file) at meeting \(script.id) (acknowledged)")
                } else {
                    try runner.record(caseID: item.caseID, stepID: record.step, file: file(record.file))
                    print("   recorded \(record.file) for step '\(record.step)'")
                }
                result = try await runner.run(caseID: item.caseID)
                result.lines.forEach { print("   \($0)") }
            }
            guard result.status == .completed else {
                print("docket: \(item.label) did not complete (\(result.status.rawValue) at '\(result.step ?? "")')")
                throw ExitCode(1)
            }
        }
        _ = try book.close(script.id)
        let transcript = try script.transcript.map { try Transcript.load(path: file($0), meeting: try book.load(script.id).1) }
        let published = try await book.publishMinutes(script.id, transcript: transcript, checker: registry["personal-data-scan"],
                                                       organization: Self.organization)

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
        print("")
        for doc in published.documents { print("minutes: \(root)/meetings/\(script.id)/documents/\(doc.path)") }
        if let a = published.archive { print("archive: \(root)/archives/meetings/\(a.path.lastPathComponent)") }
    }
}
