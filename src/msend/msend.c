/* msend.c - msend: options -> a socket -> the sender's tests, told as
 * the old tools told them.
 *
 * The text printed and the bytes sent follow the old tools exactly (see
 * msend_opts.c for the Equiv line, engine/sender.c for the schedule and
 * the bytes); this file opens and sets up the socket and turns what the
 * sender reports into those lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sender.h"
#include "lib/clock.h"
#include "lib/out.h"
#include "lib/prog.h"
#include "lib/sock.h"
#include "measure/flow.h"
#include "measure/jsonw.h"
#include "msend/msend_opts.h"

static const prog_info msend_prog = {"msend", msend_help, msend_usage};

typedef struct session {
    const msend_opts *o;
    sock_t s;
    sock_addr dest;
    char dest_text[SOCK_ADDR_TEXT];
    sender snd;
    bool dots_pending;      /* -q's dots, not yet ended by a line */
    double sending_s;       /* the tests' times from first to last message */
    unsigned long long spans; /* the tests that sent messages: each span's first
                                 is not in the rates (measure/flow.h) */
    out *text;              /* stdout's lines, written at each flush_stdout */
    int64_t flushed_us;     /* when flush_before_wait last wrote them */
} session;

/* The old tools' lines on stdout: not with --json, nor with -qq. */
static bool old_lines(const msend_opts *o, int quiet_below)
{
    return !o->json && o->quiet < quiet_below;
}

/* Room for one JSON object: the Equiv line (its positionals as typed) and
 * the rest. */
enum { JSON_ROOM = 8192 };

static int flush_stdout(const session *ss);

/* Writes a JSON Lines object built in w, and flushes it (it is read as
 * it comes). */
static int put_json(const session *ss, jsonw *w)
{
    if (!jsonw_ok(w)) {
        prog_error("a JSON object did not fit %zu bytes", w->out.cap);
        return EXIT_RUNTIME;
    }
    out_write(ss->text, w->out.buf, jsonw_length(w));
    return flush_stdout(ss);
}

/* An ERROR about the socket to the destination, with the system's reason. */
static int runtime_error(const session *ss, const char *what)
{
    prog_error("%s %s: %s", what, ss->dest_text, sock_error_text());
    return EXIT_RUNTIME;
}

/* Writes what stdout holds (lib/out.h: a reader that stopped reading
 * does not keep Ctrl-C from ending msend). A reader that went away
 * (msend | head -1; SIGPIPE is ignored, see sock_startup) ends msend with
 * EXIT_OUTPUT_GONE instead of leaving it sending unseen; a write that
 * failed (a full disk) ends it with EXIT_RUNTIME, as mdump, and main says
 * why (out_tell_failed). */
static int flush_stdout(const session *ss)
{
    out_flush(ss->text);
    return out_status(ss->text);
}

/* Between bursts, stdout's lines are written before a wait of at least
 * this long, and at a burst's end once they have waited this long since
 * the last such write: a line is never shown much later than it was
 * made, and at high rates (--rate 20k: a burst every 50 us) they go many
 * to a write, not one write (and, on Windows, one hand-over to the writer
 * thread) per message. -q's dots are each written at once (the spec's
 * "flushed"). */
enum { MSEND_LINES_LATE_US = 10000 };

static int flush_before_wait(session *ss, int64_t wait_us)
{
    int64_t now = clock_mono_us();
    if (wait_us < MSEND_LINES_LATE_US && now - ss->flushed_us < MSEND_LINES_LATE_US)
        return 0;
    ss->flushed_us = now;
    return flush_stdout(ss);
}

static int on_burst_end(session *ss)
{
    const msend_opts *o = ss->o;
    if (o->quiet == 1 && !o->json) {
        /* Each dot is written as it is made, as the old msend did:
         * scripts count them to learn how many went out before a sender
         * was stopped midway (mcheck does). */
        out_write(ss->text, ".", 1);
        ss->dots_pending = true;
        return flush_stdout(ss);
    }
    /* Lines are written before the wait that follows (SENDER_BURST_WAIT),
     * or here once they are old: -p 0 has no waits between bursts. */
    return old_lines(o, 1) ? flush_before_wait(ss, 0) : 0;
}

