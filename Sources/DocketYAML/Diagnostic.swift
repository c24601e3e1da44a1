/// One problem found in a file, printed as `FILE:LINE:COLUMN: error: MESSAGE` (the form
/// compilers use, so editors can jump to it).
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var mark: Mark?
    public var message: String
    /// The same problem in Japanese, for the board (nil: only the English message exists).
    public var japanese: String?

    public init(file: String, mark: Mark?, message: String, japanese: String? = nil) {
        self.file = file
        self.mark = mark
        self.message = message
        self.japanese = japanese
    }

    /// One line, whatever the file name and message hold: control characters from a key or a
    /// value quoted in the message are shown escaped, so they cannot forge further lines.
    public var description: String {
        let file = TerminalText.escaped(file), message = TerminalText.escaped(message)
        if let mark, mark.line > 0 {
            return "\(file):\(mark.line):\(mark.column): error: \(message)"
        }
        return "\(file): error: \(message)"
    }
}

/// Every problem found in one or more files; thrown when a file cannot be used.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    /// The file could not be opened at all (exit 66, "no such file"), rather than being wrong.
    public var fileMissing = false

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// 66 when the file could not be opened, else 65 (bad input).
    public var exitCode: Int32 { fileMissing ? 66 : 65 }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects problems while a file is checked, so that all of them (up to `cap`) are reported at
/// once rather than one per attempt.
public struct Diagnostics: Sendable {
    public let file: String
    public private(set) var items: [Diagnostic] = []
    public let cap: Int
    public private(set) var truncated = false

    public init(file: String, cap: Int = 50) {
        self.file = file
        self.cap = cap
    }

    public var isEmpty: Bool { items.isEmpty }

    public mutating func error(_ message: String, japanese: String? = nil, at mark: Mark?) {
        guard items.count < cap else {
            truncated = true
            return
        }
        items.append(Diagnostic(file: file, mark: mark, message: message, japanese: japanese))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        for d in other { error(d.message, japanese: d.japanese, at: d.mark) }
    }

    /// Adds problems found in another file (a template the workflow uses), keeping their file.
    public mutating func append(fromOtherFile other: [Diagnostic]) {
        for d in other {
            guard items.count < cap else {
                truncated = true
                return
            }
            items.append(d)
        }
    }

    /// The problems in file order (those without a place keep their order, first).
    public var sorted: [Diagnostic] {
        items.enumerated().sorted {
            let a = $0.element.mark ?? Mark(line: 0, column: 0), b = $1.element.mark ?? Mark(line: 0, column: 0)
            return a == b ? $0.offset < $1.offset : a < b
        }.map(\.element)
    }

    /// Throws the collected problems, if any.
    public func check() throws(DiagnosticsError) {
        guard !items.isEmpty else { return }
        var all = sorted
        if truncated {
            all.append(Diagnostic(file: file, mark: nil,
                message: "stopped after \(cap) errors; fix these and run again to see the rest"))
        }
        throw DiagnosticsError(all)
    }
}
