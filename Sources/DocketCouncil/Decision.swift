/// How a council decides a consultation: the words of the vote, the answer, the index and
/// the board, kept here once (no other module writes 承認 or 不承認).
public enum Decision: String, Sendable, CaseIterable, Codable {
    /// 承認: the consultation is approved (with conditions, if any).
    case approved = "承認"
    /// 不承認: it is not approved.
    case rejected = "不承認"

    /// The decision of a vote or review that did or did not approve.
    public init(approved: Bool) {
        self = approved ? .approved : .rejected
    }

    /// As documents and pages write it.
    public var label: String { rawValue }

    public var isApproval: Bool { self == .approved }

    /// The decision a person wrote (承認 or 不承認), or nil for anything else.
    public init?(label: String) {
        self.init(rawValue: label.trimmingCharacters(in: .whitespaces))
    }

    /// 「承認」か「不承認」: how a refusal names the choices.
    public static var choices: String { allCases.map { "「\($0.label)」" }.joined(separator: "か") }
}
