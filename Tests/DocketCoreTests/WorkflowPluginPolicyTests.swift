import DocketCore
import DocketYAML
import XCTest

/// A workflow's `plugins:` key: what it requires of every plugin step of its cases.
final class WorkflowPluginPolicyTests: XCTestCase {
    let loader = WorkflowLoader(registry: testRegistry())

    func load(_ top: String) throws -> Workflow {
        let sandbox = try Sandbox()
        let path = try sandbox.write("w.yaml", "docket: 1\nname: w\n\(top)steps:\n  - id: a\n    uses: echo\n    with: {message: x}\n")
        return try loader.load(path: path)
    }

    func errors(_ top: String) -> [String] {
        diagnostics { _ = try load(top) }.map { String($0[$0.range(of: "w.yaml:")!.lowerBound...]) }
    }

    func testIsolationIsReadAndAbsentMeansNoRequirement() throws {
        XCTAssertEqual(try load("plugins:\n  isolation: bubblewrap\n").plugins.isolation, "bubblewrap")
        XCTAssertEqual(try load("plugins: {isolation: process}\n").plugins.isolation, "process")
        XCTAssertNil(try load("").plugins.isolation)
    }

    func testBadValuesAndKeysAreRejectedAtTheirPlaceWithASuggestion() {
        XCTAssertEqual(errors("plugins:\n  isolation: bubblewarp\n"), [
            "w.yaml:4:14: error: 'isolation' of 'plugins' must be process or bubblewrap, not 'bubblewarp'; did you mean 'bubblewrap'? "
                + "('bubblewrap': no plugin step of a case under this workflow runs unconfined by it)"])
        XCTAssertEqual(errors("plugins:\n  isolaton: bubblewrap\n"), ["w.yaml:4:3: error: unknown key 'isolaton' in 'plugins'; did you mean 'isolation'?"])
        XCTAssertEqual(errors("plugins: bubblewrap\n").count, 1)
        XCTAssertEqual(errors("plugin:\n  isolation: bubblewrap\n"), ["w.yaml:3:1: error: unknown key 'plugin' in the workflow; did you mean 'plugins'?"])
    }
}
