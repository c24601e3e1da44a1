import Foundation

/// The journal's tip, anchored: `journal.head` beside `journal.jsonl` holds the number and the
/// SHA-256 of the last durable line, rewritten atomically after each durable append.
///
/// The hash chain alone cannot see the end of the journal cut off, emptied or replaced by a
/// shorter valid chain; the anchor can. On every read the journal must still hold the anchored
/// line with the anchored hash. Lines after it are accepted: the journal is written (and
/// fsync'd) before the anchor, so a crash between the two leaves exactly that; the next
/// durable append anchors them. What it cannot see: the journal and its anchor replaced
/// together by a consistent older pair (keep archives and backups for that).
///
///     {"seq":7,"sha256":"<64 hex>"}
public struct JournalAnchor: Codable, Sendable, Equatable {
    public var seq: Int
    public var sha256: String

    /// The anchor of a case's `journal.jsonl`.
    public static let fileName = "journal.head"
}

extension Journal {
    /// The anchor, or nil when there is none (a journal written before anchors existed).
    public func readAnchor() throws -> JournalAnchor? {
        guard let data = FileManager.default.contents(atPath: anchorURL.path) else {
            if FileManager.default.fileExists(atPath: anchorURL.path) { throw CaseError.posix(anchorURL.path) }
            return nil
        }
        guard let anchor = try? JSONDecoder().decode(JournalAnchor.self, from: data), anchor.seq >= 1 else {
            throw CaseError.brokenJournal(anchorURL.path, line: 1, "the journal's anchor is not readable")
        }
        return anchor
    }

    /// Throws unless `contents` still holds the anchored line with its hash.
    func checkAnchor(_ contents: Contents) throws {
        guard let anchor = try readAnchor() else { return }
        let count = contents.events.count
        guard count >= anchor.seq else {
            throw CaseError.brokenJournal(url.path, line: count + 1,
                "the journal ends after event \(count), but its anchor (\(anchorURL.lastPathComponent)) records event \(anchor.seq): the end of the journal was removed, emptied or replaced")
        }
        // The hash of line N is what line N+1 carries as `prev`, or the last hash.
        let hash = anchor.seq == count ? contents.lastHash : contents.events[anchor.seq].prev
        guard hash == anchor.sha256 else {
            throw CaseError.brokenJournal(url.path, line: anchor.seq,
                "this event is not the one its anchor (\(anchorURL.lastPathComponent)) records: the journal was edited or replaced")
        }
    }

    /// Records the tip of `contents` as the anchor, in place: one write of a fixed-width record
    /// at the start of the file, without fsync. Safe because the journal it anchors was fsync'd
    /// first, so the anchor on disk is never ahead of the journal: if this write is lost in a
    /// crash, the older anchor is still a prefix of the journal, and the next durable append
    /// anchors the rest. One write of under a sector replaces the old record whole (no rename,
    /// no temporary file: the per-step cost of the anchor is a write, not a second fsync).
    func writeAnchor(_ contents: Contents) throws {
        let anchor = JournalAnchor(seq: contents.events.count, sha256: contents.lastHash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var record = [UInt8](try encoder.encode(anchor))
        // Padded with spaces (JSON allows them) to one width, so a longer older record never
        // shows behind a shorter new one.
        if record.count < Self.anchorWidth - 1 { record += [UInt8](repeating: 0x20, count: Self.anchorWidth - 1 - record.count) }
        record.append(0x0A)
        let fd = open(anchorURL.path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CaseError.posix(anchorURL.path) }
        defer { close(fd) }
        let written = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == record.count else { throw CaseError.posix(anchorURL.path) }
    }

    /// The anchor record's width in bytes (newline included).
    static let anchorWidth = 128
}
