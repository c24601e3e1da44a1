import CLibDeflate
import CLibZip
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One document deflated ahead of the zip: a raw deflate stream (RFC 1951, what zip method 8
/// holds) at `offset` in part file `part`, with the CRC-32 and size of what it inflates to.
struct DeflatedItem: Sendable {
    var part: Int
    var offset: UInt64
    var compressedSize: UInt64
    var size: UInt64
    var crc: UInt32
}

/// Deflates documents into a part file of its own, on one core, each right after the last: libdeflate for documents of up
/// to `wholeLimit` (it compresses whole buffers, 2-3x zlib's speed at the same ratio), zlib
/// streaming in 1 MiB blocks for larger ones, so memory stays bounded. The streams are standard
/// (Info-ZIP, 7-Zip, Python's zipfile inflate them) and depend only on the document's bytes,
/// so the archive is the same whichever core deflated what.
final class PartDeflater {
    /// Larger documents are streamed through zlib rather than read whole.
    static let wholeLimit = 4 << 20
    /// The deflate level (fixed, so archives are reproducible).
    static let level: Int32 = 6

    let part: Int
    private let parts: PartFiles
    private var offset: UInt64 = 0
    private let compressor: OpaquePointer
    private var input: UnsafeMutableRawBufferPointer
    private var output: UnsafeMutableRawBufferPointer

    /// Appends to part file `part` of `parts`.
    init(parts: PartFiles, part: Int) throws {
        guard let c = libdeflate_alloc_compressor(Self.level) else {
            throw ZipError(path: parts.paths[part], message: "libdeflate cannot allocate a compressor")
        }
        compressor = c
        self.parts = parts
        self.part = part
        input = .allocate(byteCount: 1 << 20, alignment: 16)
        output = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        libdeflate_free_compressor(compressor)
        input.deallocate()
        output.deallocate()
    }

    private func fail(_ what: String, _ file: String) -> ZipError {
        ZipError(path: file, message: "\(what): \(String(cString: strerror(errno)))")
    }

    private func grow(_ buffer: inout UnsafeMutableRawBufferPointer, to count: Int) {
        guard buffer.count < count else { return }
        buffer.deallocate()
        buffer = .allocate(byteCount: count, alignment: 16)
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(parts.fds[part], bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw fail("cannot write the part file", parts.paths[part]) }
            done += n
        }
        offset += UInt64(bytes.count)
    }

    /// Deflates the document at `file` onto the end of the part file.
    func add(file: String) throws -> DeflatedItem {
        let source = open(file, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw fail("cannot read the document", file) }
        defer { close(source) }
        var st = stat()
        guard fstat(source, &st) == 0 else { throw fail("cannot read the document", file) }
        let start = offset
        if Int(st.st_size) <= Self.wholeLimit {
            // Whole: read it all (one byte more shows a file that grew), deflate it at once.
            grow(&input, to: Int(st.st_size) + 1)
            var size = 0
            while size < input.count {
                let n = read(source, input.baseAddress! + size, input.count - size)
                if n < 0, errno == EINTR { continue }
                guard n >= 0 else { throw fail("cannot read the document", file) }
                if n == 0 { break }
                size += n
            }
            if size <= Self.wholeLimit, size < input.count {
                grow(&output, to: libdeflate_deflate_compress_bound(compressor, size))
                let n = libdeflate_deflate_compress(compressor, input.baseAddress!, size, output.baseAddress!, output.count)
                guard n > 0 else { throw ZipError(path: file, message: "libdeflate could not deflate the document") }
                try append(UnsafeRawBufferPointer(rebasing: output[0..<n]))
                let crc = libdeflate_crc32(0, input.baseAddress!, size)
                return DeflatedItem(part: part, offset: start, compressedSize: offset - start, size: UInt64(size), crc: crc)
            }
            // It grew while being read: stream it from the start.
            guard lseek(source, 0, SEEK_SET) == 0 else { throw fail("cannot read the document", file) }
        }
        return try stream(source, file: file, start: start)
    }

    /// zlib's deflate over 1 MiB blocks, for documents too large to hold whole.
    private func stream(_ source: Int32, file: String, start: UInt64) throws -> DeflatedItem {
        var z = z_stream()
        guard deflateInit2_(&z, Self.level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipError(path: file, message: "zlib cannot start a deflate stream")
        }
        defer { deflateEnd(&z) }
        grow(&input, to: 1 << 20)
        var crc: UInt32 = 0
        var size: UInt64 = 0
        var finished = false
        while !finished {
            var n = 0
            repeat { n = read(source, input.baseAddress!, 1 << 20) } while n < 0 && errno == EINTR
            guard n >= 0 else { throw fail("cannot read the document", file) }
            crc = libdeflate_crc32(crc, input.baseAddress!, n)
            size += UInt64(n)
            finished = n == 0
            z.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
            z.avail_in = uInt(n)
            repeat {
                z.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
                z.avail_out = uInt(output.count)
                let r = CLibZip.deflate(&z, finished ? Z_FINISH : Z_NO_FLUSH)
                guard r != Z_STREAM_ERROR else { throw ZipError(path: file, message: "zlib could not deflate the document") }
                try append(UnsafeRawBufferPointer(rebasing: output[0..<(output.count - Int(z.avail_out))]))
            } while z.avail_out == 0
        }
        return DeflatedItem(part: part, offset: start, compressedSize: offset - start, size: size, crc: crc)
    }
}

