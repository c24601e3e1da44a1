import DocketCouncil
import Foundation

/// Which cases a listing or a search is about; nil fields do not filter.
public struct CaseFilter: Sendable, Equatable {
    public var state: String?
    public var workflow: String?
    public var department: String?
    public var fiscalYear: Int?
    public var decision: String?

    public init(state: String? = nil, workflow: String? = nil, department: String? = nil,
                fiscalYear: Int? = nil, decision: String? = nil) {
        self.state = state
        self.workflow = workflow
        self.department = department
        self.fiscalYear = fiscalYear
        self.decision = decision
    }

    /// Whether the filter names something only a case has (state, workflow, department,
    /// decision): a search then leaves meetings out (a meeting has a fiscal year, from its date).
    var excludesMeetings: Bool { state != nil || workflow != nil || department != nil || decision != nil }

    /// A fiscal year as a person writes it (see `JapaneseDate.fiscalYear(parsing:)`).
    public static func fiscalYear(parsing text: String) -> Int? { JapaneseDate.fiscalYear(parsing: text) }
}

/// A full-text query. The text is only ever words to find: it is split on spaces and control
/// characters (a NUL included) into terms that must all occur; quotes, `%`, `_`, `*`, `:`,
/// `AND`/`OR`/`NEAR` and SQL are matched literally.
///
/// The trigram tokenizer indexes every run of three characters, so a term of three or more
/// characters is looked up in the full-text index (any substring, Japanese included). A term of
/// one or two characters (「課」, 「個人」) has no trigram of its own: SQLite looks up the
/// trigrams that begin with it in the index's vocabulary (every text ends in two newlines, so
/// every character of a text begins one) and asks for any of them; a term that begins more than
/// `SQLiteIndex.shortTermTrigrams` trigrams is matched by reading the texts instead.
///
/// Ranking is bounded: when more than `rankWithin` texts match, the best of the `rankWithin`
/// texts indexed last are returned and `SearchResults.rankedAmong` says so (a word or a filter
/// narrows it; nil ranks every match, which takes time in proportion to the matches).
public struct SearchQuery: Sendable, Equatable {
    public var terms: [String]
    public var filter: CaseFilter
    public var limit: Int
    /// At most this many matching texts, the ones indexed last, are ranked (nil: all of them).
    public var rankWithin: Int?

    /// How many matching texts a search ranks unless asked otherwise: a query found in most
    /// texts (委託先 in 40,000 of 60,000) is ranked in about 25 ms instead of 150 ms.
    public static let defaultRankWithin = 2_000

    public init(_ text: String, filter: CaseFilter = CaseFilter(), limit: Int = 20, rankWithin: Int? = SearchQuery.defaultRankWithin) {
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if u.properties.isWhitespace || u.value < 0x20 || (0x7F..<0xA0).contains(u.value) {
                if !current.isEmpty { terms.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(u)
            }
        }
        if !current.isEmpty { terms.append(String(current)) }
        var seen = Set<String>()
        self.terms = terms.filter { seen.insert($0.lowercased()).inserted }
        self.filter = filter
        self.limit = max(1, limit)
        self.rankWithin = rankWithin.map { max(1, $0) }
    }

    /// Terms the trigram index can find (three characters or more).
    var indexedTerms: [String] { terms.filter { $0.unicodeScalars.count >= 3 } }
    /// Terms too short for a trigram of their own (see the type's comment).
    var shortTerms: [String] { terms.filter { $0.unicodeScalars.count < 3 } }

