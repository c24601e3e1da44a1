import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Refusals of `docket retention`, in words naming the case and what to do.
public enum RetentionError: Error, CustomStringConvertible, Equatable {
    case noRule(String, workflow: String)
    case notDue(String, until: String)
    case badDate(String, String)
    case archiveMissing(String)
    case archiveInvalid(String, [String])
    case archiveDiffers(String, recorded: String, actual: String)

    public var description: String {
        switch self {
        case .noRule(let id, let workflow):
            return "case '\(id)': its workflow '\(workflow)' states no retention, so nothing is due; add 'retention: {until: …}' to the workflow for new cases"
        case .notDue(let id, let until):
            return "case '\(id)' is kept until \(until); it is not due for deletion yet"
        case .badDate(let id, let why):
            return "case '\(id)': the retention date cannot be worked out: \(why)"
        case .archiveMissing(let id):
            return "case '\(id)': its workflow keeps the archive, but archives/\(id).zip does not exist; archive it first with 'docket archive \(id)'"
        case .archiveInvalid(let id, let problems):
            return "case '\(id)': archives/\(id).zip does not verify, so the working copy is not deleted:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .archiveDiffers(let id, let recorded, let actual):
            return "case '\(id)': archives/\(id).zip (sha256 \(actual)) is not the archive the journal recorded (sha256 \(recorded)); archive the case again before deleting it"
        }
    }
}

/// When cases' personal data must be deleted, and the deletion itself with its certificate.
public struct Retention: Sendable {
    public var runner: Runner

    public init(runner: Runner) {
        self.runner = runner
    }

    var store: CaseStore { runner.store }

    /// One case's retention.
    public struct Entry: Sendable, Codable {
        public var caseID: String
        public var workflow: String
        public var until: String
        public var keepArchive: Bool
        public var state: String
        public var archived: Bool
        public var due: Bool
        enum CodingKeys: String, CodingKey { case caseID = "case", workflow, until, keepArchive = "keep_archive", state, archived, due }
    }

    /// The retention of one case, or nil when its workflow states none.
    public func entry(_ id: String, on date: String) throws -> Entry? {
        let (_, state) = try store.load(id)
        let workflow = try runner.workflow(of: id)
        guard let rule = workflow.retention else { return nil }
        let scope = ExpressionScope(caseID: id, inputs: state.inputs, outputs: [:])
        let value: Value
        do { value = try rule.until.evaluate(in: scope) } catch { throw RetentionError.badDate(id, error.message) }
        guard let until = value.stringValue, SchemaCheck.isDate(until) else {
            throw RetentionError.badDate(id, "'until' gave '\(value)', not a date")
        }
        let order = workflow.steps.map(\.id)
        let archived = FileManager.default.fileExists(atPath: store.archivesFolder.appendingPathComponent("\(id).zip").path)
        return Entry(caseID: id, workflow: workflow.name, until: until, keepArchive: rule.keepArchive,
                     state: state.status(order: order).rawValue, archived: archived, due: until < date)
    }

    /// Every case whose retention ended before `date` (YYYY-MM-DD).
    public func due(on date: String) throws -> [Entry] {
        try store.caseIDs().compactMap { try entry($0, on: date) }.filter(\.due)
    }

    /// One file as the certificate lists it.
    public struct FileRecord: Sendable, Codable, Equatable {
        public var path: String
        public var size: Int64
        public var sha256: String
    }

    /// The deletion certificate (消去証明書): what was deleted, the listing before and after, when
    /// and by whom.
    public struct Certificate: Sendable, Codable {
        public var caseID: String
        public var workflow: String
        public var retentionUntil: String
        public var status: String
        public var deletedAt: String
        public var deletedBy: String
        public var journalLastSHA256: String
        public var deleted: [FileRecord]
        public var before: [FileRecord]
        public var after: [FileRecord]
        public var caseFolderAfter: String
        public var archive: FileRecord?
        public var archiveKept: Bool
        public var archiveVerified: Bool

