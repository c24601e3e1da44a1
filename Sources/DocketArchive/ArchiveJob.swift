import CGlibc
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The tag files of a bag. `bagit.txt` opens the zip; the others follow the payload, in name
/// order, and all but the preservation events are made from the payload's digests: they are
/// promised to the writer at once and handed over when the digests are done.
final class TagFiles: Sendable {
    private let bagInfo: [BagInfoField]
    private let preservation: [UInt8]
    private let pending: [String: PendingBytes]
    /// The tag files after the payload, in the order they are written.
    let afterPayload: [(name: String, bytes: PendingBytes)]

    struct BagInfoField: Sendable {
        var label: String
        var value: String
    }

    init(bagInfo: [(String, String)], preservation: [UInt8]) {
        self.bagInfo = bagInfo.map { BagInfoField(label: $0.0, value: $0.1) }
        var pending: [String: PendingBytes] = [:]
        for name in ["bag-info.txt", BagLayout.preservationFile, "tagmanifest-sha256.txt"] + BagAlgorithm.allCases.map({ "manifest-\($0.rawValue).txt" }) {
            pending[name] = PendingBytes()
        }
        pending[BagLayout.preservationFile]!.fulfil(preservation)
        self.pending = pending
        self.afterPayload = pending.keys.sorted().map { ($0, pending[$0]!) }
        self.preservation = preservation
    }

    /// Makes the tag files from the payload's digests and hands them to the writer.
    func complete(names: [String], table: DigestTable) {
        var bytes = Int64(0)
        for i in names.indices { bytes += table.size(i) ?? 0 }
        let info = bagInfo.map { field -> String in
            let value = field.label == "Payload-Oxum" ? "\(bytes).\(names.count)" : field.value
            return "\(field.label): \(value.replacingOccurrences(of: "\n", with: " "))\n"
        }.joined()
        var made: [(String, [UInt8])] = [
            ("bagit.txt", Array(BagLayout.bagitTxt.utf8)), ("bag-info.txt", Array(info.utf8)),
            (BagLayout.preservationFile, preservation),
        ]
        for algorithm in BagAlgorithm.allCases {
            var manifest: [UInt8] = []
            manifest.reserveCapacity(names.count * (algorithm.length * 2 + 64))
            for (i, name) in names.enumerated() {
                table.appendHex(i, algorithm, to: &manifest)
                manifest += [0x20, 0x20]
                manifest += BagLayout.encodePath(name).utf8
                manifest.append(0x0A)
            }
            made.append(("manifest-\(algorithm.rawValue).txt", manifest))
        }
        let tagManifest = made.sorted { $0.0 < $1.0 }.map { "\(Journal.sha256Hex($0.1))  \($0.0)\n" }.joined()
        made.append(("tagmanifest-sha256.txt", Array(tagManifest.utf8)))
        for (name, content) in made { pending[name]?.fulfil(content) }
    }

    /// Tells the writer that the digests failed, so that it stops.
    func fail(_ error: Error) {
        for p in pending.values { p.fail(error) }
    }
}

/// Writing one case's archive to its temporary file, and the digests its manifests are made
/// from: the two run at once (see `Archiver.archive`), each blocking on threads of its own.
struct WriteJob: Sendable {
    var caseID: String
    var payload: [Archiver.Payload]
    var mtime: time_t
    var password: String?
    var compression: [ZipCompression]
    var temp: String
    /// Part zips (one a core, when deflating in parallel) are named from this.
    var partPrefix: String

