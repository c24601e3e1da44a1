import DocketCore
import Foundation

/// The council's electronic seal in a workspace: `seal/` beside docket.yaml (0700), outside
/// every case, meeting and archive. It holds the signing key (`key.pem`, 0600, encrypted when
/// `$DOCKET_SEAL_PASSPHRASE` is set), the certificate (`certificate.pem`), the certificates it
/// replaced (`retired/`, so documents sealed before a rotation still verify) and a history
/// (`history.jsonl`: made, imported, replaced; who and when; never the key).
public struct SealStore: Sendable {
    public let root: URL
    public let tool: SealTool

    public init(root: URL, tool: SealTool) {
        self.root = root
        self.tool = tool
    }

    public var folder: URL { root.appendingPathComponent("seal") }
    public var keyFile: URL { folder.appendingPathComponent("key.pem") }
    public var certificateFile: URL { folder.appendingPathComponent("certificate.pem") }
    public var retiredFolder: URL { folder.appendingPathComponent("retired") }
    var history: URL { folder.appendingPathComponent("history.jsonl") }

    /// What a certificate says, as the signer reads it.
    public struct Certificate: Sendable, Equatable {
        public var subject: String
        public var council: String
        public var organization: String
        /// Made by `docket demo`: its certificate says DEMO SEAL - NOT FOR OFFICIAL USE.
        public var demo: Bool
        public var selfSigned: Bool
        public var notBefore: String
        public var notAfter: String
        /// SHA-256 of the DER certificate, the fingerprint a recipient compares.
        public var sha256: String

