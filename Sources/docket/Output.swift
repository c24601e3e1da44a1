import DocketCore
import DocketYAML
import Foundation

// Output helpers shared by the commands: aligned tables, one-write standard output, counts.

/// "1 case", "3 cases": a count with its noun, for summary lines.
func counted(_ n: Int, _ noun: String) -> String {
    "\(n) \(noun)\(n == 1 ? "" : "s")"
}

/// Plain-text tables aligned for terminals (East Asian wide characters count as two columns).
enum Table {
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in n + (isWide(u) ? 2 : 1) }
    }

    static func isWide(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
    }

    /// `s` cut to at most `columns` terminal columns, ending in `…` if cut.
    static func shortened(_ s: String, to columns: Int) -> String {
        guard width(s) > columns else { return s }
        var out = String.UnicodeScalarView()
        var used = 0
        for u in s.unicodeScalars {
            let w = isWide(u) ? 2 : 1
            if used + w > columns - 1 { break }
            out.append(u)
            used += w
        }
        return String(out) + "…"
    }

    /// A step's documents for a table cell: the first few with their sizes, then how many more.
    static func documents(_ docs: [DocumentRecord], shown: Int = 3) -> String {
        guard !docs.isEmpty else { return "" }
        var text = docs.prefix(shown).map { "\(TerminalText.escaped($0.path)) (\(humanSize($0.size)))" }.joined(separator: ", ")
        if docs.count > shown { text += " and \(docs.count - shown) more" }
        return text
    }

    /// `812 B`, `1.2 KB`, `3.4 MB`, `1.1 GB` (1 KB = 1,024 bytes).
    static func humanSize(_ bytes: Int64) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["KB", "MB", "GB", "TB"] {
            value /= 1024
            if value < 1024 || unit == "TB" { return value < 10 ? String(format: "%.1f", value) + " " + unit : "\(Int(value.rounded())) \(unit)" }
        }
        return "\(bytes) B"
    }

    /// Cells hold names and values from files and plugins: their control characters are escaped.
    static func render(_ rows: [[String]], indent: String = "") -> String {
        String(decoding: renderBytes(rows, indent: indent), as: UTF8.self)
    }

    /// `render` as UTF-8, built in one buffer (tables run to 100,000 rows).
    static func renderBytes(_ rows: [[String]], indent: String = "") -> [UInt8] {
        let rows = rows.map { $0.map { TerminalText.escaped($0) } }
        guard let columns = rows.map(\.count).max() else { return [] }
        let cellWidths = rows.map { $0.map(fastWidth) }  // once per cell
        var widths = [Int](repeating: 0, count: columns)
        var bytes = 0
        for (r, row) in cellWidths.enumerated() {
            for (i, w) in row.enumerated() { widths[i] = max(widths[i], w) }
            for cell in rows[r] { bytes += cell.utf8.count }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes + rows.count * (indent.utf8.count + 1 + widths.reduce(0, +) + 2 * columns))
        for (r, row) in rows.enumerated() {
            if r > 0 { out.append(0x0A) }
            out.append(contentsOf: indent.utf8)
            for (i, cell) in row.enumerated() {
                out.append(contentsOf: cell.utf8)
                if i < row.count - 1 { out.append(contentsOf: repeatElement(0x20, count: widths[i] - cellWidths[r][i] + 2)) }
            }
        }
        return out
    }

    /// `width`, counting bytes when the text is ASCII.
    private static func fastWidth(_ s: String) -> Int {
        s.utf8.allSatisfy { $0 < 0x80 } ? s.utf8.count : width(s)
    }
}

/// Standard output for large answers: one write of bytes (a status command prints nothing to
/// stdout before it, so nothing buffered by `print` can come after).
enum Stdout {
    static func write(_ bytes: [UInt8], newline: Bool = true) {
        FileHandle.standardOutput.write(Data(newline ? bytes + [0x0A] : bytes))
    }
}
