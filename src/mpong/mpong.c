/* mpong.c - mpong: options -> one UDP socket -> the reflector's loop, or
 * the initiator's cycles (engine/pingpong.h) and their statistics
 * (measure/latency.h), printed as the old tool printed them and after
 * that what it did not: percentiles, the counts, a histogram, JSON.
 *
 * Both sides use one socket, as the old tool did: the initiator's bound
 * to port, sending to port + 1; the reflector's bound to port + 1,
 * sending to port (multicast: to the group; unicast: to whoever sent). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pingpong.h"
#include "lib/clock.h"
#include "lib/out.h"
#include "lib/prog.h"
#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "measure/jsonw.h"
#include "measure/latency.h"
#include "mpong/mpong_opts.h"

static const prog_info mpong_prog = {"mpong", mpong_help, mpong_usage};

/* Samples kept for the percentiles: 64 MB at most; beyond, the
 * percentiles are those of the first ones (and say so). */
enum { STORED_SAMPLES_MAX = 1 << 24 };
/* The old tool's pause after joining, so that switches set up the flow. */
enum { JOIN_SETTLE_MS = 1000 };
enum { HISTOGRAM_BAR = 40 };

static const char samples_header[] = "timestamp RTT (in microseconds):";

typedef struct session {
    const mpong_opts *o;
    sock_t s;
    sock_receiver rx;
    size_t next_dgram;      /* of rx.dgrams, the next to hand over */
    sock_arrivals arrivals; /* what the socket is to hand over */
    sock_addr local;        /* bound */
    sock_addr dest;         /* where probes or reflections go */
    char dest_text[SOCK_ADDR_TEXT];
    FILE *file;             /* -o */
    out text;               /* stdout's lines, written at each flush_stdout */
    bool stdout_gone;       /* its reader went away */
    bool file_failed;
    char file_error[320];
    latency lat;
    uint32_t *samples;
    pinger png;
    unsigned long long handled, unsent; /* the reflector's, so far */
    bool json_told;         /* --json's object is written */
} session;

/* ---- output: stdout (text, unless --json) and the -o file */

/* Writes what stdout holds (lib/out.h: a reader that stopped reading
 * does not keep Ctrl-C from ending mpong); notes a reader that went away. */
static void flush_stdout(session *ss)
{
    out_flush(&ss->text);
    if (ss->text.stdout_closed)
        ss->stdout_gone = true;
}

/* What stdout ends the run with: EXIT_RUNTIME once a write to it failed
 * (main says why: out_tell_failed), as mdump and msend; EXIT_OUTPUT_GONE
 * once its reader went away; else 0. */
static int output_status(const session *ss)
{
    int rc = out_status(&ss->text);
    return rc == 0 && ss->stdout_gone ? EXIT_OUTPUT_GONE : rc;
}

static void to_file(session *ss, const char *line)
{
    if (!ss->file || ss->file_failed)
        return;
    if (fputs(line, ss->file) < 0 || fputc('\n', ss->file) < 0) {
        ss->file_failed = true;
        snprintf(ss->file_error, sizeof ss->file_error, "write %s: %s", ss->o->out_file,
                 strerror(errno));
    }
}

/* A line of the results: on stdout when shown there (text, not --json),
 * and in the -o file. */
static void emit(session *ss, bool on_stdout, const char *line)
{
    if (on_stdout && !ss->o->json && !ss->stdout_gone)
        out_puts(&ss->text, line);
    to_file(ss, line);
}

/* A WARNING the old tool printed on stdout (and into its file); with
 * --json on stderr, so that stdout holds only the JSON. */
static void warn_result(session *ss, const char *text)
{
    char line[256];
    snprintf(line, sizeof line, PROG_WARNING_PREFIX "%s", text);
    if (ss->o->json) {
        prog_warning("%s", text);
        to_file(ss, line);
        return;
    }
    emit(ss, true, line);
    flush_stdout(ss);
}

static int runtime_error(const char *what, const char *where)
{
    prog_error("%s%s%s: %s", what, where ? " " : "", where ? where : "", sock_error_text());
    return EXIT_RUNTIME;
}

/* ---- the socket */

