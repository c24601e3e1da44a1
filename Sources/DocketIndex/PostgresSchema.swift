/// The PostgreSQL index's tables: `IndexSchema`'s migrations, by the same names in the same
/// order, in PostgreSQL's SQL (one statement per entry: the extended protocol runs one at a
/// time). Recorded in `docket_migrations` as in the SQLite file, with the same rules: an older
/// prefix is rebuilt from the journals, an unknown name (a newer Docket) is refused.
///
/// Differences from SQLite: the searchable text is a column of `documents` (`body`) with a
/// pg_trgm GIN index instead of an FTS5 table; pg_trgm (in postgresql-contrib, a "trusted"
/// extension since PostgreSQL 13, so the database's owner may create it) serves `ILIKE` on any
/// substring of three or more characters from the index, Japanese included.
enum PostgresSchema {
    static let migrations: [(name: String, statements: [String])] = [
        ("1-cases", [
            """
            CREATE TABLE cases (
                id text PRIMARY KEY,
                seq bigint NOT NULL,
                journal_bytes bigint NOT NULL,
                journal_mtime bigint NOT NULL,
                workflow text NOT NULL,
                state text NOT NULL,
                step text,
                subject text,
                department text,
                fiscal_year integer,
                decision text,
                created text NOT NULL,
                updated text NOT NULL,
                waiting_since text,
                summary text NOT NULL
            )
            """,
            "CREATE INDEX cases_state ON cases (state)",
            "CREATE INDEX cases_workflow ON cases (workflow)",
            "CREATE TABLE docket_index (key text PRIMARY KEY, value text NOT NULL)",
        ]),
        ("2-documents", [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            """
            CREATE TABLE documents (
                id bigserial PRIMARY KEY,
                case_id text NOT NULL,
                path text NOT NULL,
                kind text NOT NULL,
                body text NOT NULL,
                UNIQUE (case_id, path)
            )
            """,
            "CREATE INDEX documents_body ON documents USING gin (body gin_trgm_ops)",
        ]),
        ("3-status-columns", [
            "CREATE INDEX cases_stamp ON cases (id, journal_bytes, journal_mtime)",
            "CREATE INDEX cases_table ON cases (id, workflow, state, step, subject, waiting_since, updated)",
        ]),
        // Meetings, for search: their texts are in `documents` under `meeting:<id>`.
        ("4-meetings", [
            """
            CREATE TABLE meetings (
                id text PRIMARY KEY,
                seq bigint NOT NULL,
                journal_bytes bigint NOT NULL,
                journal_mtime bigint NOT NULL,
                title text NOT NULL,
                date text NOT NULL,
                fiscal_year integer,
                state text NOT NULL
            )
            """,
        ]),
        // The filters' columns, as in SQLite (which also adds a length and a vocabulary).
        ("5-bounded-search", [
            "CREATE INDEX cases_department ON cases (department)",
            "CREATE INDEX cases_fiscal_year ON cases (fiscal_year)",
            "CREATE INDEX cases_decision ON cases (decision)",
        ]),
        // The work queue, as in SQLite: the stage, since and step name columns, the queue order's index
        // (covering what a row shows and filters on) and the counts' index.
        ("6-work-queue", [
            "ALTER TABLE cases ADD COLUMN stage text NOT NULL DEFAULT ''",
            "ALTER TABLE cases ADD COLUMN since text NOT NULL DEFAULT ''",
            "ALTER TABLE cases ADD COLUMN step_name text",
            """
            CREATE INDEX cases_queue ON cases (since, id)
                INCLUDE (stage, department, workflow, fiscal_year, decision, state, step, step_name, subject, waiting_since, updated)
            """,
            "CREATE INDEX cases_stages ON cases (stage, department, workflow, fiscal_year, decision, state)",
        ]),
    ]

    static let migrationsTable = "CREATE TABLE IF NOT EXISTS docket_migrations (position serial PRIMARY KEY, name text UNIQUE NOT NULL)"

    /// Docket's own tables, the only ones a rebuild drops.
    static let tables = ["docket_migrations", "docket_index", "documents", "cases", "meetings"]
}
