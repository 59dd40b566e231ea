/* pingpong_loop.c - the baseline mpong is measured against: the plainest
 * UDP ping-pong, one 32-byte datagram at a time, blocking calls, no
 * matching of replies. The pinging side's receive gives up after 2 s
 * (SO_RCVTIMEO, set once: no cost per cycle), so a lost datagram ends
 * the run with an error instead of a hang.
 *
 *   pingpong_loop reflect port            send every datagram back to its sender
 *   pingpong_loop ping count address port  count round trips (after 20 unmeasured):
 *                                          prints "median <us> avg <us> p99 <us>"
 *
 * RTTs on CLOCK_MONOTONIC, in microseconds with three decimals; p99 by
 * nearest rank. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int reflect(int s)
{
    unsigned char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
        if (n < 0 || sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, len) < 0) {
            perror("pingpong_loop");
            return 1;
        }
    }
}

static int ping(int s, long count, const struct sockaddr_in *to)
{
    double *rtt = malloc((size_t)count * sizeof *rtt), sum = 0;
    unsigned char probe[32] = {0}, buf[65536];
    if (!rtt)
        return 1;
    for (long k = -20; k < count; k++) {
        memcpy(probe, &k, sizeof k);
        double t0 = now_us();
        if (sendto(s, probe, sizeof probe, 0, (const struct sockaddr *)to, sizeof *to) < 0 ||
            recv(s, buf, sizeof buf, 0) < 0) {
            perror("pingpong_loop");
            return 1;
        }
        double t1 = now_us();
        if (k >= 0) {
            rtt[k] = t1 - t0;
            sum += rtt[k];
        }
    }
    qsort(rtt, (size_t)count, sizeof *rtt, compare);
    long p99 = (99 * count + 99) / 100;
    printf("median %.3f avg %.3f p99 %.3f\n", rtt[(count - 1) / 2], sum / (double)count,
           rtt[p99 - 1]);
    free(rtt);
    return 0;
}

int main(int argc, char **argv)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return 1;
    if (argc == 3 && strcmp(argv[1], "reflect") == 0) {
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((unsigned short)atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_ANY);
        if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
            perror("pingpong_loop: bind");
            return 1;
        }
        return reflect(s);
    }
    if (argc == 5 && strcmp(argv[1], "ping") == 0) {
        struct sockaddr_in to = {.sin_family = AF_INET,
                                 .sin_port = htons((unsigned short)atoi(argv[4]))};
        struct timeval wait = {.tv_sec = 2};
        long count = atol(argv[2]);
        if (count < 1 || inet_pton(AF_INET, argv[3], &to.sin_addr) != 1)
            return 2;
        if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) < 0) {
            perror("pingpong_loop: SO_RCVTIMEO");
            return 1;
        }
        return ping(s, count, &to);
    }
    fprintf(stderr, "usage: pingpong_loop reflect port | ping count address port\n");
    return 2;
}
