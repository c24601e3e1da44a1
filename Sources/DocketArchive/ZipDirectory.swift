import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A zip's entry table, read by Docket itself (not libzip) before anything is inflated: the
/// cheap checks of `docket verify`. It reads the end record (ZIP64 too), the central directory
/// and each entry's local header, and refuses what libzip lets through:
/// - entries whose bytes (local header + data) overlap, or lie outside the file or in the
///   directory: the overlapping-entries zip bomb, where many entries inflate one shared kernel;
/// - entries that are neither a plain file nor a folder (links, devices, pipes), whatever host
///   system the entry says made it: Info-ZIP's `unzip` honours Unix mode bits from any host;
/// - an entry named as a file but marked as a folder, or the reverse;
/// - declared sizes no deflate stream can reach from its compressed size (1032:1 at most), and
///   stored entries whose two sizes differ.
/// Each problem names the entry and the figure. Docket's own archives always pass.
struct ZipDirectory {
    struct Entry {
        var name: String
        /// The high byte of "version made by": 0 MS-DOS, 3 Unix, 10 NTFS, 19 OS X, …
        var host: UInt8
        var externalAttributes: UInt32
        var flags: UInt16
        /// The compression method (for AES entries, the one inside the encryption).
        var method: UInt16
        var encrypted: Bool
        var compressedSize: UInt64
        var size: UInt64
        var localHeaderOffset: UInt64
        /// Where the entry's local header and data lie in the file.
        var span: Range<UInt64> = 0..<0

        var isFolder: Bool { name.hasSuffix("/") }
    }

    var entries: [Entry] = []
    var problems: [String] = []
    var fileSize: UInt64 = 0

    /// Most problems reported for one zip (a hostile one can have millions of entries).
    static let problemLimit = 50