/* What the sender reports, as the old tools printed it: on stdout the
 * progress (-q: a dot per burst, -qq: nothing), on stderr the summary
 * (--summary) and, once each, what went wrong on the way. */
static int on_interval(session *ss, const sender_event *e)
{
    double seconds = e->seconds - e->start_s;
    double msgs_per_s = seconds > 0 ? (double)e->messages / seconds : 0.0;
    double bits_per_s = seconds > 0 ? (double)e->bytes * 8 / seconds : 0.0;
    if (ss->o->json) {
        char buf[JSON_ROOM];
        jsonw w;
        jsonw_init(&w, buf, sizeof buf);
        jsonw_object_begin(&w);
        jsonw_kv_string(&w, "event", "interval");
        jsonw_kv_fixed(&w, "start_s", e->start_s, 6);
        jsonw_kv_fixed(&w, "end_s", e->seconds, 6);
        jsonw_kv_uint(&w, "messages", e->messages);
        jsonw_kv_uint(&w, "bytes", e->bytes);
        jsonw_kv_fixed(&w, "msgs_per_s", msgs_per_s, 3);
        jsonw_kv_fixed(&w, "bits_per_s", bits_per_s, 3);
        jsonw_object_end(&w);
        return put_json(ss, &w);
    }
    if (ss->dots_pending)
        out_write(ss->text, "\n", 1);
    ss->dots_pending = false;
    out_printf(ss->text, "interval %.3f-%.3f s to %s: %llu msgs, %.0f msgs/s, %.3f Mbit/s\n",
               e->start_s, e->seconds, ss->dest_text, e->messages, msgs_per_s,
               bits_per_s / 1e6);
    return flush_stdout(ss);
}

static int on_sender_event(void *ctx, const sender_event *e)
{
    session *ss = ctx;
    const msend_opts *o = ss->o;
    int rc;
    switch (e->kind) {
    case SENDER_TEST_BEGIN:
        ss->dots_pending = false;
        if (o->num_bursts != 0 && old_lines(o, 2)) {
            if (o->msg_len == 0)
                out_printf(ss->text, "Sending %lld bursts of %d variable-length messages\n",
                           o->num_bursts, o->burst_count);
            else
                out_printf(ss->text, "Sending %lld bursts of %d %d-byte messages\n",
                           o->num_bursts, o->burst_count, o->msg_len);
        }
        return 0;
    case SENDER_ECHO_SENT:
        return flush_before_wait(ss, INT64_MAX); /* the echo's settling pause */
    case SENDER_BURST_WAIT:
        return flush_before_wait(ss, e->wait_us);
    case SENDER_BURST_BEGIN:
        if (old_lines(o, 1)) {
            if (o->burst_count > 1)
                out_printf(ss->text, "Sending burst of %d msgs\n", o->burst_count);
            else
                out_printf(ss->text, "Sending %zu bytes\n", e->message_bytes);
        }
        return 0;
    case SENDER_BURST_END:
        return on_burst_end(ss);
    case SENDER_MESSAGES_SENT:
        ss->sending_s += e->seconds;
        ss->spans += e->messages > 0;
        if (!o->summary)
            return 0;
        if ((rc = flush_stdout(ss)) != 0)
            return rc;
        fprintf(stderr, "msend: %llu messages, %.0f bytes in %.6f s: %.0f messages/s, "
                        "%.1f Mbit/s\n", e->messages, (double)e->bytes, e->seconds,
                flow_span_rate((double)e->messages, e->messages, e->seconds),
                flow_span_rate((double)e->bytes, e->messages, e->seconds) * 8 / 1e6);
        return 0;
    case SENDER_STAT_PAUSE:
        ss->dots_pending = false;
        if (old_lines(o, 2))
            out_printf(ss->text, "Pausing before sending 'stat'\n");
        return flush_stdout(ss);
    case SENDER_STAT_SEND:
        if (old_lines(o, 2))
            out_printf(ss->text, "Sending stat\n");
        return 0;
    case SENDER_TEST_END:
        ss->dots_pending = false;
        if (old_lines(o, 2))
            out_printf(ss->text,
                       o->stat_pause_ms > 0 ? "%llu messages sent (not including 'stat')\n"
                                            : "%llu messages sent\n",
                       e->messages);
        return flush_stdout(ss);
    case SENDER_FIRST_REFUSED:
        if (o->quiet < 2)
            prog_warning("%s answered 'port unreachable' (no receiver yet?); still sending",
                         ss->dest_text);
        return 0;
    case SENDER_FIRST_FILTERED:
        if (o->quiet < 2)
            prog_warning("sends to %s dropped by this host's firewall (%s); still sending",
                         ss->dest_text, e->reason);
        return 0;
    case SENDER_PATH_TROUBLE:
        if (o->quiet < 2)
            prog_warning("send to %s failed (%s); still sending", ss->dest_text, e->reason);
        return 0;
    case SENDER_INTERVAL:
        return on_interval(ss, e);
    case SENDER_SCHEDULE_MOVED:
        /* Whatever -q says, as the counts of what could not be sent: it
         * explains a run longer than asked and a rate below it (and -qq is
         * how high rates are sent). */
        if ((rc = flush_stdout(ss)) != 0)
            return rc;
        prog_note("msend fell %.3f s (%llu message%s) behind its schedule: it moved the "
                  "schedule on by that much, without a burst to catch up",
                  e->seconds, e->messages, e->messages == 1 ? "" : "s");
        return 0;
    }
    return 0;
}

