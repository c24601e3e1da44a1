#ifndef DOCKET_CSPAWN_H
#define DOCKET_CSPAWN_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np, which glibc declares only under _GNU_SOURCE: the child
/// changes folder without the parent (which may run cases on several threads) doing so.
int docket_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
