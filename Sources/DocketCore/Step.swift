import DocketYAML
import Foundation

/// A kind of workflow step, named by `uses:`. Built-in steps run in-process; department plugins
/// run as child processes behind the same protocol, so the runner treats both alike.
///
/// A step declares the schema of its `with:` (checked by `docket validate` before anything runs)
/// and, if it waits for a person, the schema of what they record (checked by `docket record`).
public protocol Step: Sendable {
    /// The name workflows write in `uses:`.
    var name: String { get }
    /// One line for `--help` style listings.
    var summary: String { get }
    /// The fields `with:` may hold.
    var withSchema: Schema { get }

    /// Checks beyond the schema (e.g. a field that must name an existing template). `with` holds
    /// the decoded literal values (expressions read as null); report problems at `node`'s marks.
    func validate(with: [String: Value], node: Node?, diagnostics: inout Diagnostics)

    /// The names of the outputs the step will give, when known in advance (checked against
    /// `steps.ID.outputs.NAME` references); nil when they depend on the run.
    func outputNames(with: [String: Value]) -> [String]?

    /// The schema of what a person records for this step, or nil if it never waits.
    func recordSchema(with: [String: Value]) -> Schema?

    /// Checks a record beyond its schema (e.g. a tally against the council's rules), before it
    /// is recorded. Returns problems, each naming the record field it concerns (or nil).
    func checkRecord(_ record: [String: Value], with: [String: Value], snapshotFolder: URL) -> [(field: String?, message: String)]

    /// Whether this record, once used, sends the case back (so the limit on rounds can be
    /// checked when it is recorded, not after).
    func sendsBack(_ record: [String: Value], with: [String: Value]) -> Bool

    /// Runs the step once. Throwing is the same as returning `.failed` with the error's text.
    func run(_ context: StepContext) async throws -> StepOutcome
}

extension Step {
    public func validate(with: [String: Value], node: Node?, diagnostics: inout Diagnostics) {}
    public func outputNames(with: [String: Value]) -> [String]? { nil }
    public func recordSchema(with: [String: Value]) -> Schema? { nil }
    public func checkRecord(_ record: [String: Value], with: [String: Value], snapshotFolder: URL) -> [(field: String?, message: String)] { [] }
    public func sendsBack(_ record: [String: Value], with: [String: Value]) -> Bool { false }
}

/// What a step sees when it runs. Documents it produces go into `outputFolder` (an empty staging
/// folder); they become part of the case only when the step completes.
public struct StepContext: Sendable {
    public var caseID: String
    public var stepID: String
    /// 1 for the first attempt, counting retries and re-runs.
    public var attempt: Int
    /// 1 the first time the step runs; higher after the case was sent back to it.
    public var round: Int
    /// The ids of the workflow's steps, in order.
    public var stepOrder: [String] = []
    /// The step's own `timeout:` in seconds, if the workflow gave one (process plugins use it).
    public var withTimeout: Double?
    /// The workspace's council and organization (docket.yaml), for documents: `workspace.NAME`.
    public var workspace: [String: Value] = [:]
    /// What the case's workflow requires of plugin steps (its `plugins:`), from its snapshot.
    public var plugins = PluginPolicy()
    /// The Docket root folder (holding cases/ and archives/), for built-in steps that keep
    /// registers across cases (answer numbers). Plugins never see it.
    public var rootFolder: URL
    /// The step's `with:`, expressions already evaluated.
    public var with: [String: Value]
    public var inputs: [String: Value]
    /// Outputs of the steps that completed before this one, by step id.
    public var outputs: [String: [String: Value]]
    /// Documents of earlier steps, relative to the case's `documents/` folder.
    public var documents: [DocumentRecord]
    /// What a person recorded for this step, oldest first (empty if nothing yet).
    public var records: [Value]
    /// Where to write this step's documents.
    public var outputFolder: URL
    /// The case's `documents/` folder, for reading earlier steps' documents.
    public var documentsFolder: URL
    /// The folder of the case's snapshot of the workflow file and the files it references.
    public var snapshotFolder: URL
    public var now: Date

