/* test_sender.c - engine/sender.h driven through a fake sender_io: a
 * clock that moves only when the sender sleeps, a send function that
 * records every datagram (or stream write) and fails when a script says
 * so, and a report function that writes each event down. So the bytes of
 * every message, how they are cut into chunks, when each burst starts,
 * and what the sender does after each kind of failed send are checked
 * exactly, without a socket or a wait. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/sender.h"
#include "lib/compiler.h"

/* ---- the fake */

enum { LOG_BYTES = 1 << 16, SCRIPT_MAX = 32, SENT_MAX = 8192 };

/* What the n-th call to send_datagrams (or send_stream) does: fail with
 * a class, or take at most `take` datagrams (0: all). */
typedef struct step {
    int call;
    bool fail;
    send_error_class class;
    size_t take;
} step;

typedef struct fake {
    int64_t now_us;
    int calls;          /* send_datagrams and send_stream */
    int reconnects;
    bool reconnect_fails;
    step script[SCRIPT_MAX];
    int steps;
    size_t take;        /* datagrams one call takes unless the script says; 0: all */
    send_error_class class;
    int stop_at;        /* a report status for this event kind, or -1 */
    int stop_status;
    int64_t oversleep_us; /* each sleep_until wakes this much late */
    int64_t wall_offset_us; /* the wall clock: now_us + this */
    size_t stop_after;  /* stopped() once this many datagrams went; 0: never */
    size_t stream_take; /* bytes one stream write takes at most; 0: all */
    /* every datagram that went, end to end, and their lengths */
    uint8_t *bytes;
    size_t bytes_len;
    uint32_t lens[SENT_MAX];
    size_t sent;
    char log[LOG_BYTES];
    size_t log_len;
} fake;

static void logf_(fake *f, const char *fmt, ...) MT_PRINTF(2, 3);
static void logf_(fake *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->log + f->log_len, LOG_BYTES - f->log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->log_len += (size_t)n < LOG_BYTES - f->log_len ? (size_t)n : 0;
}

/* The clock in ms since the test began, for the log. */
static long ms(const fake *f)
{
    return (long)(f->now_us / 1000);
}

static const step *step_of(const fake *f, int call)
{
    for (int i = 0; i < f->steps; i++)
        if (f->script[i].call == call)
            return &f->script[i];
    return NULL;
}

static void keep(fake *f, const uint8_t *data, size_t len)
{
    memcpy(f->bytes + f->bytes_len, data, len);
    f->bytes_len += len;
    if (f->sent < SENT_MAX)
        f->lens[f->sent] = (uint32_t)len;
    f->sent++;
}

static long fake_send_datagrams(void *ctx, const uint8_t *data, const uint32_t *lens,
                                size_t count)
{
    fake *f = ctx;
    const step *s = step_of(f, ++f->calls);
    if (s && s->fail) {
        f->class = s->class;
        logf_(f, "%ld: send %zu failed\n", ms(f), count);
        return -1;
    }
    size_t take = s && s->take ? s->take : f->take;
    size_t n = take && take < count ? take : count;
    for (size_t i = 0; i < n; i++) {
        keep(f, data, lens[i]);
        data += lens[i];
    }
    logf_(f, "%ld: send %zu of %zu\n", ms(f), n, count);
    return (long)n;
}

static long fake_send_stream(void *ctx, const uint8_t *data, size_t len, int timeout_ms)
{
    fake *f = ctx;
    (void)timeout_ms; /* a fake stream has room for stream_take bytes at once */
    const step *s = step_of(f, ++f->calls);
    if (s && s->fail) {
        f->class = s->class;
        logf_(f, "%ld: write %zu failed\n", ms(f), len);
        return -1;
    }
    if (f->stream_take && len > f->stream_take)
        len = f->stream_take;
    keep(f, data, len);
    logf_(f, "%ld: write %zu\n", ms(f), len);
    return (long)len;
}

static int fake_reconnect(void *ctx)
{
    fake *f = ctx;
    f->reconnects++;
    logf_(f, "%ld: reconnect%s\n", ms(f), f->reconnect_fails ? " failed" : "");
    if (f->reconnect_fails) {
        f->class = SEND_ERROR_PATH;
        return -1;
    }
    return 0;
}

static send_error_class fake_error_class(void *ctx)
{
    return ((fake *)ctx)->class;
}

static const char *fake_error_text(void *ctx)
{
    static const char *const texts[] = {"Connection refused", "Operation not permitted",
                                        "No buffer space available",
                                        "Network is unreachable", "Bad file descriptor"};
    return texts[((fake *)ctx)->class];
}

static int64_t fake_now_us(void *ctx)
{
    return ((fake *)ctx)->now_us;
}

static void fake_sleep_ms(void *ctx, int64_t sleep_ms)
{
    fake *f = ctx;
    /* The busy retries sleep 1 ms each: not logged one by one. */
    if (sleep_ms != 1)
        logf_(f, "%ld: sleep %lld ms\n", ms(f), (long long)sleep_ms);
    f->now_us += sleep_ms * 1000;
}

static void fake_sleep_until_us(void *ctx, int64_t deadline_us)
{
    fake *f = ctx;
    logf_(f, "%ld: sleep until %lld ms\n", ms(f), (long long)(deadline_us / 1000));
    if (deadline_us > f->now_us)
        f->now_us = deadline_us + f->oversleep_us;
}

/* Paced sending sleeps to the microsecond: logged in microseconds. */
static void fake_sleep_until_us_fine(void *ctx, int64_t deadline_us)
{
    fake *f = ctx;
    logf_(f, "%lld: sleep until %lld us\n", (long long)f->now_us, (long long)deadline_us);
    if (deadline_us > f->now_us)
        f->now_us = deadline_us + f->oversleep_us;
}

static int64_t fake_wall_us(void *ctx)
{
    const fake *f = ctx;
    return f->now_us + f->wall_offset_us;
}

static bool fake_stopped(void *ctx)
{
    const fake *f = ctx;
    return f->stop_after > 0 && f->sent >= f->stop_after;
}

static const char *const event_names[] = {
    [SENDER_TEST_BEGIN] = "TEST_BEGIN",       [SENDER_ECHO_SENT] = "ECHO_SENT",
    [SENDER_BURST_WAIT] = "BURST_WAIT",       [SENDER_BURST_BEGIN] = "BURST_BEGIN",
    [SENDER_BURST_END] = "BURST_END",         [SENDER_MESSAGES_SENT] = "MESSAGES_SENT",
    [SENDER_STAT_PAUSE] = "STAT_PAUSE",       [SENDER_STAT_SEND] = "STAT_SEND",
    [SENDER_TEST_END] = "TEST_END",           [SENDER_FIRST_REFUSED] = "FIRST_REFUSED",
    [SENDER_FIRST_FILTERED] = "FIRST_FILTERED", [SENDER_PATH_TROUBLE] = "PATH_TROUBLE",
    [SENDER_INTERVAL] = "INTERVAL",           [SENDER_SCHEDULE_MOVED] = "SCHEDULE_MOVED",
};

