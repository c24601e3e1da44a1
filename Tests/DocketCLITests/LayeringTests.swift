import Foundation
import XCTest

/// The package's layout, read from Package.swift (through `swift package dump-package`) and the
/// sources: every module a target imports is declared, and the arrows point one way.
final class LayeringTests: XCTestCase {
    /// Modules of the toolchain, imported without a declaration.
    static let system: Set<String> = ["Foundation", "FoundationNetworking", "FoundationEssentials", "Glibc", "Darwin", "Dispatch",
                                      "XCTest", "Synchronization", "CSQLite_System"]

    /// The layers, lowest first: a module may import only modules of its own layer or below.
    static let layers: [Set<String>] = [
        ["CLibYAML", "CLibZip", "CLibDeflate", "CLibCrypto", "CSQLite", "CGlibc", "DocketPluginKit"],
        ["DocketYAML"],
        ["DocketCore"],
        ["DocketCouncil", "DocketWorkspace", "DocketArchive", "DocketPlugins", "DocketAccounts", "DocketSeal"],
        ["DocketSteps", "DocketIndex"],
        ["DocketMeetings"],
        ["DocketServices"],
        ["DocketBoard", "docket", "docket-bench", "DocketTestSupport", "mailing-serial-check"],
    ]

    struct Target {
        var name: String
        var folder: URL
        var declared: Set<String>
        var isTest: Bool
    }

    func targets() throws -> [Target] {
        let root = CLI.packageRoot
        // A scratch folder of its own: the package's .build is locked by the `swift test`
        // running this test.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layering-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let swift = ["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "swift"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [swift, "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "swift package dump-package")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try XCTUnwrap(json["targets"] as? [[String: Any]])
        return list.map { t in
            let name = t["name"] as! String
            let type = t["type"] as! String
            let deps = (t["dependencies"] as? [[String: Any]] ?? []).compactMap { d -> String? in
                for key in ["byName", "product", "target"] { if let v = d[key] as? [Any], let n = v.first as? String { return n } }
                return nil
            }
            let isTest = type == "test"
            let path = (t["path"] as? String) ?? ((isTest ? "Tests/" : "Sources/") + name)
            return Target(name: name, folder: root.appendingPathComponent(path), declared: Set(deps), isTest: isTest)
        }
    }

    /// The modules the Swift files under `folder` import.
    func imports(in folder: URL) -> Set<String> {
        var found: Set<String> = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                // Column-0 imports of capitalised modules (Python inside string literals is lower case).
                guard let match = line.wholeMatch(of: /(?:@testable |@_exported )?import ([A-Z][A-Za-z0-9_]*)/) else { continue }
                found.insert(String(match.1))
            }
        }
        return found
    }

    func testEveryImportedModuleIsDeclaredInPackageSwift() throws {
        for target in try targets() where FileManager.default.fileExists(atPath: target.folder.path) {
            let undeclared = imports(in: target.folder).subtracting(Self.system).subtracting(target.declared).subtracting([target.name])
            XCTAssertTrue(undeclared.isEmpty, "\(target.name) imports \(undeclared.sorted()) without declaring it in Package.swift")
        }
    }

    func testTheArrowsPointOneWay() throws {
        func layer(_ name: String) -> Int? { Self.layers.firstIndex { $0.contains(name) } }
        for target in try targets() where !target.isTest {
            guard let own = layer(target.name) else {
                XCTFail("\(target.name) is in no layer of LayeringTests.layers: place it there (and in README's picture)")
                continue
            }
            for module in imports(in: target.folder) {
                guard let theirs = layer(module) else { continue }  // a package dependency
                XCTAssertLessThanOrEqual(theirs, own, "\(target.name) imports \(module), a module above it: the arrow points the wrong way")
            }
        }
    }
}
