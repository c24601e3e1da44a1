import DocketCore
import Foundation

/// Every change made to an account through the administration operations below, one JSON line
/// each in `board/accounts-history.jsonl` beside the account file (never rewritten, never a
/// hash or a password): who changed which account, how, when and why.
public struct AccountHistory: Sendable {
    public let file: URL

    public init(file: URL) {
        self.file = file
    }

    public struct Entry: Codable, Sendable, Equatable {
        public enum Action: String, Codable, Sendable {
            case added, disabled, enabled
            case passwordReset = "password-reset"
            case rolesChanged = "roles-changed"

            /// The action as the board's pages say it.
            public var label: String {
                switch self {
                case .added: return "追加"
                case .disabled: return "無効化"
                case .enabled: return "再有効化"
                case .passwordReset: return "パスワード再設定"
                case .rolesChanged: return "役割の変更"
                }
            }
        }

        /// When (ISO 8601, UTC, milliseconds).
        public var at: String
        /// Who made the change (the signed-in person).
        public var by: String
        public var account: String
        public var action: Action
        /// The roles (and department) after an addition or a role change.
        public var roles: [Role]?
        public var department: String?
        public var reason: String?
    }

    /// Every entry, oldest first.
    public func entries() throws -> [Entry] {
        try JSONLines.read(Entry.self, from: file, what: "the accounts' history")
    }

    func append(_ entry: Entry) throws {
        do { try JSONLines.append(entry, to: file, mode: 0o600) } catch let error as CaseError {
            throw AccountError.io(file.path, error.description)
        }
    }
}

/// What the administration operations refuse, beyond the account file's own checks.
public enum AccountRuleError: DocketFailure, Sendable, Equatable {
    /// A person cannot disable their own account (they would lock themselves out mid-change).
    case selfDisable(String)
    /// The change would leave no enabled secretariat account to manage the others.
    case lastSecretariat(String)
    /// Disabling and enabling again need a reason, for the history.
    case reasonRequired
    case alreadyDisabled(String)
    case alreadyEnabled(String)

    public var description: String {
        switch self {
        case .selfDisable(let name): return "'\(name)' cannot disable their own account; ask another secretariat account to do it"
        case .lastSecretariat(let name): return "'\(name)' is the last enabled secretariat account: enable or add another secretariat account first"
        case .reasonRequired: return "give the reason for the change (it is kept in the accounts' history)"
        case .alreadyDisabled(let name): return "the account '\(name)' is already disabled"
        case .alreadyEnabled(let name): return "the account '\(name)' is already enabled"
        }
    }

    public var kind: FailureKind {
        switch self {
        case .reasonRequired: return .badInput
        case .selfDisable, .lastSecretariat, .alreadyDisabled, .alreadyEnabled: return .refused
        }
    }
}

extension PasswordRule {
    /// Letters and digits that cannot be misread for one another (no 0/O, 1/l/I).
    static let generatedAlphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A new random password (four groups of five, e.g. `Kd7pq-…`), about 114 bits; it meets the rule.
    public static func generated() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String((0..<5).map { _ in generatedAlphabet.randomElement(using: &generator)! }) }
            .joined(separator: "-")
    }

    /// The password an administrator chose: the one typed (twice alike, meeting the rule), or,
    /// when nothing was typed, a generated one (`generated` true: show it once).
    public static func chosen(typed: String?, again: String?, name: String) throws -> (password: String, generated: Bool) {
        guard let typed, !typed.isEmpty else { return (generated(), true) }
        guard typed == again else { throw AccountError.mismatch }
        if let problem = problem(typed, name: name) { throw AccountError.weakPassword(problem) }
        return (typed, false)
    }
}

/// The secretariat's account administration (the board's accounts page): each change is made
/// under the account lock with its rules checked there, and recorded in the history under the
/// person who made it. Every change that alters what an account may do ends its sessions.
extension AccountStore {
    /// `board/accounts-history.jsonl`.
    public var history: AccountHistory {
        AccountHistory(file: file.deletingLastPathComponent().appendingPathComponent("accounts-history.jsonl"))
    }

    /// Adds an account (the hash already computed), recorded as made by `by`.
    public func add(name: String, roles: Set<Role>, department: String?, passwordHash: String, by: String, now: Date = Date()) throws {
        let department = Self.cleaned(department)
        try Self.check(name: name, roles: roles, department: department)
        let entry = AccountHistory.Entry(at: Timestamp.string(now), by: by, account: name, action: .added,
                                         roles: roles.sorted(), department: department, reason: nil)
        try change({ accounts in
            if accounts.contains(where: { $0.name == name }) { throw AccountError.exists(name) }
            accounts.append(Account(name: name, roles: roles.sorted(), department: department, passwordHash: passwordHash,
                                    disabled: false, created: Self.timestamp(now), passwordChanged: nil))
        }, then: { try history.append(entry) })
    }

