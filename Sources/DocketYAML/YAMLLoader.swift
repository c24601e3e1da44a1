import CLibYAML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Bounds that make hostile or broken input fail fast with a clear error instead of exhausting
/// memory: a huge file, deep nesting, or an "alias bomb" whose aliases expand exponentially.
public struct YAMLLimits: Sendable {
    /// Largest input accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of lists and mappings.
    public var maxDepth: Int
    /// Most nodes a stream may hold once every alias is expanded.
    public var maxNodes: Int

    public init(maxBytes: Int = 8 << 20, maxDepth: Int = 64, maxNodes: Int = 250_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// The limits for Docket's own files (workflows, records, plugin manifests).
    public static let docket = YAMLLimits()
}

/// Loads YAML text into `Node` trees through libyaml, keeping every node's start mark.
public struct YAMLLoader: Sendable {
    public var limits: YAMLLimits

    public init(limits: YAMLLimits = .docket) {
        self.limits = limits
    }

    /// Every document of a YAML stream. Throws `DiagnosticsError` naming `file:line:column`.
    public func loadStream(_ bytes: [UInt8], file: String) throws -> [Node] {
        try loadStream(bytes, file: file, tabsToCheck: [])
    }

    /// The refusal of a file over `maxBytes`, at its first line.
    /// The refusal of a file over `maxBytes`, at its first line; `size` nil when it was read
    /// only up to the limit (a device or a pipe).
    func tooLarge(_ size: Int?, file: String) -> DiagnosticsError {
        let what = size.map { "the file is \($0) bytes, more than the \(limits.maxBytes)" } ?? "the file holds more than the \(limits.maxBytes) bytes"
        return DiagnosticsError([Diagnostic(file: file, mark: Mark(line: 1, column: 1), message:
            "\(what) this tool reads; split it or remove what is not needed")])
    }

    /// `tabsToCheck`: places of tabs that looked like part of a comment; one inside a scalar
    /// (a `#` in a quoted value is no comment) is refused as any other tab.
    func loadStream(_ bytes: [UInt8], file: String, tabsToCheck: [Mark]) throws -> [Node] {
        guard bytes.count <= limits.maxBytes else { throw tooLarge(bytes.count, file: file) }
        let parser = LibYAMLParser(bytes: bytes)
        var builder = TreeBuilder(file: file, limits: limits)
        builder.tabsToCheck = tabsToCheck
        while true {
            let event = try parser.next(file: file)
            defer { event.release() }
            if try builder.consume(event) { break }
        }
        try builder.tabDiagnostics.check()
        return builder.documents
    }

    static let tabMessage = "tab character; indent and separate with spaces (write \\t inside double quotes for a tab in a value)"

    /// A file of exactly one document, as Docket's own files must be. Tabs are refused (they
    /// make indentation ambiguous), as is a second document. An empty file gives a null node.
    public func loadSingleDocument(_ bytes: [UInt8], file: String) throws -> Node {
        guard bytes.count <= limits.maxBytes else { throw tooLarge(bytes.count, file: file) }
        var diags = Diagnostics(file: file)
        var line = 1, column = 1
        var inComment = false
        var previous: Unicode.Scalar = "\n"
        var tabsInComments: [Mark] = []
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            defer { previous = scalar }
            if scalar == "\n" {
                line += 1; column = 1; inComment = false
                continue
            }
            // A comment starts at a '#' after a space or at the start of a line (YAML 1.2, 6.6);
            // whether it is inside a quoted value only the parser knows (see `tabsToCheck`).
            if scalar == "#", previous == " " || previous == "\t" || previous == "\n" || previous == "\r" { inComment = true }
            if scalar == "\t" {
                if inComment { tabsInComments.append(Mark(line: line, column: column)) }
                else { diags.error(Self.tabMessage, at: Mark(line: line, column: column)) }
            }
            column += 1
        }
        try diags.check()
        let documents = try loadStream(bytes, file: file, tabsToCheck: tabsInComments)
        if documents.count > 1 {
            throw DiagnosticsError([Diagnostic(file: file, mark: documents[1].mark, message:
                "a second YAML document starts here; a Docket file holds exactly one (remove the extra '---' and what follows, or move it to its own file)")])
        }
        return documents.first ?? Node(.scalar("", .plain), mark: Mark(line: 1, column: 1))
    }

    /// Reads and loads a one-document file from disk. Its size is checked before anything is
    /// read, and never more than the limit is read (a file may grow, or be a device).
    public func loadFile(at path: String) throws -> Node {
        var cannotRead = DiagnosticsError([Diagnostic(file: path, mark: nil,
            message: "cannot read the file; check the path and that it is readable")])
        cannotRead.fileMissing = true
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw cannotRead }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw cannotRead }
        if st.st_mode & S_IFMT == S_IFDIR {
            throw DiagnosticsError([Diagnostic(file: path, mark: nil, message: "this is a folder; name a YAML file")])
        }
        if st.st_mode & S_IFMT == S_IFREG, st.st_size > off_t(limits.maxBytes) {
            throw tooLarge(Int(st.st_size), file: path)
        }
        var bytes: [UInt8] = []
        let chunk = 64 << 10
        var buffer = [UInt8](repeating: 0, count: chunk)
        while bytes.count <= limits.maxBytes {
            let want = min(chunk, limits.maxBytes + 1 - bytes.count)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw cannotRead
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        guard bytes.count <= limits.maxBytes else { throw tooLarge(nil, file: path) }
        return try loadSingleDocument(bytes, file: path)
    }
}