static const char *transport_name(msend_transport t)
{
    return t == MSEND_TCP ? "tcp" : t == MSEND_UDP ? "udp" : "multicast";
}

/* --json: the object that stands for the Equiv line (equiv NULL: there
 * was no memory to build it, null). */
static int put_start(const session *ss, const char *equiv)
{
    const msend_opts *o = ss->o;
    /* Sized to fit: the equiv text holds the positionals as typed (a
     * character may take 6 escaped). */
    size_t room = JSON_ROOM + 6 * (equiv ? strlen(equiv) : 0);
    char *buf = malloc(room);
    if (!buf) {
        prog_error("out of memory");
        return EXIT_RUNTIME;
    }
    jsonw w;
    jsonw_init(&w, buf, room);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "event", "start");
    jsonw_kv_string(&w, "program", "msend");
    jsonw_kv_string(&w, "version", MTOOLS_VERSION);
    jsonw_key(&w, "equiv");
    if (equiv)
        jsonw_string(&w, equiv);
    else
        jsonw_null(&w);
    jsonw_kv_string(&w, "transport", transport_name(o->transport));
    char host[SOCK_ADDR_TEXT];
    sock_addr_format(&ss->dest, SOCK_ADDR_HOST, host);
    jsonw_kv_string(&w, "destination", host);
    jsonw_kv_uint(&w, "port", o->pos.port);
    jsonw_key(&w, "messages");
    if (o->num_bursts == 0)
        jsonw_null(&w); /* until stopped */
    else
        jsonw_uint(&w, msend_test_messages(o));
    jsonw_kv_uint(&w, "loops", (uint64_t)o->loops);
    jsonw_key(&w, "rate_msgs_per_s");
    if (o->has_rate)
        jsonw_double(&w, o->rate_msgs_per_s); /* as given: 0.0015 is not 0.002 */
    else
        jsonw_null(&w);
    jsonw_key(&w, "interval_s");
    if (o->interval_ms > 0)
        jsonw_fixed(&w, o->interval_ms / 1000.0, 3);
    else
        jsonw_null(&w);
    jsonw_kv_bool(&w, "timestamp", o->timestamp);
    jsonw_object_end(&w);
    int rc = put_json(ss, &w);
    free(buf);
    return rc;
}

