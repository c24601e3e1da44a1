import DocketCore
import DocketCouncil
import DocketMeetings
import DocketServices
import DocketSteps
import DocketYAML
import Foundation

/// What the meeting pages show and do, apart from HTTP. Every action is one `MeetingBook`
/// call — the very calls `docket meeting …` makes — with the signed-in user as `by`.
struct MeetingPages: Sendable {
    let services: DocketServices

    func book(_ user: String) -> MeetingBook { services.meetings(by: user) }

    struct ListView: Sendable {
        struct Row: Sendable { var id, title, date, era: String; var items: Int; var closed: Bool }
        var meetings: [Row]
        var hasMeetings: Bool
        var canManage: Bool
    }

    func list(canManage: Bool) throws -> ListView {
        let rows = try book("").all().sorted { ($0.date, $0.id) > ($1.date, $1.id) }.map {
            ListView.Row(id: $0.id, title: $0.title, date: $0.date, era: JapaneseDate.era($0.date) ?? $0.date,
                         items: $0.agenda.count, closed: $0.closed)
        }
        return ListView(meetings: rows, hasMeetings: !rows.isEmpty, canManage: canManage)
    }

    struct NewView: Sendable {
        var controls: [FormControl]
        var message: String?
        var general: [String] = []
        var csrf: String
    }

    func newView(values: FormValues?, errors: FieldErrors = FieldErrors(), message: String? = nil, csrf: String) -> NewView {
        NewView(controls: SchemaForm(MeetingForms.header).controls(values: values, errors: errors), message: message,
                general: errors.general, csrf: csrf)
    }

    /// Opens a meeting from the form (the date in any shape `CalendarDate` reads), under the
    /// workspace's roster `rosterPath`, with the minutes templates beside it.
    func create(_ values: FormValues, rosterPath: String, by user: String) throws -> String {
        let (node, places) = try SchemaForm(MeetingForms.header).node(from: values)
        var d = Diagnostics(file: "form")
        let v = SchemaCheck.decode(node, against: MeetingForms.header, what: "the meeting", diagnostics: &d)
        if !d.isEmpty {
            var r = Refusal(status: 422, message: nil)
            r.diagnostics = d.sorted
            throw r.placed(places)
        }
        let meeting = try book(user).create(id: v["id"]?.stringValue ?? "", date: v["date"]?.stringValue ?? "",
                                            time: v["time"]?.stringValue, place: v["place"]?.stringValue,
                                            title: v["title"]?.stringValue, rosterPath: rosterPath)
        return meeting.id
    }

    struct MeetingView: Sendable {
        struct Item: Sendable {
            var position: Int
            var kindLabel: String
            var caseID: String?
            var text: String?
            var present: Int
            var hasPresent: Bool
            var quorumMet: Bool
            var outcome: String?
            var canDefer: Bool
            var canVote: Bool
            var canAcknowledge: Bool
            var voteControls: [FormControl]
            var voteErrors: [String]
        }
        struct Member: Sendable { var number: Int; var name: String; var checked: Bool }
        var id, meetingID, title, date, era: String
        var time, place: String?
        var closed: Bool
        var seats, quorum: Int
        var presentAtOpening: Int
        var hasAttendance: Bool
        var items: [Item]
        var hasItems: Bool
        var canManage: Bool
        var members: [Member]
        var attendanceControls: [FormControl]
        var attendanceMemberErrors: [String]
        var message: String?
        var busy = false
        var general: [String] = []
        var csrf: String
        /// The minutes are checked, sealed, recorded and archived.
        var minutesPublished = false
    }

    /// What a refused form on the meeting page keeps: which form, its entries, its problems.
    struct Redo: Sendable {
        enum Form: Sendable, Equatable { case attendance, vote(String), acknowledge(String), other }
        var form: Form
        var values: FormValues
        var errors: FieldErrors
        var refusal: Refusal
        var addRowTo: String?
    }