/* SO_RCVBUF or SO_SNDBUF as asked; the old tool's warning when short,
 * and on stderr the size granted and how to raise the limit. */
static int set_buffer(session *ss, bool receive, int want)
{
    int got = 0;
    if (want == 0)
        return 0;
    const char *name = receive ? "SO_RCVBUF" : "SO_SNDBUF";
    int rc = receive ? sock_set_rcvbuf(ss->s, want) : sock_set_sndbuf(ss->s, want);
    if (rc != 0 || (receive ? sock_get_rcvbuf(ss->s, &got) : sock_get_sndbuf(ss->s, &got)) != 0)
        return runtime_error(name, NULL);
    if (sock_buffer_short(want, got)) {
        char text[128], note[160];
        snprintf(text, sizeof text, "tried to set %s to %d, only got %d", name, want, got);
        warn_result(ss, text);
        sock_buffer_note(receive, want, got, note, sizeof note);
        prog_note("%s", note);
    }
    return 0;
}

/* The multicast TTL and interface, or with -u broadcast, the unicast TTL. */
static int set_sending(session *ss)
{
    const mpong_opts *o = ss->o;
    const prog_positionals *p = &o->pos;
    int family = sock_addr_family(&p->group);
    bool ipv6 = family == AF_INET6;
    if (o->unicast) {
        if (o->initiator && !ipv6 && sock_set_broadcast(ss->s) != 0)
            return prog_option_failed("SO_BROADCAST", ss->dest_text);
        if (p->has_ttl && sock_set_unicast_ttl(ss->s, family, o->ttl) != 0)
            return prog_option_failed(ipv6 ? "IPV6_UNICAST_HOPS" : "IP_TTL", ss->dest_text);
        return 0;
    }
    int ttl = 0;
    const char *ttl_name = ipv6 ? "IPV6_MULTICAST_HOPS" : "IP_MULTICAST_TTL";
    if (sock_set_multicast_ttl(ss->s, family, o->ttl, &ttl) != 0)
        return prog_option_failed(ttl_name, ss->dest_text);
    if (ttl != o->ttl) {
        char text[96];
        snprintf(text, sizeof text, "tried to set %s to %d, %s %d", ttl_name, o->ttl,
                 ttl < o->ttl ? "only got" : "got", ttl);
        warn_result(ss, text);
    }
    if (!p->has_interface)
        return 0;
    const char *if_name = ipv6 ? "IPV6_MULTICAST_IF" : "IP_MULTICAST_IF";
    sock_addr kept;
    if (sock_set_multicast_if(ss->s, &p->interface_addr, &kept) != 0) {
        prog_error("%s %s: %s", if_name, p->interface_typed, sock_error_text());
        return EXIT_RUNTIME;
    }
    if (!sock_addr_same_host(&kept, &p->interface_addr)) {
        char kept_text[SOCK_ADDR_TEXT], text[2 * SOCK_ADDR_TEXT + 48];
        sock_addr_format(&kept, SOCK_ADDR_HOST, kept_text);
        snprintf(text, sizeof text, "tried to set %s to %s, got %s", if_name,
                 p->interface_typed, kept_text);
        warn_result(ss, text);
    }
    return 0;
}

/* The local address and port to bind: the group's port for the
 * initiator, port + 1 for the reflector; with -u the interface (or the
 * reflector's group) address, else any. */
static void choose_addresses(session *ss)
{
    const mpong_opts *o = ss->o;
    const prog_positionals *p = &o->pos;
    uint16_t listen_port = (uint16_t)(o->initiator ? p->port : p->port + 1);
    uint16_t send_port = (uint16_t)(o->initiator ? p->port + 1 : p->port);
    if (o->unicast) {
        if (p->has_interface)
            ss->local = p->interface_addr;
        else if (o->initiator)
            sock_addr_unspecified(&ss->local, sock_addr_family(&p->group), 0);
        else
            ss->local = p->group;
    } else {
        ss->local = p->group;
    }
    sock_addr_set_port(&ss->local, listen_port);
    ss->dest = p->group;
    sock_addr_set_port(&ss->dest, send_port);
    if (o->unicast && !o->initiator)
        snprintf(ss->dest_text, sizeof ss->dest_text, "each sender");
    else
        sock_addr_format(&ss->dest, SOCK_ADDR_COLON_PORT, ss->dest_text);
}

