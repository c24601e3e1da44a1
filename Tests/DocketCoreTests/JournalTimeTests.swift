import DocketCore
import Foundation
import XCTest

/// `JournalTime` against Foundation's parser and formatter, the outside oracle, on timestamps
/// spread over two centuries and the zones' changes (New York's daylight saving).
final class JournalTimeTests: XCTestCase {
    func testWallTimeAgreesWithFoundationAcrossZonesAndYears() throws {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var rng = SystemRandomNumberGenerator()
        for zoneName in ["Asia/Tokyo", "America/New_York", "UTC"] {
            let zone = try XCTUnwrap(TimeZone(identifier: zoneName))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            for _ in 0..<2_000 {
                let instant = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: -2_000_000_000...4_000_000_000, using: &rng)))
                let iso = parser.string(from: instant)  // 2022-06-27T05:00:00.000Z
                let f = try XCTUnwrap(JournalTime.fields(iso), iso)
                let t = JournalTime.seconds(f)
                XCTAssertEqual(t, Int(instant.timeIntervalSince1970), iso)
                let w = JournalTime.wallTime(t, offset: zone.secondsFromGMT(for: instant))
                let text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", w.year, w.month, w.day, w.hour, w.minute, w.second)
                XCTAssertEqual(text, formatter.string(from: instant), "\(iso) in \(zoneName)")
            }
        }
    }

    func testOnlyTheJournalsFormIsRead() {
        XCTAssertEqual(JournalTime.fields("2022-06-27T05:00:00Z"), JournalTime.Fields(year: 2022, month: 6, day: 27, hour: 5, minute: 0, second: 0))
        XCTAssertEqual(JournalTime.fields("2024-02-29T23:59:59.123456Z")?.second, 59)
        XCTAssertEqual(JournalTime.fields("2022-06-27T05:00")?.minute, 0)
        for bad in ["2023-02-29T00:00:00Z", "2022-13-01T00:00Z", "2022-06-27 05:00:00Z", "2022-06-27T24:00Z", "2022-06-27T05:00:00+09:00",
                    "2022-06-27T05:00:00.Z", "２０２２-06-27T05:00Z", "", "2022-06-27"] {
            XCTAssertNil(JournalTime.fields(bad), bad)
        }
    }
}
