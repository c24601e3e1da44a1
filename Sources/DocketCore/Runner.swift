import DocketYAML
import Foundation

/// Runs cases: folds the journal into state, runs the next step whose `if:` holds, commits its
/// documents and result, and goes on until the case completes, waits for a person, or fails.
public struct Runner: Sendable {
    public var store: CaseStore
    public var registry: StepRegistry
    public var clock: @Sendable () -> Date
    /// Who is running the command, for the journal.
    public var user: String
    /// What templates see as `workspace.NAME` (the council and organization of docket.yaml).
    public var workspaceValues: [String: Value] = [:]

    public init(store: CaseStore, registry: StepRegistry, user: String,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.registry = registry
        self.user = user
        self.clock = clock
    }

    /// What one `run` did, in plain words, and where the case now stands.
    public struct Report: Sendable {
        public var caseID: String
        public var status: CaseState.Status
        /// The current or waiting step, if any.
        public var step: String?
        public var lines: [String]
        /// What the waiting or failed step says (its prompt, or why it failed).
        public var message: String?
        /// The case was not run: it could not move on (`run(caseID:onlyIfItCanMoveOn:)`).
        public var skipped = false

        public init(caseID: String, status: CaseState.Status, step: String?, lines: [String], message: String? = nil) {
            self.caseID = caseID
            self.status = status
            self.step = step
            self.lines = lines
            self.message = message
        }
    }

    /// Loads the case's own snapshot of its workflow.
    public func workflow(of caseID: String) throws -> Workflow {
        // Step types not installed here (a department's plugin) do not stop the case from being
        // read: only running such a step needs it.
        var loader = WorkflowLoader(registry: registry, checksFiles: false)
        loader.acceptsUnknownSteps = true
        do {
            return try loader.load(path: store.workflowFile(caseID).path, baseFolder: store.workflowFiles(caseID))
        } catch let error as DiagnosticsError {
            throw CaseError.workflowChanged(store.workflowFile(caseID).path, error.description)
        }
    }

    /// Runs one case as far as it goes. With `onlyIfItCanMoveOn` (what `run --all` asks), a
    /// case that cannot move on by itself is left as it is and reported `skipped`: decided
    /// under the case's lock, on the same read of the journal as the run.
    public func run(caseID: String, onlyIfItCanMoveOn: Bool = false) async throws -> Report {
        let lock = try store.lock(caseID)
        defer { withExtendedLifetime(lock) {} }
        let (journal, state) = try store.load(caseID)
        if onlyIfItCanMoveOn, let skipped = Self.skipReport(caseID, journal, state) { return skipped }
        var session = try RunSession(runner: self, caseID: caseID, journal: journal, state: state)
        guard try session.checkOpen() == .goOn else { return session.report() }
        while let step = session.nextStep {
            guard try await session.advance(step) == .goOn else { return session.report() }
        }
        try session.finish()
        return session.report()
    }

    /// Evaluates the expressions in `with:` and checks the results against the step's schema.
    public func resolveWith(_ definition: StepDefinition, type: any Step, scope: ExpressionScope, file: String) -> Result<[String: Value], DiagnosticsError> {
        var d = Diagnostics(file: file)
        let node = definition.with ?? Node(.scalar("", .plain), mark: definition.mark)
        let values = SchemaCheck.decode(node, against: type.withSchema, what: "'with' of step '\(definition.id)'", diagnostics: &d,
            dynamic: { node, valueType, what, diags in
                do throws(ExpressionError) {
                    let value = try Interpolation(parsing: node.scalarText ?? "").evaluate(in: scope)
                    if let problem = SchemaCheck.problem(with: value, as: valueType) {
                        diags.error("\(what) gave \(value.kindName) '\(value)': \(problem)", at: node.mark)
                        return nil
                    }
                    return value
                } catch {
                    diags.error("\(what): \(error.message)", at: node.mark)
                    return nil
                }
            })
        do {
            try d.check()
            return .success(values)
        } catch {
            return .failure(error)
        }
    }

    /// Runs the step in a fresh staging folder, bounded by its timeout.
    func execute(_ type: any Step, definition: StepDefinition, caseID: String, with: [String: Value], state: CaseState,
                 order: [String], plugins: PluginPolicy = PluginPolicy()) async -> StepOutcome {
        let staging = store.staging(caseID)
        do {
            try FileIO.makeEmptyFolder(staging)
        } catch {
            return .failed("cannot prepare the step's staging folder: \(error)")
        }
        let s = state.step(definition.id)
        var context = StepContext(
            caseID: caseID, stepID: definition.id, attempt: s.attempts, round: s.round, with: with, inputs: state.inputs,
            outputs: state.outputs, documents: state.documents, records: s.records, outputFolder: staging,
            documentsFolder: store.documents(caseID), snapshotFolder: store.workflowFiles(caseID), rootFolder: store.root, now: clock())
        context.stepOrder = order
        context.withTimeout = definition.timeout
        context.workspace = workspaceValues
        context.plugins = plugins
        let finalContext = context
        let work: @Sendable () async -> StepOutcome = {
            do { return try await type.run(finalContext) } catch { return .failed("\(error)") }
        }
        guard let timeout = definition.timeout else { return await work() }
        return await withTaskGroup(of: StepOutcome?.self) { group in
            group.addTask { await work() }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return Task.isCancelled ? nil : .failed("'\(definition.uses)' took longer than its timeout of \(Int(timeout)) s and was stopped")
            }
            let first = await group.next()!
            group.cancelAll()
            return first ?? .failed("it was cancelled")
        }
    }

    /// How many rounds a step may run (sent back at most this many minus one times).
    public static let maxRounds = 10

    /// Moves the staged documents into `documents/<folder>/` and returns them with digests. A
    /// folder left there by an interrupted earlier attempt (never recorded) is replaced.
    func commitDocuments(caseID: String, step: String, folder: String) throws -> [DocumentRecord] {
        let staging = store.staging(caseID)
        let documents = store.documents(caseID)
        let target = documents.appendingPathComponent(folder)
        let fm = FileManager.default
        let names = try DocumentNames.collect(in: staging)
        if access(target.path, F_OK) == 0 { try fm.removeItem(at: target) }
        // An empty staging folder is left for the next step (making folders is slow here).
        guard !names.isEmpty else { return [] }
        var records: [DocumentRecord] = []
        let stagingPath = staging.path
        for name in names {
            // A recorded document is never changed again: read-only for everyone but root (plugins
            // included), fsync'd, and its digest in the journal catches the rest.
            let digest = try FileIO.digest(of: stagingPath + "/" + name, sealing: true)
            records.append(DocumentRecord(path: "\(folder)/\(name)", size: digest.size, sha256: digest.sha256))
        }
        if mkdir(documents.path, 0o755) != 0 && errno != EEXIST { throw CaseError.posix(documents.path) }
        try FileIO.syncFolder(staging)
        guard rename(staging.path, target.path) == 0 else { throw CaseError.posix(target.path) }
        try FileIO.syncFolder(documents)
        return records
    }
}

