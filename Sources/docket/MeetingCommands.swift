import ArgumentParser
import DocketCore
import DocketCouncil
import DocketServices
import DocketMeetings
import DocketSteps
import DocketYAML
import Foundation

/// `docket meeting …`: a meeting's header, agenda, attendance, votes and closing. Each
/// subcommand parses its arguments, makes one call into DocketMeetings, and says what is next.
struct MeetingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meeting",
        abstract: "Opens a council meeting and records its agenda, attendance and votes.",
        discussion: """
            A meeting is kept like a case (meetings/ID/, a hash-chained journal). Its attendance \
            gives the members present at each item (quorum checked there); a vote recorded with \
            'docket meeting vote' takes 'present' from it and dates the answer by the meeting; a \
            report item's acknowledgement, recorded with 'docket meeting acknowledge', is dated \
            by the meeting too.
            """,
        subcommands: [MeetingNew.self, MeetingAgenda.self, MeetingAttend.self, MeetingVote.self, MeetingAcknowledge.self, MeetingShow.self, MeetingClose.self])
}

/// The meeting book of the workspace, with the command's user.
extension RootOptions {
    var meetings: MeetingBook {
        get throws { try services().meetings }
    }
}


struct MeetingNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Opens a meeting: its date, time, place and title (default 令和X年度第N回 <council>).")

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id, e.g. 2022-1.") var id: String
    @Option(help: ArgumentHelp("The meeting date.", valueName: "YYYY-MM-DD")) var date: String
    @Option(help: ArgumentHelp("Start and end, e.g. 14:00-17:30.", valueName: "HH:MM-HH:MM")) var time: String?
    @Option(help: ArgumentHelp("The venue (会場).", valueName: "TEXT")) var place: String?
    @Option(help: ArgumentHelp("The title (名称); default 令和X年度第N回 and the council's name, N counted per fiscal year.", valueName: "TEXT")) var title: String?
    @Option(help: ArgumentHelp("The council roster (default: council under workflows/).", valueName: "FILE")) var council: String?

    func run() throws {
        do {
            let services = try options.services()
            let roster = try services.rosterPath(council)
            let meeting = try services.meetings.create(id: id, date: date, time: time, place: place, title: title, rosterPath: roster)
            print("opened meeting \(meeting.id): \(TerminalText.escaped(meeting.title)) (\(JapaneseDate.era(meeting.date) ?? meeting.date))")
            print("next: docket meeting agenda \(meeting.id) add CASE…, then docket meeting attend \(meeting.id) --file ATTENDANCE")
        } catch { throw Reporting.report(error) }
    }
}

struct MeetingAgenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda", abstract: "Adds to the agenda in order, or defers an item (継続審議).",
        discussion: """
            add CASE…    consultations (諮問事項), decided by vote
            report CASE… report items (報告事項), acknowledged without a vote
            other TEXT   other business (会長あいさつ, その他)
            defer CASE   carries the case over (継続審議): add it to a later meeting's agenda to decide it there
            """)

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String
    @Argument(help: "add, report, other or defer.") var action: String
    @Argument(help: "The cases, or the text of an 'other' item.") var values: [String] = []

    func validate() throws {
        guard ["add", "report", "other", "defer"].contains(action) else {
            var text = "'\(action)' is not an agenda action: use add, report, other or defer"
            if let near = Suggest.nearest(to: action, among: ["add", "report", "other", "defer"]) { text += " (did you mean '\(near)'?)" }
            throw ValidationError(text)
        }
        if values.isEmpty { throw ValidationError("name the case(s), or the text of the item") }
        if action == "defer", values.count != 1 { throw ValidationError("defer one case at a time") }
    }

    func run() throws {
        do {
            let book = try options.meetings
            let meeting: Meeting
            switch action {
            case "add": meeting = try book.addToAgenda(id, kind: .consultation, cases: values)
            case "report": meeting = try book.addToAgenda(id, kind: .report, cases: values)
            case "other": meeting = try book.addToAgenda(id, kind: .other, text: values.joined(separator: " "))
            default: meeting = try book.deferItem(id, caseID: values[0])
            }
            print(MeetingShow.agendaLines(meeting).joined(separator: "\n"))
        } catch { throw Reporting.report(error) }
    }
}

struct MeetingAttend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend", abstract: "Records who attended (members, arrivals, departures, the executive side, 傍聴者, 配付資料).")

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String
    @Option(help: ArgumentHelp("The attendance file (YAML).", valueName: "FILE")) var file: String

    func run() throws {
        do {
            let book = try options.meetings
            let meeting = try book.attend(id, file: file)
            let roster = try book.roster(of: id)
            let opening = meeting.attendance?.members.count ?? 0
            print("meeting \(id): \(opening) of \(roster.seats) members present at the opening; quorum \(roster.quorumCount): \(opening >= roster.quorumCount ? "met (定足数を満たしている)" : "NOT met (定足数に達していない): no item can be voted on")")
        } catch { throw Reporting.report(error) }
    }
}

