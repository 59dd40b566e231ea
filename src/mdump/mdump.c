/* mdump.c - mdump: options -> a receiving socket for each group -> what
 * each datagram (or TCP read) means, printed to stdout and the -o file;
 * with --interval, --json, --summary or --loss-status also the counts of
 * each sender (measure/flow.h), told every interval and at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/receiver.h"
#include "lib/clock.h"
#include "lib/out.h"
#include "lib/prog.h"
#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "measure/flow.h"
#include "measure/jsonw.h"
#include "mdump/mdump_opts.h"

static const prog_info mdump_prog = {"mdump", mdump_help, mdump_usage};

/* Larger than any IPv4 datagram; also the size of one TCP read. */
enum { RECV_BUFFER_BYTES = 65536 };

/* Senders tracked per run (each sender and group is one); the datagrams
 * of any beyond them are counted as untracked. */
enum { STREAMS_MAX = 4096 };

/* Room for one JSON object of mdump's own (the start with the Equiv line
 * and every group, the end with every group's counts). */
enum { JSON_ROOM = 65536 + MDUMP_GROUPS_MAX * (SOCK_ADDR_TEXT + 200) };

/* One group received on: its socket, what the socket hands over, and
 * the receiver that makes sense of it. */
typedef struct group_rx {
    sock_t s;
    sock_arrivals arrivals;      /* what the UDP socket is to hand over */
    sock_receiver batch;
    bool batch_ready;            /* batch was set up (to be freed) */
    receiver rx;
    char text[SOCK_ADDR_TEXT];   /* the group as the lines show it */
    bool pending;                /* may have more waiting: read before waiting */
} group_rx;

