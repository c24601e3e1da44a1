import DocketCore
import DocketCouncil
import DocketSteps
import DocketYAML
import Foundation
import Mustache

/// The minutes (会議録) of a meeting, drafted from the record, laid out as the council's own
/// minutes are: 名称, 日時, 会場, 出席者 (委員 by name in roster order; the executive side (区側, 市側…) by title), 欠席者,
/// 傍聴者, 配付資料, 会議次第, then each item with what the record holds (subject and
/// department, questions and answers, conditions, every tally with any recount, the decision
/// and the answer number; a report's acknowledgement), and under it the transcript's part for
/// that item (発言の記録), if one is given. Figures and dates are written full-width, as there.
public struct Minutes: Sendable {
    public var markdown: String
    public var html: String

    public static let markdownName = "会議録.md"
    public static let htmlName = "会議録.html"
    static let markdownTemplate = "templates/minutes.md.mustache"
    static let htmlTemplate = "templates/minutes.html.mustache"
}

/// The transcript (発言の記録) to merge: a text file whose `## N` or `## CASE-ID` headings start
/// the part for agenda item N or for that case; text before the first heading is general.
public struct Transcript: Sendable, Equatable {
    public var general: String = ""
    /// By agenda position.
    public var parts: [Int: String] = [:]

    public static func load(path: String, meeting: Meeting) throws -> Transcript {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaseError.unreadable(path, "cannot read the transcript")
        }
        var t = Transcript()
        var current: Int?
        var problems: [Diagnostic] = []
        for (i, raw) in String(decoding: data, as: UTF8.self).components(separatedBy: "\n").enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            if line.hasPrefix("## ") {
                let key = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                if let n = meeting.resolve(key) { current = n; continue }
                problems.append(Diagnostic(file: path, mark: .init(line: i + 1, column: 4),
                    message: "'\(key)' is not an item of the agenda: write '## N' (1-\(meeting.agenda.count)) or '## CASE-ID'"))
                continue
            }
            if let n = current { t.parts[n, default: ""] += line + "\n" } else { t.general += line + "\n" }
        }
        guard problems.isEmpty else { throw DiagnosticsError(problems) }
        t.general = t.general.trimmingCharacters(in: .whitespacesAndNewlines)
        t.parts = t.parts.mapValues { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return t
    }
}

