/* signal_shim.c - LD_PRELOAD library that sends the program a signal of
 * its own at the worst moment: just before a call that is about to block,
 * after the program looked at its "interrupted" flag and before the call
 * began. A program that only looks at the flag sleeps through it; one
 * whose waits also end on a signal that came before them returns at once.
 *   MTOOLS_SIGNAL=INT|TERM|HUP the signal; without it the shim does nothing
 *   MTOOLS_SIGNAL_AFTER_SENDS=n  only once n send calls (send, sendto,
 *                              sendmsg, sendmmsg) have returned (default 0)
 *   MTOOLS_SIGNAL_AFTER_RECEIVES=n  and n receive calls (recv, recvfrom,
 *                              recvmsg, recvmmsg) have returned data
 *                              (default 0)
 *   MTOOLS_SIGNAL_SKIP=n       then the first n calls about to block go by
 *                              untouched (default 0: the first one)
 *   MTOOLS_SIGNAL_ON=room      only a call that waits for room to send: a
 *                              send, or a poll for POLLOUT (default: any)
 *   MTOOLS_SIGNAL_REPORT=FILE  lines appended to FILE: the call and its
 *                              time limit as the signal goes, then what
 *                              became of the call once it returned (no
 *                              second line: it never did), e.g.
 *       "SIGINT before ppoll (timeout 30000 ms)", "it ended before its time [0 ms]"
 *       "SIGINT before nanosleep (99 ms)", "it ran its whole time [100 ms]"
 *       "SIGINT before recvmmsg (no time limit)", "it returned [0 ms]"
 * A call about to block: poll, ppoll with a timeout other than zero and
 * none of their descriptors ready now; nanosleep, clock_nanosleep of some
 * time; recv, recvfrom, recvmsg, recvmmsg without MSG_DONTWAIT on a
 * blocking socket with nothing to read; send, sendto, sendmsg, sendmmsg
 * without MSG_DONTWAIT on a blocking socket without room (a stream socket:
 * for all its bytes, SO_SNDBUF less what SIOCOUTQ says is queued; a
 * datagram socket: not writable); accept, accept4
 * on a blocking socket with no connection waiting; connect on a blocking
 * stream socket. The signal goes with raise(): its handler runs before
 * raise returns (unless the program blocks it), then the call is made.
 * Test-only (Linux, glibc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h> /* SIOCOUTQ */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int signal_number = -1; /* -1: not read yet; 0: none asked */
static bool fired, room_only;
static long sends_left, receives_left, skip_left;
static struct timespec raised_at;
static const char *report_path;

/* The next definition of name after this library's (the C library's). */
static void *next(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "signal_shim: no %s to wrap\n", name);
        abort();
    }
    return f;
}

static int real_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    static int (*f)(struct pollfd *, nfds_t, int);
    if (!f)
        *(void **)&f = next("poll"); /* POSIX's way to take a function */
    return f(fds, n, timeout_ms);
}

static void read_settings(void)
{
    const char *name = getenv("MTOOLS_SIGNAL"), *skip = getenv("MTOOLS_SIGNAL_SKIP");
    const char *sends = getenv("MTOOLS_SIGNAL_AFTER_SENDS");
    const char *receives = getenv("MTOOLS_SIGNAL_AFTER_RECEIVES");
    const char *on = getenv("MTOOLS_SIGNAL_ON");
    signal_number = 0;
    if (!name)
        return;
    if (strcmp(name, "INT") == 0) {
        signal_number = SIGINT;
    } else if (strcmp(name, "TERM") == 0) {
        signal_number = SIGTERM;
    } else if (strcmp(name, "HUP") == 0) {
        signal_number = SIGHUP;
    } else {
        fprintf(stderr, "signal_shim: MTOOLS_SIGNAL=%s: INT, TERM or HUP\n", name);
        abort();
    }
    skip_left = skip ? strtol(skip, NULL, 10) : 0;
    sends_left = sends ? strtol(sends, NULL, 10) : 0;
    receives_left = receives ? strtol(receives, NULL, 10) : 0;
    room_only = on && strcmp(on, "room") == 0;
    report_path = getenv("MTOOLS_SIGNAL_REPORT");
}

/* A call is about to block (room: waiting for room to send): whether
 * this is the one to raise the signal before (once). */
static bool chosen(bool room)
{
    if (signal_number < 0)
        read_settings();
    if (signal_number == 0 || fired || sends_left > 0 || receives_left > 0 ||
        (room_only && !room))
        return false;
    if (skip_left-- > 0)
        return false;
    fired = true;
    return true;
}