typedef struct session {
    const mdump_opts *opts;
    out o;
    size_t group_count;
    group_rx *groups;
    bool tracking;                /* counts per stream */
    flow_table flows;
    unsigned long long messages; /* for -p's count */
    unsigned long long units, bytes; /* for --summary: datagrams or reads */
    int64_t first_us, last_us;       /* first and last message's arrival */
    /* the interval clock: from the first datagram (or read) on */
    bool intervals_begun;
    int64_t interval_origin_us, interval_start_us;
    const char *reason;           /* why the run ended, for --json */
    bool receiving;               /* the receive loop was entered */
    bool started;                 /* --json's start object is written */
    bool ended;                   /* finish() has told the end */
    char *equiv;                  /* the Equiv line's text */
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

/* The copy of an ERROR line in the -o file, so a log shows why it ended
 * (with --json the file holds JSON only, as stdout does). */
static void copy_to_file(void *ctx, const char *line)
{
    session *ss = ctx;
    if (!ss->o.file || ss->opts->json)
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
    ss->reason = "error";
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

/* A line the old tool printed on stdout (a WARNING, a TIMEOUT): there,
 * or with --json, where stdout is JSON's alone, on stderr. */
static void say_line(session *ss, const char *text)
{
    if (ss->opts->json) {
        out_flush(&ss->o);
        fprintf(stderr, "%s\n", text);
    } else {
        out_puts(&ss->o, text);
    }
}

static int set_rcvbuf(session *ss, sock_t s, bool first)
{
    int want = ss->opts->rcvbuf_bytes, got = 0;
    if (want == 0)
        return 0;
    if (sock_set_rcvbuf(s, want) != 0 || sock_get_rcvbuf(s, &got) != 0)
        return report(ss, "SO_RCVBUF", NULL);
    /* The old tool's line, where it printed it; then on stderr the size
     * granted and how to raise the limit. Said once for all the groups. */
    if (first && sock_buffer_short(want, got)) {
        char text[160];
        snprintf(text, sizeof text, PROG_WARNING_PREFIX "tried to set SO_RCVBUF to %d, only got %d",
                 want, got);
        say_line(ss, text);
        sock_buffer_note(true, want, got, ss->note, sizeof ss->note);
    }
    return 0;
}

/* A flag the system took but did not keep on. */
static void check_kept_on(session *ss, const char *option, int kept)
{
    if (!kept) {
        char text[128];
        snprintf(text, sizeof text, PROG_WARNING_PREFIX "tried to set %s to 1, only got 0", option);
        say_line(ss, text);
    }
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

/* As idle_wait, for every group's socket: marks the readable ones
 * pending. */
static int idle_wait_groups(session *ss, int timeout_ms)
{
    if (ss->group_count == 1) {
        int rc = idle_wait(ss, ss->groups[0].s, timeout_ms);
        ss->groups[0].pending = rc > 0;
        return rc;
    }
    if (out_flush(&ss->o) != 0 || ss->o.stdout_closed)
        return -1;
    sock_t socks[MDUMP_GROUPS_MAX];
    bool readable[MDUMP_GROUPS_MAX];
    for (size_t g = 0; g < ss->group_count; g++)
        socks[g] = ss->groups[g].s;
    int rc = sock_wait_readable_any(socks, ss->group_count,
                                    timeout_ms > 0 ? timeout_ms : -1, readable);
    if (rc == SOCK_OUTPUT_GONE) {
        output_gone(ss);
        return -1;
    }
    for (size_t g = 0; rc > 0 && g < ss->group_count; g++)
        ss->groups[g].pending = readable[g];
    return rc;
}

/* As idle_wait, but returns at once when something is already waiting. */
static int wait_for_data(session *ss, sock_t s, int timeout_ms)
{
    int rc = sock_wait_readable(s, 0);
    if (rc == SOCK_OUTPUT_GONE) {
        output_gone(ss);
        return -1;
    }
    return rc == 0 ? idle_wait(ss, s, timeout_ms) : rc;
}

static int timed_out(session *ss, const char *what, int timeout_ms)
{
    char text[160];
    if (timeout_ms % 1000 == 0)
        snprintf(text, sizeof text, "TIMEOUT: %s for %d s", what, timeout_ms / 1000);
    else
        snprintf(text, sizeof text, "TIMEOUT: %s for %d ms", what, timeout_ms);
    say_line(ss, text);
    ss->reason = "timeout";
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

/* Every message counted, of every group. */
static uint64_t messages_total(const session *ss)
{
    uint64_t n = 0;
    for (size_t g = 0; ss->groups && g < ss->group_count; g++)
        n += ss->groups[g].rx.messages_total;
    return n;
}

/* The bytes of every message counted, of every group (datagrams); over
 * TCP every byte read, for its messages are not told apart from the echo
 * and stat in the stream. */
static uint64_t message_bytes_total(const session *ss)
{
    if (ss->opts->tcp)
        return ss->bytes;
    uint64_t n = 0;
    for (size_t g = 0; ss->groups && g < ss->group_count; g++)
        n += ss->groups[g].rx.message_bytes_total;
    return n;
}

/* Counts what a batch brought, for --summary and --json; the time window runs from
 * the first to the last batch holding messages (not the echo before them
 * or the stat after). */
static void tally(session *ss, unsigned long long units, unsigned long long bytes,
                  uint64_t messages_before)
{
    ss->units += units;
    ss->bytes += bytes;
    if (messages_total(ss) == messages_before)
        return;
    int64_t now = clock_mono_us();
    if (ss->first_us == 0)
        ss->first_us = now;
    ss->last_us = now;
}

/* ---- intervals and the counts per stream */

/* Writes a JSON object built in w into the output. */
static void put_json(session *ss, jsonw *w)
{
    if (jsonw_ok(w))
        out_write(&ss->o, w->out.buf, jsonw_length(w));
    else
        prog_error("a JSON object did not fit %zu bytes", w->out.cap);
}

static void put_line(session *ss, const char *prefix, const char *text)
{
    out_write(&ss->o, prefix, strlen(prefix));
    out_puts(&ss->o, text);
}

/* The interval from start_us to end_us: a line (or object) per stream. */
static void report_interval(session *ss, int64_t start_us, int64_t end_us)
{
    double a = (double)(start_us - ss->interval_origin_us) / 1e6;
    double b = (double)(end_us - ss->interval_origin_us) / 1e6;
    for (size_t i = 0; i < flow_count(&ss->flows); i++) {
        flow *f = flow_at(&ss->flows, i);
        const char *group = ss->groups[f->group].text;
        if (ss->opts->json) {
            char buf[FLOW_LINE_MAX * 2];
            jsonw w;
            jsonw_init(&w, buf, sizeof buf);
            flow_interval_json(&w, f, group, a, b);
            put_json(ss, &w);
        } else {
            char line[FLOW_LINE_MAX];
            flow_interval_text(line, sizeof line, f, group, a, b);
            out_puts(&ss->o, line);
        }
        flow_interval_done(f);
    }
}

static bool interval_lines(const session *ss)
{
    return ss->tracking && ss->opts->interval_ms > 0;
}

/* The interval clock starts with the first datagram or read. */
static void intervals_begin(session *ss, int64_t now_us)
{
    if (!interval_lines(ss) || ss->intervals_begun)
        return;
    ss->intervals_begun = true;
    ss->interval_origin_us = now_us;
    ss->interval_start_us = now_us;
}

/* Tells the intervals that have ended by now_us, and writes them out at
 * once: a receiver that never finds its socket empty (at full load, the
 * case they are for) would otherwise hold them until its buffer fills. */
static void intervals_due(session *ss, int64_t now_us)
{
    if (!ss->intervals_begun)
        return;
    int64_t step = (int64_t)ss->opts->interval_ms * 1000;
    bool told = false;
    while (now_us - ss->interval_start_us >= step) {
        report_interval(ss, ss->interval_start_us, ss->interval_start_us + step);
        ss->interval_start_us += step;
        told = true;
    }
    if (told)
        out_flush(&ss->o);
}

/* Milliseconds to the end of the interval under way (at least 1), or -1
 * when no interval clock runs. */
static int interval_left_ms(const session *ss, int64_t now_us)
{
    if (!ss->intervals_begun)
        return -1;
    int64_t left = ss->interval_start_us + (int64_t)ss->opts->interval_ms * 1000 - now_us;
    return left <= 0 ? 1 : (int)((left + 999) / 1000);
}

/* Whether any sender's numbers show loss, or a stat did. */
static bool loss_found(session *ss)
{
    for (size_t g = 0; g < ss->group_count; g++)
        if (ss->groups[g].rx.loss_seen)
            return true;
    for (size_t i = 0; ss->tracking && i < flow_count(&ss->flows); i++)
        if (flow_lost(flow_at(&ss->flows, i)) > 0)
            return true;
    return false;
}

/* Group g as the lines show it; formatted here when the table of groups
 * could not be had (out of memory), so that --json can still name it. */
static const char *group_text(const session *ss, size_t g, char buf[SOCK_ADDR_TEXT])
{
    if (ss->groups)
        return ss->groups[g].text;
    sock_addr_format(&ss->opts->groups[g], SOCK_ADDR_HOST, buf);
    return buf;
}

/* One group's sums, for --json's end object. */
static void group_json(session *ss, jsonw *w, size_t g)
{
    flow_sums sum = flow_table_sums(&ss->flows, g);
    char text[SOCK_ADDR_TEXT];
    jsonw_object_begin(w);
    jsonw_kv_string(w, "group", group_text(ss, g, text));
    jsonw_kv_uint(w, "streams", sum.streams);
    jsonw_kv_uint(w, "messages", sum.messages);
    jsonw_kv_uint(w, "lost", sum.lost);
    jsonw_kv_uint(w, "duplicates", sum.duplicates);
    jsonw_kv_uint(w, "reordered", sum.reordered);
    jsonw_object_end(w);
}

static bool group_has_stream(session *ss, size_t g)
{
    for (size_t i = 0; i < flow_count(&ss->flows); i++)
        if (flow_at(&ss->flows, i)->group == g)
            return true;
    return false;
}

/* The run's end: the interval under way (when anything came in it), each
 * stream's totals and, with --json, the end object. */
static void report_end(session *ss, int status)
{
    if (!ss->tracking)
        return;
    int64_t now = clock_mono_us();
    if (ss->intervals_begun) {
        intervals_due(ss, now);
        bool any = false;
        for (size_t i = 0; i < flow_count(&ss->flows); i++) {
            const flow *f = flow_at(&ss->flows, i);
            any = any || f->messages > f->mark.messages;
        }
        if (any && now > ss->interval_start_us)
            report_interval(ss, ss->interval_start_us, now);
    }
    bool json = ss->opts->json;
    if (!json && ss->opts->interval_ms == 0)
        return;
    for (size_t i = 0; i < flow_count(&ss->flows); i++) {
        flow *f = flow_at(&ss->flows, i);
        const char *group = ss->groups[f->group].text;
        if (json) {
            char buf[FLOW_LINE_MAX * 2];
            jsonw w;
            jsonw_init(&w, buf, sizeof buf);
            flow_total_json(&w, f, group);
            put_json(ss, &w);
        } else {
            char line[FLOW_LINE_MAX];
            flow_total_text(line, sizeof line, f, group);
            put_line(ss, "total ", line);
        }
    }
    if (!json) {
        for (size_t g = 0; g < ss->group_count; g++)
            if (!group_has_stream(ss, g)) {
                char line[SOCK_ADDR_TEXT + 32];
                snprintf(line, sizeof line, "total %s: nothing received", ss->groups[g].text);
                out_puts(&ss->o, line);
            }
        return;
    }
    static char buf[JSON_ROOM];
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "event", "end");
    jsonw_kv_int(&w, "status", status);
    jsonw_kv_string(&w, "reason", ss->reason ? ss->reason : "error");
    jsonw_kv_uint(&w, "datagrams", ss->units);
    jsonw_kv_uint(&w, "bytes", ss->bytes);
    jsonw_kv_uint(&w, "messages", messages_total(ss));
    jsonw_kv_uint(&w, "lost", flow_table_sums(&ss->flows, FLOW_ALL_GROUPS).lost);
    jsonw_kv_uint(&w, "untracked", flow_untracked(&ss->flows));
    jsonw_key(&w, "groups");
    jsonw_array_begin(&w);
    for (size_t g = 0; g < ss->group_count; g++)
        group_json(ss, &w, g);
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    put_json(ss, &w);
}

/* --summary's lines for each stream, on stderr after the totals. */
static void summary_streams(session *ss)
{
    for (size_t i = 0; ss->tracking && i < flow_count(&ss->flows); i++) {
        const flow *f = flow_at(&ss->flows, i);
        char line[FLOW_LINE_MAX];
        flow_total_text(line, sizeof line, f, ss->groups[f->group].text);
        fprintf(stderr, "mdump: %s\n", line);
    }
    for (size_t g = 0; ss->tracking && g < ss->group_count; g++)
        if (!group_has_stream(ss, g))
            fprintf(stderr, "mdump: %s: nothing received\n", ss->groups[g].text);
    if (ss->tracking && flow_untracked(&ss->flows) > 0)
        fprintf(stderr, "mdump: %llu datagrams from senders beyond the first %d not "
                        "tracked\n", (unsigned long long)flow_untracked(&ss->flows),
                STREAMS_MAX);
}

/* stdout's reader gone (and nothing failed): 141, as if killed by
 * SIGPIPE. */
static int output_gone_status(session *ss, int status)
{
    if (ss->o.stdout_closed && !ss->o.failed) {
        ss->reason = "output gone";
        return EXIT_OUTPUT_GONE;
    }
    return status;
}

static int finish(session *ss, int status)
{
    ss->ended = true;
    status = output_gone_status(ss, status);
    /* What is held goes out first, so that a reader gone or a file that
     * fails by now decides the status the end object tells. A signal's
     * status stays (Ctrl-C on "mdump | grep" ends the reader too), and
     * so does an error's. */
    bool keep = sock_interrupted() != 0 || status == EXIT_RUNTIME;
    out_flush(&ss->o);
    if (!keep)
        status = output_gone_status(ss, status);
    /* Loss shown by a stat, or without one by the sequence numbers: a run
     * that ends on its stat (0), or by the idle timeout once the sender
     * went silent (its stat lost, or it was stopped). */
    if ((status == 0 || status == EXIT_TIMEOUT) && ss->opts->loss_status && loss_found(ss))
        status = EXIT_LOSS;
    report_end(ss, status);
    /* The last lines written now, not by out_close() once the status is
     * told: a reader that left meanwhile gives 141, a file that fails 1. */
    out_flush(&ss->o);
    if (!keep)
        status = output_gone_status(ss, status);
    if (ss->opts->summary && ss->receiving) {
        double seconds = (double)(ss->last_us - ss->first_us) / 1e6;
        unsigned long long messages = (unsigned long long)messages_total(ss);
        /* The rates are the messages' (their payload: not the echo's or
         * the stat's bytes, which the bytes before them count). */
        fprintf(stderr, "mdump: %llu %s, %llu bytes, %llu messages, %.6f s from "
                        "first to last message: %.0f messages/s, %.3f Mbit/s\n",
                ss->units, ss->opts->tcp ? "reads" : "datagrams", ss->bytes,
                messages, seconds, flow_span_rate((double)messages, messages, seconds),
                flow_span_rate((double)message_bytes_total(ss), messages, seconds) * 8 / 1e6);
        summary_streams(ss);
    }
    if (out_tell_failed(&ss->o))
        return EXIT_RUNTIME;
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

/* What a read of group g's socket brought: each datagram to its
 * receiver. -1 to go on, else the status to end with. */
static int take_batch(session *ss, group_rx *gr, peer_text *peer, char *hms)
{
    bool shown = ss->opts->quiet_level < 2;
    int64_t now = clock_mono_us();
    int64_t wall = ss->tracking ? clock_wall_us() : 0;
    if (shown)
        stamp(hms);
    uint64_t messages_before = messages_total(ss);
    unsigned long long bytes = 0;
    sock_receiver *b = &gr->batch;
    int status = -1;
    /* A stat (-s) or a stop may end the batch early: i is then the count
     * handled, and the rest are not counted. */
    size_t i = 0;
    for (; i < b->count && status < 0; i++) {
        const sock_dgram *d = &b->dgrams[i];
        const char *from = shown ? peer_of(peer, &b->from[d->slot]) : "";
        receiver_arrival a = {&b->from[d->slot], wall, now};
        if (ss->tracking) {
            /* When the system took it in, if it says: a reader late by a
             * moment still counts it where it arrived. */
            if (d->arrival_wall_us > 0 && d->arrival_wall_us <= wall) {
                a.wall_us = d->arrival_wall_us;
                a.mono_us = now - (wall - d->arrival_wall_us);
            }
            intervals_due(ss, a.mono_us);
            intervals_begin(ss, a.mono_us);
        }
        bytes += d->len;
        if (receiver_datagram_from(&gr->rx, d->data, d->len, hms, from,
                                   ss->tracking ? &a : NULL)) {
            status = 0;
            ss->reason = "stat";
        } else if (!pause_after_message(ss)) {
            status = interrupted_status();
        }
    }
    tally(ss, i, bytes, messages_before);
    return status;
}

/* Each group's receive buffers (one shared by all), and its arrival
 * check; 0, or EXIT_RUNTIME when there is no memory for them. */
static int receivers_init(session *ss)
{
    bool one_by_one = ss->opts->pause_ms > 0;
    for (size_t g = 0; g < ss->group_count; g++) {
        group_rx *gr = &ss->groups[g];
        /* The groups are read one after another: one buffer for all. */
        int rc = g == 0 ? sock_receiver_init(&gr->batch, gr->s, one_by_one)
                        : sock_receiver_init_sharing(&gr->batch, gr->s, one_by_one,
                                                     &ss->groups[0].batch);
        if (rc != 0) {
            prog_error("out of memory");
            return EXIT_RUNTIME;
        }
        gr->batch_ready = true;
        gr->batch.only = gr->arrivals;
        if (ss->tracking)
            sock_receiver_stamp_arrivals(&gr->batch);
        /* -Q2 without counts never looks at the sender. */
        if (ss->opts->quiet_level == 2 && !ss->tracking)
            sock_receiver_skip_senders(&gr->batch);
        gr->pending = true;
    }
    return 0;
}

/* What a read of group g's socket gave (n: sock_recv_datagrams): the
 * datagrams to their receiver, and whether more may wait (gr->pending).
 * -1 to go on, else the status to end with. */
static int after_read(session *ss, group_rx *gr, long n, peer_text *peer, char *hms,
                      int64_t *last_us)
{
    if (n == 0) {
        gr->pending = false;
        return -1;
    }
    if (n < 0) {
        gr->pending = true; /* a stray ICMP error or a spurious wake-up: again */
        if (sock_error_interrupted())
            return interrupted_status();
        if (!sock_error_refused() && !sock_error_retry())
            return report(ss, "recv", NULL);
        return -1;
    }
    gr->pending = !gr->batch.drained;
    int status = take_batch(ss, gr, peer, hms);
    /* The idle time runs from here: -p's pauses are mdump's own doing, not
     * the sender's silence (as over TCP). */
    if (ss->opts->idle_timeout_ms > 0)
        *last_us = clock_mono_us();
    return status;
}

/* One batch from each group that may have datagrams waiting. Returns the
 * exit status once the run ends, else -1; *waiting: a socket may still
 * hold more; *last_us: when the last datagram for us came. */
static int read_groups(session *ss, peer_text *peer, char *hms, bool *waiting,
                       int64_t *last_us)
{
    int status = -1;
    *waiting = false;
    for (size_t g = 0; g < ss->group_count && status < 0; g++) {
        group_rx *gr = &ss->groups[g];
        if (!gr->pending)
            continue;
        long n = sock_recv_datagrams(&gr->batch);
        status = after_read(ss, gr, n, peer, hms, last_us);
        *waiting = *waiting || gr->pending;
    }
    return status;
}

/* Nothing waiting on the one socket: writes out what is buffered, then
 * sleeps inside the receive call until datagrams come and takes them.
 * Returns the exit status once the run ends, else -1. */
static int wait_and_read(session *ss, peer_text *peer, char *hms, int64_t *last_us)
{
    group_rx *gr = &ss->groups[0];
    if (out_flush(&ss->o) != 0 || ss->o.stdout_closed)
        return interrupted_status(); /* finish() tells why */
    long n = sock_recv_datagrams_wait(&gr->batch);
    if (n == SOCK_OUTPUT_GONE) {
        output_gone(ss);
        return interrupted_status();
    }
    return after_read(ss, gr, n, peer, hms, last_us);
}

static int receive_udp(session *ss)
{
    char hms[CLOCK_HMS_LEN + 1] = "";
    peer_text peer;
    memset(&peer, 0, sizeof peer);
    if (receivers_init(ss) != 0)
        return EXIT_RUNTIME;
    int idle_ms = ss->opts->idle_timeout_ms;
    /* One socket and no time limit: sleep inside the receive call, one
     * system call per wake-up instead of a poll, a read and an empty read. */
    bool wait_in_recv = ss->group_count == 1 && idle_ms == 0 && !interval_lines(ss);
    /* Datagrams that are not for us (sock_receive_only) wake the socket
     * but are not "received": the idle time runs from the last one that is. */
    int64_t last_us = clock_mono_us();
    int status = -1;
    while (status < 0) {
        if (sock_interrupted()) {
            status = interrupted_status();
            break;
        }
        bool waiting = false; /* something may still wait on a socket */
        status = read_groups(ss, &peer, hms, &waiting, &last_us);
        if (status >= 0 || waiting)
            continue;
        if (wait_in_recv) {
            status = wait_and_read(ss, &peer, hms, &last_us);
            continue;
        }
        /* Nothing waiting: show what we have, then sleep until more, the
         * idle time's end or the interval's. */
        int64_t now = clock_mono_us();
        int left_ms = 0;
        bool idle_over = false;
        if (idle_ms > 0) {
            int64_t left_us = (int64_t)idle_ms * 1000 - (now - last_us);
            left_ms = left_us > 0 ? (int)((left_us + 999) / 1000) : 0;
            idle_over = left_us <= 0;
        }
        int tick_ms = interval_left_ms(ss, now);
        bool tick_first = tick_ms > 0 && (left_ms == 0 || tick_ms < left_ms);
        int ready = idle_over ? 0 : idle_wait_groups(ss, tick_first ? tick_ms : left_ms);
        if (ready == 0 && tick_first && !idle_over)
            intervals_due(ss, clock_mono_us());
        else if (ready == 0)
            status = timed_out(ss, "nothing received", idle_ms);
        else if (ready < 0)
            status = interrupted_status(); /* finish() tells why */
    }
    if (status > EXIT_SIGNAL_BASE && !ss->reason)
        ss->reason = "interrupted";
    return finish(ss, status);
}

/* The sender closed the connection: 0. A 'stat' whose count ran to the
 * close ends here; with -s that is the end, without the EOF line (as the
 * old tool). */
static int stream_closed(session *ss, receiver *rx)
{
    if (receiver_stream_end(rx)) {
        ss->reason = "stat";
    } else {
        ss->reason = "eof";
        if (!ss->opts->json)
            out_puts(&ss->o, "EOF");
    }
    return 0;
}

/* Closes *listener once a sender is accepted, and marks it closed. */
static int receive_tcp(session *ss, sock_t *listener)
{
    char hms[CLOCK_HMS_LEN + 1], peer[SOCK_ADDR_TEXT];
    sock_addr from;
    const mdump_opts *opts = ss->opts;
    receiver *rx = &ss->groups[0].rx;
    int accept_ms = opts->accept_timeout_ms > 0 ? opts->accept_timeout_ms
                                                : opts->idle_timeout_ms;
    int ready = wait_for_data(ss, *listener, accept_ms);
    if (ready == 0)
        return finish(ss, timed_out(ss, "no connection", accept_ms));
    if (ready < 0) {
        ss->reason = "interrupted";
        return finish(ss, interrupted_status());
    }
    sock_t s = sock_accept(*listener, &from);
    if (s == SOCK_INVALID) {
        if (sock_error_interrupted()) {
            ss->reason = "interrupted";
            return finish(ss, interrupted_status());
        }
        return report(ss, "accept", NULL);
    }
    /* One sender per run: further connection attempts are refused. */
    sock_close(*listener);
    *listener = SOCK_INVALID;
    sock_addr_format(&from, SOCK_ADDR_DOT_PORT, peer);
    int status;
    int64_t last_us = clock_mono_us();
    for (;;) {
        int64_t now = clock_mono_us();
        int idle_ms = opts->idle_timeout_ms, left_ms = 0;
        if (idle_ms > 0) {
            int64_t left_us = (int64_t)idle_ms * 1000 - (now - last_us);
            left_ms = left_us > 0 ? (int)((left_us + 999) / 1000) : 1;
        }
        int tick_ms = interval_left_ms(ss, now);
        bool tick_first = tick_ms > 0 && (left_ms == 0 || tick_ms < left_ms);
        ready = wait_for_data(ss, s, tick_first ? tick_ms : idle_ms > 0 ? left_ms : 0);
        if (ready == 0 && tick_first) {
            intervals_due(ss, clock_mono_us());
            continue;
        }
        if (ready == 0) {
            status = timed_out(ss, "nothing received", opts->idle_timeout_ms);
            break;
        }
        if (ready < 0 || sock_interrupted()) {
            status = interrupted_status();
            ss->reason = "interrupted";
            break;
        }
        long n = sock_recv(s, ss->buf, sizeof ss->buf);
        if (n == 0) {
            status = stream_closed(ss, rx);
            break;
        }
        if (n < 0) {
            if (sock_error_interrupted()) {
                status = interrupted_status();
                ss->reason = "interrupted";
                break;
            }
            status = report(ss, "recv", NULL);
            break;
        }
        now = clock_mono_us();
        if (ss->tracking) {
            intervals_due(ss, now);
            intervals_begin(ss, now);
        }
        stamp(hms);
        uint64_t messages_before = messages_total(ss);
        receiver_arrival a = {&from, clock_wall_us(), now};
        bool stop = receiver_stream_from(rx, ss->buf, (size_t)n, hms, peer,
                                         ss->tracking ? &a : NULL);
        tally(ss, 1, (unsigned long long)n, messages_before);
        if (stop) {
            status = 0;
            ss->reason = "stat";
            break;
        }
        if (!pause_after_message(ss)) {
            status = interrupted_status();
            ss->reason = "interrupted";
            break;
        }
        /* The idle time runs from here, as each wait's did. */
        last_us = clock_mono_us();
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
static void group_where(const prog_positionals *pos, const char *named, char *where,
                        size_t cap)
{
    bool ipv6 = sock_addr_family(&pos->group) == AF_INET6;
    snprintf(where, cap, "%s%s%s:%u", ipv6 ? "[" : "", named, ipv6 ? "]" : "",
             (unsigned)pos->port);
}

/* group (named so in messages) joined on the interface: from any source
 * but those excluded (--exclude-source), or from each source named
 * (--source). */
static int join_group(session *ss, sock_t s, const sock_addr *group, const char *named,
                      const sock_addr *ifaddr)
{
    const prog_positionals *pos = &ss->opts->pos;
    const prog_net *n = &pos->net;
    char where[320];
    snprintf(where, sizeof where, "%s on %s", named,
             ifaddr ? pos->interface_typed : "any interface");
    if ((n->source_count == 0 || n->exclude) && sock_join(s, group, NULL, ifaddr) != 0)
        return report(ss, "join", where);
    for (int i = 0; i < n->source_count; i++) {
        int rc = n->exclude ? sock_block_source(s, group, &n->source[i], ifaddr)
                            : sock_join(s, group, &n->source[i], ifaddr);
        if (rc != 0) {
            /* Out of buffers after some went: the system's cap on a socket's
             * sources for one group, which the reason alone does not tell. */
            bool capped = i > 0 && sock_error_retry();
            snprintf(where, sizeof where, "%s from %s on %s", named, n->source_typed[i],
                     ifaddr ? pos->interface_typed : "any interface");
            rc = report(ss, n->exclude ? "block source" : "join", where);
            if (capped)
                prog_note("the system took %d sources for one group and no more (Linux: "
                          "sysctl net.ipv4.igmp_max_msf, 10 by default; "
                          "net.ipv6.mld_max_msf, 64)", i);
            return rc;
        }
    }
    return 0;
}

/* Group g's socket: bound, joined, and kept to what it asked for. */
static int open_group(session *ss, size_t g)
{
    const mdump_opts *opts = ss->opts;
    const prog_positionals *pos = &opts->pos;
    group_rx *gr = &ss->groups[g];
    const sock_addr *group = &opts->groups[g];
    bool unicast = sock_addr_is_unspecified(group);
    const sock_addr *ifaddr = pos->has_interface ? &pos->interface_addr : NULL;
    /* One group: named as typed, as always; of several, each by its own. */
    const char *named = ss->group_count == 1 ? pos->typed[0] : gr->text;
    char where[320];
    group_where(pos, named, where, sizeof where);
    sock_t s = sock_udp(sock_addr_family(group));
    if (s == SOCK_INVALID)
        return report(ss, "socket", where);
    gr->s = s;
    /* Every UDP receiver shares its port, unicast or multicast, as the old
     * tools did: another mdump or application that allows it can run
     * beside this one. */
    int kept = 0;
    if (sock_set_shared_port(s, &kept) != 0)
        return report(ss, "SO_REUSEADDR", where);
    if (g == 0)
        check_kept_on(ss, "SO_REUSEADDR", kept);
    int rc = set_rcvbuf(ss, s, g == 0);
    if (rc != 0)
        return rc;
    /* Only the group asked for, from the interface asked for; unicast
     * without other receivers' groups. Before bind: nothing else queued. */
    if (sock_receive_only(s, group, ifaddr, &gr->arrivals) != 0 && g == 0) {
        char text[256];
        snprintf(text, sizeof text, PROG_WARNING_PREFIX "cannot check where datagrams arrive "
                 "(%s); at port %u other groups' or interfaces' datagrams may show",
                 sock_error_text(), (unsigned)pos->port);
        say_line(ss, text);
    }
    sock_addr local = local_address(pos);
    if ((unicast ? sock_bind(s, &local) : sock_bind_group(s, group, ifaddr)) != 0)
        return report_bind(ss, where);
    return unicast ? 0 : join_group(ss, s, group, named, ifaddr);
}

static int open_tcp(session *ss, sock_t *out_sock)
{
    const prog_positionals *pos = &ss->opts->pos;
    char where[320];
    group_where(pos, pos->typed[0], where, sizeof where);
    sock_t s = sock_tcp(sock_addr_family(&pos->group));
    if (s == SOCK_INVALID)
        return report(ss, "socket", where);
    *out_sock = s;
    int kept = 0;
    if (sock_set_listener_reuse(s, &kept) != 0)
        return report(ss, sock_listener_reuse_name, where);
    check_kept_on(ss, sock_listener_reuse_name, kept);
    int rc = set_rcvbuf(ss, s, true);
    if (rc != 0)
        return rc;
    sock_addr local = local_address(pos);
    if (sock_bind(s, &local) != 0)
        return report_bind(ss, where);
    if (sock_listen(s) != 0)
        return report(ss, "listen", where);
    return 0;
}

/* --json: the object that stands for the Equiv line, once the socket is
 * ready (bound, joined, or listening). */
static int put_start(session *ss)
{
    const mdump_opts *opts = ss->opts;
    ss->started = true;
    /* Sized to fit: the equiv text and the interface are shown as typed
     * (a character may take 6 escaped), the groups as addresses. */
    size_t equiv_len = ss->equiv ? strlen(ss->equiv) : 0;
    size_t room = 1024 + 12 * equiv_len + ss->group_count * (SOCK_ADDR_TEXT + 8);
    char *buf = malloc(room);
    if (!buf) {
        prog_error("out of memory");
        return EXIT_RUNTIME;
    }
    jsonw w;
    jsonw_init(&w, buf, room);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "event", "start");
    jsonw_kv_string(&w, "program", "mdump");
    jsonw_kv_string(&w, "version", MTOOLS_VERSION);
    jsonw_key(&w, "equiv");
    if (ss->equiv)
        jsonw_string(&w, ss->equiv);
    else
        jsonw_null(&w); /* no memory to build it */
    jsonw_kv_string(&w, "transport",
                    opts->tcp ? "tcp"
                              : sock_addr_is_unspecified(&opts->pos.group) ? "udp"
                                                                            : "multicast");
    jsonw_key(&w, "groups");
    jsonw_array_begin(&w);
    for (size_t g = 0; g < ss->group_count; g++) {
        char text[SOCK_ADDR_TEXT];
        jsonw_string(&w, group_text(ss, g, text));
    }
    jsonw_array_end(&w);
    jsonw_kv_uint(&w, "port", opts->pos.port);
    jsonw_key(&w, "interface");
    if (opts->pos.has_interface)
        jsonw_string(&w, opts->pos.interface_typed);
    else
        jsonw_null(&w);
    jsonw_key(&w, "interval_s");
    if (opts->interval_ms > 0)
        jsonw_fixed(&w, opts->interval_ms / 1000.0, 3);
    else
        jsonw_null(&w);
    jsonw_object_end(&w);
    int rc = jsonw_ok(&w) ? 0 : EXIT_RUNTIME;
    put_json(ss, &w);
    free(buf);
    return rc;
}

/* The Equiv line's text into ss->equiv (NULL when out of memory). */
static void build_equiv(session *ss)
{
    if (ss->equiv)
        return;
    /* Sized to fit: the -o name and positionals are shown as typed. */
    size_t equiv_len = mdump_equiv(ss->opts, NULL, 0);
    ss->equiv = malloc(equiv_len + 1);
    if (ss->equiv)
        mdump_equiv(ss->opts, ss->equiv, equiv_len + 1);
}

/* --json: a run that failed before or instead of its end (no -o file, a
 * socket not opened, bound, joined or listening, no connection accepted,
 * no memory) still writes its start object and an end object with the
 * status, reason "error" and the counts (zero before any receiving), so
 * that a script always reads the pair. */
static int json_failed(session *ss, int status)
{
    if (status == 0 || !ss->opts->json || ss->ended || !ss->o.buf)
        return status;
    build_equiv(ss);
    if (!ss->started && put_start(ss) != 0)
        return status;
    ss->reason = "error";
    return finish(ss, status);
}

static int run(session *ss)
{
    const mdump_opts *opts = ss->opts;
    build_equiv(ss);
    ss->groups = calloc(ss->group_count, sizeof *ss->groups);
    if (!ss->equiv || !ss->groups ||
        (ss->tracking && !flow_table_init(&ss->flows, STREAMS_MAX))) {
        prog_error("out of memory");
        free(ss->groups);
        ss->groups = NULL; /* the groups named without it */
        return EXIT_RUNTIME;
    }
    if (!opts->json) {
        out_write(&ss->o, "Equiv cmd line: ", 16);
        out_puts(&ss->o, ss->equiv);
    }
    receiver_config rc_config;
    mdump_receiver_config(opts, &rc_config);
    for (size_t g = 0; g < ss->group_count; g++) {
        group_rx *gr = &ss->groups[g];
        gr->s = SOCK_INVALID;
        sock_addr_format(&opts->groups[g], SOCK_ADDR_HOST, gr->text);
        receiver_init(&gr->rx, &rc_config, &ss->o);
        if (ss->tracking)
            receiver_track(&gr->rx, &ss->flows, &opts->groups[g], g, gr->text);
    }
    sock_t listener = SOCK_INVALID;
    int rc = 0;
    if (opts->tcp)
        rc = open_tcp(ss, &listener);
    for (size_t g = 0; !opts->tcp && g < ss->group_count && rc == 0; g++)
        rc = open_group(ss, g);
    flush_note(ss);
    if (rc == 0 && opts->json)
        rc = put_start(ss);
    ss->receiving = rc == 0;
    if (rc == 0)
        rc = opts->tcp ? receive_tcp(ss, &listener) : receive_udp(ss);
    if (listener != SOCK_INVALID)
        sock_close(listener);
    for (size_t g = 0; g < ss->group_count; g++) {
        if (ss->groups[g].batch_ready)
            sock_receiver_free(&ss->groups[g].batch);
        if (ss->groups[g].s != SOCK_INVALID)
            sock_close(ss->groups[g].s);
    }
    return rc;
}

int main(int argc, char **argv)
{
    static session ss;      /* 64 KiB receive buffer: not on the stack */
    static mdump_opts opts; /* its list of groups, likewise */
    cli_error err;
    sock_hold_std_fds(); /* before anything takes a number of 0-2 */
    int rc = prog_parsed(&mdump_prog, mdump_parse(argc, argv, &opts, &err), &err);
    if (rc != PROG_RUN)
        return rc;
    ss.opts = &opts;
    ss.group_count = opts.tcp ? 1 : opts.group_count;
    ss.tracking = mdump_tracks_streams(&opts);
    bool sockets = false;
    if (out_open(&ss.o, opts.out_file) != 0) {
        prog_error("%s", ss.o.error);
        rc = EXIT_RUNTIME;
    } else {
        rc = prog_start_sockets();
        sockets = rc == 0;
    }
    if (sockets) {
        sock_catch_interrupts();
        rc = run(&ss);
    }
    rc = json_failed(&ss, rc);
    out_close(&ss.o);
    /* The last lines' write (or the file's close) failed: said too. */
    if (out_tell_failed(&ss.o))
        rc = EXIT_RUNTIME;
    out_tell_stalled(&ss.o);
    if (ss.tracking)
        flow_table_free(&ss.flows);
    free(ss.groups);
    free(ss.equiv);
    if (sockets)
        prog_stop_sockets();
    return rc;
}
