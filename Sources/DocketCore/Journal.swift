import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One line of a case's `journal.jsonl`. Each event carries the SHA-256 of the line before it
/// (`prev`; 64 zeros for the first), so any edit, removal or reordering breaks the chain.
public struct JournalEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The case was opened: workflow snapshot and inputs.
        case created
        /// A step run began (a `started` with nothing after it means the run was interrupted).
        case started
        case completed
        case waiting
        /// A person supplied what a waiting step asked for.
        case recorded
        case failed
        /// A step's `if:` was false.
        case skipped
        /// Every step is done.
        case finished
        /// The case was packaged as an archive (its SHA-256 in `outputs`).
        case archived
        /// Case inputs were corrected (`inputs` holds the changed ones; `message` why).
        case amended
        /// A step and every step after it were opened again as a new round (`reopened`; `message` why).
        case rerun
        /// The case was withdrawn (取下げ); `message` says why. Terminal until reopened.
        case withdrawn
        /// A withdrawn or failed case was opened again; `message` says why.
        case reopened
    }

    public var seq: Int
    public var time: String
    public var type: Kind
    public var prev: String
    public var step: String?
    public var attempt: Int?
    public var caseID: String?
    public var workflow: WorkflowSnapshot?
    public var inputs: [String: Value]?
    public var outputs: [String: Value]?
    public var documents: [DocumentRecord]?
    public var message: String?
    public var record: Value?
    /// On a `completed` event that sends the case back: the steps opened again, in order.
    public var reopened: [String]?
    /// Who ran the command (the login name), for the record.
    public var by: String?
    /// On a `recorded` event: it replaces the record before it, not yet used by a run.
    public var replaces: Bool?

    enum CodingKeys: String, CodingKey {
        case seq, time, type, prev, step, attempt, caseID = "case", workflow, inputs, outputs, documents, message, record, reopened, by, replaces
    }

    public init(type: Kind, step: String? = nil) {
        self.seq = 0
        self.time = ""
        self.type = type
        self.prev = ""
        self.step = step
    }
}

/// What the `created` event records of the workflow a case runs under.
public struct WorkflowSnapshot: Codable, Sendable, Equatable {
    public var name: String
    /// Where the definition was taken from, as given to `docket new`.
    public var source: String
    /// SHA-256 of the snapshot `workflow.yaml`.
    public var sha256: String
    /// Files the workflow references (templates…), snapshotted beside it, with their digests.
    public var files: [DocumentRecord]

    public init(name: String, source: String, sha256: String, files: [DocumentRecord]) {
        self.name = name
        self.source = source
        self.sha256 = sha256
        self.files = files
    }
}

/// Reading, verifying and appending to a journal file.
public struct Journal: Sendable {
    public static let genesis = String(repeating: "0", count: 64)

    public let url: URL
    /// Where the journal's anchor is kept: beside it, named after it (`journal.jsonl` ->
    /// `journal.head`), so journals sharing a folder never share an anchor. Worked out once:
    /// it is written on every durable append.
    public let anchorURL: URL
    /// Told of every append once it is durable (the case index); nil for a journal being built.
    public var observer: (any JournalObserver)?

    public init(url: URL, observer: (any JournalObserver)? = nil) {
        self.url = url
        self.anchorURL = url.deletingPathExtension().appendingPathExtension("head")
        self.observer = observer
    }

    /// The verified events, the hash of the last line, and whether an interrupted write left a
    /// partial last line (never acknowledged, so it is dropped at the next append).
    public struct Contents: Sendable {
        public var events: [JournalEvent]
        public var lastHash: String
        public var tornTail: Bool
        /// Bytes up to the end of the last complete line.
        public var validLength: Int

        /// A journal with nothing in it yet.
        public static let empty = Contents(events: [], lastHash: Journal.genesis, tornTail: false, validLength: 0)
    }

    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lowercase hexadecimal of a digest.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends the lowercase hexadecimal of `bytes` to `out` (text being built as bytes).
    public static func appendHex<S: Sequence>(_ bytes: S, to out: inout [UInt8]) where S.Element == UInt8 {
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
    }

