import DocketCouncil
import DocketCore
import Foundation

/// Meetings in the PostgreSQL index, as `SQLiteIndex+Meetings.swift` keeps them in SQLite: a
/// row in `meetings`, texts in `documents` under `meeting:<id>`; a changed meeting is read whole.
extension PostgresIndex {
    var meetingStore: CaseStore { CaseStore(root: store.root, folderName: "meetings") }

    /// The meetings whose journal is not as their row records it, and the rows of meetings gone.
    func meetingWork() throws -> SQLiteIndex.MeetingWork {
        let (changed, gone) = SQLiteIndex.compare(try SQLiteIndex.journalStamps(in: meetingStore.casesFolder), try recordedStamps("meetings"))
        return SQLiteIndex.MeetingWork(changed: changed.map { ($0.0, $0.1) }, gone: gone)
    }

    /// Does `work` (in the caller's transaction); a meeting whose journal does not verify is
    /// taken out and reported as `meeting ID`.
    func catchUpMeetings(_ work: SQLiteIndex.MeetingWork, _ report: inout IndexReport) throws {
        for (id, stamp) in work.changed {
            do {
                try recordMeeting(id, events: try meetingStore.journal(id).read().events, stamp: stamp)
            } catch let e as IndexError { throw e } catch {
                try deleteMeeting(id)
                report.problems.append(("meeting \(id)", error))
            }
        }
        for id in work.gone { try deleteMeeting(id) }
    }

    private func deleteMeeting(_ id: String) throws {
        try session.query("DELETE FROM documents WHERE case_id = $1", [.text(SQLiteIndex.owner(ofMeeting: id))])
        try session.query("DELETE FROM meetings WHERE id = $1", [.text(id)])
    }

    private func recordMeeting(_ id: String, events: [JournalEvent], stamp: JournalStamp) throws {
        try deleteMeeting(id)
        let (title, date, state) = SQLiteIndex.meetingFields(events)
        try session.query("""
            INSERT INTO meetings (id, seq, journal_bytes, journal_mtime, title, date, fiscal_year, state)
            VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8)
            """, [.text(id), .int(Int64(events.last?.seq ?? 0)), .int(stamp.bytes), .int(stamp.mtime), .text(title), .text(date),
                  JapaneseDate.fiscalYear(ofDay: date).map { .int(Int64($0)) } ?? .null, .text(state)])
        let owner = SQLiteIndex.owner(ofMeeting: id), documents = meetingStore.documents(id)
        for event in events {
            for (path, kind, body) in SQLiteIndex.texts(of: event, in: documents) {
                try session.query("INSERT INTO documents (case_id, path, kind, body) VALUES ($1, $2, $3, $4)",
                                  [.text(owner), .text(path), .text(kind), .text(body)])
            }
        }
    }
}
