import DocketCore
import DocketCouncil
import DocketSteps
import DocketYAML
import Foundation

/// A meeting to replay (`docket demo`): its header, attendance, agenda (opening business, the
/// items as cases with what was recorded for each, closing business) and transcript. File names
/// in it are relative to its own folder.
public struct MeetingScript: Sendable {
    public struct Item: Sendable {
        public var label, caseID, workflow, inputs: String
        public var records: [Record]

        /// Report workflows give report items (報告事項); the rest are consultations.
        public var isReport: Bool { workflow == "report" || workflow == "incident-report" }
    }

    /// What was recorded for an item: the waiting step and the file holding the record.
    public struct Record: Sendable {
        public var step, file: String
    }

    public var id = "", title = "", date = "", time = "", place = "", attendance = ""
    public var transcript: String?
    /// The council profile of the workspace a replay makes (`profile:`, default council.yaml
    /// beside the script): the example's own, kept with it rather than in code.
    public var profile = "council.yaml"
    public var opening: [String] = [], closing: [String] = []
    public var items: [Item] = []
    /// The script's folder, against which its file names are read.
    public var folder = URL(fileURLWithPath: ".")

    /// A file the script names, read from the script's folder.
    public func file(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Reads a script, reporting every problem at its place.
    public static func load(path: String) throws -> MeetingScript {
        let node = try YAMLLoader().loadFile(at: path)
        var d = Diagnostics(file: path)
        var script = MeetingScript()
        script.folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        if var m = StrictMapping(node, what: "the meeting", diagnostics: &d) {
            func text(_ key: String, _ hint: String) -> String { m.require(key, hint, diagnostics: &d).flatMap { Read.text($0, "'\(key)'", &d) } ?? "" }
            script.id = text("meeting", "the meeting's id")
            script.title = text("title", "the meeting's name")
            script.date = text("date", "the meeting date")
            script.time = text("time", "the time, 14:00-17:30")
            script.place = text("place", "the venue")
            script.attendance = text("attendance", "the attendance file")
            script.transcript = m.take("transcript").flatMap { Read.text($0, "'transcript'", &d) }
            if let p = m.take("profile").flatMap({ Read.text($0, "'profile' (the council profile, beside the script)", &d) }) { script.profile = p }
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
                    entry.records.append(Record(step: step, file: file))
                }
                im.rejectUnknown(known: ["label", "case", "workflow", "inputs", "records"], diagnostics: &d)
                script.items.append(entry)
            }
            m.rejectUnknown(known: ["meeting", "title", "date", "time", "place", "attendance", "transcript", "profile",
                                    "opening", "items", "closing"], diagnostics: &d)
        }
        try d.check()
        return script
    }

    // MARK: - Replay

    /// Replays the meeting through the meeting's own operations: opens it under the profile at
    /// `rosterPath`, opens each item's case, sets the agenda in order, records the attendance, runs
    /// each case and records what the script gives for it at the meeting (a tally with
    /// `recordVote`, a report's acknowledgement with `acknowledgeReport`, anything else on the
    /// case), closes the meeting and publishes its minutes. `say` receives each line of progress.
    public func replay(book: MeetingBook, runner: Runner, workflows: URL, rosterPath: String, tools: MinutesTools,
                       organization: String, say: (String) -> Void) async throws -> MeetingBook.Publication {
        let opened = try book.create(id: id, date: date, time: time, place: place, title: title, rosterPath: rosterPath)
        say("\(opened.title) (\(JapaneseDate.era(opened.date) ?? opened.date)), meeting \(opened.id)\n")
        for item in items {
            _ = try runner.open(caseID: item.caseID, workflowPath: workflows.appendingPathComponent("\(item.workflow).yaml").path,
                                inputsFile: file(item.inputs))
        }
        for text in opening { _ = try book.addToAgenda(id, kind: .other, text: text) }
        for item in items { _ = try book.addToAgenda(id, kind: item.isReport ? .report : .consultation, cases: [item.caseID]) }
        for text in closing { _ = try book.addToAgenda(id, kind: .other, text: text) }
        let attended = try book.attend(id, file: file(attendance))
        let roster = try book.roster(of: id)
        let present = attended.attendance?.members.count ?? 0
        say("attendance: \(present) of \(roster.seats) members present; quorum \(roster.quorumCount) (\(present >= roster.quorumCount ? "met" : "not met"))\n")

        for item in items {
            say("== \(item.label) (case \(item.caseID), workflow \(item.workflow))")
            var result = try await runner.run(caseID: item.caseID)
            result.lines.forEach { say("   \($0)") }
            for record in item.records {
                let path = file(record.file)
                if record.step == "vote" {
                    let (n, _) = try book.recordVote(id, caseID: item.caseID, tally: try YAMLLoader().loadFile(at: path), source: path, runner: runner)
                    say("   recorded \(record.file) at meeting \(id) (\(n) present)")
                } else if item.isReport {
                    try book.acknowledgeReport(id, caseID: item.caseID, record: try YAMLLoader().loadFile(at: path), source: path,
                                               runner: runner, step: record.step)
                    say("   recorded \(record.file) at meeting \(id) (acknowledged)")
                } else {
                    try runner.record(caseID: item.caseID, stepID: record.step, file: path)
                    say("   recorded \(record.file) for step '\(record.step)'")
                }
                result = try await runner.run(caseID: item.caseID)
                result.lines.forEach { say("   \($0)") }
            }
            guard result.status == .completed else {
                throw MeetingError.replayStopped(item: item.label, status: result.status.rawValue, step: result.step ?? "")
            }
        }
        _ = try book.close(id)
        let transcript = try transcript.map { try Transcript.load(path: file($0), meeting: try book.load(id).1) }
        return try await book.publishMinutes(id, transcript: transcript, tools: tools, organization: organization)
    }

    // MARK: - Outcomes

    /// What each item came to, as the demo's table shows it ("–" where there is nothing).
    public struct Outcome: Sendable, Equatable {
        public var label, caseID, kind, votesFor, against, decision, answerNumber: String
        /// The answer's document, relative to the case's documents folder.
        public var answerDocument: String?
    }

    /// The outcome of every item, from its case's record.
    public func outcomes(cases: CaseStore) throws -> [Outcome] {
        try items.map { item in
            let (_, state) = try cases.load(item.caseID)
            let vote = state.step("vote").outputs, answer = state.step("answer").outputs, report = state.step("report").outputs
            let kind = report["kind"]?.stringValue ?? (item.workflow == "retroactive-approval" ? "retroactive" : "consultation")
            return Outcome(label: item.label, caseID: item.caseID, kind: kind, votesFor: vote["for"]?.description ?? "–", against: vote["against"]?.description ?? "–",
                           decision: answer["decision"]?.stringValue ?? (report["acknowledged"]?.boolValue == true ? "報告（了承）" : "–"),
                           answerNumber: answer["number_label"]?.stringValue ?? "–", answerDocument: state.step("answer-seal").outputs["document"]?.stringValue ?? answer["document"]?.stringValue)
        }
    }
}
