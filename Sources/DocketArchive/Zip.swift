import CLibZip
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A problem with a zip file, in words naming the file.
public struct ZipError: DocketFailure, Equatable {
    public var path: String
    public var message: String

    public var description: String { "\(path): error: \(message)" }
    /// libzip fails on the file system (or on a file that is not a zip: named in `message`).
    public var kind: FailureKind { .fileSystem }
}

/// How an entry is stored.
public enum ZipCompression: Sendable {
    /// Kept as is: for data that is already compressed.
    case store
    /// Deflate at a fixed level (fixed so that archives are reproducible).
    case deflate
}

/// Writes a new zip through libzip. Entries are added as file or memory sources and written,
/// streamed, when `close()` is called; a writer dropped without `close()` discards everything.
public final class ZipWriter {
    private let archive: OpaquePointer
    private var closed = false
    public let path: String

    /// Creates (or truncates) the zip at `path`. With `gatheredWrites`, a thread of its own does
    /// the writing (see `ZipOutput`): for zips as large as their documents, not for small ones.
    public init(path: String, gatheredWrites: Bool = true) throws {
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        if gatheredWrites {
            let output = try ZipOutput.source(path: path)
            guard let za = zip_open_from_source(output, ZIP_CREATE | ZIP_TRUNCATE, &error) else {
                zip_source_free(output)
                throw ZipError(path: path, message: "cannot create the zip: \(String(cString: zip_error_strerror(&error)))")
            }
            archive = za
        } else {
            var code: Int32 = 0
            guard let za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code) else {
                zip_error_init_with_code(&error, code)
                throw ZipError(path: path, message: "cannot create the zip: \(String(cString: zip_error_strerror(&error)))")
            }
            archive = za
        }
        self.path = path
    }

    deinit {
        // Not closed: leave no half-written file behind.
        if !closed { zip_discard(archive) }
    }

    private func failure(_ what: String) -> ZipError {
        ZipError(path: path, message: "\(what): \(String(cString: zip_strerror(archive)))")
    }

    /// Adds the file at `source` as entry `name` (UTF-8), with a fixed time and mode. The file is
    /// opened only when libzip writes it.
    public func addFile(_ source: String, as name: String, mtime: time_t, compression: ZipCompression, password: String?) throws {
        let src = try functionSource(FileSource(source), FileSource.callback, path: source, what: "cannot read the document")
        try add(src, name: name, mtime: mtime, compression: compression, password: password)
    }

    /// Adds `bytes` as entry `name`.
    public func addData(_ bytes: [UInt8], as name: String, mtime: time_t, compression: ZipCompression, password: String?) throws {
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        let copy = malloc(max(bytes.count, 1))!
        bytes.withUnsafeBytes { if let base = $0.baseAddress { memcpy(copy, base, bytes.count) } }
        guard let src = zip_source_buffer_create(copy, zip_uint64_t(bytes.count), 1, &error) else {
            free(copy)
            throw ZipError(path: path, message: "cannot add \(name): \(String(cString: zip_error_strerror(&error)))")
        }
        try add(src, name: name, mtime: mtime, compression: compression, password: password)
    }

    /// Adds an entry whose bytes are not known yet (a bag's manifests, while the digests are
    /// still being computed): libzip waits for them when `close()` reaches the entry, so entries
    /// added before it are written in the meantime. A failed `pending` fails `close()`.
    public func addPending(_ pending: PendingBytes, as name: String, mtime: time_t, compression: ZipCompression, password: String?) throws {
        let src = try functionSource(PendingSource(pending), PendingSource.callback, path: path, what: "cannot add \(name)")
        try add(src, name: name, mtime: mtime, compression: compression, password: password)
    }

    private func add(_ src: OpaquePointer, name: String, mtime: time_t, compression: ZipCompression, password: String?) throws {
        let index = zip_file_add(archive, name, src, zip_flags_t(ZIP_FL_ENC_UTF_8))
        guard index >= 0 else {
            zip_source_free(src)
            throw failure("cannot add \(name)")
        }
        let i = zip_uint64_t(index)
        switch compression {
        case .store: guard zip_set_file_compression(archive, i, ZIP_CM_STORE, 0) == 0 else { throw failure("cannot set compression of \(name)") }
        case .deflate: guard zip_set_file_compression(archive, i, ZIP_CM_DEFLATE, 6) == 0 else { throw failure("cannot set compression of \(name)") }
        }
        try setTimeAndAttributes(i, name: name, mtime: mtime)
        if let password {
            guard zip_file_set_encryption(archive, i, zip_uint16_t(ZIP_EM_AES_256), password) == 0 else { throw failure("cannot encrypt \(name)") }
        }
    }

    /// Adds payload item `index`, deflated ahead by a `PartDeflater`, as `name`: libzip waits
    /// for it when `close()` reaches it, then copies its stream as it is (no second deflate),
    /// with the CRC and sizes the item carries. `parts` stays open until `close()`.
    func addDeflated(_ index: Int, from items: DeflatedItems, parts: PartFiles, as name: String, mtime: time_t) throws {
        let src = try functionSource(DeflatedSource(index, items: items, parts: parts), DeflatedSource.callback, path: path, what: "cannot add \(name)")
        let index = zip_file_add(archive, name, src, zip_flags_t(ZIP_FL_ENC_UTF_8))
        guard index >= 0 else {
            zip_source_free(src)
            throw failure("cannot add \(name)")
        }
        try setTimeAndAttributes(zip_uint64_t(index), name: name, mtime: mtime)
    }

    /// A fixed time and, whoever archives the case, the same attributes: a regular file,
    /// rw-r--r--, made on Unix.
    private func setTimeAndAttributes(_ i: zip_uint64_t, name: String, mtime: time_t) throws {
        guard zip_file_set_mtime(archive, i, mtime, 0) == 0,
              zip_file_set_external_attributes(archive, i, 0, zip_uint8_t(ZIP_OPSYS_UNIX), zip_uint32_t(0o100644) << 16) == 0
        else { throw failure("cannot set the time and attributes of \(name)") }
    }

    /// Writes the zip (streaming every source) and frees the handle.
    public func close() throws {
        precondition(!closed, "a zip is closed once")
        closed = true
        if zip_close(archive) != 0 {
            let message = String(cString: zip_strerror(archive))
            zip_discard(archive)
            throw ZipError(path: path, message: "writing the zip failed: \(message)")
        }
    }
}

