import CLibZip
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file a `ZipWriter` writes: a libzip source whose writes (8 KiB at a time) are gathered
/// into 1 MiB blocks that a thread of its own hands to the kernel. libzip's own thread, which
/// reads, CRCs and deflates, then no longer also waits on copying into the page cache: about
/// a third of its time on a 1 GiB archive. At most two blocks wait, so memory stays flat.
final class ZipOutput: @unchecked Sendable {
    static let blockSize = 1 << 20
    static let blocksInFlight = 2

    let path: String
    private var fd: Int32 = -1
    private var error = zip_error_t()
    /// The block being gathered, and where it goes in the file.
    private var block: [UInt8] = []
    private var blockOffset: Int64 = 0
    /// Where libzip writes next, and the end of what it wrote.
    private var position: Int64 = 0
    private var extent: Int64 = 0

    /// Blocks handed to the writing thread, in order; its first failure (an errno).
    private let condition = NSCondition()
    private var queue: [(offset: Int64, bytes: [UInt8])] = []
    private var writing = false
    private var stopping = false
    private var writeErrno: Int32 = 0

    init(path: String) {
        self.path = path
        zip_error_init(&error)
    }

    deinit { zip_error_fini(&error) }

    /// A libzip source writing to `path`; libzip owns it (and this object) from then on.
    static func source(path: String) throws -> OpaquePointer {
        try functionSource(ZipOutput(path: path), ZipOutput.callback, path: path, what: "cannot create the zip")
    }

    // MARK: Writing

    private func begin() -> Bool {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return fail(errno) }
        block = []
        block.reserveCapacity(Self.blockSize)
        blockOffset = 0
        position = 0
        extent = 0
        stopping = false
        writeErrno = 0
        writing = true
        let fd = self.fd
        Thread { [self] in writeBlocks(to: fd) }.start()
        return true
    }

    private func write(_ data: UnsafeRawPointer, _ count: Int) -> Bool {
        let end = blockOffset + Int64(block.count)
        if position < blockOffset || position > end {
            // Elsewhere in the file (libzip never leaves a gap): start a new block there.
            guard enqueue() else { return false }
            blockOffset = position
        }
        let at = Int(position - blockOffset)
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        // libzip goes back only to rewrite the local header of the entry it has just written:
        // while that is still in this block, it is rewritten here, not written twice.
        let overlap = min(count, block.count - at)
        if overlap > 0 { block.replaceSubrange(at..<at + overlap, with: bytes[0..<overlap]) }
        block.append(contentsOf: bytes[overlap...])
        position += Int64(count)
        extent = max(extent, position)
        if block.count >= Self.blockSize { return enqueue() }
        return true
    }

    /// Hands the gathered block to the writing thread (waiting while too many wait already).
    private func enqueue() -> Bool {
        guard !block.isEmpty else { return true }
        let next = (blockOffset, block)
        block = []
        block.reserveCapacity(Self.blockSize)
        blockOffset = position
        return condition.withLock {
            while queue.count >= Self.blocksInFlight && writeErrno == 0 { condition.wait() }
            guard writeErrno == 0 else { return fail(writeErrno) }
            queue.append(next)
            condition.broadcast()
            return true
        }
    }

    private func writeBlocks(to fd: Int32) {
        while true {
            let next: (offset: Int64, bytes: [UInt8])? = condition.withLock {
                while queue.isEmpty && !stopping { condition.wait() }
                return queue.first
            }
            guard let next else { break }
            var done = 0
            var failure: Int32 = 0
            next.bytes.withUnsafeBytes { bytes in
                while done < bytes.count {
                    let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(next.offset) + off_t(done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    done += n
                }
            }
            condition.withLock {
                queue.removeFirst()
                if failure != 0 && writeErrno == 0 { writeErrno = failure }
                if failure != 0 { queue.removeAll() }
                condition.broadcast()
            }
        }
        condition.withLock {
            writing = false
            condition.broadcast()
        }
    }

    /// Writes what is left, waits for the writing thread and closes the file; true if all of
    /// it was written.
    private func finish() -> Bool {
        let queued = enqueue()
        let failure: Int32 = condition.withLock {
            stopping = true
            condition.broadcast()
            while writing { condition.wait() }
            return writeErrno
        }
        if fd >= 0, close(fd) != 0, failure == 0 { fd = -1; return fail(errno) }
        fd = -1
        guard queued else { return false }
        return failure == 0 ? true : fail(failure)
    }

    private func fail(_ code: Int32) -> Bool {
        zip_error_set(&error, ZIP_ER_WRITE, code)
        return false
    }

    // MARK: libzip

    static let callback: zip_source_callback = { userdata, data, length, command in
        let unmanaged = Unmanaged<ZipOutput>.fromOpaque(userdata!)
        let this = unmanaged.takeUnretainedValue()
        switch command {
        case ZIP_SOURCE_SUPPORTS:
            let commands = [
                ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_WRITE,
                ZIP_SOURCE_COMMIT_WRITE, ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_SEEK_WRITE, ZIP_SOURCE_TELL_WRITE,
                ZIP_SOURCE_REMOVE,
            ]
            return commands.reduce(zip_int64_t(0)) { $0 | (zip_int64_t(1) << zip_int64_t($1.rawValue)) }
        case ZIP_SOURCE_STAT:
            // A new zip: there is nothing to read before it is written.
            zip_error_set(&this.error, ZIP_ER_READ, ENOENT)
            return -1
        case ZIP_SOURCE_BEGIN_WRITE:
            return this.begin() ? 0 : -1
        case ZIP_SOURCE_WRITE:
            guard length == 0 || this.write(data!, Int(length)) else { return -1 }
            return zip_int64_t(length)
        case ZIP_SOURCE_SEEK_WRITE:
            let args = data!.assumingMemoryBound(to: zip_source_args_seek_t.self).pointee
            let base: Int64
            switch args.whence {
            case SEEK_SET: base = 0
            case SEEK_CUR: base = this.position
            default: base = this.extent
            }
            guard base + args.offset >= 0 else {
                zip_error_set(&this.error, ZIP_ER_INVAL, 0)
                return -1
            }
            this.position = base + args.offset
            return 0
        case ZIP_SOURCE_TELL_WRITE:
            return this.position
        case ZIP_SOURCE_COMMIT_WRITE:
            return this.finish() ? 0 : -1
        case ZIP_SOURCE_ROLLBACK_WRITE:
            _ = this.finish()
            unlink(this.path)
            return 0
        case ZIP_SOURCE_REMOVE:
            unlink(this.path)
            return 0
        case ZIP_SOURCE_ERROR:
            return zip_error_to_data(&this.error, data, length)
        case ZIP_SOURCE_FREE:
            if this.fd >= 0 { _ = this.finish() }
            unmanaged.release()
            return 0
        default:
            // Reading back: a writer never does.
            zip_error_set(&this.error, ZIP_ER_OPNOTSUPP, 0)
            return -1
        }
    }
}
