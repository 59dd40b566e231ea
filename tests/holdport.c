/* holdport.c - another application on a port, for the tests of port
 * sharing: binds a UDP socket (or listens on TCP) and holds it, printing
 * what arrives. Test-only (Linux).
 *
 *   holdport udp|tcp ADDRESS PORT reuse|plain SECONDS
 *
 * reuse sets SO_REUSEADDR before bind (as most receivers do), plain does
 * not. A TCP listener never accepts: its backlog is 1, so once two
 * connections wait in it, further SYNs are dropped and a connect hangs. Prints "bound" once bound (or listening), then per UDP datagram
 * "<length> bytes: <text>" (bytes outside 0x20-0x7e as '.'); exits 0
 * after SECONDS, or 1 with the reason on stderr (e.g. the port in use). */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "holdport: %s: %s\n", what, strerror(errno));
    return 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: holdport udp|tcp ADDRESS PORT reuse|plain SECONDS\n");
        return 2;
    }
    int tcp = strcmp(argv[1], "tcp") == 0;
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
    if (inet_pton(AF_INET, argv[2], &at.sin_addr) != 1) {
        fprintf(stderr, "holdport: bad address '%s'\n", argv[2]);
        return 2;
    }
    int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    int one = 1;
    if (s < 0)
        return fail("socket");
    if (strcmp(argv[4], "reuse") == 0 &&
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        return fail("SO_REUSEADDR");
    if (bind(s, (struct sockaddr *)&at, sizeof at) != 0)
        return fail("bind");
    if (tcp && listen(s, 1) != 0)
        return fail("listen");
    printf("bound\n");
    fflush(stdout);
    long long end = now_ms() + atol(argv[5]) * 1000;
    for (long long left; (left = end - now_ms()) > 0;) {
        if (tcp) {
            /* Not poll: a connection waiting makes the listener readable. */
            struct timespec rest = {(time_t)(left / 1000), (long)(left % 1000) * 1000000};
            nanosleep(&rest, NULL);
            continue;
        }
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        static char buf[65536];
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n < 0)
            continue;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] < 0x20 || buf[i] > 0x7e)
                buf[i] = '.';
        printf("%zd bytes: %.*s\n", n, (int)n, buf);
        fflush(stdout);
    }
    return 0;
}
