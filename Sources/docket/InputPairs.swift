import DocketCore
import DocketYAML

/// `--input KEY=VALUE` options: the CLI's way of giving one case input at a time.
enum InputPairs {
    /// The pairs as inputs given one by one, each named by its option in messages; a pair
    /// without `=` is refused, naming it.
    static func parse(_ pairs: [String]) throws -> [GivenInput] {
        var given: [GivenInput] = []
        var problems: [Diagnostic] = []
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "=") else {
                problems.append(Diagnostic(file: "--input \(pair)", mark: nil, message: "write KEY=VALUE, for example --input department=人事課"))
                continue
            }
            given.append(GivenInput(name: String(pair[..<eq]), text: String(pair[pair.index(after: eq)...]), source: "--input \(pair)"))
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return given
    }

    /// `error` with the CLI's way of giving a missing input added to the library's words.
    static func withHow(_ error: Error) -> Error {
        guard var e = error as? DiagnosticsError else { return error }
        for i in e.diagnostics.indices where e.diagnostics[i].message.hasPrefix("the required input '") && e.diagnostics[i].message.hasSuffix("; give it") {
            let name = e.diagnostics[i].message.dropFirst("the required input '".count).prefix { $0 != "'" }
            e.diagnostics[i].message += " with --input \(name)=VALUE or in --inputs FILE"
        }
        return e
    }
}