/// One entry of a zip, as its central directory describes it.
public struct ZipEntry: Sendable {
    public var index: UInt64
    public var name: String
    public var size: UInt64
    public var compressedSize: UInt64
    public var encrypted: Bool
    public var isDirectory: Bool
}

/// Reads a zip through libzip: its entries, and each entry's bytes in chunks (reading an entry
/// to its end makes libzip check its CRC). The handle is freed with the reader.
public final class ZipReader {
    private let archive: OpaquePointer
    public let path: String

    /// Opens the zip at `path`. `checkConsistency` compares every local header with the central
    /// directory (a seek and a read per entry): once a zip is enough.
    public init(path: String, password: String? = nil, checkConsistency: Bool = true) throws {
        var code: Int32 = 0
        guard let za = zip_open(path, ZIP_RDONLY | (checkConsistency ? ZIP_CHECKCONS : 0), &code) else {
            var error = zip_error_t()
            zip_error_init_with_code(&error, code)
            defer { zip_error_fini(&error) }
            throw ZipError(path: path, message: "not a readable zip: \(String(cString: zip_error_strerror(&error)))")
        }
        archive = za
        self.path = path
        if let password { zip_set_default_password(za, password) }
    }

    deinit { zip_discard(archive) }

    public var entries: [ZipEntry] {
        get throws {
            let count = zip_get_num_entries(archive, 0)
            var result: [ZipEntry] = []
            for i in 0..<zip_uint64_t(max(count, 0)) {
                var st = zip_stat_t()
                zip_stat_init(&st)
                guard zip_stat_index(archive, i, 0, &st) == 0, let name = st.name else {
                    throw ZipError(path: path, message: "entry \(i) cannot be read: \(String(cString: zip_strerror(archive)))")
                }
                let text = String(cString: name)
                result.append(ZipEntry(
                    index: i, name: text, size: st.size, compressedSize: st.comp_size,
                    encrypted: st.encryption_method != zip_uint16_t(ZIP_EM_NONE),
                    isDirectory: text.hasSuffix("/")))
            }
            return result
        }
    }

    /// Streams the entry's bytes to `body` in chunks of up to 256 KiB, and returns how many
    /// there were. Never inflates more than one byte past the size the entry declares: an entry
    /// that inflates to more is refused there, not at its end (a lying size is a zip bomb's way).
    @discardableResult
    public func read(_ entry: ZipEntry, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard let file = zip_fopen_index(archive, entry.index, 0) else {
            throw ZipError(path: path, message: "\(entry.name) cannot be opened: \(String(cString: zip_strerror(archive)))")
        }
        defer { zip_fclose(file) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let want = min(UInt64(buffer.count), entry.size - total + 1)
            let n = zip_fread(file, buffer.baseAddress!, want)
            if n < 0 {
                let error = zip_file_get_error(file)!
                throw ZipError(path: path, message: "\(entry.name) is damaged: \(String(cString: zip_error_strerror(error)))")
            }
            if n == 0 { break }
            total += UInt64(n)
            if total > entry.size {
                throw ZipError(path: path, message: "\(entry.name) inflates to more than the \(entry.size) bytes its entry declares: refused at byte \(entry.size + 1), as a zip bomb or a damaged zip")
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(n)]))
        }
        return total
    }

    /// The whole entry, for small tag files.
    public func data(_ entry: ZipEntry, limit: Int = 16 << 20) throws -> [UInt8] {
        guard entry.size <= UInt64(limit) else {
            throw ZipError(path: path, message: "\(entry.name) declares \(entry.size) bytes: too large for a tag file (at most \(limit >> 20) MiB)")
        }
        var bytes: [UInt8] = []
        try read(entry) { bytes.append(contentsOf: $0) }
        return bytes
    }
}
