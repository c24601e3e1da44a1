#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cglibc.h"

int docket_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

void docket_release_free_memory(void) {
    malloc_trim(0);
}

// ---- Landlock (defined here as well: the installed header may predate the ABI we use) ----

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define DOCKET_LL_TRUNCATE (1ULL << 14)
#define DOCKET_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define DOCKET_LL_SCOPE_SIGNAL (1ULL << 1)

struct docket_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

int docket_landlock_abi(void) {
    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, (uint32_t)1 /* LANDLOCK_CREATE_RULESET_VERSION */);
    return v < 0 ? 0 : (int)v;
}

int docket_landlock_ruleset(const char *const *writable, int count) {
    int abi = docket_landlock_abi();
    if (abi < 1) { errno = EOPNOTSUPP; return -1; }
    uint64_t writes = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
        LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
        LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
        LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2) writes |= (1ULL << 13);  // REFER: no link or rename across folders
    if (abi >= 3) writes |= DOCKET_LL_TRUNCATE;
    struct docket_ll_ruleset_attr attr = { writes, 0, 0 };
    size_t size = sizeof(uint64_t);
    if (abi >= 6) {  // nor signals to, nor abstract sockets of, processes outside the sandbox
        attr.scoped = DOCKET_LL_SCOPE_SIGNAL | DOCKET_LL_SCOPE_ABSTRACT_UNIX_SOCKET;
        size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return -1;
    for (int i = 0; i < count; i++) {
        int fd = open(writable[i], O_PATH | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            int e = errno;
            if (fd >= 0) close(fd);
            close(ruleset);
            errno = e;
            return -1;
        }
        struct landlock_path_beneath_attr rule;
        memset(&rule, 0, sizeof rule);
        rule.allowed_access = S_ISDIR(st.st_mode) ? writes : (writes & (LANDLOCK_ACCESS_FS_WRITE_FILE | DOCKET_LL_TRUNCATE));
        rule.parent_fd = fd;
        long r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        int e = errno;
        close(fd);
        if (r != 0) { close(ruleset); errno = e; return -1; }
    }
    return ruleset;
}

// ---- The shepherd: async-signal-safe code only below ----

static volatile sig_atomic_t docket_stop_requested;

static void docket_on_term(int signal) {
    (void)signal;
    docket_stop_requested = 1;
}

static void docket_reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, NULL);
    }
    // glibc's sigaction refuses its own signals (32, 33), which may still be ignored: reset
    // them through the kernel (struct kernel_sigaction: handler, flags, restorer, mask).
    struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } kernel_default = { SIG_DFL, 0, NULL, 0 };
    for (int s = 32; s < SIGRTMIN; s++) syscall(SYS_rt_sigaction, s, &kernel_default, NULL, sizeof(uint64_t));
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/// The parent pid in /proc/<pid>/stat ("pid (comm) state ppid …"; comm may hold ')').
static long docket_parent_of(const char *pid) {
    char path[64] = "/proc/";
    size_t len = 6;
    while (*pid && len < 40) path[len++] = *pid++;
    memcpy(path + len, "/stat", 6);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *end = NULL;
    for (ssize_t i = n - 1; i >= 0; i--) if (buf[i] == ')') { end = buf + i; break; }
    if (!end || end + 4 >= buf + n) return -1;
    char *p = end + 4;  // past ") S "
    long ppid = 0;
    while (*p >= '0' && *p <= '9') ppid = ppid * 10 + (*p++ - '0');
    return ppid;
}

/// Sends SIGKILL to every child of this process listed in /proc; returns how many.
static int docket_kill_children(void) {
    long self = (long)getpid();
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 0;
    int found = 0;
    char buf[8192];
    for (;;) {
        long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
            if (docket_parent_of(d->d_name) == self) {
                long pid = 0;
                for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++) pid = pid * 10 + (*c - '0');
                kill((pid_t)pid, SIGKILL);
                found++;
            }
        }
    }
    close(dir);
    return found;
}

