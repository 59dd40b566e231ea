/* sendraw.c - sends exactly the bytes a test asks for, to test mdump with
 * traffic msend would never produce. Test-only: Linux, loopback.
 *
 *   sendraw udp|tcp ADDRESS PORT ITEM...
 *
 * Over UDP each ITEM is one datagram; over TCP one write (sleep between
 * writes to make them separate reads). ITEMs:
 *   text:STRING     the bytes of STRING (no NUL)
 *   hex:HEX         bytes given as hex digits
 *   fill:N:CHAR     N copies of CHAR
 *   echo:N          "echo " and N-5 'a's, no NUL (N >= 5)
 *   random:COUNT:SEED  (UDP) COUNT datagrams of 0, 1 and 65507 bytes, then
 *                   of random length 0..65507, of random bytes; their
 *                   lengths are printed, one a line
 *   gso:COUNT:SEGS:SIZE  (UDP) COUNT super-datagrams of SEGS segments of
 *                   SIZE bytes ('g's), cut by the kernel (UDP_SEGMENT) into
 *                   COUNT * SEGS datagrams; they may reach a receiver
 *                   still joined, SEGS at a time
 *   msgs:LIST       (UDP) "Message <n>" datagrams, n in hex, in the order
 *                   LIST gives: decimal numbers and ranges A-B, separated
 *                   by commas ("0-99,101,100,102-199,150"); a pause of
 *                   100 us after each. msgsd:LIST writes n in decimal.
 *   stamped:COUNT:GAP_US:DELAY_US:SPREAD_US:SEED  (UDP) COUNT messages
 *                   "Message <n>" NUL "ts <t>" (msend --timestamp's form),
 *                   48 bytes, one every GAP_US on an absolute schedule,
 *                   each claiming to have been sent DELAY_US plus a
 *                   uniform amount in [-SPREAD_US, SPREAD_US] (from SEED)
 *                   before it really was: a path whose one-way delay
 *                   varies so, without an emulator in the kernel
 *   sleep:MS        a pause
 *   reset           (TCP) end the connection with a reset (RST)
 * A TCP connection is closed normally at the end unless reset. Exit status
 * 0, or 1 with the reason on stderr (e.g. a refused connection). */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint8_t buf[65536];