static int fake_report(void *ctx, const sender_event *e)
{
    fake *f = ctx;
    logf_(f, "%ld: %s", ms(f), event_names[e->kind]);
    switch (e->kind) {
    case SENDER_BURST_BEGIN:
        logf_(f, " %zu", e->message_bytes);
        break;
    case SENDER_MESSAGES_SENT:
        logf_(f, " %llu messages %llu bytes %.3f s", e->messages, e->bytes, e->seconds);
        break;
    case SENDER_TEST_END:
        logf_(f, " %llu", e->messages);
        break;
    case SENDER_FIRST_FILTERED:
    case SENDER_PATH_TROUBLE:
        logf_(f, " (%s)", e->reason);
        break;
    case SENDER_INTERVAL:
        logf_(f, " %.6f-%.6f s %llu messages %llu bytes", e->start_s, e->seconds, e->messages,
              e->bytes);
        break;
    case SENDER_SCHEDULE_MOVED:
        logf_(f, " %.6f s %llu messages", e->seconds, e->messages);
        break;
    case SENDER_BURST_WAIT:
        logf_(f, " %lld us", (long long)e->wait_us);
        break;
    default:
        break;
    }
    logf_(f, "\n");
    return (int)e->kind == f->stop_at ? f->stop_status : 0;
}

typedef struct rig {
    fake f;
    sender snd;
    sender_config c;
} rig;

/* A sender with msend's defaults (-b1 -m0 -n1 -p1000 -s0) changed by the
 * caller before rig_start. */
static void rig_open(rig *g)
{
    memset(g, 0, sizeof *g);
    g->f.bytes = malloc(SENT_MAX * 64 + (1 << 20));
    if (!g->f.bytes)
        abort();
    g->f.stop_at = -1;
    g->c.burst_count = 1;
    g->c.num_bursts = 1;
    g->c.pause_ms = 1000;
}

static void rig_start(rig *g)
{
    sender_io io = {&g->f,          fake_send_datagrams, fake_send_stream,
                    fake_reconnect, fake_error_class,    fake_error_text,
                    fake_now_us,    fake_sleep_ms,       fake_sleep_until_us,
                    NULL,           fake_wall_us,        NULL};
    if (sender_init(&g->snd, &g->c, &io, fake_report, &g->f) != 0)
        abort();
}

static void rig_close(rig *g)
{
    if (getenv("DEBUG_LOG"))
        fprintf(stderr, "----\n%s", g->f.log);
    sender_free(&g->snd);
    free(g->f.bytes);
}

static void fail_call(rig *g, int call, send_error_class class)
{
    g->f.script[g->f.steps++] = (step){call, true, class, 0};
}

/* The echo the tests send: 6 bytes and its NUL. */
#define ECHO "echo x"

/* The i-th datagram sent, as a string (they hold no NUL but the echo's
 * and -m's padding). */
static const char *datagram(const rig *g, size_t i)
{
    static char text[128];
    size_t at = 0;
    for (size_t k = 0; k < i; k++)
        at += g->f.lens[k];
    size_t n = g->f.lens[i] < sizeof text - 1 ? g->f.lens[i] : sizeof text - 1;
    memcpy(text, g->f.bytes + at, n);
    text[n] = '\0';
    return text;
}

/* A send function that is busy while the clock is in [busy_from_us,
 * busy_until_us). */
static int64_t busy_from_us, busy_until_us;

static long busy_send(void *ctx, const uint8_t *data, const uint32_t *lens, size_t count)
{
    fake *f = ctx;
    if (f->now_us >= busy_from_us && f->now_us < busy_until_us) {
        f->class = SEND_ERROR_BUSY;
        f->calls++;
        return -1;
    }
    return fake_send_datagrams(ctx, data, lens, count);
}

/* Starts the rig with sends that are busy from from_us to until_us
 * (busy_send) and runs a test to its end. */
static void run_busy(rig *g, int64_t from_us, int64_t until_us)
{
    rig_start(g);
    g->snd.io.send_datagrams = busy_send;
    busy_from_us = from_us;
    busy_until_us = until_us;
    CHECK(sender_run_test(&g->snd, ECHO, 6) == 0);
}

/* A send function after which a stop is asked (the fake's stop_after)
 * that makes the next call fail, as Ctrl-C cuts a blocking send short. */
static long stopping_send(void *ctx, const uint8_t *data, const uint32_t *lens, size_t count)
{
    fake *f = ctx;
    if (f->stop_after > 0 && f->sent >= f->stop_after) {
        f->class = SEND_ERROR_FATAL;
        f->calls++;
        return -1;
    }
    return fake_send_datagrams(ctx, data, lens, count);
}

/* A send function after which the clock has moved on: by stall_us once
 * stall_after datagrams went (the sender stopped: SIGSTOP, a paused VM),
 * and by slow_us for each datagram (a sender that cannot keep up). */
static size_t stall_after;
static int64_t stall_us, slow_us; /* slow_us: a datagram */

static long stalling_send(void *ctx, const uint8_t *data, const uint32_t *lens, size_t count)
{
    fake *f = ctx;
    long n = fake_send_datagrams(ctx, data, lens, count);
    if (stall_after > 0 && f->sent >= stall_after) {
        f->now_us += stall_us;
        stall_after = 0;
    }
    if (n > 0)
        f->now_us += slow_us * n;
    return n;
}

/* A rig sending num_bursts bursts of burst_count at msgs_per_s (--rate),
 * the bursts seen or not (-qq), each of its waits logged to the
 * microsecond and oversleeping by oversleep_us. */
static void open_paced(rig *g, long long num_bursts, int burst_count, double msgs_per_s,
                       bool unseen, int64_t oversleep_us)
{
    rig_open(g);
    g->c.num_bursts = num_bursts;
    g->c.burst_count = burst_count;
    g->c.rate_msgs_per_s = msgs_per_s;
    g->c.bursts_unseen = unseen;
    g->f.oversleep_us = oversleep_us;
    rig_start(g);
    g->snd.io.sleep_until_us = fake_sleep_until_us_fine;
}

/* A rig sending num_bursts messages at 1000/s (--rate) through
 * stalling_send, stopped for stall_for_us once `after` datagrams went. */
static void open_paced_stalled(rig *g, long long num_bursts, size_t after, int64_t stall_for_us)
{
    open_paced(g, num_bursts, 1, 1000, true, 0);
    g->snd.io.send_datagrams = stalling_send;
    stall_after = after;
    stall_us = stall_for_us;
}

