import DocketCouncil
import Foundation

/// Where the vote and answer steps find the council's profile when a workflow names none
/// (`council:` beside the workflow): the workspace's `council.yaml`, given when the steps are
/// registered, so a standard workflow serves every council.
public struct CouncilProfileSource: Sendable, Equatable {
    /// The profile's file, or nil: the workspace has none.
    public var path: String?

    public init(path: String?) {
        self.path = path
    }

    /// The profile a step uses: the workflow's own `council:` file from the case's snapshot,
    /// else the workspace's.
    func roster(named relative: String?, snapshotFolder: URL) throws -> CouncilRoster {
        if let relative, !relative.isEmpty {
            return try CouncilRoster.load(path: snapshotFolder.appendingPathComponent(relative).path)
        }
        guard let path, FileManager.default.fileExists(atPath: path) else {
            throw StepFailure("the workspace has no council profile (council.yaml beside docket.yaml), which names the council, its members and its rules; write it, then run the case again")
        }
        return try CouncilRoster.load(path: path)
    }
}