static int bind_and_join(session *ss)
{
    const mpong_opts *o = ss->o;
    const prog_positionals *p = &o->pos;
    const sock_addr *ifaddr = p->has_interface ? &p->interface_addr : NULL;
    char where[SOCK_ADDR_TEXT];
    sock_addr_format(&ss->local, SOCK_ADDR_COLON_PORT, where);
    /* Only the group asked for, from the interface asked for; unicast
     * without other sockets' groups. Before bind: nothing else queued. */
    sock_addr only_to = p->group;
    if (o->unicast)
        sock_addr_unspecified(&only_to, sock_addr_family(&ss->local), 0);
    if (sock_receive_only(ss->s, &only_to, o->unicast ? NULL : ifaddr, &ss->arrivals) != 0)
        prog_warning("cannot check where datagrams arrive (%s); other groups' or "
                     "interfaces' datagrams at port %u may be taken for replies",
                     sock_error_text(), (unsigned)sock_addr_port(&ss->local));
    int rc = o->unicast ? sock_bind(ss->s, &ss->local) : sock_bind_group(ss->s, &ss->local, ifaddr);
    if (rc != 0) {
        if (o->unicast && !sock_addr_is_unspecified(&ss->local) && sock_error_not_local()) {
            char host[SOCK_ADDR_TEXT];
            sock_addr_format(&ss->local, SOCK_ADDR_HOST, host);
            prog_error("%s %s: not an address of this host (with unicast it is the local "
                       "address to use)", p->has_interface ? "interface" : "group", host);
            return EXIT_RUNTIME;
        }
        return runtime_error("bind", where);
    }
    if (!o->unicast && sock_join(ss->s, &p->group, NULL, ifaddr) != 0) {
        snprintf(where, sizeof where, "%s on %s", p->typed[0],
                 ifaddr ? p->interface_typed : "any interface");
        return runtime_error("join", where);
    }
    return 0;
}

static int open_socket(session *ss)
{
    const mpong_opts *o = ss->o;
    choose_addresses(ss);
    ss->s = sock_udp(sock_addr_family(&o->pos.group));
    if (ss->s == SOCK_INVALID)
        return runtime_error("socket for", ss->dest_text);
    /* Shared, as the old tool's: mdump or another mpong may listen too. */
    int kept = 0;
    if (sock_set_shared_port(ss->s, &kept) != 0)
        return prog_option_failed("SO_REUSEADDR", ss->dest_text);
    if (!kept)
        warn_result(ss, "tried to set SO_REUSEADDR to 1, only got 0");
    int rc = set_buffer(ss, true, o->rcvbuf_bytes);
    if (rc == 0)
        rc = set_buffer(ss, false, o->sndbuf_bytes);
    if (rc == 0)
        rc = set_sending(ss);
    if (rc == 0)
        rc = bind_and_join(ss);
    if (rc == 0 && sock_receiver_init(&ss->rx, ss->s, true) != 0) {
        prog_error("out of memory");
        rc = EXIT_RUNTIME;
    }
    ss->rx.only = ss->arrivals;
    return rc;
}

/* Waits until s is readable or deadline_us (monotonic) passes: 1, 0, or
 * -1 when told to stop (Ctrl-C, stdout's reader gone) or failed. */
static int wait_until(session *ss, int64_t deadline_us)
{
    for (;;) {
        if (sock_interrupted())
            return -1;
        int64_t left_us = deadline_us - clock_mono_us();
        if (left_us <= 0)
            return 0;
        /* poll's whole milliseconds, then the last one looking without
         * blocking: the deadline kept to the microsecond, not to the
         * millisecond after it. */
        int64_t ms = left_us / 1000;
        int rc = sock_wait_readable(ss->s, ms > INT32_MAX ? INT32_MAX : (int)ms);
        if (rc == SOCK_OUTPUT_GONE) {
            ss->stdout_gone = true;
            return -1;
        }
        if (rc != 0)
            return rc;
    }
}

