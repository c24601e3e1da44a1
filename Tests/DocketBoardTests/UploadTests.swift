import Foundation
import Hummingbird
import DocketTestSupport
import XCTest

@testable import DocketBoard

/// A `multipart/form-data` body as a browser sends it, for tests.
enum MultipartBody {
    static let boundary = "----DocketTestBoundary7MA4YWxk"
    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    static func make(fields: [(String, String)] = [], files: [(field: String, name: String, bytes: [UInt8])] = []) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for f in files {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.field)\"; filename=\"\(f.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            out += f.bytes + Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    /// The body cut in chunks of `size` bytes, as it arrives from the network.
    static func chunks(_ bytes: [UInt8], size: Int = 1000) -> AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            var i = 0
            while i < bytes.count {
                continuation.yield(ByteBuffer(bytes: bytes[i..<min(i + size, bytes.count)]))
                i += size
            }
            continuation.finish()
        }
    }
}

final class UploadTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func testFilesAreStreamedToTheStagingFolderAndFieldsRead() async throws {
        let big = [UInt8]((0..<300_000).map { UInt8($0 % 251) })
        let body = MultipartBody.make(fields: [("case", "2022-c1"), ("department", "人事課")],
                                      files: [("materials_folder", "資料1-1 委託の目的.pdf", big), ("materials_folder", "資料1-2.txt", Array("\r\n--x\r\n".utf8))])
        let staging = root.appendingPathComponent("staging")
        let form = try await MultipartUpload.receive(MultipartBody.chunks(body, size: 777), boundary: MultipartBody.boundary,
                                                     staging: staging, limits: UploadLimits())
        XCTAssertEqual(form.fields["case"], "2022-c1")
        XCTAssertEqual(form.fields["department"], "人事課")
        XCTAssertEqual(form.files["materials_folder"], ["資料1-1 委託の目的.pdf", "資料1-2.txt"])
        XCTAssertEqual(try Data(contentsOf: form.folder("materials_folder").appendingPathComponent("資料1-1 委託の目的.pdf")), Data(big))
        XCTAssertEqual(try Data(contentsOf: form.folder("materials_folder").appendingPathComponent("資料1-2.txt")), Data("\r\n--x\r\n".utf8))
    }

    func testAFileOverTheLimitIsRefusedWithItsFigureAndNothingIsLeft() async throws {
        let body = MultipartBody.make(fields: [("case", "c1")], files: [("files", "ok.txt", [1, 2, 3]), ("files", "big.pdf", [UInt8](repeating: 7, count: 5000))])
        let staging = root.appendingPathComponent("staging")
        do {
            _ = try await MultipartUpload.receive(MultipartBody.chunks(body), boundary: MultipartBody.boundary, staging: staging,
                                                  limits: UploadLimits(maxFileBytes: 4096))
            XCTFail("accepted a file over the limit")
        } catch let e as UploadError {
            XCTAssertEqual(e, .fileTooLarge(file: "big.pdf", limit: 4096))
            XCTAssertTrue(e.description.contains("4 KB"), e.description)
            XCTAssertEqual(e.status, 413)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path), "the staging folder is removed")

        do {
            _ = try await MultipartUpload.receive(MultipartBody.chunks(body), boundary: MultipartBody.boundary, staging: staging,
                                                  limits: UploadLimits(maxRequestBytes: 2000))
            XCTFail("accepted a request over the limit")
        } catch let e as UploadError {
            XCTAssertEqual(e, .requestTooLarge(limit: 2000))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path))
    }

    func testTraversalAndHiddenNamesNeverLeaveTheStagingFolder() async throws {
        XCTAssertEqual(try FileNames.sanitized("../../etc/passwd"), "passwd")
        XCTAssertEqual(try FileNames.sanitized("C:\\Users\\me\\資料.pdf"), "資料.pdf")
        // 「が」 decomposed (as a macOS browser sends it) is stored composed.
        XCTAssertEqual(try FileNames.sanitized("か\u{3099}.txt"), "が.txt")
        XCTAssertThrowsError(try FileNames.sanitized("../.."))
        XCTAssertThrowsError(try FileNames.sanitized(".htaccess"))
        XCTAssertThrowsError(try FileNames.sanitized("a\u{7}b.txt"))
        XCTAssertThrowsError(try FileNames.sanitized("evil\u{202E}fdp.exe"))

        let body = MultipartBody.make(files: [("files", "../../escaped.txt", [1])])
        let staging = root.appendingPathComponent("up/staging")
        let form = try await MultipartUpload.receive(MultipartBody.chunks(body), boundary: MultipartBody.boundary, staging: staging, limits: UploadLimits())
        XCTAssertEqual(form.files["files"], ["escaped.txt"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("escaped.txt").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("up/escaped.txt").path))

        let hidden = MultipartBody.make(files: [("files", "a.txt", [1]), ("files", ".DS_Store", [2])])
        let staging2 = root.appendingPathComponent("staging2")
        do {
            _ = try await MultipartUpload.receive(MultipartBody.chunks(hidden), boundary: MultipartBody.boundary, staging: staging2, limits: UploadLimits())
            XCTFail("accepted a dotfile")
        } catch let e as UploadError {
            guard case .badFileName = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging2.path))
    }

    func testTooManyFilesAndATruncatedBodyAreRefused() async throws {
        let many = MultipartBody.make(files: (1...4).map { ("files", "f\($0).txt", [UInt8]($0.description.utf8)) })
        let staging = root.appendingPathComponent("s")
        do {
            _ = try await MultipartUpload.receive(MultipartBody.chunks(many), boundary: MultipartBody.boundary, staging: staging, limits: UploadLimits(maxFiles: 3))
            XCTFail("accepted too many files")
        } catch let e as UploadError {
            XCTAssertEqual(e, .tooManyFiles(limit: 3))
        }
        let cut = Array(MultipartBody.make(files: [("files", "a.txt", [UInt8](repeating: 1, count: 100))]).prefix(150))
        do {
            _ = try await MultipartUpload.receive(MultipartBody.chunks(cut), boundary: MultipartBody.boundary, staging: staging, limits: UploadLimits())
            XCTFail("accepted a truncated body")
        } catch let e as UploadError {
            guard case .malformed = e else { return XCTFail("\(e)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path))
        XCTAssertEqual(MultipartUpload.boundary(of: "multipart/form-data; boundary=\"abc\""), "abc")
        XCTAssertNil(MultipartUpload.boundary(of: "application/x-www-form-urlencoded"))
    }
}