    /// `text` as one FTS5 phrase (quoted, a `"` doubled), so no character of the user's text is
    /// read as FTS5 syntax. The expression is bound as a parameter, never spliced.
    static func phrase(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A `LIKE` pattern finding `term` anywhere, with `%`, `_` and the escape `\` taken literally.
    static func likePattern(_ term: String) -> String {
        var out = "%"
        for c in term {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "%"
    }
}

/// What a search found, best first.
public struct SearchResults: Sendable, Equatable {
    public var hits: [SearchHit]
    /// Set when more texts matched than the query's `rankWithin`: the hits are the best of this
    /// many matching texts, the ones indexed last; nil when every match was ranked.
    public var rankedAmong: Int?

    public init(hits: [SearchHit], rankedAmong: Int? = nil) {
        self.hits = hits
        self.rankedAmong = rankedAmong
    }
}

/// One place a query was found.
public struct SearchHit: Codable, Sendable, Equatable {
    /// The case (empty for a meeting's hit, see `meeting`).
    public var `case`: String
    /// The document's path under the case's `documents/`, or `inputs`, or `records/STEP#N`.
    public var document: String
    /// 1-based line of the first match.
    public var line: Int
    /// That line (cut around the match when long) with every term marked `»…«`.
    public var excerpt: String
    public var workflow: String
    public var state: String
    public var subject: String?
    public var department: String?
    public var decision: String?
    public var year: Int?
    /// Higher is a better match (SQLite: `SQLiteRank`; PostgreSQL: occurrences per length);
    /// 0 for a query matched only by reading the texts.
    public var score: Double
    /// The meeting (`meetings/<id>/`) whose text this is, for a hit in a meeting's header,
    /// records or minutes; `case` is then empty, `workflow` empty, `state` the meeting's (open,
    /// closed, archived), `subject` its title and `year` the fiscal year of its date.
    public var meeting: String? = nil
    /// The page of the match, for the text of a PDF (pages separated by form feeds, as the
    /// pdf-text plugin writes it); nil for other texts.
    public var page: Int? = nil
}

/// Finding the line and the excerpt of a hit in a document's text.
enum Excerpt {
    static let open = "»", close = "«"

    /// The page `line` (1-based) is on, when `text` is a PDF's text whose pages are separated
    /// by form feeds; nil for a text without any.
    static func page(ofLine line: Int, in text: String) -> Int? {
        guard text.contains("\u{0C}") else { return nil }
        var page = 1, number = 0
        for l in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            page += l.filter { $0 == "\u{0C}" }.count
            if number >= line { break }
        }
        return page
    }

    /// The first line holding the first term (case-insensitively), its number, and the
    /// excerpt with every term marked; at most about `width` characters around the match.
    static func find(_ terms: [String], in text: String, width: Int = 100) -> (line: Int, excerpt: String)? {
        let lowered = terms.map { $0.lowercased() }
        var number = 0
        var best: (Int, Substring)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let l = line.lowercased()
            if lowered.allSatisfy({ l.contains($0) }) { best = (number, line); break }
            if best == nil, let first = lowered.first, l.contains(first) { best = (number, line) }
        }
        guard let (lineNumber, line) = best else { return nil }
        return (lineNumber, mark(terms, in: String(line), width: width))
    }

    /// `line` cut to about `width` characters around the first term, terms marked.
    static func mark(_ terms: [String], in line: String, width: Int) -> String {
        let chars = Array(line.trimmingCharacters(in: .whitespaces))
        let lowered = chars.map { String($0).lowercased() }
        var marks = [Bool](repeating: false, count: chars.count)
        var firstHit: Int?
        for term in terms {
            let t = term.map { String($0).lowercased() }
            guard !t.isEmpty, t.count <= lowered.count else { continue }
            var i = 0
            while i + t.count <= lowered.count {
                if Array(lowered[i..<i + t.count]) == t {
                    for k in i..<i + t.count { marks[k] = true }
                    firstHit = min(firstHit ?? i, i)
                    i += t.count
                } else { i += 1 }
            }
        }
        var start = 0, end = chars.count
        if chars.count > width {
            start = max(0, (firstHit ?? 0) - width / 3)
            end = min(chars.count, start + width)
        }
        var out = start > 0 ? "…" : ""
        var inside = false
        for i in start..<end {
            if marks[i] != inside { out += marks[i] ? open : close; inside = marks[i] }
            out.append(chars[i])
        }
        if inside { out += close }
        if end < chars.count { out += "…" }
        return out
    }
}

extension CaseFilter {
    /// Whether `summary` passes (for reading the journals without the index).
    public func matches(_ summary: CaseSummary) -> Bool {
        (state == nil || state == summary.state) && (workflow == nil || workflow == summary.workflow)
            && (department == nil || department == summary.department) && (fiscalYear == nil || fiscalYear == summary.fiscalYear)
            && (decision == nil || decision == summary.decision)
    }
}
