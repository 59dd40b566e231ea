/* pace_send.c - the paced sender of bench/rig's receiver ladder: datagrams
 * of one length at a fixed rate, on a schedule (by time t, rate x t of
 * them have gone), in batches of what is due (sendmmsg on a connected
 * socket), spinning between batches: the sender owns its core. Each
 * datagram is its own packet unless -g asks for UDP_SEGMENT runs.
 *
 * The payload is what the receiver under test expects, so that each one
 * does its ordinary work per datagram:
 *   -f msend     "Message <hex n>", a NUL and zeros, as msend sends (mdump,
 *                the recv_loop baselines);
 *   -f iperf     iperf 2's UDP header: sequence number (from 1), send time;
 *                three final datagrams with the number negated end the
 *                server's test, as the iperf 2 client does;
 *   -f sockperf  sockperf's header: 64-bit sequence number, the client
 *                flag and the length, as "sockperf throughput" sends.
 *
 * Prints "pace_send: <n> datagrams in <s> s: <rate>/s (asked <rate>/s)".
 *
 *   pace_send -r rate -t seconds [-m len] [-f msend|iperf|sockperf] [-g segs]
 *             address port */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

enum { BATCH = 64, LEN_MAX = 1472 };
enum { FORMAT_MSEND, FORMAT_IPERF, FORMAT_SOCKPERF };

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double number(const char *text, const char *what, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= lo && v <= hi)) {
        fprintf(stderr, "pace_send: %s must be %g-%g: %s\n", what, lo, hi, text);
        exit(2);
    }
    return v;
}

static void put32(uint8_t *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
}

/* Datagram number seq (from 0) of len bytes into p. */
static void fill(uint8_t *p, size_t len, int format, uint64_t seq)
{
    uint8_t head[64];
    size_t n = 0;
    memset(head, 0, sizeof head);
    if (format == FORMAT_MSEND) {
        n = (size_t)snprintf((char *)head, sizeof head, "Message %llx",
                             (unsigned long long)seq) + 1;
    } else if (format == FORMAT_IPERF) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        put32(head, (uint32_t)(seq + 1));
        put32(head + 4, (uint32_t)ts.tv_sec);
        put32(head + 8, (uint32_t)(ts.tv_nsec / 1000));
        n = 16; /* the last four: the upper half of the number, 0 */
    } else {
        put32(head, (uint32_t)((seq + 1) >> 32));
        put32(head + 4, (uint32_t)(seq + 1));
        head[9] = 1; /* 16-bit flags: from the client, no reply wanted */
        put32(head + 10, (uint32_t)len);
        n = 14;
    }
    memset(p, 0, len);
    memcpy(p, head, n < len ? n : len);
}

int main(int argc, char **argv)
{
    double rate = 0, seconds = 0;
    long len = 20, segs = 0;
    int format = FORMAT_MSEND, opt;
    while ((opt = getopt(argc, argv, "r:t:m:f:g:")) != -1) {
        switch (opt) {
        case 'r': rate = number(optarg, "rate (-r)", 1, 1e9); break;
        case 't': seconds = number(optarg, "time (-t)", 0.001, 3600); break;
        case 'm': len = (long)number(optarg, "length (-m)", 16, LEN_MAX); break;
        case 'g': segs = (long)number(optarg, "segments (-g)", 0, 64); break;
        case 'f':
            if (strcmp(optarg, "msend") == 0)
                format = FORMAT_MSEND;
            else if (strcmp(optarg, "iperf") == 0)
                format = FORMAT_IPERF;
            else if (strcmp(optarg, "sockperf") == 0)
                format = FORMAT_SOCKPERF;
            else {
                fprintf(stderr, "pace_send: format (-f) must be msend, iperf or sockperf: %s\n",
                        optarg);
                return 2;
            }
            break;
        default: return 2;
        }
    }
    if (argc - optind != 2 || rate == 0 || seconds == 0) {
        fprintf(stderr, "usage: pace_send -r rate -t seconds [-m len] "
                        "[-f msend|iperf|sockperf] [-g segs] address port\n");
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)number(argv[optind + 1], "port", 1, 65535))};
    if (inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1) {
        fprintf(stderr, "pace_send: not an IPv4 address: %s\n", argv[optind]);
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to) != 0) {
        perror("pace_send: socket");
        return 1;
    }
    if (segs > 1 && setsockopt(s, SOL_UDP, UDP_SEGMENT, &(int){(int)len}, sizeof(int)) != 0) {
        perror("pace_send: UDP_SEGMENT");
        return 1;
    }
    if (segs < 1)
        segs = 1;

    static uint8_t buf[BATCH][64 * LEN_MAX]; /* a run of up to 64 per message */
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t total = (uint64_t)(rate * seconds), sent = 0;
    int64_t start = now_ns();
    while (sent < total) {
        uint64_t due = (uint64_t)((double)(now_ns() - start) * rate / 1e9);
        if (due > total)
            due = total;
        /* Spin until a whole run is due: at these rates that is a few µs. */
        if (due <= sent || (due - sent < (uint64_t)segs && due < total))
            continue;
        uint64_t want = due - sent;
        int n = 0;
        uint64_t seq = sent;
        while (want > 0 && n < BATCH) {
            uint64_t run = want < (uint64_t)segs ? want : (uint64_t)segs;
            for (uint64_t k = 0; k < run; k++)
                fill(buf[n] + k * (uint64_t)len, (size_t)len, format, seq + k);
            iov[n].iov_base = buf[n];
            iov[n].iov_len = (size_t)(run * (uint64_t)len);
            memset(&msgs[n], 0, sizeof msgs[n]);
            msgs[n].msg_hdr.msg_iov = &iov[n];
            msgs[n].msg_hdr.msg_iovlen = 1;
            seq += run;
            want -= run;
            n++;
        }
        int done = sendmmsg(s, msgs, (unsigned)n, 0);
        if (done < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
                continue;
            perror("pace_send: sendmmsg");
            return 1;
        }
        for (int k = 0; k < done; k++)
            sent += iov[k].iov_len / (size_t)len;
    }
    double took = (double)(now_ns() - start) / 1e9;
    if (format == FORMAT_IPERF) {
        uint8_t fin[LEN_MAX];
        fill(fin, (size_t)len, format, sent);
        put32(fin, (uint32_t)-(int32_t)(sent + 1));
        for (int k = 0; k < 3; k++) {
            if (send(s, fin, (size_t)len, 0) < 0 && errno != ECONNREFUSED)
                break;
            usleep(10000);
        }
    }
    printf("pace_send: %llu datagrams in %.6f s: %.0f/s (asked %.0f/s)\n",
           (unsigned long long)sent, took, (double)sent / took, rate);
    return 0;
}
