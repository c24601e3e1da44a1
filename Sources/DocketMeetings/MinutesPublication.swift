import DocketArchive
import DocketCore
import DocketSteps
import Foundation

/// The steps publishing minutes runs: the personal-data check (`personal-data-scan`), the
/// PDF/A rendition (`pdf-render`) and the council's seal (`seal`). Minutes are never recorded
/// unchecked, unrendered or unsealed: a missing one blocks publication, naming what to install.
public struct MinutesTools: Sendable {
    public var checker: (any Step)?
    public var renderer: (any Step)?
    public var sealer: (any Step)?
    public init(checker: (any Step)?, renderer: (any Step)?, sealer: (any Step)?) {
        self.checker = checker
        self.renderer = renderer
        self.sealer = sealer
    }
}

extension MeetingBook {
    /// What publishing the minutes did.
    public struct Publication: Sendable {
        /// The minutes' documents, relative to the meeting's `documents/`.
        public var documents: [DocumentRecord]
        public var archive: Archiver.Result?
    }

    /// Why the minutes were not published: the personal-data check found something (its message
    /// names file and line) or could not run. The draft is kept at `draft` for the clerk to fix.
    public struct Blocked: DocketFailure {
        public var message: String
        public var draft: URL
        /// The work stopped at the check; nothing was lost (the draft is kept).
        public var kind: FailureKind { .stopped }
        public var description: String { "the minutes were not published: \(message); the draft is at \(draft.path)" }
    }