/* The same for num_bursts bursts of burst_count, pause_ms apart (-p). */
static void open_spaced_stalled(rig *g, long long num_bursts, int burst_count, int pause_ms,
                                size_t after, int64_t stall_for_us)
{
    rig_open(g);
    g->c.num_bursts = num_bursts;
    g->c.burst_count = burst_count;
    g->c.pause_ms = pause_ms;
    rig_start(g);
    g->snd.io.send_datagrams = stalling_send;
    stall_after = after;
    stall_us = stall_for_us;
}

/* How many times text occurs in the log. */
static int occurrences(const char *log, const char *text)
{
    int n = 0;
    for (const char *p = strstr(log, text); p; p = strstr(p + 1, text))
        n++;
    return n;
}

/* ---- the bytes */

static void test_messages(void)
{
    sender_config c;
    memset(&c, 0, sizeof c);
    uint8_t out[64];
    char want[64];

    CHECK_MEM(out, sender_message(&c, out, 0), "Message 0", 9);
    CHECK_MEM(out, sender_message(&c, out, 255), "Message ff", 10);
    CHECK_MEM(out, sender_message(&c, out, 18446744073709551615ULL), "Message ffffffffffffffff",
              24);
    CHECK(sender_message_len(&c, 255) == 10);
    c.decimal = true; /* -d */
    CHECK_MEM(out, sender_message(&c, out, 255), "Message 255", 11);
    CHECK_MEM(out, sender_message(&c, out, 18446744073709551615ULL),
              "Message 18446744073709551615", 28);
    CHECK(sender_message_len(&c, 18446744073709551615ULL) == 28);

    /* -m 20: the text, a NUL, zeros to the length. */
    c.decimal = false;
    c.msg_len = 20;
    memset(out, 0xEE, sizeof out);
    memset(want, 0, sizeof want);
    memcpy(want, "Message 1a", 10);
    CHECK_MEM(out, sender_message(&c, out, 26), want, 20);
    CHECK(out[20] == 0xEE && sender_message_len(&c, 26) == 20);
    /* -m 5: the text cut. */
    c.msg_len = 5;
    CHECK_MEM(out, sender_message(&c, out, 26), "Messa", 5);
    /* -m 8: the text without its number. */
    c.msg_len = 8;
    CHECK_MEM(out, sender_message(&c, out, 26), "Message ", 8);

    /* -P: the payload, whatever k. */
    static const uint8_t payload[] = {0x01, 0x00, 0xff};
    c.payload = payload;
    c.payload_len = sizeof payload;
    c.msg_len = 3;
    CHECK_MEM(out, sender_message(&c, out, 7), payload, 3);
    CHECK(sender_message_len(&c, 7) == 3);
}

static void test_texts(void)
{
    char stat[SENDER_STAT_TEXT_MAX];
    CHECK_MEM(stat, sender_stat_text(stat, 0), "stat 0", 6);
    CHECK_MEM(stat, sender_stat_text(stat, 600), "stat 600", 8);
    CHECK_MEM(stat, sender_stat_text(stat, 18446744073709551615ULL),
              "stat 18446744073709551615", 25);

    char echo[128];
    CHECK(sender_echo_text(0, "msend -b1", echo, sizeof echo) == 32);
    CHECK_STR(echo, "echo sender equiv cmd: msend -b1");
    CHECK(sender_echo_text(3, "msend -b100", echo, sizeof echo) == 41);
    CHECK_STR(echo, "echo test 3, sender equiv cmd msend -b100");
    /* Measured without a buffer; cut like snprintf. */
    CHECK(sender_echo_text(0, "msend -b1", NULL, 0) == 32);
    CHECK(sender_echo_text(0, "msend -b1", echo, 10) == 32);
    CHECK_STR(echo, "echo send");
}

/* ---- the schedule */

static void test_schedule(void)
{
    rig g;
    rig_open(&g);
    /* -n3 -p100 -s2000, the clock at 5 s when the test starts */
    g.c.num_bursts = 3;
    g.c.pause_ms = 100;
    g.c.stat_pause_ms = 2000;
    g.f.now_us = 5000000;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK_STR(g.f.log,
              "5000: TEST_BEGIN\n"
              "5000: send 1 of 1\n"
              "5000: ECHO_SENT\n"
              "5000: sleep 1000 ms\n"
              "6000: BURST_BEGIN 9\n"
              "6000: send 1 of 1\n"
              "6000: BURST_END\n"
              "6000: BURST_WAIT 100000 us\n"
              "6000: sleep until 6100 ms\n"
              "6100: BURST_BEGIN 9\n"
              "6100: send 1 of 1\n"
              "6100: BURST_END\n"
              "6100: BURST_WAIT 100000 us\n"
              "6100: sleep until 6200 ms\n"
              "6200: BURST_BEGIN 9\n"
              "6200: send 1 of 1\n"
              "6200: BURST_END\n"
              "6200: MESSAGES_SENT 3 messages 27 bytes 0.200 s\n"
              "6200: STAT_PAUSE\n"
              "6200: sleep 2000 ms\n"
              "8200: STAT_SEND\n"
              "8200: send 1 of 1\n"
              "8200: TEST_END 3\n");
    CHECK(g.f.sent == 5);
    CHECK_MEM(g.f.bytes, g.f.lens[0], ECHO, 7); /* with its NUL */
    CHECK_STR(datagram(&g, 1), "Message 0");
    CHECK_STR(datagram(&g, 2), "Message 1");
    CHECK_STR(datagram(&g, 3), "Message 2");
    CHECK_STR(datagram(&g, 4), "stat 3");
    CHECK(g.snd.counts.messages == 3 && g.snd.counts.bytes == 7 + 27 + 6);
    rig_close(&g);

    /* A burst that overruns its slot: the next starts at once, and the
     * schedule stays where it was (start + k * pause), not pushed back. */
    rig_open(&g);
    g.c.num_bursts = 3;
    g.c.pause_ms = 100;
    /* the first message waits 150 ms */
    run_busy(&g, 1000000, 1150000);
    CHECK(strstr(g.f.log, "1150: send 1 of 1\n"
                          "1150: BURST_END\n"
                          "1150: BURST_WAIT 0 us\n"
                          "1150: sleep until 1100 ms\n"
                          "1150: BURST_BEGIN 9\n"
                          "1150: send 1 of 1\n"
                          "1150: BURST_END\n"
                          "1150: BURST_WAIT 50000 us\n"
                          "1150: sleep until 1200 ms\n"
                          "1200: BURST_BEGIN 9\n") != NULL);
    CHECK(g.snd.counts.unsent_messages == 0 && g.f.sent == 4);
    rig_close(&g);

    /* A second test runs the same schedule from where the clock is. */
    rig_open(&g);
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    g.f.log_len = 0;
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK_STR(g.f.log,
              "1000: TEST_BEGIN\n"
              "1000: send 1 of 1\n"
              "1000: ECHO_SENT\n"
              "1000: sleep 1000 ms\n"
              "2000: BURST_BEGIN 9\n"
              "2000: send 1 of 1\n"
              "2000: BURST_END\n"
              "2000: MESSAGES_SENT 1 messages 9 bytes 0.000 s\n"
              "2000: TEST_END 1\n");
    /* The message numbers start again at 0. */
    CHECK_STR(datagram(&g, 3), "Message 0");
    CHECK(g.snd.counts.messages == 2);
    rig_close(&g);
}