/// The part files (hidden, beside the archive), open while the deflaters write them and libzip
/// copies their streams into the archive.
final class PartFiles: @unchecked Sendable {
    let paths: [String]
    let fds: [Int32]

    init(creating paths: [String]) throws {
        var fds: [Int32] = []
        for path in paths {
            let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                let error = ZipError(path: path, message: "cannot create a part file: \(String(cString: strerror(errno)))")
                for (fd, path) in zip(fds, paths) { close(fd); unlink(path) }
                throw error
            }
            fds.append(fd)
        }
        self.paths = paths
        self.fds = fds
    }

    /// Removes the files (their streams stay readable until the last user lets go).
    func remove() { for path in paths { unlink(path) } }

    deinit { for fd in fds { close(fd) } }
}

/// Where each deflated payload item lies, handed from the deflaters to libzip's writer as each is
/// done: the writer copies the first items while the deflaters work on the next.
final class DeflatedItems: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Int: DeflatedItem] = [:]
    private var error: Error?
    private var stopped = false

    func set(_ index: Int, _ item: DeflatedItem) {
        condition.withLock {
            items[index] = item
            condition.broadcast()
        }
    }

    /// The deflaters failed: waiting stops, with `error`.
    func fail(_ error: Error) {
        condition.withLock {
            if self.error == nil { self.error = error }
            condition.broadcast()
        }
    }

    /// The writer gave up: the deflaters stop at their next item.
    func stop() { condition.withLock { stopped = true } }
    var isStopped: Bool { condition.withLock { stopped || error != nil } }
    var failure: Error? { condition.withLock { error } }

    /// Blocks until item `index` is deflated; nil if the deflaters failed.
    func wait(_ index: Int) -> DeflatedItem? {
        condition.withLock {
            while items[index] == nil && error == nil { condition.wait() }
            return items[index]
        }
    }
}

/// libzip's view of a deflated item: a source whose stat says its bytes are deflated already
/// (method, sizes and CRC), so libzip copies them into the archive as they are, as it does
/// with another zip's entry (`zip_source_zip` with ZIP_FL_COMPRESSED).
final class DeflatedSource {
    let index: Int
    let items: DeflatedItems
    let parts: PartFiles
    var item: DeflatedItem?
    var position: UInt64 = 0
    var error = zip_error_t()

    init(_ index: Int, items: DeflatedItems, parts: PartFiles) {
        self.index = index
        self.items = items
        self.parts = parts
        zip_error_init(&error)
    }

    deinit { zip_error_fini(&error) }

    /// Waits for the item; false (with the error set for libzip) when the deflaters failed.
    func load() -> Bool {
        if item == nil { item = items.wait(index) }
        if item == nil { zip_error_set(&error, ZIP_ER_INTERNAL, 0) }
        return item != nil
    }

    static let callback: zip_source_callback = { userdata, data, length, command in
        let unmanaged = Unmanaged<DeflatedSource>.fromOpaque(userdata!)
        let this = unmanaged.takeUnretainedValue()
        switch command {
        case ZIP_SOURCE_SUPPORTS:
            return readableCommands
        case ZIP_SOURCE_STAT:
            guard this.load(), let item = this.item else { return -1 }
            let st = data!.assumingMemoryBound(to: zip_stat_t.self)
            zip_stat_init(st)
            st.pointee.size = item.size
            st.pointee.comp_size = item.compressedSize
            st.pointee.comp_method = zip_uint16_t(ZIP_CM_DEFLATE)
            st.pointee.encryption_method = zip_uint16_t(ZIP_EM_NONE)
            st.pointee.crc = item.crc
            st.pointee.valid |= zip_uint64_t(ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD | ZIP_STAT_CRC)
            return zip_int64_t(MemoryLayout<zip_stat_t>.size)
        case ZIP_SOURCE_OPEN:
            guard this.load() else { return -1 }
            this.position = 0
            return 0
        case ZIP_SOURCE_READ:
            guard let item = this.item else { return -1 }
            let n = Int(min(UInt64(length), item.compressedSize - this.position))
            guard n > 0 else { return 0 }
            let got = pread(this.parts.fds[item.part], data, n, off_t(item.offset + this.position))
            guard got > 0 else {
                zip_error_set(&this.error, ZIP_ER_READ, got < 0 ? errno : EIO)
                return -1
            }
            this.position += UInt64(got)
            return zip_int64_t(got)
        case ZIP_SOURCE_CLOSE:
            return 0
        case ZIP_SOURCE_ERROR:
            return zip_error_to_data(&this.error, data, length)
        case ZIP_SOURCE_FREE:
            unmanaged.release()
            return 0
        default:
            zip_error_set(&this.error, ZIP_ER_OPNOTSUPP, 0)
            return -1
        }
    }
}
