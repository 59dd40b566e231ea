/* mdump.c - mdump: options -> a receiving socket -> what each datagram
 * (or TCP read) means, printed to stdout and the -o file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/receiver.h"
#include "lib/clock.h"
#include "lib/out.h"
#include "lib/prog.h"
#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "mdump/mdump_opts.h"

static const prog_info mdump_prog = {"mdump", mdump_help, mdump_usage};

/* Larger than any IPv4 datagram; also the size of one TCP read. */
enum { RECV_BUFFER_BYTES = 65536 };

typedef struct session {
    const mdump_opts *opts;
    out o;
    receiver rx;
    sock_arrivals arrivals;      /* what the UDP socket is to hand over */
    unsigned long long messages; /* for -p's count */
    unsigned long long units, bytes; /* for --summary: datagrams or reads */
    int64_t first_us, last_us;       /* first and last message's arrival */
    char note[160]; /* a NOTE's text for stderr, written once stdout is */
    uint8_t buf[RECV_BUFFER_BYTES];
} session;

/* Writes a pending NOTE to stderr after what stdout has so far (the
 * WARNING it explains), so that a terminal shows them in order. */
static void flush_note(session *ss)
{
    if (ss->note[0] == '\0')
        return;
    out_flush(&ss->o);
    prog_note("%s", ss->note);
    ss->note[0] = '\0';
}

/* The copy of an ERROR line in the -o file, so a log shows why it ended. */
static void copy_to_file(void *ctx, const char *line)
{
    session *ss = ctx;
    if (!ss->o.file)
        return;
    bool to_stdout = ss->o.to_stdout;
    ss->o.to_stdout = false;
    out_puts(&ss->o, line);
    out_flush(&ss->o);
    ss->o.to_stdout = to_stdout;
}

/* An ERROR, after what stdout has so far; on stderr and in the -o file. */
static int report_text(session *ss, const char *text)
{
    flush_note(ss);
    out_flush(&ss->o);
    prog_error_copied(copy_to_file, ss, "%s", text);
    return EXIT_RUNTIME;
}

static int report(session *ss, const char *what, const char *where)
{
    char text[512];
    /* The reason taken first: the flushes before the line may change it. */
    snprintf(text, sizeof text, "%s%s%s: %s", what, where ? " " : "",
             where ? where : "", sock_error_text());
    return report_text(ss, text);
}

/* A bind that failed; with group 0.0.0.0 the interface is the local
 * address to receive on, and one that is not this host's is named. */
static int report_bind(session *ss, const char *where)
{
    const prog_positionals *pos = &ss->opts->pos;
    if (!sock_addr_is_unspecified(&pos->group) || !pos->has_interface ||
        !sock_error_not_local())
        return report(ss, "bind", where);
    char text[512];
    snprintf(text, sizeof text, "interface %s: not an address of this host "
             "(with group %s it is the local address to receive on)",
             pos->interface_typed, pos->typed[0]);
    return report_text(ss, text);
}

static int set_rcvbuf(session *ss, sock_t s)
{
    int want = ss->opts->rcvbuf_bytes, got = 0;
    if (want == 0)
        return 0;
    if (sock_set_rcvbuf(s, want) != 0 || sock_get_rcvbuf(s, &got) != 0)
        return report(ss, "SO_RCVBUF", NULL);
    /* The old tool's line, where it printed it; then on stderr the size
     * granted and how to raise the limit. */
    if (sock_buffer_short(want, got)) {
        out_printf(&ss->o, PROG_WARNING_PREFIX "tried to set SO_RCVBUF to %d, only got %d\n",
                   want, got);
        sock_buffer_note(true, want, got, ss->note, sizeof ss->note);
    }
    return 0;
}

/* A flag the system took but did not keep on. */
static void check_kept_on(session *ss, const char *option, int kept)
{
    if (!kept)
        out_printf(&ss->o, PROG_WARNING_PREFIX "tried to set %s to 1, only got 0\n", option);
}

