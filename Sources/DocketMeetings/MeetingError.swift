import DocketCore
import DocketYAML
import Foundation

/// Why a meeting command cannot go on, in words a secretariat clerk can act on; each maps to
/// one exit code, as `CaseError` does.
public enum MeetingError: DocketFailure, Equatable {
    case invalidID(String)
    case exists(String)
    case noSuchMeeting(String, known: [String])
    case closed(String)
    case notOnAgenda(meeting: String, caseID: String, agenda: [String])
    case alreadyOnAgenda(meeting: String, caseID: String)
    case pendingElsewhere(caseID: String, meeting: String)
    case noAttendance(String)
    case noQuorum(meeting: String, item: String, present: Int, quorum: Int)
    case presentContradicts(meeting: String, item: String, tally: Int, attendance: Int)
    case undecided(meeting: String, items: [String])
    case consultedAfterMeeting(caseID: String, consulted: String, meeting: String)
    case notAVote(meeting: String, caseID: String, kind: String)
    case notAReport(meeting: String, caseID: String, kind: String)
    case replayStopped(item: String, status: String, step: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .invalidID(let id):
            return "'\(id)' is not a valid meeting id: use letters, digits, '-', '_' and '.', starting with a letter or digit (for example 2022-1)"
        case .exists(let id):
            return "meeting '\(id)' already exists; choose another id"
        case .noSuchMeeting(let id, let known):
            var text = "there is no meeting '\(id)'"
            if let near = Suggest.nearest(to: id, among: known) { text += "; did you mean '\(near)'?" }
            else if known.isEmpty { text += "; none has been opened yet" }
            else { text += "; meetings: \(known.prefix(10).joined(separator: ", "))\(known.count > 10 ? ", …" : "")" }
            return text
        case .closed(let id):
            return "meeting '\(id)' is closed; its record can no longer change (open a new meeting for further business)"
        case .notOnAgenda(let m, let c, let agenda):
            return "case '\(c)' is not on the agenda of meeting '\(m)' (agenda: \(agenda.isEmpty ? "empty" : agenda.joined(separator: ", "))); add it to the agenda first"
        case .alreadyOnAgenda(let m, let c):
            return "case '\(c)' is already on the agenda of meeting '\(m)'"
        case .pendingElsewhere(let c, let m):
            return "case '\(c)' is still on the agenda of meeting '\(m)', undecided; record its vote there, or defer it there (継続審議) before adding it here"
        case .noAttendance(let id):
            return "meeting '\(id)' has no attendance recorded yet; record who attended first"
        case .noQuorum(let m, let item, let present, let quorum):
            return "no quorum at \(item) of meeting '\(m)': \(present) members present, but \(quorum) must attend; the item cannot be voted on (defer it, 継続審議)"
        case .presentContradicts(let m, let item, let tally, let attendance):
            return "the tally says \(tally) present, but the attendance of meeting '\(m)' has \(attendance) members present at \(item); correct the tally or the attendance (or leave 'present' out: it is taken from the attendance)"
        case .undecided(let m, let items):
            return "meeting '\(m)' cannot be closed: \(items.joined(separator: ", ")) \(items.count == 1 ? "has" : "have") no decision; record the vote, or defer (継続審議) to a later meeting"
        case .consultedAfterMeeting(let c, let consulted, let meeting):
            return "case '\(c)' was consulted on \(consulted) (諮問日), after the meeting of \(meeting); a meeting can only decide a consultation made on or before its date: correct the 諮問日 or choose a later meeting"
        case .notAVote(let m, let c, let kind):
            return "case '\(c)' is a \(kind) item of meeting '\(m)', not a consultation; it has no vote"
        case .notAReport(let m, let c, let kind):
            return "case '\(c)' is a \(kind) item of meeting '\(m)', not a report; a consultation is decided by its vote"
        case .replayStopped(let item, let status, let step):
            return "\(item) did not complete (\(status) at '\(step)'); the replay stopped there"
        case .invalid(let text):
            return text
        }
    }

    public var kind: FailureKind {
        switch self {
        case .replayStopped: return .stopped
        case .invalidID, .presentContradicts, .consultedAfterMeeting, .invalid: return .badInput
        case .noSuchMeeting, .notOnAgenda: return .notFound
        case .exists, .closed, .alreadyOnAgenda, .pendingElsewhere, .noAttendance, .noQuorum, .undecided, .notAVote, .notAReport: return .refused
        }
    }
}