/* A report's status ends the test at once (msend: stdout's reader gone). */
static void test_stopped(void)
{
    rig g;
    rig_open(&g);
    g.c.num_bursts = 0; /* forever */
    g.c.pause_ms = 100;
    g.f.stop_at = SENDER_BURST_WAIT;
    g.f.stop_status = 141;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 141);
    CHECK(g.f.sent == 2 && g.snd.counts.messages == 1);
    rig_close(&g);

    rig_open(&g);
    g.f.stop_at = SENDER_ECHO_SENT;
    g.f.stop_status = 141;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 141);
    CHECK(g.f.sent == 1);
    rig_close(&g);
}

/* ---- chunks */

static void test_chunks(void)
{
    rig g;
    /* -4's burst: 5000 messages of 20 bytes in chunks of 4096. */
    rig_open(&g);
    g.c.burst_count = 5000;
    g.c.msg_len = 20;
    rig_start(&g);
    CHECK(g.snd.chunk_messages == 4096);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: BURST_BEGIN 20\n"
                          "1000: send 4096 of 4096\n"
                          "1000: send 904 of 904\n"
                          "1000: BURST_END\n") != NULL);
    CHECK(g.f.sent == 5001);
    char want[20];
    for (unsigned k = 0; k < 5000; k++) {
        memset(want, 0, sizeof want);
        snprintf(want, sizeof want, "Message %x", k);
        if (g.f.lens[k + 1] != 20 ||
            memcmp(g.f.bytes + 7 + (size_t)k * 20, want, 20) != 0) {
            CHECK(!"message bytes");
            break;
        }
    }
    rig_close(&g);

    /* A standard test's burst: a send call per datagram, as the old msend. */
    rig_open(&g);
    g.c.burst_count = 500;
    g.c.msg_len = 20;
    g.c.call_per_datagram = true;
    rig_start(&g);
    CHECK(g.snd.chunk_messages == 1);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(occurrences(g.f.log, "1000: send 1 of 1\n") == 500);
    CHECK(g.f.calls == 501 && g.f.sent == 501);
    CHECK_STR(datagram(&g, 500), "Message 1f3");
    rig_close(&g);
    /* ... but a stream is still written a chunk at a time, */
    rig_open(&g);
    g.c.burst_count = 5000;
    g.c.msg_len = 20;
    g.c.call_per_datagram = true;
    g.c.stream = true;
    rig_start(&g);
    CHECK(g.snd.chunk_messages == 4096);
    rig_close(&g);
    /* and a rate's schedule sends what is due in one batch. */
    rig_open(&g);
    g.c.burst_count = 5000;
    g.c.msg_len = 20;
    g.c.call_per_datagram = true;
    g.c.rate_msgs_per_s = 1000;
    rig_start(&g);
    CHECK(g.snd.chunk_messages == 4096);
    rig_close(&g);

    /* A socket that takes fewer than it is given: the rest follows. */
    rig_open(&g);
    g.c.burst_count = 100;
    g.f.take = 64;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "send 64 of 100\n1000: send 36 of 36\n") != NULL);
    CHECK(g.f.sent == 101 && g.snd.counts.messages == 100);
    CHECK_STR(datagram(&g, 100), "Message 63");
    rig_close(&g);

    /* 64 KiB messages: four to a chunk. */
    rig_open(&g);
    g.c.burst_count = 5;
    g.c.msg_len = 65507;
    rig_start(&g);
    CHECK(g.snd.chunk_messages == 4);
    rig_close(&g);

    /* Unseen, unpaced bursts (-qq -p0) go as one run of messages. */
    rig_open(&g);
    g.c.num_bursts = 3;
    g.c.burst_count = 2;
    g.c.pause_ms = 0;
    g.c.bursts_unseen = true;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: BURST_BEGIN 9\n1000: send 6 of 6\n1000: BURST_END\n"
                          "1000: MESSAGES_SENT") != NULL);
    rig_close(&g);
    /* Seen, they stay three bursts, sent at once one after another. */
    rig_open(&g);
    g.c.num_bursts = 3;
    g.c.burst_count = 2;
    g.c.pause_ms = 0;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: send 2 of 2\n1000: BURST_END\n1000: BURST_BEGIN 9\n"
                          "1000: send 2 of 2\n1000: BURST_END\n1000: BURST_BEGIN 9\n"
                          "1000: send 2 of 2\n1000: BURST_END\n") != NULL);
    CHECK(strstr(g.f.log, "BURST_WAIT") == NULL);
    rig_close(&g);

    /* TCP: one write per chunk, the echo's NUL and the stat in the stream. */
    rig_open(&g);
    g.c.burst_count = 5000;
    g.c.msg_len = 20;
    g.c.stat_pause_ms = 10;
    g.c.stream = true;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK_STR(g.f.log,
              "0: TEST_BEGIN\n"
              "0: write 7\n"
              "0: ECHO_SENT\n"
              "0: sleep 1000 ms\n"
              "1000: BURST_BEGIN 20\n"
              "1000: write 81920\n"
              "1000: write 18080\n"
              "1000: BURST_END\n"
              "1000: MESSAGES_SENT 5000 messages 100000 bytes 0.000 s\n"
              "1000: STAT_PAUSE\n"
              "1000: sleep 10 ms\n"
              "1010: STAT_SEND\n"
              "1010: write 9\n"
              "1010: TEST_END 5000\n");
    rig_close(&g);
}

/* ---- what went, when a stop or a failure cuts a chunk short */

/* Starts the rig with stops asked (the fake's stop_after) and, unless
 * NULL, sends of its own, and runs a test, which the stop ends. */
static void run_to_stop(rig *g,
                        long (*send)(void *, const uint8_t *, const uint32_t *, size_t))
{
    rig_start(g);
    g->snd.io.stopped = fake_stopped;
    if (send)
        g->snd.io.send_datagrams = send;
    CHECK(sender_run_test(&g->snd, ECHO, 6) == SENDER_STOPPED);
}

