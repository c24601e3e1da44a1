import ArgumentParser
import DocketArchive
import DocketCore
import DocketServices
import DocketYAML
import Foundation

/// Where an archive password comes from: a file, else the environment; never an argument.
struct PasswordOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A file holding the archive password (else $DOCKET_ARCHIVE_PASSWORD).", valueName: "FILE"))
    var passwordFile: String?

    /// The password, if one was given.
    func password() throws -> String? {
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw CaseError.unreadable(passwordFile, "cannot read the password file")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw CaseError.invalidInput("docket: \(passwordFile): the password file is empty") }
            if let attributes = try? FileManager.default.attributesOfItem(atPath: passwordFile),
               let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                printErr("docket: warning: \(passwordFile) can be read by other users; chmod 600 it")
            }
            return text
        }
        if let env = ProcessInfo.processInfo.environment["DOCKET_ARCHIVE_PASSWORD"], !env.isEmpty { return env }
        return nil
    }
}

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Packages a completed case as archives/ID.zip (a BagIt bag), verified after writing.",
        discussion: """
            The zip holds one folder ID/ that is a BagIt 1.0 bag: bagit.txt, bag-info.txt, \
            SHA-256 and SHA-512 manifests, a tag manifest, preservation-events.json, and data/ \
            with every document, the journal and the workflow snapshot. Every document is \
            checked against the digest the journal recorded as it is packed. The zip is written \
            to a temporary file, fsync'd, fully re-read and verified, and only then renamed into \
            place; its SHA-256 is recorded in the journal. Archiving the same case again gives the same bytes (unless \
            encrypted).

            --encrypt protects every entry with AES-256; the password comes from --password-file \
            or $DOCKET_ARCHIVE_PASSWORD, never from an argument. Entry names stay readable in an \
            encrypted zip: keep personal data out of document names.
            """)

    @OptionGroup var options: RootOptions
    @OptionGroup var passwordOptions: PasswordOptions

    @Argument(help: ArgumentHelp("The case to archive.", valueName: "ID"))
    var caseID: String

    @Flag(name: .long, help: "Archive a case that is not completed (bag-info.txt says so).")
    var partial = false

    @Flag(name: .long, help: "Encrypt every entry with AES-256.")
    var encrypt = false

    @Flag(name: .customLong("store"), help: "Store every document uncompressed (fastest; the default deflates what is not compressed already).")
    var storeOnly = false

    @Option(name: .long, help: ArgumentHelp("Source-Organization in bag-info.txt (else $DOCKET_ORGANIZATION, else docket.yaml's organization, else the council's secretariat).", valueName: "NAME"))
    var organization: String?

    func run() async throws {
        do {
            let password = try passwordOptions.password()
            if encrypt && password == nil {
                throw CaseError.invalidInput("docket: --encrypt needs a password: give --password-file FILE or set $DOCKET_ARCHIVE_PASSWORD")
            }
            let archived = try await options.services().archiver(organization: organization).archiveCase(
                caseID, options: .init(partial: partial, password: encrypt ? password : nil, storeOnly: storeOnly), by: RootOptions.user)
            let result = archived.result
            print("archived case \(caseID) to \(result.path.path): \(result.payloadFiles) files, \(result.size) bytes, sha256 \(result.sha256)\(encrypt ? ", AES-256 encrypted" : "")")
            if let (when, sha256) = archived.replaced {
                let same = sha256 == result.sha256
                print("it replaces the archive made \(when) (sha256 \(sha256))\(same ? ": the same bytes, nothing changed since" : "; the journal keeps both records")")
            }
        } catch {
            throw Reporting.report(error, root: options.hint)
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks archives on their own, without any case folder, and sealed PDFs against the workspace.",
        discussion: """
            A PDF (FILE.pdf) is checked for the council's electronic seal: the signature must match \
            the bytes, cover the whole file and be made with this workspace's seal (in force or \
            retired), and the file's SHA-256 must be one a case's or meeting's journal recorded. \
            Checks each zip: its structure and every entry's CRC, the bag's required files, every \
            manifest and tag-manifest digest, Payload-Oxum, that no entry leaves the bag folder \
            ('..', absolute paths, links) and that every file is listed. Prints 'ok ZIP: …' or \
            each problem; exits 0 when all are sound, 1 otherwise.
            """)

    @OptionGroup var passwordOptions: PasswordOptions

    @Argument(help: ArgumentHelp("The archives (and sealed PDFs) to check.", valueName: "ZIP|PDF"))
    var archives: [String]

    @Option(name: .long, help: ArgumentHelp("The workspace whose seal and journals a PDF is checked against (default: $DOCKET_ROOT, else the nearest docket.yaml).", valueName: "DIR"))
    var root: String?

    func run() throws {
        let pdfs = archives.filter { $0.lowercased().hasSuffix(".pdf") }
        var allGood = true
        if !pdfs.isEmpty {
            let services: DocketServices
            do {
                services = try DocketServices.locate(rootOption: root, environment: RootOptions.environment, currentFolder: RootOptions.currentFolder, user: RootOptions.user)
            } catch { throw report(error) }
            for path in pdfs {
                do {
                    let check = try services.checkSealed(URL(fileURLWithPath: path, relativeTo: RootOptions.currentFolder))
                    if check.sound {
                        let s = check.signatures.map { "\($0.signer)\($0.signedAt.map { " at \($0)" } ?? "")" }.joined(separator: ", ")
                        print("ok \(path): sealed by \(TerminalText.escaped(s)), unchanged since; recorded as \(check.recorded.map { TerminalText.escaped($0) }.joined(separator: "; "))")
                    } else {
                        allGood = false
                        printErr("NOT OK \(path): " + check.problems.map { TerminalText.escaped($0) }.joined(separator: "; "))
                    }
                } catch {
                    allGood = false
                    printErr("NOT OK \(path): \(error)")
                }
            }
        }
        let archives = self.archives.filter { !$0.lowercased().hasSuffix(".pdf") }
        let password: String?
        do { password = try passwordOptions.password() } catch { throw report(error) }
        for path in archives {
            let result = Verifier.verify(path: path, password: password, digestingFile: true)
            if result.problems.isEmpty { print(result.summary) } else {
                allGood = false
                printErr(result.summary)
                if result.encrypted && password == nil { printErr("(give it with --password-file FILE or $DOCKET_ARCHIVE_PASSWORD)") }
            }
        }
        if !allGood { throw Reporting.exit(.stopped) }
    }
}
