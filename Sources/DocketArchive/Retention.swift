import DocketCore
import DocketYAML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Refusals of `docket retention`, in words naming the case and what to do.
public enum RetentionError: DocketFailure, Equatable {
    case noRule(String, workflow: String)
    case notDue(String, until: String)
    case badDate(String, String)
    case archiveMissing(String)
    case archiveInvalid(String, [String])
    case archiveDiffers(String, recorded: String, actual: String)
    case orphanPurge(String)

    public var description: String {
        switch self {
        case .noRule(let id, let workflow):
            return "case '\(id)': its workflow '\(workflow)' states no retention, so nothing is due; add 'retention: {until: …}' to the workflow for new cases"
        case .notDue(let id, let until):
            return "case '\(id)' is kept until \(until); it is not due for deletion yet"
        case .badDate(let id, let why):
            return "case '\(id)': the retention date cannot be worked out: \(TerminalText.escaped(why))"
        case .archiveMissing(let id):
            return "case '\(id)': its workflow keeps the archive, but archives/\(id).zip does not exist; archive the case first"
        case .archiveInvalid(let id, let problems):
            return "case '\(id)': archives/\(id).zip does not verify, so the working copy is not deleted:\n" + problems.map { "  \(TerminalText.escaped($0))" }.joined(separator: "\n")
        case .archiveDiffers(let id, let recorded, let actual):
            return "case '\(id)': archives/\(id).zip (sha256 \(actual)) is not the archive the journal recorded (sha256 \(recorded)); archive the case again before deleting it"
        case .orphanPurge(let name):
            return "cases/\(name) is left from an interrupted deletion, but no certificate in progress under certificates/ says what it holds; check it by hand and remove it, or restore it as a case"
        }
    }

    public var japanese: String? {
        switch self {
        case .noRule(let id, _):
            return "案件 \(id) の手続には保存期間の定めがないため、消去の対象ではありません。"
        case .notDue(let id, let until):
            return "案件 \(id) は \(until) まで保存します。まだ消去できません。"
        case .badDate(let id, let why):
            return "案件 \(id) の保存期限を求められません（\(TerminalText.escaped(why))）。事務局が入力の日付を確かめてください。"
        case .archiveMissing(let id):
            return "案件 \(id) はアーカイブを保存する手続ですが、アーカイブがありません。先にアーカイブしてください。"
        case .archiveInvalid(let id, let problems):
            return "案件 \(id) のアーカイブが検証に通らないため、消去しません：" + problems.map { TerminalText.escaped($0) }.joined(separator: "；")
        case .archiveDiffers(let id, _, _):
            return "案件 \(id) のアーカイブが、記録にあるアーカイブと異なります。アーカイブし直してから消去してください。"
        case .orphanPurge(let name):
            return "中断した消去の残り（\(name)）があり、それを説明する消去証明書がありません。事務局が中身を確かめて、取り除くか案件に戻してください。"
        }
    }

    /// Refused: the case is not in a state to be deleted (the message says what to do first).
    public var kind: FailureKind { .refused }
}

/// When cases' personal data must be deleted, and the deletion itself with its certificate.
public struct Retention: Sendable {
    public var runner: Runner

    public init(runner: Runner) {
        self.runner = runner
    }

    var store: CaseStore { runner.store }

    /// Where a purge can be cut short; tests stop there (as a kill would) to check that the
    /// next command finishes it.
    enum Stage: Sendable { case certificateWritten, renamed, someFilesRemoved, certificateFinished, registerWritten }
    struct Stopped: Error {}
    var stopAfter: Stage?

    func reached(_ stage: Stage) throws {
        if stage == stopAfter { throw Stopped() }
    }

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

    /// The cases due on `date`, and the cases whose retention could not be worked out
    /// (a damaged journal, a snapshot that no longer loads): those are named, never skipped
    /// silently, and never stop the others from being listed.
    public struct DueReport: Sendable {
        public var due: [Entry] = []
        /// One message per case that could not be checked.
        public var problems: [String] = []
    }

    /// Every case whose retention ended before `date` (YYYY-MM-DD); see `DueReport`.
    public func dueReport(on date: String) -> DueReport {
        var report = DueReport()
        do { try finishInterruptedPurges() } catch { report.problems.append("\(error)") }
        for name in store.leftovers() {
            report.problems.append(name.hasPrefix(".purging-") ? RetentionError.orphanPurge(name).description
                : "cases/\(name) is left from an interrupted 'new' that is no longer running; it holds no case: remove it")
        }
        for id in store.caseIDs() {
            do {
                if let entry = try entry(id, on: date), entry.due { report.due.append(entry) }
            } catch {
                report.problems.append("case '\(id)': \(error)")
            }
        }
        return report
    }

