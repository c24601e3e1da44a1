import ArgumentParser
import DocketCore
import DocketMeetings
import DocketServices
import DocketSteps
import DocketYAML
import Foundation

struct MinutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minutes",
        abstract: "Drafts a meeting's minutes (会議録), checks them for personal data, publishes and archives them.",
        discussion: """
            The minutes are laid out as the council's: 名称, 日時, 会場, 出席者, 欠席者, 傍聴者, 配付資料, \
            会議次第, then each item as the record holds it. --transcript merges the 発言の記録 (a text \
            file whose '## N' or '## CASE-ID' headings start each item's part). Without --draft the \
            meeting must be closed: the minutes (Markdown and print-ready HTML) are checked by the \
            personal-data-scan step, and only if nothing is found recorded under \
            meetings/ID/documents/ and archived to archives/meetings/ID.zip (BagIt). A hit blocks \
            publication, naming file and line (exit 1).
            """)

    @OptionGroup var options: RootOptions
    @Argument(help: "The meeting's id.") var id: String
    @Option(help: ArgumentHelp("The transcript (発言の記録) to merge under each item.", valueName: "FILE")) var transcript: String?
    @Flag(help: "Print the Markdown draft only; record, check and archive nothing.") var draft = false
    @Option(help: ArgumentHelp("Source-Organization in bag-info.txt (else $DOCKET_ORGANIZATION, else the workspace's organization).", valueName: "NAME"))
    var organization: String?

    func run() async throws {
        do {
            let services = try options.services()
            let book = services.meetings
            let (_, meeting) = try book.load(id)
            let merged = try transcript.map { try Transcript.load(path: $0, meeting: meeting) }
            if draft {
                print(try book.draftMinutes(id, transcript: merged).markdown, terminator: "")
                return
            }
            let council = book.councilName(try book.roster(of: id))
            let org = organization ?? services.council.sourceOrganization(council: council)
            let published = try await book.publishMinutes(id, transcript: merged, tools: services.minutesTools, organization: org)
            for doc in published.documents { print("minutes: \(book.store.documents(id).appendingPathComponent(doc.path).path)") }
            if let a = published.archive { print("archived meeting \(id) to \(a.path.path): \(a.payloadFiles) files, \(a.size) bytes, sha256 \(a.sha256)") }
        } catch { throw Reporting.report(error) }
    }
}
