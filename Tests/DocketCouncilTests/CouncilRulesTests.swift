import DocketCore
import DocketCouncil
import DocketYAML
import Foundation
import XCTest

final class CouncilRulesTests: XCTestCase {
    static var projectRoster: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("workflows/examples/meeting-2022-06-27/council.yaml")
    }

    func roster(_ edit: (inout CouncilRoster) -> Void = { _ in }) throws -> CouncilRoster {
        var r = try CouncilRoster.load(path: Self.projectRoster.path)
        edit(&r)
        return r
    }

    func refusal(_ roster: CouncilRoster, _ tally: Tally) -> TallyProblem? {
        do { _ = try roster.decide(tally); return nil } catch { return error }
    }

    func testTheBundledRosterMatchesTheCouncil() throws {
        let r = try roster()
        XCTAssertEqual(r.seats, 21)
        XCTAssertEqual(r.members.count, 21)
        XCTAssertEqual(r.quorumCount, 11, "more than half of 21")
        XCTAssertEqual(r.chairVotes, .tieOnly)
    }

    func testTheMeetingsTalliesAreApprovedWithSeventeenVoters() throws {
        let r = try roster()
        for (f, a) in [(15, 2), (17, 0), (16, 1), (16, 1)] {
            let result = try r.decide(Tally(present: 18, votesFor: f, against: a))
            XCTAssertTrue(result.approved)
            XCTAssertEqual(result.voters, 17, "18 present, the chair does not vote")
        }
    }

    func testRefusals() throws {
        let r = try roster()
        XCTAssertEqual(refusal(r, Tally(present: 10, votesFor: 6, against: 3))?.field, "present")
        XCTAssertTrue(refusal(r, Tally(present: 10, votesFor: 6, against: 3))!.message.hasPrefix("no quorum: 10 present, but 11 must attend"))
        XCTAssertEqual(refusal(r, Tally(present: 18, votesFor: 16, against: 2))?.message,
                       "more votes than voters: 16 for + 2 against + 0 abstaining = 18, but only 17 may vote (18 present, the chair not voting)")
        XCTAssertEqual(refusal(r, Tally(present: 18, votesFor: -1, against: 2))?.field, "for")
        XCTAssertEqual(refusal(r, Tally(present: 22, votesFor: 1, against: 2))?.field, "present")
        XCTAssertEqual(refusal(r, Tally(present: 18, votesFor: 10, against: 5, castingVote: true))?.message,
                       "a casting vote is only given on a tie, but the vote is 10 for and 5 against")
        XCTAssertEqual(refusal(r, Tally(present: 18, votesFor: 8, against: 8))?.field, "casting_vote", "a tie needs the chair")
        XCTAssertEqual(refusal(r, Tally(present: 18, votesFor: 15, against: 2, recused: 2))?.field, "for",
                       "recused members present do not vote: 18 - 2 - chair = 15 voters")
    }

    func testTieIsDecidedByTheChair() throws {
        let r = try roster()
        XCTAssertEqual(try r.decide(Tally(present: 17, votesFor: 8, against: 8, castingVote: true)).approved, true)
        let against = try r.decide(Tally(present: 17, votesFor: 8, against: 8, castingVote: false))
        XCTAssertFalse(against.approved)
        XCTAssertTrue(against.castingVoteUsed)
    }

    func testOtherRules() throws {
        let never = try roster { $0.chairVotes = .never }
        XCTAssertFalse(try never.decide(Tally(present: 17, votesFor: 8, against: 8)).approved, "a tie fails when the chair never votes")
        XCTAssertNotNil(refusal(never, Tally(present: 17, votesFor: 8, against: 8, castingVote: true)))
        let always = try roster { $0.chairVotes = .always }
        XCTAssertEqual(try always.decide(Tally(present: 18, votesFor: 16, against: 2)).voters, 18)
        let present = try roster { $0.decision = .majorityOfPresent }
        XCTAssertFalse(try present.decide(Tally(present: 18, votesFor: 8, against: 2, abstain: 7)).approved, "8 of 17 voters is not more than half")
        let twoThirds = try roster { $0.decision = .twoThirdsOfVotesCast; $0.quorum = .twoThirds }
        XCTAssertEqual(twoThirds.quorumCount, 14)
        XCTAssertTrue(try twoThirds.decide(Tally(present: 16, votesFor: 10, against: 5)).approved)
        XCTAssertFalse(try twoThirds.decide(Tally(present: 16, votesFor: 9, against: 6)).approved)
    }

    func testRollCall() throws {
        let r = try roster()
        let good = Tally(present: 12, votesFor: 2, against: 1, rollCall: ["for": ["委員02", "委員03"], "against": ["委員04"]])
        XCTAssertTrue(try r.decide(good).approved)
        var bad = good
        bad.rollCall = ["for": ["委員02", "委員99"], "against": ["委員04"]]
        XCTAssertEqual(refusal(r, bad)?.message, "'委員99' in the roll call is not a member of the council")
        bad.rollCall = ["for": ["委員02"], "against": ["委員04"]]
        XCTAssertEqual(refusal(r, bad)?.message, "the roll call names 1 'for' but the tally counts 2; a roll call must name every counted vote")
        bad.rollCall = ["for": ["委員02", "委員04"], "against": ["委員04"]]
        XCTAssertTrue(refusal(r, bad)!.message.contains("appears under both"))
        bad.rollCall = ["for": ["委員01", "委員02"], "against": ["委員04"]]
        XCTAssertTrue(refusal(r, bad)!.message.contains("the chair '委員01' does not vote"))
    }

    /// 採決 by majority of present: the base is the members present less a chair who does not
    /// vote, unless the roster says the chair counts (present-base: all-present).
    func testMajorityOfPresentExcludesTheNonVotingChairByDefault() throws {
        let present = try roster { $0.decision = .majorityOfPresent }
        XCTAssertEqual(present.presentBase, .excludingNonVotingChair, "the default reading")
        XCTAssertTrue(try present.decide(Tally(present: 18, votesFor: 9, against: 2, abstain: 6)).approved, "9 of the 17 voters is a majority")
        XCTAssertTrue(present.ruleDescription.contains("表決に加わらない会長を除く"), present.ruleDescription)
        let withChair = try roster { $0.decision = .majorityOfPresent; $0.presentBase = .allPresent }
        XCTAssertFalse(try withChair.decide(Tally(present: 18, votesFor: 9, against: 2, abstain: 6)).approved, "9 of 18 with the chair counted fails")
    }

    /// A roll call names every counted vote: one naming only the 8 'for' while 2 voted against is refused.
    func testRollCallMustNameEveryCountedVote() throws {
        let r = try roster()
        let names = (2...9).map { String(format: "委員%02d", $0) }
        let partial = Tally(present: 12, votesFor: 8, against: 2, rollCall: ["for": names])
        XCTAssertEqual(refusal(r, partial)?.message, "the roll call names 0 'against' but the tally counts 2; a roll call must name every counted vote")
        XCTAssertEqual(refusal(r, partial)?.field, "roll_call")
        var full = partial
        full.rollCall = ["for": names, "against": ["委員10", "委員11"]]
        XCTAssertTrue(try r.decide(full).approved)
        full.meeting = .init(id: "m1", date: "2022-06-27", item: 3, members: ["委員01"] + names + ["委員10", "委員12", "委員13"])
        XCTAssertEqual(refusal(r, full)?.message, "'委員11' is in the roll call but was not present at this item of meeting 'm1'")
        full.meeting?.members = ["委員01"] + names + ["委員10", "委員11"]
        XCTAssertEqual(refusal(r, full)?.message, "the tally says 12 present, but the attendance of meeting 'm1' has 11 members present at item 3")
    }

    func testRosterRulesAreReadAndChecked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("council.yaml").path
        let head = "docket-council: 1\nname: x\nseats: 2\nchair: 甲\nmembers: [甲, 乙]\n"
        try Data((head + "present-base: all-present\nconditions-on-rejection: opinion\nfiscal-year-era: of-april\n").utf8).write(to: URL(fileURLWithPath: path))
        let r = try CouncilRoster.load(path: path)
        XCTAssertEqual(r.presentBase, .allPresent)
        XCTAssertEqual(r.conditionsOnRejection, .opinion)
        XCTAssertEqual(r.fiscalYearLabel(2019, on: "2019-06-01"), "平成31年度")
        try Data((head + "conditions-on-rejection: print\n").utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try CouncilRoster.load(path: path)) { error in
            XCTAssertEqual((error as! DiagnosticsError).diagnostics.map(\.description),
                           ["\(path):6:26: error: 'conditions-on-rejection' must be one of: omit, opinion, not 'print'"])
        }
    }

    func testRosterErrorsNamePlaces() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("council.yaml").path
        try Data("docket-council: 1\nname: x\nseats: 3\nchair: 甲\nmembers: [乙, 丙]\nquorum: most\ndecison: x\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try CouncilRoster.load(path: path)) { error in
            XCTAssertEqual((error as! DiagnosticsError).diagnostics.map(\.description), [
                "\(path):3:8: error: 'members' lists 2 names but 'seats' is 3",
                "\(path):4:8: error: the chair '甲' is not one of the members",
                "\(path):6:9: error: 'quorum' must be more-than-half, two-thirds or {at-least: N}, not 'most'",
                "\(path):7:1: error: unknown key 'decison' in the council profile; did you mean 'decision'?",
            ])
        }
    }
}