    public init(caseID: String, stepID: String, attempt: Int, round: Int = 1, with: [String: Value], inputs: [String: Value],
                outputs: [String: [String: Value]], documents: [DocumentRecord], records: [Value], outputFolder: URL,
                documentsFolder: URL, snapshotFolder: URL, rootFolder: URL? = nil, now: Date) {
        self.caseID = caseID
        self.stepID = stepID
        self.attempt = attempt
        self.round = round
        self.rootFolder = rootFolder ?? documentsFolder.deletingLastPathComponent()
        self.with = with
        self.inputs = inputs
        self.outputs = outputs
        self.documents = documents
        self.records = records
        self.outputFolder = outputFolder
        self.documentsFolder = documentsFolder
        self.snapshotFolder = snapshotFolder
        self.now = now
    }

    /// The folder (under `documents/`) this run's documents will have: `STEP` in the first
    /// round, `STEP@2`, `STEP@3`… after the case was sent back.
    public var documentFolder: String { Self.documentFolder(stepID, round: round) }

    public static func documentFolder(_ step: String, round: Int) -> String {
        round <= 1 ? step : "\(step)@\(round)"
    }

    /// A file the workflow references (`type: file` fields), from the case's snapshot.
    public func snapshotFile(_ relativePath: String) -> URL {
        snapshotFolder.appendingPathComponent(relativePath)
    }

    public var scope: ExpressionScope {
        ExpressionScope(caseID: caseID, inputs: inputs, outputs: outputs)
    }
}

/// How a step run ended.
public enum StepOutcome: Sendable, Equatable {
    /// Done, with outputs; any files in the output folder are its documents.
    case completed(outputs: [String: Value])
    /// Done, but the case goes back to the earlier step `to`: it and every step after it run
    /// again (a new round, whose documents go to new folders; nothing is overwritten).
    case sendBack(outputs: [String: Value], to: String, reason: String)
    /// Needs a person to record something (validated by `recordSchema`) before it can go on.
    case waiting(prompt: String)
    /// Could not be done; the message says why and what to fix.
    case failed(String)
}

/// A document a step produced, as the journal records it.
public struct DocumentRecord: Sendable, Hashable, Codable {
    /// Relative to the case's `documents/` folder: `STEP-ID/NAME`.
    public var path: String
    public var size: Int64
    public var sha256: String

    public init(path: String, size: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}

/// The step types a run can use, by name. The command-line tool fills it with the built-ins and
/// the discovered plugins; the core knows none by name.
public struct StepRegistry: Sendable {
    public private(set) var steps: [String: any Step] = [:]
    /// Where each step came from ("built-in", a plugin folder), for clash messages.
    public private(set) var origins: [String: String] = [:]

    public init() {}

    public enum RegistrationError: Error, CustomStringConvertible {
        case clash(name: String, first: String, second: String)
        public var description: String {
            switch self {
            case .clash(let name, let first, let second):
                return "two step types are named '\(name)': \(first) and \(second); rename one of them"
            }
        }
    }

    public mutating func register(_ step: any Step, origin: String = "built-in") throws {
        if let first = origins[step.name] {
            throw RegistrationError.clash(name: step.name, first: first, second: origin)
        }
        steps[step.name] = step
        origins[step.name] = origin
    }

    public subscript(name: String) -> (any Step)? { steps[name] }

    public var names: [String] { steps.keys.sorted() }
}

extension StepContext {
    /// Writes `text` as the document `name` in the output folder (subfolders made as needed).
    /// Not fsync'd here: the runner fsyncs every staged document once, as it commits them.
    public func writeDocument(_ text: String, named name: String) throws {
        let url = outputFolder.appendingPathComponent(name)
        if name.contains("/") {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        try FileIO.writeFile(Array(text.utf8), to: url)
    }
}