    func meetingView(_ id: String, canManage: Bool, redo: Redo? = nil, csrf: String) throws -> MeetingView {
        let book = book("")
        let (contents, meeting) = try book.load(id)
        let summary = try book.summary(id)
        let roster = try book.roster(of: id)
        var items: [MeetingView.Item] = []
        for (i, s) in summary.items.enumerated() {
            let item = meeting.agenda[i]
            let open = canManage && !meeting.closed && !item.deferred && s.outcome == nil && item.caseID != nil
            let kind: String
            switch item.kind {
            case .consultation: kind = "諮問事項"
            case .report: kind = "報告事項"
            case .other: kind = "その他"
            }
            var voteValues: FormValues?, voteErrors = FieldErrors(), messages: [String] = [], addRow: String?
            if let redo, let c = item.caseID, redo.form == .vote(c) || redo.form == .acknowledge(c) {
                voteValues = redo.values
                voteErrors = redo.errors
                addRow = redo.addRowTo
                messages = (redo.refusal.message.map { [$0] } ?? []) + voteErrors.general
            }
            let controls = item.kind == .consultation && open
                ? SchemaForm(MeetingForms.tally).controls(values: voteValues, errors: voteErrors, addRowTo: addRow)
                    .map { $0.withIDPrefix("v\(i + 1)-") }
                : []
            items.append(MeetingView.Item(position: s.position, kindLabel: kind, caseID: item.caseID, text: item.text,
                                          present: s.present ?? 0, hasPresent: s.present != nil, quorumMet: s.quorumMet ?? false,
                                          outcome: s.outcome, canDefer: open, canVote: open && item.kind == .consultation,
                                          canAcknowledge: open && item.kind == .report, voteControls: controls, voteErrors: messages))
        }
        var attendanceValues: FormValues?, attendanceErrors = FieldErrors(), addRow: String?
        if let redo, redo.form == .attendance {
            attendanceValues = MeetingForms.joiningMembers(redo.values)
            attendanceErrors = redo.errors
            addRow = redo.addRowTo
        }
        let checked = Set(attendanceValues.map { _ in redo?.values.all("members") ?? [] } ?? meeting.attendance?.members ?? [])
        let attendanceSchema = Schema(MeetingForms.attendance.fields.filter { $0.name != "members" })
        var view = MeetingView(
            id: id, meetingID: id, title: meeting.title, date: meeting.date, era: JapaneseDate.era(meeting.date) ?? meeting.date,
            time: meeting.time, place: meeting.place, closed: meeting.closed, seats: summary.seats, quorum: summary.quorum,
            presentAtOpening: summary.presentAtOpening ?? 0, hasAttendance: summary.presentAtOpening != nil,
            items: items, hasItems: !items.isEmpty, canManage: canManage,
            members: roster.members.enumerated().map { MeetingView.Member(number: $0 + 1, name: $1, checked: checked.contains($1)) },
            attendanceControls: SchemaForm(attendanceSchema).controls(values: attendanceValues ?? meeting.attendance.map(Self.formValues),
                                                                      errors: attendanceErrors, addRowTo: addRow),
            attendanceMemberErrors: attendanceErrors["members"], csrf: csrf)
        view.minutesPublished = CaseState(caseID: id, events: contents.events).steps[MeetingBook.minutesStep]?.status == .completed
        if let redo {
            if case .other = redo.form { view.general = redo.refusal.lines }
            if redo.form == .attendance { view.general = attendanceErrors.general + (redo.refusal.message.map { [$0] } ?? []) }
            view.busy = redo.refusal.busy
        }
        return view
    }

    /// A recorded attendance as the form's fields, so the form shows what is recorded.
    static func formValues(_ a: Attendance) -> FormValues {
        var v = FormValues()
        for (list, moves) in [("arrivals", a.arrivals), ("departures", a.departures)] {
            for (i, m) in moves.enumerated() {
                v.append("\(list)[\(i)].member", m.member)
                v.append("\(list)[\(i)].time", m.time ?? "")
                v.append("\(list)[\(i)].before", m.before)
            }
        }
        v.append("staff", a.staff.joined(separator: "\n"))
        v.append("observers", a.observers == 0 ? "" : String(a.observers))
        v.append("materials.in_advance", a.inAdvance.joined(separator: "\n"))
        v.append("materials.on_the_day", a.onTheDay.joined(separator: "\n"))
        return v
    }

    // MARK: - Actions (each throws the library's refusal)

