import DocketCore
@testable import DocketIndex
import DocketWorkspace
import Foundation
import XCTest

/// A database of its own on the test server ($DOCKET_TEST_POSTGRES, which `make test` sets to a
/// throwaway cluster from scripts/start-postgres), dropped when the test ends.
final class TestDatabase {
    let url: IndexURL
    private let admin: PostgresSession

    /// The test server; a missing one fails the test with what to run.
    static func server() throws -> IndexURL {
        let env = ProcessInfo.processInfo.environment
        guard let text = env["DOCKET_TEST_POSTGRES"], !text.isEmpty else {
            throw TestFailure("DOCKET_TEST_POSTGRES is not set: the PostgreSQL index tests need a server (run them with 'make test', which starts a cluster with scripts/start-postgres)")
        }
        return try IndexURL.parse(text).get()
    }

    init() throws {
        let server = try Self.server()
        admin = try PostgresSession(url: server, password: nil)
        var url = server
        url.database = "docket_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try admin.query("CREATE DATABASE \(url.database)")
        self.url = url
    }

    deinit { _ = try? admin.query("DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)") }

    /// A connection to the test's database, to forge what another Docket would have left.
    func session() throws -> PostgresSession { try PostgresSession(url: url, password: nil) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Every test of `SQLiteIndexTests`, on PostgreSQL, and what only a server can do.
final class PostgresIndexTests: SQLiteIndexTests {
    override func makeFixture() throws -> IndexFixture { try IndexFixture(postgres: true) }

    func testTheSchemaMirrorsTheSQLiteMigrationsByName() {
        XCTAssertEqual(PostgresSchema.migrations.map(\.name), IndexSchema.migrations.map(\.name),
                       "a migration added to IndexSchema needs its PostgreSQL twin in PostgresSchema")
    }

    func testTheRecordedMigrationsAndTheTrigramIndexAreInTheDatabase() throws {
        let fx = try makeFixture()
        try fx.draftedCase("a", subject: "s", body: "本文\n", store: fx.plain)
        _ = try fx.open()
        guard case .postgres(let url, _) = fx.backend else { return XCTFail("not on PostgreSQL") }
        let s = try PostgresSession(url: url, password: nil)
        XCTAssertEqual(try s.query("SELECT name FROM docket_migrations ORDER BY position").map { try $0[0].decode(String.self) },
                       IndexSchema.migrations.map(\.name))
        XCTAssertEqual(try s.query("SELECT extname::text FROM pg_extension WHERE extname = 'pg_trgm'").count, 1)
        // Tiny tables are scanned whatever the indexes: with scans priced out, the planner must
        // find the trigram index for a substring search, or there is none to find.
        _ = try s.query("SET enable_seqscan = off")
        let plan = try s.query("EXPLAIN SELECT id FROM documents WHERE body ILIKE '%外部委託%'").map { try $0[0].decode(String.self) }.joined()
        XCTAssertTrue(plan.contains("documents_body"), plan)
    }

    func testADocumentHoldingNULIsIndexedAndSearchable() throws {
        let fx = try makeFixture()
        _ = try fx.open()
        try fx.draftedCase("a", subject: "件名\0です", body: "前\0後\n外部委託の件\n")
        let index = try fx.open()
        XCTAssertEqual(try index.search(SearchQuery("外部委託")).hits.map(\.case), ["a"], "PostgreSQL text cannot hold NUL; it is stored as U+FFFD")
        XCTAssertEqual(try index.cases(CaseFilter()).first?.subject, "件名\u{FFFD}です")
        XCTAssertEqual(try index.cases(CaseFilter(department: "人\0事課")).map(\.id), [], "a filter with NUL matches nothing, and does not fail")
    }

    func testAServerThatIsDownGetsAMessageNamingItAndExit75() throws {
        let fx = try IndexFixture()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n", store: fx.plain)
        // A port nothing listens on (bound, then closed).
        let down = IndexURL(host: "127.0.0.1", port: 1, user: "docket", database: "docket")
        XCTAssertThrowsError(try CaseIndexes.open(store: fx.plain, backend: .postgres(down, password: "secret-pw"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("the case index server at 127.0.0.1:1 does not answer"), text)
            XCTAssertTrue(text.contains("start PostgreSQL there"), text)
            XCTAssertFalse(text.contains("secret-pw"), "the password is never shown")
            XCTAssertEqual((error as? IndexError)?.exitCode, 75)
        }
        // The commit path is not stopped by it.
        let fed = CaseStore(root: fx.root, observer: IndexFeed(store: fx.plain, backend: .postgres(down, password: nil)))
        try fx.decide("c1", approved: true, store: fed)
        XCTAssertEqual(try fx.plain.load("c1").1.finished, true)
    }

    func testADatabaseHoldingOtherTablesIsRefusedNeverEmptied() throws {
        let fx = try makeFixture()
        guard case .postgres(let url, _) = fx.backend else { return XCTFail("not on PostgreSQL") }
        let s = try PostgresSession(url: url, password: nil)
        try s.query("CREATE TABLE payroll (id int)")
        try s.query("INSERT INTO payroll VALUES (1)")
        let attempts: [() throws -> Void] = [{ _ = try fx.open() }, { _ = try fx.rebuildFromNothing() }]
        for attempt in attempts {
            XCTAssertThrowsError(try attempt()) { error in
                XCTAssertTrue("\(error)".contains("not a Docket case index"), "\(error)")
            }
        }
        XCTAssertEqual(try s.query("SELECT count(*) FROM payroll").first?[0].decode(Int64.self), 1)
    }

    func testAClaimIsHeldForOneWorkerUntilReleased() throws {
        let fx = try makeFixture()
        try fx.draftedCase("c1", subject: "件名", body: "本文\n", store: fx.plain)
        guard case .postgres(let url, _) = fx.backend else { return XCTFail("not on PostgreSQL") }
        let one = try PostgresIndex(store: fx.plain, url: url, password: nil)
        let two = try PostgresIndex(store: fx.plain, url: url, password: nil)
        XCTAssertTrue(try one.claim("c1"))
        XCTAssertFalse(try two.claim("c1"), "another worker holds it")
        XCTAssertTrue(try two.claim("c2"), "other cases are free")
        one.release("c1")
        XCTAssertTrue(try two.claim("c1"))
    }

    func testAPasswordComesFromTheEnvironmentOrThePassfileNeverTheURL() throws {
        let url = IndexURL(host: "db.example", port: 5432, user: "docket", database: "council")
        XCTAssertEqual(IndexBackend.password(for: url, environment: ["DOCKET_INDEX_PASSWORD": "a", "PGPASSWORD": "b"]), "a")
        XCTAssertEqual(IndexBackend.password(for: url, environment: ["PGPASSWORD": "b"]), "b")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("other:5432:*:*:no\n# comment\ndb.example:*:council:docket:pa\\:ss\n".utf8).write(to: file)
        XCTAssertEqual(IndexBackend.password(for: url, environment: ["PGPASSFILE": file.path]), "pa:ss")
        XCTAssertNil(IndexBackend.password(for: IndexURL(host: "x", user: "u", database: "d"), environment: ["PGPASSFILE": file.path]))
        guard case .failure(let e) = IndexURL.parse("postgres://docket:hunter2@db.example/council") else { return XCTFail("accepted a password") }
        XCTAssertTrue(e.message.contains("a password does not belong in docket.yaml"), e.message)
        XCTAssertFalse(e.message.contains("hunter2"))
        XCTAssertEqual(try IndexURL.parse("postgresql://docket@db.example/council").get(),
                       IndexURL(host: "db.example", port: 5432, user: "docket", database: "council"))
        XCTAssertEqual(try IndexURL.parse("postgres://docket@db.example:6432/council?sslmode=require").get().description,
                       "postgres://docket@db.example:6432/council?sslmode=require")
        for bad in ["index.sqlite", "postgres://db.example/council", "postgres://docket@db.example/", "postgres://docket@db.example/c?x=1"] {
            XCTAssertThrowsError(try IndexURL.parse(bad).get(), bad)
        }
        XCTAssertEqual(IndexURL.redacted("postgres://u:secret@h/db"), "postgres://u:***@h/db")
    }
}