/* ---- the initiator */

static pinger_send_result io_send(void *ctx, const uint8_t *data, size_t len)
{
    session *ss = ctx;
    if (sock_send_to(ss->s, data, len, &ss->dest) >= 0)
        return PINGER_SENT;
    if (sock_error_refused() || sock_error_retry() || sock_error_path() ||
        sock_error_filtered() || sock_error_interrupted())
        return PINGER_NOT_SENT;
    return PINGER_SEND_FAILED;
}

static int io_receive(void *ctx, int64_t deadline_us, const uint8_t **data, size_t *len)
{
    session *ss = ctx;
    for (;;) {
        if (ss->next_dgram < ss->rx.count) {
            const sock_dgram *d = &ss->rx.dgrams[ss->next_dgram++];
            *data = d->data;
            *len = d->len;
            return 1;
        }
        int rc = wait_until(ss, deadline_us);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return sock_interrupted() || ss->stdout_gone ? PINGER_RECEIVE_STOPPED
                                                         : PINGER_RECEIVE_FAILED;
        ss->next_dgram = 0;
        long n = sock_recv_datagrams(&ss->rx);
        if (n < 0) {
            if (sock_error_interrupted())
                return PINGER_RECEIVE_STOPPED;
            /* An ICMP error for an earlier probe (Windows reports them on
             * unconnected sockets), or a spurious wake-up. */
            if (!sock_error_refused() && !sock_error_retry() && !sock_error_path())
                return PINGER_RECEIVE_FAILED;
            ss->rx.count = 0;
        }
    }
}

static const char *io_error_text(void *ctx)
{
    (void)ctx;
    return sock_error_text();
}

static int64_t io_now(void *ctx)
{
    (void)ctx;
    return clock_mono_us();
}

static int on_pinger_event(void *ctx, const pinger_event *e)
{
    session *ss = ctx;
    const mpong_opts *o = ss->o;
    char line[64];
    switch (e->kind) {
    case PINGER_MEASURING:
        emit(ss, o->verbose, samples_header);
        break;
    case PINGER_SAMPLE:
        latency_add(&ss->lat, e->rtt_us);
        latency_format_sample(line, sizeof line, e->since_first_us, e->rtt_us);
        emit(ss, o->verbose, line);
        break;
    case PINGER_LOST: {
        size_t n = latency_format_sample(line, sizeof line, e->since_first_us, 0);
        /* The time as a sample's, "lost" for its RTT. */
        char *space = memchr(line, ' ', n < sizeof line ? n : sizeof line - 1);
        if (space)
            snprintf(space, sizeof line - (size_t)(space - line), " lost");
        emit(ss, o->verbose, line);
        break;
    }
    case PINGER_FIRST_NOT_SENT:
        prog_warning("a probe to %s could not be sent (%s); still measuring",
                     ss->dest_text, e->reason);
        break;
    }
    /* On an interval there is time to show each line as it comes. */
    if (o->verbose && o->interval_ms > 0)
        flush_stdout(ss);
    return output_status(ss);
}

/* The old tool's pause after joining, cut short by Ctrl-C. */
static void settle(void)
{
    int64_t deadline = clock_mono_us() + (int64_t)JOIN_SETTLE_MS * 1000;
    for (int64_t now = clock_mono_us(); now < deadline && !sock_interrupted();
         now = clock_mono_us())
        clock_sleep_until(deadline - now < 50000 ? deadline : now + 50000);
}

static void print_counts_text(session *ss)
{
    const pinger_counts *n = &ss->png.counts;
    char line[256];
    snprintf(line, sizeof line, "%llu sent, %llu received, %llu lost, %llu late",
             (unsigned long long)n->sent, (unsigned long long)n->received,
             (unsigned long long)n->lost, (unsigned long long)n->late);
    emit(ss, true, line);
    if (n->duplicates > 0 || n->strays > 0) {
        snprintf(line, sizeof line, "also received: %llu duplicate replies, %llu datagrams "
                 "that were no reply of this run",
                 (unsigned long long)n->duplicates, (unsigned long long)n->strays);
        emit(ss, true, line);
    }
}

