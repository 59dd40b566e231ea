/* sock_batch.c - many datagrams per system call (see sock_batch.h).
 *
 * Laid out as the Linux kernel's UDP GSO selftests lay out theirs
 * (tools/testing/selftests/net/udpgso_bench_tx.c and _rx.c): one function
 * per kernel feature, each beside the plain call it falls back to when
 * the system refuses it at run time:
 *
 *   sendmmsg      send_mmsg()                  -> sendmsg, one at a time
 *   UDP_SEGMENT   udp_segment_probe(), udp_segment_run(),
 *                 udp_segment_cmsg()           -> a datagram per message
 *   recvmmsg      recv_mmsg()                  -> recvmsg, one at a time
 *   UDP_GRO       udp_gro_enable(), udp_gro_segment()
 *                                              -> datagrams as they come
 *   IP_PKTINFO    pktinfo_wanted()             (sock_receive_only's check)
 *   SO_TIMESTAMPNS  arrival_stamp_enable(), arrival_stamp()
 *                                              -> the reader's own clock
 *
 * Systems without them (Windows) take one datagram per call, at the end. */
#ifndef _WIN32
#define _GNU_SOURCE /* sendmmsg, recvmmsg, struct in_pktinfo */
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h> /* struct timespec of SCM_TIMESTAMPNS */

#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "lib/sock_os.h"

/* Room for 64 segments per coalesced run at first (the most a NIC's GRO
 * merges); a sender's own super-datagrams can hold more, and then it grows. */
enum { SOCK_RX_DGRAMS_START = SOCK_RX_SLOTS * 64 };

static bool udp_gro_enable(sock_t s);
static bool arrival_stamp_enable(sock_t s);
static int headers_init(sock_receiver *rx);

bool sock_receiver_stamp_arrivals(sock_receiver *rx)
{
    rx->stamped = arrival_stamp_enable(rx->s);
    return rx->stamped;
}

static int receiver_init(sock_receiver *rx, sock_t s, bool one_by_one,
                         const sock_receiver *owner)
{
    memset(rx, 0, sizeof *rx);
    rx->s = s;
    rx->batch = true;
    rx->slots = one_by_one ? 1 : SOCK_RX_SLOTS;
    rx->buf_shared = owner != NULL;
    rx->buf = owner ? owner->buf : malloc((size_t)SOCK_RX_SLOTS * SOCK_RX_SLOT_BYTES);
    rx->capacity = SOCK_RX_DGRAMS_START;
    rx->dgrams = malloc(sizeof *rx->dgrams * rx->capacity);
    if (!rx->buf || !rx->dgrams || headers_init(rx) != 0) {
        sock_receiver_free(rx);
        return -1;
    }
    if (!one_by_one)
        rx->coalesce = udp_gro_enable(s);
    return 0;
}

int sock_receiver_init(sock_receiver *rx, sock_t s, bool one_by_one)
{
    return receiver_init(rx, s, one_by_one, NULL);
}

int sock_receiver_init_sharing(sock_receiver *rx, sock_t s, bool one_by_one,
                               const sock_receiver *owner)
{
    return receiver_init(rx, s, one_by_one, owner);
}

void sock_receiver_free(sock_receiver *rx)
{
    if (!rx->buf_shared)
        free(rx->buf);
    free(rx->dgrams);
    free(rx->headers);
    rx->buf = NULL;
    rx->dgrams = NULL;
    rx->headers = NULL;
}

void sock_receiver_skip_senders(sock_receiver *rx)
{
    rx->anonymous = true;
}

/* Waits until s is readable, then takes what is waiting. */
static long wait_then_take(sock_receiver *rx)
{
    int ready = sock_wait_readable(rx->s, -1);
    if (ready < 0)
        return ready; /* -1, or SOCK_OUTPUT_GONE */
    return ready == 0 ? 0 : sock_recv_datagrams(rx);
}

#if defined(__linux__)
#include <netinet/udp.h>
#include <sys/uio.h>

/* An optional call or option that this kernel, a seccomp filter or an
 * emulation (WSL 1) refuses: the plain call does the same work. */
static bool feature_refused(int e)
{
    return e == ENOSYS || e == EINVAL || e == EOPNOTSUPP || e == EPERM ||
           e == ENOPROTOOPT;
}

/* ---- UDP_SEGMENT: a run of equal datagrams as one super-datagram that
 * the kernel cuts. */

