/// The index's tables, as an ordered list of named migrations. Each runs once, in its own
/// transaction, and its name is recorded in `docket_migrations`. A shipped migration is never
/// edited (a change is a new one at the end), and SQL names tables and columns as text.
///
/// The index is a cache of the journals, so versions are handled by rebuilding, never by
/// guessing: an index whose recorded migrations are an older prefix of this list is rebuilt
/// from the journals; one that records a migration not in this list (a newer Docket) is
/// refused with a message, never read.
///
///     cases      one row per case: its status summary (JSON, what `status --json` prints), the
///                columns status and search filter on, and `seq`/`journal_bytes`/`journal_mtime`: the
///                last journal event it reflects and the journal's size and modification time
///                then (catch-up is "journal not as recorded → fold it again", so an edited
///                journal is verified again, never shown from the cache; a row never goes back
///                in seq)
///     documents  one row per searchable text of a case: a document (its path under
///                documents/), the case's inputs (`inputs`), or a record (`records/STEP/SEQ`),
///                with its length in characters (for the rank)
///     document_text  FTS5, trigram tokenizer, rowid = documents.id: the text itself, followed
///                by two newlines; `document_vocab` lists its trigrams
///     docket_index   key/value: `complete` is 1 once a fill from the journals has finished
///     cases_stamp, cases_table  covering indexes for the catch-up and the status table
///     cases_queue, cases_stages  the work queue's order and its counts (migration 6)
///     meetings   one row per meeting (title, date, fiscal year, state, journal stamp); its
///                texts are in `documents` with case_id `meeting:<id>`
enum IndexSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("1-cases", """
            CREATE TABLE cases (
                id TEXT PRIMARY KEY NOT NULL,
                seq INTEGER NOT NULL,
                journal_bytes INTEGER NOT NULL,
                journal_mtime INTEGER NOT NULL,
                workflow TEXT NOT NULL,
                state TEXT NOT NULL,
                step TEXT,
                subject TEXT,
                department TEXT,
                fiscal_year INTEGER,
                decision TEXT,
                created TEXT NOT NULL,
                updated TEXT NOT NULL,
                waiting_since TEXT,
                summary TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX cases_state ON cases(state);
            CREATE INDEX cases_workflow ON cases(workflow);
            CREATE TABLE docket_index (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
            """),
        ("2-documents", """
            CREATE TABLE documents (
                id INTEGER PRIMARY KEY,
                case_id TEXT NOT NULL,
                path TEXT NOT NULL,
                kind TEXT NOT NULL,
                UNIQUE (case_id, path)
            );
            CREATE VIRTUAL TABLE document_text USING fts5(body, tokenize = 'trigram');
            """),
        // Narrow copies of what the catch-up and the status table read, in id order, so neither
        // reads the summaries (most of the table's pages): a full read of 100,000 rows.
        ("3-status-columns", """
            CREATE INDEX cases_stamp ON cases(id, journal_bytes, journal_mtime);
            CREATE INDEX cases_table ON cases(id, workflow, state, step, subject, waiting_since, updated);
            """),
        // Meetings (`meetings/<id>/`), for search: their texts are in `documents` under the
        // case_id `meeting:<id>` (see `SQLiteIndex+Meetings.swift`).
        ("4-meetings", """
            CREATE TABLE meetings (
                id TEXT PRIMARY KEY NOT NULL,
                seq INTEGER NOT NULL,
                journal_bytes INTEGER NOT NULL,
                journal_mtime INTEGER NOT NULL,
                title TEXT NOT NULL,
                date TEXT NOT NULL,
                fiscal_year INTEGER,
                state TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        // Search in bounded time (see `SQLiteIndex.search`): each text's length for the rank,
        // the trigram vocabulary that terms of one or two characters are looked up in, and the
        // filters' columns, so a filter is a set of cases found at once. Every text now ends in
        // two newlines, so an index of an earlier Docket is rebuilt (as every older one is).
        ("5-bounded-search", """
            ALTER TABLE documents ADD COLUMN length INTEGER NOT NULL DEFAULT 0;
            CREATE VIRTUAL TABLE document_vocab USING fts5vocab(document_text, 'row');
            CREATE INDEX cases_department ON cases(department);
            CREATE INDEX cases_fiscal_year ON cases(fiscal_year);
            CREATE INDEX cases_decision ON cases(decision);
            """),
        // The board's work queue (`SQLiteIndex.queue`): each case's stage (`QueueStage`: whose
        // turn it is), since when it waits and its step's name, an index walked in queue order that holds every
        // column a queue row shows or filters on (no read of the table), and one that counts
        // by stage under the same filters.
        ("6-work-queue", """
            ALTER TABLE cases ADD COLUMN stage TEXT NOT NULL DEFAULT '';
            ALTER TABLE cases ADD COLUMN since TEXT NOT NULL DEFAULT '';
            ALTER TABLE cases ADD COLUMN step_name TEXT;
            CREATE INDEX cases_queue ON cases(since, id, stage, department, workflow, fiscal_year, decision, state, step, step_name,
                                              subject, waiting_since, updated);
            CREATE INDEX cases_stages ON cases(stage, department, workflow, fiscal_year, decision, state);
            """),
    ]

    static let migrationsTable = "CREATE TABLE IF NOT EXISTS docket_migrations (name TEXT PRIMARY KEY NOT NULL)"
}