static void test_cut_short(void)
{
    rig g;
    /* TCP, a receiver that reads slowly: each write takes 45 bytes of a
     * chunk of 10 messages of 20; stopped after the echo and two writes.
     * The bytes the socket took count, 90, and the 4 messages in them
     * that went whole: --summary (MESSAGES_SENT) and --json (the counts)
     * say the same (the first counted the chunk's 200 bytes, the second
     * none of it). */
    rig_open(&g);
    g.c.burst_count = 10;
    g.c.msg_len = 20;
    g.c.stream = true;
    g.f.stream_take = 45;
    g.f.stop_after = 3;
    run_to_stop(&g, NULL);
    CHECK(strstr(g.f.log, "1000: write 45\n1000: write 45\n"
                          "1000: MESSAGES_SENT 4 messages 90 bytes 0.000 s\n") != NULL);
    CHECK(g.snd.counts.messages == 4 && g.snd.counts.message_bytes == 90);
    CHECK(g.snd.counts.bytes == 7 + 90);
    rig_close(&g);

    /* Datagrams: a stop after the first 3 of a chunk of 10 counts those 3
     * (the chunk was not counted at all). */
    rig_open(&g);
    g.c.burst_count = 10;
    g.f.take = 3;
    g.f.stop_after = 4;
    run_to_stop(&g, stopping_send);
    CHECK(strstr(g.f.log, "MESSAGES_SENT 3 messages 27 bytes") != NULL);
    CHECK(g.snd.counts.messages == 3 && g.snd.counts.message_bytes == 27);
    rig_close(&g);

    /* A datagram not sent (the queue full for 1 s) is a message done, but
     * no byte the socket took. */
    rig_open(&g);
    g.c.num_bursts = 2;
    g.c.pause_ms = 2000;
    run_busy(&g, 1000000, 2500000);
    CHECK(strstr(g.f.log, "MESSAGES_SENT 2 messages 9 bytes") != NULL);
    CHECK(g.snd.counts.messages == 2 && g.snd.counts.unsent_messages == 1 &&
          g.snd.counts.message_bytes == 9 && g.snd.counts.bytes == 7 + 9);
    rig_close(&g);
}

/* ---- failed sends */

static void test_soft_errors(void)
{
    rig g;
    /* Refused: counted, told once, the same datagram sent again. */
    rig_open(&g);
    g.c.num_bursts = 2;
    g.c.pause_ms = 0;
    rig_start(&g);
    fail_call(&g, 2, SEND_ERROR_REFUSED);
    fail_call(&g, 3, SEND_ERROR_REFUSED);
    fail_call(&g, 5, SEND_ERROR_REFUSED);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: send 1 failed\n1000: FIRST_REFUSED\n1000: send 1 failed\n"
                          "1000: send 1 of 1\n") != NULL);
    CHECK(g.snd.counts.refused == 3 && g.f.sent == 3);
    CHECK_STR(datagram(&g, 1), "Message 0");
    CHECK_STR(datagram(&g, 2), "Message 1");
    CHECK(g.snd.counts.unsent_messages == 0 && g.f.reconnects == 0);
    rig_close(&g);

    /* Dropped by this host's firewall: counted, told once with the
     * reason, skipped (not sent again). */
    rig_open(&g);
    g.c.burst_count = 3;
    g.f.take = 1;
    rig_start(&g);
    fail_call(&g, 2, SEND_ERROR_FILTERED);
    fail_call(&g, 4, SEND_ERROR_FILTERED);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: send 3 failed\n"
                          "1000: FIRST_FILTERED (Operation not permitted)\n"
                          "1000: send 1 of 2\n"
                          "1000: send 1 failed\n"
                          "1000: BURST_END\n") != NULL);
    CHECK(g.snd.counts.filtered == 2 && g.f.sent == 2);
    CHECK_STR(datagram(&g, 1), "Message 1");
    CHECK(g.snd.counts.messages == 3 && g.snd.counts.unsent_messages == 0);
    rig_close(&g);

    /* A full queue: sent again every ms. */
    rig_open(&g);
    g.c.burst_count = 2;
    rig_start(&g);
    for (int call = 2; call < 32; call++)
        fail_call(&g, call, SEND_ERROR_BUSY);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    /* 30 failures within the second: the datagrams went at the 31st try. */
    CHECK(g.snd.counts.unsent_messages == 0 && g.f.sent == 3);
    CHECK(strstr(g.f.log, "1030: send 2 of 2\n") != NULL);
    CHECK(occurrences(g.f.log, "PATH_TROUBLE") == 0);
    rig_close(&g);
}

static void test_busy_limit(void)
{
    rig g;
    rig_open(&g);
    g.c.burst_count = 2;
    g.f.take = 1;
    /* busy for 2.5 s from the first message */
    run_busy(&g, 1000000, 3500000);
    /* Each message tried for 1 s, then counted as not sent; the path's
     * trouble told once. */
    CHECK(g.snd.counts.unsent_messages == 2 && g.snd.counts.messages == 2);
    /* Tried at 1000, 1001 ... 2000 ms, then at 2000 ... 3000 ms. */
    CHECK(g.f.sent == 1 && g.f.calls == 1 + 2 * 1001);
    CHECK_STR(g.snd.counts.trouble, "No buffer space available");
    CHECK(strstr(g.f.log, "2000: PATH_TROUBLE (No buffer space available)\n") != NULL);
    CHECK(occurrences(g.f.log, "PATH_TROUBLE") == 1);
    CHECK(strstr(g.f.log, "3000: BURST_END\n") != NULL);
    rig_close(&g);
}

static void test_path_errors(void)
{
    rig g;
    /* Once: connected again and sent again. */
    rig_open(&g);
    g.c.num_bursts = 2;
    g.c.pause_ms = 100;
    rig_start(&g);
    fail_call(&g, 2, SEND_ERROR_PATH);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: send 1 failed\n"
                          "1000: PATH_TROUBLE (Network is unreachable)\n"
                          "1000: reconnect\n"
                          "1000: send 1 of 1\n") != NULL);
    CHECK(g.f.sent == 3 && g.snd.counts.unsent_messages == 0 && g.f.reconnects == 1);
    CHECK_STR(g.snd.counts.trouble, "Network is unreachable");
    rig_close(&g);

    /* Twice for one datagram: not sent; the next one goes. */
    rig_open(&g);
    g.c.num_bursts = 2;
    g.c.pause_ms = 100;
    rig_start(&g);
    fail_call(&g, 2, SEND_ERROR_PATH);
    fail_call(&g, 3, SEND_ERROR_PATH);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(g.snd.counts.unsent_messages == 1 && g.snd.counts.messages == 2);
    CHECK(g.f.sent == 2);
    CHECK_STR(datagram(&g, 1), "Message 1");
    CHECK(occurrences(g.f.log, "PATH_TROUBLE") == 1 && g.f.reconnects == 1);
    rig_close(&g);

    /* Connecting again fails: that datagram is not sent, and each later
     * one tries to connect first. */
    rig_open(&g);
    g.c.num_bursts = 2;
    g.c.pause_ms = 100;
    g.c.stat_pause_ms = 10;
    rig_start(&g);
    g.f.reconnect_fails = true;
    fail_call(&g, 2, SEND_ERROR_PATH);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(g.snd.counts.unsent_messages == 2 && g.snd.counts.unsent_stats == 1);
    CHECK(g.f.sent == 1 && g.f.reconnects == 3);
    rig_close(&g);

    /* The echo's path: counted with the echoes. */
    rig_open(&g);
    rig_start(&g);
    fail_call(&g, 1, SEND_ERROR_PATH);
    fail_call(&g, 2, SEND_ERROR_PATH);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(g.snd.counts.unsent_echoes == 1 && g.snd.counts.unsent_messages == 0);
    CHECK_STR(datagram(&g, 0), "Message 0");
    rig_close(&g);
}

