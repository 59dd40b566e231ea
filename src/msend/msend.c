/* msend.c - msend: options -> a socket -> the echo, the bursts, the stat.
 *
 * The text printed and the bytes sent follow the old tools exactly (see
 * msend_opts.c for the Equiv line); bursts start on a fixed schedule so a
 * test of n bursts p ms apart takes n * p ms whatever the sending costs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "msend/msend_opts.h"
#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "lib/wire.h"

/* Time the old tools left after the echo datagram for switches and
 * routers to set up the multicast flow. */
enum { ECHO_SETTLE_MS = 1000 };

/* Messages are built end to end in a chunk and handed to the socket layer
 * together: many datagrams per system call, one write per chunk on TCP. */
enum { CHUNK_BYTES = 256 * 1024, CHUNK_MESSAGES = 4096 };

/* What could not be sent, by kind of datagram: the receiver's 'stat'
 * counts messages only, and a lost echo or stat explains a silent one. */
typedef struct unsent_count {
    unsigned long long echoes, messages, stats;
} unsent_count;

typedef struct sender {
    const msend_opts *o;
    sock_t s;
    sock_sender tx;
    sock_addr dest;
    char dest_text[SOCK_ADDR_TEXT];
    bool connected;              /* UDP: false after a failed reconnect */
    uint8_t *chunk;              /* CHUNK_BYTES, or one message if larger */
    uint32_t lens[CHUNK_MESSAGES];
    size_t chunk_messages;       /* how many messages a chunk holds */
    unsigned long long refused;  /* sends answered by ICMP port unreachable */
    unsigned long long filtered; /* datagrams this host's firewall dropped */
    unsent_count unsent;         /* could not be sent: the path failed */
    unsigned long long messages; /* messages of every loop, sent or not */
    char trouble[96];            /* why the path first failed, "" if never */
    unsigned long long bytes;    /* for --summary */
} sender;

/* How long one datagram may meet a full queue (ENOBUFS, EAGAIN) before it
 * is counted as not sent: the schedule goes on. */
enum { BUSY_LIMIT_US = 1000000 };

static int runtime_error(const sender *snd, const char *what)
{
    /* Taken first: a failing fflush would replace errno with its own. */
    const char *reason = sock_error_text();
    /* What was printed before the error stays before it; if stdout is
     * failing too, the error still goes to stderr. */
    (void)fflush(stdout);
    fprintf(stderr, "ERROR: %s %s: %s\n", what, snd->dest_text, reason);
    return EXIT_RUNTIME;
}

static int send_error(const sender *snd)
{
    return runtime_error(snd, snd->o->transport == MSEND_TCP ? "send" : "sendto");
}

/* A reader that went away (msend | head -1) ends msend instead of leaving
 * it sending unseen; other output errors are ignored, as they always were. */
static void flush_stdout(void)
{
    if (fflush(stdout) != 0 && errno == EPIPE)
        exit(EXIT_OUTPUT_GONE);
}

/* What to do after a failed UDP send: the same datagram again, go on
 * without it (dropped by the firewall, or not sent), or give up. */
typedef enum { SEND_AGAIN, SEND_DROPPED, SEND_UNSENT, SEND_FAIL } send_verdict;

/* A path that failed: said once, with the reason kept for the count at
 * the end. */
static void path_trouble(sender *snd)
{
    if (snd->trouble[0] != '\0')
        return;
    snprintf(snd->trouble, sizeof snd->trouble, "%s", sock_error_text());
    if (snd->o->quiet < 2)
        fprintf(stderr, "WARNING: send to %s failed (%s); still sending\n",
                snd->dest_text, snd->trouble);
}

