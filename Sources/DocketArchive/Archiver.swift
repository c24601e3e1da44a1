import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Problems packaging a case, in words naming the case, document or file.
public enum ArchiveError: Error, CustomStringConvertible, Equatable {
    case notCompleted(String, step: String?)
    case documentChanged(String, path: String)
    case verificationFailed(String, [String])
    case noPassword(String)

    public var description: String {
        switch self {
        case .notCompleted(let id, let step):
            return "case '\(id)' is not completed\(step.map { " (it is at step '\($0)')" } ?? ""); finish it first, or give --partial to archive it as it stands"
        case .documentChanged(let id, let path):
            return "case '\(id)': the file \(path) no longer matches the digest the journal recorded for it; it was changed or damaged after it was recorded, so the case is not archived"
        case .verificationFailed(let path, let problems):
            return "\(path): the archive failed its check after writing and was removed:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .noPassword(let why):
            return why
        }
    }
}

/// Packages a case as `archives/<case-id>.zip`: a BagIt bag inside a zip, written to a temporary
/// file, fsync'd, reopened and fully verified, then renamed into place, so an interrupted or
/// failed run leaves nothing that looks finished. The same case gives the same bytes (fixed
/// order, times from the journal, fixed compression), except when encrypted (AES uses a random
/// salt). Documents are streamed, never loaded whole.
public struct Archiver: Sendable {
    public var store: CaseStore
    /// `Source-Organization` in bag-info.txt.
    public var organization: String

    public init(store: CaseStore, organization: String) {
        self.store = store
        self.organization = organization
    }

    public struct Options: Sendable {
        public var partial: Bool
        /// AES-256 for every entry when given. Never logged nor journalled.
        public var password: String?
        /// Store every entry uncompressed (fastest; for media that is compressed already).
        public var storeOnly: Bool

        public init(partial: Bool = false, password: String? = nil, storeOnly: Bool = false) {
            self.partial = partial
            self.password = password
            self.storeOnly = storeOnly
        }
    }

    public struct Result: Sendable {
        public var path: URL
        public var sha256: String
        public var size: Int64
        public var payloadFiles: Int
        public var payloadBytes: Int64
        /// How many journal events the archive holds.
        public var events: Int
    }

    struct Payload {
        var name: String  // inside the bag, e.g. data/documents/draft/諮問文.md
        var source: String?  // a file, streamed
        var bytes: [UInt8]?  // or bytes in memory (the journal)
        var recordedSHA256: String?  // what the journal says it must be
    }

    /// Archives the case as the journal `contents` record it, up to its last event that is not
    /// an `archived` one (so recording an archive never changes the next archive). The caller
    /// holds the case lock. `byStep` names the archive step when that step is the caller: the
    /// case is then complete but for that step.
    public func archive(caseID: String, contents: Journal.Contents, journalBytes: [UInt8], byStep: String? = nil,
                        options: Options) async throws -> Result {
        var count = contents.events.count
        while count > 0, contents.events[count - 1].type == .archived { count -= 1 }
        let events = Array(contents.events[..<count])
        let state = CaseState(caseID: caseID, events: events)
        let complete = state.finished || byStep != nil
        if !complete, !options.partial {
            throw ArchiveError.notCompleted(caseID, step: events.last(where: { $0.step != nil })?.step)
        }
        let order = state.steps.keys.sorted()
        // The journal as it stood at that event.
        var end = 0, lines = 0
        while lines < count, let nl = journalBytes[end...].firstIndex(of: 0x0A) { end = nl + 1; lines += 1 }
        let journal = Array(journalBytes[..<end])

        var payload: [Payload] = [Payload(name: "data/journal.jsonl", bytes: journal)]
        payload.append(Payload(name: "data/workflow.yaml", source: store.workflowFile(caseID).path, recordedSHA256: state.workflow?.sha256))
        for file in state.workflow?.files ?? [] {
            payload.append(Payload(name: "data/workflow-files/\(file.path)", source: store.workflowFiles(caseID).appendingPathComponent(file.path).path,
                                   recordedSHA256: file.sha256))
        }
        for doc in state.documents {
            payload.append(Payload(name: "data/documents/\(doc.path)", source: store.documents(caseID).appendingPathComponent(doc.path).path,
                                   recordedSHA256: doc.sha256))
        }
        payload.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }

        // Digests on both cores; each file is read once for both algorithms.
        let digests = try await Self.digests(of: payload)
        var payloadBytes: Int64 = 0
        for (i, p) in payload.enumerated() {
            if let recorded = p.recordedSHA256, recorded != digests[i].digests["sha256"] {
                throw ArchiveError.documentChanged(caseID, path: p.source ?? p.name)
            }
            payloadBytes += digests[i].size
        }

