import Foundation

/// The fields of a submitted HTML form, in the order the browser sent them (a name may repeat).
/// Read from an `application/x-www-form-urlencoded` body, or filled from a multipart body's
/// text parts.
public struct FormValues: Sendable, Equatable {
    public var pairs: [Pair]

    public struct Pair: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ pairs: [Pair] = []) {
        self.pairs = pairs
    }

    /// Parses `a=1&b=%E4%BA%BA+x`: `+` is a space, `%XX` a byte of UTF-8; a pair without `=`
    /// has an empty value; undecodable escapes are kept as written.
    public init(urlEncoded body: String) {
        pairs = body.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let piece = String(part)
            guard let eq = piece.firstIndex(of: "=") else { return Pair(Self.decode(piece), "") }
            return Pair(Self.decode(String(piece[..<eq])), Self.decode(String(piece[piece.index(after: eq)...])))
        }
    }

    static func decode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first value sent under `name`.
    public subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value sent under `name`, in order.
    public func all(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The first value under `name`, trimmed; nil when absent or blank.
    public func text(_ name: String) -> String? {
        guard let v = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    public mutating func append(_ name: String, _ value: String) {
        pairs.append(Pair(name, value))
    }
}
