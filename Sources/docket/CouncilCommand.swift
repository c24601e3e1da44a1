import ArgumentParser
import DocketCore
import DocketCouncil
import DocketServices
import DocketYAML
import Foundation

/// `docket council show | history`: the council profile as Docket reads it, and its versions.
struct CouncilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "council",
        abstract: "Shows the council profile (council.yaml) and the history of its changes.",
        discussion: """
            The profile is edited as a file (council.yaml beside docket.yaml). Every command reads it \
            strictly first and, when it changed since the last version recorded, records the new \
            version with what changed, who ran the command and when (registers/council.jsonl), \
            so a meeting's quorum and an answer's signature can be explained years later.
            """,
        subcommands: [CouncilShowCommand.self, CouncilHistoryCommand.self], defaultSubcommand: CouncilShowCommand.self)
}

struct CouncilShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "The council's names, members (in office on a date), roles, terms and rules.")

    @OptionGroup var options: RootOptions
    @Option(name: .long, help: ArgumentHelp("The day whose members in office to mark (default: today).", valueName: "DATE")) var on: String?

    func run() throws {
        do {
            let services = try options.services()
            let path = try services.rosterPath()
            let p = try CouncilRoster.load(path: path)
            var day = services.today
            if let on {
                switch CalendarDate.parse(on) {
                case .success(let iso): day = iso
                case .failure(let problem): throw ValidationError("--on: \(problem)")
                }
            }
            func e(_ s: String) -> String { TerminalText.escaped(s) }
            print("profile:       \(e(path))")
            print("council:       \(e(p.name))")
            print("organization:  \(p.organization.isEmpty ? "(none: write 'organization')" : e(p.organization))")
            print("head:          \(p.head.isEmpty ? "(none: write 'head', e.g. 市長)" : e(p.head))")
            print("addressee:     \(p.addressee.isEmpty ? "(none: answers need the case's addressee)" : e(p.addressee)) (answers' 宛先)")
            print("secretariat:   \(e(p.secretariat)) (sender; Source-Organization of archives)")
            print("executive:     \(e(p.executiveSide)) (as the minutes name it)")
            print("answer number: \(e(p.answerNumber.pattern)), e.g. \(e(p.numberLabel(yearLabel: "令和8年度", number: 1)))")
            if !p.departments.isEmpty { print("departments:   \(p.departments.map(e).joined(separator: "、"))") }
            print("rules:         \(p.ruleDescription)")
            let sitting = p.members(inOfficeOn: day)
            print("seats:         \(p.seats); \(sitting.count) in office on \(day); chair that day: \(p.chair(on: day).map(e) ?? (p.memberships.isEmpty ? "-" : "none in office"))")
            if p.memberships.isEmpty {
                print("members:       none yet: fill in 'members' in \(e(path))")
            } else {
                let rows = p.memberships.map { m in
                    [e(m.name), m.role.rawValue, m.appointed ?? "-", m.termEnds ?? "-", m.inOffice(on: day) ? "yes" : "no"]
                }
                print("")
                print(Table.render([["MEMBER", "ROLE", "APPOINTED", "TERM ENDS", "IN OFFICE \(day)"]] + rows))
            }
            let history = try services.councilHistory.entries()
            if let last = history.last {
                print("")
                print("version \(history.count) of \(history.count), recorded \(last.at) by \(e(last.by)) ('docket council history\(options.hint)' lists them all)")
            }
        } catch {
            throw report(error)
        }
    }
}

struct CouncilHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every version of the council profile: when, who, what changed.")

    @OptionGroup var options: RootOptions
    @Option(name: .long, help: ArgumentHelp("Print the full text of version N.", valueName: "N")) var version: Int?

    func run() throws {
        do {
            let entries = try options.services().councilHistory.entries()
            if let version {
                guard entries.indices.contains(version - 1) else {
                    throw ValidationError("there is no version \(version): the profile has \(entries.count) version(s)")
                }
                print(entries[version - 1].text, terminator: "")
                return
            }
            guard !entries.isEmpty else { print("no version recorded yet"); return }
            let rows = entries.enumerated().map { i, entry in
                [String(i + 1), entry.at, TerminalText.escaped(entry.by), String(entry.sha256.prefix(12)),
                 TerminalText.escaped(entry.changes.joined(separator: "; "))]
            }
            print(Table.render([["VERSION", "RECORDED", "BY", "SHA-256", "CHANGES"]] + rows))
        } catch {
            throw report(error)
        }
    }
}
