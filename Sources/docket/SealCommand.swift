import ArgumentParser
import DocketCore
import DocketSeal
import DocketServices
import DocketYAML
import Foundation

/// `docket seal init | show`: the council's electronic seal (key and certificate in seal/).
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Makes, imports or shows the council's electronic seal, which signs the issued answers and minutes.",
        discussion: """
            The seal is a signing key and its certificate, kept in seal/ beside docket.yaml (folder \
            0700, key 0600), outside every case, meeting and archive; no plugin, log or archive ever \
            gets the key. With $DOCKET_SEAL_PASSPHRASE set the key is stored encrypted, and signing \
            needs the same variable. Replacing a seal (--replace) keeps the old certificate in \
            seal/retired/, so what it sealed still verifies; seal/history.jsonl records who did what, when.
            """,
        subcommands: [SealInitCommand.self, SealShowCommand.self], defaultSubcommand: SealShowCommand.self)
}

struct SealInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Makes a new seal (a key and a self-signed certificate naming the council), or imports the council's own.",
        discussion: """
            Without --p12 or --key/--cert: a new ECDSA P-256 key and a certificate naming the council \
            and organization of the profile, valid --years years. With --p12 FILE: the key and \
            certificate of a PKCS#12 file (its passphrase in $DOCKET_SEAL_IMPORT_PASSPHRASE); with \
            --key and --cert: PEM files. A certificate issued by a certification authority the \
            recipients trust proves more than a self-signed one: the README says what each proves.
            """)

    @OptionGroup var options: RootOptions
    @Option(name: .long, help: ArgumentHelp("A PKCS#12 file to import (.p12/.pfx).", valueName: "FILE")) var p12: String?
    @Option(name: .long, help: ArgumentHelp("A PEM private key to import (with --cert).", valueName: "FILE")) var key: String?
    @Option(name: .long, help: ArgumentHelp("A PEM certificate to import (with --key).", valueName: "FILE")) var cert: String?
    @Option(name: .long, help: "Years a new certificate is valid.") var years: Int = 5
    @Flag(name: .long, help: "Replace the seal in force (its certificate is kept in seal/retired/).") var replace = false
    @Flag(name: .long, help: "Mark the certificate as a demonstration seal (DEMO SEAL - NOT FOR OFFICIAL USE).") var demo = false

    func validate() throws {
        if p12 != nil && (key != nil || cert != nil) { throw ValidationError("give --p12 FILE, or --key FILE with --cert FILE, not both") }
        if (key == nil) != (cert == nil) { throw ValidationError("--key and --cert go together: give both PEM files") }
        if !(1...30).contains(years) { throw ValidationError("--years must be between 1 and 30, not \(years)") }
    }

    func run() throws {
        do {
            let services = try options.services()
            func file(_ path: String) throws -> URL {
                let url = URL(fileURLWithPath: path, relativeTo: RootOptions.currentFolder).standardizedFileURL
                guard FileManager.default.isReadableFile(atPath: url.path) else { throw SealError("\(path) cannot be read: give an existing file") }
                return url
            }
            let source: SealStore.Source
            if let p12 { source = .pkcs12(try file(p12)) }
            else if let key, let cert { source = .pem(key: try file(key), certificate: try file(cert)) }
            else {
                guard !services.council.council.isEmpty else { throw SealError("the council has no name yet: write its name in council.yaml (docket init writes it), then make the seal") }
                source = .create(council: services.council.council, organization: services.council.organization, demo: demo, years: years)
            }
            let made = try services.seal.install(source, replace: replace, by: services.user)
            print("seal \(replace ? "replaced" : "ready"): \(TerminalText.escaped(made.subject))")
            print("  valid until \(made.notAfter.prefix(10)); certificate sha256 \(made.sha256)")
            print("  key: \(services.seal.keyFile.path) (0600\(services.environment["DOCKET_SEAL_PASSPHRASE"].map { $0.isEmpty ? "" : ", encrypted with $DOCKET_SEAL_PASSPHRASE" } ?? ""))")
            print("  give recipients the certificate (\(services.seal.certificateFile.path)) and its sha256 to check sealed documents")
        } catch {
            throw Reporting.report(error, root: options.hint)
        }
    }
}

struct SealShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "The seal in force and the certificates it replaced.")

    @OptionGroup var options: RootOptions

    func run() throws {
        do {
            let services = try options.services()
            guard let cert = try services.seal.current() else {
                print("no seal yet: 'docket seal init\(options.hint)' makes one (or imports the council's with --p12 FILE)")
                return
            }
            print("seal:        \(TerminalText.escaped(cert.subject))\(cert.demo ? "  [DEMO: not for official use]" : "")")
            print("issuer:      \(cert.selfSigned ? "self-signed" : "a certification authority")")
            print("valid:       \(cert.notBefore.prefix(10)) to \(cert.notAfter.prefix(10))")
            print("certificate: \(services.seal.certificateFile.path), sha256 \(cert.sha256)")
            let retired = services.seal.trustedCertificates().dropFirst()
            if !retired.isEmpty { print("retired:     \(retired.map(\.lastPathComponent).joined(separator: ", ")) (documents they sealed still verify)") }
        } catch {
            throw Reporting.report(error, root: options.hint)
        }
    }
}