    /// Drafts the minutes of a closed meeting, runs the personal-data check on them (`checker`,
    /// the workspace's `personal-data-scan` step) and, if nothing is found, records them as the
    /// meeting's documents and archives the meeting as a BagIt zip, as a case is archived. A hit
    /// blocks publication: nothing is recorded but the failure, and the draft stays for the clerk.
    public func publishMinutes(_ id: String, transcript: Transcript?, tools: MinutesTools, organization: String) async throws -> Publication {
        try require(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        var (contents, meeting) = try load(id)
        guard meeting.closed else {
            throw MeetingError.invalid("meeting '\(id)' is still open; close it before publishing its minutes (a draft can be written at any time)")
        }
        let minutes = try draftMinutes(id, transcript: transcript)
        // The draft goes where a step's staging goes; the check reads it there.
        let staging = store.staging(id)
        let round = (CaseState(caseID: id, events: contents.events).steps[Self.minutesStep]?.documents.isEmpty == false)
            ? (contents.events.filter { $0.type == .completed && $0.step == Self.minutesStep }.count + 1) : 1
        let folder = StepContext.documentFolder(Self.minutesStep, round: round)
        let draft = staging.appendingPathComponent(folder)
        try FileIO.makeEmptyFolder(staging)
        try FileManager.default.createDirectory(at: draft, withIntermediateDirectories: true)
        var drafted: [DocumentRecord] = []
        for (name, text) in [(Minutes.markdownName, minutes.markdown), (Minutes.htmlName, minutes.html)] {
            let url = draft.appendingPathComponent(name)
            try FileIO.writeAtomically(Array(text.utf8), to: url)
            let digest = try FileIO.digest(of: url.path)
            drafted.append(DocumentRecord(path: "\(folder)/\(name)", size: digest.size, sha256: digest.sha256))
        }
        func refuse(_ message: String) throws -> Never {
            var e = JournalEvent(type: .failed, step: Self.minutesStep)
            e.message = message
            e.by = user
            try store.journal(id).append([e], to: &contents, now: clock())
            throw Blocked(message: message, draft: draft)
        }
        guard let checker = tools.checker else {
            try refuse("the personal-data check (step type personal-data-scan) is not installed, and minutes are never published unchecked")
        }
        let checkOut = store.folder(id).appendingPathComponent(".check")
        try FileIO.makeEmptyFolder(checkOut)
        defer { try? FileManager.default.removeItem(at: checkOut) }
        let context = StepContext(caseID: id, stepID: "\(Self.minutesStep)-check", attempt: 1, round: round,
                                  with: ["documents": .list(drafted.map { .string($0.path) })], inputs: [:], outputs: [:],
                                  documents: drafted, records: [], outputFolder: checkOut, documentsFolder: staging,
                                  snapshotFolder: store.workflowFiles(id), rootFolder: root, now: clock())
        switch try await checker.run(context) {
        case .completed: break
        case .failed(let message): try refuse(message)
        case .waiting(let prompt): try refuse("the personal-data check asked for a record (\(prompt)), which minutes cannot give")
        case .sendBack: try refuse("the personal-data check asked to send the case back, which minutes cannot do")
        }
        // Clean: the PDF/A rendition of the HTML, sealed; a failure blocks like a hit.
        guard let renderer = tools.renderer else {
            try refuse("the PDF renderer (plugin pdf-render) is not installed (scripts/install-pdf-tools builds it), and minutes are issued as sealed PDF/A")
        }
        guard let sealer = tools.sealer else { try refuse("the seal step is not available in this Docket") }
        let roster = try self.roster(of: id)
        let council = councilName(roster)
        func step(_ s: any Step, _ name: String, with: [String: Value]) async throws -> [String: Value] {
            try FileIO.makeEmptyFolder(checkOut)
            let context = StepContext(caseID: id, stepID: name, attempt: 1, round: round, with: with, inputs: [:], outputs: [:],
                                      documents: drafted, records: [], outputFolder: checkOut, documentsFolder: staging,
                                      snapshotFolder: store.workflowFiles(id), rootFolder: root, now: clock())
            var withWorkspace = context
            withWorkspace.workspace = ["council": .string(council), "organization": .string(organization)]
            switch try await s.run(withWorkspace) {
            case .completed(let outputs): return outputs
            case .failed(let message): try refuse(message)
            case .waiting, .sendBack: try refuse("\(name) asked for a record, which minutes cannot give")
            }
        }
        let meetingDate = meeting.date
        _ = try await step(renderer, "\(Self.minutesStep)-pdf", with: [
            "documents": .list([.string(drafted[1].path)]), "title": .string("会議録 \(meeting.title)"),
            "subject": .string(meeting.title), "created": .string(meetingDate)])
        let pdfName = (Minutes.htmlName as NSString).deletingPathExtension + ".pdf"
        let rendered = checkOut.appendingPathComponent(pdfName)
        guard FileManager.default.fileExists(atPath: rendered.path) else { try refuse("the PDF renderer did not write \(pdfName)") }
        let pdfURL = draft.appendingPathComponent(pdfName)
        try? FileManager.default.removeItem(at: pdfURL)
        try FileManager.default.moveItem(at: rendered, to: pdfURL)
        var pdf = try FileIO.digest(of: pdfURL.path)
        drafted.append(DocumentRecord(path: "\(folder)/\(pdfName)", size: pdf.size, sha256: pdf.sha256))
        let chair = roster.chair(on: meetingDate) ?? ""
        let sealed = try await step(sealer, "\(Self.minutesStep)-seal", with: [
            "document": .string(drafted[2].path), "signer": .string(chair.isEmpty ? council : "会長 \(chair)"),
            "reason": .string("会議録の確定")])
        try FileManager.default.removeItem(at: pdfURL)
        try FileManager.default.moveItem(at: checkOut.appendingPathComponent(pdfName), to: pdfURL)
        pdf = try FileIO.digest(of: pdfURL.path)
        drafted[2] = DocumentRecord(path: "\(folder)/\(pdfName)", size: pdf.size, sha256: pdf.sha256)
        // Clean: the minutes become the meeting's documents, then the meeting is archived.
        let documents = store.documents(id)
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        for doc in drafted { chmod(staging.appendingPathComponent(doc.path).path, 0o444) }
        try FileIO.syncFolder(draft)
        guard rename(draft.path, documents.appendingPathComponent(folder).path) == 0 else { throw CaseError.posix(documents.appendingPathComponent(folder).path) }
        try FileIO.syncFolder(documents)
        var done = JournalEvent(type: .completed, step: Self.minutesStep)
        done.documents = drafted
        done.outputs = ["markdown": .string(drafted[0].path), "html": .string(drafted[1].path), "pdf": .string(drafted[2].path),
                        "sealed_by": sealed["signer"] ?? .null, "certificate": sealed["certificate"] ?? .null, "checked": .bool(true)]
        done.by = user
        try store.journal(id).append([done], to: &contents, now: clock())
        let bytes = [UInt8](try Data(contentsOf: store.journal(id).url))
        let result = try await Archiver(store: store, organization: organization).archive(
            caseID: id, contents: contents, journalBytes: bytes, options: .init())
        var archived = JournalEvent(type: .archived)
        archived.outputs = ["archive": .string("archives/meetings/\(result.path.lastPathComponent)"), "sha256": .string(result.sha256),
                            "size": .int(Int(result.size)), "events": .int(result.events)]
        archived.by = user
        try store.journal(id).append([archived], to: &contents, now: clock())
        return Publication(documents: drafted, archive: result)
    }
}
