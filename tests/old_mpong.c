/* old_mpong.c - a stand-in for the old mpong, as the interface page
 * describes it, for the tests to run ours against (Linux only):
 *
 *   old_mpong [-i] [-o file] [-r rcvbuf] [-S sndbuf] [-s samples] [-v]
 *             [-W] [-D delay_ms -E every] group port [ttl] [interface]
 *
 * One socket with SO_REUSEADDR, bound to group:port (initiator) or
 * group:port+1 (reflector), the group joined, 1 s of settling. The
 * initiator sends its send time as a struct timeval (16 bytes here; -W:
 * the 8 bytes of Windows' two 32-bit fields) to port + 1, one in flight,
 * waiting for each reply for ever, 20 warm-up cycles, then -s measured
 * ones; it prints, with -v, "timestamp RTT (in microseconds):" and a
 * line per sample, then the "avg RTT ..." line, and exits with an error
 * when a reply is not its own probe. The reflector sends every datagram
 * back unchanged to group:port, for ever. As the old tool, three
 * positionals are group port ttl.
 *
 * Not of the old tool, for the tests: -D and -E make the reflector hold
 * every E-th datagram for D ms before sending it back, while it goes on
 * reflecting the others at once (a path that delays one datagram). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "ERROR: ");
    perror(what);
    exit(1);
}

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The send time as the initiator puts it on the wire: the platform's
 * struct timeval, or Windows' (two 32-bit fields). */
static size_t stamp(int64_t t_us, int windows, unsigned char *out)
{
    if (windows) {
        int32_t f[2] = {(int32_t)(t_us / 1000000), (int32_t)(t_us % 1000000)};
        memcpy(out, f, sizeof f);
        return sizeof f;
    }
    struct timeval tv = {(time_t)(t_us / 1000000), (suseconds_t)(t_us % 1000000)};
    memcpy(out, &tv, sizeof tv);
    return sizeof tv;
}

typedef struct held {
    int64_t due_us;
    unsigned char data[2048];
    ssize_t len;
} held;

static void reflect(int s, const struct sockaddr_in *out, int delay_ms, long every)
{
    enum { HELD_MAX = 64 };
    static held queue[HELD_MAX];
    static unsigned char buf[65536];
    int held_count = 0;
    long count = 0;
    for (;;) {
        int timeout = -1;
        for (int i = 0; i < held_count; i++) {
            int64_t left = (queue[i].due_us - mono_us() + 999) / 1000;
            int ms = left < 0 ? 0 : (int)left;
            if (timeout < 0 || ms < timeout)
                timeout = ms;
        }
        struct pollfd p = {s, POLLIN, 0};
        int ready = poll(&p, 1, timeout);
        if (ready < 0)
            die("poll");
        for (int i = 0; i < held_count;) {
            if (queue[i].due_us <= mono_us()) {
                if (sendto(s, queue[i].data, (size_t)queue[i].len, 0,
                           (const struct sockaddr *)out, sizeof *out) < 0)
                    die("send");
                queue[i] = queue[--held_count];
            } else {
                i++;
            }
        }
        if (ready == 0)
            continue;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, NULL, NULL);
        if (n < 0)
            die("recv");
        count++;
        if (every > 0 && count % every == 0 && held_count < HELD_MAX &&
            (size_t)n <= sizeof queue[0].data) {
            queue[held_count].due_us = mono_us() + (int64_t)delay_ms * 1000;
            memcpy(queue[held_count].data, buf, (size_t)n);
            queue[held_count++].len = n;
            continue;
        }
        if (sendto(s, buf, (size_t)n, 0, (const struct sockaddr *)out, sizeof *out) < 0)
            die("send");
    }
}