/* 128 + signal number, as a shell reports a program killed by it. */
static int interrupted_status(void)
{
    return EXIT_SIGNAL_BASE + sock_interrupted();
}

/* Nobody reads stdout any more: what remains goes to the -o file only,
 * and finish() ends with EXIT_OUTPUT_GONE. */
static void output_gone(session *ss)
{
    ss->o.stdout_closed = true;
    ss->o.to_stdout = false;
}

/* Nothing is waiting on s: writes out what is buffered, then blocks until
 * s is readable or timeout_ms pass (0: no limit). 1 readable, 0 timed out,
 * -1 interrupted, output failed, or stdout's reader gone (finish() tells
 * which from ss). */
static int idle_wait(session *ss, sock_t s, int timeout_ms)
{
    if (out_flush(&ss->o) != 0 || ss->o.stdout_closed)
        return -1;
    int rc = sock_wait_readable(s, timeout_ms > 0 ? timeout_ms : -1);
    if (rc == SOCK_OUTPUT_GONE) {
        output_gone(ss);
        return -1;
    }
    return rc;
}

/* As idle_wait, but returns at once when something is already waiting. */
static int wait_for_data(session *ss, sock_t s, int timeout_ms)
{
    int rc = sock_wait_readable(s, 0);
    return rc == 0 ? idle_wait(ss, s, timeout_ms) : rc;
}

static int timed_out(session *ss, const char *what, int timeout_ms)
{
    if (timeout_ms % 1000 == 0)
        out_printf(&ss->o, "TIMEOUT: %s for %d s\n", what, timeout_ms / 1000);
    else
        out_printf(&ss->o, "TIMEOUT: %s for %d ms\n", what, timeout_ms);
    return EXIT_TIMEOUT;
}

/* -p: sleeps after a message, in slices so that Ctrl-C is not kept
 * waiting. False when a signal came. */
static bool pause_after_message(session *ss)
{
    const mdump_opts *opts = ss->opts;
    if (opts->pause_ms == 0)
        return true;
    if (opts->pause_count == 0 || ss->messages < (unsigned long long)opts->pause_count) {
        out_flush(&ss->o);
        const int64_t slice_us = 100000;
        int64_t now = clock_mono_us(), deadline = now + (int64_t)opts->pause_ms * 1000;
        for (; now < deadline; now = clock_mono_us()) {
            if (sock_interrupted())
                return false;
            clock_sleep_until(deadline - now < slice_us ? deadline : now + slice_us);
        }
    }
    ss->messages++;
    return true;
}

static void stamp(char hms[CLOCK_HMS_LEN + 1])
{
    clock_format_hms(clock_wall_us(), hms);
}

/* Counts what a batch brought, for --summary; the time window runs from
 * the first to the last batch holding messages (not the echo before them
 * or the stat after). */
static void tally(session *ss, unsigned long long units, unsigned long long bytes,
                  uint64_t messages_before)
{
    ss->units += units;
    ss->bytes += bytes;
    if (ss->rx.messages_total == messages_before)
        return;
    int64_t now = clock_mono_us();
    if (ss->first_us == 0)
        ss->first_us = now;
    ss->last_us = now;
}

static int finish(session *ss, int status)
{
    if (ss->o.stdout_closed && !ss->o.failed)
        status = EXIT_OUTPUT_GONE;
    if (ss->opts->summary) {
        double seconds = (double)(ss->last_us - ss->first_us) / 1e6;
        out_flush(&ss->o);
        unsigned long long messages = (unsigned long long)ss->rx.messages_total;
        fprintf(stderr, "mdump: %llu %s, %llu bytes, %llu messages, %.6f s from "
                        "first to last message: %.0f messages/s, %.1f Mbit/s\n",
                ss->units, ss->opts->tcp ? "reads" : "datagrams", ss->bytes,
                messages, seconds, seconds > 0 ? (double)messages / seconds : 0.0,
                seconds > 0 ? (double)ss->bytes * 8 / seconds / 1e6 : 0.0);
    }
    if (ss->o.failed) {
        prog_error("%s", ss->o.error);
        return EXIT_RUNTIME;
    }
    if (status == 0 && ss->opts->loss_status && ss->rx.loss_seen)
        return EXIT_LOSS;
    return status;
}