static void test_hard_errors(void)
{
    rig g;
    /* Anything else ends the test, its reason kept. */
    rig_open(&g);
    g.c.num_bursts = 3;
    g.c.pause_ms = 100;
    g.c.stat_pause_ms = 10;
    rig_start(&g);
    fail_call(&g, 3, SEND_ERROR_FATAL);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == SENDER_FAILED);
    CHECK_STR(g.snd.counts.failure, "Bad file descriptor");
    CHECK(g.f.sent == 2 && g.f.calls == 3);
    CHECK(strstr(g.f.log, "TEST_END") == NULL && strstr(g.f.log, "STAT") == NULL);
    rig_close(&g);

    /* On a stream every failure is final: TCP has ridden out what it can. */
    rig_open(&g);
    g.c.stream = true;
    rig_start(&g);
    fail_call(&g, 2, SEND_ERROR_PATH);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == SENDER_FAILED);
    CHECK_STR(g.snd.counts.failure, "Network is unreachable");
    CHECK(g.f.reconnects == 0 && g.snd.counts.unsent_messages == 0);
    rig_close(&g);
}

/* ---- an even rate (--rate) */

static void test_paced(void)
{
    rig g;
    /* 1000 messages a second, 5 of them: each at start + k ms, one at a
     * time, from the clock at 1 s (after the echo's pause); the -b 1
     * bursts nobody sees are one. */
    open_paced(&g, 5, 1, 1000, true, 0);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: BURST_BEGIN 9\n"
                          "1000: send 1 of 1\n"
                          "1000000: sleep until 1001000 us\n"
                          "1001: send 1 of 1\n") != NULL);
    CHECK(occurrences(g.f.log, "BURST_BEGIN") == 1 && occurrences(g.f.log, "BURST_END") == 1);
    CHECK(strstr(g.f.log, "1004: send 1 of 1\n1004: BURST_END\n") != NULL);
    CHECK(occurrences(g.f.log, ": sleep until ") == 4);
    CHECK(occurrences(g.f.log, "send 1 of 1\n") == 6); /* the echo, 5 messages */
    CHECK(strstr(g.f.log, "1004000: sleep until 1004000 us\n") == NULL);
    CHECK(strstr(g.f.log, "1004: MESSAGES_SENT 5 messages 45 bytes 0.004 s\n") != NULL);
    CHECK_STR(datagram(&g, 5), "Message 4");
    rig_close(&g);
    /* Seen, each -b 1 burst is told, and the wait until the next one is
     * due with it: 1 ms (msend writes its lines before a wait of 10 ms or
     * more). */
    open_paced(&g, 3, 1, 1000, false, 0);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: send 1 of 1\n"
                          "1000: BURST_END\n"
                          "1000: BURST_WAIT 1000 us\n"
                          "1000000: sleep until 1001000 us\n"
                          "1001: BURST_BEGIN 9\n") != NULL);
    CHECK(occurrences(g.f.log, "BURST_WAIT 1000 us\n") == 2);
    CHECK(occurrences(g.f.log, "BURST_WAIT") == 2); /* none after the last */
    rig_close(&g);

    /* 100000 a second, every nap at least SENDER_NAP_US and 35 us late:
     * what is due by then goes at once, in one send across the -b 1
     * bursts nobody sees (13 or 14 a time; one system call a message kept
     * msend near 100k msgs/s), and the schedule does not drift: the last
     * wake, at 1045 us, sends messages 95 to 99. */
    open_paced(&g, 100, 1, 100000, true, 35);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(occurrences(g.f.log, "send 1 of 1\n") == 2); /* the echo, message 0 */
    CHECK(strstr(g.f.log, "1000000: sleep until 1000100 us\n"
                          "1000: send 13 of 13\n"
                          "1000135: sleep until 1000235 us\n"
                          "1000: send 14 of 14\n") != NULL);
    CHECK(strstr(g.f.log, "1000945: sleep until 1001045 us\n"
                          "1001: send 5 of 5\n"
                          "1001: BURST_END\n") != NULL);
    CHECK(occurrences(g.f.log, " us\n") == 8);
    CHECK(occurrences(g.f.log, "BURST_BEGIN") == 1 && occurrences(g.f.log, "BURST_END") == 1);
    CHECK(g.snd.counts.messages == 100 && g.f.sent == 101);
    CHECK(strstr(g.f.log, "MESSAGES_SENT 100 messages 984 bytes 0.001 s\n") != NULL);
    rig_close(&g);

    /* The same with -b 100: one burst, so what is due goes as one batch:
     * 1 first, then 13, 14, 13, 14, 13, 14, 13 and the last 5. */
    open_paced(&g, 1, 100, 100000, false, 35);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1000: BURST_BEGIN 9\n"
                          "1000: send 1 of 1\n"
                          "1000000: sleep until 1000100 us\n"
                          "1000: send 13 of 13\n"
                          "1000135: sleep until 1000235 us\n"
                          "1000: send 14 of 14\n"
                          "1000270: sleep until 1000370 us\n"
                          "1000: send 13 of 13\n") != NULL);
    CHECK(strstr(g.f.log, "1000945: sleep until 1001045 us\n"
                          "1001: send 5 of 5\n") != NULL);
    CHECK(occurrences(g.f.log, "BURST_BEGIN") == 1 && occurrences(g.f.log, "BURST_END") == 1);
    CHECK(g.snd.counts.messages == 100 && g.f.sent == 101);
    CHECK_STR(datagram(&g, 100), "Message 63");
    rig_close(&g);

    /* -n 0: until stopped; the stop ends the test without its stat. */
    rig_open(&g);
    g.c.num_bursts = 0;
    g.c.rate_msgs_per_s = 1000;
    g.c.stat_pause_ms = 100;
    g.f.stop_after = 11; /* the echo and 10 messages */
    rig_start(&g);
    g.snd.io.stopped = fake_stopped;
    CHECK(sender_run_test(&g.snd, ECHO, 6) == SENDER_STOPPED);
    CHECK(g.snd.counts.messages == 10);
    CHECK(strstr(g.f.log, "STAT") == NULL && strstr(g.f.log, "TEST_END") == NULL);
    rig_close(&g);
}

