import DocketCore
import Foundation

/// Checks a Docket archive — or any BagIt bag in a zip — on its own, without Docket's state: the
/// zip's structure and every entry's CRC (each is read to its end), the bag's required files,
/// every manifest and tag-manifest digest, Payload-Oxum, that no entry leaves the bag folder
/// (`..`, absolute paths, links), and that no file is left out of the manifests.
public enum Verifier {
    public struct Report: Sendable {
        public var path: String
        public var bag: String = ""
        public var payloadFiles = 0
        public var payloadBytes: Int64 = 0
        public var encrypted = false
        public var problems: [String] = []

        public var summary: String {
            problems.isEmpty
                ? "ok \(path): a valid BagIt 1.0 bag '\(bag)' with \(payloadFiles) payload files (\(payloadBytes) bytes)\(encrypted ? ", AES-256 encrypted" : "")"
                : problems.map { "\(path): error: \($0)" }.joined(separator: "\n")
        }
    }

    public static func verify(path: String, password: String? = nil) -> Report {
        var report = Report(path: path)
        do {
            try check(path: path, password: password, into: &report)
        } catch let e as ZipError {
            report.problems.append(e.message)
        } catch {
            report.problems.append("\(error)")
        }
        return report
    }

    private static func check(path: String, password: String?, into report: inout Report) throws {
        let zip = try ZipReader(path: path, password: password)
        let entries = try zip.entries
        guard !entries.isEmpty else {
            report.problems.append("the zip is empty")
            return
        }
        // Where entries point: one top folder, nothing outside it.
        var tops: Set<String> = []
        var files: [String: ZipEntry] = [:]
        for e in entries {
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: false)
            if e.name.hasPrefix("/") || e.name.contains("\\") || parts.contains("..") || parts.contains(".") || (parts.dropLast().contains("") ) {
                report.problems.append("entry '\(e.name)' points outside the bag folder (absolute path, '..' or an empty part)")
                continue
            }
            if e.isSymbolicLink {
                report.problems.append("entry '\(e.name)' is a symbolic link; an archive holds only files")
                continue
            }
            tops.insert(String(parts[0]))
            if e.isDirectory { continue }
            if parts.count < 2 {
                report.problems.append("entry '\(e.name)' is outside the bag folder")
                continue
            }
            if files[e.name] != nil { report.problems.append("entry '\(e.name)' appears twice") }
            files[e.name] = e
            if e.encrypted { report.encrypted = true }
        }
        guard tops.count == 1, let top = tops.first else {
            report.problems.append("the zip must hold exactly one top folder (the bag); it holds \(tops.sorted().joined(separator: ", "))")
            return
        }
        report.bag = top
        if report.encrypted && password == nil {
            report.problems.append("the archive is encrypted; give the password with --password-file FILE or $DOCKET_ARCHIVE_PASSWORD")
            return
        }