/* Decides after a failed UDP send, as a long test must: ride out what may
 * heal and give up only on what cannot.
 *  - refused (ICMP port unreachable for an earlier datagram; the old tools
 *    never saw it): counted, said once, this datagram sent again;
 *  - dropped by this host's firewall: counted, said once, skipped, as a
 *    firewall anywhere on the path would drop it;
 *  - a full queue (ENOBUFS, EAGAIN): sent again shortly, for up to
 *    BUSY_LIMIT_US, then counted as not sent;
 *  - the path (no route, the source address gone, the interface down, an
 *    ICMP error): once connected again (a new route, a new source
 *    address) sent again; if it fails again, counted as not sent;
 *  - anything else cannot heal: the error ends msend.
 * *second_try: this datagram already had its second chance. */
static send_verdict after_failure(sender *snd, bool *second_try, int64_t *busy_since_us)
{
    bool quiet = snd->o->quiet >= 2;
    if (sock_error_refused()) {
        if (snd->refused++ == 0 && !quiet)
            fprintf(stderr, "WARNING: %s answered 'port unreachable' (no receiver "
                            "yet?); still sending\n", snd->dest_text);
        return snd->refused < 1000000000ULL ? SEND_AGAIN : SEND_FAIL;
    }
    if (sock_error_filtered()) {
        if (snd->filtered++ == 0 && !quiet)
            fprintf(stderr, "WARNING: sends to %s dropped by this host's firewall "
                            "(%s); still sending\n", snd->dest_text, sock_error_text());
        return SEND_DROPPED;
    }
    if (sock_error_retry()) {
        int64_t now = clock_mono_us();
        if (*busy_since_us == 0)
            *busy_since_us = now;
        if (now - *busy_since_us < BUSY_LIMIT_US) {
            clock_sleep_ms(1); /* the interface queue is full: let it drain */
            return SEND_AGAIN;
        }
        path_trouble(snd);
        return SEND_UNSENT;
    }
    if (sock_error_path()) {
        path_trouble(snd);
        if (*second_try || !snd->connected)
            return SEND_UNSENT;
        *second_try = true;
        snd->connected = false; /* connected again before the next send */
        return SEND_AGAIN;
    }
    return SEND_FAIL;
}

/* Sends datagrams on UDP; those that could not be sent are added to
 * *unsent. Returns 0, or EXIT_RUNTIME after an error that cannot heal. */
static int send_datagrams(sender *snd, const uint8_t *data, const uint32_t *lens,
                          size_t count, unsigned long long *unsent)
{
    bool second_try = false;
    int64_t busy_since_us = 0;
    while (count > 0) {
        long sent;
        if (!snd->connected && sock_reconnect(snd->s, &snd->dest) != 0)
            sent = -1;
        else {
            snd->connected = true;
            sent = sock_send_datagrams(&snd->tx, data, lens, count);
        }
        if (sent < 0) {
            switch (after_failure(snd, &second_try, &busy_since_us)) {
            case SEND_AGAIN:
                continue;
            case SEND_UNSENT:
                (*unsent)++;
                sent = 1;
                break;
            case SEND_DROPPED:
                sent = 1;
                break;
            case SEND_FAIL:
                return send_error(snd);
            }
        }
        second_try = false;
        busy_since_us = 0;
        for (long k = 0; k < sent; k++)
            data += lens[k];
        lens += sent;
        count -= (size_t)sent;
    }
    return 0;
}

/* Sends the datagrams of a chunk (or its bytes, on TCP). */
static int send_chunk(sender *snd, const uint8_t *data, const uint32_t *lens,
                      size_t count, unsigned long long *unsent)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += lens[i];
    snd->bytes += total;
    if (snd->o->transport != MSEND_TCP)
        return send_datagrams(snd, data, lens, count, unsent);
    /* TCP rides out a path that fails for a while by itself (it sends
     * again); an error here means the connection is gone. */
    if (sock_send_all(snd->s, data, total) != 0)
        return send_error(snd);
    return 0;
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

/* Message k at out: "Message <k>", then with -m N a NUL and zeros to N
 * bytes (the text cut at N when longer); with -P the payload. Returns the
 * length. */