/// The council profile's additions to the roster: names, head, roles, terms, numbering.
final class CouncilProfileTests: XCTestCase {
    func load(_ text: String) throws -> CouncilRoster {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try CouncilRoster.load(path: path)
    }

    func problems(_ text: String) -> [String] {
        do { _ = try load(text); return [] } catch { return (error as? DiagnosticsError)?.diagnostics.map(\.message) ?? ["\(error)"] }
    }

    let chairs = """
        docket-council: 1
        name: みどり市個人情報保護審議会
        organization: みどり市
        head: 市長
        answer-number: "み個審答第{番号}号"
        seats: 3
        members:
          - {name: 旧会長, role: 会長, appointed: 2023-04-01, term-ends: 2025-03-31}
          - {name: 新会長, role: 会長, appointed: 2025-04-01, term-ends: 2027-03-31}
          - {name: 副会長A, role: 副会長, appointed: 2023-04-01}
          - 委員B

        """

    func testTheChairInOfficeOnADaySignsAndMembersSitWithinTheirTerms() throws {
        let p = try load(chairs)
        XCTAssertEqual(p.chair(on: "2024-06-01"), "旧会長", "a past year's answer keeps the chair who signed it")
        XCTAssertEqual(p.chair(on: "2025-04-01"), "新会長")
        XCTAssertNil(p.chair(on: "2027-04-01"), "no chair in office once every 会長 term has ended")
        XCTAssertEqual(p.members(inOfficeOn: "2026-01-10"), ["新会長", "副会長A", "委員B"])
        XCTAssertEqual(p.viceChairs(on: "2026-01-10"), ["副会長A"])
        XCTAssertNil(p.termProblem("新会長", on: "2026-01-10"))
        XCTAssertEqual(p.termProblem("旧会長", on: "2026-01-10"),
                       "'旧会長' is no longer in office on 2026-01-10（令和8年1月10日）: their term ran 2023-04-01（令和5年4月1日）から2025-03-31（令和7年3月31日）まで; leave them out, or correct their term in the council profile")
        XCTAssertTrue(p.termProblem("新会長", on: "2025-03-31")?.contains("is not yet in office") == true)
        XCTAssertEqual(p.addressee, "みどり市長")
        XCTAssertEqual(p.executiveSide, "市側")
        XCTAssertEqual(p.secretariat, "みどり市個人情報保護審議会 事務局")
        XCTAssertEqual(p.numberLabel(yearLabel: "令和8年度", number: 3), "み個審答第3号")
    }

