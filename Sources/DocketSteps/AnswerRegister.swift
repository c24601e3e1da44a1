import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The register of answer numbers: one file per fiscal year under `registers/` in the Docket
/// root, one JSON line per number. Numbers are unique and gap-free per fiscal year across all
/// cases: taking one holds an exclusive lock on the register, and a case that asks again (after
/// an interrupted run) gets the number it was already given.
public struct AnswerRegister: Sendable {
    public let folder: URL

    public init(root: URL) {
        folder = root.appendingPathComponent("registers")
    }

    struct Entry: Codable {
        var number: Int
        var caseID: String
        var step: String
        var issued: String
        enum CodingKeys: String, CodingKey { case number, caseID = "case", step, issued }
    }

    public func file(fiscalYear: Int) -> URL {
        folder.appendingPathComponent("answers-\(fiscalYear).jsonl")
    }

    /// The number for (case, step) in `fiscalYear`, taking the next one if it has none yet.
    public func number(fiscalYear: Int, caseID: String, step: String, issued: String) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lockPath = folder.appendingPathComponent(".answers.lock").path
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw CaseError.posix(lockPath) }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CaseError.posix(lockPath) }
        }
        defer { flock(lockFD, LOCK_UN) }
        let url = file(fiscalYear: fiscalYear)
        let entries = try read(url)
        if let existing = entries.first(where: { $0.caseID == caseID && $0.step == step }) { return existing.number }
        let next = (entries.map(\.number).max() ?? 0) + 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = try encoder.encode(Entry(number: next, caseID: caseID, step: step, issued: issued)) + Data("\n".utf8)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CaseError.posix(url.path) }
        defer { close(fd) }
        try FileIO.writeAll(fd, [UInt8](line), path: url.path)
        guard fsync(fd) == 0 else { throw CaseError.posix(url.path) }
        return next
    }

    /// Every (number, case) of a fiscal year, in number order.
    public func numbers(fiscalYear: Int) throws -> [(number: Int, caseID: String)] {
        try read(file(fiscalYear: fiscalYear)).map { ($0.number, $0.caseID) }.sorted { $0.number < $1.number }
    }

    private func read(_ url: URL) throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).enumerated().map { i, line in
            do { return try decoder.decode(Entry.self, from: Data(line)) } catch {
                throw CaseError.brokenJournal(url.path, line: i + 1, "the answer register has a line that cannot be read")
            }
        }
    }
}
