import DocketCore

/// Japanese labels for the field names Docket's built-in steps and workflows use; any other
/// field (a department's `input` step) shows its own name. The schema's description follows
/// as the hint, with what the field takes.
enum FieldLabels {
    static let names: [String: String] = [
        "questions": "質疑", "question": "質問", "answer": "回答", "by": "発言者",
        "corrections": "修正要求", "material": "資料", "change": "修正内容",
        "conditions": "付帯意見", "send_back": "差戻し", "notes": "備考",
        "present": "出席者数", "for": "賛成", "against": "反対", "abstain": "棄権", "recused": "除斥・回避",
        "casting_vote": "議長裁決", "roll_call": "記名投票", "recount_called": "再計数",
        "meeting": "会議", "id": "ID", "date": "日付", "item": "議題番号", "members": "委員",
        "materials": "資料", "reason": "理由", "remarks": "意見", "decision": "決定",
        "department": "所管課", "subject": "件名", "kind": "種別", "contractor": "委託先",
        "items": "個人情報の項目", "purpose": "目的", "handover": "外部提供", "retention_end": "消去期限",
        "consulted_on": "諮問日", "title": "表題", "addressee": "宛先",
    ]

    /// Words of a choice shown in Japanese where Docket knows them.
    static let words: [String: String] = [
        "for": "賛成", "against": "反対", "outsourcing": "外部委託", "cloud-service": "クラウドサービス",
        "external-linkage": "外部結合", "outside-purpose": "目的外利用",
    ]

    /// Text fields shown as a text area.
    static let multiline: Set<String> = ["notes", "question", "answer", "change", "reason", "purpose", "remarks", "text", "comment", "summary"]

    static func label(_ field: Field) -> String {
        names[field.name].map { "\($0)（\(field.name)）" } ?? field.name
    }

    static func word(_ word: String) -> String {
        words[word].map { "\($0)（\(word)）" } ?? word
    }

    static func isMultiline(_ field: Field) -> Bool {
        multiline.contains(field.name)
    }

    /// What the field takes, in Japanese, then the schema's description.
    static func hint(_ field: Field) -> String {
        let takes: String
        switch field.type {
        case .string, .file, .any: takes = ""
        case .folder: takes = "ファイルを添付"
        case .int: takes = "整数"
        case .number: takes = "数値"
        case .bool: takes = "はい／いいえ"
        case .date: takes = "日付（2022-06-27、令和4年6月27日、R4.6.27 のいずれでも可）"
        case .list(of: .object?): takes = "行ごとに入力（「行を追加」で増やせます。空の行は無視されます）"
        case .list: takes = "1行に1項目"
        case .map: takes = "1行に「名前: 値」"
        case .object: takes = ""
        case .oneOf: takes = "一つ選択"
        }
        return [takes, field.description].filter { !$0.isEmpty }.joined(separator: "。")
    }
}