    /// Both digests of every payload item on every core, checked against the digests the journal
    /// recorded; then the tag files are made from them. Any failure is handed to the writer too.
    func digest(into table: DigestTable, tags: TagFiles) throws {
        do {
            let order = payload.indices.sorted { payload[$0].expectedSize > payload[$1].expectedSize }
            let failure = FirstError()
            Parallel.workers(Parallel.width, over: order) { next in
                let digester = DualDigester()
                while let i = next(), !failure.isSet {
                    do {
                        if let source = payload[i].source {
                            try digester.update(file: source)
                        } else {
                            (payload[i].bytes ?? []).withUnsafeBytes { digester.update($0) }
                        }
                        table.record(i, from: digester)
                    } catch {
                        let source = payload[i].source ?? ""
                        failure.set(FileManager.default.fileExists(atPath: source) ? error : ArchiveError.documentMissing(caseID, path: source))
                    }
                }
            }
            try failure.check()
            for (i, p) in payload.enumerated() {
                if let recorded = p.recordedSHA256, recorded != table.hex(i, .sha256) {
                    throw ArchiveError.documentChanged(caseID, path: p.source ?? p.name)
                }
            }
            tags.complete(names: payload.map(\.name), table: table)
        } catch {
            tags.fail(error)
            throw error
        }
    }

    /// Writes the zip through libzip: `bagit.txt`, the payload in name order, then the other
    /// tag files (waiting for them). Deflate is the slow part: unencrypted, it runs on every core
    /// (libdeflate) into part files, while libzip writes what comes first and then copies each
    /// stream as it is, as soon as it is done.
    func write(tags: TagFiles) throws {
        let plan = password == nil ? planParts() : []
        let items = DeflatedItems()
        var parts: PartFiles?
        let deflated = DispatchSemaphore(value: 0)
        if !plan.isEmpty {
            let files = try PartFiles(creating: plan.indices.map { "\(partPrefix)\($0)-\(getpid())" })
            parts = files
            Thread { writeParts(plan, files: files, into: items); deflated.signal() }.start()
        }
        // However the writing ends, the deflaters stop and the part files go.
        defer {
            if let parts {
                items.stop()
                deflated.wait()
                parts.remove()
            }
        }
        let inParts = Set(plan.joined())
        let writer = try ZipWriter(path: temp)
        try writer.addData(Array(BagLayout.bagitTxt.utf8), as: "\(caseID)/bagit.txt", mtime: mtime, compression: .deflate, password: password)
        for (i, p) in payload.enumerated() {
            let name = "\(caseID)/\(p.name)"
            if let parts, inParts.contains(i) {
                try writer.addDeflated(i, from: items, parts: parts, as: name, mtime: mtime)
            } else if let source = p.source {
                try writer.addFile(source, as: name, mtime: mtime, compression: compression[i], password: password)
            } else {
                try writer.addData(p.bytes ?? [], as: name, mtime: mtime, compression: .deflate, password: password)
            }
        }
        for (name, bytes) in tags.afterPayload {
            try writer.addPending(bytes, as: "\(caseID)/\(name)", mtime: mtime, compression: .deflate, password: password)
        }
        do { try writer.close() } catch {
            // A deflater's failure is the cause of the writer's.
            throw items.failure ?? error
        }
    }

    /// The payload items to deflate in parallel, in one group per core balanced by size; empty
    /// when there is too little to gain.
    func planParts() -> [[Int]] {
        let cores = Parallel.width
        let items = payload.indices.filter { payload[$0].source != nil && compression[$0] == .deflate }
        let total = items.reduce(Int64(0)) { $0 + payload[$1].expectedSize }
        guard cores > 1, items.count >= cores, total >= 4 << 20 else { return [] }
        var groups = [[Int]](repeating: [], count: cores)
        var load = [Int64](repeating: 0, count: cores)
        for i in items.sorted(by: { payload[$0].expectedSize > payload[$1].expectedSize }) {
            let g = load.indices.min { load[$0] < load[$1] }!
            groups[g].append(i)
            load[g] += payload[i].expectedSize
        }
        return groups.map { $0.sorted() }.filter { !$0.isEmpty }
    }

    /// Deflates each group into its own part file, the groups in parallel, each item in name
    /// order (the order the writer takes them), handing each to `items` when it is done.
    func writeParts(_ plan: [[Int]], files: PartFiles, into items: DeflatedItems) {
        Parallel.workers(plan.count, over: Array(plan.indices)) { next in
            while let p = next() {
                do {
                    let part = try PartDeflater(parts: files, part: p)
                    for item in plan[p] {
                        if items.isStopped { return }
                        items.set(item, try part.add(file: payload[item].source!))
                    }
                } catch {
                    items.fail(error)
                }
            }
        }
    }
}
