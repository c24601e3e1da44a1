/// A scalar's value under the YAML 1.2 core schema.
///
/// Only `true`/`false` (and their `True`/`TRUE` spellings) are booleans: `yes`, `no`, `on`, `off`
/// stay strings, unlike YAML 1.1. Quoted and block scalars are always strings.
public enum ResolvedScalar: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)

    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .float: return "a number"
        case .string: return "a string"
        }
    }
}

extension Node {
    static let coreTagPrefix = "tag:yaml.org,2002:"

    /// The core-schema value of a scalar node (`.null` for collections).
    public var resolved: ResolvedScalar {
        guard case .scalar(let text, let style) = content else { return .null }
        switch tag {
        case nil:
            return style == .plain ? Self.resolvePlain(text) : .string(text)
        case "!":
            return .string(text)
        case Self.coreTagPrefix + "str":
            return .string(text)
        case Self.coreTagPrefix + "null":
            return .null
        case Self.coreTagPrefix + "bool":
            if case .bool(let b) = Self.resolvePlain(text) { return .bool(b) }
            return .string(text)
        case Self.coreTagPrefix + "int":
            if case .int(let i) = Self.resolvePlain(text) { return .int(i) }
            return .string(text)
        case Self.coreTagPrefix + "float":
            switch Self.resolvePlain(text) {
            case .int(let i): return .float(Double(i))
            case .float(let d): return .float(d)
            default: return .string(text)
            }
        default:
            // Local and unknown tags do not change how the text reads.
            return style == .plain ? Self.resolvePlain(text) : .string(text)
        }
    }

    /// Resolves a plain scalar by the YAML 1.2 core schema's regular expressions.
    public static func resolvePlain(_ text: String) -> ResolvedScalar {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        let u = Array(text.utf8)
        if let i = parseInteger(u) { return .int(i) }
        if isCoreFloat(u), let d = Double(text) { return .float(d) }
        return .string(text)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func parseInteger(_ u: [UInt8]) -> Int? {
        guard !u.isEmpty else { return nil }
        if u.count > 2, u[0] == 0x30, u[1] == 0x6F {  // 0o
            return Int(String(decoding: u[2...], as: UTF8.self), radix: 8)
        }
        if u.count > 2, u[0] == 0x30, u[1] == 0x78 {  // 0x
            return Int(String(decoding: u[2...], as: UTF8.self), radix: 16)
        }
        var start = 0
        if u[0] == 0x2B || u[0] == 0x2D { start = 1 }  // + -
        guard start < u.count, u[start...].allSatisfy(isDigit) else { return nil }
        return Int(String(decoding: u, as: UTF8.self))
    }

    /// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
    private static func isCoreFloat(_ u: [UInt8]) -> Bool {
        var i = 0
        if i < u.count, u[i] == 0x2B || u[i] == 0x2D { i += 1 }
        var intDigits = 0
        while i < u.count, isDigit(u[i]) { i += 1; intDigits += 1 }
        var fracDigits = 0
        if i < u.count, u[i] == 0x2E {
            i += 1
            while i < u.count, isDigit(u[i]) { i += 1; fracDigits += 1 }
            if intDigits == 0 && fracDigits == 0 { return false }
        } else if intDigits == 0 {
            return false
        }
        if i < u.count, u[i] == 0x65 || u[i] == 0x45 {
            i += 1
            if i < u.count, u[i] == 0x2B || u[i] == 0x2D { i += 1 }
            var expDigits = 0
            while i < u.count, isDigit(u[i]) { i += 1; expDigits += 1 }
            if expDigits == 0 { return false }
        }
        return i == u.count
    }
}
