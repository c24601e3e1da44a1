import Foundation
import XCTest

/// What `docket new` says when it opens a case: the number of steps in words that agree with it.
final class NewWordingTests: XCTestCase {
    func testOpenedCaseCountsItsStepsInGoodEnglish() throws {
        let ws = try Workspace(copyWorkflows: false)
        let step = "  - id: STEP\n    uses: render\n    with: {output: STEP.md, text: '{{case.id}}'}\n"
        let one = try ws.write("one.yaml", "docket: 1\nname: one\nsteps:\n" + step.replacingOccurrences(of: "STEP", with: "a"))
        let two = try ws.write("two.yaml", "docket: 1\nname: two\nsteps:\n"
            + step.replacingOccurrences(of: "STEP", with: "a") + step.replacingOccurrences(of: "STEP", with: "b"))

        var r = try ws.cli("new", one, "--case", "c1")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("opened case c1 under workflow 'one' (1 step); next: docket run c1"), r.out)

        r = try ws.cli("new", two, "--case", "c2")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("opened case c2 under workflow 'two' (2 steps); next: docket run c2"), r.out)
    }
}