extension MeetingBook {
    /// Drafts the minutes from the meeting's and its cases' journals (nothing is written).
    public func draftMinutes(_ id: String, transcript: Transcript? = nil) throws -> Minutes {
        let (_, meeting) = try load(id)
        let roster = try roster(of: id)
        let view = try minutesView(meeting, roster: roster, transcript: transcript ?? Transcript())
        func render(_ name: String, text: Bool) throws -> String {
            let url = store.workflowFiles(id).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw CaseError.unreadable(url.path, "the minutes template is missing from the meeting's snapshot")
            }
            return try MustacheTemplate(string: (text ? "{{% CONTENT_TYPE: TEXT}}" : "") + String(decoding: data, as: UTF8.self)).render(view)
        }
        return Minutes(markdown: try render(Minutes.markdownTemplate, text: true), html: try render(Minutes.htmlTemplate, text: false))
    }

    func minutesView(_ meeting: Meeting, roster: CouncilRoster, transcript: Transcript) throws -> [String: Any] {
        let fw = FullWidth.digits
        let sitting = roster.members(inOfficeOn: meeting.date)
        let a = meeting.attendance ?? Attendance(members: [], order: sitting)
        let arrived = Set(a.arrivals.map(\.member))
        let attended = sitting.filter { a.members.contains($0) || arrived.contains($0) }
        var view: [String: Any] = [
            "title": fw(meeting.title),
            "date": fw(JapaneseDate.era(meeting.date) ?? meeting.date) + FullWidth.weekday(meeting.date),
            "members": attended.joined(separator: "、"), "members_count": fw(String(attended.count)),
            "seats": fw(String(roster.seats)), "quorum": fw(String(roster.quorumCount)),
            "staff": a.staff.joined(separator: "、"), "has_staff": !a.staff.isEmpty,
            "absent": a.absent.joined(separator: "、"), "has_absent": !a.absent.isEmpty,
            "observers": fw(String(a.observers)),
            "in_advance": a.inAdvance.joined(separator: "、"), "on_the_day": a.onTheDay.joined(separator: "、"),
            "has_in_advance": !a.inAdvance.isEmpty, "has_on_the_day": !a.onTheDay.isEmpty,
            "has_materials": !(a.inAdvance.isEmpty && a.onTheDay.isEmpty),
            "general": transcript.general, "has_general": !transcript.general.isEmpty,
            "council": councilName(roster), "chair": roster.chair(on: meeting.date) ?? roster.chair,
            "executive_side": roster.executiveSide,
        ]
        if let place = meeting.place { view["place"] = place }
        if let time = meeting.time { view["time"] = FullWidth.span(time) }
        let moves: [String] = (a.arrivals.map { ($0, "入室") } + a.departures.map { ($0, "退室") }).map { pair in
            let (move, what) = pair
            let before = meeting.resolve(move.before).map { "議題\(fw(String($0)))の前" } ?? ""
            return "\(move.member) \(move.time.map(FullWidth.clock) ?? "")\(what)（\(before)）"
        }
        view["movements"] = moves
        view["has_movements"] = !moves.isEmpty

        // 会議次第: consecutive cases of one kind form one numbered section, as the seed's 諮問事項
        // (1)…(4); each text item is a section of its own.
        var sections: [[String: Any]] = []
        var details: [[String: Any]] = []
        var lastKind: AgendaItem.Kind?
        var sub = 0
        for (i, item) in meeting.agenda.enumerated() {
            let position = i + 1
            if item.kind == .other || item.kind != lastKind {
                sub = 0
                sections.append(["number": fw(String(sections.count + 1)),
                                 "heading": item.kind == .other ? (item.text ?? "") : (item.kind == .consultation ? "諮問事項" : "報告事項"),
                                 "items": [[String: Any]]()])
            }
            lastKind = item.kind
            var detail: [String: Any] = ["section": sections[sections.count - 1]["number"]!, "section_heading": sections[sections.count - 1]["heading"]!,
                                         "transcript": transcript.parts[position] ?? "", "has_transcript": transcript.parts[position] != nil]
            if item.kind != .other {
                sub += 1
                let label = "（\(fw(String(sub)))）\(item.text ?? item.caseID ?? "")"
                var list = sections[sections.count - 1]["items"] as! [[String: Any]]
                list.append(["label": label])
                sections[sections.count - 1]["items"] = list
                detail["label"] = label
                if let caseID = item.caseID { detail.merge(try caseView(caseID, kind: item.kind, meeting: meeting, position: position, roster: roster), uniquingKeysWith: { $1 }) }
                detail["deferred"] = item.deferred
            } else {
                detail["other"] = true
            }
            detail["first_of_section"] = sub <= 1
            details.append(detail)
        }
        view["sections"] = sections
        view["items"] = details
        return view
    }

    /// What one case's record gives the minutes.
    func caseView(_ caseID: String, kind: AgendaItem.Kind, meeting: Meeting, position: Int, roster: CouncilRoster) throws -> [String: Any] {
        let fw = FullWidth.digits
        let (_, state) = try cases.load(caseID)
        var v: [String: Any] = ["case": caseID, "consultation": kind == .consultation, "report": kind == .report,
                                "present": fw(String(meeting.present(at: position).count))]
        if let d = state.inputs["department"]?.stringValue { v["department"] = d }
        let steps = state.steps.values
        // The review's questions are in its record (its outputs only count them).
        if let review = steps.first(where: { $0.completedOnce && $0.outputs["questions"] != nil && $0.outputs["sent_back"] != nil }) {
            if case .map(let record)? = review.records.last, case .list(let qs)? = record["questions"] {
                v["questions"] = qs.compactMap { q -> [String: Any]? in
                    guard case .map(let m) = q else { return nil }
                    return ["question": m["question"]?.stringValue ?? "", "answer": m["answer"]?.stringValue ?? "", "by": m["by"]?.stringValue ?? "委員"]
                }
            }
            if case .list(let cs)? = review.outputs["conditions"] { v["conditions"] = cs.compactMap(\.stringValue) }
        }
        v["has_questions"] = !((v["questions"] as? [Any])?.isEmpty ?? true)
        v["has_conditions"] = !((v["conditions"] as? [Any])?.isEmpty ?? true)
        // Every tally taken at this meeting, in order (a report's acknowledgement carries the
        // meeting too, but no count); a recount as the seed records one.
        let tallies = steps.flatMap(\.records).compactMap { r -> [String: Value]? in
            guard case .map(let m) = r, m["for"] != nil, case .map(let mt)? = m["meeting"], mt["id"]?.stringValue == meeting.id else { return nil }
            return m
        }
        v["tallies"] = tallies.enumerated().map { i, t -> [String: Any] in
            let abstain = t["abstain"]?.intValue ?? 0
            return ["n": fw(String(i + 1)), "for": fw(String(t["for"]?.intValue ?? 0)), "against": fw(String(t["against"]?.intValue ?? 0)),
                    "abstain": fw(String(abstain)), "has_abstain": abstain > 0,
                    "recount": t["recount_called"]?.boolValue == true, "several": tallies.count > 1]
        }
        v["has_tallies"] = !tallies.isEmpty
        if let vote = try decision(of: caseID, at: meeting.id) {
            v["decision"] = vote["decision"]?.stringValue ?? ""
            v["unanimous"] = vote["unanimous"]?.boolValue == true
            if let answer = steps.first(where: { $0.completedOnce && $0.outputs["number_label"]?.stringValue != nil })?.outputs {
                v["answer_number"] = fw(answer["number_label"]?.stringValue ?? "")
            }
        }
        // A report's acknowledgement as this meeting recorded it (a report received elsewhere is
        // not this meeting's business).
        if kind == .report, let step = steps.first(where: { $0.completedOnce && $0.outputs["meeting"]?.stringValue == meeting.id && $0.outputs["acknowledged"] != nil }) {
            v["acknowledged"] = step.outputs["acknowledged"]?.boolValue == true
            v["incident"] = step.outputs["kind"]?.stringValue == "incident"
            v["received"] = true
            if case .map(let record)? = step.records.last, case .list(let remarks)? = record["remarks"] {
                v["remarks"] = remarks.compactMap(\.stringValue)
                v["has_remarks"] = !remarks.isEmpty
            }
        }
        v["unacknowledged"] = kind == .report && v["received"] == nil && !(meeting.item(of: caseID)?.item.deferred ?? false)
        return v
    }
}

