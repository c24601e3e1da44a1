import DocketYAML

/// What kind of failure an error is: the one table from which every front end takes its
/// answer (the CLI its exit code, the board its HTTP status and page heading).
public enum FailureKind: String, Sendable, CaseIterable {
    /// A step failed, or an archive did not verify: the work stopped, nothing was lost.
    case stopped
    /// The command line itself was wrong (an unknown option, a missing argument).
    case usage
    /// What was given is wrong (a file, a field, a value): the message names where.
    case badInput
    /// No such case, meeting, account, workflow or file.
    case notFound
    /// The case's (or meeting's) state does not allow it now; nothing was changed.
    case refused
    /// The file system failed (a write, a rename, a full disk).
    case fileSystem
    /// Another command holds the case or file: try again shortly.
    case busy
    /// A server Docket needs (the PostgreSQL index) does not answer: try again when it is back.
    case unavailable
    /// A fault in Docket itself: nothing the person can mend.
    case internalFault

    /// The process exit code (the `sysexits.h` family, so scripts can tell them apart).
    public var exitCode: Int32 {
        switch self {
        case .stopped: return 1
        case .usage: return 64
        case .badInput: return 65
        case .notFound: return 66
        case .refused: return 73
        case .fileSystem: return 74
        case .busy, .unavailable: return 75
        case .internalFault: return 70
        }
    }

    /// The board's HTTP status for it.
    public var httpStatus: Int {
        switch self {
        case .stopped, .refused: return 409
        case .usage, .badInput: return 422
        case .notFound: return 404
        case .busy: return 423
        case .unavailable: return 503
        case .fileSystem, .internalFault: return 500
        }
    }

    /// The kind a process exit code stands for (a child `docket` the tests run, a plugin).
    public init(exitCode: Int32) {
        self = Self.allCases.first { $0.exitCode == exitCode } ?? .internalFault
    }
}

/// Every error Docket raises for a person to act on: its words (what is wrong and what to
/// do, in the council's terms, never a command line or a button) and its kind.
public protocol DocketFailure: Error, CustomStringConvertible {
    var kind: FailureKind { get }
    /// The same words in Japanese, as the board says them (the CLI says `description`); nil
    /// where an error has no Japanese yet, and the board then shows `description`.
    var japanese: String? { get }
}

extension DocketFailure {
    /// The process exit code of the error's kind.
    public var exitCode: Int32 { kind.exitCode }

    public var japanese: String? { nil }
}

extension DiagnosticsError: DocketFailure {
    /// A file that could not be opened is not found; one that is wrong is bad input.
    public var kind: FailureKind { fileMissing ? .notFound : .badInput }
}