    func addToAgenda(_ id: String, _ values: FormValues, by user: String) throws {
        let kind = values["kind"] ?? "consultation"
        if kind == "other" {
            guard let text = values.text("text") else { throw Refusal(status: 422, message: "その他の議題の内容を入力してください（例「会長あいさつ」）。") }
            _ = try book(user).addToAgenda(id, kind: .other, text: text)
            return
        }
        guard let caseID = values.text("case") else { throw Refusal(status: 422, message: "案件番号を入力してください。") }
        switch kind {
        case "defer": _ = try book(user).deferItem(id, caseID: caseID)
        case "consultation": _ = try book(user).addToAgenda(id, kind: .consultation, cases: [caseID])
        case "report": _ = try book(user).addToAgenda(id, kind: .report, cases: [caseID])
        default: throw Refusal(status: 422, message: "種別「\(kind)」は使えません（諮問事項・報告事項・その他から選んでください）。")
        }
    }

    /// Checks, renders, seals and records the minutes of a closed meeting and archives it, as
    /// `docket minutes` does; a personal-data hit (or a missing tool) refuses, the draft kept.
    func publishMinutes(_ id: String, by user: String) async throws {
        let book = book(user)
        let council = book.councilName(try book.roster(of: id))
        let organization = services.council.sourceOrganization(council: council)
        do {
            _ = try await book.publishMinutes(id, transcript: nil, tools: services.minutesTools, organization: organization)
        } catch let blocked as MeetingBook.Blocked {
            throw Refusal(status: 409, message: "会議録を確定できませんでした：\(blocked.message)。下書きは保存されています。会議の記録（議題・出欠・結果）を直してから、もう一度「会議録を確認して確定する」を押してください。")
        }
    }

    /// Records the attendance form; the problems come back placed at their fields.
    func attend(_ id: String, _ values: FormValues, by user: String) throws {
        let joined = MeetingForms.joiningMembers(values)
        let (node, places) = try SchemaForm(MeetingForms.attendance).node(from: joined)
        do {
            _ = try book(user).attend(id, attendance: node, source: "form")
        } catch {
            throw Refusal(error).placed(places)
        }
    }

    /// Records a tally for `case` (present taken from the attendance, as the CLI does) and runs
    /// the case, so the vote is decided (or waits for the recount) and the meeting page shows
    /// the outcome; a recount is the same form sent again with the new figures.
    func vote(_ id: String, _ values: FormValues, by user: String) async throws {
        guard let caseID = values.text("case") else { throw Refusal(status: 422, message: "案件番号がありません。") }
        let (node, places) = try SchemaForm(MeetingForms.tally).node(from: values)
        do {
            _ = try await book(user).decideByVote(id, caseID: caseID, tally: node, source: "form", runner: services.runner(by: user))
        } catch {
            throw Refusal(error).placed(places)
        }
    }

    /// Records the acknowledgement of a report item, then runs the case.
    func acknowledge(_ id: String, _ values: FormValues, by user: String) async throws {
        guard let caseID = values.text("case") else { throw Refusal(status: 422, message: "案件番号がありません。") }
        let remarks = SchemaForm.lines(values["remarks"] ?? "")
        _ = try await book(user).acknowledgeAndRun(id, caseID: caseID, record: MeetingBook.acknowledgement(remarks: remarks),
                                                   source: "form", runner: services.runner(by: user))
    }

    func close(_ id: String, by user: String) throws {
        _ = try book(user).close(id)
    }

    func minutes(_ id: String) throws -> Minutes {
        try book("").draftMinutes(id)
    }
}

extension Refusal {
    /// The refusal with its problems placed at the form's fields (see `placedErrors`).
    func placed(_ places: FieldPlaces) -> Refusal {
        var r = self
        r.places = places
        return r
    }
}

extension FormControl {
    /// The control with element ids prefixed, for a page holding several forms of one schema.
    func withIDPrefix(_ prefix: String) -> FormControl {
        var c = self
        c.id = "f-" + prefix + id.dropFirst(2)
        c.rows = rows.map { FormControl.Row(number: $0.number, controls: $0.controls.map { $0.withIDPrefix(prefix) }) }
        return c
    }
}
