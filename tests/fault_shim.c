/* fault_shim.c - LD_PRELOAD library that makes sends fail the way a busy
 * host does, to test that msend retries instead of giving up:
 *   MTOOLS_FAULT_ENOBUFS=n  the first n sends fail with ENOBUFS
 *   MTOOLS_FAULT_EAGAIN=n   the next n fail with EAGAIN
 * It wraps send() and sendmmsg(); it counts what it injected and says so
 * on stderr at exit. Test-only (Linux, glibc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static long enobufs_left = -1, eagain_left, injected;

static int inject(void)
{
    if (enobufs_left < 0) {
        const char *a = getenv("MTOOLS_FAULT_ENOBUFS"), *b = getenv("MTOOLS_FAULT_EAGAIN");
        enobufs_left = a ? atol(a) : 0;
        eagain_left = b ? atol(b) : 0;
    }
    if (enobufs_left > 0) {
        enobufs_left--;
        injected++;
        errno = ENOBUFS;
        return 1;
    }
    if (eagain_left > 0) {
        eagain_left--;
        injected++;
        errno = EAGAIN;
        return 1;
    }
    return 0;
}

__attribute__((destructor)) static void report(void)
{
    fprintf(stderr, "fault_shim: %ld failures injected\n", injected);
}

ssize_t send(int s, const void *buf, size_t len, int flags)
{
    static ssize_t (*real)(int, const void *, size_t, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "send"); /* POSIX's way to take a function */
    return inject() ? -1 : real(s, buf, len, flags);
}

int sendmmsg(int s, struct mmsghdr *msgs, unsigned int n, int flags)
{
    static int (*real)(int, struct mmsghdr *, unsigned int, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sendmmsg");
    return inject() ? -1 : real(s, msgs, n, flags);
}
