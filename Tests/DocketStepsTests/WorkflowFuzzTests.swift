import DocketCore
import DocketSteps
import DocketYAML
import Foundation
import XCTest

/// A seeded mutation fuzzer over the bundled workflows: every mutant either loads or is refused
/// with proper diagnostics (each naming the file, one line, at a place inside it); none crashes
/// or throws anything else. `make test` runs a bounded count; for longer runs
/// `fuzz/run-mutations.sh` (or `DOCKET_FUZZ_ITERATIONS=N DOCKET_FUZZ_SEED=S`). A failing input
/// is written to the temporary folder, named with its seed and iteration, to reproduce.
final class WorkflowFuzzTests: XCTestCase {
    /// SplitMix64: small, seeded, the same sequence on every machine.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Fragments that reach the parsers' corners: expressions, YAML indicators, controls.
    static let tokens: [String] = [
        "${{", "}}", "${{ inputs.subject }}", "${{ steps.draft.outputs.document }}", "(", ")", "!", "||", "&&", "==",
        "'", "\"", "\\", "#", "\t", "\n", ":", ": ", "- ", "-", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "---\n",
        "|\n", ">-\n", "? ", "%YAML 1.2\n", "\u{1B}[2J", "\r", "\u{0}", "\u{FEFF}", "\u{2028}", "所管課", "if: ", "uses: ",
        "id: ", "with: ", "steps:", "inputs:", "retention:", "null", "~", "1e309", "-0", "0x1F", "2022-02-30", "    ",
    ]

    func mutate(_ input: [UInt8], corpus: [[UInt8]], random r: inout Random) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &r) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &r)
            switch Int.random(in: 0..<8, using: &r) {
            case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &r))
            case 1: bytes.insert(contentsOf: Array(Self.tokens.randomElement(using: &r)!.utf8), at: at)
            case 2 where !bytes.isEmpty:
                bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &r)))
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, at + Int.random(in: 1...200, using: &r))
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &r))
            case 4:
                // One token many times: deep nesting, long chains, many interpolations.
                let token = Array(Self.tokens.randomElement(using: &r)!.utf8)
                let times = [10, 100, 1_000, 20_000].randomElement(using: &r)!
                bytes.insert(contentsOf: Array((0..<times).map { _ in token }.joined()), at: at)
            case 5:
                let other = corpus.randomElement(using: &r)!
                let from = Int.random(in: 0..<max(1, other.count), using: &r)
                bytes.insert(contentsOf: other[from..<min(other.count, from + Int.random(in: 1...400, using: &r))], at: at)
            case 6 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &r)
            default: bytes.append(contentsOf: Array(Self.tokens.randomElement(using: &r)!.utf8))
            }
        }
        return bytes
    }

    /// Lines as libyaml counts them: LF, CR, CR LF, NEL, LS and PS each end one.
    static func lines(_ bytes: [UInt8]) -> Int {
        let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        var n = 1
        for (i, c) in scalars.enumerated() {
            switch c {
            case "\n", "\u{85}", "\u{2028}", "\u{2029}": n += 1
            case "\r" where i + 1 == scalars.count || scalars[i + 1] != "\n": n += 1
            default: break
            }
        }
        return n
    }

    func testMutatedWorkflowsLoadOrAreRefusedProperly() throws {
        let env = ProcessInfo.processInfo.environment
        let iterations = env["DOCKET_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 400
        let seed = env["DOCKET_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_221_127
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("workflows")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        let corpus = try names.map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
        XCTAssertGreaterThanOrEqual(corpus.count, 5)
        let loader = WorkflowLoader(registry: BuiltinSteps.registry(), checksFiles: false)
        var random = Random(state: seed)
        var loaded = 0, refused = 0
        for i in 0..<iterations {
            let base = Int.random(in: 0..<corpus.count, using: &random)
            let mutant = mutate(corpus[base], corpus: corpus, random: &random)
            let file = "fuzz/\(names[base])"
            func keep(_ why: String) -> String {
                let url = FileManager.default.temporaryDirectory.appendingPathComponent("docket-fuzz-\(seed)-\(i).yaml")
                try? Data(mutant).write(to: url)
                return "seed \(seed), iteration \(i) (\(url.path)): \(why)"
            }
            let lineCount = Self.lines(mutant)
            do {
                let node = try YAMLLoader().loadSingleDocument(mutant, file: file)
                _ = try loader.load(node: node, file: file, baseFolder: folder)
                loaded += 1
            } catch let e as DiagnosticsError {
                refused += 1
                XCTAssertFalse(e.diagnostics.isEmpty, keep("an empty refusal"))
                for d in e.diagnostics {
                    XCTAssertEqual(d.file, file, keep("a diagnostic names another file: \(d)"))
                    XCTAssertFalse(d.message.isEmpty, keep("a diagnostic without a message"))
                    XCTAssertFalse(d.description.contains { $0.isNewline || $0 == "\u{1B}" }, keep("a diagnostic spans lines: \(d)"))
                    if let mark = d.mark, mark.line > 0 {
                        XCTAssertTrue(mark.line >= 1 && mark.line <= lineCount + 1 && mark.column >= 1, keep("a place outside the file: \(d)"))
                    }
                }
            } catch {
                XCTFail(keep("not a diagnostic: \(error)"))
            }
        }
        XCTAssertEqual(loaded + refused, iterations)
        print("fuzz: seed \(seed): \(iterations) mutants, \(loaded) loaded, \(refused) refused with diagnostics")
    }
}
