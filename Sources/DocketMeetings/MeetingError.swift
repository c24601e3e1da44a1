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

    /// The board's words (the same rules; `description` is the CLI's).
    public var japanese: String? {
        switch self {
        case .invalidID(let id):
            return "「\(id)」は会議番号に使えません。英数字と「-」「_」「.」で、英数字から始めてください（例 2022-1）。"
        case .exists(let id): return "会議「\(id)」はすでにあります。別の会議番号にしてください。"
        case .noSuchMeeting(let id, _): return "会議「\(id)」はありません。会議の一覧から選んでください。"
        case .closed(let id): return "会議「\(id)」は閉会しています。記録はもう変えられません（続きは新しい会議で扱ってください）。"
        case .notOnAgenda(let m, let c, _): return "案件 \(c) は会議「\(m)」の議題にありません。先に議題に追加してください。"
        case .alreadyOnAgenda(let m, let c): return "案件 \(c) はすでに会議「\(m)」の議題にあります。"
        case .pendingElsewhere(let c, let m):
            return "案件 \(c) は会議「\(m)」の議題に載っていて、まだ決まっていません。そちらで採決するか、継続審議にしてから追加してください。"
        case .noAttendance(let id): return "会議「\(id)」の出欠がまだ記録されていません。先に出欠を記録してください。"
        case .noQuorum(_, let item, let present, let quorum):
            return "\(item)の時点の出席は\(present)名で、定足数\(quorum)名に達しないため採決できません（継続審議にできます）。"
        case .presentContradicts(_, let item, let tally, let attendance):
            return "票数の出席者数は\(tally)名ですが、出欠では\(item)の時点で\(attendance)名です。票数か出欠を直してください（出席者数は空欄にすれば出欠から取ります）。"
        case .undecided(_, let items):
            return "まだ決まっていない議題があるため閉会できません（\(items.joined(separator: "、"))）。採決を記録するか、継続審議にしてください。"
        case .consultedAfterMeeting(let c, let consulted, let meeting):
            return "案件 \(c) の諮問日（\(consulted)）は会議の日（\(meeting)）より後です。諮問日を直すか、後の会議を選んでください。"
        case .notAVote(_, let c, _): return "案件 \(c) は諮問事項ではないため、採決はありません（報告事項は了承を記録します）。"
        case .notAReport(_, let c, _): return "案件 \(c) は報告事項ではありません。諮問事項は採決で決まります。"
        case .replayStopped(let item, _, let step): return "\(item)が手順「\(step)」で止まりました。"
        case .invalid: return nil
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
