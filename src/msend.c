/* msend.c - msend: options -> a socket -> the echo, the bursts, the stat.
 *
 * The text printed and the bytes sent follow the old tools exactly (see
 * msend_opts.c for the Equiv line); bursts start on a fixed schedule so a
 * test of n bursts p ms apart takes n * p ms whatever the sending costs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "msend_opts.h"
#include "sock.h"

/* Time the old tools left after the echo datagram for switches and
 * routers to set up the multicast flow. */
enum { ECHO_SETTLE_MS = 1000, EQUIV_MAX = 512, ECHO_MAX = 600 };

typedef struct sender {
    const msend_opts *o;
    unsigned long long filtered; /* datagrams a local firewall dropped */
    sock_t s;
    sock_addr dest;
    char dest_text[SOCK_ADDR_TEXT];
    uint8_t *msg;            /* the message being built */
    size_t msg_dirty;        /* bytes of msg that may be non-zero */
    unsigned long long refused; /* sends answered by ICMP port unreachable */
} sender;

static int runtime_error(const sender *snd, const char *what)
{
    fflush(stdout); /* what was printed before the error stays before it */
    fprintf(stderr, "ERROR: %s %s: %s\n", what, snd->dest_text, sock_error_text());
    return EXIT_RUNTIME;
}

static void flush_stdout(void)
{
    fflush(stdout);
}

/* One datagram, or bytes on the TCP stream. A UDP receiver that is not
 * there makes the next send fail with "refused"; the old tools never saw
 * it (unconnected socket), so it is counted, reported once, and the send
 * is made again. A datagram this host's firewall drops is counted and
 * reported once too: the receiver's count shows the loss, as it would for
 * a firewall anywhere else on the path. */
static int send_bytes(sender *snd, const void *data, size_t len)
{
    if (snd->o->transport == MSEND_TCP)
        return sock_send_all(snd->s, data, len);
    for (int attempt = 0;; attempt++) {
        if (sock_send(snd->s, data, len) >= 0)
            return 0;
        if (sock_error_refused() && attempt < 4) {
            if (snd->refused++ == 0 && snd->o->quiet < 2)
                fprintf(stderr,
                        "WARNING: %s answered 'port unreachable' (no receiver "
                        "yet?); still sending\n",
                        snd->dest_text);
            continue;
        }
        if (sock_error_filtered()) {
            if (snd->filtered++ == 0 && snd->o->quiet < 2)
                fprintf(stderr,
                        "WARNING: sends to %s dropped by this host's firewall "
                        "(%s); still sending\n",
                        snd->dest_text, sock_error_text());
            return 0;
        }
        if (sock_error_retry()) {
            clock_sleep_ms(1); /* the interface queue is full: let it drain */
            continue;
        }
        return -1;
    }
}

