#ifndef DOCKET_CGLIBC_H
#define DOCKET_CGLIBC_H
#include <spawn.h>
#include <stdint.h>
#include <sys/types.h>

/// posix_spawn_file_actions_addchdir_np, which glibc declares only under _GNU_SOURCE: the child
/// changes folder without the parent (which may run cases on several threads) doing so.
int docket_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// malloc_trim(0), from <malloc.h>, which Swift's Glibc module leaves out: hands the heap that
/// a finished phase freed back to the system, so that the next phase's threads (with malloc
/// arenas of their own) do not stack their allocations on top of it.
void docket_release_free_memory(void);

/// What `docket_spawn_shepherded` starts. Every descriptor is the caller's; -1 means "none".
typedef struct {
    const char *path;          ///< absolute path of the program (looked up by the caller)
    char *const *argv;
    char *const *envp;
    const char *folder;        ///< working folder of the program
    int stdin_fd, stdout_fd, stderr_fd;
    int status_fd;             ///< the shepherd writes 8 bytes here: the program's wait status, exec errno
    int cgroup_dir_fd;         ///< the step's own cgroup v2 folder: the program is started in it (clone3)
    int cgroup_procs_fd;       ///< its cgroup.procs, opened for writing: the program joins it where clone3 cannot
    int cgroup_kill_fd;        ///< cgroup.kill of that cgroup, opened for writing
    int landlock_fd;           ///< a Landlock ruleset to confine the program with
    int no_new_privs;          ///< nonzero: PR_SET_NO_NEW_PRIVS (bwrap sets it itself, and a setuid bwrap needs it unset)
    int drop_capabilities;     ///< nonzero: empty the bounding set and every capability (root in process mode)
} docket_spawn_request;

/// Starts a shepherd process for one plugin run and returns its pid (or -1 with errno).
///
/// The shepherd becomes a child subreaper, resets signal dispositions and mask, and starts the
/// program in the step's cgroup (if given), in a new session (with no new privileges,
/// no capabilities and the Landlock ruleset, as asked). Every process the program starts, however it
/// detached, stays below the shepherd. When the program exits, or the shepherd gets SIGTERM
/// (the caller's timeout) or its parent dies, it kills all of them (cgroup.kill, then each
/// child it finds in /proc, until it has none), reports the status and exits.
/// Between fork and exec only async-signal-safe calls are made: the caller is multithreaded.
pid_t docket_spawn_shepherded(const docket_spawn_request *request);

/// The Landlock ABI version this kernel offers, 0 if none.
int docket_landlock_abi(void);

/// A Landlock ruleset that forbids every kind of file-system write except beneath the
/// folders (or files) in `writable`; reading and running stay allowed. -1 with errno if
/// Landlock is unavailable or a path cannot be opened.
int docket_landlock_ruleset(const char *const *writable, int count);

/// pipe2(fds, O_CLOEXEC), which glibc declares only under _GNU_SOURCE: no other child started
/// meanwhile (on another thread) inherits the pipe.
int docket_pipe_cloexec(int fds[2]);

/// A descriptor that polls readable when process `pid` exits (pidfd_open), -1 if unsupported.
int docket_pidfd_open(pid_t pid);

#endif
