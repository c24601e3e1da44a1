import DocketCore
import DocketCouncil
import Foundation
import XCTest

/// Era dates and fiscal years, the decision's words, and the answers register's numbering.
final class CalendarAndRegisterTests: XCTestCase {
    func testEraDatesWriteTheFirstYearAsGannen() {
        XCTAssertEqual(JapaneseDate.era("2022-06-27"), "令和4年6月27日")
        XCTAssertEqual(JapaneseDate.era("2019-05-01"), "令和元年5月1日")
        XCTAssertEqual(JapaneseDate.era("2019-04-30"), "平成31年4月30日")
        XCTAssertNil(JapaneseDate.era("2022-13-01"))
    }

    func testAFiscalYearRunsFromAprilToMarch() {
        XCTAssertEqual(JapaneseDate.fiscalYear("2022-04-01"), 2022)
        XCTAssertEqual(JapaneseDate.fiscalYear("2023-03-31"), 2022)
        XCTAssertEqual(JapaneseDate.fiscalYear(ofDay: "2023-03-31T23:59:59+09:00"), 2022, "a time after the day is ignored")
        XCTAssertNil(JapaneseDate.fiscalYear(ofDay: "someday"))
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2022), "令和4年度")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2019, on: "2019-06-01"), "令和元年度", "named in the era of the document's date")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2018, on: "2019-03-01"), "平成30年度")
    }

    func testAFiscalYearAsAPersonWritesIt() {
        for (text, year) in [("2025", 2025), ("R7", 2025), ("r7", 2025), ("令和7", 2025), ("令和7年度", 2025), ("令和元年度", 2019), (" 2022 ", 2022)] {
            XCTAssertEqual(JapaneseDate.fiscalYear(parsing: text), year, text)
        }
        for text in ["someday", "R", "令和", "1800", "R100"] {
            XCTAssertNil(JapaneseDate.fiscalYear(parsing: text), text)
        }
    }

    func testTheDecisionHasOneVocabulary() {
        XCTAssertEqual(Decision(approved: true).label, "承認")
        XCTAssertEqual(Decision(approved: false).label, "不承認")
        XCTAssertEqual(Decision(label: " 不承認 "), .rejected)
        XCTAssertNil(Decision(label: "可決"))
        XCTAssertEqual(Decision.choices, "「承認」か「不承認」")
    }

    func testAnswerNumbersCountPerFiscalYearAndAreKeptForTheSameStep() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("register-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let register = AnswerRegister(root: root)
        XCTAssertEqual(try register.number(fiscalYear: 2022, caseID: "a", step: "answer", issued: "2022-06-27", label: { AnswerNumberFormat.standard.label(yearLabel: "令和4年度", number: $0) }), 1)
        XCTAssertEqual(try register.number(fiscalYear: 2022, caseID: "b", step: "answer", issued: "2022-06-27", label: { AnswerNumberFormat.standard.label(yearLabel: "令和4年度", number: $0) }), 2)
        XCTAssertEqual(try register.number(fiscalYear: 2022, caseID: "a", step: "answer", issued: "2022-07-01"), 1, "the same answer keeps its number")
        XCTAssertEqual(try register.number(fiscalYear: 2023, caseID: "c", step: "answer", issued: "2023-04-10"), 1, "a new year starts at 1")
        XCTAssertEqual(try register.entries(fiscalYear: 2022).map(\.label), ["令和4年度第1号", "令和4年度第2号"])
        XCTAssertEqual(AnswerNumberFormat.standard.label(yearLabel: "令和4年度", number: nil), "令和4年度第　号（案）")
        XCTAssertEqual(AnswerNumberFormat(pattern: "み個審答第{番号}号").label(yearLabel: "令和4年度", number: 7), "み個審答第7号")
        XCTAssertEqual(AnswerNumberFormat(pattern: "み個審答第{番号}号").label(yearLabel: "令和4年度", number: nil), "み個審答第　号（案）")
        XCTAssertEqual(register.fiscalYears().sorted(), [2022, 2023])
    }

    func testAnIssuedAnswerIsWithdrawnOnlyWhileItsCaseStaysWithdrawn() {
        XCTAssertEqual(AnswerRegister.state(afterIssue: ["completed"]), "issued")
        XCTAssertEqual(AnswerRegister.state(afterIssue: ["completed", "withdrawn"]), "withdrawn")
        XCTAssertEqual(AnswerRegister.state(afterIssue: ["completed", "withdrawn", "reopened"]), "issued")
    }
}
