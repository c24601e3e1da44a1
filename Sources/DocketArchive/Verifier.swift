import DocketCore
import DocketYAML
import Foundation
import Synchronization

/// Checks a Docket archive — or any BagIt bag in a zip — on its own, without Docket's state: the
/// zip's structure and every entry's CRC (each is read to its end), the bag's required files,
/// every manifest and tag-manifest digest, Payload-Oxum, that no entry leaves the bag folder
/// (`..`, absolute paths, links), and that no file is left out of the manifests. Hostile zips are
/// refused by cheap checks (`ZipDirectory`, names, tag files) before anything is inflated, and no
/// entry is inflated past its declared size; nothing is ever written.
public enum Verifier {
    public struct Report: Sendable {
        public var path: String
        public var bag: String = ""
        public var payloadFiles = 0
        public var payloadBytes: Int64 = 0
        public var encrypted = false
        public var problems: [String] = []
        /// The zip file's own SHA-256 and size, when asked for.
        public var fileSHA256: String?
        public var fileSize: Int64 = 0
        /// Bytes read out of entries (after inflating): nothing until the cheap checks pass, then
        /// at most each entry's declared size (plus one byte for an entry that lies about it).
        public var inflatedBytes: Int64 = 0

        public var summary: String {
            problems.isEmpty
                ? "ok \(path): a valid BagIt 1.0 bag '\(bag)' with \(payloadFiles) payload files (\(payloadBytes) bytes)\(encrypted ? ", AES-256 encrypted" : "")"
                    + (fileSHA256.map { "; the zip's SHA-256 is \($0)" } ?? "")
                : problems.map { "\(path): error: \($0)" }.joined(separator: "\n")
        }
    }

    /// Checks the zip at `path`; with `digestingFile`, also takes the SHA-256 of the zip file
    /// itself (alongside the entries, on the same cores), as the journal records it.
    public static func verify(path: String, password: String? = nil, digestingFile: Bool = false) -> Report {
        var report = Report(path: path)
        do {
            try check(path: path, password: password, digestingFile: digestingFile, into: &report)
        } catch let e as ZipError {
            report.problems.append(e.message)
        } catch {
            report.problems.append("\(error)")
        }
        return report
    }

    /// The tag files read whole, and the most each may hold.
    static let tagFileLimit = 16 << 20

