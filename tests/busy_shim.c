/* busy_shim.c - LD_PRELOAD library that keeps a receiver busy: for a
 * while its socket is never found empty, as at full load, without the
 * timing of a real flood.
 *   MTOOLS_BUSY_MS=n  for n ms from the first datagram that a recvmmsg
 *                     finds waiting, each such call leaves that datagram
 *                     where it is (MSG_PEEK, so that the socket stays
 *                     readable) and fills every message it was given with
 *                     a datagram "Message <k>" NUL from the same sender,
 *                     k counting up in hex from 0: the caller always gets
 *                     all it asked for. No control messages come with them
 *                     (no arrival stamp: the caller's clock stands in).
 *                     After the n ms, and without the variable, calls go
 *                     through unchanged.
 * It says on stderr at exit how many datagrams it made up. Test-only
 * (Linux, glibc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static long long busy_ms = -1; /* -1: not read yet */
static long long started_ms = -1; /* the first datagram found; -1: none yet */
static unsigned long long made;

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

__attribute__((destructor)) static void report(void)
{
    if (busy_ms > 0)
        fprintf(stderr, "busy_shim: %llu datagrams made up\n", made);
}

/* Message m made a datagram "Message <k>" NUL from the sender of first. */
static void make_up(struct msghdr *m, const struct msghdr *first, unsigned *len)
{
    if (m->msg_name && first->msg_name && m != first) {
        socklen_t n = first->msg_namelen < m->msg_namelen ? first->msg_namelen : m->msg_namelen;
        memcpy(m->msg_name, first->msg_name, n);
        m->msg_namelen = n;
    }
    m->msg_controllen = 0;
    m->msg_flags = 0;
    int n = snprintf(m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, "Message %llx", made++);
    *len = (unsigned)n + 1; /* and its NUL */
}

int recvmmsg(int s, struct mmsghdr *msgs, unsigned int n, int flags, struct timespec *timeout)
{
    static int (*real)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "recvmmsg"); /* POSIX's way to take a function */
    if (busy_ms < 0) {
        const char *v = getenv("MTOOLS_BUSY_MS");
        busy_ms = v ? atoll(v) : 0;
    }
    if (busy_ms == 0 || n == 0 || (started_ms >= 0 && mono_ms() - started_ms >= busy_ms))
        return real(s, msgs, n, flags, timeout);
    /* Only the first message is read into, and the datagram stays
     * waiting: every call finds the socket readable. */
    int got = real(s, msgs, 1, (flags & ~MSG_WAITFORONE) | MSG_PEEK, timeout);
    if (got <= 0)
        return got;
    if (started_ms < 0)
        started_ms = mono_ms();
    for (unsigned k = 0; k < n; k++)
        make_up(&msgs[k].msg_hdr, &msgs[0].msg_hdr, &msgs[k].msg_len);
    return (int)n;
}