static void print_results_text(session *ss)
{
    char line[512];
    latency_format_summary(line, sizeof line, &ss->lat);
    emit(ss, true, line);
    if (ss->lat.count > 0) {
        latency_format_percentiles(line, sizeof line, &ss->lat);
        emit(ss, true, line);
    }
    if (ss->o->histogram && ss->lat.count > 0) {
        emit(ss, true, "RTT histogram:");
        size_t need = latency_format_histogram(NULL, 0, &ss->lat, HISTOGRAM_BAR) + 1;
        char *text = malloc(need);
        if (text) {
            latency_format_histogram(text, need, &ss->lat, HISTOGRAM_BAR);
            /* One line at a time, without their newlines. */
            for (char *p = text, *nl; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                *nl = '\0';
                emit(ss, true, p);
            }
            free(text);
        }
    }
    print_counts_text(ss);
}

static void json_common(jsonw *w, const session *ss)
{
    char host[SOCK_ADDR_TEXT];
    sock_addr_format(&ss->o->pos.group, SOCK_ADDR_HOST, host);
    jsonw_kv_string(w, "role", ss->o->initiator ? "initiator" : "reflector");
    jsonw_kv_string(w, "transport", ss->o->unicast ? "udp" : "multicast");
    jsonw_kv_string(w, "address", host);
    jsonw_kv_uint(w, "port", ss->o->pos.port);
}

static void print_json(session *ss, jsonw *w, char *buf, size_t cap)
{
    ss->json_told = true;
    if (!jsonw_ok(w)) {
        prog_error("the JSON results did not fit %zu bytes", cap);
        return;
    }
    if (!ss->stdout_gone)
        out_write(&ss->text, buf, jsonw_length(w));
}

/* status: the exit status the run ends with; stopped: by Ctrl-C or
 * SIGTERM (the cycles then fewer than asked); error: the ERROR's text
 * after a failure (exit 1), else NULL. */
static void print_results_json(session *ss, int status, bool stopped, const char *error)
{
    const mpong_opts *o = ss->o;
    const pinger_counts *n = &ss->png.counts;
    latency *l = &ss->lat;
    char buf[8192];
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    json_common(&w, ss);
    jsonw_kv_int(&w, "status", status);
    jsonw_kv_bool(&w, "stopped", stopped);
    jsonw_kv_uint(&w, "cycles", (uint64_t)o->cycles);
    jsonw_kv_uint(&w, "warmup", (uint64_t)o->warmup);
    jsonw_kv_int(&w, "timeout_ms", o->timeout_ms);
    jsonw_kv_int(&w, "interval_ms", o->interval_ms);
    jsonw_kv_uint(&w, "sent", n->sent);
    jsonw_kv_uint(&w, "received", n->received);
    jsonw_kv_uint(&w, "lost", n->lost);
    jsonw_kv_uint(&w, "late", n->late);
    jsonw_kv_uint(&w, "not_sent", n->not_sent);
    jsonw_kv_uint(&w, "duplicates", n->duplicates);
    jsonw_kv_uint(&w, "strays", n->strays);
    jsonw_key(&w, "rtt_us");
    if (l->count == 0) {
        jsonw_null(&w);
    } else {
        jsonw_object_begin(&w);
        jsonw_kv_fixed(&w, "avg", latency_mean_us(l), 3);
        jsonw_kv_fixed(&w, "stddev", latency_stddev_us(l), 3);
        jsonw_kv_uint(&w, "min", l->min_us);
        jsonw_kv_uint(&w, "p50", latency_percentile(l, 500000));
        jsonw_kv_uint(&w, "p90", latency_percentile(l, 900000));
        jsonw_kv_uint(&w, "p99", latency_percentile(l, 990000));
        jsonw_kv_uint(&w, "p99.9", latency_percentile(l, 999000));
        jsonw_kv_uint(&w, "max", l->max_us);
        jsonw_object_end(&w);
    }
    /* The percentiles are of the first samples when not all were kept. */
    jsonw_kv_uint(&w, "percentiles_of", l->stored);
    if (o->histogram) {
        jsonw_key(&w, "histogram");
        jsonw_array_begin(&w);
        for (int b = 0; b < LATENCY_BUCKETS; b++) {
            if (l->bucket_count[b] == 0)
                continue;
            jsonw_object_begin(&w);
            jsonw_kv_uint(&w, "lower_us", latency_bucket_lower_us(b));
            jsonw_kv_uint(&w, "upper_us", latency_bucket_upper_us(b));
            jsonw_kv_uint(&w, "count", l->bucket_count[b]);
            jsonw_object_end(&w);
        }
        jsonw_array_end(&w);
    }
    if (error)
        jsonw_kv_string(&w, "error", error);
    jsonw_object_end(&w);
    print_json(ss, &w, buf, sizeof buf);
}