/// Full-width figures and the seed's way of writing times (午後２時から午後５時３０分まで).
enum FullWidth {
    static func digits(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0 >= "0" && $0 <= "9" ? Unicode.Scalar($0.value + 0xFEE0)! : $0 }))
    }

    /// `（月）` for the date's weekday.
    static func weekday(_ iso: String) -> String {
        let p = iso.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3, let date = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                                                       year: p[0], month: p[1], day: p[2]).date else { return "" }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return "（\(["日", "月", "火", "水", "木", "金", "土"][cal.component(.weekday, from: date) - 1])）"
    }

    /// `14:00` → 午後２時; `17:30` → 午後５時３０分.
    static func clock(_ hm: String) -> String {
        let p = hm.split(separator: ":").compactMap { Int($0) }
        guard p.count == 2 else { return digits(hm) }
        let (h, m) = (p[0], p[1])
        return (h < 12 ? "午前" : "午後") + digits(String(h % 12)) + "時" + (m == 0 ? "" : digits(String(m)) + "分")
    }

    /// `14:00-17:30` → 午後２時から午後５時３０分まで.
    static func span(_ time: String) -> String {
        let parts = time.split(separator: "-").map(String.init)
        return parts.count == 2 ? "\(clock(parts[0]))から\(clock(parts[1]))まで" : "\(clock(parts[0]))から"
    }
}