        let last = events.last
        let time = last.flatMap { Timestamp.date($0.time) } ?? Date(timeIntervalSince1970: 0)
        let mtime = Self.utcWallClock(time_t(time.timeIntervalSince1970))
        let baggingDate = String((last?.time ?? "1970-01-01").prefix(10))
        var info = [
            ("Source-Organization", organization),
            ("External-Identifier", caseID),
            ("Bagging-Date", baggingDate),
            ("Payload-Oxum", "\(payloadBytes).\(payload.count)"),
            ("Bag-Software-Agent", "Docket \(DocketVersion.string)"),
            ("Docket-Workflow", state.workflow?.name ?? ""),
            ("Docket-Journal-Events", String(count)),
            ("Docket-Journal-Last-SHA256", Journal.sha256Hex(journal.split(separator: 0x0A).last ?? [])),
        ]
        if let decision = Self.lastOutput("decision", state: state, order: order) { info.append(("Docket-Decision", decision)) }
        if let number = Self.lastOutput("number_label", state: state, order: order) { info.append(("Docket-Answer-Number", number)) }
        if !complete { info.append(("Docket-Partial", "yes: archived before the case was completed")) }
        let bagInfo = info.map { "\($0.0): \($0.1.replacingOccurrences(of: "\n", with: " "))\n" }.joined()

        var tags: [(String, [UInt8])] = [("bagit.txt", Array(BagLayout.bagitTxt.utf8)), ("bag-info.txt", Array(bagInfo.utf8))]
        for alg in BagLayout.payloadAlgorithms {
            let lines = payload.indices.map { "\(digests[$0].digests[alg]!)  \(BagLayout.encodePath(payload[$0].name))\n" }.joined()
            tags.append(("manifest-\(alg).txt", Array(lines.utf8)))
        }
        tags.append((BagLayout.preservationFile, preservationEvents(time: last?.time ?? "", files: payload.count, events: count)))
        let tagManifest = tags.map { "\(Journal.sha256Hex($0.1))  \($0.0)\n" }.joined()
        tags.append(("tagmanifest-sha256.txt", Array(tagManifest.utf8)))

