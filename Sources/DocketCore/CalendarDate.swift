/// Dates as people write them on Japanese casework: `2025-05-12`, `令和7年5月12日` (元年 for an
/// era's first year, full-width digits allowed), or `R7.5.12` (also `R07.05.12`, `H31.4.30`,
/// `R7/5/12`). Every form reads to `YYYY-MM-DD`; an impossible day is named as such
/// ("February has no 30th"), and a shape that is no date says which shapes are.
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

    public static let shapes = "YYYY-MM-DD (2025-05-12), 令和7年5月12日 or R7.5.12"

    /// Whether `text` is a real day written `YYYY-MM-DD` (how Docket stores dates).
    public static func isDay(_ text: String) -> Bool {
        text.utf8.count == 10 && text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil && (try? parse(text).get()) == text
    }

    /// The date as `YYYY-MM-DD`, or why `text` is not one.
    public static func parse(_ raw: String) -> Result<String, DateProblem> {
        let text = String(String.UnicodeScalarView(raw.trimmingWhitespace.unicodeScalars.map { u in
            // Full-width digits and punctuation to ASCII.
            (0xFF10...0xFF19).contains(u.value) || u.value == 0xFF0E || u.value == 0xFF0F || u.value == 0xFF0D
                ? Unicode.Scalar(u.value - 0xFEE0)! : u
        }))
        var era: Era?
        var rest = Substring(text)
        for e in eras {
            if rest.hasPrefix(e.name) { era = e; rest = rest.dropFirst(e.name.count); break }
            if let first = rest.first, first.uppercased() == e.letter, rest.dropFirst().first?.isNumber == true || rest.dropFirst().hasPrefix("元") {
                era = e; rest = rest.dropFirst(); break
            }
        }
        let numbers: [Int]
        if era != nil {
            var body = String(rest)
            if body.hasPrefix("元") { body = "1" + body.dropFirst() }
            let separated = body.replacingOccurrences(of: "年", with: ".").replacingOccurrences(of: "月", with: ".")
                .replacingOccurrences(of: "日", with: "").replacingOccurrences(of: "/", with: ".")
            let parts = separated.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCIIDigit) }) else {
                return .failure(.shape(raw))
            }
            numbers = parts.map { Int($0)! }
        } else {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
                  parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return .failure(.shape(raw)) }
            numbers = parts.map { Int($0)! }
        }
        var (y, m, d) = (numbers[0], numbers[1], numbers[2])
        if let era { y = era.start.0 + y - 1 }
        guard (1...12).contains(m) else { return .failure(.impossible(raw, "there is no month \(m)")) }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d >= 1, d <= days[m - 1] else {
            if d == 0 { return .failure(.impossible(raw, "there is no day 0")) }
            return .failure(.impossible(raw, "\(monthNames[m - 1]) \(m == 2 ? "\(y) " : "")has no \(ordinal(d)) (it has \(days[m - 1]) days)"))
        }
        if let era {
            let index = eras.firstIndex { $0.name == era.name }!
            if (y, m, d) < era.start {
                return .failure(.impossible(raw, "\(era.name) began on \(iso(era.start)); \(iso((y, m, d))) is before it"))
            }
            if index > 0, (y, m, d) >= eras[index - 1].start {
                return .failure(.impossible(raw, "\(era.name) ended before \(iso(eras[index - 1].start)) (\(eras[index - 1].name) began); write \(iso((y, m, d))) as a \(eras[index - 1].name) date"))
            }
        }
        return .success(iso((y, m, d)))
    }

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
    /// Written as a date that does not exist.
    case impossible(String, String)

    public var description: String {
        switch self {
        case .shape(let text): return "'\(text)' is not a date: write \(CalendarDate.shapes)"
        case .impossible(let text, let why): return "'\(text)' is not a real date: \(why)"
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
