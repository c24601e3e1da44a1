import Foundation

/// Dates as Japanese official documents write them: in the Japanese era (令和4年6月27日, with
/// 元年 for an era's first year) and by fiscal year (年度, April to March).
public enum JapaneseDate {
    static func parse(_ iso: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Tokyo")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: iso)
    }

    static func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .japanese)
        f.locale = Locale(identifier: "ja_JP")
        f.timeZone = TimeZone(identifier: "Asia/Tokyo")
        f.dateFormat = pattern
        var text = f.string(from: date)
        // ICU writes 元年 already; keep the rule even where it does not.
        for era in ["令和", "平成", "昭和"] where text.hasPrefix("\(era)1年") {
            text = "\(era)元年" + text.dropFirst(era.count + 2)
        }
        return text
    }

    /// `2022-06-27` → `令和4年6月27日`; nil if not a date.
    public static func era(_ iso: String) -> String? {
        parse(iso).map { format($0, "GGGGy年M月d日") }
    }

    /// The fiscal year (April–March) a date falls in, by its starting calendar year.
    public static func fiscalYear(_ iso: String) -> Int? {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return parts[1] >= 4 ? parts[0] : parts[0] - 1
    }

    /// `2022` → `令和4年度`.
    public static func fiscalYearLabel(_ year: Int) -> String {
        guard let april = parse(String(format: "%04d-04-01", year)) else { return "\(year)年度" }
        return format(april, "GGGGy") + "年度"
    }

    /// A fiscal year as a person writes it: `2025`, `R7`, `令和7` (年度 allowed) → 2025.
    public static func fiscalYear(parsing text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("年度") { t.removeLast(2) }
        if let y = Int(t), (1900...2999).contains(y) { return y }
        for prefix in ["令和", "R", "r"] where t.hasPrefix(prefix) {
            let rest = t.dropFirst(prefix.count)
            if rest == "元" { return 2019 }
            if let n = Int(rest), (1...99).contains(n) { return 2018 + n }
        }
        return nil
    }

    /// The fiscal year of a day written `YYYY-MM-DD` (anything after the day, such as a time,
    /// is ignored): a year starts on 1 April.
    public static func fiscalYear(ofDay text: String) -> Int? {
        fiscalYear(String(text.prefix(10)))
    }
}