/* Super-datagrams only for small datagrams: there the cost per datagram
 * dominates and segmentation cuts it several times over. For large ones
 * the copying dominates; a sender that skips the per-datagram work then
 * only outruns the receiver (on loopback preset -5 went out in 10 ms, 40 MB
 * at 30 Gbit/s, into an 8 MB receive buffer). */
enum { SEGMENT_BYTES_MAX = 256 };

/* The kernel cuts at most this many segments from one super-datagram
 * (UDP_MAX_SEGMENTS: 64 on older kernels, more on newer). */
enum { SEGMENTS_MAX = 64, SUPER_BYTES_MAX = 65000 };

/* Whether s can send super-datagrams: asks whether the option exists on a
 * datagram socket (0 turns it off for plain sends). */
static bool udp_segment_probe(sock_t s)
{
#ifdef UDP_SEGMENT
    int type = 0;
    return sock_os_get_int(s, SOL_SOCKET, SO_TYPE, &type) == 0 && type == SOCK_DGRAM &&
           sock_os_set_int(s, SOL_UDP, UDP_SEGMENT, 0) == 0;
#else
    (void)s;
    return false;
#endif
}

/* How many of lens[0..count-1] (count >= 1) one super-datagram carries:
 * the run of lengths equal to the first, within the kernel's limits; 1
 * when the first is not small enough to be worth it. */
static size_t udp_segment_run(const sock_sender *tx, const uint32_t *lens, size_t count)
{
    size_t len = lens[0], run = 1;
    if (!tx->segment || len == 0 || len > tx->segment_max)
        return 1;
    size_t most = SUPER_BYTES_MAX / len;
    if (most > SEGMENTS_MAX)
        most = SEGMENTS_MAX;
    while (run < most && run < count && lens[run] == len)
        run++;
    return run;
}

/* The control message that asks the kernel to cut m's payload into
 * segments of segment_bytes; control holds CMSG_SPACE(sizeof(uint16_t)). */
static void udp_segment_cmsg(struct msghdr *m, char *control, size_t control_len,
                             uint16_t segment_bytes)
{
    /* The header's padding goes to the kernel too: zero it. */
    memset(control, 0, control_len);
    m->msg_control = control;
    m->msg_controllen = control_len;
    struct cmsghdr *c = CMSG_FIRSTHDR(m);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof segment_bytes);
    memcpy(CMSG_DATA(c), &segment_bytes, sizeof segment_bytes);
}

/* A super-datagram the kernel would not cut: the segment size or the
 * device (EINVAL, EIO, EMSGSIZE), or no UDP_SEGMENT at all. */
static bool segment_refused(int e)
{
    return e == EINVAL || e == EIO || e == EMSGSIZE || e == EOPNOTSUPP ||
           e == ENOPROTOOPT;
}

/* ---- sendmmsg: several messages per call. */

/* Sends msgs[0..n-1] with one sendmmsg while the system takes it, else
 * msgs[0] alone with sendmsg. Returns how many went, or -1 (errno). */
static int send_mmsg(sock_sender *tx, struct mmsghdr *msgs, unsigned n)
{
    if (tx->batch && n > 1) {
        int sent = sendmmsg(tx->s, msgs, n, sock_os_send_flags());
        if (sent >= 0 || !feature_refused(errno))
            return sent;
        /* The call refused, or only its first datagram (EPERM from a
         * firewall, EINVAL for a segment size)? That one alone tells:
         * if it goes, sendmmsg itself is what the system refuses. */
        if (sendmsg(tx->s, &msgs[0].msg_hdr, sock_os_send_flags()) < 0)
            return -1;
        tx->batch = false;
        return 1;
    }
    return sendmsg(tx->s, &msgs[0].msg_hdr, sock_os_send_flags()) < 0 ? -1 : 1;
}

void sock_sender_init(sock_sender *tx, sock_t s)
{
    tx->s = s;
    tx->batch = true;
    tx->segment = udp_segment_probe(s);
    tx->segment_max = tx->segment ? SEGMENT_BYTES_MAX : 0;
}