        enum CodingKeys: String, CodingKey {
            case caseID = "case", workflow, retentionUntil = "retention_until", status, deletedAt = "deleted_at", deletedBy = "deleted_by"
            case journalLastSHA256 = "journal_last_sha256", deleted, before, after, caseFolderAfter = "case_folder_after"
            case archive, archiveKept = "archive_kept", archiveVerified = "archive_verified"
        }
    }

    /// Deletes the case's working copy (and its archive, unless the workflow keeps it) once its
    /// retention has ended, after checking that a kept archive exists, verifies and is the one
    /// the journal recorded. Writes the certificate under `certificates/` before deleting
    /// (marked in progress) and again after, with the listing that proves the deletion.
    public func purge(_ id: String, on date: String, password: String?, now: Date) throws -> (Certificate, URL) {
        let lock = try store.lock(id)
        let (contents, state) = try store.load(id)
        guard let entry = try entry(id, on: date) else {
            throw RetentionError.noRule(id, workflow: state.workflow?.name ?? "")
        }
        guard entry.due else { throw RetentionError.notDue(id, until: entry.until) }
        let archiveURL = store.archivesFolder.appendingPathComponent("\(id).zip")
        let archiveExists = FileManager.default.fileExists(atPath: archiveURL.path)
        var archiveRecord: FileRecord?
        var verified = false
        if archiveExists {
            let digest = try FileIO.digest(of: archiveURL.path)
            archiveRecord = FileRecord(path: "archives/\(id).zip", size: digest.size, sha256: digest.sha256)
        }
        if entry.keepArchive {
            guard let archiveRecord else { throw RetentionError.archiveMissing(id) }
            let report = Verifier.verify(path: archiveURL.path, password: password)
            guard report.problems.isEmpty else { throw RetentionError.archiveInvalid(id, report.problems) }
            let recorded = contents.events.reversed().compactMap { e -> String? in
                e.type == .archived ? e.outputs?["sha256"]?.stringValue : (e.type == .completed ? e.outputs?["sha256"]?.stringValue : nil)
            }.first
            if let recorded, recorded != archiveRecord.sha256 {
                throw RetentionError.archiveDiffers(id, recorded: recorded, actual: archiveRecord.sha256)
            }
            verified = true
        }

        let caseFolder = store.folder(id)
        let before = try listing(caseFolder, prefix: "cases/\(id)") + (archiveRecord.map { [$0] } ?? [])
        var deleted = before.filter { $0.path.hasPrefix("cases/") }
        if !entry.keepArchive, let archiveRecord { deleted.append(archiveRecord) }
        var certificate = Certificate(
            caseID: id, workflow: entry.workflow, retentionUntil: entry.until, status: "in progress",
            deletedAt: Timestamp.string(now), deletedBy: runner.user, journalLastSHA256: contents.lastHash,
            deleted: deleted, before: before, after: [], caseFolderAfter: "", archive: archiveRecord,
            archiveKept: entry.keepArchive && archiveRecord != nil, archiveVerified: verified)
        let certificates = store.root.appendingPathComponent("certificates")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        let jsonURL = certificates.appendingPathComponent("\(id)-deletion-certificate.json")
        let mdURL = certificates.appendingPathComponent("\(id)-消去証明書.md")
        try write(certificate, json: jsonURL, markdown: mdURL)

        // The case disappears at once (one rename), then its files are removed.
        let doomed = store.casesFolder.appendingPathComponent(".purging-\(id)-\(getpid())")
        guard rename(caseFolder.path, doomed.path) == 0 else { throw CaseError.posix(caseFolder.path) }
        try FileIO.syncFolder(store.casesFolder)
        withExtendedLifetime(lock) {}
        try FileManager.default.removeItem(at: doomed)
        if !entry.keepArchive, archiveExists {
            try FileManager.default.removeItem(at: archiveURL)
            try FileIO.syncFolder(store.archivesFolder)
        }

        let caseGone = !FileManager.default.fileExists(atPath: caseFolder.path) && !FileManager.default.fileExists(atPath: doomed.path)
        var after: [FileRecord] = []
        if FileManager.default.fileExists(atPath: archiveURL.path) {
            let digest = try FileIO.digest(of: archiveURL.path)
            after.append(FileRecord(path: "archives/\(id).zip", size: digest.size, sha256: digest.sha256))
        }
        certificate.after = after
        certificate.caseFolderAfter = caseGone ? "absent" : "STILL PRESENT"
        certificate.status = caseGone ? "deleted" : "incomplete: the case folder is still present"
        try write(certificate, json: jsonURL, markdown: mdURL)
        try appendRegister(certificate)
        return (certificate, mdURL)
    }

