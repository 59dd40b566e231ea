/* plain_send.c - the old msend's sending, as bench/rig's baseline sender:
 * one sendto() per message on an unconnected socket with SO_SNDBUF set as
 * msend sets it. Sends the echo datagram, waits 1 s (as msend does), then
 * num_bursts bursts of burst_count messages "Message <hex n>" (with -m,
 * a NUL and zeros up to len), a burst starting every pause ms, and with
 * -s, stat_ms later, "stat <count>". Prints its send rate on stderr:
 * "plain_send: <n> messages in <s> s: <rate> messages/s".
 *
 *   plain_send [-m len] [-b burst_count] [-n num_bursts] [-p pause_ms]
 *              [-s stat_ms] [-S sndbuf] address port */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    double left = t - now_s();
    if (left > 0) {
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static long number(const char *text, const char *what, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "plain_send: %s must be %ld-%ld: %s\n", what, lo, hi, text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long len = 0, burst = 1, bursts = 1, pause_ms = 1000, stat_ms = 0, sndbuf = 65536;
    int opt;
    while ((opt = getopt(argc, argv, "m:b:n:p:s:S:")) != -1) {
        switch (opt) {
        case 'm': len = number(optarg, "length (-m)", 0, 65507); break;
        case 'b': burst = number(optarg, "burst count (-b)", 1, 1000000000); break;
        case 'n': bursts = number(optarg, "bursts (-n)", 1, 1000000000); break;
        case 'p': pause_ms = number(optarg, "pause (-p)", 0, 3600000); break;
        case 's': stat_ms = number(optarg, "stat pause (-s)", 0, 3600000); break;
        case 'S': sndbuf = number(optarg, "SO_SNDBUF (-S)", 0, 1L << 30); break;
        default: return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: plain_send [-m len] [-b burst_count] [-n num_bursts] "
                        "[-p pause_ms] [-s stat_ms] [-S sndbuf] address port\n");
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)number(argv[optind + 1], "port", 1, 65535))};
    if (inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1) {
        fprintf(stderr, "plain_send: not an IPv4 address: %s\n", argv[optind]);
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || (sndbuf > 0 && setsockopt(s, SOL_SOCKET, SO_SNDBUF, &(int){(int)sndbuf},
                                           sizeof(int)) != 0)) {
        perror("plain_send: socket");
        return 1;
    }
    static char buf[65536];
    const char echo[] = "echo plain sender";
    sendto(s, echo, sizeof echo, 0, (struct sockaddr *)&to, sizeof to);
    sleep_until(now_s() + 1.0);

    long long count = 0;
    double start = now_s();
    for (long b = 0; b < bursts; b++) {
        if (b > 0)
            sleep_until(start + (double)b * (double)pause_ms / 1000);
        for (long k = 0; k < burst; k++, count++) {
            int n = snprintf(buf, sizeof buf, "Message %llx", count);
            if (len > 0) {
                memset(buf + n, 0, (size_t)(len > n ? len - n : 0));
                n = (int)len;
            }
            /* A full interface queue (ENOBUFS) drops the message, as it
             * did for the old tools; anything else ends the run. */
            if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof to) < 0 &&
                errno != ENOBUFS && errno != ECONNREFUSED) {
                perror("plain_send: sendto");
                return 1;
            }
        }
    }
    double seconds = now_s() - start;
    fprintf(stderr, "plain_send: %lld messages in %.6f s: %.0f messages/s\n", count, seconds,
            seconds > 0 ? (double)count / seconds : 0.0);
    if (stat_ms > 0) {
        sleep_until(now_s() + (double)stat_ms / 1000);
        int n = snprintf(buf, sizeof buf, "stat %lld", count);
        sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof to);
    }
    return 0;
}
