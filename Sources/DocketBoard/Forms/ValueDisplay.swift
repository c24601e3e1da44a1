import DocketCore
import DocketYAML
import Foundation

/// A file's size as the case page shows it: 「0 KB」, 「0.3 KB」, 「12 KB」, 「1.2 MB」, 「3 GB」
/// (1 KB = 1,024 bytes; one decimal below 10, none when it is .0).
enum Sizes {
    static func text(_ bytes: Int64) -> String {
        guard bytes > 0 else { return "0 KB" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1024, unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        var number = value < 10 ? String(format: "%.1f", value) : String(format: "%.0f", value)
        if number.hasSuffix(".0") { number.removeLast(2) }
        if number == "0" { number = "0.1" }  // a few bytes are not nothing
        return number + " " + units[unit]
    }
}

/// A case's inputs, step outputs and records in words, as the case page shows them: by label
/// (never the key), booleans as はい／いいえ, lists as lists, choices and dates in Japanese, and
/// never JSON or a path on the server.
enum ValueDisplay {
    /// One line of a definition list: the label, the value in words, or its items.
    static func line(_ label: String, _ value: String) -> [String: Any] {
        ["key": label, "value": value, "items": [String](), "isList": false]
    }

    static func line(_ label: String, items: [String]) -> [String: Any] {
        ["key": label, "value": items.joined(separator: "、"), "items": items, "isList": true]
    }

    /// What the case's workflow snapshot says of its fields: the inputs' schema (their labels)
    /// and each step's record schema (the step type's, else an `input` step's `fields:`);
    /// empty where the snapshot does not read.
    struct Schemas {
        var inputs = Schema.empty
        var records: [String: Schema] = [:]

        init(of store: CaseStore, case id: String, registry: StepRegistry) {
            let file = store.workflowFile(id).path
            guard let data = FileManager.default.contents(atPath: file),
                  let root = try? YAMLLoader().loadStream([UInt8](data), file: file).first else { return }
            var d = Diagnostics(file: file)
            if let node = root.value(forKey: "inputs") { inputs = Schema.declared(from: node, what: "inputs", diagnostics: &d) }
            for step in root.value(forKey: "steps")?.items ?? [] {
                guard let sid = step.value(forKey: "id")?.scalarText else { continue }
                if let uses = step.value(forKey: "uses")?.scalarText, let schema = registry[uses]?.recordSchema(with: [:]), !schema.fields.isEmpty {
                    records[sid] = schema
                } else if let fields = step.value(forKey: "with")?.value(forKey: "fields") {
                    records[sid] = Schema.declared(from: fields, what: "fields", diagnostics: &d)
                }
            }
        }
    }

    /// The inputs in the workflow's order (then any others), each by label and in words.
    static func inputs(_ inputs: [String: Value], schema: Schema) -> [[String: Any]] {
        var lines: [[String: Any]] = []
        let declared = schema.fields.filter { inputs[$0.name] != nil && inputs[$0.name] != .null }
        for field in declared { lines += entry(FieldNames.label(of: field), inputs[field.name]!, type: field.type) }
        for (key, value) in inputs.sorted(by: { $0.key < $1.key }) where schema.field(key) == nil && value != .null {
            lines += entry(FieldNames.japanese[key] ?? key, value, type: nil)
        }
        return lines
    }

    /// One value as zero or one lines (a folder with no files, an empty list: no line).
    static func entry(_ label: String, _ value: Value, type: ValueType?) -> [[String: Any]] {
        switch (type, value) {
        case (.folder?, .string(let path)):
            let names = fileNames(in: path)
            return names.isEmpty ? [] : [line(label, items: names)]
        case (.file?, .string(let path)):
            return [line(label, URL(fileURLWithPath: path).lastPathComponent)]
        case (_, .list(let items)):
            let element: ValueType? = { if case .list(let e)? = type { return e }; return nil }()
            let texts = items.map { text($0, type: element) }.filter { !$0.isEmpty }
            return texts.isEmpty ? [] : [line(label, items: texts)]
        case (_, .map(let m)):
            let texts = m.sorted { $0.key < $1.key }.map { "\(FieldNames.japanese[$0.key] ?? $0.key)：\(text($0.value, type: nil))" }
            return texts.isEmpty ? [] : [line(label, items: texts)]
        default:
            return [line(label, text(value, type: type))]
        }
    }