/* The end: --interval's total line, --json's last object. */
static int put_end(const session *ss, int tests_run, int status, bool stopped)
{
    const msend_opts *o = ss->o;
    const sender_counts *n = &ss->snd.counts;
    double seconds = ss->sending_s;
    double msgs_per_s = flow_spans_rate((double)n->messages, n->messages, ss->spans, seconds);
    double bits_per_s =
        flow_spans_rate((double)n->message_bytes, n->messages, ss->spans, seconds) * 8;
    if (!o->json) {
        if (o->interval_ms == 0)
            return 0;
        if (ss->dots_pending)
            out_write(ss->text, "\n", 1);
        out_printf(ss->text, "total to %s: %llu msgs in %.3f s, %.0f msgs/s, %.3f Mbit/s\n",
                   ss->dest_text, n->messages, seconds, msgs_per_s, bits_per_s / 1e6);
        return flush_stdout(ss);
    }
    char buf[JSON_ROOM];
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "event", "end");
    jsonw_kv_int(&w, "status", status);
    jsonw_kv_bool(&w, "stopped", stopped);
    jsonw_kv_uint(&w, "tests", (uint64_t)tests_run);
    jsonw_kv_uint(&w, "messages", n->messages);
    jsonw_kv_uint(&w, "bytes", n->message_bytes);
    jsonw_kv_fixed(&w, "seconds", seconds, 6);
    jsonw_kv_fixed(&w, "msgs_per_s", msgs_per_s, 3);
    jsonw_kv_fixed(&w, "bits_per_s", bits_per_s, 3);
    jsonw_kv_uint(&w, "unsent_messages", n->unsent_messages);
    jsonw_kv_uint(&w, "unsent_echoes", n->unsent_echoes);
    jsonw_kv_uint(&w, "unsent_stats", n->unsent_stats);
    jsonw_kv_uint(&w, "refused", n->refused);
    jsonw_kv_uint(&w, "filtered", n->filtered);
    jsonw_object_end(&w);
    return put_json(ss, &w);
}

/* Whether a signal (Ctrl-C, SIGTERM, SIGHUP) stops the sending instead of
 * ending msend at once: when the run has an end to write (--interval's
 * total line, --json's end object, --summary's line), which it then
 * writes before it exits with 128 + the signal's number. */
static bool has_run_end(const msend_opts *o)
{
    return o->interval_ms > 0 || o->json || o->summary;
}

static bool interrupted(void *ctx)
{
    (void)ctx;
    return sock_interrupted() != 0;
}

/* --dscp and --loopback: set, and what the system kept said when it
 * differs. */
static int configure_marks(const session *ss, int family)
{
    const prog_net *n = &ss->o->pos.net;
    bool ipv6 = family == AF_INET6;
    int kept = 0;
    if (n->dscp_given) {
        if (sock_set_dscp(ss->s, family, n->dscp, &kept) != 0)
            return prog_option_failed(ipv6 ? "IPV6_TCLASS" : "IP_TOS", ss->dest_text);
        if (kept != n->dscp && ss->o->quiet < 2)
            prog_warning("tried to set the DSCP to %d, got %d", n->dscp, kept);
    }
    if (n->loopback_given) {
        const char *loop_name = ipv6 ? "IPV6_MULTICAST_LOOP" : "IP_MULTICAST_LOOP";
        if (sock_set_multicast_loop(ss->s, family, n->loopback, &kept) != 0)
            return prog_option_failed(loop_name, ss->dest_text);
        if (kept != (int)n->loopback && ss->o->quiet < 2)
            prog_warning("tried to set %s to %d, got %d", loop_name, n->loopback, kept);
    }
    return 0;
}

/* Multicast's TTL (hop limit), and what the system kept when it differs. */
static int set_multicast_ttl(const session *ss, int family)
{
    const msend_opts *o = ss->o;
    int ttl = 0;
    const char *ttl_name = family == AF_INET6 ? "IPV6_MULTICAST_HOPS" : "IP_MULTICAST_TTL";
    if (sock_set_multicast_ttl(ss->s, family, o->ttl, &ttl) != 0)
        return prog_option_failed(ttl_name, ss->dest_text);
    if (ttl != o->ttl && o->quiet < 2)
        prog_warning("tried to set %s to %d, %s %d", ttl_name, o->ttl,
                     ttl < o->ttl ? "only got" : "got", ttl);
    return 0;
}

/* Multicast's TTL (hop limit) and the interface to send from. */
static int configure_multicast(const session *ss, int family)
{
    const msend_opts *o = ss->o;
    const char *if_name = family == AF_INET6 ? "IPV6_MULTICAST_IF" : "IP_MULTICAST_IF";
    int rc = set_multicast_ttl(ss, family);
    if (rc != 0 || !o->pos.has_interface)
        return rc;
    sock_addr kept;
    if (sock_set_multicast_if(ss->s, &o->pos.interface_addr, &kept) != 0) {
        prog_error("%s %s: %s", if_name, o->pos.interface_typed, sock_error_text());
        return EXIT_RUNTIME;
    }
    if (!sock_addr_same_host(&kept, &o->pos.interface_addr) && o->quiet < 2) {
        char kept_text[SOCK_ADDR_TEXT];
        sock_addr_format(&kept, SOCK_ADDR_HOST, kept_text);
        prog_warning("tried to set %s to %s, got %s", if_name, o->pos.interface_typed,
                     kept_text);
    }
    return 0;
}

