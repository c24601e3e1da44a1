import DocketYAML

/// What a Mustache template refers to, read without rendering it, so `validate` can report a
/// name that does not exist (`{{inputs.nosuch}}` would otherwise render as blank in an official
/// document) and a malformed template at its `file:line:column`.
///
/// Only names rooted at what every template sees are checked: `inputs.NAME`,
/// `steps.ID.outputs.NAME`, `case.id` and `workspace.council`/`workspace.organization`; names inside sections may also be relative to the
/// section's item, and are left alone unless they start with one of those roots.
public enum TemplateReferences {
    public struct Reference: Sendable, Equatable {
        public var path: [String]
        public var mark: Mark
    }

    public struct Problem: Sendable, Equatable {
        public var message: String
        public var mark: Mark
    }

    static let roots: Set<String> = ["inputs", "steps", "case", "workspace"]

    /// What `workspace.NAME` offers a template (from the council profile): the council's name,
    /// the organization, the head's title, the answers' addressee (みどり市長), the secretariat
    /// and the executive side as the minutes name it (市側).
    public static let workspaceNames = ["council", "organization", "head", "addressee", "secretariat", "executive_side"]

    /// The checked references and the structural problems of `text`.
    public static func scan(_ text: String) -> (references: [Reference], problems: [Problem]) {
        var references: [Reference] = [], problems: [Problem] = []
        var open: [(name: String, mark: Mark)] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0, line = 1, column = 1
        func advance(_ n: Int) {
            for _ in 0..<n where i < scalars.count {
                if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
                i += 1
            }
        }
        func starts(_ s: String, at k: Int) -> Bool {
            let u = Array(s.unicodeScalars)
            return k + u.count <= scalars.count && Array(scalars[k..<(k + u.count)]) == u
        }
        while i < scalars.count {
            guard starts("{{", at: i) else { advance(1); continue }
            let mark = Mark(line: line, column: column)
            var end = i + 2
            while end < scalars.count, !starts("}}", at: end) { end += 1 }
            guard end < scalars.count else {
                problems.append(Problem(message: "a tag opened here is never closed with '}}'", mark: mark))
                break
            }
            var body = String(String.UnicodeScalarView(scalars[(i + 2)..<end]))
            var closeLength = 2
            if body.hasPrefix("{"), starts("}}}", at: end) { closeLength = 3 }
            advance(end - i + closeLength)
            guard let sigil = body.first else { continue }
            if "!%>=<$".contains(sigil) {
                // Comments, pragmas, partials; a delimiter change ends what can be read here.
                if sigil == "=" { return (references, problems) }
                continue
            }
            if "#^/&{".contains(sigil) { body.removeFirst() }
            if body.hasSuffix("}") { body.removeLast() }
            var name = body.trimmed(of: " \t")
            // A transform: fn(name).
            if let l = name.firstIndex(of: "("), name.hasSuffix(")") { name = String(name[name.index(after: l)..<name.index(before: name.endIndex)]) }
            switch sigil {
            case "#", "^": open.append((name, mark))
            case "/":
                if let last = open.popLast() {
                    if last.name != name {
                        problems.append(Problem(message: "'{{/\(body.trimmed(of: " \t"))}}' closes a section, but the section open here is '\(last.name)' (opened at line \(last.mark.line), column \(last.mark.column))", mark: mark))
                    }
                } else {
                    problems.append(Problem(message: "'{{/\(name)}}' closes a section that was never opened", mark: mark))
                }
                continue
            default: break
            }
            let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if let root = path.first, roots.contains(root) { references.append(Reference(path: path, mark: mark)) }
        }
        for section in open {
            problems.append(Problem(message: "the section '{{#\(section.name)}}' opened here is never closed with '{{/\(section.name)}}'", mark: section.mark))
        }
        return (references, problems)
    }
}

extension String {
    func trimmed(of set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