    /// Every case whose retention ended before `date` (YYYY-MM-DD), leaving out the cases
    /// `dueReport` names as problems.
    public func due(on date: String) -> [Entry] {
        dueReport(on: date).due
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

        static let inProgress = "in progress"
        static let deleted = "deleted"

        enum CodingKeys: String, CodingKey {
            case caseID = "case", workflow, retentionUntil = "retention_until", status, deletedAt = "deleted_at", deletedBy = "deleted_by"
            case journalLastSHA256 = "journal_last_sha256", deleted, before, after, caseFolderAfter = "case_folder_after"
            case archive, archiveKept = "archive_kept", archiveVerified = "archive_verified"
        }
    }

    /// Deletes the case's working copy (and its archive, unless the workflow keeps it) once its
    /// retention has ended, after checking that a kept archive exists, verifies and is the one
    /// the journal recorded.
    ///
    /// Two phases, so a purge killed at any point is finished by the next `retention` command
    /// (`finishInterruptedPurges`), never left half done:
    /// 1. prepare: the certificate is written, marked in progress, with the listing before;
    ///    then the case folder is renamed to `cases/.purging-<id>` (it leaves every listing at
    ///    once; nothing is deleted before this rename).
    /// 2. finish (idempotent, driven by the certificate alone): the files under
    ///    `.purging-<id>` and, unless kept, the archive are removed; the certificate is
    ///    rewritten as deleted with the listing after; the register gets its line (once); the
    ///    empty `.purging-<id>` folder goes last, so an interruption always leaves it to find.
    public func purge(_ id: String, on date: String, password: String?, now: Date) throws -> (Certificate, URL) {
        let finished = try finishInterruptedPurges()
        if let done = finished.first(where: { $0.0.caseID == id }) { return done }
        let purges = try store.lockPurges()
        defer { withExtendedLifetime(purges) {} }
        let lock = try store.lock(id)
        let (contents, state) = try store.load(id)
        guard let entry = try entry(id, on: date) else {
            throw RetentionError.noRule(id, workflow: state.workflow?.name ?? "")
        }
        guard entry.due else { throw RetentionError.notDue(id, until: entry.until) }
        let archiveURL = archive(id)
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
        let certificate = Certificate(
            caseID: id, workflow: entry.workflow, retentionUntil: entry.until, status: Certificate.inProgress,
            deletedAt: Timestamp.string(now), deletedBy: runner.user, journalLastSHA256: contents.lastHash,
            deleted: deleted, before: before, after: [], caseFolderAfter: "", archive: archiveRecord,
            archiveKept: entry.keepArchive && archiveRecord != nil, archiveVerified: verified)
        try FileManager.default.createDirectory(at: certificatesFolder, withIntermediateDirectories: true)
        try write(certificate)
        try reached(.certificateWritten)

        // The point of no return: one rename, under the case's lock.
        guard rename(caseFolder.path, purging(id).path) == 0 else { throw CaseError.posix(caseFolder.path) }
        try FileIO.syncFolder(store.casesFolder)
        withExtendedLifetime(lock) {}
        try reached(.renamed)
        return try finish(certificate)
    }

    /// Finishes every purge that was interrupted after its rename (`cases/.purging-*`), from its
    /// certificate; returns each finished certificate. A `.purging-*` folder without a
    /// certificate is left alone (nothing certifies what it holds; `dueReport` names it).
    @discardableResult
    public func finishInterruptedPurges() throws -> [(Certificate, URL)] {
        let lock = try store.lockPurges()
        defer { withExtendedLifetime(lock) {} }
        var done: [(Certificate, URL)] = []
        for name in ((try? FileIO.names(in: store.casesFolder)) ?? []).sorted() where name.hasPrefix(".purging-") {
            let rest = String(name.dropFirst(".purging-".count))
            // Docket 1 named the folder `.purging-<id>-<pid>`.
            var candidates = [rest]
            if let dash = rest.lastIndex(of: "-"), rest[rest.index(after: dash)...].allSatisfy(\.isNumber) {
                candidates.append(String(rest[..<dash]))
            }
            guard let id = candidates.first(where: { FileManager.default.fileExists(atPath: certificateJSON($0).path) }),
                  var certificate = try? JSONDecoder().decode(Certificate.self, from: Data(contentsOf: certificateJSON(id)))
            else { continue }  // reported by `dueReport`
            let folder = store.casesFolder.appendingPathComponent(name)
            if folder != purging(id) {
                guard rename(folder.path, purging(id).path) == 0 else { throw CaseError.posix(folder.path) }
            }
            if certificate.status != Certificate.inProgress && certificate.status != Certificate.deleted {
                certificate.status = Certificate.inProgress
            }
            done.append(try finish(certificate))
        }
        return done
    }

