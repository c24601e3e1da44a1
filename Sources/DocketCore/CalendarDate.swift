/// Dates as people write them on Japanese casework: `2025-05-12`, `2025/5/12`, `2025.5.12`,
/// `2025年5月12日`, `令和7年5月12日` (元年 for an era's first year), or `R7.5.12` (also `R07.05.12`,
/// `H31.4.30`, `R7/5/12`); full-width digits and punctuation (２０２５／５／１２), spaces around
/// and inside, and a weekday in brackets after it (（月）, (月), （月曜日）) are allowed. Every form
/// reads to `YYYY-MM-DD`; an impossible day is named as such ("February has no 30th"), a weekday
/// that is not the date's is refused naming the date's, and a shape that is no date says which
/// shapes are. Each problem reads in English (`description`) and in Japanese (`japanese`).
public enum CalendarDate {
    struct Era {
        var name, letter: String
        /// First day, as (year, month, day); the era's year 1 is `start.0`.
        var start: (Int, Int, Int)
    }

    static let eras = [
        Era(name: "令和", letter: "R", start: (2019, 5, 1)),
        Era(name: "平成", letter: "H", start: (1989, 1, 8)),
        Era(name: "昭和", letter: "S", start: (1926, 12, 25)),
        Era(name: "大正", letter: "T", start: (1912, 7, 30)),
        Era(name: "明治", letter: "M", start: (1868, 10, 23)),
    ]

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]
    /// Sunday first, as `weekday(_:)` counts.
    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let weekdayKanji: [Character] = ["日", "月", "火", "水", "木", "金", "土"]

    public static let shapes = "YYYY-MM-DD (2025-05-12), 令和7年5月12日 or R7.5.12"
    /// The shapes, as a Japanese sentence asking for one of them.
    public static let japaneseShapes = "2026-11-20、2026/11/20、令和8年11月20日、R8.11.20 のように入力してください。"

    /// Whether `text` is a real day written `YYYY-MM-DD` (how Docket stores dates).
    public static func isDay(_ text: String) -> Bool {
        text.utf8.count == 10 && text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil && (try? parse(text).get()) == text
    }

    /// Why a text is not a date, in terms both languages word.
    enum Reason: Error, Equatable {
        case shape
        case noMonth(Int)
        case noDayZero
        case tooFewDays(year: Int, month: Int, day: Int, days: Int)
        case beforeEra(era: String, start: (Int, Int, Int), date: (Int, Int, Int))
        case afterEra(era: String, next: String, nextStart: (Int, Int, Int), date: (Int, Int, Int))
        case weekday(date: (Int, Int, Int), written: Int, actual: Int)

        static func == (a: Reason, b: Reason) -> Bool { a.english == b.english }

        var english: String {
            switch self {
            case .shape: return ""
            case .noMonth(let m): return "there is no month \(m)"
            case .noDayZero: return "there is no day 0"
            case .tooFewDays(let y, let m, let d, let days):
                return "\(monthNames[m - 1]) \(m == 2 ? "\(y) " : "")has no \(ordinal(d)) (it has \(days) days)"
            case .beforeEra(let era, let start, let date):
                return "\(era) began on \(iso(start)); \(iso(date)) is before it"
            case .afterEra(let era, let next, let nextStart, let date):
                return "\(era) ended before \(iso(nextStart)) (\(next) began); write \(iso(date)) as a \(next) date"
            case .weekday(let date, let written, let actual):
                return "\(iso(date)) is a \(weekdayNames[actual]), not a \(weekdayNames[written])"
            }
        }

        var japanese: String {
            switch self {
            case .shape: return ""
            case .noMonth(let m): return "\(m)月はありません"
            case .noDayZero: return "0日はありません"
            case .tooFewDays(let y, let m, _, let days): return "\(y)年\(m)月は\(days)日までです"
            case .beforeEra(let era, let start, let date):
                return "\(era)は\(kanjiDate(start))からです。\(CalendarDate.era(of: date).map { "\($0)と書いてください" } ?? "")"
            case .afterEra(let era, let next, let nextStart, let date):
                return "\(era)は\(kanjiDate(dayBefore(nextStart)))までです（\(kanjiDate(nextStart))から\(next)）。\(CalendarDate.era(of: date).map { "\($0)と書いてください" } ?? "")"
            case .weekday(let date, let written, let actual):
                return "\(kanjiDate(date))は\(weekdayKanji[actual])曜日です（\(weekdayKanji[written])曜日ではありません）"
            }
        }
    }

    /// The date as `YYYY-MM-DD`, or why `text` is not one.
    public static func parse(_ raw: String) -> Result<String, DateProblem> {
        switch check(raw) {
        case .success(let iso): return .success(iso)
        case .failure(.shape): return .failure(.shape(raw))
        case .failure(let reason): return .failure(.impossible(raw, reason.english))
        }
    }

    static func check(_ raw: String) -> Result<String, Reason> {
        // Full-width digits and punctuation to ASCII (NFKC), dashes and minus signs to '-',
        // every space out (「令和 8年 11月 20日」).
        var text = String(raw.precomposedStringWithCompatibilityMapping.unicodeScalars.compactMap { u -> Character? in
            if u.properties.isWhitespace { return nil }
            if [0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212, 0x30FC, 0xFF70].contains(u.value) { return "-" }
            return Character(u)
        })
        // A weekday in brackets after the date: (金), （金曜）, (金曜日).
        var written: Int?
        if let m = text.wholeMatch(of: /(.+?)[(\[]([日月火水木金土])(?:曜日?)?[)\]]/) {
            written = weekdayKanji.firstIndex(of: Character(String(m.output.2)))
            text = String(m.output.1)
        }
        var era: Era?
        var rest = Substring(text)
        for e in eras {
            if rest.hasPrefix(e.name) { era = e; rest = rest.dropFirst(e.name.count); break }
            if let first = rest.first, first.uppercased() == e.letter, rest.dropFirst().first?.isNumber == true || rest.dropFirst().hasPrefix("元") {
                era = e; rest = rest.dropFirst(); break
            }
        }
        var body = String(rest)
        if era != nil, body.hasPrefix("元") { body = "1" + body.dropFirst() }
        // 年 and 月 separate like '.', 日 ends; '/', '-' and '.' separate (one kind throughout).
        var separated = body
        if separated.hasSuffix("日"), separated.contains("年"), separated.contains("月") { separated.removeLast() }
        separated = separated.replacingOccurrences(of: "年", with: ".").replacingOccurrences(of: "月", with: ".")
        let separators = Set(separated.filter { $0 == "." || $0 == "/" || $0 == "-" })
        guard separators.count == 1, let separator = separators.first else { return .failure(.shape) }
        let parts = separated.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              parts[1].count <= 2, parts[2].count <= 2 else { return .failure(.shape) }
        if era != nil {
            guard parts[0].count <= 2 else { return .failure(.shape) }
        } else {
            guard parts[0].count == 4 else { return .failure(.shape) }
        }
        var (y, m, d) = (Int(parts[0])!, Int(parts[1])!, Int(parts[2])!)
        if let era { y = era.start.0 + y - 1 }
        guard (1...12).contains(m) else { return .failure(.noMonth(m)) }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d >= 1, d <= days[m - 1] else {
            if d == 0 { return .failure(.noDayZero) }
            return .failure(.tooFewDays(year: y, month: m, day: d, days: days[m - 1]))
        }
        if let era {
            let index = eras.firstIndex { $0.name == era.name }!
            if (y, m, d) < era.start {
                return .failure(.beforeEra(era: era.name, start: era.start, date: (y, m, d)))
            }
            if index > 0, (y, m, d) >= eras[index - 1].start {
                return .failure(.afterEra(era: era.name, next: eras[index - 1].name, nextStart: eras[index - 1].start, date: (y, m, d)))
            }
        }
        if let written, weekday((y, m, d)) != written {
            return .failure(.weekday(date: (y, m, d), written: written, actual: weekday((y, m, d))))
        }
        return .success(iso((y, m, d)))
    }

    /// The day of the week, 0 for Sunday (Sakamoto's method).
    static func weekday(_ date: (Int, Int, Int)) -> Int {
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = date.1 < 3 ? date.0 - 1 : date.0
        return (y + y / 4 - y / 100 + y / 400 + t[date.1 - 1] + date.2) % 7
    }

    /// The date in its era (令和元年5月1日), nil before 明治.
    static func era(of date: (Int, Int, Int)) -> String? {
        guard let e = eras.first(where: { date >= $0.start }) else { return nil }
        let year = date.0 - e.start.0 + 1
        return "\(e.name)\(year == 1 ? "元" : String(year))年\(date.1)月\(date.2)日"
    }

    /// The day before `date` (a real date after 1 January of year 1).
    static func dayBefore(_ date: (Int, Int, Int)) -> (Int, Int, Int) {
        let (y, m, d) = date
        if d > 1 { return (y, m, d - 1) }
        if m == 1 { return (y - 1, 12, 31) }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (y, m - 1, days[m - 2])
    }

    static func kanjiDate(_ date: (Int, Int, Int)) -> String { "\(date.0)年\(date.1)月\(date.2)日" }

    static func iso(_ date: (Int, Int, Int)) -> String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(date.0, 4))-\(pad(date.1, 2))-\(pad(date.2, 2))"
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}

/// Why a text is not a date.
public enum DateProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not written as a date at all.
    case shape(String)
    /// Written as a date that does not exist (or with a weekday that is not its own).
    case impossible(String, String)

    public var description: String {
        switch self {
        case .shape(let text): return "'\(text)' is not a date: write \(CalendarDate.shapes)"
        case .impossible(let text, let why): return "'\(text)' is not a real date: \(why)"
        }
    }

    /// The problem in Japanese, for the board: 「2026/13/40」は実在しない日付です（13月はありません）。
    public var japanese: String {
        switch self {
        case .shape(let text):
            return "「\(text)」は日付ではありません。\(CalendarDate.japaneseShapes)"
        case .impossible(let text, _):
            guard case .failure(let reason) = CalendarDate.check(text), reason != .shape else {
                return "「\(text)」は実在しない日付です。"
            }
            switch reason {
            case .weekday: return "「\(text)」は曜日が違います。\(reason.japanese)。"
            case .beforeEra, .afterEra: return "「\(text)」は実在しない日付です。\(reason.japanese)。"
            default: return "「\(text)」は実在しない日付です（\(reason.japanese)）。"
            }
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
