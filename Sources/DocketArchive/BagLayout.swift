import CLibZip
import DocketCore
import Foundation

/// The fixed parts of a Docket archive: one top folder `<case-id>/` holding a BagIt 1.0 bag
/// (RFC 8493) whose payload is the case: `data/documents/…`, `data/journal.jsonl`,
/// `data/workflow.yaml` and `data/workflow-files/…`.
public enum BagLayout {
    public static let bagitTxt = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    public static let preservationFile = "preservation-events.json"

    /// Extensions whose content is already compressed: stored, not deflated again.
    static let storedExtensions: Set<String> = [
        "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "jpg", "jpeg", "png", "gif", "webp", "heic",
        "mp3", "mp4", "m4a", "mov", "avi", "mkv", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "jar",
    ]

    /// Files smaller than this are deflated without sampling: sampling would cost about as
    /// much as deflating them, and what deflate wastes on them is small.
    static let sampledSize: Int64 = 256 << 10

    /// Store what is compressed already (by extension, or because a 64 KiB sample of a large
    /// file does not shrink by 10%), deflate the rest: deflate is the slow part, and wasted on
    /// such data.
    static func compression(for name: String, source: String?, size: Int64) -> ZipCompression {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if storedExtensions.contains(ext) { return .store }
        guard let source, size >= sampledSize else { return .deflate }
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .deflate }
        defer { close(fd) }
        var sample = [UInt8](repeating: 0, count: 64 << 10)
        let n = sample.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 4096 else { return .deflate }
        var outLength = compressBound(uLong(n))
        var out = [UInt8](repeating: 0, count: Int(outLength))
        let status = compress2(&out, &outLength, sample, uLong(n), 1)
        return status == Z_OK && Double(outLength) > 0.9 * Double(n) ? .store : .deflate
    }

    /// A manifest line's path, percent-encoding the characters BagIt requires (CR, LF, %).
    static func encodePath(_ path: String) -> String {
        guard path.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == 0x0A || $0 == 0x0D }) else { return path }
        return path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A").replacingOccurrences(of: "\r", with: "%0D")
    }

    static func decodePath(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        return path.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0a", with: "\n")
            .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0d", with: "\r")
            .replacingOccurrences(of: "%25", with: "%")
    }
}