    /// Disables an account (its sessions end), or enables it again, with the reason. Refused for
    /// one's own account and for the last enabled secretariat account.
    public func setDisabled(_ name: String, _ disabled: Bool, reason: String, by: String, now: Date = Date()) throws {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw AccountRuleError.reasonRequired }
        if disabled && name == by { throw AccountRuleError.selfDisable(name) }
        let entry = AccountHistory.Entry(at: Timestamp.string(now), by: by, account: name, action: disabled ? .disabled : .enabled,
                                         roles: nil, department: nil, reason: reason)
        try change({ accounts in
            let i = try Self.position(of: name, in: accounts)
            if accounts[i].disabled == disabled { throw disabled ? AccountRuleError.alreadyDisabled(name) : AccountRuleError.alreadyEnabled(name) }
            var after = accounts
            after[i].disabled = disabled
            try Self.keepsASecretariat(name, before: accounts, after: after)
            if disabled { after[i].sessionEpoch += 1 }
            accounts = after
        }, then: { try history.append(entry) })
    }

    /// Sets a new password (hash computed) for `name`, ending its sessions, recorded as `by`'s.
    @discardableResult
    public func resetPassword(_ name: String, hash: String, by: String, now: Date = Date()) throws -> Int {
        var epoch = 0
        let entry = AccountHistory.Entry(at: Timestamp.string(now), by: by, account: name, action: .passwordReset,
                                         roles: nil, department: nil, reason: nil)
        try change({ accounts in
            let i = try Self.position(of: name, in: accounts)
            accounts[i].passwordHash = hash
            accounts[i].passwordChanged = Self.timestamp(now)
            accounts[i].sessionEpoch += 1
            epoch = accounts[i].sessionEpoch
        }, then: { try history.append(entry) })
        return epoch
    }

    /// Gives `name` new roles (and department), ending its sessions; refused when it would take
    /// the secretariat role from the last enabled secretariat account.
    public func setRoles(_ name: String, roles: Set<Role>, department: String?, by: String, now: Date = Date()) throws {
        let department = Self.cleaned(department)
        try Self.check(name: name, roles: roles, department: department)
        let entry = AccountHistory.Entry(at: Timestamp.string(now), by: by, account: name, action: .rolesChanged,
                                         roles: roles.sorted(), department: department, reason: nil)
        try change({ accounts in
            let i = try Self.position(of: name, in: accounts)
            var after = accounts
            after[i].roles = roles.sorted()
            after[i].department = department
            try Self.keepsASecretariat(name, before: accounts, after: after)
            after[i].sessionEpoch += 1
            accounts = after
        }, then: { try history.append(entry) })
    }

    /// Notes a sign-in (shown as the account's last sign-in); not part of the history.
    public func recordSignIn(_ name: String, now: Date = Date()) throws {
        try change { accounts in
            guard let i = accounts.firstIndex(where: { $0.name == name }) else { return }
            accounts[i].lastSignIn = Self.timestamp(now)
        }
    }

    /// The enabled secretariat accounts among `accounts`.
    public static func enabledSecretariats(_ accounts: [Account]) -> [String] {
        accounts.filter { !$0.disabled && $0.roles.contains(.secretariat) }.map(\.name)
    }

    static func keepsASecretariat(_ name: String, before: [Account], after: [Account]) throws {
        if !enabledSecretariats(before).isEmpty && enabledSecretariats(after).isEmpty {
            throw AccountRuleError.lastSecretariat(name)
        }
    }

    static func cleaned(_ department: String?) -> String? {
        guard let d = department?.trimmingCharacters(in: .whitespaces), !d.isEmpty else { return nil }
        return d
    }

    static func check(name: String, roles: Set<Role>, department: String?) throws {
        if let first = problems(name: name, roles: roles, department: department).first { throw first }
    }

    /// Every problem of an account's name, roles and department at once (a form shows them all).
    public static func problems(name: String, roles: Set<Role>, department: String?) -> [AccountError] {
        let department = cleaned(department)
        var out: [AccountError] = []
        if !Account.isValidName(name) { out.append(.invalidName(name)) }
        if roles.isEmpty { out.append(.noRoles) }
        if roles.contains(.department), department == nil { out.append(.departmentRequired) }
        if !roles.isEmpty, !roles.contains(.department), department != nil { out.append(.departmentWithoutRole) }
        return out
    }

    static func position(of name: String, in accounts: [Account]) throws -> Int {
        guard let i = accounts.firstIndex(where: { $0.name == name }) else {
            throw AccountError.noSuchAccount(name, known: accounts.map(\.name))
        }
        return i
    }
}
