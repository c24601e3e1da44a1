import DocketYAML
import Foundation

/// The commented council profile `docket init` writes: the council's names filled in, the
/// members left for the secretariat with an example of each form, today's rules spelt out.
public enum ProfileSkeleton {
    public static func text(council: String, organization: String, head: String) -> String {
        var probe = CouncilRoster(name: council, seats: 0, chair: "", members: [], quorum: .moreThanHalf,
                                  decision: .majorityOfVotesCast, chairVotes: .tieOnly)
        probe.organization = organization
        probe.head = head
        let addressee = probe.addressee.isEmpty ? "〇〇市長" : probe.addressee
        let headLine = head.isEmpty
            ? "# head: \"市長\"                         # the head's title (区長, 市長, 町長, 村長, 知事…): answers go to <organization><head>"
            : "head: \(quoted(head))\(pad("head: " + quoted(head)))# answers are addressed to \(addressee); the minutes say \(probe.executiveSide)"
        return """
            # The council profile (委員名簿と議事の規則) of \(council).
            # Docket reads it strictly: a misspelt key or value is an error at council.yaml:LINE:COLUMN.
            # Every change is recorded (what, who, when) at the next docket command: see 'docket council show'.
            docket-council: 1
            name: \(quoted(council))\(pad("name: " + quoted(council)))# the council's name, as documents print it
            organization: \(quoted(organization))\(pad("organization: " + quoted(organization)))# whose council it is
            \(headLine)
            # addressee: \(quoted(addressee))          # to write the answers' addressee in full instead
            # secretariat: \(quoted("\(council) 事務局"))   # the default: sender of receipts, Source-Organization of archives
            # executive-side: \(quoted(probe.executiveSide))            # how the minutes name the executive side (default from head)
            # answer-number: "{年度}第{番号}号"   # the default (令和8年度第1号); a council's own, e.g. "み個審答第{番号}号"
            # departments: [情報政策課, 人事課]   # 所管課 that consult the council (listed by docket council show)

            # The members. Each is a name (a 委員 without a term), or
            #   {name: NAME, role: 会長 | 副会長 | 委員, appointed: 委嘱日, term-ends: 任期満了日}
            # A member sits at meetings only within their term; the answer is signed by the 会長 in
            # office on the decision date. Once any member has a term, write 'seats' (定数).
            # seats: 15
            members: []
            #  - {name: 山田 太郎, role: 会長, appointed: 2025-04-01, term-ends: 2027-03-31}
            #  - {name: 佐藤 花子, role: 副会長, appointed: 2025-04-01, term-ends: 2027-03-31}
            #  - {name: 鈴木 一郎, appointed: 2025-04-01, term-ends: 2027-03-31}
            # chair: 山田 太郎                   # instead of a role: the chair by name

            # The rules of the meeting.
            quorum: more-than-half              # 定足数: more-than-half, two-thirds, or {at-least: N}
            decision: majority-of-votes-cast    # 議決: majority-of-votes-cast, majority-of-present, two-thirds-of-votes-cast
            chair-votes: tie-only               # 会長の表決: tie-only (casting vote), always, never
            present-base: excluding-non-voting-chair   # majority-of-present counts those present less a chair who does not vote (or all-present)
            conditions-on-rejection: omit       # 付帯意見 attach to an approval; 'opinion' states them as 審議会の意見 in a rejection
            fiscal-year-era: of-the-date        # FY2019 answers dated from 2019-05-01 read 令和元年度 ('of-april': 平成31年度)

            """
    }

    static func quoted(_ s: String) -> String { YAMLText.quoted(s) }

    /// Spaces that bring a line of `s` (wide characters counting two columns) to the comments' column.
    static func pad(_ s: String) -> String {
        let width = s.unicodeScalars.reduce(0) { $0 + ($1.isASCII ? 1 : 2) }
        return String(repeating: " ", count: max(1, 40 - width))
    }
}