long sock_send_datagrams(sock_sender *tx, const uint8_t *data,
                         const uint32_t *lens, size_t count)
{
    struct mmsghdr msgs[SOCK_BATCH];
    struct iovec iov[SOCK_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        /* cppcheck-suppress unusedStructMember ; never used: it aligns buf */
        size_t align; /* cmsghdr wants size_t alignment */
    } control[SOCK_BATCH];
    size_t run_of[SOCK_BATCH];
    for (;;) {
        size_t i = 0, offset = 0;
        unsigned n = 0;
        while (i < count && n < SOCK_BATCH) {
            size_t len = lens[i], run = udp_segment_run(tx, lens + i, count - i);
            memset(&msgs[n], 0, sizeof msgs[n]); /* only those sent: one, often */
            iov[n].iov_base = (void *)(data + offset);
            iov[n].iov_len = len * run;
            msgs[n].msg_hdr.msg_iov = &iov[n];
            msgs[n].msg_hdr.msg_iovlen = 1;
            if (run > 1)
                /* cppcheck-suppress legacyUninitvar ; buf's address is taken, nothing read */
                udp_segment_cmsg(&msgs[n].msg_hdr, control[n].buf, sizeof control[n].buf,
                                 (uint16_t)len);
            run_of[n] = run;
            offset += len * run;
            i += run;
            n++;
        }
        int sent = send_mmsg(tx, msgs, n);
        if (sent < 0) {
            /* A segment too long for the route's MTU, or a device that
             * cannot take it: never again above this length. (run_of[0]
             * is set: callers pass count >= 1, see sock_batch.h.) */
            if (segment_refused(errno) &&
                run_of[0] > 1) { /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult) */
                tx->segment_max = lens[0] > 1 ? lens[0] - 1 : 0;
                if (tx->segment_max == 0)
                    tx->segment = false;
                continue;
            }
            return -1;
        }
        long datagrams = 0;
        /* sendmmsg returns at most n, and run_of[0..n-1] are set. */
        for (int k = 0; k < sent; k++)
            datagrams += (long)run_of[k]; /* NOLINT(clang-analyzer-core.uninitialized.Assign) */
        return datagrams;
    }
}

/* ---- UDP_GRO: runs of same-size datagrams from one sender handed over
 * coalesced, with their segment size. */

static bool udp_gro_enable(sock_t s)
{
#ifdef UDP_GRO
    /* Only for datagram sockets; a kernel without it just says no. */
    return sock_os_set_int(s, SOL_UDP, UDP_GRO, 1) == 0;
#else
    (void)s;
    return false;
#endif
}

/* The size of the segments a received message of len bytes holds: its
 * UDP_GRO control message's, or len itself when it came alone. */
static size_t udp_gro_segment(struct msghdr *m, size_t len)
{
    size_t segment = len;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
            int size;
            memcpy(&size, CMSG_DATA(c), sizeof size);
            if (size > 0)
                segment = (size_t)size;
        }
    }
    return segment;
}

/* ---- IP_PKTINFO: each datagram's destination and arrival interface. */

/* The IP_PKTINFO of a received message checked against what the receiver
 * asked for. A message without one (the kernel always adds it once asked:
 * never seen) is taken rather than lost. */
static bool pktinfo_wanted(const sock_arrivals *a, struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            return sock_os_arrival_wanted_ipv4(a, info.ipi_addr,
                                               (unsigned)info.ipi_ifindex);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            return sock_os_arrival_wanted_ipv6(a, &info.ipi6_addr,
                                               (unsigned)info.ipi6_ifindex);
        }
    }
    return true;
}

/* ---- SO_TIMESTAMPNS: when each datagram came in. */

static bool arrival_stamp_enable(sock_t s)
{
    return sock_os_set_int(s, SOL_SOCKET, SO_TIMESTAMPNS, 1) == 0;
}

/* The arrival time of a received message in microseconds on the wall
 * clock, or 0 when it carries none. */
static int64_t arrival_stamp(struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        }
    }
    return 0;
}

/* ---- recvmmsg: several datagrams per call. */

/* Takes what is waiting into msgs[0..n-1]: with one recvmmsg while the
 * system takes it, else one datagram with recvmsg. flags: MSG_DONTWAIT not
 * to wait, or MSG_WAITFORONE to wait for the first datagram only. Returns
 * how many, or -1 (errno; EAGAIN when nothing is waiting). */
