import DocketCore
import DocketCouncil
import DocketSteps
import DocketYAML
import Foundation

/// The workspace's meetings, each kept the way a case is (`CaseStore` with the folder
/// `meetings/`): a snapshot of its definition and roster, a hash-chained journal, documents
/// (the minutes) and a lock. Its journal holds:
///
///     created                 the header: title, date, time, place (inputs)
///     recorded  agenda        {kind: consultation|report|other, case, text}, or {kind: defer, case}
///     recorded  attendance    the attendance (see `Attendance`), the last one counts
///     completed minutes       the minutes' documents; failed minutes: a personal-data hit
///     finished                the meeting was closed
///     archived                the meeting and its minutes were packaged as a BagIt zip
///
/// Every action takes the meeting's lock, folds its journal, refuses what the state does not
/// allow (`MeetingError`, nothing written), then appends on the journal's one commit path.
public struct MeetingBook: Sendable {
    public static let agendaStep = "agenda"
    public static let attendanceStep = "attendance"
    public static let minutesStep = "minutes"
    public static let rosterFile = "council.yaml"

    public let root: URL
    public var user: String
    public var clock: @Sendable () -> Date
    /// The council's name from the workspace (docket.yaml), for titles and minutes; without
    /// one, the roster's name.
    public var council: String?
    /// The folders the minutes templates are looked up in, first match wins (the workspace's
    /// workflow folders, then the standard ones); none: beside the roster.
    public var templates: [URL]

    public init(root: URL, user: String, council: String? = nil, templates: [URL] = [],
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.root = root
        self.user = user
        self.council = council
        self.templates = templates
        self.clock = clock
    }

    /// Where meetings are kept: `meetings/<id>/`, archives under `archives/meetings/`.
    public var store: CaseStore { CaseStore(root: root, folderName: "meetings") }
    /// The cases the agenda refers to.
    public var cases: CaseStore { CaseStore(root: root) }

    public func ids() -> [String] { store.caseIDs() }

    public func require(_ id: String) throws {
        guard CaseStore.isValidCaseID(id) else { throw MeetingError.invalidID(id) }
        guard ids().contains(id) else { throw MeetingError.noSuchMeeting(id, known: ids()) }
    }

    public func load(_ id: String) throws -> (Journal.Contents, Meeting) {
        try require(id)
        let contents = try store.journal(id).read()
        return (contents, Meeting(id: id, events: contents.events))
    }

    /// The roster the meeting was opened under (its own snapshot).
    public func roster(of id: String) throws -> CouncilRoster {
        try CouncilRoster.load(path: store.workflowFiles(id).appendingPathComponent(Self.rosterFile).path)
    }

    /// The council's name for titles and minutes: the workspace's, else the roster's.
    public func councilName(_ roster: CouncilRoster) -> String { council ?? roster.name }

    /// Every meeting, by date then id.
    public func all() throws -> [Meeting] {
        try ids().map { try load($0).1 }.sorted { ($0.date, $0.id) < ($1.date, $1.id) }
    }

    // MARK: - Actions

    public static let minutesTemplateNames = ["templates/minutes.md.mustache", "templates/minutes.html.mustache"]

    /// The minutes templates a meeting snapshots when it opens: each from the first of
    /// `templates` holding it, else beside its roster.
    public func minutesTemplates(rosterPath: String) -> [(relative: String, source: URL)] {
        let folders = templates + [URL(fileURLWithPath: rosterPath).deletingLastPathComponent()]
        return Self.minutesTemplateNames.map { name in
            (name, folders.map { $0.appendingPathComponent(name) }.first { FileManager.default.fileExists(atPath: $0.path) }
                ?? folders.last!.appendingPathComponent(name))
        }
    }

    /// Opens a meeting under the roster at `rosterPath`, snapshotting it and the minutes templates.
    @discardableResult
    public func create(id: String, date: String, time: String?, place: String?, title: String?,
                       rosterPath: String) throws -> Meeting {
        try create(id: id, date: date, time: time, place: place, title: title, rosterPath: rosterPath,
                   files: minutesTemplates(rosterPath: rosterPath))
    }