        try FileManager.default.createDirectory(at: store.archivesFolder, withIntermediateDirectories: true)
        // What an interrupted archive of this case left (hidden, never looking finished); the
        // caller holds the case lock, so no other archive of it is being written.
        for name in (try? FileIO.names(in: store.archivesFolder)) ?? []
        where name.hasPrefix(".\(caseID).zip.partial-") || name.hasPrefix(".\(caseID).zip.part") {
            unlink(store.archivesFolder.appendingPathComponent(name).path)
        }
        let final = store.archivesFolder.appendingPathComponent("\(caseID).zip")
        let temp = store.archivesFolder.appendingPathComponent(".\(caseID).zip.partial-\(getpid())")
        let compression = payload.map { p in options.storeOnly ? ZipCompression.store : BagLayout.compression(for: p.name, source: p.source) }
        var partFiles: [URL] = []
        defer { for part in partFiles { unlink(part.path) } }
        do {
            // Deflate is the slow part: unencrypted, it runs on every core into part zips whose
            // compressed bytes are then copied as they are.
            var parts: [Int: (part: Int, entry: UInt64)] = [:]
            var readers: [ZipReader] = []
            if options.password == nil {
                let plan = Self.planParts(payload: payload, compression: compression, sizes: digests.map(\.size))
                if !plan.isEmpty {
                    partFiles = plan.indices.map { store.archivesFolder.appendingPathComponent(".\(caseID).zip.part\($0)-\(getpid())") }
                    try await Self.writeParts(plan, payload: payload, files: partFiles, mtime: mtime)
                    for (p, group) in plan.enumerated() {
                        readers.append(try ZipReader(path: partFiles[p].path))
                        for (entry, item) in group.enumerated() { parts[item] = (p, UInt64(entry)) }
                    }
                }
            }
            let writer = try ZipWriter(path: temp.path)
            for (name, bytes) in tags.sorted(by: { $0.0 < $1.0 }) {
                try writer.addData(bytes, as: "\(caseID)/\(name)", mtime: mtime, compression: .deflate, password: options.password)
            }
            for (i, p) in payload.enumerated() {
                let name = "\(caseID)/\(p.name)"
                if let (part, entry) = parts[i] {
                    try writer.addCompressed(from: readers[part], index: entry, as: name, mtime: mtime)
                } else if let source = p.source {
                    try writer.addFile(source, as: name, mtime: mtime, compression: compression[i], password: options.password)
                } else {
                    try writer.addData(p.bytes ?? [], as: name, mtime: mtime, compression: .deflate, password: options.password)
                }
            }
            try writer.close()
            readers.removeAll()
            try FileIO.syncFile(temp.path)
            let report = Verifier.verify(path: temp.path, password: options.password)
            guard report.problems.isEmpty else { throw ArchiveError.verificationFailed(final.path, report.problems) }
            guard report.payloadFiles == payload.count, report.payloadBytes == payloadBytes else {
                throw ArchiveError.verificationFailed(final.path, ["the archive holds \(report.payloadFiles) files, \(payload.count) were written"])
            }
            guard rename(temp.path, final.path) == 0 else { throw CaseError.posix(final.path) }
            try FileIO.syncFolder(store.archivesFolder)
        } catch {
            unlink(temp.path)
            throw error
        }
        let digest = try FileIO.digest(of: final.path)
        return Result(path: final, sha256: digest.sha256, size: digest.size, payloadFiles: payload.count,
                      payloadBytes: payloadBytes, events: count)
    }

    /// Zip entries store a local wall-clock time (libzip converts with `localtime`). To make the
    /// same case give the same bytes in any time zone, pass the time whose local reading is the
    /// UTC reading of `t`.
    static func utcWallClock(_ t: time_t) -> time_t {
        var seconds = t
        var parts = tm()
        gmtime_r(&seconds, &parts)
        parts.tm_isdst = -1
        return mktime(&parts)
    }

    /// The value of an output name from the step that completed last.
    static func lastOutput(_ name: String, state: CaseState, order: [String]) -> String? {
        let steps = order.map { ($0, state.step($0)) }.filter { $0.1.outputs[name]?.stringValue != nil }
        return steps.max { ($0.1.updated ?? "") < ($1.1.updated ?? "") }?.1.outputs[name]?.stringValue
    }

    /// The preservation events (after PREMIS) of the packaging, timed by the journal.
    func preservationEvents(time: String, files: Int, events: Int) -> [UInt8] {
        let agent = "Docket \(DocketVersion.string)"
        let list: [[String: String]] = [
            ["eventType": "validation", "eventDateTime": time, "agent": agent, "outcome": "success",
             "detail": "the case journal's hash chain of \(events) events verified"],
            ["eventType": "fixity check", "eventDateTime": time, "agent": agent, "outcome": "success",
             "detail": "\(files) payload files match the SHA-256 digests recorded in the journal"],
            ["eventType": "message digest calculation", "eventDateTime": time, "agent": agent, "outcome": "success",
             "detail": "SHA-256 and SHA-512 of every payload file, SHA-256 of every tag file"],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8]((try? encoder.encode(list)) ?? Data()) + [0x0A]
    }

    /// The payload items to deflate in parallel, in one group per core balanced by size; empty
    /// when there is too little to gain.
    static func planParts(payload: [Payload], compression: [ZipCompression], sizes: [Int64]) -> [[Int]] {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let items = payload.indices.filter { payload[$0].source != nil && compression[$0] == .deflate }
        let total = items.reduce(Int64(0)) { $0 + sizes[$1] }
        guard cores > 1, items.count >= cores, total >= 4 << 20 else { return [] }
        var groups = [[Int]](repeating: [], count: cores)
        var load = [Int64](repeating: 0, count: cores)
        for i in items.sorted(by: { sizes[$0] > sizes[$1] }) {
            let g = load.indices.min { load[$0] < load[$1] }!
            groups[g].append(i)
            load[g] += sizes[i]
        }
        return groups.map { $0.sorted() }.filter { !$0.isEmpty }
    }

    /// Deflates each group into its own part zip, the groups in parallel.
    static func writeParts(_ plan: [[Int]], payload: [Payload], files: [URL], mtime: time_t) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (p, items) in plan.enumerated() {
                let sources = items.map { payload[$0].source! }
                let file = files[p]
                group.addTask {
                    let part = try ZipWriter(path: file.path)
                    for (n, source) in sources.enumerated() {
                        try part.addFile(source, as: String(n), mtime: mtime, compression: .deflate, password: nil)
                    }
                    try part.close()
                }
            }
            try await group.waitForAll()
        }
    }

    /// SHA-256/512 and size of every payload item, two at a time.
    static func digests(of payload: [Payload]) async throws -> [(digests: [String: String], size: Int64)] {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: (Int, [String: String], Int64).self) { group in
            var results = [(digests: [String: String], size: Int64)](repeating: ([:], 0), count: payload.count)
            var next = 0
            func add() {
                let i = next, p = payload[i]
                next += 1
                group.addTask {
                    if let source = p.source {
                        let d = try DualDigest.of(file: source)
                        return (i, d.digests, d.size)
                    }
                    let bytes = p.bytes ?? []
                    return (i, DualDigest.of(bytes: bytes), Int64(bytes.count))
                }
            }
            while next < min(width, payload.count) { add() }
            while let (i, d, size) = try await group.next() {
                results[i] = (d, size)
                if next < payload.count { add() }
            }
            return results
        }
    }
}

/// Docket's version, as archives name their maker.
public enum DocketVersion {
    public static let string = "0.1.0"
}
