import DocketCore
import Foundation

/// One board account as `board/users.json` keeps it: the name (what the journal records as
/// `by`), roles, the department for the department role, the bcrypt hash, and whether it is
/// disabled (kept, so the journal's names stay explained, but it cannot sign in).
public struct Account: Codable, Sendable, Equatable {
    public var name: String
    public var roles: [Role]
    public var department: String?
    /// bcrypt (`$2b$…`); never logged, never shown.
    public var passwordHash: String
    public var disabled: Bool
    public var created: String
    public var passwordChanged: String?
    /// Raised by every change that must end the account's sessions (a password set, a role
    /// changed, the account disabled); a session signed in under an older value is refused.
    public var sessionEpoch: Int
    /// When the account last signed in on the board (ISO 8601), if it has.
    public var lastSignIn: String?

    enum CodingKeys: String, CodingKey {
        case name, roles, department, disabled, created
        case passwordHash = "password_hash"
        case passwordChanged = "password_changed"
        case sessionEpoch = "session_epoch"
        case lastSignIn = "last_sign_in"
    }

    public init(name: String, roles: [Role], department: String?, passwordHash: String, disabled: Bool,
                created: String, passwordChanged: String?, sessionEpoch: Int = 0) {
        self.name = name
        self.roles = roles
        self.department = department
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.created = created
        self.passwordChanged = passwordChanged
        self.sessionEpoch = sessionEpoch
    }

    /// Account files written before sessions had epochs read as epoch 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), roles: try c.decode([Role].self, forKey: .roles),
                  department: try c.decodeIfPresent(String.self, forKey: .department),
                  passwordHash: try c.decode(String.self, forKey: .passwordHash), disabled: try c.decode(Bool.self, forKey: .disabled),
                  created: try c.decode(String.self, forKey: .created),
                  passwordChanged: try c.decodeIfPresent(String.self, forKey: .passwordChanged),
                  sessionEpoch: try c.decodeIfPresent(Int.self, forKey: .sessionEpoch) ?? 0)
        lastSignIn = try c.decodeIfPresent(String.self, forKey: .lastSignIn)
    }

    public var identity: Identity { Identity(name: name, roles: Set(roles), department: department) }

    /// Login names: letters (Japanese included), digits, `.`, `_`, `-`, 1–64 characters, so a
    /// name reads the same in the journal, in a log and on a page.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...64).contains(name.count), let first = name.unicodeScalars.first,
              !"._-".unicodeScalars.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
    }
}

/// Problems with accounts, in words the person at the terminal or the page can act on.
public enum AccountError: DocketFailure, Sendable, Equatable {
    case invalidName(String)
    case exists(String)
    case noSuchAccount(String, known: [String])
    case departmentRequired
    case departmentWithoutRole
    case noRoles
    case weakPassword(String)
    case mismatch
    case wrongPassword
    case unreadable(String, String)
    case io(String, String)

    public var description: String {
        switch self {
        case .invalidName(let name):
            return "'\(name)' is not a valid account name: use letters, digits, '.', '_' and '-', 1 to 64 characters, not starting with '.', '_' or '-'"
        case .exists(let name):
            return "an account '\(name)' already exists; choose another name, or change its password"
        case .noSuchAccount(let name, let known):
            return "there is no account '\(name)'" + (known.isEmpty ? " (no accounts exist yet)" : "; the accounts: \(known.joined(separator: ", "))")
        case .departmentRequired:
            return "the department role needs the department (所管課) whose cases the account works on"
        case .departmentWithoutRole:
            return "a department (所管課) is only for an account with the department role"
        case .noRoles:
            return "give the account at least one role: secretariat, department, member or archivist"
        case .weakPassword(let why):
            return "the password is too weak: \(why)"
        case .mismatch:
            return "the new password and its confirmation differ; type the same password twice"
        case .wrongPassword:
            return "the current password is not right; nothing was changed"
        case .unreadable(let path, let why):
            return "\(path): error: the account file cannot be read: \(why). Restore it from a backup"
        case .io(let path, let why):
            return "\(path): error: \(why)"
        }
    }

    public var kind: FailureKind {
        switch self {
        case .invalidName, .departmentRequired, .departmentWithoutRole, .noRoles, .weakPassword, .mismatch, .unreadable: return .badInput
        case .noSuchAccount: return .notFound
        case .exists, .wrongPassword: return .refused
        case .io: return .fileSystem
        }
    }
}

/// What a password must be: at least 10 characters, not the account name, not all one
/// character. Long passphrases are welcome (bcrypt reads the first 72 bytes).
public enum PasswordRule {
    public static let minimumLength = 10

    /// Why a password is refused.
    public enum Weakness: Sendable, Equatable {
        case short(Int), isName, oneCharacter, tooLong

        public var description: String {
            switch self {
            case .short(let n): return "it has \(n) characters; use at least \(PasswordRule.minimumLength)"
            case .isName: return "it is the account name"
            case .oneCharacter: return "it repeats one character"
            case .tooLong: return "it is longer than 72 bytes, and bcrypt would ignore the rest; use a shorter one"
            }
        }

        /// The same, as the board's pages say it.
        public var japanese: String {
            switch self {
            case .short(let n): return "\(n) 文字しかありません。\(PasswordRule.minimumLength) 文字以上にしてください。"
            case .isName: return "アカウント名と同じです。別のものにしてください。"
            case .oneCharacter: return "同じ文字の繰り返しです。別のものにしてください。"
            case .tooLong: return "72 バイトを超えています（超えた部分は照合に使われません）。短くしてください。"
            }
        }
    }

    /// Why `password` is refused for `name`, or nil.
    public static func weakness(_ password: String, name: String) -> Weakness? {
        if password.count < minimumLength { return .short(password.count) }
        if password.lowercased() == name.lowercased() { return .isName }
        if Set(password).count == 1 { return .oneCharacter }
        if password.utf8.count > 72 { return .tooLong }
        return nil
    }

    /// Why `password` is refused for `name`, or nil.
    public static func problem(_ password: String, name: String) -> String? {
        weakness(password, name: name)?.description
    }
}