    func testHeadsNameTheAddresseeAndTheExecutiveSide() throws {
        for (organization, head, addressee, side) in [("目黒区", "区長", "目黒区長", "区側"), ("みどり町", "町長", "みどり町長", "町側"),
                                                     ("〇〇県", "知事", "〇〇県知事", "県側"), ("東京都", "知事", "東京都知事", "都側")] {
            let p = try load("docket-council: 1\nname: 審議会\norganization: \(organization)\nhead: \(head)\nmembers: [甲]\nchair: 甲\n")
            XCTAssertEqual(p.addressee, addressee)
            XCTAssertEqual(p.executiveSide, side)
        }
        let given = try load("docket-council: 1\nname: 審議会\norganization: 〇〇市\nhead: 市長\naddressee: 〇〇市長 山田 太郎\nexecutive-side: 実施機関\nmembers: [甲]\nchair: 甲\n")
        XCTAssertEqual(given.addressee, "〇〇市長 山田 太郎")
        XCTAssertEqual(given.executiveSide, "実施機関")
    }

    func testTodaysRosterIsStillAProfile() throws {
        let p = try load("docket-council: 1\nname: 審議会\nseats: 2\nchair: 甲\nmembers: [甲, 乙]\n")
        XCTAssertEqual(p.chair, "甲")
        XCTAssertEqual(p.membership(of: "甲")?.role, .chair)
        XCTAssertEqual(p.members(inOfficeOn: "2030-01-01"), ["甲", "乙"], "a member without a term is always in office")
        XCTAssertEqual(p.answerNumber, .standard)
        XCTAssertEqual(p.addressee, "", "no head: the case gives the addressee")
    }

