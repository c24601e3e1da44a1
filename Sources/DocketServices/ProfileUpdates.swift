import DocketCore
import DocketCouncil
import DocketYAML
import Foundation

/// The council profile as the board changes it: read afresh from `council.yaml` (never the copy
/// the services read at start), changed, written whole and recorded in the profile's history
/// under the person who changed it, all under one lock so two changes never lose each other.
extension DocketServices {
    /// The profile as it is on disk now, with the SHA-256 of its bytes (the version a form edits).
    public func currentProfile() throws -> (roster: CouncilRoster, sha256: String) {
        guard let path = try? rosterPathByName(), let data = FileManager.default.contents(atPath: path) else {
            throw ProfileEditError.noProfile
        }
        let roster = try CouncilRoster.read(try YAMLLoader().loadSingleDocument(Array(data), file: path), source: path)
        return (roster, Journal.sha256Hex(data))
    }

    /// Changes the profile by `edit` and writes it, as `by`; `expected` is the SHA-256 of the
    /// version the change was made on (a form's), refused if the file changed since. The new text
    /// is read back by the profile's own reader before it replaces the file; nothing is written
    /// on any problem. Returns the history's new entry (nil when the change changed nothing).
    @discardableResult
    public func updateProfile(by user: String, expected: String?, _ edit: (inout CouncilRoster) throws -> Void) throws -> CouncilHistory.Entry? {
        guard let path = try? rosterPathByName() else { throw ProfileEditError.noProfile }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let lock = try FileLock.waiting(folder.appendingPathComponent(".council-edit.lock").path)
        defer { withExtendedLifetime(lock) {} }
        // The version in force before this change is in the history first, under its own author
        // (a hand edit is recorded as the next command would have recorded it).
        try councilHistory.record(profileAt: path, by: user, now: clock())
        let (current, digest) = try currentProfile()
        if let expected, expected != digest { throw ProfileEditError.changedMeanwhile }
        var changed = current
        try edit(&changed)
        let text = changed.yamlText
        _ = try CouncilRoster.checked(text, source: path)
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o644
        try FileIO.writeAtomically(Array(text.utf8), to: URL(fileURLWithPath: path), mode: mode_t(mode))
        return try councilHistory.record(profileAt: path, by: user, now: clock())
    }
}
