import DocketCore
import DocketCouncil
import DocketYAML
import Foundation
import Mustache

/// `draft-consultation`: renders the consultation document (諮問文) from a template and copies
/// the listed materials (資料1-1 …) into the case, after the checks the council makes by hand:
/// every listed material is present; an outsourcing case says 外部委託 in its subject; a
/// retention end is given where personal data is handed over. A failed check stops the case
/// with a message naming the material or field.
///
/// Run again after the review sent the case back, it waits until the department's corrected
/// materials are recorded (a folder: `docket record ID draft --materials FOLDER`) and takes them
/// from there into a new round's folder (`draft@2/` …), so earlier versions stay in the case
/// untouched. Materials byte-identical to the previous round's are refused unless the record
/// says why no change was needed. The template sees `round` and the review's `corrections`.
public struct DraftConsultationStep: Step {
    public init() {}

    public let name = "draft-consultation"
    public let summary = "renders the consultation (諮問文) and collects its materials, after checking them"

    public static let kinds = ["outsourcing", "cloud-service", "external-linkage", "outside-purpose"]
    static let kindLabels = ["outsourcing": "外部委託", "cloud-service": "クラウドサービスの利用",
                             "external-linkage": "電子計算組織の外部結合", "outside-purpose": "目的外利用・外部提供"]

    public let withSchema = Schema([
        Field("template", .file, required: true, description: "the consultation template, beside the workflow"),
        Field("output", .string, default: .string("諮問文.md"), description: "the document's file name"),
        Field("department", .string, required: true, description: "所管課"),
        Field("subject", .string, required: true, description: "件名"),
        Field("kind", .oneOf(kinds), required: true, description: "the kind of handling"),
        Field("contractor", .string, description: "委託先 (the contractor), where work is outsourced"),
        Field("items", .list(of: .string), description: "the personal information handled (個人情報の項目)"),
        Field("purpose", .string, description: "目的"),
        Field("handover", .bool, default: .bool(false), description: "whether personal data is handed to someone outside the ward"),
        Field("retention_end", .date, description: "when the handed-over data must be deleted"),
        Field("materials", .list(of: .string), description: "the materials, each starting with its number: '資料1-1 委託の目的'"),
        Field("materials_folder", .string, description: "the folder holding the materials' files"),
        Field("consulted_on", .date, description: "諮問日"),
        Field("corrections_from", .string, description: "the review step whose correction requests a re-draft lists"),
        Field("data", .map(of: nil), description: "extra values for the template"),
    ])

    public func outputNames(with: [String: Value]) -> [String]? { ["document", "materials", "round", "kind_label"] }

    static let recordFields = Schema([
        Field("materials", .folder, required: true, description: "the folder holding the corrected materials"),
        Field("reason", .string, description: "why no change was needed, if the materials are the same as the previous round's"),
    ])

    public func recordSchema(with: [String: Value]) -> Schema? { Self.recordFields }