/* The sender as mdump prints it, formatted again only when it changes. */
typedef struct peer_text {
    sock_addr addr;
    char text[SOCK_ADDR_TEXT];
} peer_text;

static const char *peer_of(peer_text *cache, const sock_addr *from)
{
    if (cache->addr.len != from->len ||
        memcmp(&cache->addr.storage, &from->storage, (size_t)from->len) != 0) {
        cache->addr = *from;
        sock_addr_format(from, SOCK_ADDR_DOT_PORT, cache->text);
    }
    return cache->text;
}

static int receive_udp(session *ss, sock_t s)
{
    char hms[CLOCK_HMS_LEN + 1] = "";
    peer_text peer;
    memset(&peer, 0, sizeof peer);
    sock_receiver rx;
    if (sock_receiver_init(&rx, s, ss->opts->pause_ms > 0) != 0) {
        prog_error("out of memory");
        return EXIT_RUNTIME;
    }
    rx.only = ss->arrivals;
    /* At -Q2 nothing per datagram is printed: no time or sender needed. */
    bool shown = ss->opts->quiet_level < 2;
    int idle_ms = ss->opts->idle_timeout_ms;
    /* Datagrams that are not for us (sock_receive_only) wake the socket
     * but are not "received": the idle time runs from the last one that is. */
    int64_t last_us = clock_mono_us();
    int status = -1;
    while (status < 0) {
        if (sock_interrupted()) {
            status = interrupted_status();
            break;
        }
        long n = sock_recv_datagrams(&rx);
        if (n == 0) {
            /* Nothing waiting: show what we have, then sleep until more. */
            int left_ms = 0;
            if (idle_ms > 0) {
                int64_t left_us = (int64_t)idle_ms * 1000 - (clock_mono_us() - last_us);
                left_ms = left_us > 0 ? (int)((left_us + 999) / 1000) : -1;
            }
            int ready = left_ms < 0 ? 0 : idle_wait(ss, s, left_ms);
            if (ready == 0)
                status = timed_out(ss, "nothing received", idle_ms);
            else if (ready < 0)
                status = interrupted_status(); /* finish() tells why */
            continue;
        }
        if (n < 0) {
            if (sock_error_interrupted())
                status = interrupted_status();
            else if (!sock_error_refused() && !sock_error_retry())
                status = report(ss, "recv", NULL);
            continue; /* a stray ICMP error or a spurious wake-up */
        }
        if (idle_ms > 0)
            last_us = clock_mono_us();
        if (shown)
            stamp(hms);
        uint64_t messages_before = ss->rx.messages_total;
        unsigned long long bytes = 0;
        for (size_t i = 0; i < rx.count && status < 0; i++) {
            const sock_dgram *d = &rx.dgrams[i];
            const char *from = shown ? peer_of(&peer, &rx.from[d->slot]) : "";
            bytes += d->len;
            if (receiver_datagram(&ss->rx, d->data, d->len, hms, from))
                status = 0;
            else if (!pause_after_message(ss))
                status = interrupted_status();
        }
        if (ss->opts->summary)
            tally(ss, rx.count, bytes, messages_before);
    }
    sock_receiver_free(&rx);
    return finish(ss, status);
}