/* -m shorter than the numbered text: sent as asked (the text cut, as the
 * old msend did), and said once, for the receiver's counts will be wrong. */
static void note_numbers_cut(const msend_opts *o)
{
    unsigned long long first_cut;
    size_t need;
    if (!msend_numbers_cut(o, &first_cut, &need))
        return;
    if (first_cut == 0) {
        prog_note("-m %d has no room for the number in 'Message <n>': a receiver reads "
                  "none (-m %zu holds them all)", o->msg_len, need);
        return;
    }
    prog_note(o->decimal ? "-m %d cuts the number in 'Message %llu' and later: a receiver "
                           "reads cut numbers as duplicates and loss (-m %zu holds them all)"
                         : "-m %d cuts the number in 'Message %llx' and later: a receiver "
                           "reads cut numbers as duplicates and loss (-m %zu holds them all)",
              o->msg_len, first_cut, need);
}

/* Socket options; *sndbuf_shown: the SO_SNDBUF size for the Equiv line. */
static int configure(const session *ss, int *sndbuf_shown)
{
    const msend_opts *o = ss->o;
    int got = 0;
    if (o->sndbuf_bytes > 0) {
        if (sock_set_sndbuf(ss->s, o->sndbuf_bytes) != 0 ||
            sock_get_sndbuf(ss->s, &got) != 0)
            return prog_option_failed("SO_SNDBUF", ss->dest_text);
        if (sock_buffer_short(o->sndbuf_bytes, got) && o->quiet < 2) {
            char note[160];
            sock_buffer_note(false, o->sndbuf_bytes, got, note, sizeof note);
            prog_warning("tried to set SO_SNDBUF to %d, only got %d", o->sndbuf_bytes, got);
            prog_note("%s", note);
        }
        *sndbuf_shown = o->sndbuf_bytes;
    } else {
        if (sock_get_sndbuf(ss->s, &got) != 0)
            return prog_option_failed("SO_SNDBUF", ss->dest_text);
        if (got < 65536 && o->quiet < 2)
            prog_note("system default SO_SNDBUF only %d (65536 preferred)", got);
        *sndbuf_shown = got;
    }
    int family = sock_addr_family(&ss->dest);
    bool ipv6 = family == AF_INET6;
    int rc = configure_marks(ss, family);
    if (rc != 0)
        return rc;
    if (o->transport == MSEND_MULTICAST)
        return configure_multicast(ss, family);
    /* -u, -t: a subnet's broadcast address or 255.255.255.255 is a
     * destination like any other; the ttl, when typed, is the unicast
     * one, or with -u to a group the multicast one (the only one a
     * datagram to a group goes with); the interface is the address to
     * send from. */
    if (o->transport == MSEND_UDP && sock_set_broadcast(ss->s) != 0)
        return prog_option_failed("SO_BROADCAST", ss->dest_text);
    if (o->pos.has_ttl && sock_addr_is_multicast(&ss->dest)) {
        rc = set_multicast_ttl(ss, family);
        if (rc != 0)
            return rc;
    } else if (o->pos.has_ttl && sock_set_unicast_ttl(ss->s, family, o->ttl) != 0) {
        return prog_option_failed(ipv6 ? "IPV6_UNICAST_HOPS" : "IP_TTL", ss->dest_text);
    }
    if (o->pos.has_interface && sock_bind(ss->s, &o->pos.interface_addr) != 0) {
        if (sock_error_not_local())
            prog_error("interface %s: not an address of this host (with -u or -t it is "
                       "the local address to send from)", o->pos.interface_typed);
        else
            prog_error("bind %s: %s", o->pos.interface_typed, sock_error_text());
        return EXIT_RUNTIME;
    }
    return 0;
}

/* "the echo datagram" or "3 of 5 echo datagrams". */
static void print_unsent(const session *ss, unsigned long long unsent,
                         unsigned long long of, const char *what)
{
    const sender_counts *n = &ss->snd.counts;
    const char *reason = n->trouble[0] ? n->trouble : "?";
    if (of == 1)
        prog_warning("the %s to %s could not be sent (%s)", what, ss->dest_text, reason);
    else
        prog_warning("%llu of %llu %ss to %s could not be sent (%s)", unsent, of, what,
                     ss->dest_text, reason);
}

