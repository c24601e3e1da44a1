import DocketCore
import Foundation

/// `collect-files`: copies named files from a folder (a `folder` input) into the case as this
/// step's documents, so that later steps — and plugins, which see only the case — can use them.
public struct CollectFilesStep: Step {
    public init() {}

    public let name = "collect-files"
    public let summary = "copies named files from a folder into the case as documents"

    public let withSchema = Schema([
        Field("folder", .string, required: true, description: "the folder, usually ${{ inputs.NAME }} of type folder"),
        Field("files", .list(of: .string), required: true, description: "the file names to copy; each must exist"),
    ])

    public func outputNames(with: [String: Value]) -> [String]? { ["documents"] }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        guard let folder = context.with["folder"]?.stringValue, case .list(let files)? = context.with["files"] else {
            return .failed("'folder' and 'files' are required")
        }
        let names = files.compactMap(\.stringValue)
        let missing = names.filter { !FileManager.default.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent($0).path) }
        if !missing.isEmpty {
            return .failed("\(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not in \(folder); put \(missing.count == 1 ? "it" : "them") there and run again")
        }
        for name in names {
            if name.contains("/") || name.hasPrefix(".") { return .failed("'\(name)' must be a plain file name in the folder") }
            try FileManager.default.copyItem(at: URL(fileURLWithPath: folder).appendingPathComponent(name),
                                             to: context.outputFolder.appendingPathComponent(name))
        }
        return .completed(outputs: ["documents": .list(names.map { .string("\(context.documentFolder)/\($0)") })])
    }
}
