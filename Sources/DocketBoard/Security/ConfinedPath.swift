import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Resolves a path a request names inside one folder, and refuses anything that would leave
/// it: empty, `.` or `..` segments, a segment that decodes to a slash, backslash or NUL
/// (`%2e%2e`, `%2f` are decoded first, then checked), an absolute path, and a symbolic link
/// anywhere on the way that points outside (the real path of the result must lie under the
/// real path of the folder). Used for documents, downloads and uploads alike.
public enum ConfinedPath {
    public enum Refusal: Error, Equatable {
        /// The path is malformed or tries to leave the folder.
        case outside
        /// No such file (inside the folder).
        case missing
    }

    /// `raw` segments (as in the URL, percent-encoded) → the decoded relative path.
    public static func relative(_ raw: [Substring]) throws -> String {
        var parts: [String] = []
        for segment in raw {
            guard let decoded = String(segment).removingPercentEncoding else { throw Refusal.outside }
            guard !decoded.isEmpty, decoded != ".", decoded != "..",
                  !decoded.contains("/"), !decoded.contains("\\"), !decoded.contains("\0") else { throw Refusal.outside }
            parts.append(decoded)
        }
        guard !parts.isEmpty else { throw Refusal.outside }
        return parts.joined(separator: "/")
    }

    /// The real location of regular file `relative` inside `folder`.
    public static func file(_ relative: String, in folder: URL) throws -> URL {
        guard !relative.hasPrefix("/"), !relative.split(separator: "/", omittingEmptySubsequences: false)
            .contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { throw Refusal.outside }
        guard let base = realPath(folder.path) else { throw Refusal.missing }
        guard let real = realPath(folder.appendingPathComponent(relative).path) else { throw Refusal.missing }
        guard real.hasPrefix(base + "/") else { throw Refusal.outside }
        var st = stat()
        guard stat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw Refusal.missing }
        return URL(fileURLWithPath: real)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