static int run_initiator(session *ss)
{
    const mpong_opts *o = ss->o;
    size_t capacity = o->cycles < STORED_SAMPLES_MAX ? (size_t)o->cycles : STORED_SAMPLES_MAX;
    ss->samples = malloc(capacity * sizeof *ss->samples);
    if (!ss->samples) {
        prog_error("out of memory (room for %zu RTT samples)", capacity);
        return EXIT_RUNTIME;
    }
    latency_init(&ss->lat, ss->samples, capacity);
    pinger_config c;
    mpong_pinger_config(o, &c);
    /* Tells this run's replies from another initiator's on the group. */
    c.run_id = (uint64_t)clock_wall_us() * 0x9e3779b97f4a7c15ull ^ (uint64_t)clock_mono_us();
    pinger_io io = {ss, io_send, io_receive, io_error_text, io_now};
    pinger_init(&ss->png, &c, &io, on_pinger_event, ss);
    if (!o->unicast)
        settle();
    int rc = sock_interrupted() ? PINGER_STOPPED : pinger_run(&ss->png);
    if (rc == PINGER_FAILED) {
        flush_stdout(ss);
        prog_error("%s %s", ss->png.failure, ss->dest_text);
        return EXIT_RUNTIME;
    }
    if (rc == EXIT_RUNTIME || ss->text.failed)
        return EXIT_RUNTIME;
    if (rc == EXIT_OUTPUT_GONE || ss->stdout_gone)
        return EXIT_OUTPUT_GONE;
    const pinger_counts *n = &ss->png.counts;
    bool stopped = rc == PINGER_STOPPED;
    int status = stopped ? EXIT_SIGNAL_BASE + sock_interrupted()
                 : n->received == 0 ? EXIT_TIMEOUT : 0;
    /* The text goes to the -o file with --json too. */
    print_results_text(ss);
    if (o->json)
        print_results_json(ss, status, stopped, NULL);
    flush_stdout(ss);
    if (n->not_sent > 0)
        prog_warning("%llu of %llu probes to %s could not be sent", (unsigned long long)n->not_sent,
                     (unsigned long long)n->sent, ss->dest_text);
    if (output_status(ss) != 0)
        return output_status(ss);
    return status;
}

/* ---- the reflector */

typedef enum { ENDED_COUNT, ENDED_IDLE, ENDED_INTERRUPTED, ENDED_ERROR } reflector_end;

/* Sends one datagram back: to the group's port, or to its sender. 0, or
 * the status to end with. *unsent counts those the path refused. */
static int reflect(session *ss, const sock_dgram *d, unsigned long long *unsent)
{
    const sock_addr *to = ss->o->unicast ? &ss->rx.from[d->slot] : &ss->dest;
    if (sock_send_to(ss->s, d->data, d->len, to) >= 0)
        return 0;
    if (sock_error_refused() || sock_error_retry() || sock_error_path() ||
        sock_error_filtered() || sock_error_interrupted()) {
        if ((*unsent)++ == 0)
            prog_warning("a reflection to %s could not be sent (%s); still reflecting",
                         ss->dest_text, sock_error_text());
        return 0;
    }
    char where[SOCK_ADDR_TEXT];
    sock_addr_format(to, SOCK_ADDR_COLON_PORT, where);
    return runtime_error("sendto", where);
}