static void initiate(int s, const struct sockaddr_in *out, long samples, int verbose,
                     int windows, FILE *file)
{
    int64_t *start = calloc((size_t)samples, sizeof *start);
    int64_t *end = calloc((size_t)samples, sizeof *end);
    unsigned char probe[16], buf[65536];
    if (!start || !end)
        die("calloc");
    for (long k = -20; k < samples; k++) {
        int64_t t0 = now_us();
        size_t len = stamp(t0, windows, probe);
        if (sendto(s, probe, len, 0, (const struct sockaddr *)out, sizeof *out) < 0)
            die("send");
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, NULL, NULL);
        int64_t t1 = now_us();
        if (n < 0)
            die("recv");
        if (k < 0)
            continue;
        start[k] = t0;
        end[k] = t1;
        if ((size_t)n != len) {
            fprintf(stderr, "ERROR: recvfrom rtn val %zd != sizeof struct timeval %zu\n", n, len);
            exit(1);
        }
        if (memcmp(buf, probe, len) != 0) {
            fprintf(stderr, "ERROR: recvfrom buff != start_tv\n");
            exit(1);
        }
    }
    if (verbose) {
        printf("timestamp RTT (in microseconds):\n");
        if (file)
            fprintf(file, "RTT samples:\n");
    }
    double sum = 0;
    int64_t min = 0, max = 0;
    for (long k = 0; k < samples; k++) {
        int64_t rtt = end[k] - start[k], since = start[k] - start[0];
        if (verbose) {
            printf("%lld.%06lld %lld\n", (long long)(since / 1000000),
                   (long long)(since % 1000000), (long long)rtt);
            if (file)
                fprintf(file, "%lld.%06lld %lld\n", (long long)(since / 1000000),
                        (long long)(since % 1000000), (long long)rtt);
        }
        sum += (double)rtt;
        if (k == 0 || rtt < min)
            min = rtt;
        if (k == 0 || rtt > max)
            max = rtt;
    }
    /* Single precision, as the old tool computed. */
    float avg = (float)(sum / (double)samples), var = 0;
    for (long k = 0; k < samples; k++) {
        float d = (float)(end[k] - start[k]) - avg;
        var += d * d;
    }
    float std = sqrtf(var / (float)samples);
    printf("avg RTT %f us, std dev %f, min RTT %lld us, max RTT %lld us\n", avg, std,
           (long long)min, (long long)max);
    if (file)
        fprintf(file, "avg RTT %f us, std dev %f, min RTT %lld us, max RTT %lld us\n", avg,
                std, (long long)min, (long long)max);
    free(start);
    free(end);
}

int main(int argc, char **argv)
{
    int initiator = 0, verbose = 0, windows = 0, rcvbuf = 1048576, sndbuf = 65536;
    int delay_ms = 0;
    long samples = 65536, every = 0;
    FILE *file = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "hio:r:S:s:vWD:E:")) != -1) {
        switch (opt) {
        case 'i': initiator = 1; break;
        case 'o':
            file = fopen(optarg, "w");
            if (!file)
                die("fopen");
            break;
        case 'r': rcvbuf = atoi(optarg); break;
        case 'S': sndbuf = atoi(optarg); break;
        case 's': samples = atol(optarg); break;
        case 'v': verbose = 1; break;
        case 'W': windows = 1; break;
        case 'D': delay_ms = atoi(optarg); break;
        case 'E': every = atol(optarg); break;
        default:
            fprintf(stderr, "usage: old_mpong [-i] [-o file] [-r rcvbuf] [-S sndbuf] "
                            "[-s samples] [-v] [-W] [-D ms -E every] group port [ttl] "
                            "[interface]\n");
            return 1;
        }
    }
    if (argc - optind < 2 || samples < 1)
        return 1;
    const char *group = argv[optind];
    int port = atoi(argv[optind + 1]);
    int ttl = argc - optind > 2 ? atoi(argv[optind + 2]) : 2;
    const char *interface = argc - optind > 3 ? argv[optind + 3] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        die("socket");
    int cur;
    socklen_t sz = sizeof cur;
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
        die("setsockopt - SO_RCVBUF");
    if (getsockopt(s, SOL_SOCKET, SO_RCVBUF, &cur, &sz) < 0)
        die("getsockopt - SO_RCVBUF");
    if (cur < rcvbuf)
        printf("WARNING: tried to set SO_RCVBUF to %d, only got %d\n", rcvbuf, cur);
    if (setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0)
        die("setsockopt - SO_SNDBUF");
    sz = sizeof cur;
    if (getsockopt(s, SOL_SOCKET, SO_SNDBUF, &cur, &sz) < 0)
        die("getsockopt - SO_SNDBUF");
    if (cur < sndbuf)
        printf("WARNING: tried to set SO_SNDBUF to %d, only got %d\n", sndbuf, cur);
    unsigned char ttl_byte = (unsigned char)ttl;
    if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &ttl_byte, sizeof ttl_byte) < 0)
        die("setsockopt - TTL");
    struct ip_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_multiaddr.s_addr = inet_addr(group);
    mreq.imr_interface.s_addr = interface ? inet_addr(interface) : htonl(INADDR_ANY);
    if (interface && setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                                sizeof mreq.imr_interface) < 0)
        die("setsockopt - IP_MULTICAST_IF");
    int one = 1;
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        die("setsockopt SO_REUSEADDR");
    struct sockaddr_in in, out;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = inet_addr(group);
    out = in;
    in.sin_port = htons((uint16_t)(initiator ? port : port + 1));
    out.sin_port = htons((uint16_t)(initiator ? port + 1 : port));
    if (bind(s, (struct sockaddr *)&in, sizeof in) < 0) {
        in.sin_addr.s_addr = htonl(INADDR_ANY);
        if (bind(s, (struct sockaddr *)&in, sizeof in) < 0)
            die("bind");
    }
    if (setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
        die("setsockopt - IP_ADD_MEMBERSHIP");
    sleep(1);
    if (initiator)
        initiate(s, &out, samples, verbose, windows, file);
    else
        reflect(s, &out, delay_ms, every);
    if (file)
        fclose(file);
    close(s);
    return 0;
}
