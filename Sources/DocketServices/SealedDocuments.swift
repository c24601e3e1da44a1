import DocketCore
import DocketSeal
import Foundation

/// What checking a sealed PDF found: its seals against the workspace's certificates, and where
/// the journal of a case or meeting recorded these very bytes.
public struct SealedCheck: Sendable {
    public var file: URL
    public var sha256: String
    public var signatures: [SealStore.Signature]
    /// `case ID: PATH` (or `meeting ID: PATH`) for each journal entry recording this digest.
    public var recorded: [String]

    /// Sealed by this council, unchanged since, and the document a journal recorded.
    public var sound: Bool { !signatures.isEmpty && signatures.allSatisfy(\.sound) && !recorded.isEmpty }

    /// Each problem in words: nothing when `sound`.
    public var problems: [String] {
        var out: [String] = []
        if signatures.isEmpty { out.append("it carries no electronic seal") }
        for s in signatures {
            if !s.valid { out.append("the seal of \(s.signer) does not match the document: it was changed after sealing") }
            else if !s.trusted { out.append("the seal of \(s.signer) is not this workspace's seal (certificate sha256 \(s.certificate.prefix(16))…)") }
            if s.valid && !s.coversWholeFile { out.append("something was added after the seal of \(s.signer)") }
        }
        if recorded.isEmpty { out.append("no case or meeting journal records this file (sha256 \(sha256)): it is not a document Docket issued here") }
        return out
    }
}

extension DocketServices {
    /// Checks `file`'s seals and finds its digest in the journals of the workspace's cases and
    /// meetings; given `caseID` (a document the board shows), in that case's journal only.
    public func checkSealed(_ file: URL, inCase caseID: String? = nil) throws -> SealedCheck {
        let digest = try FileIO.digest(of: file.path)
        var recorded: [String] = []
        let places = caseID.map { [("case", workspace.store, [$0])] }
            ?? [("case", workspace.store, nil), ("meeting", CaseStore(root: workspace.root, folderName: "meetings"), nil)]
        for (label, store, ids) in places {
            for id in ids ?? store.caseIDs() {
                guard let contents = try? store.journal(id).read() else { continue }
                for event in contents.events {
                    for doc in event.documents ?? [] where doc.sha256 == digest.sha256 {
                        recorded.append("\(label) \(id): \(doc.path)")
                    }
                }
            }
        }
        return SealedCheck(file: file, sha256: digest.sha256, signatures: try seal.signatures(of: file), recorded: recorded)
    }
}

/// An official document of a case as PDF: what it is, where, and its seal when it has one.
public struct OfficialDocument: Sendable, Equatable {
    /// What the document is (答申, 諮問文, 審議記録, 採決記録, 会議録…): its file name's stem.
    public var title: String
    public var record: DocumentRecord
    /// The step that issued it and that step's round folder.
    public var step: String
    /// Who sealed it (the seal step's `signer`), nil for an unsealed rendition.
    public var sealedBy: String?
    /// Sealed with a demonstration seal.
    public var demo: Bool
    /// The file's bytes are still those the journal recorded.
    public var intact: Bool
}

extension DocketServices {
    /// The PDFs the case issued (renditions and sealed copies), latest round first within a
    /// step, sealed ones first; each checked against the journal's digest (cheap: no signature math).
    public func officialDocuments(of id: String, state: CaseState, stepUses: [String: String]) -> [OfficialDocument] {
        let folder = store.documents(id)
        var found: [OfficialDocument] = []
        for (stepID, uses) in stepUses where uses == "seal" || uses == "pdf-render" {
            let s = state.step(stepID)
            for doc in s.documents where doc.path.lowercased().hasSuffix(".pdf") {
                let now = try? FileIO.digest(of: folder.appendingPathComponent(doc.path).path)
                found.append(OfficialDocument(
                    title: ((doc.path as NSString).lastPathComponent as NSString).deletingPathExtension, record: doc, step: stepID,
                    sealedBy: uses == "seal" ? (s.outputs["signer"]?.stringValue ?? "") : nil,
                    demo: uses == "seal" && s.outputs["demo"]?.boolValue == true, intact: now?.sha256 == doc.sha256))
            }
        }
        return found.sorted { ($0.sealedBy == nil ? 1 : 0, $0.title, $0.record.path) < ($1.sealedBy == nil ? 1 : 0, $1.title, $1.record.path) }
    }
}