/// One libyaml parser over an owned copy of the input; freed when the last reference goes.
/// C handles are not `Sendable`: a parser lives inside one `loadStream` call only.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    init(bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event; the caller calls `release()` on it.
    func next(file: String) throws -> Event {
        let event = Event()
        guard yaml_parser_parse(parser, event.raw) == 1 else {
            event.release()
            let p = parser.pointee
            var message = p.problem.map { String(cString: $0) } ?? "the YAML cannot be read"
            if let context = p.context.map({ String(cString: $0) }) {
                message += " (\(context) at line \(p.context_mark.line + 1), column \(p.context_mark.column + 1))"
            }
            let mark = Mark(line: p.problem_mark.line + 1, column: p.problem_mark.column + 1)
            throw DiagnosticsError([Diagnostic(file: file, mark: mark, message: "invalid YAML: \(message)")])
        }
        return event
    }

    final class Event {
        let raw: UnsafeMutablePointer<yaml_event_t> = .allocate(capacity: 1)
        private var live = true

        init() { raw.initialize(to: yaml_event_t()) }

        func release() {
            guard live else { return }
            live = false
            yaml_event_delete(raw)
            raw.deallocate()
        }
    }
}

/// Turns the event stream into node trees, resolving aliases under the node budget.
struct TreeBuilder {
    private struct Frame {
        var isMapping: Bool
        var items: [Node] = []
        var mark: Mark
        var tag: String?
        var anchor: String?
        var size = 1
    }

    let file: String
    let limits: YAMLLimits
    private(set) var documents: [Node] = []
    private var stack: [Frame] = []
    private var anchors: [String: (node: Node, size: Int)] = [:]
    private var totalNodes = 0
    private var root: Node?
    /// Tabs that looked like comment text; any found inside a scalar is refused.
    var tabsToCheck: [Mark] = []
    var tabDiagnostics: Diagnostics

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
        self.tabDiagnostics = Diagnostics(file: file)
    }

    private func fail(_ message: String, _ mark: Mark) -> DiagnosticsError {
        DiagnosticsError([Diagnostic(file: file, mark: mark, message: message)])
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    /// Feeds one event; returns true at the end of the stream.
    mutating func consume(_ event: LibYAMLParser.Event) throws -> Bool {
        let e = event.raw.pointee
        let mark = Mark(line: e.start_mark.line + 1, column: e.start_mark.column + 1)
        switch e.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            anchors = [:]
            root = nil
        case YAML_DOCUMENT_END_EVENT:
            documents.append(root ?? Node(.scalar("", .plain), mark: mark))
        case YAML_SCALAR_EVENT:
            let s = e.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let style: ScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            if !tabsToCheck.isEmpty {
                let end = Mark(line: e.end_mark.line + 1, column: e.end_mark.column + 1)
                for tab in tabsToCheck where mark <= tab && tab < end { tabDiagnostics.error(YAMLLoader.tabMessage, at: tab) }
            }
            let node = Node(.scalar(text, style), mark: mark, tag: Self.string(s.tag))
            try add(node, size: 1, anchor: Self.string(s.anchor), mark: mark)
        case YAML_ALIAS_EVENT:
            let name = Self.string(e.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw fail("alias *\(name) refers to no anchor &\(name) defined before it in this document", mark)
            }
            var node = target.node
            node.mark = mark
            try add(node, size: target.size, anchor: nil, mark: mark)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = e.type == YAML_MAPPING_START_EVENT
            guard stack.count < limits.maxDepth else {
                throw fail("lists and mappings are nested more than \(limits.maxDepth) levels deep; flatten the structure", mark)
            }
            let tag = isMapping ? Self.string(e.data.mapping_start.tag) : Self.string(e.data.sequence_start.tag)
            let anchor = isMapping ? Self.string(e.data.mapping_start.anchor) : Self.string(e.data.sequence_start.anchor)
            stack.append(Frame(isMapping: isMapping, mark: mark, tag: tag, anchor: anchor))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let content: Node.Content
            if frame.isMapping {
                var pairs: [Node.Pair] = []
                pairs.reserveCapacity(frame.items.count / 2)
                var i = 0
                while i + 1 < frame.items.count {
                    pairs.append(Node.Pair(key: frame.items[i], value: frame.items[i + 1]))
                    i += 2
                }
                content = .mapping(pairs)
            } else {
                content = .sequence(frame.items)
            }
            // The frame's own node was counted when it opened; count it with its children now.
            totalNodes -= frame.size - 1
            try add(Node(content, mark: frame.mark, tag: frame.tag), size: frame.size, anchor: frame.anchor, mark: frame.mark)
        default:
            break
        }
        return false
    }

    private mutating func add(_ node: Node, size: Int, anchor: String?, mark: Mark) throws {
        totalNodes += size
        guard totalNodes <= limits.maxNodes else {
            throw fail("the document expands to more than \(limits.maxNodes) nodes (aliases included); this looks like an alias bomb or a file far larger than Docket needs", mark)
        }
        if let anchor { anchors[anchor] = (node, size) }
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].items.append(node)
            stack[stack.count - 1].size += size
        }
    }
}