static size_t put_number(char *out, unsigned long long k, bool decimal)
{
    char digits[24];
    int n = 0;
    unsigned base = decimal ? 10 : 16;
    do {
        digits[n++] = "0123456789abcdef"[k % base];
        k /= base;
    } while (k > 0);
    for (int i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return (size_t)n;
}

/* Message k: "Message <k>", then with -m N a NUL and zeros to N bytes (the
 * text cut at N when longer); with -P the payload. Returns the length. */
static size_t build_message(sender *snd, unsigned long long k)
{
    const msend_opts *o = snd->o;
    if (o->payload_len > 0)
        return o->payload_len;
    char text[32] = "Message ";
    size_t text_len = 8 + put_number(text + 8, k, o->decimal);
    if (o->msg_len == 0) {
        memcpy(snd->msg, text, text_len);
        return text_len;
    }
    size_t len = (size_t)o->msg_len;
    size_t copied = text_len < len ? text_len : len;
    memcpy(snd->msg, text, copied);
    if (snd->msg_dirty > copied)
        memset(snd->msg + copied, 0, snd->msg_dirty - copied);
    snd->msg_dirty = copied;
    return len;
}

static int send_burst(sender *snd, unsigned long long *sent)
{
    const msend_opts *o = snd->o;
    for (int i = 0; i < o->burst_count; i++) {
        size_t len = build_message(snd, *sent);
        if (i == 0 && o->quiet == 0 && o->burst_count == 1)
            printf("Sending %zu bytes\n", len);
        if (send_bytes(snd, snd->msg, len) != 0)
            return runtime_error(snd, o->transport == MSEND_TCP ? "send" : "sendto");
        (*sent)++;
    }
    return 0;
}

static int run_test(sender *snd, const char *echo, size_t echo_len)
{
    const msend_opts *o = snd->o;
    if (o->num_bursts != 0 && o->quiet < 2) {
        if (o->msg_len == 0)
            printf("Sending %lld bursts of %d variable-length messages\n",
                   o->num_bursts, o->burst_count);
        else
            printf("Sending %lld bursts of %d %d-byte messages\n",
                   o->num_bursts, o->burst_count, o->msg_len);
    }
    /* The echo datagram carries its NUL. */
    if (send_bytes(snd, echo, echo_len + 1) != 0)
        return runtime_error(snd, o->transport == MSEND_TCP ? "send" : "sendto");
    flush_stdout();
    clock_sleep_ms(ECHO_SETTLE_MS);

    unsigned long long sent = 0;
    int64_t start_us = clock_mono_us();
    for (long long burst = 0; o->num_bursts == 0 || burst < o->num_bursts; burst++) {
        if (burst > 0 && o->pause_ms > 0) {
            flush_stdout();
            clock_sleep_until(start_us + burst * (int64_t)o->pause_ms * 1000);
        }
        if (o->quiet == 0 && o->burst_count > 1)
            printf("Sending burst of %d msgs\n", o->burst_count);
        int rc = send_burst(snd, &sent);
        if (rc != 0)
            return rc;
        if (o->quiet == 1) {
            putchar('.');
            flush_stdout();
        }
    }

    if (o->stat_pause_ms > 0) {
        char stat[32] = "stat ";
        size_t stat_len = 5 + put_number(stat + 5, sent, true);
        if (o->quiet < 2)
            printf("Pausing before sending 'stat'\n");
        flush_stdout();
        clock_sleep_ms(o->stat_pause_ms);
        if (o->quiet < 2)
            printf("Sending stat\n");
        if (send_bytes(snd, stat, stat_len) != 0)
            return runtime_error(snd, o->transport == MSEND_TCP ? "send" : "sendto");
        if (o->quiet < 2)
            printf("%llu messages sent (not including 'stat')\n", sent);
    } else if (o->quiet < 2) {
        printf("%llu messages sent\n", sent);
    }
    flush_stdout();
    return 0;
}

/* Socket options; returns the SO_SNDBUF size to show in the Equiv line. */
static int configure(sender *snd, int *sndbuf_shown)
{
    const msend_opts *o = snd->o;
    int got = 0;
    if (o->sndbuf_bytes > 0) {
        if (sock_set_sndbuf(snd->s, o->sndbuf_bytes) != 0 ||
            sock_get_sndbuf(snd->s, &got) != 0)
            return runtime_error(snd, "SO_SNDBUF for");
        if (got < o->sndbuf_bytes && o->quiet < 2)
            fprintf(stderr, "WARNING: tried to set SO_SNDBUF to %d, only got %d\n",
                    o->sndbuf_bytes, got);
        *sndbuf_shown = o->sndbuf_bytes;
    } else {
        if (sock_get_sndbuf(snd->s, &got) != 0)
            return runtime_error(snd, "SO_SNDBUF for");
        if (got < 65536 && o->quiet < 2)
            fprintf(stderr, "NOTE: system default SO_SNDBUF only %d (65536 preferred)\n",
                    got);
        *sndbuf_shown = got;
    }
    if (o->transport == MSEND_MULTICAST) {
        if (sock_set_multicast_ttl(snd->s, o->ttl) != 0)
            return runtime_error(snd, "IP_MULTICAST_TTL for");
        if (o->has_interface && sock_set_multicast_if(snd->s, o->interface_addr) != 0) {
            fprintf(stderr, "ERROR: IP_MULTICAST_IF %s: %s\n", o->positional[3],
                    sock_error_text());
            return EXIT_RUNTIME;
        }
    }
    return 0;
}

static int run(const msend_opts *o)
{
    sender snd;
    memset(&snd, 0, sizeof snd);
    snd.o = o;
    sock_addr_ipv4(&snd.dest, o->group, o->port);
    sock_addr_text(&snd.dest, snd.dest_text);
    snd.msg = calloc(1, o->payload_len > 0 ? o->payload_len : (size_t)o->msg_len + 32);
    if (!snd.msg) {
        fprintf(stderr, "ERROR: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (o->payload_len > 0)
        memcpy(snd.msg, o->payload, o->payload_len);

    snd.s = o->transport == MSEND_TCP ? sock_tcp() : sock_udp();
    if (snd.s == SOCK_INVALID) {
        free(snd.msg);
        return runtime_error(&snd, "socket for");
    }
    int sndbuf_shown = 0;
    int rc = configure(&snd, &sndbuf_shown);

    char equiv[EQUIV_MAX], echo[ECHO_MAX];
    msend_equiv(o, sndbuf_shown, equiv, sizeof equiv);
    size_t echo_len = msend_echo_text(o, equiv, echo, sizeof echo);
    if (rc == 0 && o->quiet < 2) {
        printf("Equiv cmd line: %s\n", equiv);
        flush_stdout();
    }
    /* UDP is connected too: the destination is fixed, sends are cheaper,
     * and a missing receiver is reported instead of unseen. */
    if (rc == 0 && sock_connect_timeout(snd.s, &snd.dest, o->connect_timeout_ms) != 0)
        rc = runtime_error(&snd, "connect");
    for (int loop = 0; rc == 0 && loop < o->loops; loop++)
        rc = run_test(&snd, echo, echo_len);
    if (snd.filtered > 0 && o->quiet < 2)
        fprintf(stderr, "WARNING: %llu datagrams to %s dropped by this host's firewall\n",
                snd.filtered, snd.dest_text);
    if (snd.refused > 0 && o->quiet < 2)
        fprintf(stderr, "WARNING: %llu sends to %s were refused (port unreachable)\n",
                snd.refused, snd.dest_text);
    sock_close(snd.s);
    free(snd.msg);
    return rc;
}

int main(int argc, char **argv)
{
    static msend_opts opts; /* holds a 64 KiB payload: not on the stack */
    cli_error err;
    switch (msend_parse(argc, argv, &opts, &err)) {
    case OPTS_HELP:
        fputs(msend_help, stdout);
        return 0;
    case OPTS_VERSION:
        printf("msend %s\n", MTOOLS_VERSION);
        return 0;
    case OPTS_BAD:
        fprintf(stderr, "msend: %s\n%s", err.text, msend_usage);
        return EXIT_USAGE;
    case OPTS_RUN:
        break;
    }
    if (sock_startup() != 0) {
        fprintf(stderr, "ERROR: socket start-up: %s\n", sock_error_text());
        return EXIT_RUNTIME;
    }
    int rc = run(&opts);
    sock_cleanup();
    return rc;
}
