import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The register of answer numbers: one file per fiscal year under `registers/` in the Docket
/// root, one JSON line per number. Numbers are unique and gap-free per fiscal year across all
/// cases: taking one holds an exclusive lock on the register, and a case that asks again (after
/// an interrupted run) gets the number it was already given. Only an answer being issued takes
/// a number (its checks ran on the unnumbered draft), so no number is stranded; an answer
/// withdrawn later keeps its number, and the listing marks it withdrawn (from the case journal).
public struct AnswerRegister: Sendable {
    public let folder: URL

    public init(root: URL) {
        folder = root.appendingPathComponent("registers")
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var number: Int
        public var caseID: String
        public var step: String
        /// The decision date, `YYYY-MM-DD`.
        public var issued: String
        public var subject: String?
        public var department: String?
        public var decision: String?
        /// The number as the answer printed it (令和4年度第1号, or the council's own format):
        /// kept as issued, so a later change of format never renumbers a past answer.
        public var label: String?
        enum CodingKeys: String, CodingKey { case number, caseID = "case", step, issued, subject, department, decision, label }

        /// The number as the answer printed it; for an entry written before labels were kept,
        /// made again from the fiscal year as named on its issue date.
        public func numberLabel(fiscalYear: Int) -> String {
            label ?? AnswerNumberFormat.standard.label(yearLabel: JapaneseDate.fiscalYearLabel(fiscalYear, on: issued), number: number)
        }
    }

    public func file(fiscalYear: Int) -> URL {
        folder.appendingPathComponent("answers-\(fiscalYear).jsonl")
    }

    /// The number for (case, step) in `fiscalYear`, taking the next one if it has none yet;
    /// `label` prints a new number as the answer will (kept in the register).
    public func number(fiscalYear: Int, caseID: String, step: String, issued: String, subject: String? = nil,
                       department: String? = nil, decision: String? = nil,
                       label: ((Int) -> String)? = nil) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lock = try FileLock.waiting(folder.appendingPathComponent(".answers.lock").path)
        defer { withExtendedLifetime(lock) {} }
        let url = file(fiscalYear: fiscalYear)
        let entries = try read(url)
        if let existing = entries.first(where: { $0.caseID == caseID && $0.step == step }) { return existing.number }
        let next = (entries.map(\.number).max() ?? 0) + 1
        try JSONLines.append(Entry(number: next, caseID: caseID, step: step, issued: issued, subject: subject,
                                   department: department, decision: decision, label: label?(next)), to: url)
        return next
    }

    /// Every (number, case) of a fiscal year, in number order.
    public func numbers(fiscalYear: Int) throws -> [(number: Int, caseID: String)] {
        try read(file(fiscalYear: fiscalYear)).map { ($0.number, $0.caseID) }.sorted { $0.number < $1.number }
    }

    /// The fiscal years that have a register, oldest first.
    public func fiscalYears() -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).compactMap { name -> Int? in
            guard name.hasPrefix("answers-"), name.hasSuffix(".jsonl") else { return nil }
            return Int(name.dropFirst(8).dropLast(6))
        }.sorted()
    }

    /// Every entry of a fiscal year, in number order.
    public func entries(fiscalYear: Int) throws -> [Entry] {
        try read(file(fiscalYear: fiscalYear)).sorted { $0.number < $1.number }
    }

    /// Where an issued answer stands, from the kinds of the case's journal events after it was
    /// issued: `withdrawn` if the case was withdrawn (取下げ) and not reopened since, else `issued`.
    /// Matched by name, so the register reads any journal whatever kinds it knows.
    public static func state(afterIssue kinds: [String]) -> String {
        kinds.last(where: { $0 == "withdrawn" || $0 == "reopened" }) == "withdrawn" ? "withdrawn" : "issued"
    }

    /// The state of an entry from its case's journal (`missing` if the case folder is gone).
    public func state(of entry: Entry) -> String {
        let journal = Journal(url: folder.deletingLastPathComponent().appendingPathComponent("cases/\(entry.caseID)/journal.jsonl"))
        guard let events = try? journal.read().events else { return "missing" }
        let issuedAt = events.lastIndex { $0.step == entry.step && $0.type == .completed } ?? 0
        return Self.state(afterIssue: events[issuedAt...].map(\.type.rawValue))
    }

    private func read(_ url: URL) throws -> [Entry] {
        try JSONLines.read(Entry.self, from: url, what: "the answer register")
    }
}
