import DocketCore
import DocketYAML
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Output helpers shared by the commands: aligned tables, one-write standard output, counts.

/// "1 case", "3 cases": a count with its noun, for summary lines.
func counted(_ n: Int, _ noun: String) -> String {
    "\(n) \(noun)\(n == 1 ? "" : "s")"
}

/// Plain-text tables aligned for terminals (East Asian wide characters count as two columns).
enum Table {
    static func width(_ s: String) -> Int {
        TextBytes.with(s) { TextBytes.width($0) }
    }

    static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
    }

    /// `s` cut to at most `columns` terminal columns, ending in `…` if cut.
    static func shortened(_ s: String, to columns: Int) -> String {
        TextBytes.with(s) { bytes in
            guard let cut = TextBytes.cut(bytes, to: columns) else { return s }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<cut.end]), as: UTF8.self) + "…"
        }
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

    /// `render` as UTF-8, built in one buffer.
    static func renderBytes(_ rows: [[String]], indent: String = "") -> [UInt8] {
        var table = TableBuilder(columns: rows.map(\.count).max() ?? 0)
        for row in rows {
            for cell in row { table.add(cell) }
            table.endRow()
        }
        return table.render(indent: indent)
    }
}

/// A table built cell by cell into one byte buffer, for tables of 100,000 rows: a cell is
/// escaped (`TerminalText`) only if it holds a control character, and its width is counted
/// on its UTF-8 bytes (ASCII: one column a byte).
struct TableBuilder {
    private var bytes: [UInt8] = []
    /// Per cell: where it ends in `bytes` and its width in columns.
    private var ends: [Int] = [], cellWidths: [Int] = []
    /// Per row: where its cells end in `ends`.
    private var rowEnds: [Int] = []
    private var widths: [Int]

    init(columns: Int, rows: Int = 0) {
        widths = [Int](repeating: 0, count: columns)
        ends.reserveCapacity(rows * columns)
        cellWidths.reserveCapacity(rows * columns)
        rowEnds.reserveCapacity(rows)
    }

    var rowCount: Int { rowEnds.count }

    /// Adds a cell to the current row, escaped, then cut to `columns` (with `…`) if given.
    mutating func add(_ text: String, shortenedTo columns: Int? = nil) {
        TextBytes.with(text) { raw in
            guard TextBytes.needsEscape(raw) else { return add(raw, shortenedTo: columns) }
            TextBytes.with(TerminalText.escaped(text)) { add($0, shortenedTo: columns) }
        }
    }

    /// Adds a cell of bytes that need no escaping (valid UTF-8 without control characters).
    mutating func add(plain cell: UnsafeBufferPointer<UInt8>) { add(cell, shortenedTo: nil) }

    /// Adds bytes already escaped (valid UTF-8).
    private mutating func add(_ cell: UnsafeBufferPointer<UInt8>, shortenedTo columns: Int?) {
        var width: Int
        if let columns, let cut = TextBytes.cut(cell, to: columns) {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: cell[..<cut.end]))
            bytes.append(contentsOf: [0xE2, 0x80, 0xA6])  // …
            width = cut.width + 1
        } else {
            bytes.append(contentsOf: cell)
            width = TextBytes.width(cell)
        }
        let column = ends.count - (rowEnds.last ?? 0)
        if column < widths.count { widths[column] = max(widths[column], width) } else { widths.append(width) }
        ends.append(bytes.count)
        cellWidths.append(width)
    }

    /// Ends the current row.
    mutating func endRow() { rowEnds.append(ends.count) }

    /// The rows, one a line (no newline after the last), each cell padded to its column's width
    /// plus two spaces, except the last of a row.
    func render(indent: String = "") -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + rowEnds.count * (indent.utf8.count + 1 + widths.reduce(0, +) + 2 * widths.count))
        render(indent: indent) { out.append(contentsOf: $0) }
        return out
    }

    /// `render`, written to `out` as it is made (for tables of 100,000 rows).
    func write(to out: StdoutBuffer, indent: String = "") {
        render(indent: indent) { out.write(UnsafeRawBufferPointer($0)) }
    }

    private func render(indent: String, _ put: (UnsafeBufferPointer<UInt8>) -> Void) {
        let indent = Array(indent.utf8), newline: [UInt8] = [0x0A]
        let spaces = [UInt8](repeating: 0x20, count: (widths.max() ?? 0) + 2)
        var cell = 0, start = 0
        bytes.withUnsafeBufferPointer { all in
            spaces.withUnsafeBufferPointer { spaces in
                for (r, rowEnd) in rowEnds.enumerated() {
                    if r > 0 { newline.withUnsafeBufferPointer(put) }
                    if !indent.isEmpty { indent.withUnsafeBufferPointer(put) }
                    var column = 0
                    while cell < rowEnd {
                        put(UnsafeBufferPointer(rebasing: all[start..<ends[cell]]))
                        if cell < rowEnd - 1 { put(UnsafeBufferPointer(rebasing: spaces[..<(widths[column] - cellWidths[cell] + 2)])) }
                        start = ends[cell]
                        cell += 1
                        column += 1
                    }
                }
            }
        }
    }
}

