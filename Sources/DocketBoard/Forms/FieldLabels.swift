import DocketCore

/// How a field shows on the board: its label (the workflow's `label:`, else the Japanese name
/// Docket knows, `FieldNames` — the one table, also used by the Japanese messages — else its
/// name), then its help (the workflow's `help:`, else Docket's own for its built-in steps' fields,
/// else a Japanese description), with what the field takes. The key itself is never shown.
enum FieldLabels {
    static var names: [String: String] { FieldNames.japanese }

    /// Words of a choice shown in Japanese where Docket knows them.
    static var words: [String: String] { FieldNames.words }

    /// Help for the fields of Docket's built-in steps' records (their descriptions are the CLI's, in English).
    static let helps: [String: String] = [
        "questions": "委員の質問と所管課の回答を1件ずつ記録します。",
        "corrections": "修正を求める資料と、その修正内容です。",
        "conditions": "答申に付ける意見です。1行に1件書いてください。",
        "send_back": "「はい」にすると、修正のため諮問文の作成に差し戻します。",
        "notes": "ほかに記録しておくことがあれば書いてください。",
        "present": "採決のときに出席していた委員の数です。",
        "recused": "出席していても、この議題の審議に加わらなかった委員の数です。",
        "casting_vote": "可否同数のときだけ、議長が決した側を選びます。",
        "roll_call": "だれがどちらに投票したかを記録する場合に入力します。",
        "recount_called": "議長が数え直しを求めた場合は「はい」。この採決は記録に残り、数え直しの結果を待ちます。",
        "acknowledged": "審議会が報告を受けた（了承した）場合は「はい」。",
        "remarks": "委員の意見や要望を1行に1件書いてください。",
        "before": "途中出席・途中退席がどの議題の前だったかを、議題の番号か案件番号で書いてください。",
    ]

    /// Text fields shown as a text area.
    static let multiline: Set<String> = ["notes", "question", "answer", "change", "reason", "reasons", "purpose", "remarks", "text",
                                         "comment", "summary", "background"]

    static func label(_ field: Field) -> String {
        FieldNames.label(of: field)
    }

    static func word(_ word: String) -> String {
        FieldNames.word(word)
    }

    static func isMultiline(_ field: Field) -> Bool {
        multiline.contains(field.name)
    }

    /// The help shown under the label: the workflow's, else Docket's for a built-in field, else
    /// the description when it is written in Japanese (an English one is the CLI's).
    static func help(_ field: Field) -> String {
        if !field.help.isEmpty { return field.help }
        if let help = helps[field.name] { return help }
        return isJapanese(field.description) ? field.description : ""
    }

    /// Japanese text with no English word in it (a code like `ID` or `PDF` is no word).
    static func isJapanese(_ text: String) -> Bool {
        guard text.unicodeScalars.contains(where: { (0x3040...0x9FFF).contains($0.value) }) else { return false }
        var run = 0
        for u in text.unicodeScalars {
            if ("a"..."z").contains(Character(u)) { run += 1; if run >= 3 { return false } } else { run = 0 }
        }
        return true
    }

    /// The help, then what the field takes, in Japanese.
    static func hint(_ field: Field) -> String {
        let takes: String
        switch field.type {
        case .string, .file, .any: takes = ""
        case .folder: takes = "ファイルを添付"
        case .int: takes = "整数"
        case .number: takes = "数値"
        case .bool: takes = "はい／いいえ"
        case .date: takes = "日付（2026-11-20、2026/11/20、令和8年11月20日、R8.11.20 のいずれでも可）"
        case .list(of: .object?): takes = "行ごとに入力（「行を追加」で増やせます。空の行は無視されます）"
        case .list: takes = "1行に1項目"
        case .map: takes = "1行に「名前: 値」"
        case .object: takes = ""
        case .oneOf: takes = "一つ選択"
        }
        var help = help(field)
        if !help.isEmpty, !takes.isEmpty, !help.hasSuffix("。") { help += "。" }
        return help + takes
    }
}