    /// A value in words: はい／いいえ, a choice's Japanese word, a date as 2026年11月20日, a list
    /// joined by 「、」, a mapping as 「名前：値」; never JSON.
    static func text(_ value: Value, type: ValueType?) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "はい" : "いいえ"
        case .int(let i): return String(i)
        case .double(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .string(let s):
            if case .oneOf? = type { return FieldNames.word(s) }
            if CalendarDate.isDay(s) { return day(s) }
            if s.hasPrefix("/") { return URL(fileURLWithPath: s).lastPathComponent }  // never a server path
            return s
        case .list(let items): return items.map { text($0, type: nil) }.filter { !$0.isEmpty }.joined(separator: "、")
        case .map(let m):
            return m.sorted { $0.key < $1.key }.map { "\(FieldNames.japanese[$0.key] ?? $0.key)：\(text($0.value, type: nil))" }.joined(separator: "、")
        }
    }

    /// 2026-11-20 as 2026年11月20日.
    static func day(_ iso: String) -> String {
        let parts = iso.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return iso }
        return "\(parts[0])年\(parts[1])月\(parts[2])日"
    }

    /// The non-hidden files of a folder, by name (at most 20 named), for a folder input.
    static func fileNames(in path: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        let shown = names.filter { !$0.hasPrefix(".") }.sorted()
        return shown.count > 20 ? Array(shown.prefix(20)) + ["ほか\(shown.count - 20)件"] : shown
    }

    // MARK: - Step outputs

    /// A step's outputs by meaning where Docket knows the step (vote, issue-answer,
    /// committee-review, report, seal, archive), else each by label; document paths are left
    /// out (the documents are listed beside them).
    static func outputs(_ o: [String: Value], uses: String) -> [[String: Any]] {
        func int(_ k: String) -> Int? { o[k]?.intValue }
        func str(_ k: String) -> String? { o[k]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        var lines: [[String: Any]] = []
        switch uses {
        case "vote":
            if let decision = str("decision") { lines.append(line("結果", decision)) }
            else if case .bool(let a)? = o["approved"] { lines.append(line("結果", a ? "承認" : "否決")) }
            if let f = int("for"), let a = int("against") {
                var tally = "賛成\(f)名 反対\(a)名 棄権\(int("abstain") ?? 0)名"
                if let r = int("recused"), r > 0 { tally += " 除斥・回避\(r)名" }
                lines.append(line("採決", tally))
            }
            if let p = int("present") { lines.append(line("出席者数", "\(p)名")) }
            if let c = str("casting_vote") { lines.append(line("議長裁決", FieldNames.word(c))) }
            if o["unanimous"]?.boolValue == true { lines.append(line("全会一致", "はい")) }
            if let q = int("quorum") { lines.append(line("定足数", "\(q)名")) }
            if let rule = str("rule") { lines.append(line("議決の方法", rule)) }
            if let t = int("tallies"), t > 1 { lines.append(line("採決の回数", "\(t)回（最後の採決で決定）")) }
            if let date = str("meeting_date") { lines.append(line("会議の日", text(.string(date), type: .date))) }
            if case .map(let roll)? = o["roll_call"] {
                for key in ["for", "against", "abstain"] {
                    if case .list(let names)? = roll[key], !names.isEmpty {
                        lines.append(line("記名投票（\(FieldNames.japanese[key] ?? key)）", items: names.map { text($0, type: nil) }))
                    }
                }
            }
        case "issue-answer":
            lines.append(line("答申番号", str("number_label") ?? "（番号なし・案）"))
            if let date = str("date") { lines.append(line("答申日", CalendarDate.isDay(date) ? day(date) : date)) }
            if let decision = str("decision") { lines.append(line("結果", decision)) }
            if let chair = str("chair") { lines.append(line("会長", chair)) }
        case "committee-review":
            if let n = int("questions") { lines.append(line("質疑", "\(n)件")) }
            lines += entry("付帯意見", o["conditions"] ?? .null, type: .list(of: .string))
            if case .list(let corrections)? = o["corrections"], !corrections.isEmpty {
                lines.append(line("修正要求", items: corrections.map { c in
                    if case .map(let m) = c { return [m["material"], m["change"]].compactMap { $0.map { text($0, type: nil) } }.joined(separator: "：") }
                    return text(c, type: nil)
                }))
            }
            if case .bool(let b)? = o["sent_back"] { lines.append(line("差戻し", b ? "はい（諮問文の作成に戻しました）" : "いいえ")) }
            if let r = int("round"), r > 1 { lines.append(line("回次", "第\(r)回")) }
        case "report":
            if case .bool(let b)? = o["acknowledged"] { lines.append(line("了承", b ? "はい" : "いいえ")) }
            if let date = str("received_on") ?? str("meeting_date") { lines.append(line("報告を受けた日", text(.string(date), type: .date))) }
        case "archive":
            if let archive = str("archive") { lines.append(line("保存ファイル", URL(fileURLWithPath: archive).lastPathComponent)) }
            if let size = int("size") { lines.append(line("大きさ", Sizes.text(Int64(size)))) }
            if let files = int("files") { lines.append(line("ファイル数", "\(files)件")) }
        case "seal":
            if let signer = str("signer") { lines.append(line("署名者", signer)) }
            if o["demo"]?.boolValue == true { lines.append(line("デモ用の電子印", "はい（正式の電子印ではありません）")) }
        default:
            let hidden: Set<String> = ["document", "documents", "html", "materials", "sha256", "certificate"]
            for (key, value) in o.sorted(by: { $0.key < $1.key }) where !hidden.contains(key) && value != .null {
                lines += entry(FieldNames.japanese[key] ?? key, value, type: nil)
            }
        }
        return lines
    }

    /// A recorded entry's fields by label (the step's record schema's, where known).
    static func record(_ value: Value, schema: Schema?) -> [[String: Any]] {
        guard case .map(let m) = value else { return [line("記録", text(value, type: nil))] }
        var lines: [[String: Any]] = []
        let known = schema?.fields.filter { m[$0.name] != nil && m[$0.name] != .null } ?? []
        for field in known {
            switch (field.type, m[field.name]!) {
            case (.list(of: .object(let inner)?), .list(let rows)):
                // Rows (質疑): one item a row, its fields by label.
                let items = rows.map { row -> String in
                    guard case .map(let r) = row else { return text(row, type: nil) }
                    return inner.fields.compactMap { f in r[f.name].map { "\(FieldNames.label(of: f))：\(text($0, type: f.type))" } }.joined(separator: "　")
                }
                if !items.isEmpty { lines.append(line(FieldNames.label(of: field), items: items)) }
            case (.object(let inner), .map(let sub)):
                let items = inner.fields.compactMap { f in sub[f.name].map { "\(FieldNames.label(of: f))：\(text($0, type: f.type))" } }
                if !items.isEmpty { lines.append(line(FieldNames.label(of: field), items: items)) }
            case (let type, let v):
                lines += entry(FieldNames.label(of: field), v, type: type)
            }
        }
        for (key, v) in m.sorted(by: { $0.key < $1.key }) where schema?.field(key) == nil && v != .null {
            lines += entry(FieldNames.japanese[key] ?? key, v, type: nil)
        }
        return lines
    }
}
