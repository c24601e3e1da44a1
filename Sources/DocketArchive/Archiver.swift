import CGlibc
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Problems packaging a case, in words naming the case, document or file.
public enum ArchiveError: DocketFailure, Equatable {
    case notCompleted(String, step: String?)
    case documentChanged(String, path: String)
    case documentMissing(String, path: String)
    case writeFailed(String, path: String, reason: String)
    case verificationFailed(String, [String])
    case noPassword(String)

    public var description: String {
        switch self {
        case .notCompleted(let id, let step):
            return "case '\(id)' is not completed\(step.map { " (it is at step '\($0)')" } ?? ""); finish it first, or archive it as it stands (a partial archive)"
        case .documentChanged(let id, let path):
            return "case '\(id)': the file \(path) no longer matches the digest the journal recorded for it; it was changed or damaged after it was recorded, so the case is not archived"
        case .documentMissing(let id, let path):
            return "case '\(id)': the file \(path), which the journal records, is missing; restore it (from a backup) before archiving: the case is not archived"
        case .writeFailed(let id, let path, let reason):
            return "case '\(id)': \(path) could not be written (\(reason)); nothing was archived and the case is unchanged: make room in the archives folder, or mend what the error names, and run the command again"
        case .verificationFailed(let path, let problems):
            return "\(path): the archive failed its check after writing and was removed:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .noPassword(let why):
            return why
        }
    }