/* The exit status a reflector that ended so ends with: 128 + the signal
 * (Ctrl-C, SIGTERM), EXIT_UNSENT when what came could not be sent back at
 * all, EXIT_TIMEOUT when nothing came before the idle timeout, else 0.
 * handled: the datagrams received, reflected: those sent back. */
static int reflector_status(reflector_end end, unsigned long long handled,
                            unsigned long long reflected)
{
    if (end == ENDED_INTERRUPTED)
        return EXIT_SIGNAL_BASE + sock_interrupted();
    /* Received, but not one reflection could be sent: no success, and no
     * "nothing received" either. */
    if (handled > 0 && reflected == 0)
        return EXIT_UNSENT;
    return end == ENDED_IDLE && handled == 0 ? EXIT_TIMEOUT : 0;
}

/* The reflector's --json object; status: the exit status the run ends
 * with, as the initiator's; error: the ERROR's text (ENDED_ERROR). */
static void reflector_json(session *ss, unsigned long long reflected,
                           unsigned long long unsent, reflector_end end, int status,
                           const char *error)
{
    static const char *const ended[] = {"count", "idle", "interrupted", "error"};
    char buf[1024 + 6 * 1024]; /* the error's text escaped too */
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    json_common(&w, ss);
    jsonw_kv_int(&w, "status", status);
    jsonw_kv_uint(&w, "reflected", reflected);
    jsonw_kv_uint(&w, "not_reflected", unsent);
    jsonw_kv_string(&w, "ended", ended[end]);
    if (error)
        jsonw_kv_string(&w, "error", error);
    jsonw_object_end(&w);
    print_json(ss, &w, buf, sizeof buf);
}

static void reflector_results(session *ss, unsigned long long reflected,
                              unsigned long long unsent, reflector_end end, int status)
{
    const mpong_opts *o = ss->o;
    if (o->json) {
        reflector_json(ss, reflected, unsent, end, status, NULL);
    } else {
        /* Only when nothing came: probes that came and could not be sent
         * back are the WARNING's below, a fault on the way back. */
        if (end == ENDED_IDLE && reflected + unsent == 0) {
            char line[96];
            int ms = o->idle_timeout_ms;
            if (ms % 1000 == 0)
                snprintf(line, sizeof line, "TIMEOUT: nothing received for %d s", ms / 1000);
            else
                snprintf(line, sizeof line, "TIMEOUT: nothing received for %d ms", ms);
            emit(ss, true, line);
        }
        if (o->announce) {
            char line[64];
            snprintf(line, sizeof line, "%llu datagrams reflected", reflected);
            emit(ss, true, line);
        }
    }
    flush_stdout(ss);
    if (unsent > 0)
        prog_warning("%llu of %llu reflections to %s could not be sent", unsent,
                     reflected + unsent, ss->dest_text);
}

static int run_reflector(session *ss)
{
    const mpong_opts *o = ss->o;
    if (o->announce) {
        char line[2 * SOCK_ADDR_TEXT + 64], listen_text[SOCK_ADDR_TEXT];
        sock_addr_format(&ss->local, SOCK_ADDR_COLON_PORT, listen_text);
        snprintf(line, sizeof line, "Reflecting datagrams to %s back to %s", listen_text,
                 ss->dest_text);
        emit(ss, true, line);
        flush_stdout(ss);
        if (ss->text.failed)
            return EXIT_RUNTIME;
    }
    /* -s: the warm-up and the measured cycles, as the initiator sends them. */
    unsigned long long limit = o->cycles_given ? (unsigned long long)(o->cycles + o->warmup) : 0;
    /* In the session: a failure's --json object tells them too. */
    unsigned long long *handled = &ss->handled, *unsent = &ss->unsent;
    reflector_end end = ENDED_COUNT;
    int64_t last_us = clock_mono_us();
    int status = 0;
    while (limit == 0 || *handled < limit) {
        int64_t deadline = o->idle_timeout_ms > 0
                               ? last_us + (int64_t)o->idle_timeout_ms * 1000 : INT64_MAX;
        int rc = wait_until(ss, deadline);
        if (rc == 0) {
            end = ENDED_IDLE;
            break;
        }
        if (rc < 0) {
            if (!sock_interrupted() && !ss->stdout_gone) {
                status = runtime_error("poll", NULL);
                break;
            }
            end = ENDED_INTERRUPTED;
            break;
        }
        long n = sock_recv_datagrams(&ss->rx);
        if (n < 0) {
            if (sock_error_interrupted()) {
                end = ENDED_INTERRUPTED;
                break;
            }
            if (sock_error_refused() || sock_error_retry() || sock_error_path())
                continue;
            status = runtime_error("recv", NULL);
            break;
        }
        if (n > 0)
            last_us = clock_mono_us();
        for (size_t i = 0; i < ss->rx.count && status == 0; i++, (*handled)++)
            status = reflect(ss, &ss->rx.dgrams[i], unsent);
        if (status != 0)
            break;
    }
    if (status != 0)
        return status;
    unsigned long long reflected = *handled - *unsent;
    status = reflector_status(end, *handled, reflected);
    reflector_results(ss, reflected, *unsent, end, status);
    if (output_status(ss) != 0)
        return output_status(ss);
    return status;
}