/* What could not be sent or was refused on the way. The firewall's drops
 * and the counts of what could not be sent are said whatever -q says
 * (they explain the exit status); rc becomes EXIT_UNSENT when any was. */
static int report_unsent(const session *ss, int tests_run, int rc)
{
    const sender_counts *n = &ss->snd.counts;
    if (n->filtered > 0)
        prog_warning("%llu datagrams to %s dropped by this host's firewall", n->filtered,
                     ss->dest_text);
    if (n->refused > 0 && ss->o->quiet < 2)
        prog_warning("%llu sends to %s were refused (port unreachable)", n->refused,
                     ss->dest_text);
    if (n->unsent_echoes > 0)
        print_unsent(ss, n->unsent_echoes, (unsigned long long)tests_run, "echo datagram");
    if (n->unsent_messages > 0)
        prog_warning("%llu of %llu messages to %s could not be sent (%s)",
                     n->unsent_messages, n->messages, ss->dest_text,
                     n->trouble[0] ? n->trouble : "?");
    if (n->unsent_stats > 0)
        print_unsent(ss, n->unsent_stats, (unsigned long long)tests_run, "'stat' datagram");
    if (rc == 0 && (n->unsent_echoes > 0 || n->unsent_messages > 0 || n->unsent_stats > 0 ||
                    n->filtered > 0))
        return EXIT_UNSENT;
    return rc;
}

/* The Equiv line and the echo text, sized to fit: the positionals are
 * shown as typed, however long. NULL when out of memory. */
static char *equiv_and_echo(const msend_opts *o, int sndbuf_shown, char **echo,
                            size_t *echo_len)
{
    size_t equiv_len = msend_equiv(o, sndbuf_shown, NULL, 0);
    char *equiv = malloc(equiv_len + 1);
    *echo_len = equiv ? sender_echo_text(o->preset, "", NULL, 0) + equiv_len : 0;
    *echo = equiv ? malloc(*echo_len + 1) : NULL;
    if (!*echo) {
        free(equiv);
        return NULL;
    }
    msend_equiv(o, sndbuf_shown, equiv, equiv_len + 1);
    sender_echo_text(o->preset, equiv, *echo, *echo_len + 1);
    return equiv;
}

/* The tests, one after another while they run: 0, or the status. */
static int run_tests(session *ss, const char *echo, size_t echo_len, int *tests_run)
{
    const msend_opts *o = ss->o;
    sender_config c = {
        .burst_count = o->burst_count,
        .num_bursts = o->num_bursts,
        .pause_ms = o->pause_ms,
        .stat_pause_ms = o->stat_pause_ms,
        .msg_len = o->msg_len,
        .decimal = o->decimal,
        .payload = o->payload,
        .payload_len = o->payload_len,
        .stream = o->transport == MSEND_TCP,
        .bursts_unseen = o->quiet == 2 || o->json,
        .rate_msgs_per_s = o->has_rate ? o->rate_msgs_per_s : 0.0,
        .interval_us = (int64_t)o->interval_ms * 1000,
        .timestamp = o->timestamp,
        .call_per_datagram = o->preset != 0,
    };
    sender_socket sock;
    sender_io io;
    sender_socket_io(&sock, ss->s, &ss->dest, &io);
    if (has_run_end(o))
        io.stopped = interrupted;
    if (sender_init(&ss->snd, &c, &io, on_sender_event, ss) != 0) {
        prog_error("out of memory");
        return EXIT_RUNTIME;
    }
    int rc = 0;
    for (*tests_run = 0; rc == 0 && *tests_run < o->loops; (*tests_run)++)
        rc = sender_run_test(&ss->snd, echo, echo_len);
    int finished = sender_finish(&ss->snd);
    if (rc == 0)
        rc = finished;
    if (rc == SENDER_STOPPED)
        return EXIT_SIGNAL_BASE + sock_interrupted();
    if (rc == SENDER_FAILED) {
        prog_error("%s %s: %s", c.stream ? "send" : "sendto", ss->dest_text,
                   ss->snd.counts.failure);
        rc = EXIT_RUNTIME;
    }
    return rc;
}