    /// Phase 2 of `purge`; safe to run again after an interruption at any point.
    func finish(_ prepared: Certificate) throws -> (Certificate, URL) {
        var certificate = prepared
        let id = certificate.caseID
        let doomed = purging(id)
        let fm = FileManager.default
        if fm.fileExists(atPath: doomed.path) {
            for name in try FileIO.names(in: doomed).sorted() {
                try removeTree(doomed.appendingPathComponent(name))
                try reached(.someFilesRemoved)
            }
            try FileIO.syncFolder(doomed)
        }
        let archiveURL = archive(id)
        if !certificate.archiveKept, let recorded = certificate.archive, fm.fileExists(atPath: archiveURL.path),
           (try? FileIO.digest(of: archiveURL.path).sha256) == recorded.sha256 {
            try fm.removeItem(at: archiveURL)
            try FileIO.syncFolder(store.archivesFolder)
        }
        if certificate.status != Certificate.deleted {
            let leftover = (try? FileIO.names(in: doomed)) ?? []
            let caseGone = leftover.isEmpty && !fm.fileExists(atPath: store.folder(id).path)
            var after: [FileRecord] = []
            if fm.fileExists(atPath: archiveURL.path) {
                let digest = try FileIO.digest(of: archiveURL.path)
                after.append(FileRecord(path: "archives/\(id).zip", size: digest.size, sha256: digest.sha256))
            }
            certificate.after = after
            certificate.caseFolderAfter = caseGone ? "absent" : "STILL PRESENT"
            certificate.status = caseGone ? Certificate.deleted : "incomplete: the case folder is still present"
            try write(certificate)
        }
        try reached(.certificateFinished)
        try appendRegister(certificate)
        try reached(.registerWritten)
        if fm.fileExists(atPath: doomed.path) {
            guard rmdir(doomed.path) == 0 else { throw CaseError.posix(doomed.path) }
            try FileIO.syncFolder(store.casesFolder)
        }
        return (certificate, certificateMarkdown(id))
    }

    /// Removes a file or a folder with everything in it; read-only documents included.
    private func removeTree(_ url: URL) throws {
        var st = stat()
        guard lstat(url.path, &st) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            _ = chmod(url.path, 0o700)
            for name in try FileIO.names(in: url) { try removeTree(url.appendingPathComponent(name)) }
            guard rmdir(url.path) == 0 || errno == ENOENT else { throw CaseError.posix(url.path) }
        } else {
            guard unlink(url.path) == 0 || errno == ENOENT else { throw CaseError.posix(url.path) }
        }
    }

    var certificatesFolder: URL { store.root.appendingPathComponent("certificates") }
    func certificateJSON(_ id: String) -> URL { certificatesFolder.appendingPathComponent("\(id)-deletion-certificate.json") }
    func certificateMarkdown(_ id: String) -> URL { certificatesFolder.appendingPathComponent("\(id)-消去証明書.md") }
    func purging(_ id: String) -> URL { store.casesFolder.appendingPathComponent(".purging-\(id)") }
    func archive(_ id: String) -> URL { store.archivesFolder.appendingPathComponent("\(id).zip") }

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

    func write(_ c: Certificate) throws {
        let json = certificateJSON(c.caseID), markdown = certificateMarkdown(c.caseID)
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
        text += "\n## 消去後 (listing after)\n\n" + (c.status == Certificate.inProgress ? "（消去中 / in progress）\n" : table(c.after))
        try FileIO.writeAtomically(Array(text.utf8), to: markdown, mode: 0o644)
    }

    /// Adds the purge's line to `registers/purges.jsonl`, unless a finished earlier attempt
    /// already did (the line is keyed by case and `deleted_at`).
    func appendRegister(_ c: Certificate) throws {
        let folder = store.root.appendingPathComponent("registers")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("purges.jsonl")
        let line: [String: String] = ["case": c.caseID, "deleted_at": c.deletedAt, "deleted_by": c.deletedBy, "status": c.status,
                                      "files": String(c.deleted.count), "certificate": "certificates/\(c.caseID)-deletion-certificate.json"]
        if let existing = FileManager.default.contents(atPath: url.path) {
            for raw in existing.split(separator: 0x0A) {
                if let old = try? JSONDecoder().decode([String: String].self, from: Data(raw)),
                   old["case"] == c.caseID, old["deleted_at"] == c.deletedAt { return }
            }
        }
        try JSONLines.append(line, to: url, mode: 0o644, outputFormatting: .withoutEscapingSlashes)
    }
}
