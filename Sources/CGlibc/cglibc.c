#define _GNU_SOURCE
#include <malloc.h>
#include <spawn.h>
#include "cglibc.h"

int docket_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

void docket_release_free_memory(void) {
    malloc_trim(0);
}
