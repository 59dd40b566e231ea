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
 * Counts datagrams; those that are not an "echo " or "stat " datagram are
 * messages. A "stat <n>" prints the old mdump's two lines (n sent, how many
 * received, the loss) and, with -s, ends the run. Ctrl-C or SIGTERM ends it
 * too; either way the last line on stderr is
 * "recv_loop: <d> datagrams, <m> messages". An idle timeout (-i) ends it
 * with status 3 so a lost stat cannot hang a script.
 *
 *   recv_loop recvfrom|recvmmsg [-B batch] [-r rcvbuf] [-i idle_ms] [-s] port */
#define _GNU_SOURCE /* recvmmsg */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Room per datagram: the rig's datagrams are at most 800 bytes; a longer
 * one is cut (and still counted). */
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

static unsigned long long datagrams, messages, received;

/* One datagram: counted; an echo starts a new test, a stat reports on it.
 * Returns 1 when the run should end (a stat, with -s). */
static int handle(const char *data, size_t len, int exit_on_stat)
{
    datagrams++;
    if (len > 5 && memcmp(data, "echo ", 5) == 0) {
        received = 0;
        return 0;
    }
    if (len > 5 && memcmp(data, "stat ", 5) == 0) {
        char count[24];
        size_t n = len - 5 < sizeof count - 1 ? len - 5 : sizeof count - 1;
        memcpy(count, data + 5, n);
        count[n] = '\0';
        unsigned long long sent = strtoull(count, NULL, 10);
        printf("%llu msgs sent, %llu received (not including 'stat')\n", sent, received);
        printf("%f%% loss\n", sent ? ((double)sent - (double)received) * 100.0 / (double)sent
                                   : 0.0);
        fflush(stdout);
        received = 0;
        return exit_on_stat;
    }
    messages++;
    received++;
    return 0;
}

int main(int argc, char **argv)
{
    static char slots[BATCH_MAX][SLOT_BYTES];
    static struct mmsghdr msgs[BATCH_MAX];
    static struct iovec iov[BATCH_MAX];
    long batch = 64, rcvbuf = 4194304, idle_ms = 0;
    int exit_on_stat = 0, opt;
    if (argc < 2 || (strcmp(argv[1], "recvfrom") != 0 && strcmp(argv[1], "recvmmsg") != 0)) {
        fprintf(stderr, "usage: recv_loop recvfrom|recvmmsg [-B batch] [-r rcvbuf] "
                        "[-i idle_ms] [-s] port\n");
        return 2;
    }
    int use_mmsg = strcmp(argv[1], "recvmmsg") == 0;
    optind = 2;
    while ((opt = getopt(argc, argv, "B:r:i:s")) != -1) {
        switch (opt) {
        case 'B': batch = number(optarg, "batch (-B)", 1, BATCH_MAX); break;
        case 'r': rcvbuf = number(optarg, "rcvbuf (-r)", 0, 1L << 30); break;
        case 'i': idle_ms = number(optarg, "idle time (-i)", 0, 3600000); break;
        case 's': exit_on_stat = 1; break;
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

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (s < 0 || (rcvbuf > 0 && setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){(int)rcvbuf},
                                           sizeof(int)) != 0) ||
        bind(s, (struct sockaddr *)&local, sizeof local) != 0) {
        perror("recv_loop: socket");
        return 1;
    }
    if (idle_ms > 0) {
        struct timeval tv = {.tv_sec = idle_ms / 1000, .tv_usec = (idle_ms % 1000) * 1000};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    for (long k = 0; k < batch; k++) {
        iov[k].iov_base = slots[k];
        iov[k].iov_len = SLOT_BYTES;
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
    }
    /* Bound: the rig's scripts wait for this line before sending. */
    fprintf(stderr, "recv_loop: %s on port %d\n", argv[1], port);

    int status = 0, done = 0;
    while (!stop && !done) {
        if (use_mmsg) {
            int got = recvmmsg(s, msgs, (unsigned)batch, MSG_WAITFORONE, NULL);
            for (int k = 0; k < got && !done; k++)
                done = handle(slots[k], msgs[k].msg_len, exit_on_stat);
            if (got >= 0)
                continue;
        } else {
            struct sockaddr_storage from;
            socklen_t from_len = sizeof from;
            ssize_t n = recvfrom(s, slots[0], SLOT_BYTES, 0, (struct sockaddr *)&from,
                                 &from_len);
            if (n >= 0) {
                done = handle(slots[0], (size_t)n, exit_on_stat);
                continue;
            }
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            fprintf(stderr, "recv_loop: nothing received for %ld ms\n", idle_ms);
            status = 3;
            break;
        }
        if (errno != EINTR) {
            perror("recv_loop: receive");
            status = 1;
            break;
        }
    }
    fprintf(stderr, "recv_loop: %llu datagrams, %llu messages\n", datagrams, messages);
    return status;
}
