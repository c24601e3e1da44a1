import DocketCouncil
import DocketCore
import Foundation

/// Meetings in the index, for search: a meeting (`meetings/<id>/`, kept as a case is) has a row
/// in `meetings` (its title, date, state and journal stamp) and its texts in `documents` like a
/// case's: the header (`inputs`), the agenda and attendance records (`records/STEP/SEQ`) and its
/// text documents (the minutes). Their `documents.case_id` is `meeting:<id>`, which no case id
/// can be (a case id has no `:`), so a meeting's texts never mix with a case's. Meetings are
/// few: a changed meeting is read whole again.
extension SQLiteIndex {
    /// What a catch-up has to do for meetings.
    struct MeetingWork {
        var changed: [(id: String, stamp: JournalStamp)] = []
        var gone: [String] = []
        var isEmpty: Bool { changed.isEmpty && gone.isEmpty }
    }

    var meetingStore: CaseStore { CaseStore(root: store.root, folderName: "meetings") }

    /// A meeting's title, date and state (open, closed, archived) from its journal.
    static func meetingFields(_ events: [JournalEvent]) -> (title: String, date: String, state: String) {
        var title = "", date = "", state = "open"
        for e in events {
            switch e.type {
            case .created:
                title = e.inputs?["title"]?.stringValue ?? ""
                date = e.inputs?["date"]?.stringValue ?? ""
            case .finished: state = "closed"
            case .archived: state = "archived"
            default: continue
            }
        }
        return (title, date, state)
    }

    /// The `documents.case_id` of meeting `id`'s texts.
    static func owner(ofMeeting id: String) -> String { "meeting:" + id }

    /// The meetings whose journal is not as their row records it, and the rows of meetings gone.
    func meetingWork() throws -> MeetingWork {
        let (changed, gone) = Self.compare(try Self.journalStamps(in: meetingStore.casesFolder), try recordedStamps("meetings"))
        return MeetingWork(changed: changed.map { ($0.0, $0.1) }, gone: gone)
    }

    /// Does `work` (in the caller's transaction). A meeting whose journal does not verify is
    /// taken out and reported as `meeting ID`.
    func catchUpMeetings(_ work: MeetingWork, _ report: inout IndexReport) throws {
        for (id, stamp) in work.changed {
            do {
                let events = try meetingStore.journal(id).read().events
                try recordMeeting(id, events: events, stamp: stamp)
            } catch let e as IndexError { throw e } catch {
                try deleteMeeting(id)
                report.problems.append(("meeting \(id)", error))
            }
        }
        for id in work.gone { try deleteMeeting(id) }
    }

    private func deleteMeeting(_ id: String) throws {
        let owner = Self.owner(ofMeeting: id)
        try db.prepare("DELETE FROM document_text WHERE rowid IN (SELECT id FROM documents WHERE case_id = ?)").run([.text(owner)])
        try db.prepare("DELETE FROM documents WHERE case_id = ?").run([.text(owner)])
        try db.prepare("DELETE FROM meetings WHERE id = ?").run([.text(id)])
    }

    /// Writes meeting `id`'s row and all its texts anew from its verified journal.
    private func recordMeeting(_ id: String, events: [JournalEvent], stamp: JournalStamp) throws {
        try deleteMeeting(id)
        let (title, date, state) = Self.meetingFields(events)
        try db.prepare("""
            INSERT INTO meetings (id, seq, journal_bytes, journal_mtime, title, date, fiscal_year, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).run([.text(id), .int(Int64(events.last?.seq ?? 0)), .int(stamp.bytes), .int(stamp.mtime), .text(title), .text(date),
                      JapaneseDate.fiscalYear(ofDay: date).map { .int(Int64($0)) } ?? .null, .text(state)])
        let owner = Self.owner(ofMeeting: id), documents = meetingStore.documents(id)
        for event in events {
            for (path, kind, body) in Self.texts(of: event, in: documents) { try putText(owner, path: path, kind: kind, body: body) }
        }
    }
}
