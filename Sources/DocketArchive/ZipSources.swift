import CLibZip
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// libzip sources of Docket's own, for `ZipWriter`: each keeps what it needs in a small object
// that libzip owns (and releases with ZIP_SOURCE_FREE).

/// A libzip source answered by `callback`, with `object` as its user data: libzip keeps the
/// object until it frees the source (ZIP_SOURCE_FREE, where the callback releases it).
func functionSource(_ object: AnyObject, _ callback: zip_source_callback, path: String, what: String) throws -> OpaquePointer {
    var error = zip_error_t()
    zip_error_init(&error)
    defer { zip_error_fini(&error) }
    let state = Unmanaged.passRetained(object)
    guard let src = zip_source_function_create(callback, state.toOpaque(), &error) else {
        state.release()
        throw ZipError(path: path, message: "\(what): \(String(cString: zip_error_strerror(&error)))")
    }
    return src
}

/// The commands a readable source answers.
let readableCommands = [ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE]
    .reduce(zip_int64_t(0)) { $0 | (zip_int64_t(1) << zip_int64_t($1.rawValue)) }

/// A document, opened only when libzip writes it: a few dozen bytes an entry until then (libzip's
/// own file source keeps about a kilobyte, and archives hold tens of thousands of documents).
final class FileSource {
    let path: String
    var fd: Int32 = -1
    var error = zip_error_t()

    init(_ path: String) {
        self.path = path
        zip_error_init(&error)
    }

    deinit {
        if fd >= 0 { close(fd) }
        zip_error_fini(&error)
    }

    private func fail() -> zip_int64_t {
        zip_error_set(&error, ZIP_ER_READ, errno)
        return -1
    }

    static let callback: zip_source_callback = { userdata, data, length, command in
        let unmanaged = Unmanaged<FileSource>.fromOpaque(userdata!)
        let this = unmanaged.takeUnretainedValue()
        switch command {
        case ZIP_SOURCE_SUPPORTS:
            return readableCommands
        case ZIP_SOURCE_STAT:
            var st = stat()
            guard stat(this.path, &st) == 0 else { return this.fail() }
            let out = data!.assumingMemoryBound(to: zip_stat_t.self)
            zip_stat_init(out)
            out.pointee.size = zip_uint64_t(st.st_size)
            out.pointee.valid |= zip_uint64_t(ZIP_STAT_SIZE)
            return zip_int64_t(MemoryLayout<zip_stat_t>.size)
        case ZIP_SOURCE_OPEN:
            this.fd = open(this.path, O_RDONLY | O_CLOEXEC)
            return this.fd >= 0 ? 0 : this.fail()
        case ZIP_SOURCE_READ:
            while true {
                let n = read(this.fd, data, Int(length))
                if n >= 0 { return zip_int64_t(n) }
                if errno != EINTR { return this.fail() }
            }
        case ZIP_SOURCE_CLOSE:
            if this.fd >= 0 { close(this.fd) }
            this.fd = -1
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

/// Bytes promised by other work, handed over once: `fulfil` or `fail`, then `wait` returns.
public final class PendingBytes: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<[UInt8], Error>?

    public init() {}

    public func fulfil(_ bytes: [UInt8]) { settle(.success(bytes)) }
    public func fail(_ error: Error) { settle(.failure(error)) }

    private func settle(_ value: Result<[UInt8], Error>) {
        condition.withLock {
            if result == nil { result = value }
            condition.broadcast()
        }
    }

    /// Blocks until the bytes are given or the work failed.
    public func wait() -> Result<[UInt8], Error> {
        condition.withLock {
            while result == nil { condition.wait() }
            return result!
        }
    }
}

/// libzip's view of a `PendingBytes`: a readable source that waits for its bytes when libzip
/// first asks for its size or opens it.
final class PendingSource {
    let pending: PendingBytes
    var bytes: [UInt8] = []
    var ready = false
    var offset = 0
    var error = zip_error_t()

    init(_ pending: PendingBytes) {
        self.pending = pending
        zip_error_init(&error)
    }

    deinit { zip_error_fini(&error) }

    /// Waits for the bytes; false (with the error set for libzip) when the work failed.
    func load() -> Bool {
        if ready { return true }
        switch pending.wait() {
        case .success(let b):
            bytes = b
            ready = true
            return true
        case .failure:
            zip_error_set(&error, ZIP_ER_INTERNAL, 0)
            return false
        }
    }

    static let callback: zip_source_callback = { userdata, data, length, command in
        let source = Unmanaged<PendingSource>.fromOpaque(userdata!)
        let this = source.takeUnretainedValue()
        switch command {
        case ZIP_SOURCE_SUPPORTS:
            return readableCommands
        case ZIP_SOURCE_OPEN:
            guard this.load() else { return -1 }
            this.offset = 0
            return 0
        case ZIP_SOURCE_READ:
            let n = min(Int(length), this.bytes.count - this.offset)
            if n > 0 {
                this.bytes.withUnsafeBytes { _ = memcpy(data!, $0.baseAddress! + this.offset, n) }
                this.offset += n
            }
            return zip_int64_t(n)
        case ZIP_SOURCE_CLOSE:
            return 0
        case ZIP_SOURCE_STAT:
            guard this.load() else { return -1 }
            let st = data!.assumingMemoryBound(to: zip_stat_t.self)
            zip_stat_init(st)
            st.pointee.size = zip_uint64_t(this.bytes.count)
            st.pointee.valid |= zip_uint64_t(ZIP_STAT_SIZE)
            return zip_int64_t(MemoryLayout<zip_stat_t>.size)
        case ZIP_SOURCE_ERROR:
            return zip_error_to_data(&this.error, data, length)
        case ZIP_SOURCE_FREE:
            source.release()
            return 0
        default:
            zip_error_set(&this.error, ZIP_ER_OPNOTSUPP, 0)
            return -1
        }
    }
}

