import CSQLite

/// `docket_rank(document_text, length)`: the score `search` orders matches by, an FTS5
/// auxiliary function registered on each connection.
///
/// It is BM25's term-frequency part (each phrase's count saturates, k1 = 1.2, and is scaled by
/// the text's length against the average, b = 0.75) without BM25's inverse document
/// frequency: every word of a query must occur, so the words weigh the same. Leaving the IDF
/// out is what makes it cheap: FTS5's `bm25()` counts, for every query, all the texts holding
/// each phrase (15 ms for a word found in 40,000 texts) and looks up each match's size in a
/// second table; this reads only the positions the match already found, and the length from
/// the `documents` row the search joins anyway. Higher is better.
enum SQLiteRank {
    static let name = "docket_rank"

    /// Registers the function on `db` (a connection with FTS5, as every SQLite Debian ships).
    static func register(on db: OpaquePointer) -> Bool {
        guard let api = fts5API(db) else { return false }
        return name.withCString { api.pointee.xCreateFunction(api, $0, nil, score, nil) } == SQLITE_OK
    }

    /// FTS5's API, handed out through `SELECT fts5(?)` with a pointer bound to the parameter.
    private static func fts5API(_ db: OpaquePointer) -> UnsafeMutablePointer<fts5_api>? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nil) == SQLITE_OK else { return nil }
        defer { sqlite3_finalize(statement) }
        var api: UnsafeMutablePointer<fts5_api>?
        // The type name must stay valid until the step has read the pointer: both run inside.
        let rc = withUnsafeMutablePointer(to: &api) { slot in
            "fts5_api_ptr".withCString { type in
                sqlite3_bind_pointer(statement, 1, slot, type, nil) == SQLITE_OK ? sqlite3_step(statement) : SQLITE_ERROR
            }
        }
        return rc == SQLITE_ROW ? api : nil
    }

    private static let score: fts5_extension_function = { api, fts, context, argc, argv in
        guard let x = api?.pointee, let fts, let phraseCount = x.xPhraseCount, let first = x.xPhraseFirst,
              let next = x.xPhraseNext else { return }
        let k1 = 1.2, b = 0.75
        let length = argc > 0 ? sqlite3_value_double(argv?[0]) : 0
        var rows: Int64 = 0, tokens: Int64 = 0
        _ = x.xRowCount?(fts, &rows)
        _ = x.xColumnTotalSize?(fts, -1, &tokens)
        // The trigram tokenizer makes a token of nearly every character, so characters and
        // tokens compare.
        let average = rows > 0 && tokens > 0 ? Double(tokens) / Double(rows) : max(length, 1)
        let norm = k1 * (1 - b + b * length / average)
        var total = 0.0
        for phrase in 0..<phraseCount(fts) {
            var iterator = Fts5PhraseIter()
            var column: Int32 = 0, offset: Int32 = 0
            var hits = 0.0
            guard first(fts, phrase, &iterator, &column, &offset) == SQLITE_OK else { continue }
            while column >= 0 {
                hits += 1
                next(fts, &iterator, &column, &offset)
            }
            total += hits * (k1 + 1) / (hits + norm)
        }
        sqlite3_result_double(context, total)
    }
}
