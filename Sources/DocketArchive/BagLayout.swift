import CLibZip
import Crypto
import DocketCore
import Foundation

/// The fixed parts of a Docket archive: one top folder `<case-id>/` holding a BagIt 1.0 bag
/// (RFC 8493) whose payload is the case: `data/documents/…`, `data/journal.jsonl`,
/// `data/workflow.yaml` and `data/workflow-files/…`.
public enum BagLayout {
    public static let bagitTxt = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    public static let preservationFile = "preservation-events.json"
    public static let payloadAlgorithms = ["sha256", "sha512"]

    /// Extensions whose content is already compressed: stored, not deflated again.
    static let storedExtensions: Set<String> = [
        "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "jpg", "jpeg", "png", "gif", "webp", "heic",
        "mp3", "mp4", "m4a", "mov", "avi", "mkv", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "jar",
    ]

    /// Store what is compressed already (by extension, or because a 64 KiB sample of it does not
    /// shrink by 10%), deflate the rest: deflate is the slow part, and wasted on such data.
    static func compression(for name: String, source: String?) -> ZipCompression {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if storedExtensions.contains(ext) { return .store }
        guard let source else { return .deflate }
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
        path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A").replacingOccurrences(of: "\r", with: "%0D")
    }

    static func decodePath(_ path: String) -> String {
        path.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0a", with: "\n")
            .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0d", with: "\r")
            .replacingOccurrences(of: "%25", with: "%")
    }
}

/// SHA-256 and SHA-512 of a stream, computed together so each byte is read once.
struct DualDigest {
    private var sha256 = SHA256()
    private var sha512 = SHA512()
    private(set) var size: Int64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha256.update(bufferPointer: bytes)
        sha512.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    func finalize() -> [String: String] {
        ["sha256": Journal.hex(sha256.finalize()), "sha512": Journal.hex(sha512.finalize())]
    }

    /// Both digests of a file, streamed.
    static func of(file path: String) throws -> (digests: [String: String], size: Int64) {
        var digest = DualDigest()
        try FileIO.readChunks(of: path) { digest.update($0) }
        return (digest.finalize(), digest.size)
    }

    static func of(bytes: [UInt8]) -> [String: String] {
        var digest = DualDigest()
        bytes.withUnsafeBytes { digest.update($0) }
        return digest.finalize()
    }
}
