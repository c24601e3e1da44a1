import ArgumentParser
import DocketBoard
import DocketIndex
import DocketServices
import Foundation
import Hummingbird

/// `docket serve`: the web board on this workspace. Thin: builds what the board works with
/// (the runner and registry the other commands use, the meeting book, the index) and hands
/// it to DocketBoard.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serves the web board (事務局・所管課・委員・文書管理) on this workspace.",
        discussion: """
            Sign-in uses the accounts of 'docket users' (board/users.json). Pages are rendered \
            from the bundled templates, each overridable by a file of the same name in \
            board/templates/ (and board/templates/board.css). Put the board behind a TLS \
            reverse proxy for use beyond this machine, and give --secure-cookies there.
            """)

    @OptionGroup var options: RootOptions

    @Option(name: .long, help: ArgumentHelp("Address and port to listen on.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8080"

    @Flag(name: .long, help: "Mark the session cookie Secure (the board is reached over HTTPS, through a proxy).")
    var secureCookies = false

    @Flag(name: .long, help: "Take the client address from X-Forwarded-For (only behind a proxy that sets it).")
    var trustForwardedFor = false

    @Option(name: .long, help: ArgumentHelp("The board's address as browsers reach it through a reverse proxy (such as https://board.example.jp); forms posted from any other origin are refused.", valueName: "URL"))
    var publicOrigin: String?

    @Option(name: .long, help: ArgumentHelp("Folder of templates overriding the bundled ones (default: board/templates).", valueName: "DIR"))
    var templates: String?

    func validate() throws {
        guard BoardSettings.parseListen(listen) != nil else {
            throw ValidationError("--listen is HOST:PORT, such as 127.0.0.1:8080, not '\(listen)'")
        }
        if let publicOrigin, WebOrigin(publicOrigin) == nil {
            throw ValidationError("--public-origin is the board's address as browsers reach it, scheme and host (and port) only, such as https://board.example.jp, not '\(publicOrigin)'")
        }
    }

    func run() async throws {
        var settings = BoardSettings()
        (settings.host, settings.port) = BoardSettings.parseListen(listen)!
        settings.secureCookies = secureCookies
        settings.trustForwardedFor = trustForwardedFor
        settings.publicOrigin = publicOrigin.flatMap(WebOrigin.init)
        settings.templatesFolder = templates.map { URL(fileURLWithPath: $0, relativeTo: RootOptions.currentFolder).standardizedFileURL }
        do {
            // Its store feeds the index: what the board does shows at once.
            let services = try BoardServices(options.services())
            if try services.accounts.all().isEmpty {
                printErr("docket: note: there are no accounts yet; create the first with: docket users add NAME --role secretariat\(options.hint)")
            }
            let app = try buildApplication(settings, services: services)
            printErr("docket: the board is at http://\(listen)/ (Ctrl-C stops it)")
            try await app.runService()
        } catch {
            throw report(error)
        }
    }
}