/* fd is a blocking descriptor that is not ready for events now. */
static bool would_block(int fd, short events)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK))
        return false;
    struct pollfd p = {.fd = fd, .events = events};
    return real_poll(&p, 1, 0) == 0;
}

/* A send of len bytes on fd would block: a stream socket's is blocked
 * as soon as not all of them fit (it waits for room for the rest), which
 * POLLOUT does not tell (it is clear from two thirds full on). */
static bool send_would_block(int fd, size_t len)
{
    int type = 0, sndbuf = 0, queued = 0;
    socklen_t type_len = sizeof type, sndbuf_len = sizeof sndbuf;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM)
        return would_block(fd, POLLOUT);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK) ||
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sndbuf_len) != 0 ||
        ioctl(fd, SIOCOUTQ, &queued) != 0)
        return false;
    return (long long)len > (long long)sndbuf - queued;
}

/* The bytes of a message. */
static size_t msg_bytes(const struct msghdr *m)
{
    size_t n = 0;
    for (size_t i = 0; i < (size_t)m->msg_iovlen; i++)
        n += m->msg_iov[i].iov_len;
    return n;
}

/* Some of p[0..n-1] waits for room to send. */
static bool polls_for_room(const struct pollfd *p, nfds_t n)
{
    for (nfds_t i = 0; i < n; i++)
        if (p[i].events & POLLOUT)
            return true;
    return false;
}

/* A line of the report (the call's errno kept). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    int saved = errno;
    FILE *f = report_path ? fopen(report_path, "a") : NULL;
    if (f) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fclose(f);
    }
    errno = saved;
}

/* The signal, said first: a call that never returns leaves that line. */
static void raise_now(const char *call, const char *limit)
{
    say("SIG%s before %s (%s)\n",
        signal_number == SIGTERM ? "TERM" : signal_number == SIGHUP ? "HUP" : "INT", call, limit);
    clock_gettime(CLOCK_MONOTONIC, &raised_at);
    raise(signal_number);
}

/* What became of the call the signal came before: timed tells whether it
 * has a time limit and ran_out whether it returned for that. */
static void report(bool timed, bool ran_out)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)((now.tv_sec - raised_at.tv_sec) * 1000 +
                     (now.tv_nsec - raised_at.tv_nsec) / 1000000);
    say("it %s [%ld ms]\n",
        !timed ? "returned" : ran_out ? "ran its whole time" : "ended before its time", ms);
}

static void limit_ms(char *out, size_t cap, long long ms)
{
    if (ms < 0)
        snprintf(out, cap, "no time limit");
    else
        snprintf(out, cap, "timeout %lld ms", ms);
}

static long long ms_of(const struct timespec *ts)
{
    return ts ? (long long)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 : -1;
}

static bool zero_time(const struct timespec *ts)
{
    return ts && ts->tv_sec == 0 && ts->tv_nsec == 0;
}

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    if (timeout_ms == 0 || real_poll(fds, n, 0) != 0 || !chosen(polls_for_room(fds, n)))
        return real_poll(fds, n, timeout_ms);
    char limit[48];
    limit_ms(limit, sizeof limit, timeout_ms);
    raise_now("poll", limit);
    int rc = real_poll(fds, n, timeout_ms);
    report(timeout_ms >= 0, rc == 0);
    return rc;
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
    static int (*f)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
    if (!f)
        *(void **)&f = next("ppoll");
    if (zero_time(ts) || real_poll(fds, n, 0) != 0 || !chosen(polls_for_room(fds, n)))
        return f(fds, n, ts, mask);
    char limit[48];
    limit_ms(limit, sizeof limit, ms_of(ts));
    raise_now("ppoll", limit);
    int rc = f(fds, n, ts, mask);
    report(ts != NULL, rc == 0);
    return rc;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    static int (*f)(const struct timespec *, struct timespec *);
    if (!f)
        *(void **)&f = next("nanosleep");
    if (zero_time(req) || !chosen(false))
        return f(req, rem);
    char limit[48];
    snprintf(limit, sizeof limit, "%lld ms", ms_of(req));
    raise_now("nanosleep", limit);
    int rc = f(req, rem);
    report(true, rc == 0);
    return rc;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                    struct timespec *rem)
{
    static int (*f)(clockid_t, int, const struct timespec *, struct timespec *);
    if (!f)
        *(void **)&f = next("clock_nanosleep");
    if ((!(flags & TIMER_ABSTIME) && zero_time(req)) || !chosen(false))
        return f(clock, flags, req, rem);
    raise_now("clock_nanosleep", flags & TIMER_ABSTIME ? "until a time" : "a time");
    int rc = f(clock, flags, req, rem);
    report(true, rc == 0);
    return rc;
}