static size_t write_message(const msend_opts *o, uint8_t *out,
                            unsigned long long k)
{
    if (o->payload_len > 0) {
        memcpy(out, o->payload, o->payload_len);
        return o->payload_len;
    }
    char text[32] = WIRE_MESSAGE;
    size_t text_len = WIRE_MESSAGE_LEN + put_number(text + WIRE_MESSAGE_LEN, k, o->decimal);
    if (o->msg_len == 0) {
        memcpy(out, text, text_len);
        return text_len;
    }
    size_t len = (size_t)o->msg_len;
    size_t copied = text_len < len ? text_len : len;
    memcpy(out, text, copied);
    memset(out + copied, 0, len - copied);
    return len;
}

/* Sends messages *next .. *next + count - 1, a chunk at a time. */
static int send_messages(sender *snd, unsigned long long *next,
                         unsigned long long count)
{
    while (count > 0) {
        size_t n = 0, offset = 0;
        while (n < snd->chunk_messages && n < count) {
            size_t len = write_message(snd->o, snd->chunk + offset, *next + n);
            snd->lens[n++] = (uint32_t)len;
            offset += len;
        }
        int rc = send_chunk(snd, snd->chunk, snd->lens, n, &snd->unsent.messages);
        if (rc != 0)
            return rc;
        *next += n;
        snd->messages += n;
        count -= n;
    }
    return 0;
}

