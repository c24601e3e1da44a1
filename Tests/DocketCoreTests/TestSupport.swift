import DocketCore
import DocketYAML
import Foundation
import XCTest

/// Writes `with.message` to outputs, and `with.files` (name -> text) as documents.
struct EchoStep: Step {
    let name = "echo"
    let summary = "test: echoes"
    let withSchema = Schema([Field("message", .any, required: true), Field("files", .map(of: .string)),
                             Field("empty-files", .list(of: .string))])
    func outputNames(with: [String: Value]) -> [String]? { ["message"] }
    func run(_ context: StepContext) async throws -> StepOutcome {
        if case .map(let files)? = context.with["files"] {
            for (name, text) in files {
                let url = context.outputFolder.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.description.utf8).write(to: url)
            }
        }
        if case .list(let names)? = context.with["empty-files"] {
            for name in names { FileManager.default.createFile(atPath: context.outputFolder.path + "/" + name.description, contents: nil) }
        }
        return .completed(outputs: ["message": context.with["message"]!])
    }
}

/// Fails until its attempt number exceeds `with.failures`.
struct FlakyStep: Step {
    let name = "flaky"
    let summary = "test: fails a few times"
    let withSchema = Schema([Field("failures", .int, required: true)])
    func run(_ context: StepContext) async throws -> StepOutcome {
        if context.attempt <= context.with["failures"]!.intValue! { return .failed("attempt \(context.attempt) fails") }
        return .completed(outputs: ["attempt": .int(context.attempt)])
    }
}

/// Waits for a record with `answer`.
struct AskStep: Step {
    let name = "ask"
    let summary = "test: asks"
    let withSchema = Schema([])
    func recordSchema(with: [String: Value]) -> Schema? {
        Schema([Field("answer", .string, required: true), Field("score", .int)])
    }
    func run(_ context: StepContext) async throws -> StepOutcome {
        guard let record = context.records.last else { return .waiting(prompt: "answer please") }
        return .completed(outputs: ["answer": record["answer"]!])
    }
}

/// Sleeps `with.seconds` (cooperatively).
struct SlowStep: Step {
    let name = "slow"
    let summary = "test: sleeps"
    let withSchema = Schema([Field("seconds", .number, required: true)])
    func run(_ context: StepContext) async throws -> StepOutcome {
        let s: Double = context.with["seconds"]!.intValue.map(Double.init) ?? 0
        try await Task.sleep(nanoseconds: UInt64(s * 1e9))
        return .completed(outputs: [:])
    }
}

/// Makes a symbolic link in its output folder.
struct LinkStep: Step {
    let name = "link"
    let summary = "test: writes a link"
    let withSchema = Schema([])
    func run(_ context: StepContext) async throws -> StepOutcome {
        try FileManager.default.createSymbolicLink(atPath: context.outputFolder.appendingPathComponent("passwd").path,
                                                   withDestinationPath: "/etc/passwd")
        return .completed(outputs: [:])
    }
}

func testRegistry() -> StepRegistry {
    var r = StepRegistry()
    for s: any Step in [EchoStep(), FlakyStep(), AskStep(), SlowStep(), LinkStep()] { try! r.register(s) }
    return r
}

/// A temporary root folder with a workflow file written into it.
final class Sandbox {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("docket-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    var store: CaseStore { CaseStore(root: root) }

    func runner() -> Runner { Runner(store: store, registry: testRegistry(), user: "tester") }
}

/// The diagnostics a throwing call reported, as printed lines.
func diagnostics(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> [String] {
    do {
        try body()
        XCTFail("expected diagnostics", file: file, line: line)
    } catch let e as DiagnosticsError {
        return e.diagnostics.map(\.description)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return []
}
