import DocketYAML

/// The Japanese names of the fields Docket's built-in steps, standard workflows and the board's
/// own forms use, and of the words of their choices: the one table both the board's forms and
/// the Japanese validation messages read. A workflow's own `label:` comes first; a field named
/// nowhere shows its name (last resort only: the standard workflows label every input).
public enum FieldNames {
    public static let japanese: [String: String] = [
        // committee-review's record
        "questions": "質疑", "question": "質問", "answer": "回答", "by": "発言者",
        "corrections": "修正要求", "material": "資料", "change": "修正内容",
        "conditions": "付帯意見", "send_back": "差戻し", "notes": "備考",
        // vote's record and outputs
        "present": "出席者数", "for": "賛成", "against": "反対", "abstain": "棄権", "recused": "除斥・回避",
        "casting_vote": "議長裁決", "roll_call": "記名投票", "recount_called": "再計数",
        "approved": "承認", "decision": "決定", "voters": "表決者数", "quorum": "定足数", "rule": "議決の方法",
        "tallies": "採決の回数", "unanimous": "全会一致",
        // a meeting, its attendance and materials
        "meeting": "会議", "id": "会議番号", "date": "日付", "item": "議題番号", "members": "出席委員",
        "arrivals": "途中出席", "departures": "途中退席", "member": "委員", "time": "時刻",
        "before": "どの議題の前か", "staff": "執行機関側の出席者", "observers": "傍聴者数",
        "in_advance": "事前配付資料", "on_the_day": "席上配付資料", "place": "場所",
        "materials": "資料", "reason": "理由", "remarks": "意見",
        // a consultation's inputs
        "department": "所管課", "subject": "件名", "kind": "種別", "contractor": "委託先",
        "items": "個人情報の項目", "purpose": "目的", "handover": "外部提供", "retention_end": "消去期限",
        "consulted_on": "諮問日", "title": "表題", "addressee": "宛先",
        "materials_folder": "資料のファイル", "consultation_number": "諮問番号", "meeting_date": "議決日",
        "background": "経緯", "reasons": "答申の理由", "began_on": "事務の開始日", "effective_from": "承認の効力発生日",
        // reports
        "summary": "概要", "concerns": "関係する案件", "occurred_on": "発生日", "affected": "影響を受けた人数",
        "acknowledged": "了承", "received_on": "報告を受けた日",
        // the answer's and other steps' outputs
        "number": "答申番号", "number_label": "答申番号", "fiscal_year": "年度", "chair": "会長",
        "created": "作成日", "document": "文書", "html": "印刷用の文書", "sent_back": "差戻し", "round": "回次",
        "kind_label": "種別", "files": "ファイル", "folder": "フォルダ", "archive": "保存ファイル",
        "size": "大きさ", "signer": "署名者", "certificate": "証明書", "demo": "デモ用の電子印",
    ]

    /// Words of a choice, in Japanese where Docket knows them.
    public static let words: [String: String] = [
        "for": "賛成", "against": "反対", "outsourcing": "外部委託", "cloud-service": "クラウドサービス",
        "external-linkage": "外部結合", "outside-purpose": "目的外利用", "report": "報告", "incident": "事故報告",
    ]

    /// The field's name for a person: its `label:`, else the table's, else its name.
    public static func label(of field: Field) -> String {
        if !field.label.isEmpty { return field.label }
        return japanese[field.name] ?? field.name
    }

    /// A choice's word for a person (the word itself where the table has none).
    public static func word(_ word: String) -> String { words[word] ?? word }
}

/// What a message is about, in both languages: `'consulted_on'` and 「諮問日」, `item 2 of
/// 'items'` and 「個人情報の項目」の2行目.
public struct MessageSubject: Sendable, Hashable {
    public var english: String
    public var japanese: String

    public init(english: String, japanese: String) {
        self.english = english
        self.japanese = japanese
    }

    /// A field by its name (English) and label (Japanese).
    public init(field: Field) {
        self.init(english: "'\(field.name)'", japanese: "「\(FieldNames.label(of: field))」")
    }

    /// A subject given only in English (`input 'kind'`, `the inputs file`): a quoted name is
    /// named in Japanese by the table, anything else as 「この値」.
    public init(english: String) {
        var japanese = "この値"
        if let open = english.firstIndex(of: "'"), let close = english[english.index(after: open)...].firstIndex(of: "'") {
            let name = String(english[english.index(after: open)..<close])
            japanese = "「\(FieldNames.japanese[name] ?? name)」"
        }
        self.init(english: english, japanese: japanese)
    }