/* The longest message: a chunk holds at least one. */
static size_t longest_message(const msend_opts *o)
{
    if (o->payload_len > 0)
        return o->payload_len;
    return o->msg_len > 0 ? (size_t)o->msg_len : 32;
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
    uint32_t echo_bytes = (uint32_t)echo_len + 1;
    int rc = send_chunk(snd, (const uint8_t *)echo, &echo_bytes, 1, &snd->unsent.echoes);
    if (rc != 0)
        return rc;
    flush_stdout();
    clock_sleep_ms(ECHO_SETTLE_MS);

    unsigned long long sent = 0, bytes_before = snd->bytes;
    int64_t start_us = clock_mono_us();
    /* Silent, unpaced bursts are one stream of messages: batch across them. */
    bool one_stream = o->quiet == 2 && o->pause_ms == 0 && o->num_bursts > 0 &&
                      (unsigned long long)o->num_bursts <=
                          ULLONG_MAX / (unsigned long long)o->burst_count; /* -b >= 1 */
    unsigned long long per_burst = (unsigned long long)o->burst_count;
    long long bursts = o->num_bursts;
    if (one_stream) {
        per_burst *= (unsigned long long)o->num_bursts;
        bursts = 1;
    }
    for (long long burst = 0; bursts == 0 || burst < bursts; burst++) {
        if (burst > 0 && o->pause_ms > 0) {
            flush_stdout();
            clock_sleep_until(start_us + burst * (int64_t)o->pause_ms * 1000);
        }
        if (o->quiet == 0) {
            if (o->burst_count > 1)
                printf("Sending burst of %d msgs\n", o->burst_count);
            else
                printf("Sending %zu bytes\n", write_message(o, snd->chunk, sent));
        }
        rc = send_messages(snd, &sent, per_burst);
        if (rc != 0)
            return rc;
        if (o->quiet == 1) {
            putchar('.');
            flush_stdout();
        }
    }

    if (o->summary) {
        double seconds = (double)(clock_mono_us() - start_us) / 1e6;
        double bytes = (double)(snd->bytes - bytes_before);
        flush_stdout();
        fprintf(stderr, "msend: %llu messages, %.0f bytes in %.6f s: %.0f messages/s, "
                        "%.1f Mbit/s\n", sent, bytes, seconds,
                seconds > 0 ? (double)sent / seconds : 0.0,
                seconds > 0 ? bytes * 8 / seconds / 1e6 : 0.0);
    }
    if (o->stat_pause_ms > 0) {
        char stat[32] = WIRE_STAT;
        uint32_t stat_len = (uint32_t)(WIRE_STAT_LEN + put_number(stat + WIRE_STAT_LEN, sent, true));
        if (o->quiet < 2)
            printf("Pausing before sending 'stat'\n");
        flush_stdout();
        clock_sleep_ms(o->stat_pause_ms);
        if (o->quiet < 2)
            printf("Sending stat\n");
        rc = send_chunk(snd, (const uint8_t *)stat, &stat_len, 1, &snd->unsent.stats);
        if (rc != 0)
            return rc;
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
        if (sock_buffer_short(o->sndbuf_bytes, got) && o->quiet < 2) {
            char note[160];
            sock_buffer_note(false, o->sndbuf_bytes, got, note, sizeof note);
            fprintf(stderr, "WARNING: tried to set SO_SNDBUF to %d, only got %d\n%s\n",
                    o->sndbuf_bytes, got, note);
        }
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
        int ttl = 0;
        if (sock_set_multicast_ttl(snd->s, o->ttl, &ttl) != 0)
            return runtime_error(snd, "IP_MULTICAST_TTL for");
        if (ttl != o->ttl && o->quiet < 2)
            fprintf(stderr, "WARNING: tried to set IP_MULTICAST_TTL to %d, %s %d\n",
                    o->ttl, ttl < o->ttl ? "only got" : "got", ttl);
        if (!o->pos.has_interface)
            return 0;
        sock_addr kept;
        if (sock_set_multicast_if(snd->s, &o->pos.interface_addr, &kept) != 0) {
            fprintf(stderr, "ERROR: IP_MULTICAST_IF %s: %s\n", o->pos.interface_typed,
                    sock_error_text());
            return EXIT_RUNTIME;
        }
        if (!sock_addr_same_host(&kept, &o->pos.interface_addr) && o->quiet < 2) {
            char kept_text[SOCK_ADDR_TEXT];
            sock_addr_format(&kept, SOCK_ADDR_HOST, kept_text);
            fprintf(stderr, "WARNING: tried to set IP_MULTICAST_IF to %s, got %s\n",
                    o->pos.interface_typed, kept_text);
        }
        return 0;
    }
    /* -u, -t: a subnet's broadcast address or 255.255.255.255 is a
     * destination like any other; the ttl, when typed, is the unicast
     * one; the interface is the address to send from. */
    if (o->transport == MSEND_UDP && sock_set_broadcast(snd->s) != 0)
        return runtime_error(snd, "SO_BROADCAST for");
    if (o->pos.has_ttl && sock_set_unicast_ttl(snd->s, o->ttl) != 0)
        return runtime_error(snd, "IP_TTL for");
    if (o->pos.has_interface) {
        if (sock_bind(snd->s, &o->pos.interface_addr) != 0) {
            if (sock_error_not_local())
                fprintf(stderr, "ERROR: interface %s: not an address of this host (with "
                                "-u or -t it is the local address to send from)\n",
                        o->pos.interface_typed);
            else
                fprintf(stderr, "ERROR: bind %s: %s\n", o->pos.interface_typed,
                        sock_error_text());
            return EXIT_RUNTIME;
        }
    }
    return 0;
}

/* "the echo datagram" or "3 of 5 echo datagrams". */
static void print_unsent(const sender *snd, unsigned long long unsent,
                         unsigned long long of, const char *what)
{
    const char *reason = snd->trouble[0] ? snd->trouble : "?";
    if (of == 1)
        fprintf(stderr, "WARNING: the %s to %s could not be sent (%s)\n", what,
                snd->dest_text, reason);
    else
        fprintf(stderr, "WARNING: %llu of %llu %ss to %s could not be sent (%s)\n",
                unsent, of, what, snd->dest_text, reason);
}

/* The count of what could not be sent, whatever -q says (it explains the
 * exit status); rc becomes EXIT_UNSENT when anything was not sent. */
