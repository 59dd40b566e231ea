/* fault_shim.c - LD_PRELOAD library that makes calls fail the way a busy
 * host, an old kernel or a sandbox does, to test that the programs retry
 * or fall back instead of giving up:
 *   MTOOLS_FAULT_AFTER=n    the first n sends go through; the next
 *                           three take effect after them
 *   MTOOLS_FAULT_ENOBUFS=n  the first n sends fail with ENOBUFS
 *   MTOOLS_FAULT_EAGAIN=n   the next n fail with EAGAIN
 *   MTOOLS_FAULT_ENETUNREACH=n  the next n fail with ENETUNREACH (the
 *                           route or the source address gone)
 *   MTOOLS_FAULT_SENDMMSG=E every sendmmsg fails with errno E (ENOSYS,
 *                           EINVAL, EOPNOTSUPP, EPERM, ...), sending nothing
 *   MTOOLS_FAULT_RECVMMSG=E every recvmmsg fails with E, taking nothing
 *   MTOOLS_FAULT_UDP_SEGMENT=E  setsockopt(SOL_UDP, UDP_SEGMENT) fails with E
 *   MTOOLS_FAULT_UDP_GRO=E      setsockopt(SOL_UDP, UDP_GRO) fails with E
 *   MTOOLS_FAULT_BUFFER=E   setsockopt(SOL_SOCKET, SO_RCVBUF or SO_SNDBUF)
 *                           fails with E (a sandbox that forbids it)
 *   MTOOLS_FAULT_SEGMENT_SEND=E a sendmsg or sendmmsg whose (first) message
 *                           carries a UDP_SEGMENT control message fails
 *                           with E (EINVAL, EIO: a device that cannot cut)
 * Sends are send(), sendmsg() and sendmmsg(). It counts what it injected
 * and says so on stderr at exit. Test-only (Linux, glibc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static long after_left, enobufs_left = -1, eagain_left, unreach_left, injected;

/* The errno an MTOOLS_FAULT_* variable names, or 0 when it is not set. */
static int fault_errno(const char *variable)
{
    static const struct {
        const char *name;
        int code;
    } names[] = {
        {"ENOSYS", ENOSYS}, {"EINVAL", EINVAL}, {"EOPNOTSUPP", EOPNOTSUPP},
        {"EPERM", EPERM},   {"EIO", EIO},       {"ENOPROTOOPT", ENOPROTOOPT},
        {"EMSGSIZE", EMSGSIZE},
    };
    const char *value = getenv(variable);
    if (!value)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(value, names[i].name) == 0)
            return names[i].code;
    fprintf(stderr, "fault_shim: %s=%s: unknown errno name\n", variable, value);
    abort();
}

static int fail_with(int code)
{
    injected++;
    errno = code;
    return -1;
}

static int inject(void)
{
    if (enobufs_left < 0) {
        const char *a = getenv("MTOOLS_FAULT_ENOBUFS"), *b = getenv("MTOOLS_FAULT_EAGAIN");
        const char *c = getenv("MTOOLS_FAULT_ENETUNREACH"), *d = getenv("MTOOLS_FAULT_AFTER");
        enobufs_left = a ? atol(a) : 0;
        eagain_left = b ? atol(b) : 0;
        unreach_left = c ? atol(c) : 0;
        after_left = d ? atol(d) : 0;
    }
    if (after_left > 0) {
        after_left--;
        return 0;
    }
    if (enobufs_left > 0) {
        enobufs_left--;
        fail_with(ENOBUFS);
        return 1;
    }
    if (eagain_left > 0) {
        eagain_left--;
        fail_with(EAGAIN);
        return 1;
    }
    if (unreach_left > 0) {
        unreach_left--;
        fail_with(ENETUNREACH);
        return 1;
    }
    return 0;
}

/* Whether a message carries a UDP_SEGMENT control message. */
static int has_segment(const struct msghdr *m)
{
    if (!m->msg_control)
        return 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)m); c;
         c = CMSG_NXTHDR((struct msghdr *)m, c))
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT)
            return 1;
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

ssize_t sendmsg(int s, const struct msghdr *m, int flags)
{
    static ssize_t (*real)(int, const struct msghdr *, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sendmsg");
    int segment_fault = fault_errno("MTOOLS_FAULT_SEGMENT_SEND");
    if (segment_fault && has_segment(m))
        return fail_with(segment_fault);
    return inject() ? -1 : real(s, m, flags);
}

int sendmmsg(int s, struct mmsghdr *msgs, unsigned int n, int flags)
{
    static int (*real)(int, struct mmsghdr *, unsigned int, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sendmmsg");
    int refused = fault_errno("MTOOLS_FAULT_SENDMMSG");
    if (refused)
        return fail_with(refused);
    int segment_fault = fault_errno("MTOOLS_FAULT_SEGMENT_SEND");
    if (segment_fault && n > 0 && has_segment(&msgs[0].msg_hdr))
        return fail_with(segment_fault);
    return inject() ? -1 : real(s, msgs, n, flags);
}

int recvmmsg(int s, struct mmsghdr *msgs, unsigned int n, int flags,
             struct timespec *timeout)
{
    static int (*real)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "recvmmsg");
    int refused = fault_errno("MTOOLS_FAULT_RECVMMSG");
    if (refused)
        return fail_with(refused);
    return real(s, msgs, n, flags, timeout);
}

int setsockopt(int s, int level, int name, const void *value, socklen_t len)
{
    static int (*real)(int, int, int, const void *, socklen_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "setsockopt");
    if (level == SOL_UDP && name == UDP_SEGMENT) {
        int refused = fault_errno("MTOOLS_FAULT_UDP_SEGMENT");
        if (refused)
            return fail_with(refused);
    }
    if (level == SOL_UDP && name == UDP_GRO) {
        int refused = fault_errno("MTOOLS_FAULT_UDP_GRO");
        if (refused)
            return fail_with(refused);
    }
    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF)) {
        int refused = fault_errno("MTOOLS_FAULT_BUFFER");
        if (refused)
            return fail_with(refused);
    }
    return real(s, level, name, value, len);
}