/* --json after a failure (exit 1), before the results or instead of
 * them: the one object all the same, with the counts so far (zero before
 * any cycle) and the ERROR's text; the reflector's ended "error". */
static void json_failure(session *ss)
{
    if (!ss->o->json || ss->json_told || !ss->text.buf)
        return;
    if (ss->o->initiator)
        print_results_json(ss, EXIT_RUNTIME, sock_interrupted() != 0, prog_last_error());
    else
        reflector_json(ss, ss->handled - ss->unsent, ss->unsent, ENDED_ERROR, EXIT_RUNTIME,
                       prog_last_error());
    flush_stdout(ss);
}

static int run(session *ss)
{
    int rc = open_socket(ss);
    /* A WARNING line stdout could not take: not a run that ends unheard. */
    if (rc == 0 && ss->text.failed)
        rc = EXIT_RUNTIME;
    if (rc == 0)
        rc = ss->o->initiator ? run_initiator(ss) : run_reflector(ss);
    if (ss->s != SOCK_INVALID)
        sock_close(ss->s);
    sock_receiver_free(&ss->rx);
    free(ss->samples);
    return rc;
}

int main(int argc, char **argv)
{
    /* Static as the session that points to them, so no pointer to main's
     * stack outlives it. */
    static mpong_opts opts;
    static session ss;
    cli_error err;
    sock_hold_std_fds(); /* before anything takes a number of 0-2 */
    int rc = prog_parsed(&mpong_prog, mpong_parse(argc, argv, &opts, &err), &err);
    if (rc != PROG_RUN)
        return rc;
    ss.o = &opts;
    ss.s = SOCK_INVALID;
    if (out_open(&ss.text, NULL) != 0) {
        prog_error("%s", ss.text.error);
        return EXIT_RUNTIME;
    }
    rc = 0;
    if (opts.out_file) {
        ss.file = fopen(opts.out_file, "w");
        if (!ss.file) {
            prog_error("open %s: %s", opts.out_file, strerror(errno));
            rc = EXIT_RUNTIME;
        }
    }
    bool sockets = false;
    if (rc == 0) {
        rc = prog_start_sockets();
        sockets = rc == 0;
    }
    if (sockets) {
        sock_catch_interrupts();
        rc = run(&ss);
    }
    if (rc == EXIT_RUNTIME)
        json_failure(&ss);
    out_close(&ss.text);
    /* stdout could not take the results: said, whatever ended the run. */
    if (out_tell_failed(&ss.text))
        rc = EXIT_RUNTIME;
    out_tell_stalled(&ss.text);
    if (ss.file && fclose(ss.file) != 0 && !ss.file_failed) {
        ss.file_failed = true;
        snprintf(ss.file_error, sizeof ss.file_error, "write %s: %s", opts.out_file,
                 strerror(errno));
    }
    /* Whatever ended the run: the file does not hold what it should. */
    if (ss.file_failed) {
        prog_error("%s", ss.file_error);
        rc = EXIT_RUNTIME;
    }
    if (sockets)
        prog_stop_sockets();
    return rc;
}