    private static func check(path: String, password: String?, digestingFile: Bool, into report: inout Report) throws {
        // The cheap checks first, before anything is inflated: the entry table as Docket reads
        // it (overlaps, kinds, sizes), then names and the required tag files. All their problems
        // are reported at once, and any of them stops the check before anything is inflated.
        let directory = try ZipDirectory.read(path: path)
        report.problems += directory.problems
        let zip: ZipReader
        do { zip = try ZipReader(path: path, password: password) } catch {
            if report.problems.isEmpty { throw error }
            return
        }
        let entries = try zip.entries
        guard entries.count == directory.entries.count else {
            report.problems.append("the zip's central directory holds \(directory.entries.count) entries, but libzip reads \(entries.count)")
            return
        }
        guard !entries.isEmpty else {
            report.problems.append("the zip is empty")
            return
        }
        // Where entries point: one top folder, nothing outside it, no name twice, no name both a
        // file and a folder. The files are kept by their place in `entries` (tens of thousands of
        // entries: no copies of their names).
        var tops: Set<Substring> = []
        var index: [String: Int] = [:]
        var folders: Set<Substring> = []
        index.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: false)
            if e.name.hasPrefix("/") || e.name.contains("\\") || parts.contains("..") || parts.contains(".") || (parts.dropLast().contains("") ) {
                report.problems.append("entry \(shown(e.name)) points outside the bag folder (absolute path, '..' or an empty part)")
                continue
            }
            tops.insert(parts[0])
            if e.isDirectory {
                if !folders.insert(e.name.dropLast()).inserted { report.problems.append("entry \(shown(e.name)) appears twice") }
                continue
            }
            var parent = e.name[...]
            while let slash = parent.lastIndex(of: "/") {
                parent = parent[..<slash]
                if !folders.insert(parent).inserted { break }
            }
            if parts.count < 2 {
                report.problems.append("entry \(shown(e.name)) is outside the bag folder")
                continue
            }
            if index[e.name] != nil { report.problems.append("entry \(shown(e.name)) appears twice") }
            index[e.name] = i
            if e.encrypted { report.encrypted = true }
        }
        for name in index.keys.sorted() where folders.contains(name[...]) {
            report.problems.append("entry \(shown(name)) is both a file and a folder: the zip holds a file of that name and entries inside a folder of it")
        }
        guard tops.count == 1, let top = tops.first.map(String.init) else {
            report.problems.append("the zip must hold exactly one top folder (the bag); it holds \(tops.sorted().map { shown(String($0)) }.joined(separator: ", "))")
            return
        }
        report.bag = top
        // The tag files read whole: there, and small enough to read.
        for name in ["bagit.txt", "bag-info.txt"] where index["\(top)/\(name)"] == nil {
            report.problems.append(name == "bagit.txt" ? "bagit.txt is missing: this is not a BagIt bag" : "bag-info.txt is missing")
        }
        if !BagAlgorithm.allCases.contains(where: { index["\(top)/manifest-\($0.rawValue).txt"] != nil }) {
            report.problems.append("no payload manifest (manifest-sha256.txt or manifest-sha512.txt)")
        }
        let tagNames = ["bagit.txt", "bag-info.txt"] + BagAlgorithm.allCases.flatMap { ["manifest-\($0.rawValue).txt", "tagmanifest-\($0.rawValue).txt"] }
        for name in tagNames {
            if let i = index["\(top)/\(name)"], entries[i].size > UInt64(tagFileLimit) {
                report.problems.append("\(name) declares \(entries[i].size) bytes: too large for a tag file (at most \(tagFileLimit >> 20) MiB)")
            }
        }
        guard report.problems.isEmpty else { return }
        if report.encrypted && password == nil {
            report.problems.append("the archive is encrypted; give the password to check it")
            return
        }

        // Read every file to its end (CRC) and digest it, on every core, largest first. A libzip
        // handle is not shared between threads: each worker takes one from the pool (the first
        // is this one) or opens its own. The zip file's own digest, when asked for, is one more
        // item (-1), taken first.
        let table = DigestTable(count: entries.count)
        let failure = FirstError()
        let whole = Mutex<(sha256: String, size: Int64)?>(nil)
        let inflated = Atomic<Int64>(0)
        let readers = ReaderPool(zip)
        let order = (digestingFile ? [-1] : []) + index.values.sorted { entries[$0].size > entries[$1].size }
        Parallel.workers(Parallel.width, over: order) { next in
            var reader: ZipReader?
            defer { if let reader { readers.giveBack(reader) } }
            let digester = DualDigester()
            while let i = next() {
                do {
                    if i < 0 {
                        let digest = try FileIO.digest(of: path)
                        whole.withLock { $0 = digest }
                        continue
                    }
                    if reader == nil { reader = try readers.take() ?? ZipReader(path: path, password: password, checkConsistency: false) }
                    let n = try reader!.read(entries[i]) { digester.update($0) }
                    inflated.add(Int64(n), ordering: .relaxed)
                    table.record(i, from: digester)
                } catch {
                    failure.set(error)
                    digester.reset()
                }
            }
        }
        report.inflatedBytes = inflated.load(ordering: .relaxed)
        if let (sha256, size) = whole.withLock({ $0 }) {
            report.fileSHA256 = sha256
            report.fileSize = size
        }
        do { try failure.check() } catch let e as ZipError { report.problems.append(e.message) }
        guard report.problems.isEmpty else { return }

        func tagFile(_ name: String) throws -> [UInt8]? {
            guard let i = index["\(top)/\(name)"] else { return nil }
            let bytes = try zip.data(entries[i], limit: tagFileLimit)
            report.inflatedBytes += Int64(bytes.count)
            return bytes
        }
        // Present (checked above).
        let bagit = String(decoding: try tagFile("bagit.txt") ?? [], as: UTF8.self)
        if !bagit.contains("BagIt-Version: 1.0") || !bagit.contains("Tag-File-Character-Encoding: UTF-8") {
            report.problems.append("bagit.txt does not declare BagIt-Version: 1.0 and Tag-File-Character-Encoding: UTF-8")
        }
        let info = String(decoding: try tagFile("bag-info.txt") ?? [], as: UTF8.self)

        // Which files are payload (data/) and which are tag files, by their place in `entries`.
        let bag = Bag(top: top, entries: entries, index: index)
        for alg in BagAlgorithm.allCases {
            let name = "manifest-\(alg.rawValue).txt"
            guard let manifest = try tagFile(name) else { continue }
            let listed = check(manifest: manifest, named: name, algorithm: alg, bag: bag, table: table, into: &report)
            for i in bag.payload where !listed[i] {
                report.problems.append("\(TerminalText.escaped(bag.relative(i))) is in the bag but not listed in \(name)")
            }
        }
        var listedByTagManifest = [Bool](repeating: false, count: entries.count)
        for alg in BagAlgorithm.allCases {
            let name = "tagmanifest-\(alg.rawValue).txt"
            guard let manifest = try tagFile(name) else { continue }
            let listed = check(manifest: manifest, named: name, algorithm: alg, bag: bag, table: table, into: &report)
            for i in listed.indices where listed[i] { listedByTagManifest[i] = true }
        }
        for i in bag.tagFiles where !listedByTagManifest[i] && !bag.relative(i).hasPrefix("tagmanifest-") {
            report.problems.append("\(TerminalText.escaped(bag.relative(i))) is in the bag but not listed in a tag manifest")
        }

        report.payloadFiles = bag.payload.count
        report.payloadBytes = bag.payload.reduce(0) { $0 + (table.size($1) ?? 0) }
        if let oxum = info.split(separator: "\n").first(where: { $0.hasPrefix("Payload-Oxum:") }) {
            let expected = "\(report.payloadBytes).\(report.payloadFiles)"
            let given = oxum.dropFirst("Payload-Oxum:".count).trimmingCharacters(in: .whitespaces)
            if given != expected { report.problems.append("Payload-Oxum says \(given), but the payload is \(expected) (bytes.files)") }
        }
    }

    /// The files of a bag, by their place in the zip's entries.
    private struct Bag {
        var top: String
        var entries: [ZipEntry]
        var index: [String: Int]
        /// Entries under `data/`, and the other files (tag files), in name order.
        var payload: [Int] = []
        var tagFiles: [Int] = []

        init(top: String, entries: [ZipEntry], index: [String: Int]) {
            self.top = top
            self.entries = entries
            self.index = index
            let data = "\(top)/data/"
            for i in index.values.sorted(by: { entries[$0].name < entries[$1].name }) {
                if entries[i].name.hasPrefix(data) { payload.append(i) } else { tagFiles.append(i) }
            }
        }

        /// The entry's path inside the bag, as manifests name it.
        func relative(_ i: Int) -> Substring { entries[i].name.dropFirst(top.count + 1) }

        func find(_ path: String) -> Int? { index["\(top)/\(path)"] }
    }

    /// Checks each line of a manifest against the digests read; returns which entries it lists.
    private static func check(manifest: [UInt8], named: String, algorithm: BagAlgorithm, bag: Bag, table: DigestTable,
                              into report: inout Report) -> [Bool] {
        var listed = [Bool](repeating: false, count: bag.entries.count)
        for (i, rawLine) in manifest.split(separator: 0x0A, omittingEmptySubsequences: true).enumerated() {
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            guard let space = line.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) else {
                report.problems.append("\(named):\(i + 1): the line is not 'DIGEST PATH'")
                continue
            }
            let digest = String(decoding: line[..<space], as: UTF8.self).lowercased()
            let path = BagLayout.decodePath(String(decoding: line[space...].drop(while: { $0 == 0x20 || $0 == 0x09 }), as: UTF8.self))
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            if path.hasPrefix("/") || parts.contains("..") {
                report.problems.append("\(named):\(i + 1): \(shown(path)) points outside the bag")
                continue
            }
            guard let item = bag.find(path) else {
                report.problems.append("\(named):\(i + 1): \(TerminalText.escaped(path)) is listed but not in the bag")
                continue
            }
            if listed[item] {
                report.problems.append("\(named):\(i + 1): \(TerminalText.escaped(path)) is listed twice")
                continue
            }
            listed[item] = true
            if table.hex(item, algorithm) != digest {
                report.problems.append("\(named):\(i + 1): \(TerminalText.escaped(path)) does not match its \(algorithm.rawValue.uppercased()) digest: it was changed or damaged")
            }
        }
        return listed
    }
}

/// A name from the zip, quoted and with its control characters escaped, for a message.
func shown(_ name: String) -> String { "'\(TerminalText.escaped(name))'" }

/// The verification's libzip handles: each worker takes one, or opens its own if none is left.
private final class ReaderPool: @unchecked Sendable {
    private let lock = NSLock()
    private var readers: [ZipReader]

    init(_ first: ZipReader) { readers = [first] }

    func take() -> ZipReader? { lock.withLock { readers.popLast() } }
    func giveBack(_ reader: ZipReader) { lock.withLock { readers.append(reader) } }
}