    func testProfileMistakesAreNamed() {
        XCTAssertEqual(problems("docket-council: 1\nname: x\nmembers:\n  - {name: 甲, role: 会頭}\n"), [
            "no chair: name one with 'chair: NAME', or give a member role 会長",
            "'role' of '甲' is '会頭'; write one of 会長, 副会長, 委員 (did you mean '会長'?)",
        ])
        XCTAssertEqual(problems("docket-council: 1\nname: x\nmembers:\n  - {name: 甲, role: 会長, appointed: 2025-04-01}\n"),
                       ["the members have terms of office, so write 'seats' (the council's number of seats, 定数)"])
        XCTAssertEqual(problems("docket-council: 1\nname: x\nseats: 1\nmembers:\n  - {name: 甲, role: 会長, appointed: 2025-04-01, term-ends: 2024-03-31}\n"),
                       ["the term of '甲' ends (2024-03-31) before it begins (2025-04-01); correct 'appointed' or 'term-ends'"])
        XCTAssertTrue(problems("docket-council: 1\nname: x\nseats: 2\nmembers:\n  - {name: 甲, role: 会長, appointed: 2025-04-01}\n  - {name: 乙, role: 会長, appointed: 2024-04-01}\n")
            .contains("'甲' and '乙' are both 会長 on 2025-04-01; a council has one chair at a time: correct a role or a term"))
        XCTAssertEqual(problems("docket-council: 1\nname: x\nanswer-number: \"第{号}\"\nmembers: []\n"),
                       ["'answer-number' must contain {番号} (the number), e.g. \"{年度}第{番号}号\" or \"み個審答第{番号}号\""])
        XCTAssertEqual(problems("docket-council: 1\nname: x\nanswer-number: \"{年}第{番号}号\"\nmembers: []\n"),
                       ["'answer-number' has {年}, which Docket does not know; it knows {年度} and {番号}"])
        XCTAssertEqual(problems("docket-council: 1\nname: x\nmembers:\n  - {name: 甲, role: 会長, appointed: 2025-13-01}\n").count, 1)
        XCTAssertEqual(problems("docket-council: 1\nname: x\nmembers: []\n"), [], "the skeleton docket init writes reads")
    }

