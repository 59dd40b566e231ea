/* recv_loop.c - the two baseline receivers of bench/rig, each as plain as
 * it gets:
 *
 *   recvfrom  one recvfrom() per datagram, as the old mdump -q did (its
 *             socket buffer, 4 MB, is the default here too);
 *   recvmmsg  recvmmsg() blocking until at least one datagram is there
 *             (MSG_WAITFORONE), up to -B at a time: nothing is done per
 *             datagram but counting it, so this is about what the kernel
 *             delivers to one socket on one core;
 *   uring     io_uring (Linux 6.0 or later): one multishot IORING_OP_RECV
 *             that the kernel keeps answering from a ring of 1024
 *             provided buffers, the ring's waits in io_uring_enter
 *             (IORING_SETUP_DEFER_TASKRUN): no msghdr or iovec copied in
 *             per datagram, and no system call per batch while datagrams
 *             keep coming; raw system calls, no liburing.
 *
 * To take mdump's receiving apart (bench/PROFILE.md), the recvmmsg loop
 * can also do what mdump does: -S its slot size (mdump: 65536), -a ask
 * for each sender's address, -p poll() until readable, then take
 * datagrams without blocking (MSG_DONTWAIT) until none is left.
 *
 * Counts datagrams; those that are not an "echo " or "stat " datagram are
 * messages. A "stat <n>" prints the old mdump's two lines (n sent, how many
 * received, the loss) and, with -s, ends the run. Ctrl-C or SIGTERM ends it
 * too; either way the last line on stderr is
 * "recv_loop: <d> datagrams, <m> messages". An idle timeout (-i) ends it
 * with status 3 so a lost stat cannot hang a script.
 *
 *   recv_loop recvfrom|recvmmsg|uring [-B batch] [-S slot_bytes] [-a] [-p]
 *             [-r rcvbuf] [-i idle_ms] [-s] port */
#define _GNU_SOURCE /* recvmmsg */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <stdatomic.h>

/* Room per datagram by default: the rig's datagrams are at most 800
 * bytes; a longer one is cut (and still counted). */
enum { SLOT_BYTES = 2048, BATCH_MAX = 1024 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static long number(const char *text, const char *what, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "recv_loop: %s must be %ld-%ld: %s\n", what, lo, hi, text);
        exit(2);
    }
    return v;
}

typedef struct loop {
    int s;
    long batch, idle_ms;
    int use_mmsg, addresses, poll_first, exit_on_stat;
    char *slots;
    size_t slot_bytes;
    struct mmsghdr msgs[BATCH_MAX];
    struct iovec iov[BATCH_MAX];
    struct sockaddr_storage from[BATCH_MAX];
    unsigned long long datagrams, messages, received;
} loop;

/* One datagram: counted; an echo starts a new test, a stat reports on it.
 * Returns 1 when the run should end (a stat, with -s). */
static int handle(loop *l, const char *data, size_t len)
{
    l->datagrams++;
    if (len > 5 && memcmp(data, "echo ", 5) == 0) {
        l->received = 0;
        return 0;
    }
    if (len > 5 && memcmp(data, "stat ", 5) == 0) {
        char count[24];
        size_t n = len - 5 < sizeof count - 1 ? len - 5 : sizeof count - 1;
        memcpy(count, data + 5, n);
        count[n] = '\0';
        unsigned long long sent = strtoull(count, NULL, 10);
        printf("%llu msgs sent, %llu received (not including 'stat')\n", sent, l->received);
        printf("%f%% loss\n",
               sent ? ((double)sent - (double)l->received) * 100.0 / (double)sent : 0.0);
        fflush(stdout);
        l->received = 0;
        return l->exit_on_stat;
    }
    l->messages++;
    l->received++;
    return 0;
}

/* One recvmmsg call; what it got is handled. The count, or -1 (errno). */
static int take_batch(loop *l, int flags, int *done)
{
    for (long k = 0; l->addresses && k < l->batch; k++) {
        l->msgs[k].msg_hdr.msg_name = &l->from[k];
        l->msgs[k].msg_hdr.msg_namelen = sizeof l->from[k];
    }
    int got = recvmmsg(l->s, l->msgs, (unsigned)l->batch, flags, NULL);
    for (int k = 0; k < got && !*done; k++)
        *done = handle(l, l->iov[k].iov_base, l->msgs[k].msg_len);
    return got;
}

/* Waits for and handles what comes next. 0 on, 1 done (a stat with -s),
 * -1 failed or timed out (errno; EAGAIN: the idle timeout). */