    /// A file system that failed, else bad input (the case or its files are not fit to archive).
    public var kind: FailureKind {
        if case .writeFailed = self { return .fileSystem }
        return .badInput
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

    struct Payload: Sendable {
        var name: String  // inside the bag, e.g. data/documents/draft/諮問文.md
        var source: String?  // a file, streamed
        var bytes: [UInt8]?  // or bytes in memory (the journal)
        var recordedSHA256: String?  // what the journal says it must be
        var expectedSize: Int64  // as recorded (or found), for planning; the manifests use what is read
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
        // A withdrawn case (取下げ) is closed as it stands: it archives like a completed one.
        let complete = state.finished || state.withdrawn || byStep != nil
        if !complete, !options.partial {
            throw ArchiveError.notCompleted(caseID, step: events.last(where: { $0.step != nil })?.step)
        }
        let order = state.steps.keys.sorted()
        // The journal as it stood at that event.
        var end = 0, lines = 0
        while lines < count, let nl = journalBytes[end...].firstIndex(of: 0x0A) { end = nl + 1; lines += 1 }
        let journal = Array(journalBytes[..<end])

        let workflowPath = store.workflowFile(caseID).path
        var payload: [Payload] = [
            Payload(name: "data/journal.jsonl", bytes: journal, expectedSize: Int64(journal.count)),
            Payload(name: "data/workflow.yaml", source: workflowPath, recordedSHA256: state.workflow?.sha256,
                    expectedSize: (try? FileManager.default.attributesOfItem(atPath: workflowPath)[.size] as? Int64) ?? 0),
        ]
        for file in state.workflow?.files ?? [] {
            payload.append(Payload(name: "data/workflow-files/\(file.path)", source: store.workflowFiles(caseID).appendingPathComponent(file.path).path,
                                   recordedSHA256: file.sha256, expectedSize: file.size))
        }
        for doc in state.documents {
            payload.append(Payload(name: "data/documents/\(doc.path)", source: store.documents(caseID).appendingPathComponent(doc.path).path,
                                   recordedSHA256: doc.sha256, expectedSize: doc.size))
        }
        payload.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

        let last = events.last
        let time = last.flatMap { Timestamp.date($0.time) } ?? Date(timeIntervalSince1970: 0)
        let mtime = Self.utcWallClock(time_t(time.timeIntervalSince1970))
        var info = [
            ("Source-Organization", organization),
            ("External-Identifier", caseID),
            ("Bagging-Date", String((last?.time ?? "1970-01-01").prefix(10))),
            ("Payload-Oxum", ""),  // once the payload is read
            ("Bag-Software-Agent", "Docket \(DocketVersion.string)"),
            ("Docket-Workflow", state.workflow?.name ?? ""),
            ("Docket-Journal-Events", String(count)),
            ("Docket-Journal-Last-SHA256", Journal.sha256Hex(journal.split(separator: 0x0A).last ?? [])),
        ]
        if let decision = Self.lastOutput("decision", state: state, order: order) { info.append(("Docket-Decision", decision)) }
        if let number = Self.lastOutput("number_label", state: state, order: order) { info.append(("Docket-Answer-Number", number)) }
        if !complete { info.append(("Docket-Partial", "yes: archived before the case was completed")) }
        if state.withdrawn { info.append(("Docket-Withdrawn", "yes: \(state.note ?? "")")) }
        let tags = TagFiles(
            bagInfo: info, preservation: preservationEvents(time: last?.time ?? "", files: payload.count, events: count))

        try FileManager.default.createDirectory(at: store.archivesFolder, withIntermediateDirectories: true)
        // What an interrupted archive of this case left (hidden, never looking finished); the
        // caller holds the case lock, so no other archive of it is being written.
        for name in (try? FileIO.names(in: store.archivesFolder)) ?? []
        where name.hasPrefix(".\(caseID).zip.partial-") || name.hasPrefix(".\(caseID).zip.part") {
            unlink(store.archivesFolder.appendingPathComponent(name).path)
        }
        let final = store.archivesFolder.appendingPathComponent("\(caseID).zip")
        let temp = store.archivesFolder.appendingPathComponent(".\(caseID).zip.partial-\(getpid())")
        let job = WriteJob(
            caseID: caseID, payload: payload, mtime: mtime, password: options.password,
            compression: payload.map { options.storeOnly ? .store : BagLayout.compression(for: $0.name, source: $0.source, size: $0.expectedSize) },
            temp: temp.path, partPrefix: store.archivesFolder.appendingPathComponent(".\(caseID).zip.part").path)

        // The digests (on every core) and the writing (libzip, one thread) run at once: libzip
        // writes the payload while it is being hashed, and waits only for the tag files, which
        // come last and are made from the digests.
        let table = DigestTable(count: payload.count)
        do {
            async let writing: Void = Self.onOwnThread { try job.write(tags: tags) }
            // A failed digest (a changed document) also fails the writing: report the cause.
            var failure: Error?
            do { try await Self.onOwnThread { try job.digest(into: table, tags: tags) } } catch { failure = error }
            do { try await writing } catch { failure = failure ?? error }
            if let zipError = failure as? ZipError { throw ArchiveError.writeFailed(caseID, path: final.path, reason: zipError.message) }
            if let failure { throw failure }
            // Give back what libzip's writer held (an entry costs it about a kilobyte) before the
            // check allocates on other threads.
            docket_release_free_memory()

            // fsync and the check after writing run at once (both read the same written bytes);
            // the rename waits for both.
            let tempPath = temp.path, password = options.password
            async let synced: Void = Self.onOwnThread { try FileIO.syncFile(tempPath) }
            let report = try await Self.onOwnThread { Verifier.verify(path: tempPath, password: password, digestingFile: true) }
            try await synced
            guard report.problems.isEmpty else { throw ArchiveError.verificationFailed(final.path, report.problems) }
            let payloadBytes = (0..<payload.count).reduce(Int64(0)) { $0 + (table.size($1) ?? 0) }
            guard report.payloadFiles == payload.count, report.payloadBytes == payloadBytes, let sha256 = report.fileSHA256 else {
                throw ArchiveError.verificationFailed(final.path, ["the archive holds \(report.payloadFiles) files, \(payload.count) were written"])
            }
            guard rename(temp.path, final.path) == 0 else { throw CaseError.posix(final.path) }
            try FileIO.syncFolder(store.archivesFolder)
            return Result(path: final, sha256: sha256, size: report.fileSize, payloadFiles: payload.count,
                          payloadBytes: payloadBytes, events: count)
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    /// Runs blocking work (libzip, file reading) on a thread of its own rather than on the
    /// cooperative pool, which it would otherwise hold.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
        }
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
}

/// Docket's version, as archives name their maker.
public enum DocketVersion {
    public static let string = "0.1.0"
}