static int recv_mmsg(sock_receiver *rx, struct mmsghdr *msgs, unsigned n, int flags)
{
    if (rx->batch && n > 1) {
        int got = recvmmsg(rx->s, msgs, n, flags, NULL);
        if (got >= 0 || !feature_refused(errno))
            return got;
        rx->batch = false; /* for good: recvmsg does the same work */
    }
    ssize_t len = recvmsg(rx->s, &msgs[0].msg_hdr, flags & MSG_DONTWAIT);
    if (len < 0)
        return -1;
    msgs[0].msg_len = (unsigned)len;
    return 1;
}

/* Twice the room for datagrams; -1 (errno ENOMEM) when there is none. */
static int grow_dgrams(sock_receiver *rx)
{
    size_t want = rx->capacity > 0 ? rx->capacity * 2 : SOCK_RX_DGRAMS_START;
    sock_dgram *more = realloc(rx->dgrams, sizeof *more * want);
    if (!more) {
        errno = ENOMEM;
        return -1;
    }
    rx->dgrams = more;
    rx->capacity = want;
    return 0;
}

/* Adds the datagrams of one received message from slot: len bytes cut
 * into segments of segment bytes, the last one possibly shorter (a
 * message of 0 bytes is one empty datagram). */
static int add_dgrams(sock_receiver *rx, const uint8_t *p, size_t len, size_t segment,
                      int slot)
{
    do {
        size_t piece = len < segment ? len : segment;
        if (rx->count == rx->capacity && grow_dgrams(rx) != 0)
            return -1;
        rx->dgrams[rx->count++] = (sock_dgram){p, piece, slot, 0};
        p += piece;
        len -= piece;
    } while (len > 0);
    return 0;
}

/* The headers recvmmsg reads, filled once: a call only sets again what
 * the kernel wrote back (the lengths of the address and the control
 * messages), unless what is asked for has changed. */
typedef union rx_control {
    /* UDP_GRO's segment size, IP_PKTINFO or IPV6_PKTINFO, and the arrival
     * time */
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) +
             CMSG_SPACE(sizeof(struct timespec))];
    /* cppcheck-suppress unusedStructMember ; never used: it aligns buf */
    size_t align; /* cmsghdr wants size_t alignment */
} rx_control;

typedef struct rx_headers {
    struct mmsghdr msgs[SOCK_RX_SLOTS];
    struct iovec iov[SOCK_RX_SLOTS];
    rx_control control[SOCK_RX_SLOTS];
    const sock_receiver *rx; /* whose from[] they point into; NULL: not filled */
    const uint8_t *buf;      /* and whose buffer */
    bool senders;       /* msg_name set */
    bool control_on;    /* msg_control set */
} rx_headers;

static int headers_init(sock_receiver *rx)
{
    rx->headers = calloc(1, sizeof(rx_headers));
    return rx->headers ? 0 : -1;
}

static struct mmsghdr *headers_ready(sock_receiver *rx)
{
    rx_headers *h = rx->headers;
    bool senders = !rx->anonymous;
    bool control_on = rx->coalesce || rx->only.check || rx->stamped;
    if (h->rx != rx || h->buf != rx->buf || h->senders != senders || h->control_on != control_on) {
        memset(h->msgs, 0, sizeof h->msgs);
        for (int k = 0; k < SOCK_RX_SLOTS; k++) {
            h->iov[k].iov_base = rx->buf + (size_t)k * SOCK_RX_SLOT_BYTES;
            h->iov[k].iov_len = SOCK_RX_SLOT_BYTES;
            h->msgs[k].msg_hdr.msg_iov = &h->iov[k];
            h->msgs[k].msg_hdr.msg_iovlen = 1;
            if (senders)
                h->msgs[k].msg_hdr.msg_name = &rx->from[k].storage;
            if (control_on)
                h->msgs[k].msg_hdr.msg_control = h->control[k].buf;
        }
        h->rx = rx;
        h->buf = rx->buf;
        h->senders = senders;
        h->control_on = control_on;
    }
    for (int k = 0; k < rx->slots; k++) {
        if (senders)
            h->msgs[k].msg_hdr.msg_namelen = sizeof rx->from[k].storage;
        if (control_on)
            h->msgs[k].msg_hdr.msg_controllen = sizeof h->control[k].buf;
    }
    return h->msgs;
}

/* One receive call with flags (recv_mmsg), and its messages cut into
 * datagrams. */
