import DocketCore
@testable import DocketIndex
import DocketWorkspace
import Foundation
import XCTest

/// A workspace folder with cases written through the real journal, the index beside them.
final class IndexFixture {
    let root: URL
    let plain: CaseStore
    var now = Date(timeIntervalSince1970: 1_656_306_000)  // 2022-06-27T05:00:00Z

    static let workflow = """
        docket: 1
        name: simple-consultation
        steps:
          - id: draft
            name: 諮問文の作成
            uses: render
          - id: review
            name: 審議
            uses: input
          - id: answer
            uses: render
        """

    /// The index under test: the SQLite file, or a database of its own on the test server.
    let backend: IndexBackend
    private let database: TestDatabase?

    init(postgres: Bool = false) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        plain = CaseStore(root: root)
        if postgres { database = try TestDatabase() } else { database = nil }
        backend = database.map { .postgres($0.url, password: nil) } ?? .sqlite(path: nil)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var fed: CaseStore { CaseStore(root: root, observer: IndexFeed(store: plain, backend: backend)) }

    func open() throws -> OpenedIndex { try CaseIndexes.open(store: plain, backend: backend) }

    func rebuildFromNothing() throws -> IndexReport { try CaseIndexes.rebuildFromNothing(store: plain, backend: backend) }

    /// Leaves an index as a Docket that knew only the first migration would have, with a row
    /// that is wrong (case c1 completed).
    func forgeOlderIndex() throws {
        if let database {
            let s = try database.session()
            try s.query(PostgresSchema.migrationsTable)
            try s.query("CREATE TABLE cases (id text PRIMARY KEY, state text)")
            try s.query("INSERT INTO cases VALUES ('c1', 'completed')")
            try s.query("INSERT INTO docket_migrations (name) VALUES ('1-cases')")
            return
        }
        let db = try SQLiteConnection(path: SQLiteIndex.location(in: plain).path)
        try db.execute(IndexSchema.migrationsTable)
        try db.execute("CREATE TABLE cases (id TEXT PRIMARY KEY, state TEXT); INSERT INTO cases VALUES ('c1', 'completed');")
        try db.execute("INSERT INTO docket_migrations VALUES ('1-cases')")
    }

    /// Records a migration this Docket does not know, as a newer Docket would.
    func forgeFutureMigration(_ name: String) throws {
        if let database {
            try database.session().query("INSERT INTO docket_migrations (name) VALUES ($1)", [.text(name)])
        } else {
            try SQLiteConnection(path: SQLiteIndex.location(in: plain).path).execute("INSERT INTO docket_migrations VALUES ('\(name)')")
        }
    }

    /// Opens case `id` and drafts its consultation (a document with `body`), so it waits for review.
    func draftedCase(_ id: String, subject: String, department: String = "人事課", body: String, store: CaseStore? = nil) throws {
        let store = store ?? fed
        try store.create(id: id, workflowText: Array(Self.workflow.utf8), workflowSource: "workflows/simple.yaml",
                         workflowName: "simple-consultation", referencedFiles: [],
                         inputs: ["subject": .string(subject), "department": .string(department), "date": .string("2022-06-27")],
                         by: "clerk", now: now)
        let docs = store.documents(id).appendingPathComponent("draft")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        try Data(body.utf8).write(to: docs.appendingPathComponent("諮問文.md"))
        var started = JournalEvent(type: .started, step: "draft")
        started.attempt = 1
        var completed = JournalEvent(type: .completed, step: "draft")
        completed.documents = [DocumentRecord(path: "draft/諮問文.md", size: Int64(body.utf8.count), sha256: Journal.sha256Hex(Array(body.utf8)))]
        var waiting = JournalEvent(type: .waiting, step: "review")
        waiting.message = "record the review"
        try append(id, [started, completed, waiting], store: store)
    }

    /// Records the review and answers: the case completes with `approved`.
    func decide(_ id: String, approved: Bool, store: CaseStore? = nil) throws {
        var recorded = JournalEvent(type: .recorded, step: "review")
        recorded.record = .map(["approved": .bool(approved), "note": .string("付帯意見: 消去証明書で確認すること")])
        var review = JournalEvent(type: .completed, step: "review")
        review.outputs = ["approved": .bool(approved)]
        try append(id, [recorded, review, JournalEvent(type: .skipped, step: "answer"), JournalEvent(type: .finished)], store: store)
    }

