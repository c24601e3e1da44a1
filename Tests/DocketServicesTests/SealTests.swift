import DocketCore
import DocketSeal
import DocketServices
import DocketTestSupport
import Foundation
import XCTest

/// The council's seal as the secretariat manages it: imported from PKCS#12, protected by a
/// passphrase, rotated without losing what the old certificate sealed, never replaced silently.
final class SealTests: XCTestCase {
    let project = TestWorkspace.project

    func python(_ venv: String, _ script: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = project.appendingPathComponent("\(venv)/venv/bin/python3")
        p.arguments = ["-c", script] + args
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "helper script in \(venv)")
    }

    /// A PDF to seal, made by WeasyPrint as the renditions are.
    func pdf(_ file: URL) throws {
        try python("Plugins/pdf-render", "import sys, weasyprint; weasyprint.HTML(string='<html lang=ja><p>答申</p></html>').write_pdf(sys.argv[1])", [file.path])
    }

    /// A PKCS#12 file as a certification authority hands one out (RSA, passphrase-protected).
    func pkcs12(_ file: URL, passphrase: String) throws {
        try python("libexec/seal", """
            import sys, datetime
            from cryptography import x509
            from cryptography.x509.oid import NameOID
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            from cryptography.hazmat.primitives.serialization import pkcs12
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "みどり市個人情報保護審議会")])
            now = datetime.datetime.now(datetime.timezone.utc)
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(7).not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
                    .sign(key, hashes.SHA256()))
            data = pkcs12.serialize_key_and_certificates(b"seal", key, cert, None, serialization.BestAvailableEncryption(sys.argv[2].encode()))
            open(sys.argv[1], "wb").write(data)
            """, [file.path, passphrase])
    }

    func store(_ root: URL, _ env: [String: String] = [:]) -> SealStore {
        SealStore(root: root, tool: SealTool(standardFolder: project, environment: env))
    }

    func testImportRotateAndPassphrase() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-seal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let p12 = root.appendingPathComponent("council.p12")
        try pkcs12(p12, passphrase: "ca-given")

        // A wrong passphrase is refused, saying where the right one goes; nothing is written.
        XCTAssertThrowsError(try store(root, ["DOCKET_SEAL_IMPORT_PASSPHRASE": "wrong"]).install(.pkcs12(p12), replace: false, by: "clerk")) { error in
            XCTAssertTrue("\(error)".contains("DOCKET_SEAL_IMPORT_PASSPHRASE"), "\(error)")
        }
        XCTAssertFalse(store(root).exists)

        // Imported, stored encrypted under the workspace's own passphrase.
        let guarded = store(root, ["DOCKET_SEAL_IMPORT_PASSPHRASE": "ca-given", "DOCKET_SEAL_PASSPHRASE": "council-secret"])
        let imported = try guarded.install(.pkcs12(p12), replace: false, by: "clerk")
        XCTAssertEqual(imported.council, "みどり市個人情報保護審議会")
        XCTAssertFalse(imported.demo)
        let key = try String(contentsOf: guarded.keyFile, encoding: .utf8)
        XCTAssertTrue(key.contains("ENCRYPTED PRIVATE KEY"), "the key is stored encrypted")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: guarded.keyFile.path)[.posixPermissions] as? Int, 0o600)

        let original = root.appendingPathComponent("答申.pdf"), sealed = root.appendingPathComponent("答申-sealed.pdf")
        try pdf(original)
        // Without the passphrase the key cannot be used: the message says which variable.
        XCTAssertThrowsError(try store(root).sign(original, to: sealed, council: "みどり市個人情報保護審議会", signer: "会長 青木 一郎", reason: "答申の発出", location: "みどり市")) { error in
            XCTAssertTrue("\(error)".contains("DOCKET_SEAL_PASSPHRASE"), "\(error)")
        }
        _ = try guarded.sign(original, to: sealed, council: "みどり市個人情報保護審議会", signer: "会長 青木 一郎", reason: "答申の発出", location: "みどり市")
        let before = try guarded.signatures(of: sealed)
        XCTAssertEqual(before.count, 1)
        XCTAssertTrue(before[0].sound, "\(before)")

        // Never replaced silently; replaced on request, the old certificate kept.
        XCTAssertThrowsError(try guarded.install(.create(council: "みどり市個人情報保護審議会", organization: "みどり市", demo: false, years: 5), replace: false, by: "clerk")) { error in
            XCTAssertTrue(error is SealStore.Exists, "\(error)")
        }
        let rotated = try guarded.install(.create(council: "みどり市個人情報保護審議会", organization: "みどり市", demo: false, years: 5), replace: true, by: "clerk")
        XCTAssertNotEqual(rotated.sha256, imported.sha256)
        XCTAssertEqual(guarded.trustedCertificates().count, 2, "the retired certificate is kept")
        let after = try guarded.signatures(of: sealed)
        XCTAssertTrue(after.allSatisfy(\.sound), "what the old seal sealed still verifies: \(after)")
        let history = try String(contentsOf: guarded.folder.appendingPathComponent("history.jsonl"), encoding: .utf8)
        XCTAssertEqual(history.split(separator: "\n").count, 2, history)
        XCTAssertTrue(history.contains("\"replaced\":\"\(imported.sha256)\""), history)
        XCTAssertFalse(history.contains("PRIVATE KEY"), "the history never holds the key")

        // A document sealed by another council's key is not this workspace's seal.
        let other = root.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try store(other).install(.create(council: "よその審議会", organization: "よそ市", demo: true, years: 1), replace: false, by: "x")
        let foreign = root.appendingPathComponent("foreign.pdf")
        _ = try store(other).sign(original, to: foreign, council: "よその審議会", signer: "会長", reason: "答申の発出", location: "")
        let checked = try guarded.signatures(of: foreign)
        XCTAssertEqual(checked.count, 1)
        XCTAssertTrue(checked[0].valid)
        XCTAssertFalse(checked[0].trusted, "another council's seal is not ours")
    }
}
