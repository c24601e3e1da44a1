import DocketYAML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The folder that holds cases (`cases/`) and archives (`archives/`), and the layout of a case:
///
///     cases/<id>/workflow.yaml         snapshot of the definition (never re-read from workflows/)
///     cases/<id>/workflow-files/…      snapshots of the files it references (templates)
///     cases/<id>/journal.jsonl         append-only, hash-chained events
///     cases/<id>/journal.head          the journal's anchor (`JournalAnchor`)
///     cases/<id>/documents/<step>/…    what each step produced
///     cases/<id>/.staging/             a running step's output, moved in on completion
///     cases/<id>/.lock                 held (flock) while a command works on the case
public struct CaseStore: Sendable {
    public let root: URL
    /// The folder under `root` holding the records: `cases`, or `meetings` for DocketMeetings,
    /// which keeps each meeting the way a case is kept (snapshot, journal, documents, lock).
    public let folderName: String
    /// Told of every journal append (the case index), if any.
    public var observer: (any JournalObserver)?

    public init(root: URL, folderName: String = "cases", observer: (any JournalObserver)? = nil) {
        self.root = root
        self.folderName = folderName
        self.observer = observer
    }

    public var casesFolder: URL { root.appendingPathComponent(folderName) }
    /// `archives/`, or `archives/<folderName>/` for records other than cases.
    public var archivesFolder: URL {
        folderName == "cases" ? root.appendingPathComponent("archives") : root.appendingPathComponent("archives/\(folderName)")
    }

    public func folder(_ id: String) -> URL { casesFolder.appendingPathComponent(id) }
    public func journal(_ id: String) -> Journal { Journal(url: folder(id).appendingPathComponent("journal.jsonl"), observer: observer) }
    public func workflowFile(_ id: String) -> URL { folder(id).appendingPathComponent("workflow.yaml") }
    public func workflowFiles(_ id: String) -> URL { folder(id).appendingPathComponent("workflow-files") }
    public func documents(_ id: String) -> URL { folder(id).appendingPathComponent("documents") }
    public func staging(_ id: String) -> URL { folder(id).appendingPathComponent(".staging") }

    /// Case ids: ASCII letters, digits, '-', '_', '.', starting with a letter or digit.
    public static func isValidCaseID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.count <= 64,
              (first >= "a" && first <= "z") || (first >= "A" && first <= "Z") || (first >= "0" && first <= "9")
        else { return false }
        return id.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    /// Ids of every case, sorted: each folder holding a journal, its anchor or a workflow
    /// snapshot (a case whose journal was deleted is listed, so it is reported as damaged
    /// rather than forgotten with its personal data still on disk).
    public func caseIDs() -> [String] {
        let names = (try? FileIO.names(in: casesFolder)) ?? []
        return names.filter { !$0.hasPrefix(".") && isCaseFolder($0) }.sorted()
    }

    private func isCaseFolder(_ id: String) -> Bool {
        // Plain path strings: listing 100,000 cases made URLs a large part of `status`.
        let base = casesFolder.path + "/" + id + "/"
        return ["journal.jsonl", JournalAnchor.fileName, "workflow.yaml"].contains { access(base + $0, F_OK) == 0 }
    }

    /// Throws `noSuchCase` unless the case exists.
    public func requireCase(_ id: String) throws {
        guard Self.isValidCaseID(id) else { throw CaseError.invalidCaseID(id) }
        guard isCaseFolder(id) else {
            throw CaseError.noSuchCase(id, known: caseIDs())
        }
    }