/* A nap (the short waits of a high rate) that takes 1.5 s and in which
 * the stop comes: it ends as usual, as the system's does (a wait for
 * stdout's room given its grace after Ctrl-C). */
static void stopping_nap_until_us(void *ctx, int64_t deadline_us)
{
    fake *f = ctx;
    (void)deadline_us;
    f->now_us += 1500000;
    f->stop_after = f->sent;
}

/* The stop ends the sending at once after such a wait: no schedule moved
 * (the time was the stop's), nothing more sent. */
static void test_stop_in_nap(void)
{
    rig g;
    rig_open(&g);
    g.c.num_bursts = 0;
    g.c.rate_msgs_per_s = 10000; /* 100 us apart: napped */
    g.c.bursts_unseen = true;
    rig_start(&g);
    g.snd.io.stopped = fake_stopped;
    g.snd.io.nap_until_us = stopping_nap_until_us;
    CHECK(sender_run_test(&g.snd, ECHO, 6) == SENDER_STOPPED);
    CHECK(strstr(g.f.log, "SCHEDULE_MOVED") == NULL);
    CHECK(g.snd.counts.messages == 1 && g.f.sent == 2); /* the echo, message 0 */
    rig_close(&g);
}

/* ---- a schedule that fell behind: caught up to RATE_CATCH_UP_US, moved on
 * beyond it */

static void test_moved_on(void)
{
    rig g;
    /* 1000/s, 500 messages from 1 s on; the sender stopped for 1.5 s in
     * the send of message 100 (at 1.100 s). Message 101 goes at 2.600 s,
     * 1.499 s late; the 1499 that fell due meanwhile do not go at once:
     * the schedule moves on by that much, told once it is on schedule
     * again, and the rest goes at the rate. The count stays: the test
     * lasts 1.499 s longer. */
    open_paced_stalled(&g, 500, 102, 1500000); /* the echo, messages 0 to 100 */
    slow_us = 0;
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1100: send 1 of 1\n"
                          "2600: send 1 of 1\n"
                          "2600: SCHEDULE_MOVED 1.499000 s 1499 messages\n"
                          "2600000: sleep until 2601000 us\n"
                          "2601: send 1 of 1\n") != NULL);
    CHECK(occurrences(g.f.log, "SCHEDULE_MOVED") == 1);
    CHECK(occurrences(g.f.log, "send 1 of 1\n") == 501); /* the echo, 500 messages */
    CHECK(strstr(g.f.log, "2998: send 1 of 1\n2998: BURST_END\n"
                          "2998: MESSAGES_SENT 500 messages 5228 bytes 1.998 s\n") != NULL);
    CHECK(g.snd.counts.messages == 500 && g.f.sent == 501);
    rig_close(&g);

    /* Late by up to 100 ms: caught up at once, the rate kept (a stall of
     * 100 ms in message 100's send: message 101 due at 1.101 s goes at
     * 1.200 s with the 99 due since, the last at 1.499 s). */
    open_paced_stalled(&g, 500, 102, 100000);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1100: send 1 of 1\n"
                          "1200: send 100 of 100\n"
                          "1200000: sleep until 1201000 us\n") != NULL);
    CHECK(strstr(g.f.log, "SCHEDULE_MOVED") == NULL);
    CHECK(strstr(g.f.log, "MESSAGES_SENT 500 messages 5228 bytes 0.499 s\n") != NULL);
    rig_close(&g);

    /* -p 100, 5 bursts of 2: stopped 1.5 s in burst 1's send. Burst
     * 2 goes at once, 1.4 s late; the 14 bursts (28 messages) due since
     * do not, the schedule moves on: bursts 3 and 4 at 2.7 and 2.8 s. */
    open_spaced_stalled(&g, 5, 2, 100, 5, 1500000); /* the echo, bursts 0 and 1 */
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1100: BURST_BEGIN 9\n"
                          "1100: send 2 of 2\n"
                          "2600: BURST_END\n"
                          "2600: BURST_WAIT 0 us\n"
                          "2600: sleep until 2600 ms\n"
                          "2600: BURST_BEGIN 9\n"
                          "2600: send 2 of 2\n"
                          "2600: BURST_END\n"
                          "2600: SCHEDULE_MOVED 1.400000 s 28 messages\n"
                          "2600: BURST_WAIT 100000 us\n"
                          "2600: sleep until 2700 ms\n"
                          "2700: BURST_BEGIN 9\n") != NULL);
    CHECK(strstr(g.f.log, "2800: sleep until 2800 ms\n") == NULL);
    CHECK(strstr(g.f.log, "2700: sleep until 2800 ms\n"
                          "2800: BURST_BEGIN 9\n") != NULL);
    CHECK(strstr(g.f.log, "2800: MESSAGES_SENT 10 messages 90 bytes 1.800 s\n") != NULL);
    CHECK(occurrences(g.f.log, "SCHEDULE_MOVED") == 1);
    rig_close(&g);

    /* -p 1000: a burst 500 ms late is the only one due: no burst of
     * bursts, nothing moved, the next on its old time. */
    open_spaced_stalled(&g, 3, 1, 1000, 2, 1500000); /* the echo, burst 0 */
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "2500: sleep until 2000 ms\n"
                          "2500: BURST_BEGIN 9\n"
                          "2500: send 1 of 1\n"
                          "2500: BURST_END\n"
                          "2500: BURST_WAIT 500000 us\n"
                          "2500: sleep until 3000 ms\n") != NULL);
    CHECK(strstr(g.f.log, "SCHEDULE_MOVED") == NULL);
    rig_close(&g);

    /* The last burst (-n 2 -p 100), or the last message (--rate), late
     * by 1.4 s: alone it is no burst, nothing moves. */
    open_spaced_stalled(&g, 2, 1, 100, 2, 1500000); /* the echo, burst 0 */
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "2500: BURST_WAIT 0 us\n"
                          "2500: sleep until 1100 ms\n"
                          "2500: BURST_BEGIN 9\n") != NULL);
    CHECK(strstr(g.f.log, "SCHEDULE_MOVED") == NULL);
    rig_close(&g);
    open_paced_stalled(&g, 102, 102, 1500000); /* the echo, messages 0 to 100 */
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "1100: send 1 of 1\n"
                          "2600: send 1 of 1\n"
                          "2600: BURST_END\n") != NULL);
    CHECK(strstr(g.f.log, "SCHEDULE_MOVED") == NULL);
    rig_close(&g);

    /* A sender that cannot keep up (each datagram takes 2 ms at 1000/s):
     * it catches up in batches twice as large each time (1, 2, 4 .. 64)
     * until it is more than 100 ms behind; then the schedule moves on
     * (by 127 ms, twice) and the batches start again at 1, none of more
     * than 100 ms of the schedule. The moves in a row are told once,
     * added up, before the totals. */
    open_paced_stalled(&g, 300, 0, 0);
    slow_us = 2000;
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    slow_us = 0;
    CHECK(occurrences(g.f.log, "SCHEDULE_MOVED") == 1);
    CHECK(strstr(g.f.log, "1064: send 32 of 32\n"
                          "1128: send 64 of 64\n"
                          "1256: send 1 of 1\n"
                          "1258: send 2 of 2\n") != NULL);
    CHECK(strstr(g.f.log, "1382: send 64 of 64\n"
                          "1510: send 1 of 1\n") != NULL);
    CHECK(occurrences(g.f.log, "send 64 of 64") == 2 && strstr(g.f.log, "of 128") == NULL);
    CHECK(occurrences(g.f.log, "sleep until") == 0);
    CHECK(strstr(g.f.log, "1602: BURST_END\n"
                          "1602: SCHEDULE_MOVED 0.254000 s 254 messages\n"
                          "1602: MESSAGES_SENT 300 messages 3028 bytes 0.600 s\n") != NULL);
    rig_close(&g);
}