        // Read every file to its end (CRC) and digest it, on every core: each worker opens the
        // zip for itself (a libzip handle is not shared between threads).
        let ordered = files.values.sorted { $0.size > $1.size }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, ordered.count))
        let results = DigestResults()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            do {
                let reader = try ZipReader(path: path, password: password)
                for entry in stride(from: w, to: ordered.count, by: workers).map({ ordered[$0] }) {
                    var digest = DualDigest()
                    do {
                        try reader.read(entry) { digest.update($0) }
                        results.add(String(entry.name.dropFirst(top.count + 1)), digest.finalize(), digest.size)
                    } catch let e as ZipError {
                        results.fail(e.message)
                    }
                }
            } catch {
                results.fail("\(error)")
            }
        }
        let (digests, sizes, failures) = results.snapshot()
        report.problems += failures.sorted()
        guard report.problems.isEmpty else { return }

        func text(_ name: String) -> String? {
            guard let entry = files["\(top)/\(name)"], let bytes = try? zip.data(entry) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let bagit = text("bagit.txt") else {
            report.problems.append("bagit.txt is missing: this is not a BagIt bag")
            return
        }
        if !bagit.contains("BagIt-Version: 1.0") || !bagit.contains("Tag-File-Character-Encoding: UTF-8") {
            report.problems.append("bagit.txt does not declare BagIt-Version: 1.0 and Tag-File-Character-Encoding: UTF-8")
        }
        guard let info = text("bag-info.txt") else {
            report.problems.append("bag-info.txt is missing")
            return
        }

        let payloadNames = Set(digests.keys.filter { $0.hasPrefix("data/") })
        var listedByTagManifest: Set<String> = []
        var manifests = 0
        for alg in BagLayout.payloadAlgorithms {
            guard let manifest = text("manifest-\(alg).txt") else { continue }
            manifests += 1
            let listed = check(manifest: manifest, named: "manifest-\(alg).txt", algorithm: alg, digests: digests, into: &report)
            for missing in payloadNames.subtracting(listed).sorted() {
                report.problems.append("\(missing) is in the bag but not listed in manifest-\(alg).txt")
            }
        }
        if manifests == 0 { report.problems.append("no payload manifest (manifest-sha256.txt or manifest-sha512.txt)") }
        for alg in BagLayout.payloadAlgorithms {
            guard let manifest = text("tagmanifest-\(alg).txt") else { continue }
            listedByTagManifest.formUnion(check(manifest: manifest, named: "tagmanifest-\(alg).txt", algorithm: alg, digests: digests, into: &report))
        }
        let tagFiles = Set(digests.keys.filter { !$0.hasPrefix("data/") && !$0.hasPrefix("tagmanifest-") })
        for name in tagFiles.subtracting(listedByTagManifest).sorted() {
            report.problems.append("\(name) is in the bag but not listed in a tag manifest")
        }

        report.payloadFiles = payloadNames.count
        report.payloadBytes = payloadNames.reduce(0) { $0 + (sizes[$1] ?? 0) }
        if let oxum = info.split(separator: "\n").first(where: { $0.hasPrefix("Payload-Oxum:") }) {
            let expected = "\(report.payloadBytes).\(report.payloadFiles)"
            let given = oxum.dropFirst("Payload-Oxum:".count).trimmingCharacters(in: .whitespaces)
            if given != expected { report.problems.append("Payload-Oxum says \(given), but the payload is \(expected) (bytes.files)") }
        }
    }

    /// Checks each line of a manifest against the digests read; returns the paths it lists.
    private static func check(manifest: String, named: String, algorithm: String, digests: [String: [String: String]],
                              into report: inout Report) -> Set<String> {
        var listed: Set<String> = []
        for (i, rawLine) in manifest.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                report.problems.append("\(named):\(i + 1): the line is not 'DIGEST PATH'")
                continue
            }
            let digest = line[..<space].lowercased()
            let path = BagLayout.decodePath(String(line[space...].drop(while: { $0 == " " || $0 == "\t" })))
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            if path.hasPrefix("/") || parts.contains("..") {
                report.problems.append("\(named):\(i + 1): '\(path)' points outside the bag")
                continue
            }
            listed.insert(path)
            guard let actual = digests[path]?[algorithm] else {
                report.problems.append("\(named):\(i + 1): \(path) is listed but not in the bag")
                continue
            }
            if actual != digest {
                report.problems.append("\(named):\(i + 1): \(path) does not match its \(algorithm.uppercased()) digest: it was changed or damaged")
            }
        }
        return listed
    }
}

/// Digests gathered by the verification workers.
private final class DigestResults: @unchecked Sendable {
    private let lock = NSLock()
    private var digests: [String: [String: String]] = [:]
    private var sizes: [String: Int64] = [:]
    private var failures: [String] = []

    func add(_ name: String, _ d: [String: String], _ size: Int64) {
        lock.withLock { digests[name] = d; sizes[name] = size }
    }

    func fail(_ message: String) {
        lock.withLock { failures.append(message) }
    }

    func snapshot() -> ([String: [String: String]], [String: Int64], [String]) {
        lock.withLock { (digests, sizes, failures) }
    }
}
