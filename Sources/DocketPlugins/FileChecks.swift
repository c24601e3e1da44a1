import DocketCore
import DocketYAML
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The case's documents a plugin is given, checked before it runs and after, without following
/// links or blocking: a document replaced by a FIFO, a device or a link fails the step at once.
enum InputDocuments {
    /// The first document that is not what the journal recorded, in words; nil if all are.
    /// `changedBy`: after the run, the plugin that was given them (the words then blame it).
    static func check(_ context: StepContext, changedBy plugin: String? = nil) -> String? {
        for doc in context.documents {
            let path = context.documentsFolder.appendingPathComponent(doc.path).path
            guard let what = problem(path: path, size: doc.size, sha256: doc.sha256) else { continue }
            if let plugin {
                return "\(plugin) changed the input document \(doc.path) (\(what)); plugins may only write into their output folder"
            }
            return "the case's document \(doc.path) is not the one its journal records (\(what)); restore the original file "
                + "(SHA-256 \(doc.sha256)) from a backup or the case's archive, then run the case again"
        }
        return nil
    }

    /// What is wrong with the file at `path`, which should be a regular file of `size` bytes
    /// with digest `sha256`. Opened with O_NOFOLLOW | O_NONBLOCK; its size is checked before it
    /// is read, and it is read through the descriptor that was checked.
    static func problem(path: String, size: Int64, sha256: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return "it is missing"
            case ELOOP: return "it was replaced by a link"
            default: return "it cannot be opened: \(String(cString: strerror(errno)))"
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return "it cannot be read: \(String(cString: strerror(errno)))" }
        guard st.st_mode & S_IFMT == S_IFREG else { return "it was replaced by a special file or a folder" }
        guard Int64(st.st_size) == size else { return "its size is \(st.st_size) bytes, not \(size)" }
        // /proc/self/fd/N opens the very file checked above, not whatever the path names now.
        guard let digest = try? FileIO.digest(of: "/proc/self/fd/\(fd)") else { return "it cannot be read" }
        return digest.sha256 == sha256 ? nil : "its SHA-256 no longer matches the journal"
    }
}

/// What a plugin left in its output folder, checked with lstat before anything is read:
/// only folders and regular files with one link each, within the plugin's limits, and within
/// the step's deadline.
enum OutputCheck {
    static func problem(in folder: URL, limits: OutputLimits, deadline: Date) -> String? {
        var entries: Int64 = 0, bytes: Int64 = 0
        var pending = [(folder.path, "")]
        while let (path, shown) = pending.popLast() {
            guard let names = try? FileIO.names(in: URL(fileURLWithPath: path)) else { return "left '\(shown)' unreadable" }
            for name in names {
                if Date() >= deadline { return "ran past its timeout while Docket was checking its output folder (\(entries) entries so far)" }
                let child = "\(path)/\(name)", relative = TerminalText.escaped(shown.isEmpty ? name : "\(shown)/\(name)")
                entries += 1
                if entries > limits.files {
                    return "left more than \(limits.files) files and folders in its output folder (the limit; plugin.yaml 'max-files' raises it up to \(OutputLimits.ceiling.files))"
                }
                var st = stat()
                guard lstat(child, &st) == 0 else { return "left '\(relative)', which cannot be examined" }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    pending.append((child, shown.isEmpty ? name : "\(shown)/\(name)"))
                case S_IFREG:
                    if st.st_nlink > 1 {
                        return "wrote '\(relative)' as a hard link to another file (\(st.st_nlink) links); documents must be files of their own"
                    }
                    if Int64(st.st_size) > limits.fileSize {
                        return "wrote '\(relative)' of \(st.st_size) bytes, over the limit of \(limits.fileSize) per file (plugin.yaml 'max-file-size' raises it up to \(OutputLimits.ceiling.fileSize))"
                    }
                    bytes += Int64(st.st_size)
                    if bytes > limits.bytes {
                        return "wrote more than \(limits.bytes) bytes of documents (the limit; plugin.yaml 'max-bytes' raises it up to \(OutputLimits.ceiling.bytes))"
                    }
                case S_IFLNK:
                    return "wrote '\(relative)' as a link; documents must be real files in the output folder"
                default:
                    return "left '\(relative)', a special file (FIFO, socket or device); documents must be regular files"
                }
            }
        }
        return nil
    }
}
