import CGlibc
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One run of a plugin process, fed `input` on standard input, with standard output and
/// standard error captured up to limits.
///
/// The process is started below a shepherd (`docket_spawn_shepherded`): in a cgroup v2 of its
/// own where the machine lets Docket make one, always under a child subreaper, in a new
/// session, with default signal handling and no new privileges. At its deadline, when its
/// output grows past the limit, and when it exits, every process it started is killed, however
/// it detached. Pipes are read for at most `drainSeconds` after that, so a process that got a
/// copy of them elsewhere cannot hang Docket.
struct ChildProcess {
    var arguments: [String]
    var environment: [String: String]
    var workingFolder: URL
    var input: Data
    var timeout: Double
    var maxOutput: Int
    var maxLog: Int = 1 << 20
    /// Folders (or files) the process may write; everything else is read-only to it, where the
    /// kernel offers Landlock. `nil`: no Landlock (bubblewrap confines instead).
    var writable: [String]? = nil
    /// Whether to put the process in a cgroup of its own where possible (tests turn it off to
    /// check the subreaper alone).
    var cgroup = true
    /// Whether to take every capability from the process (when Docket runs as root without
    /// bubblewrap, which drops them itself and needs them to build its sandbox).
    var dropCapabilities = false
    /// Whether the process may never gain privileges through exec (setuid files).
    var noNewPrivileges = true
    var drainSeconds = 1.0

    struct Result {
        enum Ending: Equatable { case exited(Int32), signalled(Int32), timedOut, outputTooLarge }
        var ending: Ending
        var output: Data
        var log: Data
        /// Bytes of standard error beyond `maxLog`, dropped.
        var logDropped: Int
        /// Bytes of the request the process never read (it closed its input or exited first).
        var inputUnread: Int
        var seconds: Double
        /// Whether the process ran in a cgroup of its own.
        var inCgroup: Bool
    }

    enum Failure: Error, CustomStringConvertible {
        case notFound(String, path: String)
        case cannotStart(String, String)
        var description: String {
            switch self {
            case .notFound(let name, let path): return "'\(name)' is not found on the plugin PATH (\(path))"
            case .cannotStart(let name, let why): return "cannot start \(name): \(why)"
            }
        }
    }

