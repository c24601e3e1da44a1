import DocketCore
import Foundation

extension Archiver {
    /// What archiving a case did: the archive written, and the one it replaced, if any.
    public struct Archived: Sendable {
        public var result: Result
        /// The earlier archive's record (`time`, `sha256`), when the case had been archived before.
        public var replaced: (time: String, sha256: String)?
    }

    /// The archive action, for every front end (`docket archive`, the board): takes the case
    /// lock, packages the case (see `archive(caseID:…)`), and journals `archived` with who did
    /// it (`by`). Throws `CaseError` (busy, no such case) or `ArchiveError`; nothing is
    /// journaled when packaging fails.
    public func archiveCase(_ id: String, options: Options, by: String, now: Date = Date()) async throws -> Archived {
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let (loaded, state) = try store.load(id)
        var contents = loaded
        let bytes = [UInt8](try Data(contentsOf: store.journal(id).url))
        let result = try await archive(caseID: id, contents: contents, journalBytes: bytes, options: options)
        var event = JournalEvent(type: .archived)
        event.outputs = ["archive": .string("archives/\(result.path.lastPathComponent)"), "sha256": .string(result.sha256),
                         "size": .int(Int(result.size)), "events": .int(result.events), "encrypted": .bool(options.password != nil),
                         "partial": .bool(options.partial)]
        event.by = by
        let earlier = state.archive
        let earlierTime = contents.events.last(where: { $0.type == .archived })?.time
        try store.journal(id).append([event], to: &contents, now: now)
        return Archived(result: result, replaced: earlier.map { (earlierTime ?? "earlier", $0["sha256"]?.stringValue ?? "?") })
    }
}