    func item(_ n: Int) -> MessageSubject {
        MessageSubject(english: "item \(n) of \(english)", japanese: "\(japanese)の\(n)行目")
    }

    func entry(_ key: String) -> MessageSubject {
        MessageSubject(english: "'\(key)' in \(english)", japanese: "\(japanese)の「\(key)」")
    }
}

/// The validation messages of schemas and dates, each in English (the CLI's, `docket validate`
/// and friends) and Japanese (the board's). One place for their wording.
public enum Message: Sendable, Equatable {
    /// A required field absent from a mapping (`what` is the mapping).
    case missing(what: String, field: Field)
    /// A required workflow input not given at `docket new` (or on the new-case form).
    case missingInput(Field)
    /// Blank text in a required text field.
    case blank(Field)
    /// A required field whose expression gave nothing at run time.
    case nothingFromExpression(Field)
    /// A value of the wrong kind.
    case wrongType(MessageSubject, ValueType, got: String)
    /// Not true or false (`hint`: the YAML 1.1 word written, if any).
    case notBool(MessageSubject, got: String, hint: String?)
    /// A collection where a date was expected.
    case dateNotText(MessageSubject, got: String)
    /// Text that is not a date, or not a real one.
    case date(MessageSubject, DateProblem)
    /// Not one of the choices.
    case notOneOf(MessageSubject, [String], given: String?)

    public var english: String {
        switch self {
        case .missing(let what, let field):
            return "\(what) is missing '\(field.name)' (\(field.type))\(field.description.isEmpty ? "" : ": \(field.description)")"
        case .missingInput(let field):
            return "the required input '\(field.name)' (\(field.type)) is missing\(field.description.isEmpty ? "" : ": \(field.description)"); give it"
        case .blank(let field):
            return "'\(field.name)' is blank; it is required\(field.description.isEmpty ? "" : " (\(field.description))"): write it in"
        case .nothingFromExpression(let field):
            return "'\(field.name)' is required, but its expression gave nothing (an input or output that was not given)"
        case .wrongType(let s, let type, let got):
            return "\(s.english) must be \(type), not \(got)"
        case .notBool(let s, let got, let hint):
            return "\(s.english) must be true or false, not \(got)\(hint.map { " ('\($0)' is text in YAML 1.2; write true or false)" } ?? "")"
        case .dateNotText(let s, let got):
            return "\(s.english) must be a date written \(CalendarDate.shapes), not \(got)"
        case .date(let s, let problem):
            return "\(s.english): \(problem)"
        case .notOneOf(let s, let words, let given):
            var message = "\(s.english) must be one of: \(words.joined(separator: ", "))"
            if let given, let near = Suggest.nearest(to: given, among: words) { message += "; did you mean '\(near)'?" }
            return message
        }
    }

    public var japanese: String {
        switch self {
        case .missing(_, let field), .missingInput(let field):
            return "「\(FieldNames.label(of: field))」が入力されていません。必ず入力してください。"
        case .blank(let field):
            return "「\(FieldNames.label(of: field))」が空欄です。入力してください。"
        case .nothingFromExpression(let field):
            return "「\(FieldNames.label(of: field))」は必須ですが、値がありません（もとになる入力か前の手順の結果が与えられていません）。"
        case .wrongType(let s, let type, _):
            return "\(s.japanese)には\(type.japanese)を入力してください。"
        case .notBool(let s, _, _):
            return "\(s.japanese)は「はい」か「いいえ」で答えてください。"
        case .dateNotText(let s, _):
            return "\(s.japanese)には日付を入力してください。\(CalendarDate.japaneseShapes)"
        case .date(let s, let problem):
            return "\(s.japanese)：\(problem.japanese)"
        case .notOneOf(let s, let words, _):
            return "\(s.japanese)は次のいずれかから選んでください：\(words.map(FieldNames.word).joined(separator: "、"))。"
        }
    }
}

extension ValueType {
    /// What a field of this type takes, in Japanese (「整数」, 「日付」).
    public var japanese: String {
        switch self {
        case .string: return "文字"
        case .int: return "整数"
        case .number: return "数値"
        case .bool: return "「はい」か「いいえ」"
        case .date: return "日付"
        case .list: return "項目の一覧"
        case .map, .object: return "「名前: 値」の組"
        case .oneOf: return "選択肢のいずれか"
        case .file: return "ファイル"
        case .folder: return "フォルダ"
        case .any: return "値"
        }
    }
}

extension Diagnostics {
    /// Reports a catalogued message: its English text, with its Japanese one beside it.
    public mutating func error(_ message: Message, at mark: Mark?) {
        error(message.english, japanese: message.japanese, at: mark)
    }
}