    /// Opens a meeting with the files `files` snapshotted beside its roster. The title defaults
    /// to 令和X年度第N回 <council>, N counting the meetings of the same fiscal year dated on or
    /// before this one.
    @discardableResult
    public func create(id: String, date: String, time: String?, place: String?, title: String?,
                       rosterPath: String, files: [(relative: String, source: URL)]) throws -> Meeting {
        guard CaseStore.isValidCaseID(id) else { throw MeetingError.invalidID(id) }
        if ids().contains(id) { throw MeetingError.exists(id) }
        guard Self.isDate(date), let fy = JapaneseDate.fiscalYear(date) else {
            throw MeetingError.invalid("the meeting date '\(date)' is not a date; write it as YYYY-MM-DD, e.g. 2022-06-27")
        }
        if let time, time.range(of: #"^\d{1,2}:\d{2}(-\d{1,2}:\d{2})?$"#, options: .regularExpression) == nil {
            throw MeetingError.invalid("the time '\(time)' is not a time or span; write it as 14:00 or 14:00-17:30")
        }
        let roster = try CouncilRoster.load(path: rosterPath)
        let n = try all().filter { JapaneseDate.fiscalYear($0.date) == fy && $0.date <= date }.count + 1
        let heading = title ?? "\(roster.fiscalYearLabel(fy, on: date))第\(n)回 \(councilName(roster))"
        var inputs: [String: Value] = ["title": .string(heading), "date": .string(date)]
        if let time { inputs["time"] = .string(time) }
        if let place { inputs["place"] = .string(place) }
        let definition = "docket-meeting: 1\nid: \(id)\ntitle: \(Self.quoted(heading))\ndate: \(date)\n"
            + (time.map { "time: \(Self.quoted($0))\n" } ?? "") + (place.map { "place: \(Self.quoted($0))\n" } ?? "")
        try store.create(id: id, workflowText: Array(definition.utf8), workflowSource: rosterPath, workflowName: "meeting",
                         referencedFiles: [(Self.rosterFile, URL(fileURLWithPath: rosterPath))] + files,
                         inputs: inputs, by: user, now: clock())
        return try load(id).1
    }

