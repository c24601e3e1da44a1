import Foundation

extension JapaneseDate {
    /// The eras a fiscal year can be named in, newest first: name and first calendar year.
    static let eras: [(name: String, start: String)] = [("令和", "2019-05-01"), ("平成", "1989-01-08"), ("昭和", "1926-12-25")]

    /// The fiscal year as a document dated `iso` names it: in the era of that date, so an
    /// answer of 2019-06-01 is in 令和元年度 (FY2019 began on 平成31年4月1日). Without a date,
    /// or for a date before the year's 1 April, the era of its 1 April.
    public static func fiscalYearLabel(_ year: Int, on iso: String?) -> String {
        guard let iso, fiscalYear(iso) == year, let era = eras.first(where: { $0.start <= iso }),
              let eraYear = Int(era.start.prefix(4)) else { return fiscalYearLabel(year) }
        let n = year - eraYear + 1
        guard n >= 1 else { return fiscalYearLabel(year) }
        return "\(era.name)\(n == 1 ? "元" : String(n))年度"
    }
}
