import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a lock file, held for the life of the value and released on deinit
/// (or by the kernel when the process dies). The one lock of Docket: cases, purges, the
/// answers register and the accounts file all take it.
public final class FileLock: @unchecked Sendable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Waits for the lock (other holders keep it for milliseconds: a register, the accounts).
    public static func waiting(_ path: String, mode: mode_t = 0o600) throws -> FileLock {
        let fd = try openLockFile(path, mode: mode)
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let error = CaseError.posix(path)
                close(fd)
                throw error
            }
        }
        return FileLock(fd: fd, path: path)
    }

    /// Takes the lock if nobody holds it, else nil at once (a case another command works on).
    public static func ifFree(_ path: String, mode: mode_t = 0o600) throws -> FileLock? {
        let fd = try openLockFile(path, mode: mode)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return FileLock(fd: fd, path: path)
    }

    /// Writes `text` as the whole of the lock file: who holds it, for the next one to be told.
    public func note(_ text: String) {
        let bytes = Array(text.utf8)
        _ = ftruncate(fd, 0)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// What the holder wrote with `note`, read by someone refused the lock.
    public static func holder(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func openLockFile(_ path: String, mode: mode_t) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw CaseError.posix(path) }
        return fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Registers kept as JSON lines (answers, purges): one durable append each.
public enum JSONLines {
    /// Every line of the file at `url` decoded as `T` (none if the file is missing); a line that
    /// does not decode is a broken register, named by file, line and `what`.
    public static func read<T: Decodable>(_ type: T.Type, from url: URL, what: String) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).enumerated().map { i, line in
            do { return try decoder.decode(T.self, from: Data(line)) } catch {
                throw CaseError.brokenJournal(url.path, line: i + 1, "\(what) has a line that cannot be read")
            }
        }
    }

    /// Appends `line` and a newline to the file at `url` (created with `mode`), then fsyncs it:
    /// a line that returned is on disk. One `write` of the whole line under `O_APPEND`, so two
    /// writers never interleave within a line.
    public static func append(_ line: [UInt8], to url: URL, mode: mode_t = 0o600) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw CaseError.posix(url.path) }
        defer { close(fd) }
        try FileIO.writeAll(fd, line + [0x0A], path: url.path)
        guard fsync(fd) == 0 else { throw CaseError.posix(url.path) }
    }

    /// Appends `value` as one line of sorted-key JSON (`outputFormatting` adds to that).
    public static func append<T: Encodable>(_ value: T, to url: URL, mode: mode_t = 0o600,
                                            outputFormatting: JSONEncoder.OutputFormatting = []) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = outputFormatting.union(.sortedKeys)
        try append([UInt8](try encoder.encode(value)), to: url, mode: mode)
    }
}