static long take(sock_receiver *rx, int flags)
{
    struct mmsghdr *msgs = headers_ready(rx);
    rx->count = 0;
    rx->drained = false;
    int got = recv_mmsg(rx, msgs, (unsigned)rx->slots, flags);
    if (got < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        rx->drained = true;
        return 0;
    }
    /* Fewer than asked for: the socket had no more (a call without
     * recvmmsg takes one whatever is waiting). */
    rx->drained = rx->batch && got < rx->slots;
    for (int k = 0; k < got; k++) {
        /* Another group's or interface's datagram: dropped unseen. */
        if (rx->only.check && !pktinfo_wanted(&rx->only, &msgs[k].msg_hdr))
            continue;
        size_t len = msgs[k].msg_len;
        rx->from[k].len = rx->anonymous ? 0 : msgs[k].msg_hdr.msg_namelen;
        size_t segment = rx->coalesce ? udp_gro_segment(&msgs[k].msg_hdr, len) : len;
        size_t first = rx->count;
        if (add_dgrams(rx, msgs[k].msg_hdr.msg_iov->iov_base, len, segment, k) != 0)
            return -1;
        /* A coalesced run came in at once: one time for its datagrams. */
        int64_t stamp = rx->stamped ? arrival_stamp(&msgs[k].msg_hdr) : 0;
        for (size_t i = first; i < rx->count; i++)
            rx->dgrams[i].arrival_wall_us = stamp;
    }
    return (long)rx->count;
}

long sock_recv_datagrams(sock_receiver *rx)
{
    return take(rx, MSG_DONTWAIT);
}

long sock_recv_datagrams_wait(sock_receiver *rx)
{
    /* A pipe's reader going away is seen only by poll. */
    if (sock_os_output_watched())
        return wait_then_take(rx);
    /* No poll comes first to end the wait on an interrupt, and the call
     * has no ppoll-like form that takes the signals in atomically: the
     * handler shuts the socket down for reading instead, which ends the
     * call, or, when the signal came after this look at the flag, makes
     * the call return at once. */
    sock_os_receive_blocking(rx->s);
    if (sock_interrupted()) {
        sock_os_receive_blocking(SOCK_INVALID);
        errno = EINTR;
        return -1;
    }
    long n = take(rx, MSG_WAITFORONE);
    sock_os_receive_blocking(SOCK_INVALID);
    if (sock_interrupted()) {
        /* The shut-down socket's one empty message: no datagram (a real
         * empty one, come at that moment, goes with it). What did come
         * is handed over; the caller looks at the flag next. */
        if (n == 0 || (n == 1 && rx->dgrams[0].len == 0)) {
            rx->count = 0;
            errno = EINTR;
            return -1;
        }
        return n;
    }
    /* Nothing though it waited: a non-blocking socket, or a receive time
     * limit (SO_RCVTIMEO); the plain wait instead. */
    if (n == 0 && rx->drained)
        return wait_then_take(rx);
    return n;
}

#else /* one datagram per call */

static int headers_init(sock_receiver *rx)
{
    (void)rx; /* one datagram per call: no headers kept */
    return 0;
}

static bool udp_gro_enable(sock_t s)
{
    (void)s;
    return false;
}

static bool arrival_stamp_enable(sock_t s)
{
    (void)s;
    return false;
}

void sock_sender_init(sock_sender *tx, sock_t s)
{
    tx->s = s;
    tx->batch = false;
    tx->segment = false;
    tx->segment_max = 0;
}

long sock_send_datagrams(sock_sender *tx, const uint8_t *data,
                         const uint32_t *lens, size_t count)
{
    (void)count;
    return sock_send(tx->s, data, lens[0]) < 0 ? -1 : 1;
}

long sock_recv_datagrams(sock_receiver *rx)
{
    rx->count = 0;
    for (;;) {
        int ready = sock_wait_readable(rx->s, 0);
        if (ready == SOCK_OUTPUT_GONE)
            return 0; /* nothing waiting: the caller's wait tells the rest */
        if (ready <= 0)
            return ready;
        bool wanted = true;
        long n = sock_os_recv_one(rx, &wanted);
        if (n < 0)
            return -1;
        if (!wanted)
            continue; /* another group's or interface's: dropped unseen */
        rx->dgrams[0] = (sock_dgram){rx->buf, (size_t)n, 0, 0};
        rx->count = 1;
        return 1;
    }
}

long sock_recv_datagrams_wait(sock_receiver *rx)
{
    return wait_then_take(rx);
}
#endif
