// mailing-serial-check: a Docket step plugin (protocol v1), written with DocketPluginKit.
//
// The mailing list is CSV `serial,recipient` (a header line is skipped); the scan log is CSV
// `envelope,letter`: the serial read through the envelope window and the serial on the letter.
// Reports gaps in the serials, duplicates in either file, envelopes whose letter differs,
// letters never scanned and scans of serials not on the list; fails the step on any of them.
import DocketPluginKit
import Foundation

struct Row {
    var line: Int
    var fields: [String]
}

func rows(_ request: PluginRequest, _ path: String) throws -> [Row] {
    guard let doc = request.document(path) else {
        throw PluginFailure("the document '\(path)' is not in the case; the earlier steps' documents are: \(request.documents.map(\.path).joined(separator: ", "))")
    }
    let text = try String(contentsOfFile: doc.file, encoding: .utf8)
    var result: [Row] = []
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.isEmpty { continue }
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if i == 0, Int(fields[0]) == nil { continue }  // a header
        result.append(Row(line: i + 1, fields: fields))
    }
    return result
}

Plugin.main { request in
    guard let listPath = request.step.with["mailing_list"]?.string, let logPath = request.step.with["scan_log"]?.string else {
        throw PluginFailure("'mailing_list' and 'scan_log' are required")
    }
    var problems: [String] = []
    var letters: [Int: Int] = [:]  // serial -> line
    for row in try rows(request, listPath) {
        guard let serial = Int(row.fields[0]), row.fields.count >= 2 else {
            problems.append("\(listPath):\(row.line): not 'serial,recipient'")
            continue
        }
        if let first = letters[serial] { problems.append("\(listPath):\(row.line): serial \(serial) is listed twice (first at line \(first))") }
        else { letters[serial] = row.line }
    }
    var gaps: [Int] = []
    if let low = letters.keys.min(), let high = letters.keys.max() {
        gaps = (low...high).filter { letters[$0] == nil }
        for g in gaps { problems.append("\(listPath): serial \(g) is missing between \(low) and \(high)") }
    }
    var scanned: [Int: Int] = [:]
    var mismatches = 0, duplicates = problems.filter { $0.contains("twice") }.count, unknown = 0
    for row in try rows(request, logPath) {
        guard row.fields.count >= 2, let envelope = Int(row.fields[0]), let letter = Int(row.fields[1]) else {
            problems.append("\(logPath):\(row.line): not 'envelope,letter'")
            continue
        }
        if envelope != letter {
            mismatches += 1
            problems.append("\(logPath):\(row.line): envelope \(envelope) holds the letter for \(letter): misdirected mail")
        }
        if let first = scanned[envelope] {
            duplicates += 1
            problems.append("\(logPath):\(row.line): envelope \(envelope) was scanned twice (first at line \(first))")
        } else { scanned[envelope] = row.line }
        if letters[envelope] == nil {
            unknown += 1
            problems.append("\(logPath):\(row.line): envelope \(envelope) is not on the mailing list")
        }
    }
    let unscanned = letters.keys.filter { scanned[$0] == nil }.sorted()
    for serial in unscanned { problems.append("\(listPath):\(letters[serial]!): the letter \(serial) was never scanned into an envelope") }

    var report = "# 発送照合結果 (mailing serial check)\n\n"
    report += "- letters on the list: \(letters.count)\n- envelopes scanned: \(scanned.count)\n"
    report += "- gaps: \(gaps.count), duplicates: \(duplicates), mismatches: \(mismatches), unscanned: \(unscanned.count), not on the list: \(unknown)\n\n"
    report += problems.isEmpty ? "結果: 問題なし (no problems)\n" : "## 問題 (problems)\n\n" + problems.map { "- \($0)\n" }.joined()
    Plugin.log("checked \(letters.count) letters against \(scanned.count) scans: \(problems.count) problems")
    if !problems.isEmpty {
        let shown = problems.prefix(10).joined(separator: "; ")
        return .failed(message: "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the mailing: \(shown)\(problems.count > 10 ? "; …" : "")")
    }
    try report.write(toFile: request.outputFolder + "/mailing-check.md", atomically: false, encoding: .utf8)
    return .completed(outputs: [
        "letters": .number(Double(letters.count)), "scanned": .number(Double(scanned.count)), "gaps": .number(0),
        "duplicates": .number(0), "mismatches": .number(0), "unscanned": .number(0), "unknown": .number(0),
        "report": .string("mailing-check.md"),
    ], documents: ["mailing-check.md"])
}
