import DocketCore
import DocketCouncil
import DocketSteps

/// The meeting pages' forms, declared as schemas so the same `SchemaForm` renders them and
/// reads them back; the library (`Attendance.read`, `MeetingBook.recordVote`) checks them.
enum MeetingForms {
    /// The attendance, as `docket meeting attend --file` takes it. Members present at the
    /// opening are check boxes (one `members` field per member); their names are joined one a
    /// line before the form is read, as the schema's list of words expects.
    static let attendance = Schema([
        Field("members", .list(of: .string), required: true, description: "開会時の出席委員"),
        Field("arrivals", .list(of: .object(movement)), description: "途中出席（その議題の前に着席）"),
        Field("departures", .list(of: .object(movement)), description: "途中退席（その議題の前に退席）"),
        Field("staff", .list(of: .string), description: "執行機関側の出席者（職名）"),
        Field("observers", .int, description: "傍聴者数"),
        Field("materials", .object(Schema([
            Field("in_advance", .list(of: .string), description: "事前配付資料"),
            Field("on_the_day", .list(of: .string), description: "席上配付資料"),
        ]))),
    ])

    static let movement = Schema([
        Field("member", .string, required: true, description: "委員の氏名"),
        Field("time", .string, description: "時刻（14:40 など）"),
        Field("before", .string, required: true, description: "議題の番号、または案件番号"),
    ])

    /// The tally of a vote at a meeting: the vote step's record without what the meeting fills
    /// in itself (`present` from the attendance, `meeting`).
    static let tally = Schema(Tally.schema.fields.filter { $0.name != "present" && $0.name != "meeting" })

    /// The acknowledgement of a report item: remarks, one a line.
    static let acknowledgement = Schema([Field("remarks", .list(of: .string), description: "委員の意見")])

    /// A meeting's header, as `docket meeting new` takes it.
    static let header = Schema([
        Field("id", .string, required: true, description: "会議の ID（例 2022-06-27）"),
        Field("date", .date, required: true),
        Field("time", .string, description: "開会時刻（例 14:00）"),
        Field("place", .string, description: "場所"),
        Field("title", .string, description: "表題（省略時は回数と日付から）"),
    ])

    /// The submitted attendance with the checked members as one field, one name a line.
    static func joiningMembers(_ values: FormValues) -> FormValues {
        var out = FormValues(values.pairs.filter { $0.name != "members" })
        out.append("members", values.all("members").joined(separator: "\n"))
        return out
    }
}