static int fail(const char *what)
{
    fprintf(stderr, "sendraw: %s: %s\n", what, strerror(errno));
    return 1;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t now_us(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_until_us(int64_t deadline)
{
    int64_t left = deadline - now_us(CLOCK_MONOTONIC);
    if (left > 0) {
        struct timespec ts = {(time_t)(left / 1000000), (long)(left % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
}

/* "Message <n>" datagrams in LIST's order (see the header). */
static int send_messages(int s, const char *list, bool decimal)
{
    const char *p = list;
    while (*p) {
        char *end;
        unsigned long long first = strtoull(p, &end, 10), last = first;
        if (end == p)
            return 2;
        if (*end == '-') {
            p = end + 1;
            last = strtoull(p, &end, 10);
            if (end == p)
                return 2;
        }
        for (unsigned long long n = first; n <= last; n++) {
            int len = snprintf((char *)buf, sizeof buf, decimal ? "Message %llu" : "Message %llx", n);
            if (send(s, buf, (size_t)len, 0) < 0)
                return fail("send");
            struct timespec gap = {0, 100000};
            nanosleep(&gap, NULL);
        }
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return 2;
    }
    return 0;
}

/* Timestamped messages claiming a varying one-way delay (see the header). */
static int send_stamped(int s, const char *spec)
{
    unsigned count = 0;
    long long gap_us = 0, delay_us = 0, spread_us = 0;
    unsigned seed = 0;
    if (sscanf(spec, "%u:%lld:%lld:%lld:%u", &count, &gap_us, &delay_us, &spread_us, &seed) != 5 ||
        gap_us <= 0 || spread_us < 0)
        return 2;
    uint64_t state = seed;
    int64_t start = now_us(CLOCK_MONOTONIC);
    for (unsigned k = 0; k < count; k++) {
        sleep_until_us(start + (int64_t)k * gap_us);
        /* A 64-bit LCG (Knuth's MMIX constants): the same sequence from
         * the same seed on every machine. */
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        long long offset = spread_us ? (long long)((state >> 33) % (uint64_t)(2 * spread_us + 1)) - spread_us : 0;
        long long claimed = (long long)now_us(CLOCK_REALTIME) - delay_us - offset;
        memset(buf, 0, 48);
        int len = snprintf((char *)buf, sizeof buf, "Message %x", k);
        snprintf((char *)buf + len + 1, 48 - (size_t)len - 1, "ts %lld", claimed);
        if (send(s, buf, 48, 0) < 0)
            return fail("send");
    }
    return 0;
}

static size_t from_hex(const char *hex)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < sizeof buf; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        buf[n++] = (uint8_t)v;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: sendraw udp|tcp ADDRESS PORT ITEM...\n");
        return 2;
    }
    int tcp = strcmp(argv[1], "tcp") == 0;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
    inet_pton(AF_INET, argv[2], &to.sin_addr);
    int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to) != 0)
        return fail("connect");
    for (int i = 4; i < argc; i++) {
        const char *item = argv[i];
        size_t n = 0;
        if (strncmp(item, "sleep:", 6) == 0) {
            pause_ms(atol(item + 6));
            continue;
        }
        if (strcmp(item, "reset") == 0) {
            struct linger lg = {1, 0};
            setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close(s);
            return 0;
        }
        if (strncmp(item, "random:", 7) == 0) {
            unsigned count = 0, seed = 0;
            sscanf(item + 7, "%u:%u", &count, &seed);
            srand(seed);
            for (unsigned k = 0; k < count; k++) {
                /* The edges first: empty, one byte, the largest. */
                static const size_t edges[] = {0, 1, 65507};
                size_t len = k < 3 ? edges[k] : (size_t)rand() % 65508;
                for (size_t j = 0; j < len; j++)
                    buf[j] = (uint8_t)rand();
                /* Not 'echo '/'stat ' by chance: those mean something. */
                if (len >= 5 && (memcmp(buf, "echo ", 5) == 0 || memcmp(buf, "stat ", 5) == 0))
                    buf[0] = 'x';
                if (send(s, buf, len, 0) < 0)
                    return fail("send");
                printf("%zu\n", len);
                pause_ms(2); /* let the receiver keep up: this is not a load test */
            }
            continue;
        }
        if (strncmp(item, "msgs:", 5) == 0 || strncmp(item, "msgsd:", 6) == 0) {
            bool decimal = item[4] == 'd';
            int rc = send_messages(s, item + (decimal ? 6 : 5), decimal);
            if (rc == 2)
                fprintf(stderr, "sendraw: '%s': a list of numbers and ranges A-B\n", item);
            if (rc != 0)
                return rc;
            continue;
        }
        if (strncmp(item, "stamped:", 8) == 0) {
            int rc = send_stamped(s, item + 8);
            if (rc == 2)
                fprintf(stderr, "sendraw: '%s': stamped:COUNT:GAP_US:DELAY_US:SPREAD_US:SEED\n", item);
            if (rc != 0)
                return rc;
            continue;
        }
        if (strncmp(item, "gso:", 4) == 0) {
            unsigned count = 0, segs = 0, size = 0;
            sscanf(item + 4, "%u:%u:%u", &count, &segs, &size);
            if ((size_t)segs * size > sizeof buf || size == 0 || size > UINT16_MAX) {
                fprintf(stderr, "sendraw: '%s' does not fit a datagram\n", item);
                return 2;
            }
            memset(buf, 'g', (size_t)segs * size);
            union {
                char bytes[CMSG_SPACE(sizeof(uint16_t))];
                struct cmsghdr align;
            } control;
            memset(&control, 0, sizeof control);
            struct iovec iov = {buf, (size_t)segs * size};
            struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
                               .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
            struct cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t segment = (uint16_t)size;
            memcpy(CMSG_DATA(c), &segment, sizeof segment);
            for (unsigned k = 0; k < count; k++)
                if (sendmsg(s, &m, 0) < 0)
                    return fail("sendmsg with UDP_SEGMENT");
            continue;
        }
        if (strncmp(item, "text:", 5) == 0) {
            n = strlen(item + 5);
            memcpy(buf, item + 5, n);
        } else if (strncmp(item, "hex:", 4) == 0) {
            n = from_hex(item + 4);
        } else if (strncmp(item, "fill:", 5) == 0) {
            char c = 'a';
            sscanf(item + 5, "%zu:%c", &n, &c);
            memset(buf, c, n);
        } else if (strncmp(item, "echo:", 5) == 0) {
            n = (size_t)atol(item + 5);
            memset(buf, 'a', n);
            memcpy(buf, "echo ", 5);
        } else {
            fprintf(stderr, "sendraw: unknown item '%s'\n", item);
            return 2;
        }
        if (n > sizeof buf)
            n = sizeof buf;
        if (send(s, buf, n, 0) < 0)
            return fail("send");
    }
    close(s);
    return 0;
}