/* ---- intervals (--interval) */

/* 250 messages at 100 a second, --interval 1s, then the stat's pause:
 * the test run and finished. */
static void run_hundred_a_second(rig *g, int stat_pause_ms)
{
    rig_open(g);
    g->c.num_bursts = 250;
    g->c.rate_msgs_per_s = 100;
    g->c.interval_us = 1000000;
    g->c.stat_pause_ms = stat_pause_ms;
    g->c.bursts_unseen = true;
    rig_start(g);
    CHECK(sender_run_test(&g->snd, ECHO, 6) == 0);
    CHECK(sender_finish(&g->snd) == 0);
}

static void test_intervals(void)
{
    rig g;
    /* 100 a second for 250 messages, an interval of 1 s: two whole ones
     * and the rest when the sender finishes, after the stat's pause. */
    run_hundred_a_second(&g, 300);
    CHECK(strstr(g.f.log, "2000: INTERVAL 0.000000-1.000000 s 100 messages 984 bytes\n") !=
          NULL);
    CHECK(strstr(g.f.log, "3000: INTERVAL 1.000000-2.000000 s 100 messages 1000 bytes\n") !=
          NULL);
    CHECK(strstr(g.f.log, "3790: INTERVAL 2.000000-2.790000 s 50 messages 500 bytes\n") !=
          NULL);
    CHECK(occurrences(g.f.log, "INTERVAL") == 3);
    /* The stat's pause is waited to its end, the interval clock kept. */
    CHECK(strstr(g.f.log, "3490: sleep until 3790 ms\n3790: STAT_SEND\n") != NULL);
    rig_close(&g);

    /* Bursts on -p's schedule: the pauses are cut at the intervals' ends
     * (500 ms), the bursts still on their schedule. */
    rig_open(&g);
    g.c.num_bursts = 3;
    g.c.pause_ms = 1000;
    g.c.interval_us = 500000;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(sender_finish(&g.snd) == 0);
    CHECK(strstr(g.f.log, "1000: sleep until 1500 ms\n"
                          "1500: INTERVAL 0.000000-0.500000 s 1 messages 9 bytes\n"
                          "1500: sleep until 2000 ms\n"
                          "2000: INTERVAL 0.500000-1.000000 s 0 messages 0 bytes\n"
                          "2000: BURST_BEGIN 9\n") != NULL);
    CHECK(strstr(g.f.log, "3000: INTERVAL 1.500000-2.000000 s 0 messages 0 bytes\n"
                          "3000: BURST_BEGIN 9\n") != NULL);
    /* finish: the last burst, at an interval's start, in the part of its
     * slot within that interval (it was in no interval at all). */
    CHECK(strstr(g.f.log, "3000: INTERVAL 2.000000-2.500000 s 1 messages 9 bytes\n") != NULL);
    CHECK(occurrences(g.f.log, "INTERVAL") == 5);
    rig_close(&g);

    /* The same rate without the stat: the part under way ends with the
     * last message's slot, 2.5 s, 50 messages at 100 a second (it ended at
     * the last message, 2.49 s: 102 a second). */
    run_hundred_a_second(&g, 0);
    CHECK(strstr(g.f.log, "3490: INTERVAL 2.000000-2.500000 s 50 messages 500 bytes\n") !=
          NULL);
    CHECK(strstr(g.f.log, "MESSAGES_SENT 250 messages 2484 bytes 2.490 s\n") != NULL);
    CHECK(occurrences(g.f.log, "INTERVAL") == 3);
    rig_close(&g);
}

/* ---- send times (--timestamp) */

static void test_timestamps(void)
{
    sender_config c;
    memset(&c, 0, sizeof c);
    c.msg_len = 40;
    uint8_t out[64];
    char want[64];
    memset(want, 0, sizeof want);
    memcpy(want, "Message 1f\0ts 1700000000123456", 31);
    CHECK_MEM(out, sender_message_stamped(&c, out, 31, 1700000000123456), want, 40);
    /* The room: the text, its NUL, "ts " and 19 digits. */
    CHECK(sender_timestamp_len(&c, 31) == 10 + 1 + 3 + 19);
    c.decimal = true;
    CHECK(sender_timestamp_len(&c, 18446744073709551615ULL) == 28 + 1 + 3 + 19);
    /* A short message cuts the time, as it cuts the text. */
    c.decimal = false;
    c.msg_len = 16;
    CHECK_MEM(out, sender_message_stamped(&c, out, 31, 1700000000123456),
              "Message 1f\0ts 17", 16);
    /* -m 0 (the text alone) has no room: as without a time. */
    c.msg_len = 0;
    CHECK_MEM(out, sender_message_stamped(&c, out, 31, 1700000000123456), "Message 1f", 10);

    /* Each chunk stamped as it is built, at most SENDER_STAMPED_CHUNK_MESSAGES. */
    rig g;
    rig_open(&g);
    g.c.num_bursts = 1;
    g.c.burst_count = 100;
    g.c.msg_len = 40;
    g.c.timestamp = true;
    g.f.wall_offset_us = 1700000000000000;
    rig_start(&g);
    CHECK(sender_run_test(&g.snd, ECHO, 6) == 0);
    CHECK(strstr(g.f.log, "send 64 of 64\n1000: send 36 of 36\n") != NULL);
    CHECK_MEM(g.f.bytes + 7, 31, "Message 0\0ts 1700000001000000\0", 31);
    rig_close(&g);
}

int main(void)
{
    test_messages();
    test_texts();
    test_paced();
    test_moved_on();
    test_stop_in_nap();
    test_intervals();
    test_timestamps();
    test_schedule();
    test_stopped();
    test_chunks();
    test_cut_short();
    test_soft_errors();
    test_busy_limit();
    test_path_errors();
    test_hard_errors();
    return check_report("test_sender");
}