    func append(_ id: String, _ events: [JournalEvent], store: CaseStore? = nil) throws {
        let store = store ?? fed
        var contents = try store.journal(id).read()
        now += 60
        try store.journal(id).append(events, to: &contents, now: now)
    }
}

/// The index's behaviour, whatever backend holds it: these run on SQLite here and on
/// PostgreSQL in `PostgresIndexTests` (a subclass that only changes `makeFixture`).
class SQLiteIndexTests: XCTestCase {
    func makeFixture() throws -> IndexFixture { try IndexFixture() }

    func testCommitPathKeepsTheIndexInStepWithoutACatchUp() throws {
        let fx = try makeFixture()
        let index = try fx.open()  // made (empty) before the cases, so the feed has a file to write
        try fx.draftedCase("c1", subject: "内定者管理ツールの個人情報", body: "# 諮問文\n\n件名: 内定者管理ツール\n外部委託先: 株式会社テスト\n")
        var rows = try index.cases(CaseFilter())
        XCTAssertEqual(rows.map(\.id), ["c1"])
        XCTAssertEqual(rows.first?.state, "waiting")
        XCTAssertEqual(rows.first?.step, "review")
        XCTAssertEqual(rows.first?.subject, "内定者管理ツールの個人情報")
        XCTAssertEqual(rows.first?.waitingSince, "2022-06-27T05:01:00.000Z")
        try fx.decide("c1", approved: false)
        rows = try index.cases(CaseFilter())
        XCTAssertEqual(rows.first?.state, "completed")
        XCTAssertNil(rows.first?.waitingSince)
        XCTAssertTrue(try index.catchUp().refreshed.isEmpty, "the feed left nothing for the catch-up")
        XCTAssertEqual(try index.cases(CaseFilter(decision: "不承認")).map(\.id), ["c1"])
        XCTAssertEqual(try index.cases(CaseFilter(decision: "承認")).map(\.id), [])
    }

    func testACrashBetweenJournalAndIndexIsRepairedFromTheJournalTail() throws {
        let fx = try makeFixture()
        let index = try fx.open()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n")
        // The journal gets the decision, the index never hears of it (as if the process died
        // between the two writes).
        try fx.decide("c1", approved: true, store: fx.plain)
        XCTAssertEqual(try index.cases(CaseFilter()).first?.state, "waiting")
        let report = try index.check()
        XCTAssertEqual(report.refreshed, ["c1"])
        XCTAssertEqual(try index.cases(CaseFilter()).first?.state, "completed")
        XCTAssertEqual(try index.search(SearchQuery("消去証明書")).hits.map(\.document), ["records/review/5"],
                       "the record in the journal tail is searchable after the repair")
        XCTAssertTrue(try index.check().refreshed.isEmpty, "a second check finds it consistent")
    }

