/* guard.h - a copy of test bytes that ends exactly where readable memory
 * ends (on Linux a PROT_NONE page follows it), so a unit test that reads
 * one byte past a datagram crashes instead of passing by luck. */
#ifndef MTOOLS_GUARD_H
#define MTOOLS_GUARD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

/* A copy of len bytes that ends exactly where readable memory ends. */
typedef struct exact {
    uint8_t *data;
    void *base;
    size_t total;
} exact;

static exact exact_copy(const void *data, size_t len)
{
    exact e;
#ifdef __linux__
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t room = (len + page - 1) / page * page;
    e.total = room + page;
    e.base = mmap(NULL, e.total, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (e.base == MAP_FAILED ||
        mprotect((char *)e.base + room, page, PROT_NONE) != 0)
        abort();
    e.data = (uint8_t *)e.base + (room - len);
#else
    e.total = len ? len : 1;
    e.base = malloc(e.total);
    if (!e.base)
        abort();
    e.data = (uint8_t *)e.base + (e.total - len);
#endif
    if (len)
        memcpy(e.data, data, len);
    return e;
}

static void exact_free(exact *e)
{
#ifdef __linux__
    munmap(e->base, e->total);
#else
    free(e->base);
#endif
}

#endif
