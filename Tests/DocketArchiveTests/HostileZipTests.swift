import DocketArchive
import Foundation
import XCTest

/// `docket verify` against zips made by hand to attack it: each is refused with a message naming
/// the entry and the figure, before anything is inflated (or one byte past a lying size), and
/// nothing is written.
final class HostileZipTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Python that writes a zip byte by byte: `Z().add(...)` takes any name, method, declared
    /// size, host system, attributes or local header offset; `bag(z)` adds a valid small bag.
    static let craft = #"""
        import struct, zlib, hashlib, sys
        def deflate(b):
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            return c.compress(b) + c.flush()
        class Z:
            def __init__(self):
                self.out = bytearray(); self.cd = []
            def add(self, name, data, method=8, size=None, host=3, attr=0o100644 << 16, at=None):
                body = deflate(data) if method == 8 else data
                crc = zlib.crc32(data)
                n = name.encode()
                usize = len(data) if size is None else size
                off = len(self.out) if at is None else at
                if at is None:
                    self.out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0x800, method, 0, 0x21, crc, len(body), usize, len(n), 0) + n + body
                self.cd.append(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, (host << 8) | 20, 20, 0x800, method, 0, 0x21, crc,
                                           len(body), usize, len(n), 0, 0, 0, 0, attr, off) + n)
                return off
            def save(self, path):
                cd = b''.join(self.cd)
                end = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(self.cd), len(self.cd), len(cd), len(self.out), 0)
                open(path, 'wb').write(bytes(self.out) + cd + end)
        def bag(z, files={'data/a.txt': b'hello'}, manifest_extra=b'', info_extra=b'', top='bag'):
            tags = {'bagit.txt': b'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'}
            tags['bag-info.txt'] = b'Payload-Oxum: %d.%d\n' % (sum(len(v) for v in files.values()), len(files)) + info_extra
            tags['manifest-sha256.txt'] = b''.join(hashlib.sha256(v).hexdigest().encode() + b'  ' + k.encode() + b'\n'
                                                   for k, v in sorted(files.items())) + manifest_extra
            tags['tagmanifest-sha256.txt'] = b''.join(hashlib.sha256(v).hexdigest().encode() + b'  ' + k.encode() + b'\n'
                                                      for k, v in sorted(tags.items()))
            z.add(top + '/bagit.txt', tags.pop('bagit.txt'))
            for k, v in sorted(files.items()): z.add(top + '/' + k, v)
            for k, v in sorted(tags.items()): z.add(top + '/' + k, v)
        z = Z()

        """#

    /// Runs `script` after `craft` to write `name` in the test folder.
    func craft(_ name: String, _ script: String) throws -> URL {
        let zip = root.appendingPathComponent(name)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", Self.craft + script + "\nz.save(sys.argv[1])\n", zip.path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, message)
        return zip
    }

    /// Verifies `zip`, checking that it is refused with `expected` among its problems and that
    /// the verification wrote nothing (the folder and the zip are as they were).
    @discardableResult
    func refused(_ zip: URL, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Verifier.Report {
        let before = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        let bytes = try Data(contentsOf: zip)
        let report = Verifier.verify(path: zip.path, digestingFile: true)
        XCTAssertFalse(report.problems.isEmpty, "accepted", file: file, line: line)
        for text in expected {
            XCTAssertTrue(report.problems.contains { $0.contains(text) }, "no problem says '\(text)': \(report.problems)", file: file, line: line)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), before, "nothing written", file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: zip), bytes, file: file, line: line)
        return report
    }

    func testTheCraftedBagIsValid() throws {
        // The hostile zips below differ from this one only by what each adds.
        let zip = try craft("good.zip", "bag(z)")
        let report = Verifier.verify(path: zip.path)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.payloadFiles, 1)
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        unzip.arguments = ["unzip", "-tq", zip.path]
        unzip.standardOutput = FileHandle.nullDevice
        try unzip.run()
        unzip.waitUntilExit()
        XCTAssertEqual(unzip.terminationStatus, 0, "Info-ZIP accepts the crafted zip")
    }

    func testLinksAndSpecialFilesFromAnyHostAreRefusedBeforeInflating() throws {
        let zip = try craft("links.zip", """
            bag(z)
            z.add('bag/data/ntfs-link', b'/etc/passwd', method=0, host=10, attr=(0o120777 << 16) | 0x20)
            z.add('bag/data/dos-link', b'/etc/shadow', method=0, host=0, attr=0o120777 << 16)
            z.add('bag/data/mac-link', b'../../x', method=0, host=19, attr=0o120755 << 16)
            z.add('bag/data/fifo', b'', method=0, host=0, attr=0o010644 << 16)
            z.add('bag/data/dir-as-file', b'', method=0, host=0, attr=0x10)
            """)
        let report = try refused(zip, [
            "entry 'bag/data/ntfs-link' is a symbolic link (mode 120777, made on Windows NTFS (host 10))",
            "entry 'bag/data/dos-link' is a symbolic link (mode 120777, made on MS-DOS/Windows (host 0))",
            "entry 'bag/data/mac-link' is a symbolic link (mode 120755, made on macOS (host 19))",
            "entry 'bag/data/fifo' is not a plain file or folder (mode 10644",
            "entry 'bag/data/dir-as-file' is named as a file but marked as a folder",
        ])
        XCTAssertEqual(report.inflatedBytes, 0)
    }

    func testOverlappingEntriesZipBombIsRefusedBeforeInflating() throws {
        // Ten entries whose directory records point at one local header and its 8 MiB kernel of
        // zeros (deflated to about 8 kB): 80 MiB inflated from a zip of a few kilobytes.
        let zip = try craft("overlap.zip", """
            bag(z)
            kernel = z.add('bag/data/bomb-0', bytes(8 << 20))
            for i in range(1, 10):
                z.cd.append(z.cd[-1][:46] + ('bag/data/bomb-%d' % i).encode())
            """)
        let size = try FileManager.default.attributesOfItem(atPath: zip.path)[.size] as! Int
        XCTAssertLessThan(size, 64 << 10)
        let report = try refused(zip, ["entries 'bag/data/bomb-0'", "overlap: their compressed data is shared, as in a zip bomb"])
        XCTAssertEqual(report.inflatedBytes, 0)

        // The other kind: an entry whose data runs into the next entry's header and data.
        let quoted = try craft("overlap-quoted.zip", """
            bag(z)
            z.add('bag/data/one', bytes(1 << 20))
            z.add('bag/data/two', bytes(1 << 20))
            one = z.cd[-2]
            z.cd[-2] = one[:20] + struct.pack('<I', struct.unpack('<I', one[20:24])[0] + 100) + one[24:]
            """)
        let second = try refused(quoted, ["overlap"])
        XCTAssertEqual(second.inflatedBytes, 0)
    }

    func testImpossibleDeclaredSizesAreRefusedBeforeInflating() throws {
        let zip = try craft("sizes.zip", """
            bag(z)
            z.add('bag/data/huge', b'x' * 100, size=4_000_000_000)
            z.add('bag/data/stored', b'abc', method=0, size=3000)
            """)
        let report = try refused(zip, [
            "entry 'bag/data/huge' declares 4000000000 bytes from",
            "more than deflate can produce (1032:1)",
            "entry 'bag/data/stored' is stored uncompressed but declares 3000 bytes for 3 stored bytes",
        ])
        XCTAssertEqual(report.inflatedBytes, 0)
    }

    func testALyingDeclaredSizeStopsAtTheFirstBytePastIt() throws {
        // 8 MiB of zeros declared as 1,000 bytes (a ratio deflate can reach, so only inflating
        // shows the lie): reading stops at byte 1,001, not at the end of the 8 MiB.
        let zip = try craft("liar.zip", """
            bag(z, files={'data/a.txt': b'hello', 'data/liar.bin': bytes(1000)})
            body = deflate(bytes(8 << 20))
            off = len(z.out)
            n = b'bag/data/liar.bin'
            crc = zlib.crc32(bytes(1000))
            # Replace the honest entry by one whose data is the 8 MiB stream under the same size.
            i = [k for k, c in enumerate(z.cd) if c.endswith(n)][0]
            z.out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0x800, 8, 0, 0x21, crc, len(body), 1000, len(n), 0) + n + body
            z.cd[i] = z.cd[i][:20] + struct.pack('<I', len(body)) + z.cd[i][24:42] + struct.pack('<I', off) + n
            # The honest entry's bytes stay in the file, unreferenced.
            """)
        let report = try refused(zip, ["bag/data/liar.bin inflates to more than the 1000 bytes its entry declares: refused at byte 1001"])
        XCTAssertLessThan(report.inflatedBytes, 8 << 10, "at most the declared sizes and one byte")
    }

    func testAFileAndAFolderOfOneNameAreRefused() throws {
        let zip = try craft("clash.zip", """
            bag(z, files={'data/a.txt': b'hello', 'data/x': b'file', 'data/y': b'file', 'data/y/z': b'inside'})
            z.add('bag/data/x/', b'', method=0, attr=(0o040755 << 16) | 0x10)
            """)
        let report = try refused(zip, [
            "entry 'bag/data/x' is both a file and a folder",
            "entry 'bag/data/y' is both a file and a folder",
        ])
        XCTAssertEqual(report.inflatedBytes, 0)
    }

    func testAManifestListingOneFileTwiceIsRefused() throws {
        let zip = try craft("twice.zip", """
            bag(z, manifest_extra=hashlib.sha256(b'hello').hexdigest().encode() + b'  data/a.txt\\n')
            """)
        try refused(zip, ["manifest-sha256.txt:2: data/a.txt is listed twice"])
    }

    func testATagFileOver16MiBIsTooLargeNotMissing() throws {
        let zip = try craft("bigtag.zip", """
            bag(z, info_extra=b'X-Padding: ' + b'p' * (17 << 20) + b'\\n')
            """)
        let report = try refused(zip, ["bag-info.txt declares 17825822 bytes: too large for a tag file (at most 16 MiB)"])
        XCTAssertFalse(report.problems.contains { $0.contains("missing") }, "\(report.problems)")
        XCTAssertEqual(report.inflatedBytes, 0)
    }
}