    /// Adds cases (consultation or report items) or a text item to the agenda, in order.
    public func addToAgenda(_ id: String, kind: AgendaItem.Kind, cases ids: [String] = [], text: String? = nil) throws -> Meeting {
        try change(id) { meeting in
            if kind == .other {
                guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw MeetingError.invalid("an 'other' agenda item needs its text, e.g. 会長あいさつ")
                }
                return [agendaEvent(["kind": .string("other"), "text": .string(text)])]
            }
            guard !ids.isEmpty else { throw MeetingError.invalid("name the case(s) to add to the agenda") }
            var events: [JournalEvent] = []
            for caseID in ids {
                try cases.requireCase(caseID)
                if meeting.item(of: caseID) != nil || ids.filter({ $0 == caseID }).count > 1 {
                    throw MeetingError.alreadyOnAgenda(meeting: id, caseID: caseID)
                }
                for other in try all() where other.id != id && !other.closed {
                    if let (_, item) = other.item(of: caseID), !item.deferred, try decision(of: caseID, at: other.id) == nil {
                        throw MeetingError.pendingElsewhere(caseID: caseID, meeting: other.id)
                    }
                }
                let (_, state) = try cases.load(caseID)
                if let consulted = state.inputs["consulted_on"]?.stringValue, consulted > meeting.date {
                    throw MeetingError.consultedAfterMeeting(caseID: caseID, consulted: consulted, meeting: meeting.date)
                }
                var record: [String: Value] = ["kind": .string(kind.rawValue), "case": .string(caseID)]
                if let subject = state.inputs["subject"] ?? state.inputs["title"] { record["text"] = subject }
                events.append(agendaEvent(record))
            }
            return events
        }
    }

    /// Defers a case (継続審議): it stays in this meeting's record as carried over, and may be
    /// put on a later meeting's agenda, which then decides and dates it.
    public func deferItem(_ id: String, caseID: String) throws -> Meeting {
        try change(id) { meeting in
            guard let (_, item) = meeting.item(of: caseID) else {
                throw MeetingError.notOnAgenda(meeting: id, caseID: caseID, agenda: meeting.agenda.compactMap(\.caseID))
            }
            if item.deferred { return [] }
            if try decision(of: caseID, at: id) != nil {
                throw MeetingError.invalid("case '\(caseID)' was decided at meeting '\(id)'; a decided item cannot be deferred")
            }
            return [agendaEvent(["kind": .string("defer"), "case": .string(caseID)])]
        }
    }

    /// Records the attendance from a file (checked against the roster and the agenda).
    public func attend(_ id: String, file: String) throws -> Meeting {
        try attend(id, attendance: try YAMLLoader().loadFile(at: file), source: file)
    }

    /// Records an attendance already parsed (the board's form); `source` names it in errors.
    public func attend(_ id: String, attendance node: Node, source: String) throws -> Meeting {
        let roster = try roster(of: id)
        return try change(id) { meeting in
            let attendance = try Attendance.read(node, source: source, roster: roster, meeting: meeting)
            var e = JournalEvent(type: .recorded, step: Self.attendanceStep)
            e.record = attendance.value
            return [e]
        }
    }

    /// Closes the meeting; refused while a consultation on its agenda is neither decided here
    /// nor deferred.
    public func close(_ id: String) throws -> Meeting {
        try change(id) { meeting in
            var open: [String] = []
            for (i, item) in meeting.agenda.enumerated() where item.kind == .consultation && !item.deferred {
                if let c = item.caseID, try decision(of: c, at: id) == nil { open.append(meeting.label(i + 1)) }
            }
            guard open.isEmpty else { throw MeetingError.undecided(meeting: id, items: open) }
            return [JournalEvent(type: .finished)]
        }
    }

    /// The outputs of the vote that decided `caseID` at meeting `id`, if one did.
    public func decision(of caseID: String, at id: String) throws -> [String: Value]? {
        let (_, state) = try cases.load(caseID)
        return state.steps.values.first { $0.completedOnce && $0.outputs["meeting"]?.stringValue == id && $0.outputs["decision"] != nil }?.outputs
    }

    /// The outputs of the report step that acknowledged `caseID` at meeting `id`, if one did.
    public func acknowledgement(of caseID: String, at id: String) throws -> [String: Value]? {
        let (_, state) = try cases.load(caseID)
        return state.steps.values.first { $0.completedOnce && $0.outputs["meeting"]?.stringValue == id && $0.outputs["acknowledged"] != nil }?.outputs
    }

    /// The position of `caseID` on an open meeting's agenda as an item of `kind` that is still
    /// to be taken up here (not deferred); refuses otherwise.
    func openItem(_ meeting: Meeting, caseID: String, kind: AgendaItem.Kind) throws -> Int {
        if meeting.closed { throw MeetingError.closed(meeting.id) }
        guard let (position, item) = meeting.item(of: caseID) else {
            throw MeetingError.notOnAgenda(meeting: meeting.id, caseID: caseID, agenda: meeting.agenda.compactMap(\.caseID))
        }
        guard item.kind == kind else {
            throw kind == .consultation ? MeetingError.notAVote(meeting: meeting.id, caseID: caseID, kind: item.kind.rawValue)
                : MeetingError.notAReport(meeting: meeting.id, caseID: caseID, kind: item.kind.rawValue)
        }
        if item.deferred {
            throw MeetingError.invalid("case '\(caseID)' was deferred (継続審議) at meeting '\(meeting.id)'; record it at the meeting it was carried over to")
        }
        return position
    }

    /// Takes the lock, folds, asks `body` for the events (refusing by throwing), appends them.
    func change(_ id: String, _ body: (Meeting) throws -> [JournalEvent]) throws -> Meeting {
        try require(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        var (contents, meeting) = try load(id)
        if meeting.closed { throw MeetingError.closed(id) }
        let events = try body(meeting).map { e -> JournalEvent in var e = e; e.by = user; return e }
        guard !events.isEmpty else { return meeting }
        try store.journal(id).append(events, to: &contents, now: clock())
        meeting = Meeting(id: id, events: contents.events)
        return meeting
    }

    func agendaEvent(_ record: [String: Value]) -> JournalEvent {
        var e = JournalEvent(type: .recorded, step: Self.agendaStep)
        e.record = .map(record)
        return e
    }

    static func isDate(_ iso: String) -> Bool {
        let p = iso.split(separator: "-")
        guard iso.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]) else { return false }
        return DateComponents(calendar: Calendar(identifier: .gregorian), year: y, month: m, day: d).isValidDate
    }

    static func quoted(_ s: String) -> String { YAMLText.quoted(s) }
}

/// Tells the vote and report steps which open meeting holds a case undecided or unacknowledged,
/// so its tally or acknowledgement is recorded there.
public struct MeetingAgendaLookup: AgendaLookup {
    public init() {}

    public func openMeeting(holding caseID: String, root: URL) -> String? {
        openMeeting(caseID, as: .consultation, root: root) { try $0.decision(of: caseID, at: $1) }
    }

    public func openMeeting(reporting caseID: String, root: URL) -> String? {
        openMeeting(caseID, as: .report, root: root) { try $0.acknowledgement(of: caseID, at: $1) }
    }

    /// The first open meeting holding `caseID` as a `kind` item, not deferred, that `settled`
    /// (the outputs recorded for it at that meeting) finds still open.
    func openMeeting(_ caseID: String, as kind: AgendaItem.Kind, root: URL,
                     settled: (MeetingBook, String) throws -> [String: Value]?) -> String? {
        let book = MeetingBook(root: root, user: "")
        for meeting in (try? book.all()) ?? [] where !meeting.closed {
            guard let (_, item) = meeting.item(of: caseID), item.kind == kind, !item.deferred else { continue }
            if (try? settled(book, meeting.id)) ?? nil == nil { return meeting.id }
        }
        return nil
    }
}