    /// Refuses a folder that is missing, lacks a listed material, or holds the previous round's
    /// materials unchanged (unless a reason is given).
    public func checkRecord(_ record: [String: Value], with: [String: Value], snapshotFolder: URL) -> [(field: String?, message: String)] {
        guard let path = record["materials"]?.stringValue else { return [] }
        let folder = URL(fileURLWithPath: path)
        guard let names = try? FileIO.names(in: folder) else {
            return [("materials", "the folder '\(path)' cannot be read; give the folder holding the corrected materials")]
        }
        let files = names.filter { !$0.hasPrefix(".") }
        let missing = Self.materialIDs(with).filter { Self.matchingFile($0.id, in: files) == nil }
        if !missing.isEmpty {
            return [("materials", "the folder '\(path)' has no file for \(missing.map { "\($0.id) (\($0.title))" }.joined(separator: ", "))")]
        }
        let reason = record["reason"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard reason.isEmpty, let previous = Self.previousMaterials(documents: snapshotFolder.deletingLastPathComponent().appendingPathComponent("documents")) else { return [] }
        let now = Set(Self.materialIDs(with).compactMap { m in Self.matchingFile(m.id, in: files).flatMap { name in
            (try? FileIO.digest(of: folder.appendingPathComponent(name).path)).map { "\(name)\u{0}\($0.sha256)" } } })
        let before = Set(((try? FileIO.names(in: previous.url)) ?? []).compactMap { name in
            (try? FileIO.digest(of: previous.url.appendingPathComponent(name).path)).map { "\(name)\u{0}\($0.sha256)" } })
        if !now.isEmpty, now.isSubset(of: before) {
            return [("materials", "the materials in '\(path)' are byte-identical to the previous round's (\(previous.label)): no correction was made. Supply the corrected files, or give a reason why no change was needed")]
        }
        return []
    }

    /// The latest round's copied materials (`STEP@N/資料`) under the case's documents folder.
    static func previousMaterials(documents: URL) -> (url: URL, label: String)? {
        let rounds = ((try? FileIO.names(in: documents)) ?? []).compactMap { name -> (Int, String)? in
            guard FileManager.default.fileExists(atPath: documents.appendingPathComponent(name).appendingPathComponent("資料").path) else { return nil }
            let parts = name.split(separator: "@")
            return (parts.count == 2 ? Int(parts[1]) ?? 1 : 1, name)
        }
        guard let latest = rounds.max(by: { $0.0 < $1.0 }) else { return nil }
        return (documents.appendingPathComponent(latest.1).appendingPathComponent("資料"), "\(latest.1)/資料")
    }

    /// Whether this run follows a send-back, so corrected materials must be supplied first.
    static func awaitsCorrections(_ context: StepContext) -> Bool {
        guard context.round > 1, context.with["materials_folder"] != nil else { return false }
        if let review = context.with["corrections_from"]?.stringValue { return context.outputs[review]?["sent_back"]?.boolValue == true }
        return context.outputs.values.contains { $0["sent_back"]?.boolValue == true }
    }

    /// Problems the council would raise, each naming what to fix; empty when the draft can go out.
    public static func check(_ with: [String: Value], materialFiles: [String]) -> [String] {
        var problems: [String] = []
        let subject = with["subject"]?.stringValue ?? ""
        if with["kind"]?.stringValue == "outsourcing", !subject.contains("外部委託") {
            // The department reads these on the board and the clerk in the terminal: in the
            // council's language, naming the field as the form labels it.
            problems.append("件名に「外部委託」を含めてください（外部委託の案件は、件名でそれと分かるようにします）：「\(subject)」")
        }
        if with["handover"]?.boolValue == true, with["retention_end"] == nil || with["retention_end"] == .null {
            problems.append("消去期限がありません。個人情報を委託先に渡すため、消去させる期限を入力してください（入力を訂正する）")
        }
        for material in materialIDs(with) where matchingFile(material.id, in: materialFiles) == nil {
            problems.append("資料の一覧にある「\(material.id)\(material.title.isEmpty ? "" : " \(material.title)")」のファイルがありません。名前が「\(material.id)」で始まるファイルを追加してください")
        }
        return problems
    }

    static func materialIDs(_ with: [String: Value]) -> [(id: String, title: String)] {
        guard case .list(let items)? = with["materials"] else { return [] }
        return items.compactMap(\.stringValue).map { entry in
            let parts = entry.split(separator: " ", maxSplits: 1)
            return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// The file for material `id`: its name starts with the id, not followed by a digit or '-'
    /// (so 資料1-1 does not match 資料1-10).
    static func matchingFile(_ id: String, in files: [String]) -> String? {
        files.sorted().first { name in
            guard name.hasPrefix(id) else { return false }
            guard let next = name.dropFirst(id.count).unicodeScalars.first else { return true }
            return !(next.properties.numericType != nil || next == "-" || next == "－")
        }
    }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        let with = context.with
        var files: [String] = []
        var folder: URL?
        var materialsPath = with["materials_folder"]?.stringValue
        if Self.awaitsCorrections(context) {
            guard case .map(let record)? = context.records.last, let corrected = record["materials"]?.stringValue else {
                return .waiting(prompt: "審議会から修正を求められて差し戻されました。所管課が修正した資料を提出してください")
            }
            materialsPath = corrected
        }
        if let path = materialsPath {
            folder = URL(fileURLWithPath: path)
            guard let names = try? FileIO.names(in: folder!) else {
                return .failed("the materials folder '\(path)' cannot be read; check 'materials_folder'")
            }
            files = names.filter { !$0.hasPrefix(".") }
        }
        let problems = Self.check(with, materialFiles: files)
        if !problems.isEmpty { return .failed(problems.joined(separator: "。")) }

        var copied: [Value] = []
        let materialsOut = context.outputFolder.appendingPathComponent("資料")
        for material in Self.materialIDs(with) {
            guard let folder, let name = Self.matchingFile(material.id, in: files) else { continue }
            try FileManager.default.createDirectory(at: materialsOut, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: materialsOut.appendingPathComponent(name))
            copied.append(.string("\(context.documentFolder)/資料/\(name)"))
        }

        guard let templatePath = with["template"]?.stringValue,
              let data = FileManager.default.contents(atPath: context.snapshotFile(templatePath).path) else {
            return .failed("the template '\(with["template"]?.stringValue ?? "")' is missing from the case's snapshot")
        }
        let output = with["output"]?.stringValue ?? "諮問文.md"
        let kind = with["kind"]?.stringValue ?? ""
        var view = RenderStep.templateContext(context)
        var draft: [String: Any] = [
            "kind": kind, "kind_label": Self.kindLabels[kind] ?? kind, "handover": with["handover"]?.boolValue ?? false,
            "materials": Self.materialIDs(with).map { ["id": $0.id, "title": $0.title] },
            "round": context.round, "revised": context.round > 1,
            "corrections": (with["corrections_from"]?.stringValue.flatMap { context.outputs[$0]?["corrections"] } ?? .list([])).plain,
        ]
        // Absent values stay absent, so that {{#x}} sections work.
        for key in ["department", "subject", "contractor", "items", "purpose", "data"] {
            if let v = with[key], v != .null { draft[key] = v.plain }
        }
        for key in ["retention_end", "consulted_on"] {
            if let iso = with[key]?.stringValue, let era = JapaneseDate.era(iso) { draft[key] = era }
        }
        view["draft"] = draft
        let template: MustacheTemplate
        do { template = try TemplateSupport.parse(String(decoding: data, as: UTF8.self), name: templatePath, html: false) } catch {
            return .failed(error.description)
        }
        try context.writeDocument(TemplateSupport.render(template, view), named: output)
        return .completed(outputs: [
            "document": .string("\(context.documentFolder)/\(output)"), "materials": .list(copied),
            "round": .int(context.round), "kind_label": .string(Self.kindLabels[kind] ?? kind),
        ])
    }
}