    /// Creates a case atomically: everything is written in a hidden folder, then renamed into
    /// place, so a case either exists whole (with its first journal event) or not at all.
    public func create(id: String, workflowText: [UInt8], workflowSource: String, workflowName: String,
                       referencedFiles: [(relative: String, source: URL)], inputs: [String: Value],
                       by user: String, now: Date) throws {
        guard Self.isValidCaseID(id) else { throw CaseError.invalidCaseID(id) }
        let fm = FileManager.default
        try fm.createDirectory(at: casesFolder, withIntermediateDirectories: true)
        removeAbandonedNewFolders()
        if fm.fileExists(atPath: folder(id).path) { throw CaseError.caseExists(id) }
        let temp = casesFolder.appendingPathComponent(".new-\(id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try FileIO.writeAtomically(workflowText, to: temp.appendingPathComponent("workflow.yaml"))
            var files: [DocumentRecord] = []
            for (relative, source) in referencedFiles {
                let target = temp.appendingPathComponent("workflow-files").appendingPathComponent(relative)
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard let data = fm.contents(atPath: source.path) else { throw CaseError.unreadable(source.path, "cannot read the file the workflow refers to") }
                try FileIO.writeAtomically([UInt8](data), to: target)
                let digest = try FileIO.digest(of: target.path)
                files.append(DocumentRecord(path: relative, size: digest.size, sha256: digest.sha256))
            }
            var event = JournalEvent(type: .created)
            event.caseID = id
            event.workflow = WorkflowSnapshot(name: workflowName, source: workflowSource,
                                              sha256: Journal.sha256Hex(workflowText), files: files)
            event.inputs = inputs
            event.by = user
            let journal = Journal(url: temp.appendingPathComponent("journal.jsonl"))
            var contents = Journal.Contents.empty
            try journal.append([event], to: &contents, now: now)
            try FileIO.syncFolder(temp)
            // Two `docket new` racing for one id: the second rename finds the first's folder
            // (not empty) and fails, so it reports that the case exists.
            if fm.fileExists(atPath: folder(id).path) { throw CaseError.caseExists(id) }
            guard rename(temp.path, folder(id).path) == 0 else {
                throw errno == EEXIST || errno == ENOTEMPTY ? CaseError.caseExists(id) : CaseError.posix(folder(id).path)
            }
            try FileIO.syncFolder(casesFolder)
            observer?.journal(self.journal(id), appended: contents.events, now: contents)
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
    }

    /// Refuses a case whose workflow snapshot is not the one its journal records: a run never
    /// follows a rewritten definition. (Files it references are checked where a step uses them.)
    public func checkSnapshot(_ id: String, recorded: WorkflowSnapshot?) throws {
        guard let recorded, (try? FileIO.digest(of: workflowFile(id).path).sha256) != recorded.sha256 else { return }
        throw CaseError.workflowChanged(workflowFile(id).path, "it is not the file the journal records (SHA-256 \(recorded.sha256)); restore it from a backup or the case's archive")
    }

    /// Hidden folders a killed command left in `cases/`: `.purging-*` (a deletion not yet
    /// finished) and `.new-*` of a `new` no longer running. Those of a `new` that still runs,
    /// or that may (its process id cannot be read), are not listed. `names`: the folder's
    /// names if the caller has just listed it.
    public func leftovers(among names: [String]? = nil) -> [String] {
        (names ?? (try? FileIO.names(in: casesFolder)) ?? []).filter { name in
            if name.hasPrefix(".purging-") { return true }
            guard name.hasPrefix(".new-") else { return false }
            return Self.creatorGone(name)
        }.sorted()
    }

    /// Removes the `.new-*` folders of `new` commands that died (they hold no case: the rename
    /// that makes a case is its last step).
    public func removeAbandonedNewFolders() {
        for name in leftovers() where name.hasPrefix(".new-") {
            try? FileManager.default.removeItem(at: casesFolder.appendingPathComponent(name))
        }
    }

    /// Whether the process that made `.new-<id>-<pid>-<random>` is gone.
    static func creatorGone(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        guard parts.count >= 3, let pid = pid_t(parts[parts.count - 2]), pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Serialises `retention purge` and the finishing of interrupted purges.
    public func lockPurges() throws -> CaseLock {
        try FileManager.default.createDirectory(at: casesFolder, withIntermediateDirectories: true)
        return try FileLock.forCase(casesFolder.appendingPathComponent(".purge.lock").path, caseID: "retention purge")
    }

    /// Takes the case's lock for the life of the returned value; refuses at once if another
    /// command holds it (the kernel releases it if that command dies).
    public func lock(_ id: String) throws -> CaseLock {
        try requireCase(id)
        return try FileLock.forCase(folder(id).appendingPathComponent(".lock").path, caseID: id)
    }

    /// The verified journal and the state folded from it.
    public func load(_ id: String) throws -> (Journal.Contents, CaseState) {
        try requireCase(id)
        let journal = journal(id)
        guard FileManager.default.fileExists(atPath: journal.url.path) else {
            if try journal.readAnchor() != nil { _ = try journal.read() }  // names what the anchor records
            throw CaseError.damaged(id, "its journal (journal.jsonl) is missing")
        }
        let contents = try journal.read()
        // Every case starts with its `created` event: an empty journal was emptied.
        guard !contents.events.isEmpty else { throw CaseError.damaged(id, "its journal (journal.jsonl) is empty") }
        return (contents, CaseState(caseID: id, events: contents.events))
    }
}

/// The lock a command holds on a case (or on purges) while it works.
public typealias CaseLock = FileLock

extension FileLock {
    /// Takes `path`'s lock for `caseID`, or refuses at once naming who holds it.
    static func forCase(_ path: String, caseID: String) throws -> FileLock {
        guard let lock = try FileLock.ifFree(path) else {
            throw CaseError.busy(caseID, holder: FileLock.holder(of: path) ?? "unknown process")
        }
        lock.note("pid \(getpid())\n")
        return lock
    }
}