static int report_unsent(const sender *snd, int loops_run, int rc)
{
    const unsent_count *u = &snd->unsent;
    if (u->echoes > 0)
        print_unsent(snd, u->echoes, (unsigned long long)loops_run, "echo datagram");
    if (u->messages > 0)
        fprintf(stderr, "WARNING: %llu of %llu messages to %s could not be sent (%s)\n",
                u->messages, snd->messages, snd->dest_text,
                snd->trouble[0] ? snd->trouble : "?");
    if (u->stats > 0)
        print_unsent(snd, u->stats, (unsigned long long)loops_run, "'stat' datagram");
    if (rc == 0 && (u->echoes > 0 || u->messages > 0 || u->stats > 0 || snd->filtered > 0))
        return EXIT_UNSENT;
    return rc;
}

static int run(const msend_opts *o)
{
    sender snd;
    memset(&snd, 0, sizeof snd);
    snd.o = o;
    snd.dest = o->pos.group;
    sock_addr_format(&snd.dest, SOCK_ADDR_COLON_PORT, snd.dest_text);
    size_t longest = longest_message(o);
    snd.chunk_messages = CHUNK_BYTES / longest;
    if (snd.chunk_messages > CHUNK_MESSAGES)
        snd.chunk_messages = CHUNK_MESSAGES;
    if (snd.chunk_messages == 0)
        snd.chunk_messages = 1;
    snd.chunk = malloc(snd.chunk_messages * longest > 600 ? snd.chunk_messages * longest : 600);
    if (!snd.chunk) {
        fprintf(stderr, "ERROR: out of memory\n");
        return EXIT_RUNTIME;
    }

    int family = sock_addr_family(&snd.dest);
    snd.s = o->transport == MSEND_TCP ? sock_tcp(family) : sock_udp(family);
    if (snd.s == SOCK_INVALID) {
        free(snd.chunk);
        return runtime_error(&snd, "socket for");
    }
    sock_sender_init(&snd.tx, snd.s);
    int sndbuf_shown = 0;
    int rc = configure(&snd, &sndbuf_shown);

    /* Sized to fit: positionals are shown as typed, however long. */
    size_t equiv_len = msend_equiv(o, sndbuf_shown, NULL, 0);
    char *equiv = malloc(equiv_len + 1);
    size_t echo_len = equiv ? msend_echo_text(o, "", NULL, 0) + equiv_len : 0;
    char *echo = equiv ? malloc(echo_len + 1) : NULL;
    if (!equiv || !echo) {
        free(equiv);
        free(snd.chunk);
        sock_close(snd.s);
        fprintf(stderr, "ERROR: out of memory\n");
        return EXIT_RUNTIME;
    }
    msend_equiv(o, sndbuf_shown, equiv, equiv_len + 1);
    msend_echo_text(o, equiv, echo, echo_len + 1);
    if (rc == 0 && o->quiet < 2) {
        printf("Equiv cmd line: %s\n", equiv);
        flush_stdout();
    }
    /* UDP is connected too: the destination is fixed, sends are cheaper,
     * and a missing receiver is reported instead of unseen. */
    if (rc == 0 && sock_connect_timeout(snd.s, &snd.dest, o->connect_timeout_ms) != 0)
        rc = runtime_error(&snd, "connect");
    snd.connected = true;
    int loops_run = 0;
    for (; rc == 0 && loops_run < o->loops; loops_run++)
        rc = run_test(&snd, echo, echo_len);
    /* Said whatever -q says: it explains the exit status (5). */
    if (snd.filtered > 0)
        fprintf(stderr, "WARNING: %llu datagrams to %s dropped by this host's firewall\n",
                snd.filtered, snd.dest_text);
    if (snd.refused > 0 && o->quiet < 2)
        fprintf(stderr, "WARNING: %llu sends to %s were refused (port unreachable)\n",
                snd.refused, snd.dest_text);
    rc = report_unsent(&snd, loops_run, rc);
    sock_close(snd.s);
    free(snd.chunk);
    free(equiv);
    free(echo);
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
