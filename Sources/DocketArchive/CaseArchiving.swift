import DocketCore
import Foundation

extension Archiver {
    /// What `archiveCase` did: the archive, and the archive record it replaces, if any.
    public struct Archived: Sendable {
        public var result: Result
        /// The case's earlier archive record (`archive`, `sha256`, …) and when it was made.
        public var replaced: (record: [String: Value], time: String)?
    }

    /// Archives a case as one action, for both front ends: takes the case lock, folds the
    /// journal, packages and verifies the bag (`archive`), and journals `archived` with the
    /// archive's path, digest and size under `by`.
    public func archiveCase(_ caseID: String, options: Options, by: String, now: Date = Date()) async throws -> Archived {
        let lock = try store.lock(caseID)
        defer { withExtendedLifetime(lock) {} }
        var (contents, state) = try store.load(caseID)
        let bytes = [UInt8](try Data(contentsOf: store.journal(caseID).url))
        let result = try await archive(caseID: caseID, contents: contents, journalBytes: bytes, options: options)
        var event = JournalEvent(type: .archived)
        event.outputs = ["archive": .string("archives/\(result.path.lastPathComponent)"), "sha256": .string(result.sha256),
                         "size": .int(Int(result.size)), "events": .int(result.events), "encrypted": .bool(options.password != nil),
                         "partial": .bool(options.partial)]
        event.by = by
        try store.journal(caseID).append([event], to: &contents, now: now)
        let earlier = state.archive.map { record in
            (record, contents.events.last(where: { $0.type == .archived && $0 != contents.events.last })?.time ?? "earlier")
        }
        return Archived(result: result, replaced: earlier)
    }
}