    func testAnEditedJournalIsVerifiedAgainNeverShownFromTheCache() throws {
        let fx = try makeFixture()
        let index = try fx.open()
        try fx.draftedCase("c1", subject: "人事課の件", body: "本文\n")
        let path = fx.plain.journal("c1").url
        let text = try String(contentsOf: path, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "人事課", with: "総務課").utf8).write(to: path)  // same length
        let report = try index.catchUp()
        XCTAssertEqual(report.problems.map(\.id), ["c1"])
        XCTAssertTrue("\(report.problems[0].error)".contains("the journal is damaged or was altered"))
        XCTAssertEqual(try index.cases(CaseFilter()).map(\.id), [], "the altered case is not listed from the cache")
    }

    func testSearchFindsJapaneseSubstringsShortTermsAndHonoursFilters() throws {
        let fx = try makeFixture()
        _ = try fx.open()
        try fx.draftedCase("a", subject: "内定者管理ツール", body: "# 諮問文\n\n件名: 内定者管理ツールの利用\n個人情報の外部委託について\n")
        try fx.draftedCase("b", subject: "防犯カメラ", department: "総務課", body: "# 諮問文\n\n防犯カメラの映像を外部委託で保管する\n")
        try fx.decide("a", approved: true)
        let index = try fx.open()

        let hits = try index.search(SearchQuery("外部委託")).hits
        XCTAssertEqual(Set(hits.map(\.case)), ["a", "b"])
        let a = try XCTUnwrap(hits.first { $0.case == "a" })
        XCTAssertEqual(a.document, "draft/諮問文.md")
        XCTAssertEqual(a.line, 4)
        XCTAssertEqual(a.excerpt, "個人情報の»外部委託«について")
        XCTAssertEqual(a.decision, "承認")
        XCTAssertEqual(a.year, 2022)

        // Two characters: below the trigram, found by the scan.
        XCTAssertEqual(try index.search(SearchQuery("映像")).hits.map(\.case), ["b"])
        XCTAssertEqual(try index.search(SearchQuery("映像")).hits.first?.excerpt, "防犯カメラの»映像«を外部委託で保管する")
        // Every word must occur.
        XCTAssertEqual(try index.search(SearchQuery("外部委託 防犯")).hits.map(\.case), ["b"])
        // Filters.
        XCTAssertEqual(try index.search(SearchQuery("外部委託", filter: CaseFilter(department: "総務課"))).hits.map(\.case), ["b"])
        XCTAssertEqual(try index.search(SearchQuery("外部委託", filter: CaseFilter(decision: "承認"))).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("外部委託", filter: CaseFilter(fiscalYear: 2023))).hits.map(\.case), [])
        XCTAssertEqual(try index.search(SearchQuery("外部委託", filter: CaseFilter(state: "waiting"))).hits.map(\.case), ["b"])
        // Inputs are searchable too.
        XCTAssertEqual(try index.search(SearchQuery("総務課")).hits.map(\.document), ["inputs"])
    }

    func testWordsOfOneOrTwoCharactersAreFoundAnywhereTheLastCharactersIncluded() throws {
        let fx = try makeFixture()
        // No newline at the end: 名簿 and 室 are the text's last characters.
        try fx.draftedCase("a", subject: "s", body: "学校の名簿", store: fx.plain)
        try fx.draftedCase("b", subject: "s", body: "特別会議室", store: fx.plain)
        // More trigrams begin with の here than the vocabulary is asked for: read instead.
        let many = (0..<400).map { "の" + String(UnicodeScalar(0x4E00 + $0)!) + "。" }.joined()
        try fx.draftedCase("c", subject: "s", body: many + "\n手続", store: fx.plain)
        let index = try fx.open()
        XCTAssertEqual(try index.search(SearchQuery("名簿")).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("簿")).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("室")).hits.map(\.case), ["b"])
        XCTAssertEqual(try index.search(SearchQuery("議室 会")).hits.map(\.case), ["b"])
        XCTAssertEqual(Set(try index.search(SearchQuery("の")).hits.map(\.case)), ["a", "c"])
        XCTAssertEqual(try index.search(SearchQuery("の 手続")).hits.map(\.case), ["c"])
        XCTAssertEqual(try index.search(SearchQuery("手続")).hits.first?.excerpt, "»手続«")
        XCTAssertEqual(try index.search(SearchQuery("名簿 室")).hits.map(\.case), [])
        XCTAssertEqual(try index.search(SearchQuery("ぬ")).hits.map(\.case), [])
    }

    func testRankingIsBoundedToTheTextsIndexedLastAndSaysSo() throws {
        let fx = try makeFixture()
        for id in ["a", "b", "c", "d", "e"] {
            try fx.draftedCase(id, subject: "s", body: "# 諮問文\n\n個人情報の外部委託について\n", store: fx.plain)
        }
        // The same length, three times the word: the better match.
        try fx.draftedCase("f", subject: "s", body: "# 諮問文\n\n外部委託、外部委託、外部委託\n", store: fx.plain)
        let index = try fx.open()
        let all = try index.search(SearchQuery("外部委託", rankWithin: nil))
        XCTAssertNil(all.rankedAmong)
        XCTAssertEqual(all.hits.count, 6)
        XCTAssertEqual(all.hits.first?.case, "f", "three occurrences rank above one: \(all.hits.map { "\($0.case) \($0.score)" })")
        XCTAssertGreaterThan(all.hits[0].score, all.hits[1].score)

        let bounded = try index.search(SearchQuery("外部委託", rankWithin: 3))
        XCTAssertEqual(bounded.rankedAmong, 3, "six texts match, three are ranked")
        XCTAssertEqual(Set(bounded.hits.map(\.case)), ["d", "e", "f"], "the three indexed last")
        XCTAssertEqual(bounded.hits.first?.case, "f")
        // Whatever the bound (PostgreSQL tries the newest texts first, then its index).
        for k in 1...5 {
            let r = try index.search(SearchQuery("外部委託", rankWithin: k))
            XCTAssertEqual(r.rankedAmong, k)
            XCTAssertEqual(Set(r.hits.map(\.case)), Set(["a", "b", "c", "d", "e", "f"].suffix(k)), "bound \(k)")
        }
        // Exactly as many as the bound: every match was ranked.
        XCTAssertNil(try index.search(SearchQuery("外部委託", rankWithin: 6)).rankedAmong)
        // A filter narrows before the bound.
        let narrowed = try index.search(SearchQuery("外部委託", filter: CaseFilter(state: "waiting"), rankWithin: 6))
        XCTAssertNil(narrowed.rankedAmong)
        XCTAssertEqual(narrowed.hits.count, 6)
    }

    func testMeetingsHeaderRecordsAndMinutesAreSearchedAndNamedAsMeetings() throws {
        let fx = try makeFixture()
        try fx.draftedCase("a", subject: "防犯カメラ", body: "# 諮問文\n\n防犯カメラの映像を外部委託で保管する\n", store: fx.plain)
        // A meeting kept as MeetingBook keeps it: meetings/<id>/ with a journal and its minutes.
        let meetings = CaseStore(root: fx.root, folderName: "meetings")
        try meetings.create(id: "2022-1", workflowText: Array("docket-meeting: 1\n".utf8), workflowSource: "council.yaml",
                            workflowName: "meeting", referencedFiles: [],
                            inputs: ["title": .string("令和4年度第1回 審査会"), "date": .string("2022-06-27"), "place": .string("特別会議室")],
                            by: "clerk", now: fx.now)
        var agenda = JournalEvent(type: .recorded, step: "agenda")
        agenda.record = .map(["kind": .string("other"), "text": .string("会長あいさつ")])
        let minutes = "# 会議録\n\n## 会議次第\n\n委員から防犯カメラの映像の保存期間について質問があった。\n"
        let docs = meetings.documents("2022-1").appendingPathComponent("minutes")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        try Data(minutes.utf8).write(to: docs.appendingPathComponent("会議録.md"))
        var completed = JournalEvent(type: .completed, step: "minutes")
        completed.documents = [DocumentRecord(path: "minutes/会議録.md", size: Int64(minutes.utf8.count), sha256: Journal.sha256Hex(Array(minutes.utf8)))]
        var contents = try meetings.journal("2022-1").read()
        try meetings.journal("2022-1").append([agenda, completed], to: &contents, now: fx.now + 60)
        let index = try fx.open()

        // The minutes, the agenda record and the header, each named by its meeting.
        var hits = try index.search(SearchQuery("保存期間")).hits
        XCTAssertEqual(hits.map(\.meeting), ["2022-1"])
        XCTAssertEqual(hits.first?.case, "")
        XCTAssertEqual(hits.first?.document, "minutes/会議録.md")
        XCTAssertEqual(hits.first?.line, 5)
        XCTAssertEqual(hits.first?.subject, "令和4年度第1回 審査会")
        XCTAssertEqual(hits.first?.state, "open")
        XCTAssertEqual(hits.first?.year, 2022)
        XCTAssertEqual(try index.search(SearchQuery("会長あいさつ")).hits.map(\.document), ["records/agenda/2"])
        XCTAssertEqual(try index.search(SearchQuery("特別会議室")).hits.map(\.document), ["inputs"])
        // A word in a case and in a meeting finds both; a case-only filter leaves meetings out.
        hits = try index.search(SearchQuery("防犯カメラの映像")).hits
        XCTAssertEqual(Set(hits.map { $0.meeting ?? $0.case }), ["a", "2022-1"])
        XCTAssertEqual(try index.search(SearchQuery("防犯カメラの映像", filter: CaseFilter(department: "人事課"))).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("保存期間", filter: CaseFilter(fiscalYear: 2022))).hits.map(\.meeting), ["2022-1"])
        XCTAssertEqual(try index.search(SearchQuery("保存期間", filter: CaseFilter(fiscalYear: 2023))).hits.count, 0)
        // A meeting and a case of the same id do not mix.
        try fx.draftedCase("2022-1", subject: "同じ番号の案件", body: "本文\n", store: fx.plain)
        XCTAssertEqual(try index.catchUp().refreshed, ["2022-1"])

        // Caught up like a case: closed, edited, removed.
        contents = try meetings.journal("2022-1").read()
        try meetings.journal("2022-1").append([JournalEvent(type: .finished)], to: &contents, now: fx.now + 120)
        XCTAssertEqual(try index.catchUp().refreshed, [], "no case changed")
        XCTAssertEqual(try index.search(SearchQuery("保存期間")).hits.first?.state, "closed")
        XCTAssertEqual(try index.search(SearchQuery("同じ番号")).hits.map(\.case), ["2022-1"])
        XCTAssertEqual(try index.search(SearchQuery("同じ番号")).hits.map(\.meeting), [nil])
        let journal = meetings.journal("2022-1").url
        let text = try String(contentsOf: journal, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "会長あいさつ", with: "会長のあいさつ").utf8).write(to: journal)
        let report = try index.catchUp()
        XCTAssertEqual(report.problems.map(\.id), ["meeting 2022-1"], "an edited meeting journal is reported, never shown from the cache")
        XCTAssertEqual(try index.search(SearchQuery("保存期間")).hits.count, 0)
        try FileManager.default.removeItem(at: meetings.folder("2022-1"))
        XCTAssertTrue(try index.catchUp().problems.isEmpty)
        XCTAssertEqual(try index.search(SearchQuery("保存期間")).hits.count, 0)
        XCTAssertEqual(try index.rebuild().cases, 2)
    }

    func testSummariesAsBytesAndRowsByID() throws {
        let fx = try makeFixture()
        for id in ["a", "b", "c"] { try fx.draftedCase(id, subject: "件名\(id)", body: "本文\n", store: fx.plain) }
        try fx.decide("b", approved: false, store: fx.plain)
        let index = try fx.open()
        var bytes: [String] = []
        try index.forEachSummary(CaseFilter()) { bytes.append(String(decoding: $0, as: UTF8.self)) }
        XCTAssertEqual(bytes, try index.summaries(CaseFilter()))
        XCTAssertEqual(bytes.count, 3)
        bytes = []
        try index.forEachSummary(CaseFilter(state: "completed")) { bytes.append(String(decoding: $0, as: UTF8.self)) }
        XCTAssertEqual(bytes, try index.summaries(CaseFilter(state: "completed")))
        XCTAssertEqual(bytes.count, 1)
        XCTAssertEqual(try index.cases(ids: ["c", "x", "b", "c"]).map { "\($0.id) \($0.state)" }, ["b completed", "c waiting"])
    }

    func testCasesByStateCountsEveryCaseAndKeepsTheFirstByID() throws {
        let fx = try makeFixture()
        for id in ["e", "a", "d", "b", "c"] { try fx.draftedCase(id, subject: "件名\(id)", department: id < "c" ? "総務課" : "人事課", body: "本文\n", store: fx.plain) }
        try fx.decide("b", approved: true, store: fx.plain)
        let index = try fx.open()
        let groups = try index.casesByState(CaseFilter(), limit: 2)
        XCTAssertEqual(groups.mapValues(\.count), ["waiting": 4, "completed": 1])
        XCTAssertEqual(groups["waiting"]?.rows.map(\.id), ["a", "c"])
        XCTAssertEqual(groups, StateGroup.grouping(try index.cases(CaseFilter()), limit: 2), "the same as grouping every row")
        let somu = try index.casesByState(CaseFilter(department: "総務課"), limit: 10)
        XCTAssertEqual(somu.mapValues { $0.rows.map(\.id) }, ["waiting": ["a"], "completed": ["b"]])
        XCTAssertEqual(try index.casesByState(CaseFilter(state: "completed"), limit: 10).mapValues(\.count), ["completed": 1])
        XCTAssertEqual(try index.casesByState(CaseFilter(department: "なし"), limit: 10), [:])
    }

    func testTheWorkQueuePagesAndCountsInTheIndexAsSortingEveryRowWould() throws {
        let fx = try makeFixture()
        for id in ["e", "a", "d", "b", "c", "f"] { try fx.draftedCase(id, subject: "件名\(id)", department: id < "c" ? "総務課" : "人事課", body: "本文\n", store: fx.plain) }
        try fx.decide("b", approved: true, store: fx.plain)
        // g: sent back to its draft, which waits for corrected materials (the department's turn).
        try fx.draftedCase("g", subject: "件名g", body: "本文\n", store: fx.plain)
        var back = JournalEvent(type: .completed, step: "review")
        back.reopened = ["draft", "review"]
        back.message = "資料を直すこと"
        var waits = JournalEvent(type: .waiting, step: "draft")
        waits.message = "supply the corrected materials"
        try fx.append("g", [back, JournalEvent(type: .started, step: "draft"), waits], store: fx.plain)
        let index = try fx.open()
        let all = try index.queue(QueueQuery(limit: 100))
        XCTAssertEqual(all.byState, ["waiting": 6, "completed": 1])
        XCTAssertEqual(all.byStage, [.record: 5, .corrections: 1, .completed: 1])
        XCTAssertEqual(all.rows.map(\.id), ["e", "a", "d", "c", "f", "b", "g"], "oldest waiting first")
        XCTAssertEqual(all.rows.first.map { [$0.stepName, $0.department] }, ["審議", "人事課"])
        XCTAssertEqual(all.rows.last.map { [$0.stepName, $0.stage.rawValue] }, ["諮問文の作成", "corrections"])
        let everything = all.rows
        for first in [Set<QueueStage>(), [.completed], QueueStage.stages(for: .department)] {
            for scope in [QueueScope.all, .some(department: "人事課", ids: nil), .some(department: nil, ids: ["a", "g"]),
                          .some(department: "総務課", ids: ["f"]), .some(department: nil, ids: nil)] {
                for filter in [CaseFilter(), CaseFilter(state: "waiting"), CaseFilter(department: "人事課")] {
                    let whole = QueueQuery(filter: filter, scope: scope, firstStages: first, firstIDs: ["d"], limit: 100)
                    let expected = whole.page(of: everything.filter { row in whole.admits(row) && (filter.state.map { s in row.state == s } ?? true)
                        && (filter.department.map { d in row.department == d } ?? true) })
                    let got = try index.queue(whole)
                    XCTAssertEqual(got, expected, "\(first) \(scope) \(filter)")
                    for offset in [0, 1, 2, 4, 6, 9] {
                        var paged = whole
                        paged.offset = offset
                        paged.limit = 2
                        XCTAssertEqual(try index.queue(paged).rows, Array(got.rows.dropFirst(offset).prefix(2)), "\(first) \(scope) \(offset)")
                    }
                }
            }
        }
        XCTAssertEqual(try index.queue(QueueQuery(firstStages: [.completed], limit: 2)).rows.map(\.id), ["b", "e"])
    }

    func testHostileQueriesAreJustText() throws {
        let fx = try makeFixture()
        _ = try fx.open()
        try fx.draftedCase("a", subject: "s", body: "進捗 100%_done \"quoted\" O'Brien\n普通の文\n")
        let index = try fx.open()
        let hostile = ["'; DROP TABLE cases; --", "\" OR \"1\"=\"1", "a\" OR \"b", "NEAR(x y)", "*", "外部 OR 委託", "col:term",
                       "%%", "__", "\\", "\0", "x\0y", String(repeating: "個", count: 10_000), String(repeating: "a%", count: 5_000)]
        for q in hostile {
            let hits = try index.search(SearchQuery(q)).hits
            XCTAssertTrue(hits.isEmpty, "'\(q.prefix(20))' found \(hits.map(\.case))")
        }
        XCTAssertEqual(try index.cases(CaseFilter()).map(\.id), ["a"], "nothing was dropped")
        // The same characters where they really occur are found, literally.
        XCTAssertEqual(try index.search(SearchQuery("100%_d")).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("%_")).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("\"quoted\"")).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("O'Brien")).hits.first?.excerpt, "進捗 100%_done \"quoted\" »O'Brien«")
        XCTAssertEqual(try index.search(SearchQuery("%")).hits.map(\.case), ["a"])
        XCTAssertEqual(try index.search(SearchQuery("_")).hits.map(\.case), ["a"])
    }

    func testAnIndexFromAnOlderDocketIsRebuiltNeverMisread() throws {
        let fx = try makeFixture()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n", store: fx.plain)
        try fx.forgeOlderIndex()
        let index = try fx.open()
        XCTAssertEqual(index.rebuiltBecause, "the index was written by an older Docket (schema 1-cases)")
        XCTAssertEqual(try index.cases(CaseFilter()).map(\.state), ["waiting"])
    }

    func testAnIndexFromTheFutureIsRefusedAndCanBeRebuilt() throws {
        let fx = try makeFixture()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n", store: fx.plain)
        _ = try fx.open()
        try fx.forgeFutureMigration("3-from-2030")
        XCTAssertThrowsError(try fx.open()) { error in
            XCTAssertTrue("\(error)".contains("was written by a newer Docket (it has 3-from-2030"), "\(error)")
            XCTAssertEqual((error as? IndexError)?.exitCode, 65)
        }
        // The commit path leaves it alone and still commits.
        try fx.decide("c1", approved: true)
        XCTAssertEqual(try fx.rebuildFromNothing().cases, 1)
        XCTAssertEqual(try fx.open().cases(CaseFilter()).map(\.state), ["completed"])
    }
}