/// Terminal text measured and cut on its UTF-8 bytes (the table's hot path).
enum TextBytes {
    /// Calls `body` with the UTF-8 of `s` (contiguous, without copying a native string).
    static func with<T>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        if let r = try s.utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = s
        return try copy.withUTF8(body)
    }

    /// Whether `TerminalText.escaped` would change the text: C0 controls, DEL, C1 controls
    /// (U+0080–U+009F: C2 80–9F) and the line/paragraph separators (E2 80 A8–A9).
    static func needsEscape(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x20 || c == 0x7F { return true }
            if c == 0xC2, i + 1 < b.count, b[i + 1] < 0xA0 { return true }
            if c == 0xE2, i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 { return true }
            i += 1
        }
        return false
    }

    /// The scalar starting at `i` and its length in bytes (valid UTF-8).
    @inline(__always)
    static func scalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, length: Int) {
        let c = UInt32(b[i])
        if c < 0x80 { return (c, 1) }
        func next(_ k: Int) -> UInt32 { i + k < b.count ? UInt32(b[i + k] & 0x3F) : 0 }
        if c < 0xE0 { return ((c & 0x1F) << 6 | next(1), 2) }
        if c < 0xF0 { return ((c & 0x0F) << 12 | next(1) << 6 | next(2), 3) }
        return ((c & 0x07) << 18 | next(1) << 12 | next(2) << 6 | next(3), 4)
    }

    /// Terminal columns: one a character, two for an East Asian wide one.
    static func width(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0, columns = 0
        while i < b.count {
            if b[i] < 0x80 { columns += 1; i += 1; continue }
            let (v, n) = scalar(b, at: i)
            columns += Table.isWide(v) ? 2 : 1
            i += n
        }
        return columns
    }

    /// Where to cut `b` so that it and a `…` fit in `columns`, and the width kept; nil if it
    /// fits whole.
    static func cut(_ b: UnsafeBufferPointer<UInt8>, to columns: Int) -> (end: Int, width: Int)? {
        guard width(b) > columns else { return nil }
        var i = 0, used = 0
        while i < b.count {
            let (v, n) = scalar(b, at: i)
            let w = Table.isWide(v) ? 2 : 1
            if used + w > columns - 1 { break }
            used += w
            i += n
        }
        return (i, used)
    }
}

/// Standard output for large answers: one write of bytes (a status command prints nothing to
/// stdout before it, so nothing buffered by `print` can come after).
enum Stdout {
    static func write(_ bytes: [UInt8], newline: Bool = true) {
        let out = StdoutBuffer()
        out.write(bytes)
        if newline { out.write([0x0A]) }
        out.flush()
    }
}

/// Standard output written in 1 MiB blocks from one buffer, for answers too large to build
/// whole (a JSON list of 100,000 cases is over 100 MB). Nothing may be printed with `print`
/// while one is in use; `flush` at the end.
final class StdoutBuffer {
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    init(size: Int = 1 << 20) { buffer = .allocate(byteCount: size, alignment: 1) }

    deinit { buffer.deallocate() }

    func write(_ bytes: [UInt8]) { bytes.withUnsafeBytes { write($0) } }

    func write(_ bytes: UnsafeRawBufferPointer) {
        var bytes = bytes
        while used + bytes.count > buffer.count {
            let n = buffer.count - used
            buffer.baseAddress!.advanced(by: used).copyMemory(from: bytes.baseAddress!, byteCount: n)
            used += n
            flush()
            bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
        }
        guard let from = bytes.baseAddress else { return }
        buffer.baseAddress!.advanced(by: used).copyMemory(from: from, byteCount: bytes.count)
        used += bytes.count
    }

    func flush() {
        var done = 0
        while done < used {
            let n = Glibc.write(1, buffer.baseAddress! + done, used - done)
            if n < 0 { if errno == EINTR { continue }; break }  // a closed pipe: the reader is gone
            done += n
        }
        used = 0
    }
}
