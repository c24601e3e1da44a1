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

    func testLenientForms() {
        for text in ["2026-11-20", "2026/11/20", "2026.11.20", "2026年11月20日", "令和8年11月20日", "R8.11.20", "r8/11/20",
                     "R08.11.20", "２０２６／１１／２０", "２０２６－１１－２０", "令和８年１１月２０日", " 2026/11/20 ", "\u{3000}R8.11.20\u{3000}",
                     "令和 8年 11月 20日", "2026/11/20（金）", "2026/11/20(金)", "2026-11-20 （金曜日）", "令和8年11月20日(金曜)",
                     "R8.11.20（金）", "２０２６／１１／２０（金）", "2026−11−20"] {
            XCTAssertEqual(iso(text), "2026-11-20", text)
        }
        XCTAssertEqual(iso("令和元年5月1日（水）"), "2019-05-01")
        XCTAssertEqual(iso("R元.5.1"), "2019-05-01")
        XCTAssertEqual(iso("2026/1/5"), "2026-01-05")
    }

    func testLenientFormsStillRefuse() {
        XCTAssertEqual(problem("2026-02-30"), "'2026-02-30' is not a real date: February 2026 has no 30th (it has 28 days)")
        XCTAssertEqual(problem("2026/02/30"), "'2026/02/30' is not a real date: February 2026 has no 30th (it has 28 days)")
        XCTAssertEqual(problem("2026/11/20（木）"), "'2026/11/20（木）' is not a real date: 2026-11-20 is a Friday, not a Thursday")
        XCTAssertEqual(problem("2026/11-20"), "'2026/11-20' is not a date: write \(CalendarDate.shapes)", "one kind of separator")
        XCTAssertEqual(problem("26/11/20"), "'26/11/20' is not a date: write \(CalendarDate.shapes)", "a year of four digits")
        XCTAssertEqual(problem("2026/11/20（金）x"), "'2026/11/20（金）x' is not a date: write \(CalendarDate.shapes)")
        XCTAssertEqual(problem("2026/11/20（祝）"), "'2026/11/20（祝）' is not a date: write \(CalendarDate.shapes)")
    }

    func testProblemsInJapanese() {
        func japanese(_ text: String) -> String {
            if case .failure(let p) = CalendarDate.parse(text) { return p.japanese }
            return "parsed"
        }
        XCTAssertEqual(japanese("2026/13/40"), "「2026/13/40」は実在しない日付です（13月はありません）。")
        XCTAssertEqual(japanese("2026-02-30"), "「2026-02-30」は実在しない日付です（2026年2月は28日までです）。")
        XCTAssertEqual(japanese("2026/11/0"), "「2026/11/0」は実在しない日付です（0日はありません）。")
        XCTAssertEqual(japanese("2026/11/20（木）"), "「2026/11/20（木）」は曜日が違います。2026年11月20日は金曜日です（木曜日ではありません）。")
        XCTAssertEqual(japanese("11月20日"), "「11月20日」は日付ではありません。2026-11-20、2026/11/20、令和8年11月20日、R8.11.20 のように入力してください。")
        XCTAssertEqual(japanese("平成31年5月1日"), "「平成31年5月1日」は実在しない日付です。平成は2019年4月30日までです（2019年5月1日から令和）。令和元年5月1日と書いてください。")
        XCTAssertEqual(japanese("令和1年4月30日"), "「令和1年4月30日」は実在しない日付です。令和は2019年5月1日からです。平成31年4月30日と書いてください。")
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
