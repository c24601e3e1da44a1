import DocketCore
import DocketCouncil
import DocketYAML
import Foundation
import XCTest

final class CouncilRulesTests: XCTestCase {
    static var projectRoster: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("workflows/council.yaml")
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
                "\(path):7:1: error: unknown key 'decison' in the council roster; did you mean 'decision'?",
            ])
        }
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