    /// Reads the table of the zip at `path`. Throws only when the file cannot be read as a zip at
    /// all; every other finding is in `problems`.
    static func read(path: String) throws -> ZipDirectory {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ZipError(path: path, message: "cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ZipError(path: path, message: "cannot be read: \(String(cString: strerror(errno)))") }
        var directory = ZipDirectory()
        directory.fileSize = UInt64(st.st_size)
        try directory.load(fd: fd, path: path)
        return directory
    }

    private func bytes(_ fd: Int32, at offset: UInt64, count: Int, path: String) throws -> [UInt8] {
        guard offset <= fileSize, UInt64(count) <= fileSize - offset else {
            throw ZipError(path: path, message: "not a readable zip: a record at byte \(offset) runs past the end of the file (\(fileSize) bytes)")
        }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw ZipError(path: path, message: "cannot be read at byte \(offset): \(String(cString: strerror(errno)))") }
            done += n
        }
        return buffer
    }

    private mutating func problem(_ text: String) {
        if problems.count < Self.problemLimit { problems.append(text) }
    }

    private mutating func load(fd: Int32, path: String) throws {
        // The end of central directory record: in the last 65,557 bytes (22 + a comment).
        let tailLength = Int(min(fileSize, 22 + 65_535))
        let tail = try bytes(fd, at: fileSize - UInt64(tailLength), count: tailLength, path: path)
        guard tailLength >= 22, let eocd = stride(from: tailLength - 22, through: 0, by: -1).first(where: { tail.u32($0) == 0x0605_4B50 }) else {
            throw ZipError(path: path, message: "not a readable zip: no end of central directory record")
        }
        let eocdOffset = fileSize - UInt64(tailLength) + UInt64(eocd)
        var count = UInt64(tail.u16(eocd + 10))
        var directorySize = UInt64(tail.u32(eocd + 12))
        var directoryOffset = UInt64(tail.u32(eocd + 16))
        var directoryEnd = eocdOffset
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF, eocd >= 20, tail.u32(eocd - 20) == 0x0706_4B50 {
            let zip64Offset = tail.u64(eocd - 20 + 8)
            let record = try bytes(fd, at: zip64Offset, count: 56, path: path)
            guard record.u32(0) == 0x0606_4B50 else { throw ZipError(path: path, message: "not a readable zip: the ZIP64 end record is missing") }
            count = record.u64(32)
            directorySize = record.u64(40)
            directoryOffset = record.u64(48)
            directoryEnd = zip64Offset
        }
        guard directoryOffset <= directoryEnd, directorySize <= directoryEnd - directoryOffset else {
            throw ZipError(path: path, message: "not a readable zip: the central directory (\(directorySize) bytes at byte \(directoryOffset)) does not fit before its end record at byte \(directoryEnd)")
        }
        // An entry takes at least 46 bytes of directory: a count beyond that is a lie.
        guard count <= directorySize / 46 else {
            throw ZipError(path: path, message: "not a readable zip: it declares \(count) entries, more than its central directory of \(directorySize) bytes can hold")
        }
        let table = try bytes(fd, at: directoryOffset, count: Int(directorySize), path: path)
        var at = 0
        entries.reserveCapacity(Int(count))
        for n in 0..<count {
            guard at + 46 <= table.count, table.u32(at) == 0x0201_4B50 else {
                throw ZipError(path: path, message: "not a readable zip: central directory entry \(n + 1) of \(count) is damaged")
            }
            let nameLength = Int(table.u16(at + 28)), extraLength = Int(table.u16(at + 30)), commentLength = Int(table.u16(at + 32))
            guard at + 46 + nameLength + extraLength + commentLength <= table.count else {
                throw ZipError(path: path, message: "not a readable zip: central directory entry \(n + 1) runs past the directory")
            }
            let name = String(decoding: table[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            var entry = Entry(
                name: name, host: table[at + 5], externalAttributes: table.u32(at + 38), flags: table.u16(at + 8),
                method: table.u16(at + 10), encrypted: table.u16(at + 8) & 1 != 0,
                compressedSize: UInt64(table.u32(at + 20)), size: UInt64(table.u32(at + 24)),
                localHeaderOffset: UInt64(table.u32(at + 42)))
            // Extra fields: ZIP64 sizes and offset, and the AES header with the real method.
            var x = at + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = table.u16(x), length = Int(table.u16(x + 2))
                guard x + 4 + length <= extraEnd else { break }
                var field = x + 4
                func next64() -> UInt64? {
                    guard field + 8 <= x + 4 + length else { return nil }
                    defer { field += 8 }
                    return table.u64(field)
                }
                if id == 0x0001 {
                    if entry.size == 0xFFFF_FFFF, let v = next64() { entry.size = v }
                    if entry.compressedSize == 0xFFFF_FFFF, let v = next64() { entry.compressedSize = v }
                    if entry.localHeaderOffset == 0xFFFF_FFFF, let v = next64() { entry.localHeaderOffset = v }
                } else if id == 0x9901, length >= 7 {
                    entry.method = table.u16(x + 4 + 5)
                }
                x += 4 + length
            }
            at = extraEnd + commentLength
            entries.append(entry)
        }
        try placeEntries(fd: fd, path: path, end: directoryOffset)
        for entry in entries { checkKind(entry); checkSizes(entry) }
    }

    /// Reads each local header to find where the entry's bytes lie, then checks that no two
    /// entries share a byte and that all lie before the central directory.
    private mutating func placeEntries(fd: Int32, path: String, end: UInt64) throws {
        for i in entries.indices {
            let e = entries[i]
            guard e.localHeaderOffset <= end, end - e.localHeaderOffset >= 30 else {
                problem("entry \(shown(e.name)): its local header at byte \(e.localHeaderOffset) is not before the central directory (byte \(end))")
                continue
            }
            let header = try bytes(fd, at: e.localHeaderOffset, count: 30, path: path)
            guard header.u32(0) == 0x0403_4B50 else {
                problem("entry \(shown(e.name)): no local header at byte \(e.localHeaderOffset)")
                continue
            }
            let dataStart = e.localHeaderOffset + 30 + UInt64(header.u16(26)) + UInt64(header.u16(28))
            // A data descriptor (flag bit 3) follows the data: 12 bytes at least.
            let descriptor: UInt64 = e.flags & 8 != 0 ? 12 : 0
            let (dataEnd, overflow) = dataStart.addingReportingOverflow(e.compressedSize)
            guard !overflow, dataEnd <= end, descriptor <= end - dataEnd else {
                problem("entry \(shown(e.name)): its \(e.compressedSize) compressed bytes from byte \(dataStart) run past the entries' end at byte \(end)")
                continue
            }
            entries[i].span = e.localHeaderOffset..<(dataEnd + descriptor)
        }
        guard problems.isEmpty else { return }
        let order = entries.indices.sorted { entries[$0].span.lowerBound < entries[$1].span.lowerBound }
        var total: UInt64 = 0
        for (a, b) in zip(order, order.dropFirst()) where entries[b].span.lowerBound < entries[a].span.upperBound {
            problem("entries \(shown(entries[a].name)) (bytes \(entries[a].span.lowerBound)–\(entries[a].span.upperBound - 1)) and \(shown(entries[b].name)) (from byte \(entries[b].span.lowerBound)) overlap: their compressed data is shared, as in a zip bomb")
        }
        for e in entries { total += UInt64(e.span.count) }
        if problems.isEmpty, total > end {
            problem("the entries take \(total) bytes, more than the \(end) bytes before the central directory")
        }
    }

    /// Plain files and folders only, by the mode bits of every host system (Info-ZIP applies the
    /// high 16 bits as a Unix mode whichever host made the entry) and the MS-DOS folder bit.
    private mutating func checkKind(_ e: Entry) {
        let mode = e.externalAttributes >> 16
        let type = mode & 0o170000
        let dosFolder = e.externalAttributes & 0x10 != 0
        let host = Self.hostName(e.host)
        switch type {
        case 0, 0o100000, 0o040000: break
        case 0o120000:
            problem("entry \(shown(e.name)) is a symbolic link (mode \(String(mode, radix: 8)), made on \(host)); an archive holds only files and folders")
            return
        default:
            problem("entry \(shown(e.name)) is not a plain file or folder (mode \(String(mode, radix: 8)), made on \(host)); an archive holds only files and folders")
            return
        }
        if e.isFolder, type == 0o100000 {
            problem("entry \(shown(e.name)) is named as a folder but marked as a file (mode \(String(mode, radix: 8)))")
        } else if !e.isFolder, type == 0o040000 || (type == 0 && dosFolder) {
            problem("entry \(shown(e.name)) is named as a file but marked as a folder (attributes \(String(e.externalAttributes, radix: 16)), made on \(host))")
        }
    }

    /// Declared sizes against compressed sizes: deflate expands at most 1032:1, stored entries
    /// are their own size (plus the encryption header).
    private mutating func checkSizes(_ e: Entry) {
        if e.isFolder {
            if e.size != 0 { problem("entry \(shown(e.name)) is a folder but declares \(e.size) bytes") }
            return
        }
        switch e.method {
        case 0 where !e.encrypted && e.size != e.compressedSize:
            problem("entry \(shown(e.name)) is stored uncompressed but declares \(e.size) bytes for \(e.compressedSize) stored bytes")
        case 8:
            let (most, overflow) = e.compressedSize.multipliedReportingOverflow(by: 1032)
            if !overflow, e.size > most + 64 {
                problem("entry \(shown(e.name)) declares \(e.size) bytes from \(e.compressedSize) deflated bytes, more than deflate can produce (1032:1)")
            }
        default: break
        }
    }

    static func hostName(_ host: UInt8) -> String {
        switch host {
        case 0: return "MS-DOS/Windows (host 0)"
        case 3: return "Unix (host 3)"
        case 10: return "Windows NTFS (host 10)"
        case 19: return "macOS (host 19)"
        default: return "host system \(host)"
        }
    }
}

private extension Array where Element == UInt8 {
    func u16(_ i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}