/* Closes *listener once a sender is accepted, and marks it closed. */
static int receive_tcp(session *ss, sock_t *listener)
{
    char hms[CLOCK_HMS_LEN + 1], peer[SOCK_ADDR_TEXT];
    sock_addr from;
    const mdump_opts *opts = ss->opts;
    int accept_ms = opts->accept_timeout_ms > 0 ? opts->accept_timeout_ms
                                                : opts->idle_timeout_ms;
    int ready = wait_for_data(ss, *listener, accept_ms);
    if (ready == 0)
        return finish(ss, timed_out(ss, "no connection", accept_ms));
    if (ready < 0)
        return finish(ss, interrupted_status());
    sock_t s = sock_accept(*listener, &from);
    if (s == SOCK_INVALID) {
        if (sock_error_interrupted())
            return finish(ss, interrupted_status());
        return report(ss, "accept", NULL);
    }
    /* One sender per run: further connection attempts are refused. */
    sock_close(*listener);
    *listener = SOCK_INVALID;
    sock_addr_format(&from, SOCK_ADDR_DOT_PORT, peer);
    int status;
    for (;;) {
        ready = wait_for_data(ss, s, opts->idle_timeout_ms);
        if (ready == 0) {
            status = timed_out(ss, "nothing received", opts->idle_timeout_ms);
            break;
        }
        if (ready < 0 || sock_interrupted()) {
            status = interrupted_status();
            break;
        }
        long n = sock_recv(s, ss->buf, sizeof ss->buf);
        if (n == 0) {
            /* A 'stat' whose count ran to the close ends here; with -s
             * that is the end, without the EOF line (as the old tool). */
            if (!receiver_stream_end(&ss->rx))
                out_puts(&ss->o, "EOF");
            status = 0;
            break;
        }
        if (n < 0) {
            if (sock_error_interrupted()) {
                status = interrupted_status();
                break;
            }
            status = report(ss, "recv", NULL);
            break;
        }
        stamp(hms);
        uint64_t messages_before = ss->rx.messages_total;
        bool stop = receiver_stream(&ss->rx, ss->buf, (size_t)n, hms, peer);
        if (opts->summary)
            tally(ss, 1, (unsigned long long)n, messages_before);
        if (stop) {
            status = 0;
            break;
        }
        if (!pause_after_message(ss)) {
            status = interrupted_status();
            break;
        }
    }
    sock_close(s);
    return finish(ss, status);
}

/* The local address a unicast or TCP receiver binds: the interface given,
 * else any, at the port. */
static sock_addr local_address(const prog_positionals *pos)
{
    sock_addr local = pos->has_interface ? pos->interface_addr : pos->group;
    sock_addr_set_port(&local, pos->port);
    return local;
}

/* "group:port" for messages, an IPv6 group in brackets. */
static void group_where(const prog_positionals *pos, char *where, size_t cap)
{
    bool ipv6 = sock_addr_family(&pos->group) == AF_INET6;
    snprintf(where, cap, "%s%s%s:%u", ipv6 ? "[" : "", pos->typed[0], ipv6 ? "]" : "",
             (unsigned)pos->port);
}

/* The group joined on the interface: from any source but those excluded
 * (--exclude-source), or from each source named (--source). */
static int join_group(session *ss, sock_t s, const sock_addr *ifaddr)
{
    const prog_positionals *pos = &ss->opts->pos;
    const prog_net *n = &pos->net;
    char where[320];
    snprintf(where, sizeof where, "%s on %s", pos->typed[0],
             ifaddr ? pos->interface_typed : "any interface");
    if ((n->source_count == 0 || n->exclude) && sock_join(s, &pos->group, NULL, ifaddr) != 0)
        return report(ss, "join", where);
    for (int i = 0; i < n->source_count; i++) {
        int rc = n->exclude ? sock_block_source(s, &pos->group, &n->source[i], ifaddr)
                            : sock_join(s, &pos->group, &n->source[i], ifaddr);
        if (rc != 0) {
            snprintf(where, sizeof where, "%s from %s on %s", pos->typed[0], n->source_typed[i],
                     ifaddr ? pos->interface_typed : "any interface");
            return report(ss, n->exclude ? "block source" : "join", where);
        }
    }
    return 0;
}