struct MeetingVote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote", abstract: "Records a tally for a case on the agenda; 'present' comes from the attendance.",
        discussion: "The tally file holds for, against (abstain, roll_call, recount_called optional); a 'present' that differs from the attendance at that item is refused.")

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String
    @Argument(help: "The case on its agenda.") var caseID: String
    @Option(help: ArgumentHelp("The tally (YAML).", valueName: "FILE")) var file: String
    @Option(help: ArgumentHelp("The case's vote step.", valueName: "STEP")) var step = "vote"
    @Flag(name: .customLong("run"), help: "Run the case after recording, so the vote decides it now (as the board's vote form does).") var decide = false

    func run() async throws {
        do {
            let services = try options.services()
            let node = try YAMLLoader().loadFile(at: file)
            let book = services.meetings
            if decide {
                let decided = try await book.decideByVote(id, caseID: caseID, tally: node, source: file, runner: services.runner, step: step)
                print("recorded the tally for case \(caseID) at meeting \(id): \(decided.present) members present at the item (quorum \(decided.quorum))")
                Reporting.print(decided.report, root: options.hint)
                if decided.report.status == .failed { throw Reporting.exit(.stopped) }
                return
            }
            let (present, quorum) = try book.recordVote(id, caseID: caseID, tally: node, source: file, runner: services.runner, step: step)
            print("recorded the tally for case \(caseID) at meeting \(id): \(present) members present at the item (quorum \(quorum))")
            print("next: docket run \(caseID)\(options.hint) (or give --run to decide it in one step)")
        } catch { throw Reporting.report(error, root: options.hint) }
    }
}

struct MeetingAcknowledge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acknowledge", abstract: "Records the council's acknowledgement (了承) of a report item on the agenda, dated by the meeting.",
        discussion: "Give members' remarks with --remarks (repeatable), or a file holding acknowledged (default true) and remarks; the meeting fills in its id and date.")

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String
    @Argument(help: "The report case on its agenda.") var caseID: String
    @Option(help: ArgumentHelp("A member's remark or request (repeat for several).", valueName: "TEXT")) var remarks: [String] = []
    @Option(help: ArgumentHelp("The acknowledgement (YAML: acknowledged, remarks).", valueName: "FILE")) var file: String?
    @Option(help: ArgumentHelp("The case's report step.", valueName: "STEP")) var step = "report"

    func validate() throws {
        if file != nil, !remarks.isEmpty { throw ValidationError("give the remarks with --remarks or in --file, not both") }
    }

    func run() throws {
        do {
            let node = try file.map { try YAMLLoader().loadFile(at: $0) } ?? MeetingBook.acknowledgement(remarks: remarks)
            let services = try options.services()
            try services.meetings.acknowledgeReport(id, caseID: caseID, record: node, source: file ?? "--remarks", runner: services.runner, step: step)
            print("recorded the acknowledgement of report \(caseID) at meeting \(id)")
            print("next: docket run \(caseID)")
        } catch { throw Reporting.report(error) }
    }
}

struct MeetingClose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Closes the meeting (refused while a consultation has neither decision nor deferral).")

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String

    func run() throws {
        do {
            _ = try options.meetings.close(id)
            print("closed meeting \(id)")
            print("next: docket minutes \(id)")
        } catch { throw Reporting.report(error) }
    }
}

struct MeetingShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Shows a meeting: header, attendance, agenda with each item's present count and outcome.")

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        do {
            let book = try options.meetings
            let summary = try book.summary(id)
            if json {
                print(String(decoding: try MeetingSummary.encoder.encode(summary), as: UTF8.self))
                return
            }
            let (_, meeting) = try book.load(id)
            print("\(summary.id)  \(TerminalText.escaped(summary.title))")
            print("date: \(summary.date)\(summary.time.map { " \($0)" } ?? "")\(summary.place.map { "  place: \(TerminalText.escaped($0))" } ?? "")")
            if let present = summary.presentAtOpening {
                print("present: \(present) of \(summary.seats) (quorum \(summary.quorum): \(present >= summary.quorum ? "met" : "not met"))")
            } else {
                print("attendance: not recorded yet")
            }
            print("state: \(summary.closed ? "closed" : "open")")
            print(Self.agendaLines(meeting, summary: summary).joined(separator: "\n"))
        } catch { throw Reporting.report(error) }
    }

    static func agendaLines(_ meeting: Meeting, summary: MeetingSummary? = nil) -> [String] {
        var rows = [["#", "KIND", "ITEM", "PRESENT", "OUTCOME"]]
        for (i, item) in meeting.agenda.enumerated() {
            let s = summary?.items[i]
            rows.append([String(i + 1), item.kind.rawValue, TerminalText.escaped(item.caseID.map { "\($0) \(item.text ?? "")" } ?? item.text ?? ""),
                         s?.present.map(String.init) ?? "–", s?.outcome ?? (item.deferred ? "継続審議" : "–")])
        }
        return ["agenda of meeting \(meeting.id):", Table.render(rows, indent: "  ")]
    }
}

struct MeetingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "meetings", abstract: "Lists the meetings: id, date, title, present, items, state.")

    @OptionGroup var options: RootOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        do {
            let book = try options.meetings
            let all = try book.all().map { try book.summary($0.id) }
            if json {
                print(String(decoding: try MeetingSummary.encoder.encode(all), as: UTF8.self))
            } else if all.isEmpty {
                print("no meetings yet")
            } else {
                print(Table.render([["ID", "DATE", "TITLE", "PRESENT", "ITEMS", "STATE"]] + all.map {
                    [$0.id, $0.date, TerminalText.escaped($0.title), $0.presentAtOpening.map { "\($0)" } ?? "–",
                     String($0.items.count), $0.closed ? "closed" : "open"]
                }))
            }
        } catch { throw Reporting.report(error) }
    }
}