    /// Every regular file under `folder`, with size and SHA-256, sorted.
    func listing(_ folder: URL, prefix: String) throws -> [FileRecord] {
        var records: [FileRecord] = []
        func walk(_ dir: URL, _ rel: String) throws {
            for name in try FileIO.names(in: dir).sorted() {
                let url = dir.appendingPathComponent(name)
                var st = stat()
                guard lstat(url.path, &st) == 0 else { continue }
                if st.st_mode & S_IFMT == S_IFDIR {
                    try walk(url, "\(rel)/\(name)")
                } else {
                    let digest = try FileIO.digest(of: url.path)
                    records.append(FileRecord(path: "\(rel)/\(name)", size: digest.size, sha256: digest.sha256))
                }
            }
        }
        try walk(folder, prefix)
        return records
    }

    func write(_ c: Certificate, json: URL, markdown: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically([UInt8](try encoder.encode(c)) + [0x0A], to: json, mode: 0o644)
        func table(_ files: [FileRecord]) -> String {
            files.isEmpty ? "（なし / none）\n" : "| path | bytes | SHA-256 |\n|---|---|---|\n" + files.map { "| \($0.path) | \($0.size) | \($0.sha256) |\n" }.joined()
        }
        let deletedBytes = c.deleted.reduce(Int64(0)) { $0 + $1.size }
        var text = """
            # 消去証明書（Deletion certificate）

            | | |
            |---|---|
            | 案件 (case) | \(c.caseID) |
            | ワークフロー (workflow) | \(c.workflow) |
            | 保有期限 (retention until) | \(c.retentionUntil) |
            | 状態 (status) | \(c.status) |
            | 消去日時 (deleted at, UTC) | \(c.deletedAt) |
            | 実施者 (deleted by) | \(c.deletedBy) |
            | ジャーナル最終ハッシュ (journal's last SHA-256) | \(c.journalLastSHA256) |
            | アーカイブ (archive) | \(c.archive.map { "\($0.path), SHA-256 \($0.sha256)" } ?? "none") — \(c.archiveKept ? "kept\(c.archiveVerified ? ", verified before deletion" : "")" : "deleted") |
            | 消去後の案件フォルダ (case folder after) | \(c.caseFolderAfter.isEmpty ? "(not yet deleted)" : c.caseFolderAfter) |

            ## 消去したもの (deleted: \(c.deleted.count) files, \(deletedBytes) bytes)


            """
        text += table(c.deleted)
        text += "\n## 消去前 (listing before)\n\n" + table(c.before)
        text += "\n## 消去後 (listing after)\n\n" + (c.status == "in progress" ? "（消去中 / in progress）\n" : table(c.after))
        try FileIO.writeAtomically(Array(text.utf8), to: markdown, mode: 0o644)
    }

    func appendRegister(_ c: Certificate) throws {
        let folder = store.root.appendingPathComponent("registers")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("purges.jsonl")
        let line: [String: String] = ["case": c.caseID, "deleted_at": c.deletedAt, "deleted_by": c.deletedBy, "status": c.status,
                                      "files": String(c.deleted.count), "certificate": "certificates/\(c.caseID)-deletion-certificate.json"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CaseError.posix(url.path) }
        defer { close(fd) }
        try FileIO.writeAll(fd, [UInt8](try encoder.encode(line)) + [0x0A], path: url.path)
        _ = fsync(fd)
    }
}