/// What only the SQLite file can suffer: damage on disk, another process's lock.
final class SQLiteFileTests: XCTestCase {
    func testADamagedIndexGetsAClearMessageAndARebuild() throws {
        let fx = try IndexFixture()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n", store: fx.plain)
        let path = SQLiteIndex.location(in: fx.plain)
        try Data(repeating: 0x5A, count: 8192).write(to: path)
        XCTAssertThrowsError(try fx.open()) { error in
            XCTAssertTrue("\(error)".contains("the case index is damaged"), "\(error)")
            XCTAssertTrue("\(error)".contains("rebuild the index"), "\(error)")
        }
        try fx.decide("c1", approved: true)  // the commit path is not stopped by it
        XCTAssertEqual(try SQLiteIndex.rebuildFromNothing(store: fx.plain).cases, 1)
        XCTAssertEqual(try fx.open().cases(CaseFilter()).map(\.state), ["completed"])
    }

    func testAnIndexLockedByAnotherProcessIsReportedAsBusy() throws {
        let fx = try IndexFixture()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n", store: fx.plain)
        let index = try SQLiteIndex(store: fx.plain)
        try fx.decide("c1", approved: true, store: fx.plain)  // so the catch-up has to write
        let holder = try SQLiteConnection(path: index.path)
        try holder.execute("BEGIN EXCLUSIVE")
        let other = try SQLiteIndex(store: fx.plain, busyTimeout: 50)
        XCTAssertThrowsError(try other.catchUp()) { error in
            XCTAssertEqual((error as? IndexError)?.exitCode, 75)
            XCTAssertTrue("\(error)".contains("the case index is locked by another process"), "\(error)")
        }
        try holder.execute("ROLLBACK")
        XCTAssertEqual(try other.catchUp().refreshed, ["c1"])
    }
}
