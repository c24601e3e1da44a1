import DocketCore
import DocketCouncil
import DocketYAML
import Foundation
import XCTest

/// The profile as the board writes it: `yamlText` reads back to the same profile through the
/// loader's own checks, for every form a profile takes, and the edits keep the loader's rules.
final class ProfileEditingTests: XCTestCase {
    func reread(_ r: CouncilRoster) throws -> CouncilRoster {
        try CouncilRoster.checked(r.yamlText, source: "council.yaml")
    }

    func testTheBundledProfileReadsBackTheSameAfterRewriting() throws {
        let original = try CouncilRoster.load(path: CouncilRulesTests.projectRoster.path)
        let again = try reread(original)
        XCTAssertEqual(again.changes(from: original), [], again.yamlText)
        XCTAssertEqual(again.chair, "委員01")
        XCTAssertEqual(again.membership(of: "委員01")?.role, .chair, "chair: by name becomes the member's role")
        XCTAssertEqual(again.seats, 21)
        XCTAssertFalse(again.yamlText.contains("seats:"), "21 members without terms: the seats are the members")
    }

    func testEveryKeyAndAwkwardNamesSurviveTheRoundTrip() throws {
        let text = """
            docket-council: 1
            name: "みどり市個人情報保護審議会"
            organization: みどり市
            head: 市長
            addressee: "みどり市長 様"
            secretariat: "総務部 \\"審議会\\" 担当"
            executive-side: 市当局
            answer-number: "み個審答第{番号}号"
            departments: [情報政策課, "人事課: 給与係"]
            seats: 3
            members:
              - {name: "山田 太郎", role: 会長, appointed: 2024-04-01, term-ends: 2026-03-31}
              - {name: "佐藤 #花子", role: 副会長, appointed: 2024-04-01}
              - 鈴木 一郎
            quorum: {at-least: 2}
            decision: majority-of-present
            chair-votes: always
            present-base: all-present
            conditions-on-rejection: opinion
            fiscal-year-era: of-april
            """
        let original = try CouncilRoster.checked(text, source: "council.yaml")
        let again = try reread(original)
        XCTAssertEqual(again, original, again.yamlText)
        XCTAssertEqual(again.addressee, "みどり市長 様")
        XCTAssertEqual(again.secretariat, "総務部 \"審議会\" 担当")
        XCTAssertEqual(again.departments, ["情報政策課", "人事課: 給与係"])
        XCTAssertEqual(again.quorum, .atLeast(2))
        XCTAssertEqual(again.membership(of: "佐藤 #花子")?.appointed, "2024-04-01")
    }

    func testNamesLeftBlankFallBackToTheirDefaults() throws {
        var r = try CouncilRoster.load(path: CouncilRulesTests.projectRoster.path)
        var names = r.names
        names.addressee = "目黒区長 殿"
        names.secretariat = "  "
        names.name = "新しい審議会"
        r.setNames(names)
        let again = try reread(r)
        XCTAssertEqual(again.addressee, "目黒区長 殿")
        XCTAssertEqual(again.secretariat, "新しい審議会 事務局", "blank: the default")
        XCTAssertNil(again.names.secretariat)
        XCTAssertEqual(again.changes(from: try CouncilRoster.load(path: CouncilRulesTests.projectRoster.path)).first,
                       "名称: 目黒区情報公開・個人情報保護審議会 → 新しい審議会")
    }

    func testEndingATermThenAddingAMemberKeepsTheLoadersRules() throws {
        var r = try CouncilRoster.load(path: CouncilRulesTests.projectRoster.path)
        // Without terms every member holds a seat: a 22nd member makes 22 seats.
        var grown = r
        try grown.addMember(Membership(name: "委員22"))
        XCTAssertEqual(try reread(grown).seats, 22)
        XCTAssertNil(grown.names.seats, "no terms: the seats follow the members")
        // A 22nd seat made by hand is the loader's refusal, as in the file.
        var crowded = r
        var names = crowded.names
        names.seats = 22
        crowded.setNames(names)
        XCTAssertThrowsError(try reread(crowded)) { error in
            XCTAssertTrue("\(error)".contains("'members' lists 21 names but 'seats' is 22"), "\(error)")
        }
        XCTAssertThrowsError(try r.addMember(Membership(name: "委員05"))) { XCTAssertEqual($0 as? ProfileEditError, .memberExists("委員05")) }
        try r.endTerm("委員21", on: "2024-03-31")
        try r.addMember(Membership(name: "委員22", appointed: "2024-04-01", termEnds: "2026-03-31"))
        try r.changeMember("委員02", role: .viceChair, appointed: nil, termEnds: nil)
        let again = try reread(r)
        XCTAssertEqual(again.seats, 21, "terms: seats written")
        XCTAssertEqual(again.names.seats, 21)
        XCTAssertEqual(again.members(inOfficeOn: "2024-04-01").count, 21)
        XCTAssertFalse(again.members(inOfficeOn: "2024-04-01").contains("委員21"))
        XCTAssertEqual(again.viceChairs(on: "2024-04-01"), ["委員02"])
        XCTAssertThrowsError(try r.endTerm("委員22", on: "2024-03-01")) { error in
            XCTAssertEqual(error as? ProfileEditError, .endsBeforeAppointed("委員22", appointed: "2024-04-01", end: "2024-03-01"))
        }
        XCTAssertThrowsError(try r.endTerm("委員99", on: "2024-03-01"))
        // Two chairs at once is the loader's refusal too.
        try r.changeMember("委員03", role: .chair, appointed: nil, termEnds: nil)
        XCTAssertThrowsError(try reread(r))
    }
}
