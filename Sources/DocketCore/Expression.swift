/// The expression language of `if:` and of `${{ … }}` inside `with:` values.
///
/// References: `inputs.NAME`, `steps.ID.outputs.NAME` (or `steps.ID.outputs`, all of them as a
/// mapping), `case.id`. Literals: `'text'` or
/// `"text"`, numbers, `true`, `false`, `null`. Operators, loosest first: `||`, `&&`,
/// `== != < <= > >=`, `!`; parentheses group. `&&`, `||` and `!` take booleans (null counts as
/// false, so a skipped step's output reads as false); `<` and friends compare numbers with
/// numbers and text with text (so `YYYY-MM-DD` dates compare as dates).
public indirect enum Expression: Sendable, Hashable {
    case literal(Value)
    /// A dotted reference such as `inputs.kind`; `offset` is where it starts in the source text.
    case reference([String], offset: Int)
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression)

    public enum BinaryOperator: String, Sendable, Hashable {
        case or = "||", and = "&&"
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    /// Every reference in the expression, with its offset, in source order (gathered in one
    /// pass: concatenating per node was quadratic in the number of terms).
    public var references: [(path: [String], offset: Int)] {
        var out: [(path: [String], offset: Int)] = []
        collectReferences(into: &out)
        return out
    }

    private func collectReferences(into out: inout [(path: [String], offset: Int)]) {
        switch self {
        case .literal: return
        case .reference(let path, let offset): out.append((path, offset))
        case .not(let e): e.collectReferences(into: &out)
        case .binary(_, let a, let b):
            a.collectReferences(into: &out)
            b.collectReferences(into: &out)
        }
    }
}

/// Bounds on one expression, so that hostile text is refused with a message instead of
/// exhausting the stack: every walk over an expression (parse, evaluate, compare, free) recurses
/// once per level, and 16,000 nested parentheses or 87,000 `||` terms overflowed it.
public enum ExpressionLimits {
    /// Longest expression source, in characters (the text inside one `${{ }}` or an `if:`).
    public static let maxLength = 4_096
    /// Deepest nesting of parentheses and `!`.
    public static let maxDepth = 32
    /// Most operators (`||`, `&&`, comparisons) in one expression.
    public static let maxOperators = 256
}

/// A problem in an expression, at a character offset within its text.
public struct ExpressionError: Error, Sendable, Equatable {
    public var message: String
    public var offset: Int

    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }
}

// MARK: - Parsing

extension Expression {
    /// Parses expression source (without the `${{ }}` around it); `base` offsets reported
    /// positions so they count from the start of the enclosing text.
    public static func parse(_ source: String, base: Int = 0) throws(ExpressionError) -> Expression {
        let scalars = Array(source.unicodeScalars)
        guard scalars.count <= ExpressionLimits.maxLength else {
            throw ExpressionError("the expression is \(scalars.count) characters long, more than the \(ExpressionLimits.maxLength) allowed; split the condition over several steps or inputs", at: base)
        }
        var parser = ExpressionParser(scalars, base: base)
        let e = try parser.parseOr()
        parser.skipSpace()
        if !parser.atEnd {
            throw ExpressionError("unexpected '\(parser.rest)' in expression; expected an operator (== != < <= > >= && ||) or the end", at: parser.position)
        }
        return e
    }
}

struct ExpressionParser {
    let s: [Unicode.Scalar]
    var i = 0
    let base: Int
    /// Current nesting of parentheses and `!`, and operators read so far (see `ExpressionLimits`).
    var depth = 0
    var operators = 0

    init(_ s: [Unicode.Scalar], base: Int) {
        self.s = s
        self.base = base
    }

    var atEnd: Bool { i >= s.count }
    var position: Int { base + i }
    /// What is left to read, shortened for a message.
    var rest: String {
        let tail = s[i...]
        return String(String.UnicodeScalarView(tail.prefix(40))) + (tail.count > 40 ? "…" : "")
    }

    mutating func skipSpace() {
        while i < s.count, s[i] == " " || s[i] == "\n" || s[i] == "\t" { i += 1 }
    }

    mutating func eat(_ token: String) -> Bool {
        skipSpace()
        let t = Array(token.unicodeScalars)
        guard i + t.count <= s.count, Array(s[i..<i + t.count]) == t else { return false }
        // `<` must not eat the start of `<=`, nor `!` of `!=`.
        if t.count == 1, ["<", ">", "!", "="].contains(token), i + 1 < s.count, s[i + 1] == "=" { return false }
        i += t.count
        return true
    }

    mutating func countOperator() throws(ExpressionError) {
        operators += 1
        guard operators <= ExpressionLimits.maxOperators else {
            throw ExpressionError("the expression has more than \(ExpressionLimits.maxOperators) operators; split the condition over several steps or inputs", at: position)
        }
    }

