/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput on saved inputs,
 * without libFuzzer, so any compiler builds it and the test suite replays
 * the seed corpus and the regression inputs on every run.
 *
 *   fuzz_x_replay PATH...
 *
 * A PATH that is a file is one input; a directory gives every file in it
 * (not recursively; names starting with '.' skipped), in name order. A
 * path that does not exist, a file that cannot be read and a directory
 * with no input in it are errors (exit 1), so a renamed or missing corpus
 * fails the test instead of passing with nothing replayed. Each input is
 * named before it runs; one that breaks an invariant aborts (the target's
 * own check) or crashes, and the last name printed is the culprit. */
#ifdef __linux__
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <dirent.h>
#endif

#include "fuzz.h"

#ifndef S_ISDIR
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#endif

typedef struct names {
    char **items;
    size_t count, cap;
} names;

static void out_of_memory(void)
{
    fprintf(stderr, "replay: out of memory\n");
    exit(1);
}

static void names_add(names *n, const char *path)
{
    if (n->count == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 64;
        n->items = realloc(n->items, n->cap * sizeof *n->items);
        if (!n->items)
            out_of_memory();
    }
    char *copy = malloc(strlen(path) + 1);
    if (!copy)
        out_of_memory();
    strcpy(copy, path);
    n->items[n->count++] = copy;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* dir/name, unless it is a directory. */
static void names_add_entry(names *n, const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    if (!path)
        out_of_memory();
    snprintf(path, len, "%s/%s", dir, name);
    if (!is_dir(path))
        names_add(n, path);
    free(path);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir; -1 when it cannot be listed. */
static int list_dir(const char *dir, names *n)
{
#ifdef _WIN32
    size_t len = strlen(dir) + 3;
    char *pattern = malloc(len);
    if (!pattern)
        return -1;
    snprintf(pattern, len, "%s\\*", dir);
    WIN32_FIND_DATAA found;
    HANDLE h = FindFirstFileA(pattern, &found);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    do {
        if (found.cFileName[0] != '.' &&
            !(found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
            names_add_entry(n, dir, found.cFileName);
    } while (FindNextFileA(h, &found));
    FindClose(h);
#else
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names_add_entry(n, dir, e->d_name);
    }
    closedir(d);
#endif
    return 0;
}

/* Reads the whole file into an exactly-sized buffer and runs the target. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            cap *= 2;
            uint8_t *bigger = realloc(buf, cap);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    bool failed = !buf || ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return -1;
    }
    /* The input in a buffer of exactly its size, as libFuzzer gives it. */
    uint8_t *input = malloc(len > 0 ? len : 1);
    if (!input) {
        free(buf);
        return -1;
    }
    memcpy(input, buf, len);
    free(buf);
    /* Named first, so an input that aborts is known (as libFuzzer does). */
    printf("Running: %s\n", path);
    fflush(stdout);
    LLVMFuzzerTestOneInput(input, len);
    free(input);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 1;
    }
    size_t total = 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        struct stat st;
        if (stat(path, &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
            status = 1;
            continue;
        }
        names n = {NULL, 0, 0};
        if (S_ISDIR(st.st_mode)) {
            if (list_dir(path, &n) != 0) {
                fprintf(stderr, "replay: %s: cannot list the directory\n", path);
                status = 1;
                continue;
            }
            if (n.count == 0) {
                fprintf(stderr, "replay: %s: no input in the directory\n", path);
                status = 1;
            }
            qsort(n.items, n.count, sizeof *n.items, compare_names);
        } else {
            names_add(&n, path);
        }
        size_t replayed = 0;
        for (size_t k = 0; k < n.count; k++) {
            if (replay_file(n.items[k]) == 0)
                replayed++;
            else
                status = 1;
            free(n.items[k]);
        }
        free(n.items);
        printf("replayed %zu input%s from %s\n", replayed,
               replayed == 1 ? "" : "s", path);
        total += replayed;
    }
    printf("replayed %zu input%s in all\n", total, total == 1 ? "" : "s");
    return status;
}
