import CGlibc
import DocketCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One run of a child process in its own process group, fed `input` on standard input, with
/// standard output and standard error captured up to limits, killed (the whole group) at its
/// deadline or when its output grows past the limit.
struct ChildProcess {
    var arguments: [String]
    var environment: [String: String]
    var workingFolder: URL
    var input: Data
    var timeout: Double
    var maxOutput: Int
    var maxLog: Int = 1 << 20

    struct Result {
        enum Ending: Equatable { case exited(Int32), signalled(Int32), timedOut, outputTooLarge }
        var ending: Ending
        var output: Data
        var log: Data
        var seconds: Double
    }

    /// Collects a pipe's bytes on a thread of its own, up to a limit.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private(set) var overflowed = false
        private let done = DispatchSemaphore(value: 0)

        func start(fd: Int32, limit: Int) {
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    lock.withLock {
                        if data.count + n > limit { overflowed = true } else { data.append(contentsOf: buffer[0..<n]) }
                    }
                }
                close(fd)
                done.signal()
            }
        }

        var isOverflowed: Bool { lock.withLock { overflowed } }

        func finish() -> Data {
            done.wait()
            return lock.withLock { data }
        }
    }

    func run() throws -> Result {
        var stdinPipe: [Int32] = [0, 0], stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw CaseError.posix("pipe")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        for fd in stdinPipe + stdoutPipe + stderrPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        docket_spawn_addchdir(&actions, workingFolder.path)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let start = Date()
        let status = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        guard status == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw CaseError.io(arguments[0], "cannot start it: \(String(cString: strerror(status)))")
        }
        let out = Collector(), err = Collector()
        out.start(fd: stdoutPipe[0], limit: maxOutput)
        err.start(fd: stderrPipe[0], limit: maxLog)
        let input = self.input
        let writerFD = stdinPipe[1]
        Thread.detachNewThread {
            input.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(writerFD, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }  // the child closed its input: it answers without reading all
                    offset += n
                }
            }
            close(writerFD)
        }

        var ending: Result.Ending?
        var waitStatus: Int32 = 0
        let deadline = start.addingTimeInterval(timeout)
        var pause: useconds_t = 200
        while ending == nil {
            let r = waitpid(pid, &waitStatus, WNOHANG)
            if r == pid {
                let signal = waitStatus & 0x7f
                ending = signal == 0 ? .exited((waitStatus >> 8) & 0xff) : .signalled(signal)
            } else if r < 0 && errno != EINTR {
                ending = .exited(-1)
            } else if out.isOverflowed {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &waitStatus, 0)
                ending = .outputTooLarge
            } else if Date() >= deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &waitStatus, 0)
                ending = .timedOut
            } else {
                usleep(pause)
                pause = min(pause * 2, 10_000)
            }
        }
        // Anything the plugin left running in its group goes too, so the pipes close.
        kill(-pid, SIGKILL)
        let output = out.finish(), log = err.finish()
        if out.isOverflowed, case .exited = ending! { ending = .outputTooLarge }
        return Result(ending: ending!, output: output, log: log, seconds: Date().timeIntervalSince(start))
    }
}
