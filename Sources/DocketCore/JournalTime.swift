import Foundation

/// A journal's timestamps (`YYYY-MM-DDTHH:MM[:SS[.digits]][Z]`, UTC) read and shown as wall time
/// in a zone with integer arithmetic. `status` shows 200,000 of them for 100,000 cases and the
/// board hundreds per page; Foundation's ISO 8601 parser costs tens of microseconds each (it
/// clones an ICU formatter per call), which was most of a case page's time.
public enum JournalTime {
    public struct Fields: Equatable, Sendable {
        public var year, month, day, hour, minute, second: Int

        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        }
    }

    /// The fields of `YYYY-MM-DDTHH:MM[:SS[.digits]][Z]` with every field in its range, else nil.
    public static func fields(_ b: UnsafeBufferPointer<UInt8>) -> Fields? {
        guard b.count >= 16, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A else { return nil }
        func number(_ from: Int, _ to: Int) -> Int? {
            var n = 0
            for i in from..<to {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0, 4), let month = number(5, 7), let day = number(8, 10), let hour = number(11, 13),
              let minute = number(14, 16) else { return nil }
        var second = 0, i = 16
        if i < b.count && b[i] == 0x3A {
            guard b.count >= 19, let s = number(17, 19) else { return nil }
            second = s
            i = 19
            if i < b.count && b[i] == 0x2E {
                i += 1
                let start = i
                while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                guard i > start else { return nil }
            }
        }
        if i < b.count && b[i] == 0x5A { i += 1 }
        guard i == b.count, year >= 1000, (1...12).contains(month), day >= 1, day <= monthDays(year, month),
              hour < 24, minute < 60, second < 60 else { return nil }
        return Fields(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// `fields` of a string.
    public static func fields(_ text: String) -> Fields? {
        var text = text
        return text.withUTF8 { fields($0) }
    }

    /// Seconds since 1970 (UTC) of `f`.
    public static func seconds(_ f: Fields) -> Int {
        days(year: f.year, month: f.month, day: f.day) * 86_400 + f.hour * 3_600 + f.minute * 60 + f.second
    }

    /// The wall time `offset` seconds from UTC at `t` seconds since 1970.
    public static func wallTime(_ t: Int, offset: Int) -> Fields {
        let local = t + offset
        let localDays = floorDivide(local, 86_400), rest = local - localDays * 86_400
        let (y, m, d) = civil(localDays)
        return Fields(year: y, month: m, day: d, hour: rest / 3_600, minute: rest % 3_600 / 60, second: rest % 60)
    }

    static func monthDays(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day since 1970-01-01 (`civil_from_days`).
    public static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func floorDivide(_ a: Int, _ d: Int) -> Int { a >= 0 ? a / d : -((-a + d - 1) / d) }
}
