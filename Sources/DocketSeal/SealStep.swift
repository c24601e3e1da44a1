import DocketCore
import DocketYAML
import Foundation

/// `seal`: seals an issued PDF with the council's electronic seal (PAdES B-B, a visible block
/// naming the council and the signer). The signed copy is this step's document; the unsigned
/// rendition stays in its own step, and a document issued again after a correction is sealed
/// again in the new round. The key stays in the workspace's `seal/`: it is used by Docket's
/// own signer, never handed to a plugin or written into the case.
public struct SealStep: Step {
    /// Docket's signer; nil when the standard files (libexec/seal) were not found.
    public let tool: SealTool?
    /// The council's time zone, in which the signature block gives the time.
    public let timeZone: TimeZone

    public init(tool: SealTool?, timeZone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!) {
        self.tool = tool
        self.timeZone = timeZone
    }

    public let name = "seal"
    public let summary = "seals an issued PDF with the council's electronic seal (PAdES B-B, visible signature block)"

    public let withSchema = Schema([
        Field("document", .string, required: true, description: "the PDF to seal, a document of the case (e.g. ${{ steps.answer-pdf.outputs.document }})"),
        Field("signer", .string, description: "who signs, shown in the signature block (e.g. 会長 ${{ steps.answer.outputs.chair }})"),
        Field("reason", .string, default: .string("答申の発出"), description: "the reason recorded in the signature"),
        Field("council", .string, description: "the council's name in the block (default: the profile's)"),
        Field("location", .string, description: "the place recorded in the signature (default: the organization)"),
    ])

    public func outputNames(with: [String: Value]) -> [String]? { ["document", "sha256", "certificate", "signer", "demo"] }

    /// The largest PDF sealed: an official document of a few pages is far below it.
    public static let maxBytes: Int64 = 64 << 20

    public func run(_ context: StepContext) async throws -> StepOutcome {
        guard let tool else { return .failed("the seal's signer is not installed with this Docket (libexec/seal): run scripts/install-pdf-tools") }
        let path = context.with["document"]?.stringValue ?? ""
        guard let doc = context.documents.first(where: { $0.path == path }) else {
            return .failed("'document': '\(TerminalText.escaped(path))' is not a document of this case; name the PDF an earlier step wrote")
        }
        guard doc.path.lowercased().hasSuffix(".pdf") else { return .failed("'document': \(doc.path) is not a PDF; seal the PDF rendition") }
        guard doc.size <= Self.maxBytes else {
            return .failed("\(doc.path) is \(doc.size) bytes, over the \(Self.maxBytes) bytes a sealed document may have")
        }
        let store = SealStore(root: context.rootFolder, tool: tool)
        let council = context.with["council"]?.stringValue ?? context.workspace["council"]?.stringValue ?? ""
        let location = context.with["location"]?.stringValue ?? context.workspace["organization"]?.stringValue ?? ""
        let signer = context.with["signer"]?.stringValue ?? council
        let name = (doc.path as NSString).lastPathComponent
        let output = context.outputFolder.appendingPathComponent(name)
        let cert: SealStore.Certificate
        do {
            cert = try store.sign(context.documentsFolder.appendingPathComponent(doc.path), to: output, council: council, signer: signer,
                                  reason: context.with["reason"]?.stringValue ?? "答申の発出", location: location, timeZone: timeZone, now: context.now)
        } catch let error as NoSeal {
            return .failed(error.description)
        } catch {
            try? FileManager.default.removeItem(at: output)
            return .failed("\(doc.path) was not sealed: \(error)")
        }
        let digest = try FileIO.digest(of: output.path)
        return .completed(outputs: [
            "document": .string("\(context.documentFolder)/\(name)"), "sha256": .string(digest.sha256),
            "certificate": .string(cert.sha256), "signer": .string(signer), "demo": .bool(cert.demo),
        ])
    }
}
