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
/// 842 against 365 MB/s a core on the machine the README's figures come from. One per thread.
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
        }
        defer { reset() }
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

    /// Keeps what `digester` was fed as item `i`'s digests and size, and resets it.
    func record(_ i: Int, from digester: DualDigester) {
        lock.withLock {
            sizes[i] = rows.withUnsafeMutableBytes {
                digester.finish(into: UnsafeMutableRawBufferPointer(rebasing: $0[i * Self.rowLength..<(i + 1) * Self.rowLength]))
            }
        }
    }

    /// The size read of item `i`, or nil if it was not digested.
    func size(_ i: Int) -> Int64? {
        lock.withLock { sizes[i] >= 0 ? sizes[i] : nil }
    }

    /// Item `i`'s digest in lowercase hex, as manifests and the journal write it.
    func hex(_ i: Int, _ algorithm: BagAlgorithm) -> String {
        lock.withLock { Journal.hex(rows[range(i, algorithm)]) }
    }

    /// Appends the hex of item `i`'s digest to `out` (a manifest being built, without strings).
    func appendHex(_ i: Int, _ algorithm: BagAlgorithm, to out: inout [UInt8]) {
        lock.withLock { Journal.appendHex(rows[range(i, algorithm)], to: &out) }
    }

    private func range(_ i: Int, _ algorithm: BagAlgorithm) -> Range<Int> {
        let start = i * Self.rowLength + algorithm.offset
        return start..<start + algorithm.length
    }
}