typedef enum { COUNT_NONE, COUNT_SEND, COUNT_RECEIVE } counted;

/* A call of kind returned rc. */
static void count_call(counted kind, long rc)
{
    int saved = errno; /* the call's own, for the program */
    if (signal_number < 0)
        read_settings();
    if (kind == COUNT_SEND && sends_left > 0)
        sends_left--;
    if (kind == COUNT_RECEIVE && rc > 0 && receives_left > 0)
        receives_left--;
    errno = saved;
}

/* The receive, send and accept calls: the signal before one that is about
 * to block (blocks: whether it would), and its report. */
#define WRAP_BLOCKING(type, name, fd, flags, blocks, kind, call_args)                \
    {                                                                           \
        static __typeof__(name) *f;                                             \
        if (!f)                                                                 \
            *(void **)&f = next(#name);                                         \
        type rc;                                                                \
        if (((flags) & MSG_DONTWAIT) || !(blocks) || !chosen((kind) == COUNT_SEND)) { \
            rc = f call_args;                                                   \
        } else {                                                                \
            raise_now(#name, "no time limit");                                  \
            rc = f call_args;                                                   \
            report(false, false);                                               \
        }                                                                       \
        count_call(kind, (long)rc);                                             \
        return rc;                                                              \
    }

ssize_t recv(int fd, void *buf, size_t len, int flags)
    WRAP_BLOCKING(ssize_t, recv, fd, flags, would_block(fd, POLLIN), COUNT_RECEIVE, (fd, buf, len, flags))

/* glibc's addresses: a transparent union of the sockaddr pointers. */
ssize_t recvfrom(int fd, void *buf, size_t len, int flags, __SOCKADDR_ARG from,
                 socklen_t *from_len)
    WRAP_BLOCKING(ssize_t, recvfrom, fd, flags, would_block(fd, POLLIN), COUNT_RECEIVE, (fd, buf, len, flags, from, from_len))

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
    WRAP_BLOCKING(ssize_t, recvmsg, fd, flags, would_block(fd, POLLIN), COUNT_RECEIVE, (fd, msg, flags))

int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags, struct timespec *timeout)
    WRAP_BLOCKING(int, recvmmsg, fd, flags, would_block(fd, POLLIN), COUNT_RECEIVE, (fd, msgs, n, flags, timeout))

ssize_t send(int fd, const void *buf, size_t len, int flags)
    WRAP_BLOCKING(ssize_t, send, fd, flags, send_would_block(fd, len), COUNT_SEND, (fd, buf, len, flags))

ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG to,
               socklen_t to_len)
    WRAP_BLOCKING(ssize_t, sendto, fd, flags, send_would_block(fd, len), COUNT_SEND, (fd, buf, len, flags, to, to_len))

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
    WRAP_BLOCKING(ssize_t, sendmsg, fd, flags, send_would_block(fd, msg_bytes(msg)), COUNT_SEND, (fd, msg, flags))

int sendmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags)
    WRAP_BLOCKING(int, sendmmsg, fd, flags, n > 0 && send_would_block(fd, msg_bytes(&msgs[0].msg_hdr)), COUNT_SEND, (fd, msgs, n, flags))

int accept(int fd, __SOCKADDR_ARG peer, socklen_t *peer_len)
    WRAP_BLOCKING(int, accept, fd, 0, would_block(fd, POLLIN), COUNT_NONE, (fd, peer, peer_len))

int accept4(int fd, __SOCKADDR_ARG peer, socklen_t *peer_len, int flags)
    WRAP_BLOCKING(int, accept4, fd, 0, would_block(fd, POLLIN), COUNT_NONE, (fd, peer, peer_len, flags))

int connect(int fd, __CONST_SOCKADDR_ARG to, socklen_t to_len)
{
    static __typeof__(connect) *f;
    if (!f)
        *(void **)&f = next("connect");
    int type = 0, flags = fcntl(fd, F_GETFL);
    socklen_t type_len = sizeof type;
    bool blocking_stream = flags >= 0 && !(flags & O_NONBLOCK) &&
                           getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 &&
                           type == SOCK_STREAM;
    if (!blocking_stream || !chosen(false))
        return f(fd, to, to_len);
    raise_now("connect", "the system's limit");
    int rc = f(fd, to, to_len);
    report(false, false);
    return rc;
}
