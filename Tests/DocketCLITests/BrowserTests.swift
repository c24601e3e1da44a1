import Foundation
import XCTest

/// The board in a real browser: runs `scripts/browser-test` (Debian's chromium driven by
/// Playwright for Python through the 2022-06-27 meeting's first item, as every role) on the
/// built `docket`. Screenshots land in .build/browser-artifacts. Fails, naming what is missing,
/// when chromium or Playwright is not installed (`make test` installs them first).
final class BrowserTests: XCTestCase {
    func testTheMeetingRunsThroughTheBoardInChromium() throws {
        let missing = Self.missingTools()
        if !missing.isEmpty {
            let message = "the browser test needs \(missing.joined(separator: " and ")) (scripts/install-deps installs them)"
            XCTFail(message + "; make test runs it after installing them")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [CLI.packageRoot.appendingPathComponent("scripts/browser-test").path]
        process.currentDirectoryURL = CLI.packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKET_BIN"] = CLI.binary.path
        environment.removeValue(forKey: "DOCKET_ROOT")
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("docket-browser-test-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let log = try String(contentsOf: output, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 0, "scripts/browser-test failed:\n\(log)")
        XCTAssertTrue(log.contains("browser test: all"), "scripts/browser-test did not report its steps:\n\(log)")
    }

    /// What the test needs that is not there: the system chromium and Playwright for Python.
    static func missingTools() -> [String] {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") { missing.append("chromium") }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import playwright"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        if (try? probe.run()) == nil { missing.append("python3") } else {
            probe.waitUntilExit()
            if probe.terminationStatus != 0 { missing.append("Playwright for Python") }
        }
        return missing
    }
}