    func testTheHistoryRecordsEachVersionOnceWithWhatChanged() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("council.yaml").path
        let history = CouncilHistory(root: root)
        try Data(chairs.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try history.record(profileAt: path, by: "clerk", now: Date(timeIntervalSince1970: 0))?.changes, ["初版"])
        XCTAssertNil(try history.record(profileAt: path, by: "clerk", now: Date()), "an unchanged profile is not recorded again")
        try Data(chairs.replacingOccurrences(of: "  - 委員B\n", with: "  - 委員C\n").replacingOccurrences(of: "head: 市長", with: "head: 町長").utf8)
            .write(to: URL(fileURLWithPath: path))
        let second = try XCTUnwrap(try history.record(profileAt: path, by: "another", now: Date(timeIntervalSince1970: 100)))
        XCTAssertEqual(second.changes, ["長: 市長 → 町長", "宛先: みどり市長 → みどり市町長", "執行機関側: 市側 → 町側",
                                        "委員追加（1名）: 委員C（任期の定めなし）", "委員削除（1名）: 委員B"])
        XCTAssertEqual(try history.entries().map(\.by), ["clerk", "another"])
        XCTAssertEqual(try history.version(at: Date(timeIntervalSince1970: 50))?.changes, ["初版"], "the version in force at a moment")
    }
}

final class JapaneseDateTests: XCTestCase {
    func testEraDates() {
        XCTAssertEqual(JapaneseDate.era("2022-06-27"), "令和4年6月27日")
        XCTAssertEqual(JapaneseDate.era("2019-05-01"), "令和元年5月1日")
        XCTAssertEqual(JapaneseDate.era("2019-04-30"), "平成31年4月30日")
        XCTAssertEqual(JapaneseDate.era("2020-12-01"), "令和2年12月1日")
        XCTAssertNil(JapaneseDate.era("令和4年"))
    }

    func testFiscalYears() {
        XCTAssertEqual(JapaneseDate.fiscalYear("2022-06-27"), 2022)
        XCTAssertEqual(JapaneseDate.fiscalYear("2023-03-31"), 2022)
        XCTAssertEqual(JapaneseDate.fiscalYear("2023-04-01"), 2023)
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2022), "令和4年度")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2020), "令和2年度")
    }

    /// Answers dated 2019-05-01 to 2020-03-31 carry 令和元年度 (the year began on 平成31年4月1日).
    func testFiscalYearIsNamedInTheEraOfTheDocumentsDate() {
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2019, on: "2019-05-01"), "令和元年度")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2019, on: "2020-03-31"), "令和元年度")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2019, on: "2019-04-30"), "平成31年度")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2022, on: "2022-06-27"), "令和4年度")
        XCTAssertEqual(JapaneseDate.fiscalYearLabel(2019, on: nil), "平成31年度")
    }
}

final class AnswerRegisterTests: XCTestCase {
    func testNumbersAreUniqueAndGapFreeUnderConcurrency() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("register-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let register = AnswerRegister(root: root)
        let count = 60
        let numbers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<count {
                group.addTask { (i, try register.number(fiscalYear: 2022, caseID: "case-\(i)", step: "answer", issued: "2022-06-27")) }
            }
            var result = [Int](repeating: -1, count: count)
            for try await (i, n) in group { result[i] = n }
            return result
        }
        XCTAssertEqual(numbers.sorted(), Array(1...count))
        XCTAssertEqual(try register.number(fiscalYear: 2022, caseID: "case-7", step: "answer", issued: "2022-06-27"), numbers[7],
                       "asking again (after an interrupted run) gives the same number")
        XCTAssertEqual(try register.number(fiscalYear: 2023, caseID: "case-7", step: "answer", issued: "2023-04-01"), 1,
                       "each fiscal year starts at 1")
        XCTAssertEqual(try register.numbers(fiscalYear: 2022).count, count)
    }

    /// An issued answer whose case is later withdrawn keeps its number, marked withdrawn; a
    /// reopened case's answer stands again. Decided from the kinds of the case's events.
    func testWithdrawnAnswersKeepTheirNumberMarkedWithdrawn() {
        XCTAssertEqual(AnswerRegister.state(afterIssue: ["completed", "finished"]), "issued")
        XCTAssertEqual(AnswerRegister.state(afterIssue: ["completed", "finished", "withdrawn"]), "withdrawn")
        XCTAssertEqual(AnswerRegister.state(afterIssue: ["completed", "withdrawn", "reopened"]), "issued")
    }
}
