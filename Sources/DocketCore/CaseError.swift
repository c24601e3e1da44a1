/// Problems with cases, in words a secretariat clerk can act on; each has its kind
/// (`FailureKind`), which front ends turn into an exit code or an HTTP status.
public enum CaseError: DocketFailure, Sendable, Equatable {
    case invalidCaseID(String)
    case caseExists(String)
    case noSuchCase(String, known: [String])
    case busy(String, holder: String)
    case brokenJournal(String, line: Int, String)
    case damaged(String, String)
    case unreadable(String, String)
    case io(String, String)
    case invalidInput(String)
    /// An action that is journaled with its reason was given none.
    case reasonRequired
    case notWaiting(caseID: String, step: String, state: String)
    case unknownStep(caseID: String, step: String, known: [String])
    case workflowChanged(String, String)
    case alreadyCompleted(String)
    /// The case's state does not allow the action; the text says why and what to do instead.
    case refused(caseID: String, String)

    /// The message, with control characters in the names and paths it echoes made visible.
    public var description: String { TerminalText.escaped(message) }

    var message: String {
        switch self {
        case .invalidCaseID(let id):
            return "'\(id)' is not a valid case id: use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters (for example 2022-c1)"
        case .caseExists(let id):
            return "case '\(id)' already exists; choose another id, or move the existing case on"
        case .noSuchCase(let id, let known):
            var text = "there is no case '\(id)'"
            if let near = DocketYAMLSuggest.nearest(to: id, among: known) { text += "; did you mean '\(near)'?" }
            else { text += known.isEmpty ? " (no cases exist yet; open one first)" : "; check the id against the list of cases" }
            return text
        case .busy(let id, let holder):
            return "case '\(id)' is busy: another action (\(holder)) is working on it; wait for it to finish and try again"
        case .brokenJournal(let path, let line, let why):
            return "\(path):\(line): error: the journal is damaged or was altered: \(why). Nothing was changed; restore the case folder from its archive or a backup"
        case .damaged(let id, let why):
            return "case '\(id)' is damaged: \(why). Nothing was run or changed; restore the case folder from its archive or a backup"
        case .unreadable(let path, let why):
            return "\(path): error: \(why)"
        case .io(let path, let why):
            return "\(path): error: \(why)"
        case .invalidInput(let text):
            return text
        case .reasonRequired:
            return "a reason is required, for the journal: say why (it is kept with who and when)"
        case .notWaiting(let id, let step, let state):
            return "step '\(step)' of case '\(id)' is not waiting for a record (it is \(state)); the case's status shows which step is"
        case .unknownStep(let id, let step, let known):
            var text = "case '\(id)' has no step '\(step)'"
            if let near = DocketYAMLSuggest.nearest(to: step, among: known) { text += "; did you mean '\(near)'?" }
            else { text += "; its steps: \(known.joined(separator: ", "))" }
            return text
        case .workflowChanged(let path, let why):
            return "\(path): error: the case's workflow snapshot no longer loads: \(why)"
        case .alreadyCompleted(let id):
            return "case '\(id)' is already completed; nothing to run"
        case .refused(let id, let why):
            return "case '\(id)': refused: \(why). Nothing was changed"
        }
    }

    /// The file-system error the last failed system call left in `errno`, for `path`.
    public static func posix(_ path: String) -> CaseError {
        .io(path, String(cString: strerror(errno)))
    }

    /// The board's words, where Docket has them (the CLI says `description`).
    public var japanese: String? {
        switch self {
        case .reasonRequired: return "理由を書いてください。理由は、誰がいつ行ったかと共に記録に残ります。"
        default: return nil
        }
    }

    public var kind: FailureKind {
        switch self {
        case .invalidCaseID, .invalidInput, .reasonRequired, .brokenJournal, .damaged, .workflowChanged: return .badInput
        case .noSuchCase, .unknownStep, .unreadable: return .notFound
        case .caseExists, .notWaiting, .alreadyCompleted, .refused: return .refused
        case .io: return .fileSystem
        case .busy: return .busy
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import DocketYAML
typealias DocketYAMLSuggest = Suggest