        init(_ map: [String: Value]) {
            subject = map["subject"]?.stringValue ?? ""
            council = map["council"]?.stringValue ?? ""
            organization = map["organization"]?.stringValue ?? ""
            demo = map["demo"]?.boolValue ?? false
            selfSigned = map["self_signed"]?.boolValue ?? false
            notBefore = map["not_before"]?.stringValue ?? ""
            notAfter = map["not_after"]?.stringValue ?? ""
            sha256 = map["sha256"]?.stringValue ?? ""
        }
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: keyFile.path) && FileManager.default.fileExists(atPath: certificateFile.path) }

    /// The seal in force, or nil when the workspace has none.
    public func current() throws -> Certificate? {
        guard exists else { return nil }
        return Certificate(try tool.run(["info", "--cert", certificateFile.path]))
    }

    /// The certificates documents sealed here may carry: the current one and the retired ones.
    public func trustedCertificates() -> [URL] {
        let retired = ((try? FileManager.default.contentsOfDirectory(atPath: retiredFolder.path)) ?? []).sorted()
            .filter { $0.hasSuffix(".pem") }.map { retiredFolder.appendingPathComponent($0) }
        return (exists ? [certificateFile] : []) + retired
    }

    /// How a seal is made.
    public enum Source: Sendable {
        /// A new key (ECDSA P-256) and a self-signed certificate naming the council.
        case create(council: String, organization: String, demo: Bool, years: Int)
        /// An existing PKCS#12 file (its passphrase in `$DOCKET_SEAL_IMPORT_PASSPHRASE`).
        case pkcs12(URL)
        /// An existing PEM key and certificate.
        case pem(key: URL, certificate: URL)
    }

    public struct Exists: DocketFailure {
        public var certificate: URL
        public var kind: FailureKind { .refused }
        public var description: String {
            "this workspace already has a seal (\(certificate.path)); to replace it (the old certificate is kept in seal/retired/ so what it sealed still verifies), add --replace"
        }
    }

    /// Makes or imports the seal; `replace` retires the one in force first.
    @discardableResult
    public func install(_ source: Source, replace: Bool, by user: String, now: Date = Date()) throws -> Certificate {
        if exists, !replace { throw Exists(certificate: certificateFile) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(folder.path, 0o700)
        let staged = folder.appendingPathComponent(".new")
        try? FileManager.default.removeItem(at: staged)
        try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: staged) }
        let key = staged.appendingPathComponent("key.pem").path, cert = staged.appendingPathComponent("certificate.pem").path
        var arguments: [String]
        let action: String
        switch source {
        case .create(let council, let organization, let demo, let years):
            arguments = ["create", "--council", council, "--organization", organization, "--years", String(years)] + (demo ? ["--demo"] : [])
            action = demo ? "demo seal made" : "made"
        case .pkcs12(let file):
            arguments = ["import", "--p12", file.path]
            action = "imported from \(file.lastPathComponent)"
        case .pem(let keyFile, let certFile):
            arguments = ["import", "--pem-key", keyFile.path, "--pem-cert", certFile.path]
            action = "imported from \(keyFile.lastPathComponent) and \(certFile.lastPathComponent)"
        }
        arguments += ["--key", key, "--cert", cert]
        let made = Certificate(try tool.run(arguments))
        var replaced: Certificate?
        if exists {
            replaced = try? current()
            try FileManager.default.createDirectory(at: retiredFolder, withIntermediateDirectories: true)
            let name = "\(Timestamp.string(now).prefix(10))-\(replaced?.sha256.prefix(12) ?? "old").pem"
            _ = try? FileManager.default.removeItem(at: retiredFolder.appendingPathComponent(name))
            try FileManager.default.copyItem(at: certificateFile, to: retiredFolder.appendingPathComponent(name))
        }
        guard rename(cert, certificateFile.path) == 0, rename(key, keyFile.path) == 0 else { throw CaseError.posix(folder.path) }
        chmod(keyFile.path, 0o600)
        var entry: [String: Value] = ["at": .string(Timestamp.string(now)), "by": .string(user), "action": .string(action),
                                      "certificate": .string(made.sha256), "subject": .string(made.subject), "not_after": .string(made.notAfter)]
        if let replaced { entry["replaced"] = .string(replaced.sha256) }
        try JSONLines.append(Value.map(entry), to: history, mode: 0o600, outputFormatting: .withoutEscapingSlashes)
        return made
    }

    /// One seal on a PDF, as checked against this workspace's certificates.
    public struct Signature: Sendable, Equatable {
        public var signer: String
        /// The signed bytes are unchanged and the signature is mathematically sound.
        public var valid: Bool
        /// Its certificate is this workspace's seal (in force or retired).
        public var trusted: Bool
        /// Nothing was added after signing.
        public var coversWholeFile: Bool
        public var signedAt: String?
        public var certificate: String
        public var sound: Bool { valid && trusted && coversWholeFile }
    }

    /// The seals on `pdf`, each checked against the workspace's certificates.
    public func signatures(of pdf: URL) throws -> [Signature] {
        var best: [Signature] = []
        // pyHanko trusts one set of roots per run: try each certificate until one trusts.
        let certs = trustedCertificates()
        for cert in certs.isEmpty ? [nil] : certs.map(Optional.some) {
            let answer = try tool.run(["verify", "--in", pdf.path] + (cert.map { ["--cert", $0.path] } ?? []))
            if let problem = answer["problem"]?.stringValue { throw SealError("\(pdf.lastPathComponent): \(problem)") }
            let found: [Signature] = ({ if case .list(let l) = answer["signatures"] { return l }; return [] }()).compactMap { item in
                guard case .map(let m) = item else { return nil }
                return Signature(signer: m["signer"]?.stringValue ?? "", valid: m["valid"]?.boolValue == true && m["intact"]?.boolValue == true,
                                 trusted: cert != nil && m["trusted"]?.boolValue == true,
                                 coversWholeFile: m["covers_whole_file"]?.boolValue == true,
                                 signedAt: m["signed_at"]?.stringValue, certificate: m["certificate"]?.stringValue ?? "")
            }
            best = found
            if found.allSatisfy(\.trusted) { break }
        }
        return best
    }

    /// Seals `pdf` into `output` with the seal in force; the key never leaves `seal/`.
    /// `timeZone`: the council's, in which the visible block gives the signing time.
    public func sign(_ pdf: URL, to output: URL, council: String, signer: String, reason: String, location: String,
                     timeZone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!, now: Date = Date()) throws -> Certificate {
        guard let cert = try current() else { throw NoSeal() }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        _ = try tool.run(["sign", "--key", keyFile.path, "--cert", certificateFile.path, "--in", pdf.path, "--out", output.path,
                          "--council", council, "--signer", signer, "--reason", reason, "--location", location, "--when", f.string(from: now)])
        return cert
    }
}

/// The workspace has no seal yet.
public struct NoSeal: DocketFailure {
    public init() {}
    public var kind: FailureKind { .refused }
    public var description: String {
        "this workspace has no electronic seal yet: the secretariat makes one with 'docket seal init' (or imports the council's certificate with 'docket seal init --p12 FILE'), then runs the case again"
    }
}
