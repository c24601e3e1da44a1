import DocketCore
import DocketYAML
import Foundation

/// `archive`: the last step of a workflow; packages the case as `archives/<case-id>.zip` (see
/// `Archiver`) and records the archive's SHA-256 in its outputs. With `encrypt: true` the
/// password is the one the step was made with (`$DOCKET_ARCHIVE_PASSWORD`, read by whoever
/// assembles Docket; never from the workflow).
public struct ArchiveStep: Step {
    /// `Source-Organization` unless the workflow's `with:` names one.
    public let organization: String
    let password: String?

    public init(organization: String = "Docket", password: String? = nil) {
        self.organization = organization
        self.password = password
    }

    public let name = "archive"
    public let summary = "packages the completed case as a verified BagIt zip in archives/"

    public let withSchema = Schema([
        Field("organization", .string, description: "Source-Organization in bag-info.txt"),
        Field("encrypt", .bool, default: .bool(false), description: "AES-256 every entry; the password comes from $DOCKET_ARCHIVE_PASSWORD"),
    ])

    public func outputNames(with: [String: Value]) -> [String]? { ["archive", "sha256", "size", "files"] }

    public func run(_ context: StepContext) async throws -> StepOutcome {
        guard context.stepOrder.last == context.stepID else {
            return .failed("the archive step must be the workflow's last step, so that the archive holds the whole case")
        }
        var password: String?
        if context.with["encrypt"]?.boolValue == true {
            guard let p = self.password else {
                return .failed("encrypt is true but no archive password was given ($DOCKET_ARCHIVE_PASSWORD is not set); set it (never in the workflow) and run again")
            }
            password = p
        }
        let store = CaseStore(root: context.rootFolder)
        let journal = store.journal(context.caseID)
        let contents = try journal.read()
        let bytes = [UInt8](try Data(contentsOf: journal.url))
        let organization = context.with["organization"]?.stringValue ?? self.organization
        let result = try await Archiver(store: store, organization: organization).archive(
            caseID: context.caseID, contents: contents, journalBytes: bytes, byStep: context.stepID,
            options: .init(partial: false, password: password))
        return .completed(outputs: [
            "archive": .string("archives/\(result.path.lastPathComponent)"), "sha256": .string(result.sha256),
            "size": .int(Int(result.size)), "files": .int(result.payloadFiles),
        ])
    }
}
