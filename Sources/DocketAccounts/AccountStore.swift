import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The board's accounts, in the workspace at `board/users.json` (mode 0600, written whole and
/// atomically under `board/.users.lock`, so `docket users` and a running board can both change
/// it). Never in the index: the index is rebuilt from journals, and hashes are not case data.
/// Reads are cached and taken again when the file changes, so `docket users disable` stops a
/// signed-in person on their next request.
public final class AccountStore: @unchecked Sendable {
    public let file: URL
    private var lockFile: URL { file.deletingLastPathComponent().appendingPathComponent(".users.lock") }
    /// Guards `cache` (a board serves many requests at once).
    private let lock = NSLock()
    private var cache: (stamp: FileStamp, accounts: [Account])?

    struct FileStamp: Equatable {
        var inode: UInt64, size: Int64, modified: Int, modifiedNanos: Int
    }

    struct FileFormat: Codable {
        var version = 1
        var accounts: [Account]
    }

    public init(workspace root: URL) {
        file = root.appendingPathComponent("board").appendingPathComponent("users.json")
    }

    public init(file: URL) {
        self.file = file
    }

    // MARK: - Reading

    /// Every account, by name.
    public func all() throws -> [Account] {
        let stamp = Self.stamp(file.path)
        lock.lock()
        defer { lock.unlock() }
        if let cache, let stamp, cache.stamp == stamp { return cache.accounts }
        let accounts = try readFile()
        if let stamp { cache = (stamp, accounts) }
        return accounts
    }

    public func account(named name: String) throws -> Account? {
        try all().first { $0.name == name }
    }

    /// The identity of an enabled account, or nil (no such account, or disabled).
    public func identity(named name: String) throws -> Identity? {
        guard let account = try account(named: name), !account.disabled else { return nil }
        return account.identity
    }

    /// The identity behind a session signed in at `epoch`: nil once the account is disabled,
    /// or its password or roles changed since (its `sessionEpoch` moved on).
    public func identity(named name: String, epoch: Int) throws -> Identity? {
        guard let account = try account(named: name), !account.disabled, account.sessionEpoch == epoch else { return nil }
        return account.identity
    }

    private func readFile() throws -> [Account] {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            if FileManager.default.fileExists(atPath: file.path) { throw AccountError.unreadable(file.path, "permission denied") }
            return []
        }
        do {
            return try JSONDecoder().decode(FileFormat.self, from: data).accounts.sorted { $0.name < $1.name }
        } catch {
            throw AccountError.unreadable(file.path, "it is not an account file Docket wrote (\(error))")
        }
    }

    static func stamp(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(inode: UInt64(st.st_ino), size: Int64(st.st_size), modified: st.st_mtim.tv_sec, modifiedNanos: st.st_mtim.tv_nsec)
    }

    // MARK: - Changes

    /// Adds an account with an already computed bcrypt hash.
    public func add(name: String, roles: Set<Role>, department: String?, passwordHash: String, now: Date = Date()) throws {
        guard Account.isValidName(name) else { throw AccountError.invalidName(name) }
        guard !roles.isEmpty else { throw AccountError.noRoles }
        let department = department?.trimmingCharacters(in: .whitespaces)
        if roles.contains(.department), department?.isEmpty ?? true { throw AccountError.departmentRequired }
        if !roles.contains(.department), department != nil { throw AccountError.departmentWithoutRole }
        try change { accounts in
            if accounts.contains(where: { $0.name == name }) { throw AccountError.exists(name) }
            accounts.append(Account(name: name, roles: roles.sorted(), department: department, passwordHash: passwordHash,
                                    disabled: false, created: Self.timestamp(now), passwordChanged: nil))
        }
    }

    /// Disables (or enables again) an account. Disabling ends every session of it.
    public func setDisabled(_ name: String, _ disabled: Bool) throws {
        try change { accounts in
            let i = try Self.index(of: name, in: accounts)
            if disabled && !accounts[i].disabled { accounts[i].sessionEpoch += 1 }
            accounts[i].disabled = disabled
        }
    }

    /// Replaces an account's password hash and ends every session of it; returns the new
    /// session epoch (the board signs the person in again under it after their own change).
    @discardableResult
    public func setPasswordHash(_ name: String, _ hash: String, now: Date = Date()) throws -> Int {
        var epoch = 0
        try change { accounts in
            let i = try Self.index(of: name, in: accounts)
            accounts[i].passwordHash = hash
            accounts[i].passwordChanged = Self.timestamp(now)
            accounts[i].sessionEpoch += 1
            epoch = accounts[i].sessionEpoch
        }
        return epoch
    }

    /// Gives an account new roles (and department, for the department role), ending every
    /// session of it: a session never keeps rights its account no longer has.
    public func setRoles(_ name: String, roles: Set<Role>, department: String?) throws {
        guard !roles.isEmpty else { throw AccountError.noRoles }
        let department = department?.trimmingCharacters(in: .whitespaces)
        if roles.contains(.department), department?.isEmpty ?? true { throw AccountError.departmentRequired }
        if !roles.contains(.department), department != nil { throw AccountError.departmentWithoutRole }
        try change { accounts in
            let i = try Self.index(of: name, in: accounts)
            accounts[i].roles = roles.sorted()
            accounts[i].department = department
            accounts[i].sessionEpoch += 1
        }
    }

    private static func index(of name: String, in accounts: [Account]) throws -> Int {
        guard let i = accounts.firstIndex(where: { $0.name == name }) else {
            throw AccountError.noSuchAccount(name, known: accounts.map(\.name))
        }
        return i
    }

    /// Reads, changes and writes the file under the account lock (a blocking `flock`: other
    /// writers hold it for a few milliseconds); `then` runs after the write, the lock still held
    /// (the history's line, so its order is the file's).
    func change(_ body: (inout [Account]) throws -> Void, then: () throws -> Void = {}) throws {
        let folder = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AccountError.io(folder.path, "the folder cannot be created: \(error.localizedDescription)")
        }
        lock.lock()
        defer { lock.unlock() }
        let fileLock: FileLock
        do { fileLock = try FileLock.waiting(lockFile.path) } catch let error as CaseError {
            throw AccountError.io(lockFile.path, error.description)
        }
        defer { withExtendedLifetime(fileLock) {} }
        var accounts = try readFile()
        try body(&accounts)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(FileFormat(accounts: accounts.sorted { $0.name < $1.name }))
        do {
            try FileIO.writeAtomically(Array(data) + [0x0A], to: file, mode: 0o600)
        } catch let error as CaseError {
            throw AccountError.io(file.path, error.description)
        }
        cache = nil
        try then()
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