/* failed: the status of a start-up that failed before (the socket layer),
 * else 0. With --json a run that fails before it sends (the socket not
 * opened or set up, the connect refused, no memory) still writes its
 * start and end objects, the end with the status: a script always reads
 * the pair. */
static int run(const msend_opts *o, out *text, int failed)
{
    session ss;
    memset(&ss, 0, sizeof ss);
    ss.o = o;
    ss.text = text;
    ss.dest = o->pos.group;
    ss.s = SOCK_INVALID;
    sock_addr_format(&ss.dest, SOCK_ADDR_COLON_PORT, ss.dest_text);
    int family = sock_addr_family(&ss.dest);
    int rc = failed;
    if (rc == 0) {
        ss.s = o->transport == MSEND_TCP ? sock_tcp(family) : sock_udp(family);
        if (ss.s == SOCK_INVALID)
            rc = runtime_error(&ss, "socket for");
    }
    int sndbuf_shown = 0;
    if (rc == 0)
        rc = configure(&ss, &sndbuf_shown);
    char *echo = NULL;
    size_t echo_len = 0;
    char *equiv = equiv_and_echo(o, sndbuf_shown, &echo, &echo_len);
    if (!equiv && rc == 0) {
        prog_error("out of memory");
        rc = EXIT_RUNTIME;
    }
    bool started = rc == 0 || o->json;
    if (o->json) {
        int start_rc = put_start(&ss, equiv);
        if (rc == 0)
            rc = start_rc;
    } else if (rc == 0 && o->quiet < 2) {
        out_write(ss.text, "Equiv cmd line: ", 16);
        out_puts(ss.text, equiv); /* of any length: the positionals as typed */
        rc = flush_stdout(&ss);
    }
    if (rc == 0 && o->has_rate && !clock_precise_timer() && o->quiet < 2)
        prog_note("no high-resolution waitable timer here (Windows 10 1803 or later has "
                  "one): each wait of --rate ends with a spin of %lld us, the timer's "
                  "lateness measured here", (long long)clock_spin_us());
    if (rc == 0 && o->quiet < 2)
        note_numbers_cut(o);
    /* UDP is connected too: the destination is fixed, sends are cheaper,
     * and a missing receiver is reported instead of unseen. */
    if (rc == 0 && sock_connect_timeout(ss.s, &ss.dest, o->connect_timeout_ms) != 0)
        /* Ctrl-C while a TCP connect was under way: stopped, as in a pause. */
        rc = sock_interrupted() ? EXIT_SIGNAL_BASE + sock_interrupted()
                                : runtime_error(&ss, "connect");
    int tests_run = 0;
    if (rc == 0)
        rc = run_tests(&ss, echo, echo_len, &tests_run);
    /* Gone with stdout's reader: nothing more to say (as if by SIGPIPE). */
    if (rc != EXIT_OUTPUT_GONE)
        rc = report_unsent(&ss, tests_run, rc);
    if (started && rc != EXIT_OUTPUT_GONE) {
        bool stopped = sock_interrupted() != 0;
        int end_rc = put_end(&ss, tests_run, rc, stopped);
        if (end_rc != 0)
            rc = end_rc;
    }
    sender_free(&ss.snd);
    if (ss.s != SOCK_INVALID)
        sock_close(ss.s);
    free(equiv);
    free(echo);
    return rc;
}

int main(int argc, char **argv)
{
    static msend_opts opts; /* holds a 64 KiB payload: not on the stack */
    cli_error err;
    sock_hold_std_fds(); /* before anything takes a number of 0-2 */
    int rc = prog_parsed(&msend_prog, msend_parse(argc, argv, &opts, &err), &err);
    if (rc != PROG_RUN)
        return rc;
    out text; /* stdout alone */
    if (out_open(&text, NULL) != 0) {
        prog_error("%s", text.error);
        return EXIT_RUNTIME;
    }
    int started = prog_start_sockets();
    if (started == 0 && has_run_end(&opts))
        sock_catch_interrupts();
    rc = run(&opts, &text, started);
    out_close(&text);
    if (out_tell_failed(&text))
        rc = EXIT_RUNTIME;
    out_tell_stalled(&text);
    if (started == 0)
        prog_stop_sockets();
    return rc;
}