/// A step type that names exactly what will run (a plugin: its folder and the SHA-256 of its
/// files), recorded in the journal's `started` event.
public protocol StepProvenance {
    var provenance: String? { get }
}

/// A document a step produced that cannot be kept, in words naming the file and the fix.
public struct DocumentProblem: Error, CustomStringConvertible {
    public var description: String
}

/// The rules for document names, enforced when a step's documents are recorded so that no
/// archive tool later disagrees about them.
public enum DocumentNames {
    /// Relative paths (NFC) of every regular file under `folder`, sorted. Refuses links, special
    /// files, hidden names, and names with control characters, '%' or '\\', and names that
    /// collide once Unicode-normalised. Renames non-NFC names to their NFC form.
    public static func collect(in folder: URL) throws -> [String] {
        var found: [String] = []
        var seen: [String: String] = [:]
        try walk(folder, prefix: "", found: &found, seen: &seen)
        return found.sorted()
    }

    public static func problem(with name: String) -> String? {
        if name.hasPrefix(".") { return "starts with '.'" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "holds a control character (such as a line break)" }
        if name.contains("%") { return "holds '%', which archive tools read differently" }
        if name.contains("\\") { return "holds '\\'" }
        if name.utf8.count > 200 { return "is longer than 200 bytes" }
        return nil
    }

    private static func walk(_ folder: URL, prefix: String, found: inout [String], seen: inout [String: String]) throws {
        for raw in try FileIO.names(in: folder).sorted() {
            var name = raw
            let shown = prefix + raw
            if let why = problem(with: raw) {
                throw DocumentProblem(description: "the document '\(shown)' cannot be kept: its name \(why); rename it")
            }
            let nfc = raw.precomposedStringWithCanonicalMapping
            if let other = seen[prefix + nfc.lowercased()] {
                throw DocumentProblem(description: "the documents '\(other)' and '\(shown)' have names that are the same once normalised; rename one")
            }
            seen[prefix + nfc.lowercased()] = shown
            if nfc != raw {
                guard rename(folder.appendingPathComponent(raw).path, folder.appendingPathComponent(nfc).path) == 0 else {
                    throw CaseError.posix(folder.appendingPathComponent(raw).path)
                }
                name = nfc
            }
            let url = folder.appendingPathComponent(name)
            var st = stat()
            guard lstat(url.path, &st) == 0 else { throw CaseError.posix(url.path) }
            switch st.st_mode & S_IFMT {
            case S_IFREG: found.append(prefix + name)
            case S_IFDIR: try walk(url, prefix: prefix + name + "/", found: &found, seen: &seen)
            case S_IFLNK: throw DocumentProblem(description: "the document '\(shown)' is a symbolic link; a step must write real files inside its output folder")
            default: throw DocumentProblem(description: "the document '\(shown)' is not a regular file")
            }
        }
    }
}

extension Runner {
    /// Whether `docket run --all` should run the case: not completed, not failed (that needs a
    /// person to fix the cause), not waiting for a record that has not come.
    public func canMoveOn(caseID: String) throws -> Bool {
        let (contents, state) = try store.load(caseID)
        return Self.skipReport(caseID, contents, state) == nil
    }

    /// The report of a case that cannot move on by itself (completed, withdrawn, failed, or
    /// waiting for a record), or nil when it can. Read from the journal alone: the last event
    /// of a failed or waiting case names its step.
    static func skipReport(_ caseID: String, _ contents: Journal.Contents, _ state: CaseState) -> Report? {
        var report: Report
        if state.finished {
            report = Report(caseID: caseID, status: .completed, step: nil, lines: [])
        } else if state.withdrawn {
            report = Report(caseID: caseID, status: .withdrawn, step: nil, lines: [])
        } else if let last = contents.events.last, last.type == .failed || last.type == .waiting {
            let step = last.step
            report = Report(caseID: caseID, status: last.type == .failed ? .failed : .waiting, step: step, lines: [],
                            message: step.flatMap { state.step($0).message })
        } else {
            return nil
        }
        report.skipped = true
        return report
    }
}