    /// `name` as run: itself if it holds a '/', else the first executable file of that name
    /// in the folders of `path` (the PATH the plugin itself gets, so lookup and run agree).
    static func lookUp(_ name: String, path: String) -> String? {
        if name.contains("/") { return name }
        for folder in path.split(separator: ":") where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(name)"
            var st = stat()
            if stat(candidate, &st) == 0, st.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    func run() throws -> Result {
        // A plugin that exits without reading its request must not kill Docket with SIGPIPE:
        // the write fails with EPIPE instead and the step fails with a message.
        signal(SIGPIPE, SIG_IGN)
        let searchPath = environment["PATH"] ?? ""
        guard let program = Self.lookUp(arguments[0], path: searchPath) else { throw Failure.notFound(arguments[0], path: searchPath) }

        var toChild: [Int32] = [-1, -1], fromOut: [Int32] = [-1, -1], fromErr: [Int32] = [-1, -1], status: [Int32] = [-1, -1]
        guard docket_pipe_cloexec(&toChild) == 0, docket_pipe_cloexec(&fromOut) == 0, docket_pipe_cloexec(&fromErr) == 0,
              docket_pipe_cloexec(&status) == 0 else {
            for fd in toChild + fromOut + fromErr + status where fd >= 0 { close(fd) }
            throw CaseError.posix("pipe")
        }
        let group = cgroup ? StepCgroup.make() : nil
        var landlock: Int32 = -1
        if let writable, Isolation.landlockABI > 0 {
            landlock = Self.withCStrings(writable) { docket_landlock_ruleset($0, Int32(writable.count)) }
            // Offered by the kernel but not made: never run the plugin with less than promised.
            if landlock < 0 {
                let why = String(cString: strerror(errno))
                for fd in toChild + fromOut + fromErr + status { close(fd) }
                group?.remove()
                throw Failure.cannotStart(arguments[0], "the Landlock rules that keep it to its output folder cannot be made (\(why))")
            }
        }
        defer {
            if landlock >= 0 { close(landlock) }
            group?.remove()
        }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        let start = Date()
        let shepherd: pid_t = program.withCString { path in
            workingFolder.path.withCString { folder in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        var request = docket_spawn_request(
                            path: path, argv: a.baseAddress, envp: e.baseAddress, folder: folder,
                            stdin_fd: toChild[0], stdout_fd: fromOut[1], stderr_fd: fromErr[1], status_fd: status[1],
                            cgroup_dir_fd: group?.folderFD ?? -1, cgroup_procs_fd: group?.procsFD ?? -1, cgroup_kill_fd: group?.killFD ?? -1, landlock_fd: landlock,
                            no_new_privs: noNewPrivileges ? 1 : 0, drop_capabilities: dropCapabilities ? 1 : 0)
                        return docket_spawn_shepherded(&request)
                    }
                }
            }
        }
        let spawnErrno = errno
        for fd in [toChild[0], fromOut[1], fromErr[1], status[1]] { close(fd) }
        guard shepherd > 0 else {
            for fd in [toChild[1], fromOut[0], fromErr[0], status[0]] { close(fd) }
            throw Failure.cannotStart(arguments[0], String(cString: strerror(spawnErrno)))
        }
        for fd in [toChild[1], fromOut[0], fromErr[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        var streams = Streams(input: input, inputFD: toChild[1], outFD: fromOut[0], errFD: fromErr[0], maxOutput: maxOutput, maxLog: maxLog)
        let exitFD = docket_pidfd_open(shepherd)
        defer { if exitFD >= 0 { close(exitFD) } }
        let deadline = start.addingTimeInterval(timeout)
        var stopReason: Result.Ending?
        var stoppingSince: Date?
        var drainUntil: Date?
        while true {
            var raw: Int32 = 0
            if drainUntil == nil, waitpid(shepherd, &raw, WNOHANG) == shepherd {
                drainUntil = Date().addingTimeInterval(drainSeconds)
            }
            let now = Date()
            if let drainUntil, streams.outputsClosed || now >= drainUntil { break }
            if drainUntil == nil {
                if stopReason == nil, now >= deadline { stopReason = .timedOut }
                if stopReason == nil, streams.overflowed { stopReason = .outputTooLarge }
                if stopReason != nil {
                    // The shepherd kills the whole tree on SIGTERM; repeated in case it was
                    // between two waits, and SIGKILL if it does not finish.
                    let since = stoppingSince ?? now
                    stoppingSince = since
                    group?.killAll()
                    kill(shepherd, now.timeIntervalSince(since) > 5 ? SIGKILL : SIGTERM)
                }
            }
            var wait = 0.01
            if drainUntil == nil, stopReason == nil, exitFD >= 0 { wait = max(0.001, deadline.timeIntervalSince(now)) }
            if let drainUntil { wait = max(0.001, drainUntil.timeIntervalSince(now)) }
            streams.pump(waitingAtMost: min(wait, 1), alsoWatching: drainUntil == nil ? exitFD : -1)
        }
        streams.closeAll()
        var words: [Int32] = [0, 0, 0]
        let got = words.withUnsafeMutableBytes { read(status[0], $0.baseAddress, $0.count) }
        close(status[0])
        if got == 12, words[1] != 0, stopReason == nil {
            throw Failure.cannotStart(arguments[0], String(cString: strerror(words[1])))
        }
        var ending: Result.Ending
        if let stopReason {
            ending = stopReason
        } else if got != 12 {
            ending = .signalled(SIGKILL)
        } else if words[0] & 0x7f == 0 {
            ending = .exited((words[0] >> 8) & 0xff)
        } else {
            ending = .signalled(words[0] & 0x7f)
        }
        if streams.overflowed, case .exited = ending { ending = .outputTooLarge }
        return Result(ending: ending, output: streams.output, log: streams.log, logDropped: streams.logDropped,
                      inputUnread: input.count - streams.written, seconds: Date().timeIntervalSince(start), inCgroup: group != nil)
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { UnsafePointer(strdup($0)) }
        defer { for p in copies { free(UnsafeMutablePointer(mutating: p)) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// The three pipes, pumped on the calling thread with poll(2).
    struct Streams {
        let input: Data
        var inputFD: Int32
        var outFD: Int32
        var errFD: Int32
        let maxOutput: Int
        let maxLog: Int
        var written = 0
        var output = Data()
        var log = Data()
        var logDropped = 0
        var overflowed = false

        init(input: Data, inputFD: Int32, outFD: Int32, errFD: Int32, maxOutput: Int, maxLog: Int) {
            self.input = input
            self.inputFD = inputFD
            self.outFD = outFD
            self.errFD = errFD
            self.maxOutput = maxOutput
            self.maxLog = maxLog
            if input.isEmpty { close(inputFD); self.inputFD = -1 }
        }

        var outputsClosed: Bool { outFD < 0 && errFD < 0 }

        mutating func closeAll() {
            for fd in [inputFD, outFD, errFD] where fd >= 0 { close(fd) }
            inputFD = -1; outFD = -1; errFD = -1
        }

        mutating func pump(waitingAtMost seconds: Double, alsoWatching extra: Int32) {
            var fds = [pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0), pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errFD, events: Int16(POLLIN), revents: 0), pollfd(fd: extra, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, nfds_t(fds.count), Int32(seconds * 1000))
            guard n > 0 else { return }
            if fds[0].revents != 0 { writeInput() }
            if fds[1].revents != 0 { readOutput() }
            if fds[2].revents != 0 { readLog() }
        }

        private mutating func writeInput() {
            let n = input.withUnsafeBytes { raw in Glibc.write(inputFD, raw.baseAddress! + written, raw.count - written) }
            if n > 0 { written += n }
            if (n < 0 && errno != EAGAIN && errno != EINTR) || written == input.count {
                close(inputFD)  // done, or EPIPE: the plugin closed its input (inputUnread tells)
                inputFD = -1
            }
        }

        /// Reads what is there into `body`; false at end of file (or on an error), true if the pipe stays open.
        private static func drain(_ fd: Int32, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 65536)
            // At most 1 MiB per call, so a flooding plugin cannot keep the deadline from being checked.
            for _ in 0..<16 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 { buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }; continue }
                if n < 0 && errno == EINTR { continue }
                return n < 0 && errno == EAGAIN
            }
            return true
        }

        private mutating func readOutput() {
            var chunk = Data()
            let open = Self.drain(outFD) { chunk.append(contentsOf: $0) }
            if output.count + chunk.count > maxOutput { overflowed = true; output.append(chunk.prefix(max(0, maxOutput - output.count))) }
            else { output.append(chunk) }
            if !open { close(outFD); outFD = -1 }
        }

        private mutating func readLog() {
            var chunk = Data()
            let open = Self.drain(errFD) { chunk.append(contentsOf: $0) }
            let room = max(0, maxLog - log.count)
            log.append(chunk.prefix(room))
            logDropped += max(0, chunk.count - room)
            if !open { close(errFD); errFD = -1 }
        }
    }
}