static int receive_some(loop *l)
{
    int done = 0;
    if (!l->use_mmsg) {
        socklen_t from_len = sizeof l->from[0];
        ssize_t n = recvfrom(l->s, l->slots, l->slot_bytes, 0,
                             (struct sockaddr *)&l->from[0], &from_len);
        return n < 0 ? -1 : handle(l, l->slots, (size_t)n);
    }
    if (!l->poll_first)
        return take_batch(l, MSG_WAITFORONE, &done) < 0 ? -1 : done;
    struct pollfd p = {.fd = l->s, .events = POLLIN};
    int ready = poll(&p, 1, l->idle_ms > 0 ? (int)l->idle_ms : -1);
    if (ready <= 0) {
        if (ready == 0)
            errno = EAGAIN;
        return -1;
    }
    /* As mdump: everything waiting, until a call finds nothing. */
    while (!done && !stop && take_batch(l, MSG_DONTWAIT, &done) > 0)
        ;
    return done;
}

/* uring: one multishot IORING_OP_RECV with a ring of provided buffers:
 * the kernel copies datagram after datagram into them without a msghdr
 * or iovec copied in per datagram. */
enum { URING_BUFS = 1024, URING_BGID = 7 };

static int uring_loop(loop *l)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    p.flags |= IORING_SETUP_CQSIZE;
    p.cq_entries = 4096;
    int fd = (int)syscall(__NR_io_uring_setup, 8, &p);
    if (fd < 0) {
        perror("recv_loop: io_uring_setup");
        return 1;
    }
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (cq_len > sq_len) sq_len = cq_len;
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
        fprintf(stderr, "recv_loop: io_uring without IORING_FEAT_SINGLE_MMAP (before Linux 5.4)\n");
        return 1;
    }
    /* One mapping holds both rings (IORING_FEAT_SINGLE_MMAP). */
    char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    char *cq = sq;
    struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || sqes == MAP_FAILED) {
        perror("recv_loop: mmap");
        return 1;
    }
    unsigned *sq_tail = (unsigned *)(sq + p.sq_off.tail);
    unsigned *sq_array = (unsigned *)(sq + p.sq_off.array);
    unsigned sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
    unsigned *cq_head = (unsigned *)(cq + p.cq_off.head);
    unsigned *cq_tail = (unsigned *)(cq + p.cq_off.tail);
    unsigned cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
    struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);

    size_t ring_bytes = URING_BUFS * sizeof(struct io_uring_buf);
    struct io_uring_buf_ring *br = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE,
                                        MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    char *bufs = malloc((size_t)URING_BUFS * l->slot_bytes);
    if (br == MAP_FAILED || !bufs) {
        fprintf(stderr, "recv_loop: out of memory\n");
        return 1;
    }
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (unsigned long)br;
    reg.ring_entries = URING_BUFS;
    reg.bgid = URING_BGID;
    if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PBUF_RING, &reg, 1) != 0) {
        perror("recv_loop: IORING_REGISTER_PBUF_RING");
        return 1;
    }
    unsigned short tail = 0;
    for (unsigned k = 0; k < URING_BUFS; k++) {
        struct io_uring_buf *b = &br->bufs[tail & (URING_BUFS - 1)];
        b->addr = (unsigned long)(bufs + (size_t)k * l->slot_bytes);
        b->len = (unsigned)l->slot_bytes;
        b->bid = (unsigned short)k;
        tail++;
    }
    atomic_store_explicit((_Atomic unsigned short *)&br->tail, tail, memory_order_release);

    /* The receive is armed again whenever a completion says it has ended
     * (no IORING_CQE_F_MORE). */
    int armed = 0, status = 0, done = 0;
    while (!stop && !done) {
        unsigned submit = 0;
        if (!armed) {
            unsigned t = *sq_tail;
            struct io_uring_sqe *e = &sqes[t & sq_mask];
            memset(e, 0, sizeof *e);
            e->opcode = IORING_OP_RECV;
            e->fd = l->s;
            e->ioprio = IORING_RECV_MULTISHOT;
            e->flags = IOSQE_BUFFER_SELECT;
            e->buf_group = URING_BGID;
            sq_array[t & sq_mask] = t & sq_mask;
            atomic_store_explicit((_Atomic unsigned *)sq_tail, t + 1, memory_order_release);
            submit = 1;
            armed = 1;
        }
        int rc = (int)syscall(__NR_io_uring_enter, fd, submit, 1, IORING_ENTER_GETEVENTS, NULL, 0);
        if (rc < 0 && errno != EINTR) {
            perror("recv_loop: io_uring_enter");
            status = 1;
            break;
        }
        unsigned head = *cq_head;
        unsigned end = atomic_load_explicit((_Atomic unsigned *)cq_tail, memory_order_acquire);
        for (; head != end; head++) {
            struct io_uring_cqe *c = &cqes[head & cq_mask];
            if (!(c->flags & IORING_CQE_F_MORE))
                armed = 0;
            if (c->res < 0) {
                /* -ENOBUFS: every buffer was taken; they are back in the
                 * ring below, and the receive is armed again. */
                if (c->res != -ENOBUFS) {
                    errno = -c->res;
                    perror("recv_loop: multishot recv");
                    status = 1;
                    done = 1;
                }
                continue;
            }
            if (c->flags & IORING_CQE_F_BUFFER) {
                unsigned short bid = (unsigned short)(c->flags >> IORING_CQE_BUFFER_SHIFT);
                char *data = bufs + (size_t)bid * l->slot_bytes;
                if (!done)
                    done = handle(l, data, (size_t)c->res);
                struct io_uring_buf *b = &br->bufs[tail & (URING_BUFS - 1)];
                b->addr = (unsigned long)data;
                b->len = (unsigned)l->slot_bytes;
                b->bid = bid;
                tail++;
            }
        }
        atomic_store_explicit((_Atomic unsigned *)cq_head, head, memory_order_release);
        atomic_store_explicit((_Atomic unsigned short *)&br->tail, tail, memory_order_release);
    }
    fprintf(stderr, "recv_loop: %llu datagrams, %llu messages\n", l->datagrams, l->messages);
    return status;
}

