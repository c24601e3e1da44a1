import Foundation
import MultipartKit

/// Limits on one upload; the refusal names the figure.
public struct UploadLimits: Sendable {
    public var maxFileBytes: Int64
    public var maxRequestBytes: Int64
    public var maxFiles: Int
    /// The text fields of a multipart form, together.
    public var maxTextBytes: Int

    public init(maxFileBytes: Int64 = 50 << 20, maxRequestBytes: Int64 = 200 << 20, maxFiles: Int = 100, maxTextBytes: Int = 1 << 20) {
        self.maxFileBytes = maxFileBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxFiles = maxFiles
        self.maxTextBytes = maxTextBytes
    }
}

/// A received multipart form: its text fields, and its files written to the staging folder,
/// one subfolder per field name (`staging/materials_folder/資料1-1.pdf`).
public struct UploadedForm: Sendable {
    public var fields: FormValues
    /// Stored file names by field name, in the order sent.
    public var files: [String: [String]]
    public var staging: URL

    /// The folder holding the files sent under `field`.
    public func folder(_ field: String) -> URL {
        staging.appendingPathComponent(field, isDirectory: true)
    }
}

/// Reads a `multipart/form-data` body as it arrives, writing each file straight to disk in a
/// staging folder (never holding a file in memory), counting bytes against `UploadLimits`.
/// On any failure — a limit, a bad name, a broken body — the staging folder is removed, so a
/// refused upload leaves nothing behind.
public enum MultipartUpload {
    /// The boundary of a `multipart/form-data` content type, if it is one.
    public static func boundary(of contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            let b = p.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return b.isEmpty || b.count > 200 ? nil : b
        }
        return nil
    }

    /// Receives `body` into a new folder `staging` (which must not exist yet).
    public static func receive<Body: AsyncSequence>(_ body: Body, boundary: String, staging: URL,
                                                    limits: UploadLimits) async throws -> UploadedForm where Body.Element == ByteBuffer {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw UploadError.io(error.localizedDescription)
        }
        let sink = PartSink(staging: staging, limits: limits)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in sink.header(name, value) }
        parser.onBody = { buffer in sink.body(&buffer) }
        parser.onPartComplete = { sink.complete() }
        do {
            var total: Int64 = 0
            for try await chunk in body {
                total += Int64(chunk.readableBytes)
                if total > limits.maxRequestBytes { throw UploadError.requestTooLarge(limit: limits.maxRequestBytes) }
                do { try parser.execute(chunk) } catch let e as UploadError { throw e } catch {
                    throw UploadError.malformed("multipart の形式が正しくありません")
                }
                if let failure = sink.failure { throw failure }
            }
            if let failure = sink.failure { throw failure }
            guard sink.sawPart, !sink.inPart else { throw UploadError.malformed("送信が途中で切れています") }
            return UploadedForm(fields: sink.fields, files: sink.files, staging: staging)
        } catch {
            sink.closeFile()
            try? fm.removeItem(at: staging)
            // A body that breaks off or is not HTTP (a bad chunk size) is the sender's problem.
            throw (error as? UploadError) ?? UploadError.malformed("送信が途中で切れているか、壊れています")
        }
    }
}

/// The parser's callbacks: collects text fields, streams file parts to disk. Used by one
/// request's task only.
final class PartSink {
    let staging: URL
    let limits: UploadLimits
    var fields = FormValues()
    var files: [String: [String]] = [:]
    var failure: UploadError?
    var sawPart = false
    var inPart = false

    private var headers: [(String, String)] = []
    private var started = false
    private var fieldName = ""
    private var fileName: String?
    private var text: [UInt8] = []
    private var textBytes = 0
    private var handle: FileHandle?
    private var written: Int64 = 0
    private var fileCount = 0

    init(staging: URL, limits: UploadLimits) {
        self.staging = staging
        self.limits = limits
    }

    func header(_ name: String, _ value: String) {
        inPart = true
        sawPart = true
        headers.append((name.lowercased(), value))
    }

    /// Opens the part on its first body bytes (or at its end, when empty).
    private func start() {
        guard !started else { return }
        started = true
        inPart = true
        sawPart = true
        let disposition = headers.first { $0.0 == "content-disposition" }?.1 ?? ""
        let params = Self.parameters(disposition)
        fieldName = params["name"] ?? ""
        guard let raw = params["filename"] else { return }
        // An empty file input sends a part with filename="" and no bytes: nothing was chosen.
        guard !raw.isEmpty else { fileName = ""; return }
        do {
            let name = try FileNames.sanitized(raw)
            guard !fieldName.isEmpty, !fieldName.contains("/"), !fieldName.hasPrefix(".") else {
                throw UploadError.malformed("ファイルの項目名がありません")
            }
            fileCount += 1
            if fileCount > limits.maxFiles { throw UploadError.tooManyFiles(limit: limits.maxFiles) }
            if files[fieldName]?.contains(name) == true { throw UploadError.duplicateFileName(name) }
            let folder = staging.appendingPathComponent(fieldName, isDirectory: true)
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: url.path, contents: nil), let h = FileHandle(forWritingAtPath: url.path) else {
                throw UploadError.io("\(name) を作成できません")
            }
            handle = h
            written = 0
            fileName = name
            files[fieldName, default: []].append(name)
        } catch let e as UploadError {
            fail(e)
        } catch {
            fail(.io(error.localizedDescription))
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        start()
        guard failure == nil else { return }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if let fileName {
            guard let handle else { return }
            written += Int64(bytes.count)
            if written > limits.maxFileBytes { fail(.fileTooLarge(file: fileName, limit: limits.maxFileBytes)); return }
            do { try handle.write(contentsOf: bytes) } catch { fail(.io(error.localizedDescription)) }
        } else {
            textBytes += bytes.count
            if textBytes > limits.maxTextBytes { fail(.malformed("入力欄の文字が多すぎます")); return }
            text += bytes
        }
    }

    func complete() {
        start()
        if failure == nil {
            if fileName == nil, !fieldName.isEmpty {
                fields.append(fieldName, String(decoding: text, as: UTF8.self))
            }
            // A chosen file with no bytes is a mistake (a copy that failed, a placeholder):
            // it would be archived as a material that says nothing.
            if let fileName, !fileName.isEmpty, written == 0 { fail(.emptyFile(fileName)) }
        }
        closeFile()
        headers = []
        started = false
        inPart = false
        fieldName = ""
        fileName = nil
        text = []
    }

    func closeFile() {
        try? handle?.close()
        handle = nil
    }

    private func fail(_ error: UploadError) {
        if failure == nil { failure = error }
        closeFile()
    }

    /// `form-data; name="files"; filename="a b.pdf"` -> ["name": "files", "filename": "a b.pdf"].
    static func parameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(header)
        // Skip the disposition type.
        guard let semi = chars.firstIndex(of: ";") else { return result }
        chars = chars[chars.index(after: semi)...]
        while !chars.isEmpty {
            chars = chars.drop { $0 == " " || $0 == ";" || $0 == "\t" }
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = chars[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            chars = chars[chars.index(after: eq)...]
            var value = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                var escaped = false
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if escaped { value.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { value.append(c) }
                }
            } else {
                let end = chars.firstIndex(of: ";") ?? chars.endIndex
                value = chars[..<end].trimmingCharacters(in: .whitespaces)
                chars = chars[end...]
            }
            if result[key] == nil { result[key] = value }
        }
        if let extended = result["filename*"], let q = extended.range(of: "''") {
            result["filename"] = extended[q.upperBound...].removingPercentEncoding ?? result["filename"]
        }
        return result
    }
}
