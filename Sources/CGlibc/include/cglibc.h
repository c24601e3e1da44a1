#ifndef DOCKET_CGLIBC_H
#define DOCKET_CGLIBC_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np, which glibc declares only under _GNU_SOURCE: the child
/// changes folder without the parent (which may run cases on several threads) doing so.
int docket_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// malloc_trim(0), from <malloc.h>, which Swift's Glibc module leaves out: hands the heap that
/// a finished phase freed back to the system, so that the next phase's threads (with malloc
/// arenas of their own) do not stack their allocations on top of it.
void docket_release_free_memory(void);

#endif