    /// Called just after a `(` or `!` is read; a refusal points at it.
    mutating func enter() throws(ExpressionError) {
        depth += 1
        guard depth <= ExpressionLimits.maxDepth else {
            throw ExpressionError("parentheses and '!' are nested more than \(ExpressionLimits.maxDepth) levels deep; simplify the expression", at: position - 1)
        }
    }

    mutating func parseOr() throws(ExpressionError) -> Expression {
        var left = try parseAnd()
        while eat("||") {
            try countOperator()
            left = .binary(.or, left, try parseAnd())
        }
        return left
    }

    mutating func parseAnd() throws(ExpressionError) -> Expression {
        var left = try parseComparison()
        while eat("&&") {
            try countOperator()
            left = .binary(.and, left, try parseComparison())
        }
        return left
    }

    mutating func parseComparison() throws(ExpressionError) -> Expression {
        let left = try parseUnary()
        for op in [Expression.BinaryOperator.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater] where eat(op.rawValue) {
            try countOperator()
            return .binary(op, left, try parseUnary())
        }
        skipSpace()
        if i < s.count, s[i] == "=" {
            throw ExpressionError("'=' is not an operator; compare with '=='", at: position)
        }
        return left
    }

    mutating func parseUnary() throws(ExpressionError) -> Expression {
        if eat("!") {
            try enter()
            defer { depth -= 1 }
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isIdentPart(_ c: Unicode.Scalar) -> Bool {
        isIdentStart(c) || (c >= "0" && c <= "9") || c == "-"
    }

    mutating func parsePrimary() throws(ExpressionError) -> Expression {
        skipSpace()
        guard i < s.count else { throw ExpressionError("the expression ends where a value was expected", at: position) }
        let start = i
        let c = s[i]
        if c == "(" {
            i += 1
            try enter()
            defer { depth -= 1 }
            let e = try parseOr()
            guard eat(")") else { throw ExpressionError("missing ')' to close the '(' at offset \(base + start)", at: position) }
            return e
        }
        if c == "'" || c == "\"" {
            i += 1
            var text = String.UnicodeScalarView()
            while true {
                guard i < s.count else { throw ExpressionError("text started here is never closed with \(c)", at: base + start) }
                if s[i] == c {
                    // '' inside single quotes is one quote, as in YAML.
                    if c == "'", i + 1 < s.count, s[i + 1] == "'" { text.append("'"); i += 2; continue }
                    i += 1
                    break
                }
                text.append(s[i]); i += 1
            }
            return .literal(.string(String(text)))
        }
        if (c >= "0" && c <= "9") || c == "-" {
            i += 1
            while i < s.count, (s[i] >= "0" && s[i] <= "9") || s[i] == "." { i += 1 }
            let text = String(String.UnicodeScalarView(s[start..<i]))
            if let n = Int(text) { return .literal(.int(n)) }
            if let d = Double(text) { return .literal(.double(d)) }
            throw ExpressionError("'\(text)' is not a number", at: base + start)
        }
        guard Self.isIdentStart(c) else {
            throw ExpressionError("unexpected '\(c)'; expected a value such as inputs.NAME, 'text', a number, true or false", at: position)
        }
        var path: [String] = []
        while true {
            let partStart = i
            while i < s.count, Self.isIdentPart(s[i]) { i += 1 }
            path.append(String(String.UnicodeScalarView(s[partStart..<i])))
            guard i < s.count, s[i] == "." else { break }
            i += 1
            guard i < s.count, Self.isIdentStart(s[i]) || (s[i] >= "0" && s[i] <= "9") else {
                throw ExpressionError("a name must follow '.'", at: position)
            }
        }
        switch path {
        case ["true"]: return .literal(.bool(true))
        case ["false"]: return .literal(.bool(false))
        case ["null"]: return .literal(.null)
        default: return .reference(path, offset: base + start)
        }
    }
}

// MARK: - Evaluation

/// What an expression can see: the case id, its inputs, and the outputs of steps that ran.
public struct ExpressionScope: Sendable {
    public var caseID: String
    public var inputs: [String: Value]
    public var outputs: [String: [String: Value]]

    public init(caseID: String, inputs: [String: Value], outputs: [String: [String: Value]]) {
        self.caseID = caseID
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The value a reference names; null for an output of a step that did not run.
    public func lookup(_ path: [String], offset: Int) throws(ExpressionError) -> Value {
        switch path.first {
        case "inputs" where path.count >= 2:
            return dig(inputs[path[1]] ?? .null, path.dropFirst(2))
        case "steps" where path.count >= 4 && path[2] == "outputs":
            return dig(outputs[path[1]]?[path[3]] ?? .null, path.dropFirst(4))
        case "steps" where path.count == 3 && path[2] == "outputs":
            return outputs[path[1]].map { .map($0) } ?? .null
        case "case" where path == ["case", "id"]:
            return .string(caseID)
        default:
            throw ExpressionError("'\(path.joined(separator: "."))' names nothing; use inputs.NAME, steps.ID.outputs.NAME or case.id", at: offset)
        }
    }

    private func dig(_ value: Value, _ rest: ArraySlice<String>) -> Value {
        var v = value
        for key in rest { v = v[key] ?? .null }
        return v
    }
}

extension Expression {
    /// Evaluates the expression in `scope`.
    public func evaluate(in scope: ExpressionScope) throws(ExpressionError) -> Value {
        switch self {
        case .literal(let v): return v
        case .reference(let path, let offset): return try scope.lookup(path, offset: offset)
        case .not(let e): return .bool(!(try e.truth(in: scope)))
        case .binary(.and, let a, let b):
            guard try a.truth(in: scope) else { return .bool(false) }
            return .bool(try b.truth(in: scope))
        case .binary(.or, let a, let b):
            if try a.truth(in: scope) { return .bool(true) }
            return .bool(try b.truth(in: scope))
        case .binary(.equal, let a, let b): return .bool(Self.equal(try a.evaluate(in: scope), try b.evaluate(in: scope)))
        case .binary(.notEqual, let a, let b): return .bool(!Self.equal(try a.evaluate(in: scope), try b.evaluate(in: scope)))
        case .binary(let op, let a, let b):
            let x = try a.evaluate(in: scope), y = try b.evaluate(in: scope)
            let order: Int
            switch (x, y) {
            case (.string(let p), .string(let q)): order = p < q ? -1 : (p == q ? 0 : 1)
            default:
                guard let p = Self.number(x), let q = Self.number(y) else {
                    throw ExpressionError("'\(op.rawValue)' compares two numbers or two texts, not \(x.kindName) and \(y.kindName)", at: a.firstOffset)
                }
                order = p < q ? -1 : (p == q ? 0 : 1)
            }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        }
    }

    /// Evaluates to a boolean: true or false, with null counting as false.
    public func truth(in scope: ExpressionScope) throws(ExpressionError) -> Bool {
        switch try evaluate(in: scope) {
        case .bool(let b): return b
        case .null: return false
        case let other:
            throw ExpressionError("this must give true or false, but gives \(other.kindName) ('\(other)'); compare it, e.g. == 'yes'", at: firstOffset)
        }
    }

    var firstOffset: Int {
        switch self {
        case .literal: return 0
        case .reference(_, let o): return o
        case .not(let e): return e.firstOffset
        case .binary(_, let a, _): return a.firstOffset
        }
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    static func equal(_ a: Value, _ b: Value) -> Bool {
        if let p = number(a), let q = number(b) { return p == q }
        return a == b
    }
}

// MARK: - Text with embedded expressions

/// A string that may hold `${{ … }}` expressions. A string that is exactly one expression gives
/// that expression's typed value; otherwise the parts are joined as text.
public struct Interpolation: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case expression(Expression)
    }

    public var parts: [Part]

    public var isLiteral: Bool { !parts.contains { if case .expression = $0 { return true }; return false } }

    public var expressions: [Expression] {
        parts.compactMap { if case .expression(let e) = $0 { return e }; return nil }
    }

    /// Splits `text` into literal parts and parsed expressions.
    public init(parsing text: String) throws(ExpressionError) {
        let s = Array(text.unicodeScalars)
        var parts: [Part] = []
        var literal = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if i + 2 < s.count, s[i] == "$", s[i + 1] == "{", s[i + 2] == "{" {
                var j = i + 3
                var close: Int?
                var quote: Unicode.Scalar?
                while j + 1 < s.count {
                    if let q = quote { if s[j] == q { quote = nil } }
                    else if s[j] == "'" || s[j] == "\"" { quote = s[j] }
                    else if s[j] == "}", s[j + 1] == "}" { close = j; break }
                    j += 1
                }
                guard let close else { throw ExpressionError("'${{' is never closed with '}}'", at: i) }
                if !literal.isEmpty { parts.append(.text(String(literal))); literal = String.UnicodeScalarView() }
                let inner = String(String.UnicodeScalarView(s[(i + 3)..<close]))
                if inner.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw ExpressionError("'${{ }}' is empty; put an expression inside", at: i)
                }
                parts.append(.expression(try Expression.parse(inner, base: i + 3)))
                i = close + 2
            } else {
                literal.append(s[i]); i += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(String(literal))) }
        self.parts = parts
    }

    /// The value: typed for a lone expression, text otherwise.
    public func evaluate(in scope: ExpressionScope) throws(ExpressionError) -> Value {
        if parts.count == 1, case .expression(let e) = parts[0] { return try e.evaluate(in: scope) }
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .expression(let e): out += try e.evaluate(in: scope).description
            }
        }
        return .string(out)
    }
}

import Foundation
