/* recv_loop.c - the two baseline receivers of bench/rig, each as plain as
 * it gets:
 *
 *   recvfrom  one recvfrom() per datagram, as the old mdump -q did (its
 *             socket buffer, 4 MB, is the default here too);
 *   recvmmsg  recvmmsg() blocking until at least one datagram is there
 *             (MSG_WAITFORONE), up to -B at a time: nothing is done per
 *             datagram but counting it, so this is about what the kernel
 *             delivers to one socket on one core.
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
 *   recv_loop recvfrom|recvmmsg [-B batch] [-S slot_bytes] [-a] [-p]
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

int main(int argc, char **argv)
{
    static loop l = {.batch = 64, .slot_bytes = SLOT_BYTES};
    long rcvbuf = 4194304;
    int opt;
    if (argc < 2 || (strcmp(argv[1], "recvfrom") != 0 && strcmp(argv[1], "recvmmsg") != 0)) {
        fprintf(stderr, "usage: recv_loop recvfrom|recvmmsg [-B batch] [-S slot_bytes] [-a] "
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