/// Kills the whole cgroup and every process that is (or, orphaned, becomes) our child, until
/// none is left.
static void docket_kill_descendants(int kill_fd) {
    for (;;) {
        if (kill_fd >= 0) { ssize_t ignored = write(kill_fd, "1", 1); (void)ignored; }
        int found = docket_kill_children();
        int status;
        pid_t r;
        while ((r = waitpid(-1, &status, WNOHANG)) > 0) {}
        if (r < 0 && errno == ECHILD) return;
        if (found == 0) {
            struct timespec pause = {0, 2 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
}

static void docket_close_all_except(const int *keep, int count) {
    // close_range over the gaps between the kept descriptors (one call each, Linux 5.9+);
    // otherwise one close per descriptor up to the limit.
    int sorted[8], n = 0;
    for (int i = 0; i < count && n < 8; i++) if (keep[i] >= 3) sorted[n++] = keep[i];
    for (int i = 1; i < n; i++) for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) { int t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t; }
    unsigned int from = 3;
    int ok = 1;
    for (int i = 0; i <= n && ok; i++) {
        unsigned int to = i < n ? (unsigned int)sorted[i] : ~0U;
        if (to > from && syscall(SYS_close_range, from, to == ~0U ? ~0U : to - 1, 0) != 0) ok = 0;
        if (i < n) from = (unsigned int)sorted[i] + 1;
    }
    if (ok) return;
    struct rlimit rl;
    long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : 65536;
    if (max > 65536) max = 65536;
    for (long fd = 3; fd < max; fd++) {
        int kept = 0;
        for (int i = 0; i < count; i++) if (keep[i] == fd) kept = 1;
        if (!kept) close((int)fd);
    }
}

/// fork(), but born in the cgroup `cgroup_dir` where clone3(CLONE_INTO_CGROUP) works (Linux
/// 5.7+): moving a process into a cgroup afterwards costs tens of milliseconds. `joined`
/// tells the child whether it is there. Called only from the single-threaded shepherd.
static pid_t docket_fork_into(int cgroup_dir, int *joined) {
    if (cgroup_dir >= 0) {
        struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup; } args;
        memset(&args, 0, sizeof args);
        args.flags = 0x200000000ULL;  // CLONE_INTO_CGROUP
        args.exit_signal = SIGCHLD;
        args.cgroup = (uint64_t)cgroup_dir;
        long pid = syscall(435 /* clone3 */, &args, sizeof args);
        if (pid >= 0) { *joined = 1; return (pid_t)pid; }
    }
    return fork();
}

/// Empties the bounding set (so no exec regains a capability, even as uid 0) and the
/// permitted, effective, inheritable and ambient sets.
static int docket_drop_capabilities(void) {
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -1;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct { uint32_t version; int pid; } header = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
    struct { uint32_t effective, permitted, inheritable; } data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

static void docket_report(int fd, int status, int exec_errno, int stopped) {
    int words[3] = { status, exec_errno, stopped };
    ssize_t ignored = write(fd, words, sizeof words);
    (void)ignored;
}

pid_t docket_spawn_shepherded(const docket_spawn_request *r) {
    pid_t parent = getpid();
    pid_t shepherd = fork();
    if (shepherd != 0) return shepherd;

    docket_reset_signals();
    struct sigaction term;
    memset(&term, 0, sizeof term);
    term.sa_handler = docket_on_term;  // no SA_RESTART: waitpid returns EINTR
    sigaction(SIGTERM, &term, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) docket_stop_requested = 1;
    int kill_fd = r->cgroup_kill_fd;  // the shepherd stays outside the cgroup it kills
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    setsid();

    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) != 0) { docket_report(r->status_fd, 0, errno, 0); _exit(0); }
    // Lift the standard streams clear of 0..2 first, so dup2 never overwrites one with another.
    int in = fcntl(r->stdin_fd, F_DUPFD_CLOEXEC, 10), out = fcntl(r->stdout_fd, F_DUPFD_CLOEXEC, 10),
        err = fcntl(r->stderr_fd, F_DUPFD_CLOEXEC, 10);
    int joined = 0;
    pid_t child = docket_stop_requested ? -1 : docket_fork_into(r->cgroup_dir_fd, &joined);
    if (child == 0) {
        docket_reset_signals();
        setsid();
        if (!joined && r->cgroup_procs_fd >= 0 && write(r->cgroup_procs_fd, "0", 1) != 1) goto failed;
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) goto failed;
        if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) {
            for (int fd = 3; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        if (chdir(r->folder) != 0) goto failed;
        if (r->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) goto failed;
        if (r->drop_capabilities && docket_drop_capabilities() != 0) goto failed;
        if (r->landlock_fd >= 0 && syscall(SYS_landlock_restrict_self, r->landlock_fd, 0) != 0) goto failed;
        execve(r->path, r->argv, r->envp);
    failed:;
        int e = errno;
        ssize_t ignored = write(exec_pipe[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    int keep[3] = { r->status_fd, kill_fd, exec_pipe[0] };
    docket_close_all_except(keep, 3);
    if (child < 0) {
        docket_report(r->status_fd, 0, docket_stop_requested ? 0 : errno, docket_stop_requested);
        _exit(0);
    }
    int exec_errno = 0;
    while (read(exec_pipe[0], &exec_errno, sizeof exec_errno) < 0 && errno == EINTR && !docket_stop_requested) {}
    close(exec_pipe[0]);

    int status = 0, stopped = 0;
    for (;;) {
        if (docket_stop_requested) { stopped = 1; kill(child, SIGKILL); }
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == child) { status = st; break; }
        if (w < 0 && errno != EINTR) break;
    }
    docket_kill_descendants(kill_fd);
    docket_report(r->status_fd, status, exec_errno, stopped);
    _exit(0);
}

int docket_pidfd_open(pid_t pid) {
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int docket_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
