import DocketCore
import DocketYAML
import XCTest

final class CalendarDateTests: XCTestCase {
    func iso(_ text: String) -> String? {
        if case .success(let d) = CalendarDate.parse(text) { return d }
        return nil
    }

    func problem(_ text: String) -> String {
        if case .failure(let p) = CalendarDate.parse(text) { return p.description }
        return "parsed"
    }

    func testEveryWrittenFormReadsToISO() {
        XCTAssertEqual(iso("2025-05-12"), "2025-05-12")
        XCTAssertEqual(iso("令和7年5月12日"), "2025-05-12")
        XCTAssertEqual(iso("令和元年5月1日"), "2019-05-01")
        XCTAssertEqual(iso("R7.5.12"), "2025-05-12")
        XCTAssertEqual(iso("r07.05.12"), "2025-05-12")
        XCTAssertEqual(iso("H31.4.30"), "2019-04-30")
        XCTAssertEqual(iso("平成元年1月8日"), "1989-01-08")
        XCTAssertEqual(iso("昭和64年1月7日"), "1989-01-07")
        XCTAssertEqual(iso("令和７年５月１２日"), "2025-05-12", "full-width digits")
        XCTAssertEqual(iso(" 2024-02-29 "), "2024-02-29")
    }

    func testImpossibleDatesAreNamed() {
        XCTAssertEqual(problem("2025-02-30"), "'2025-02-30' is not a real date: February 2025 has no 30th (it has 28 days)")
        XCTAssertEqual(problem("2025-04-31"), "'2025-04-31' is not a real date: April has no 31st (it has 30 days)")
        XCTAssertEqual(problem("2025-13-01"), "'2025-13-01' is not a real date: there is no month 13")
        XCTAssertTrue(problem("平成31年5月1日").contains("平成 ended before 2019-05-01"))
        XCTAssertTrue(problem("令和1年4月30日").contains("令和 began on 2019-05-01"))
        XCTAssertEqual(problem("5月12日"), "'5月12日' is not a date: write \(CalendarDate.shapes)")
        XCTAssertEqual(problem("R7.5"), "'R7.5' is not a date: write \(CalendarDate.shapes)")
    }

    func testTemplateReferencesAndSections() {
        let scan = TemplateReferences.scan("{{#inputs.items}}\n- {{.}} {{inputs.nosuch}}\n{{/inputs.items}}\n{{! note }}{{{case.id}}} {{x.y}}\n{{#a}}")
        XCTAssertEqual(scan.references.map { $0.path.joined(separator: ".") }, ["inputs.items", "inputs.nosuch", "case.id"])
        XCTAssertEqual(scan.references[1].mark, Mark(line: 2, column: 9))
        XCTAssertEqual(scan.problems.map(\.mark), [Mark(line: 5, column: 1)])
        XCTAssertTrue(scan.problems[0].message.contains("'{{#a}}' opened here is never closed"))
        let wrong = TemplateReferences.scan("{{#a}}x{{/b}}")
        XCTAssertTrue(wrong.problems.first?.message.contains("the section open here is 'a'") ?? false, "\(wrong.problems)")
    }
}