/// A cgroup v2 of one plugin run, below Docket's own, where the machine lets Docket make one
/// (root, or a delegated subtree); killing it kills every process in it at once.
final class StepCgroup: @unchecked Sendable {
    let folder: String
    let folderFD: Int32
    let procsFD: Int32
    let killFD: Int32

    private init(folder: String, folderFD: Int32, procsFD: Int32, killFD: Int32) {
        self.folder = folder
        self.folderFD = folderFD
        self.procsFD = procsFD
        self.killFD = killFD
    }

    /// The folder of Docket's own cgroup v2, from /proc/self/mountinfo and /proc/self/cgroup.
    static func ownFolder() -> String? {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8),
              let groups = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let own = groups.split(separator: "\n").first(where: { $0.hasPrefix("0::") })?.dropFirst(3) else { return nil }
        for line in mounts.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count >= 5 else { continue }
            let root = String(fields[3]), mountPoint = String(fields[4])
            guard own.hasPrefix(root) else { continue }
            let inner = own.dropFirst(root == "/" ? 0 : root.count)
            return mountPoint + (inner == "/" ? "" : String(inner))
        }
        return nil
    }

    static func make() -> StepCgroup? {
        guard let parent = ownFolder() else { return nil }
        removeLeftovers(in: parent)
        let folder = "\(parent)/docket-step-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(folder, 0o755) == 0 else { return nil }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let procs = open("\(folder)/cgroup.procs", O_WRONLY | O_CLOEXEC)
        let killer = open("\(folder)/cgroup.kill", O_WRONLY | O_CLOEXEC)
        guard procs >= 0, directory >= 0 else {
            for fd in [directory, procs, killer] where fd >= 0 { close(fd) }
            rmdir(folder)
            return nil
        }
        return StepCgroup(folder: folder, folderFD: directory, procsFD: procs, killFD: killer)
    }

    /// Removes the (empty) cgroups of Docket processes that died before removing them.
    static func removeLeftovers(in parent: String) {
        for name in (try? FileIO.names(in: URL(fileURLWithPath: parent))) ?? [] where name.hasPrefix("docket-step-") {
            guard let pid = Int32(name.dropFirst("docket-step-".count).prefix { $0 != "-" }), kill(pid, 0) != 0, errno == ESRCH else { continue }
            rmdir("\(parent)/\(name)")
        }
    }

    func killAll() {
        if killFD >= 0 { _ = pwrite(killFD, "1", 1, 0) }
    }

    /// Kills what is left and removes the cgroup (it can be removed once empty).
    func remove() {
        for _ in 0..<500 {
            killAll()
            if rmdir(folder) == 0 || errno == ENOENT { break }
            usleep(2000)
        }
        close(folderFD)
        close(procsFD)
        if killFD >= 0 { close(killFD) }
    }
}