    /// Reads and verifies the whole chain and its anchor (`JournalAnchor`); throws
    /// `CaseError.brokenJournal` naming the line.
    public func read() throws -> Contents {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if let anchor = try readAnchor() {
                throw CaseError.brokenJournal(url.path, line: 1, "the journal is missing, but its anchor (\(anchorURL.lastPathComponent)) records events up to number \(anchor.seq)")
            }
            throw CaseError.unreadable(url.path, "the journal is missing or unreadable")
        }
        let bytes = [UInt8](data)
        var events: [JournalEvent] = []
        var prev = Self.genesis
        var lineStart = 0
        var lineNumber = 0
        let decoder = JSONDecoder()
        while lineStart < bytes.count {
            guard let nl = bytes[lineStart...].firstIndex(of: 0x0A) else {
                // A last line without its newline: a write that was cut off.
                let contents = Contents(events: events, lastHash: prev, tornTail: true, validLength: lineStart)
                try checkAnchor(contents)
                return contents
            }
            lineNumber += 1
            let line = bytes[lineStart..<nl]
            let event: JournalEvent
            do {
                event = try decoder.decode(JournalEvent.self, from: Data(line))
            } catch {
                throw CaseError.brokenJournal(url.path, line: lineNumber, "the line is not a journal event")
            }
            guard event.prev == prev else {
                throw CaseError.brokenJournal(url.path, line: lineNumber,
                    "the chain is broken: this event does not follow the line before it (an event was edited, removed or inserted)")
            }
            guard event.seq == lineNumber else {
                throw CaseError.brokenJournal(url.path, line: lineNumber, "event number \(event.seq) where \(lineNumber) was expected")
            }
            events.append(event)
            prev = Self.sha256Hex(line)
            lineStart = nl + 1
        }
        let contents = Contents(events: events, lastHash: prev, tornTail: false, validLength: bytes.count)
        try checkAnchor(contents)
        return contents
    }

    /// Appends events after the verified `contents` in one write, then fsyncs (unless `durable`
    /// is false: an event that only informs, like `started`, becomes durable with the next
    /// fsync'd append), updating `contents` in place. A torn last line is cut off first.
    public func append(_ newEvents: [JournalEvent], to contents: inout Contents, now: Date, durable: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer: [UInt8] = []
        var written: [JournalEvent] = []
        var lastHash = contents.lastHash
        for var event in newEvents {
            event.seq = contents.events.count + written.count + 1
            event.prev = lastHash
            event.time = Timestamp.string(now)
            let line = try encoder.encode(event)
            buffer += line
            buffer.append(0x0A)
            lastHash = Self.sha256Hex(line)
            written.append(event)
        }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CaseError.posix(url.path) }
        defer { close(fd) }
        if contents.tornTail {
            guard ftruncate(fd, off_t(contents.validLength)) == 0 else { throw CaseError.posix(url.path) }
            contents.tornTail = false
        }
        guard lseek(fd, off_t(contents.validLength), SEEK_SET) >= 0 else { throw CaseError.posix(url.path) }
        try FileIO.writeAll(fd, buffer, path: url.path)
        guard !durable || fsync(fd) == 0 else { throw CaseError.posix(url.path) }
        contents.events += written
        contents.lastHash = lastHash
        contents.validLength += buffer.count
        if durable { try writeAnchor(contents) }
        observer?.journal(self, appended: written, now: contents)
    }
}

/// Something kept in step with the journals (the case index). Called on the commit path after
/// the events are written (and fsync'd when durable), so the journal stays the source of truth:
/// an observer never fails a commit; one that misses an event catches up from the journal.
public protocol JournalObserver: Sendable {
    /// `journal` gained `events`; `contents` is the whole journal now.
    func journal(_ journal: Journal, appended events: [JournalEvent], now contents: Journal.Contents)
}

