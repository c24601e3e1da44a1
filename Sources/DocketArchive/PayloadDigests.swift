import CLibCrypto
import DocketCore
import Foundation

/// The payload manifests of a Docket bag: `manifest-sha256.txt` and `manifest-sha512.txt`.
public enum BagAlgorithm: String, CaseIterable, Sendable {
    case sha256, sha512

    /// Digest length in bytes.
    var length: Int { self == .sha256 ? 32 : 64 }
    /// Where the digest sits in a `DigestTable` row.
    var offset: Int { self == .sha256 ? 0 : 32 }
    var openSSLName: String { self == .sha256 ? "SHA256" : "SHA512" }
}

/// SHA-256 and SHA-512 of a stream, computed together so that each byte is read once, through
/// OpenSSL's libcrypto (which libzip already links for AES). Hashing is most of what archiving
/// costs, and libcrypto's SHA-512 runs on AVX2 where swift-crypto's BoringSSL has no such path:
/// 835 against 393 MB/s a core on the machine the README's figures come from. One per thread.
final class DualDigester {
    private var methods: [OpaquePointer] = []
    private var contexts: [OpaquePointer] = []
    private var fetched: [Bool] = []
    private(set) var size: Int64 = 0

    init() {
        for algorithm in BagAlgorithm.allCases {
            // An explicit fetch saves a provider lookup per file; the legacy getter is the fallback.
            if let md = EVP_MD_fetch(nil, algorithm.openSSLName, nil) {
                methods.append(md)
                fetched.append(true)
            } else {
                methods.append(algorithm == .sha256 ? EVP_sha256()! : EVP_sha512()!)
                fetched.append(false)
            }
            let context = EVP_MD_CTX_new()!
            EVP_DigestInit_ex(context, methods.last, nil)
            contexts.append(context)
        }
    }

    deinit {
        contexts.forEach { EVP_MD_CTX_free($0) }
        for (md, owned) in zip(methods, fetched) where owned { EVP_MD_free(md) }
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        for context in contexts { EVP_DigestUpdate(context, base, bytes.count) }
        size += Int64(bytes.count)
    }

    /// Writes both digests (a `DigestTable` row) to `row` and starts afresh; returns the size.
    func finish(into row: UnsafeMutableRawBufferPointer) -> Int64 {
        for (i, algorithm) in BagAlgorithm.allCases.enumerated() {
            var length: UInt32 = 0
            EVP_DigestFinal_ex(contexts[i], row.baseAddress!.advanced(by: algorithm.offset).assumingMemoryBound(to: UInt8.self), &length)
            EVP_DigestInit_ex(contexts[i], methods[i], nil)
        }
        defer { size = 0 }
        return size
    }

    /// Forgets what it was fed.
    func reset() {
        for (context, md) in zip(contexts, methods) { EVP_DigestInit_ex(context, md, nil) }
        size = 0
    }

    /// Feeds the file at `path`, streamed.
    func update(file path: String) throws {
        _ = try FileIO.readChunks(of: path) { update($0) }
    }
}

/// Both digests and the size of each of a fixed number of items (96 bytes and a size an item,
/// not strings: archives hold tens of thousands of documents), filled in by several threads.
final class DigestTable: @unchecked Sendable {
    static let rowLength = BagAlgorithm.allCases.reduce(0) { $0 + $1.length }
    private let lock = NSLock()
    private var rows: [UInt8]
    private var sizes: [Int64]

    init(count: Int) {
        rows = [UInt8](repeating: 0, count: count * Self.rowLength)
        sizes = [Int64](repeating: -1, count: count)
    }

    var count: Int { sizes.count }

    /// Keeps what `digester` was fed as item `i`'s digests and size, and resets it.
    func record(_ i: Int, from digester: DualDigester) {
        var row = [UInt8](repeating: 0, count: Self.rowLength)
        let size = row.withUnsafeMutableBytes { digester.finish(into: $0) }
        lock.withLock {
            rows.replaceSubrange(i * Self.rowLength..<(i + 1) * Self.rowLength, with: row)
            sizes[i] = size
        }
    }

    /// The size read of item `i`, or nil if it was not digested.
    func size(_ i: Int) -> Int64? {
        lock.withLock { sizes[i] >= 0 ? sizes[i] : nil }
    }

    /// Item `i`'s digest in lowercase hex, as manifests and the journal write it.
    func hex(_ i: Int, _ algorithm: BagAlgorithm) -> String {
        var out: [UInt8] = []
        appendHex(i, algorithm, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func appendHex(_ i: Int, _ algorithm: BagAlgorithm, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        lock.withLock {
            let start = i * Self.rowLength + algorithm.offset
            for byte in rows[start..<start + algorithm.length] {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 15)])
            }
        }
    }
}