int main(int argc, char **argv)
{
    static loop l = {.batch = 64, .slot_bytes = SLOT_BYTES};
    long rcvbuf = 4194304;
    int opt;
    if (argc < 2 || (strcmp(argv[1], "recvfrom") != 0 && strcmp(argv[1], "recvmmsg") != 0 &&
                      strcmp(argv[1], "uring") != 0)) {
        fprintf(stderr, "usage: recv_loop recvfrom|recvmmsg|uring [-B batch] [-S slot_bytes] [-a] "
                        "[-p] [-r rcvbuf] [-i idle_ms] [-s] port\n");
        return 2;
    }
    l.use_mmsg = strcmp(argv[1], "recvmmsg") == 0;
    optind = 2;
    while ((opt = getopt(argc, argv, "B:S:apr:i:s")) != -1) {
        switch (opt) {
        case 'B': l.batch = number(optarg, "batch (-B)", 1, BATCH_MAX); break;
        case 'S': l.slot_bytes = (size_t)number(optarg, "slot size (-S)", 64, 65536); break;
        case 'a': l.addresses = 1; break;
        case 'p': l.poll_first = 1; break;
        case 'r': rcvbuf = number(optarg, "rcvbuf (-r)", 0, 1L << 30); break;
        case 'i': l.idle_ms = number(optarg, "idle time (-i)", 0, 3600000); break;
        case 's': l.exit_on_stat = 1; break;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "recv_loop: give one port\n");
        return 2;
    }
    int port = (int)number(argv[optind], "port", 1, 65535);

    /* No SA_RESTART: the signal breaks the blocking receive. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    l.s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (l.s < 0 ||
        (rcvbuf > 0 && setsockopt(l.s, SOL_SOCKET, SO_RCVBUF, &(int){(int)rcvbuf},
                                  sizeof(int)) != 0) ||
        bind(l.s, (struct sockaddr *)&local, sizeof local) != 0) {
        perror("recv_loop: socket");
        return 1;
    }
    if (l.idle_ms > 0) {
        struct timeval tv = {.tv_sec = l.idle_ms / 1000, .tv_usec = (l.idle_ms % 1000) * 1000};
        setsockopt(l.s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    if (strcmp(argv[1], "uring") == 0)
        return uring_loop(&l);
    l.slots = malloc((size_t)l.batch * l.slot_bytes);
    if (!l.slots) {
        fprintf(stderr, "recv_loop: out of memory\n");
        return 1;
    }
    for (long k = 0; k < l.batch; k++) {
        l.iov[k].iov_base = l.slots + (size_t)k * l.slot_bytes;
        l.iov[k].iov_len = l.slot_bytes;
        l.msgs[k].msg_hdr.msg_iov = &l.iov[k];
        l.msgs[k].msg_hdr.msg_iovlen = 1;
    }

    int status = 0;
    while (!stop) {
        int rc = receive_some(&l);
        if (rc > 0)
            break;
        if (rc == 0 || errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            fprintf(stderr, "recv_loop: nothing received for %ld ms\n", l.idle_ms);
            status = 3;
        } else {
            perror("recv_loop: receive");
            status = 1;
        }
        break;
    }
    fprintf(stderr, "recv_loop: %llu datagrams, %llu messages\n", l.datagrams, l.messages);
    free(l.slots);
    return status;
}
