import DocketCore
import DocketYAML
import Foundation

/// The journal of the council profile: every version of `council.yaml` Docket has seen, with
/// what changed, who ran the command that saw it and when, kept in `registers/council.jsonl`
/// (one JSON line each, never rewritten). The secretariat edits the profile as a file; the next
/// command records the change before it does anything else, so a meeting's quorum and an
/// answer's signature can be explained years later from the version in force that day.
public struct CouncilHistory: Sendable {
    public let file: URL

    public init(root: URL) {
        file = root.appendingPathComponent("registers/council.jsonl")
    }

    public struct Entry: Codable, Sendable, Equatable {
        /// When the version was first seen (ISO 8601, UTC).
        public var at: String
        /// Who ran the command that saw it.
        public var by: String
        public var sha256: String
        /// What changed from the version before, in words (「委員追加: 山田 太郎」); the first says 「初版」.
        public var changes: [String]
        /// The profile as it was.
        public var text: String
    }

    public func entries() throws -> [Entry] {
        try JSONLines.read(Entry.self, from: file, what: "the council profile's history")
    }

    /// Records the profile at `path` if it is not the last version recorded; returns the new
    /// entry, or nil when nothing changed. The profile must read cleanly (the caller has loaded it).
    @discardableResult
    public func record(profileAt path: String, by user: String, now: Date) throws -> Entry? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let digest = Journal.sha256Hex(data)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lock = try FileLock.waiting(file.deletingLastPathComponent().appendingPathComponent(".council.lock").path)
        defer { withExtendedLifetime(lock) {} }
        let known = try entries()
        if known.last?.sha256 == digest { return nil }
        let current = try CouncilRoster.read(try YAMLLoader().loadSingleDocument(Array(data), file: path), source: path)
        var changes = ["初版"]
        if let last = known.last,
           let previous = try? CouncilRoster.read(try YAMLLoader().loadSingleDocument(Array(last.text.utf8), file: path), source: path) {
            changes = current.changes(from: previous)
            if changes.isEmpty { changes = ["記載の変更（内容は同じ）"] }
        }
        let formatter = ISO8601DateFormatter()
        let entry = Entry(at: formatter.string(from: now), by: user, sha256: digest, changes: changes,
                          text: String(decoding: data, as: UTF8.self))
        try JSONLines.append(entry, to: file, mode: 0o644)
        return entry
    }

    /// The version in force at `instant` (the last one recorded at or before it).
    public func version(at instant: Date) throws -> Entry? {
        let formatter = ISO8601DateFormatter()
        return try entries().last { (formatter.date(from: $0.at) ?? .distantFuture) <= instant }
    }
}

extension CouncilRoster {
    /// What differs from `old`, in words for the history: names, head, members, roles, terms, rules.
    public func changes(from old: CouncilRoster) -> [String] {
        var out: [String] = []
        func compare(_ label: String, _ a: String, _ b: String) {
            if a != b { out.append("\(label): \(a.isEmpty ? "（なし）" : a) → \(b.isEmpty ? "（なし）" : b)") }
        }
        compare("名称", old.name, name)
        compare("組織", old.organization, organization)
        compare("長", old.head, head)
        compare("宛先", old.addressee, addressee)
        compare("事務局", old.secretariat, secretariat)
        compare("執行機関側", old.executiveSide, executiveSide)
        compare("答申番号", old.answerNumber.pattern, answerNumber.pattern)
        compare("所管課", old.departments.joined(separator: "、"), departments.joined(separator: "、"))
        compare("定数", String(old.seats), String(seats))
        compare("会長", old.chair, chair)
        func term(_ m: Membership) -> String {
            m.appointed == nil && m.termEnds == nil ? "任期の定めなし" : "\(m.appointed ?? "")〜\(m.termEnds ?? "")"
        }
        let added = memberships.filter { old.membership(of: $0.name) == nil }
        if !added.isEmpty {
            out.append("委員追加（\(added.count)名）: " + added.map { "\($0.name)（\($0.role == .member ? "" : $0.role.rawValue + "、")\(term($0))）" }.joined(separator: "、"))
        }
        for m in memberships {
            guard let before = old.membership(of: m.name) else { continue }
            if before.role != m.role { out.append("\(m.name): \(before.role.rawValue) → \(m.role.rawValue)") }
            if before.appointed != m.appointed || before.termEnds != m.termEnds {
                out.append("\(m.name)の任期: \(term(before)) → \(term(m))")
            }
        }
        let removed = old.memberships.filter { membership(of: $0.name) == nil }
        if !removed.isEmpty { out.append("委員削除（\(removed.count)名）: " + removed.map(\.name).joined(separator: "、")) }
        compare("規則", old.ruleDescription, ruleDescription)
        for (label, a, b) in [("表決の基数", old.presentBase.rawValue, presentBase.rawValue),
                              ("否決時の付帯意見", old.conditionsOnRejection.rawValue, conditionsOnRejection.rawValue),
                              ("年度の元号", old.fiscalYearEra.rawValue, fiscalYearEra.rawValue)] {
            compare(label, a, b)
        }
        return out
    }
}