static int open_udp(session *ss, sock_t *out_sock)
{
    const prog_positionals *pos = &ss->opts->pos;
    bool unicast = sock_addr_is_unspecified(&pos->group);
    const sock_addr *ifaddr = pos->has_interface ? &pos->interface_addr : NULL;
    char where[320];
    group_where(pos, where, sizeof where);
    sock_t s = sock_udp(sock_addr_family(&pos->group));
    if (s == SOCK_INVALID)
        return report(ss, "socket", where);
    *out_sock = s;
    /* Every UDP receiver shares its port, unicast or multicast, as the old
     * tools did: another mdump or application that allows it can run
     * beside this one. */
    int kept = 0;
    if (sock_set_shared_port(s, &kept) != 0)
        return report(ss, "SO_REUSEADDR", where);
    check_kept_on(ss, "SO_REUSEADDR", kept);
    int rc = set_rcvbuf(ss, s);
    if (rc != 0)
        return rc;
    /* Only the group asked for, from the interface asked for; unicast
     * without other receivers' groups. Before bind: nothing else queued. */
    if (sock_receive_only(s, &pos->group, ifaddr, &ss->arrivals) != 0)
        out_printf(&ss->o, PROG_WARNING_PREFIX "cannot check where datagrams arrive (%s); at "
                           "port %u other groups' or interfaces' datagrams may show\n",
                   sock_error_text(), (unsigned)pos->port);
    sock_addr local = local_address(pos);
    if ((unicast ? sock_bind(s, &local) : sock_bind_group(s, &pos->group, ifaddr)) != 0)
        return report_bind(ss, where);
    return unicast ? 0 : join_group(ss, s, ifaddr);
}

static int open_tcp(session *ss, sock_t *out_sock)
{
    const prog_positionals *pos = &ss->opts->pos;
    char where[320];
    group_where(pos, where, sizeof where);
    sock_t s = sock_tcp(sock_addr_family(&pos->group));
    if (s == SOCK_INVALID)
        return report(ss, "socket", where);
    *out_sock = s;
    int kept = 0;
    if (sock_set_listener_reuse(s, &kept) != 0)
        return report(ss, sock_listener_reuse_name, where);
    check_kept_on(ss, sock_listener_reuse_name, kept);
    int rc = set_rcvbuf(ss, s);
    if (rc != 0)
        return rc;
    sock_addr local = local_address(pos);
    if (sock_bind(s, &local) != 0)
        return report_bind(ss, where);
    if (sock_listen(s) != 0)
        return report(ss, "listen", where);
    return 0;
}

static int run(session *ss)
{
    const mdump_opts *opts = ss->opts;
    /* Sized to fit: the -o name and positionals are shown as typed. */
    size_t equiv_len = mdump_equiv(opts, NULL, 0);
    char *equiv = malloc(equiv_len + 1);
    if (!equiv) {
        prog_error("out of memory");
        return EXIT_RUNTIME;
    }
    mdump_equiv(opts, equiv, equiv_len + 1);
    out_write(&ss->o, "Equiv cmd line: ", 16);
    out_puts(&ss->o, equiv);
    free(equiv);
    receiver_config rc_config;
    mdump_receiver_config(opts, &rc_config);
    receiver_init(&ss->rx, &rc_config, &ss->o);
    sock_t s = SOCK_INVALID;
    int rc = opts->tcp ? open_tcp(ss, &s) : open_udp(ss, &s);
    flush_note(ss);
    if (rc == 0)
        rc = opts->tcp ? receive_tcp(ss, &s) : receive_udp(ss, s);
    if (s != SOCK_INVALID)
        sock_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    static session ss; /* 64 KiB receive buffer: not on the stack */
    mdump_opts opts;
    cli_error err;
    int rc = prog_parsed(&mdump_prog, mdump_parse(argc, argv, &opts, &err), &err);
    if (rc != PROG_RUN)
        return rc;
    ss.opts = &opts;
    if (out_open(&ss.o, opts.out_file) != 0) {
        prog_error("%s", ss.o.error);
        return EXIT_RUNTIME;
    }
    rc = prog_start_sockets();
    if (rc != 0)
        return rc;
    sock_catch_interrupts();
    rc = run(&ss);
    out_close(&ss.o);
    if (ss.o.failed && rc == 0) {
        prog_error("%s", ss.o.error);
        rc = EXIT_RUNTIME;
    }
    prog_stop_sockets();
    return rc;
}
