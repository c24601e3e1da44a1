import Foundation

/// What a person may do on the board. A person holds a set of roles; routes are
/// grouped by who may use them (`Access`), and each group is guarded by one policy
/// middleware, so no handler asks `if role == …`.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    /// 事務局: everything.
    case secretariat
    /// 所管課: its own department's cases (open, upload materials, read).
    case department
    /// 委員: the materials and records of cases on a meeting's agenda, and the meetings.
    case member
    /// 文書管理: archives, verification, retention, the answers register.
    case archivist

    /// The Japanese label shown on pages.
    public var label: String {
        switch self {
        case .secretariat: return "事務局"
        case .department: return "所管課"
        case .member: return "委員"
        case .archivist: return "文書管理"
        }
    }

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The signed-in person, as the session authenticator finds them in the account store.
public struct Identity: Sendable, Equatable {
    /// The login name: what the journal records as `by`.
    public var name: String
    public var roles: Set<Role>
    /// 所管課, for the department role: the cases whose `department` input is this.
    public var department: String?

    public init(name: String, roles: Set<Role>, department: String? = nil) {
        self.name = name
        self.roles = roles
        self.department = department
    }

    public var roleLabels: String { roles.sorted().map(\.label).joined(separator: "・") }
}