/// Timestamps as the journal writes them: UTC, ISO 8601, milliseconds
/// (`2022-06-27T05:00:00.000Z`). Formatted by hand: a formatter per event was the runner's
/// largest per-step cost.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let millis = min(999, Int(((seconds - Double(whole)) * 1000).rounded(.down)))
        var parts = tm()
        gmtime_r(&whole, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    public static func date(_ string: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: string)
    }
}

/// Small POSIX helpers for durable writes.
public enum FileIO {
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CaseError.posix(path)
            }
            offset += n
        }
    }

    /// Writes `bytes` as the whole of the file at `url` (created or truncated), without fsync:
    /// for files a later step makes durable (a staged document, fsync'd as it is committed).
    public static func writeFile(_ bytes: [UInt8], to url: URL, mode: mode_t = 0o644) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw CaseError.posix(url.path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: url.path)
    }

    /// Writes a whole file durably: a temporary file, fsync, rename into place, fsync the folder
    /// (unless `syncFolder` is false: a lost rename must then leave a usable older file).
    public static func writeAtomically(_ bytes: [UInt8], to url: URL, mode: mode_t = 0o600, syncFolder: Bool = true) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CaseError.posix(tmp.path) }
        do {
            try writeAll(fd, bytes, path: tmp.path)
            guard fsync(fd) == 0 else { throw CaseError.posix(tmp.path) }
        } catch {
            close(fd)
            unlink(tmp.path)
            throw error
        }
        close(fd)
        guard rename(tmp.path, url.path) == 0 else { throw CaseError.posix(url.path) }
        if syncFolder { try Self.syncFolder(url.deletingLastPathComponent()) }
    }

    /// fsyncs a folder so that renames and new entries in it survive a power loss.
    public static func syncFolder(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CaseError.posix(url.path) }
        defer { close(fd) }
        _ = fsync(fd)
    }

    /// Makes `url` an empty folder (mode 0700): an existing empty one is kept, anything an
    /// interrupted run left there is removed.
    public static func makeEmptyFolder(_ url: URL) throws {
        if mkdir(url.path, 0o700) == 0 { return }
        switch errno {
        case EEXIST:
            if (try? names(in: url))?.isEmpty == true { return }
            try FileManager.default.removeItem(at: url)
        case ENOENT:
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        default:
            throw CaseError.posix(url.path)
        }
        guard mkdir(url.path, 0o700) == 0 else { throw CaseError.posix(url.path) }
    }

    /// The names in a folder (without `.` and `..`), read with readdir: Foundation's listing
    /// costs ten times as much, and the runner lists a staging folder at every step.
    public static func names(in url: URL) throws -> [String] {
        guard let dir = opendir(url.path) else { throw CaseError.posix(url.path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// fsyncs one file by path.
    public static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CaseError.posix(path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CaseError.posix(path) }
    }

    /// Reads a file in 256 KiB blocks (never whole), handing each to `body`; returns its size.
    /// With `sealing`, the same open file is first made read-only (mode 0444) and fsync'd after
    /// it is read: how a step's document is recorded, in one open instead of three.
    @discardableResult
    public static func readChunks(of path: String, sealing: Bool = false, _ body: (UnsafeRawBufferPointer) -> Void) throws -> Int64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CaseError.posix(path) }
        defer { close(fd) }
        if sealing { fchmod(fd, 0o444) }
        // Uninitialised: zeroing a large buffer per small document was measurable per step.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var size: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw CaseError.posix(path)
            }
            if n == 0 { break }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            size += Int64(n)
        }
        if sealing { guard fsync(fd) == 0 else { throw CaseError.posix(path) } }
        return size
    }

    /// SHA-256 and size of a file, streamed.
    public static func digest(of path: String, sealing: Bool = false) throws -> (sha256: String, size: Int64) {
        var hasher = SHA256()
        let size = try readChunks(of: path, sealing: sealing) { hasher.update(bufferPointer: $0) }
        return (Journal.hex(hasher.finalize()), size)
    }
}
