/* test_pingpong.c - engine/pingpong.h: the probe's bytes, and the
 * initiator's cycles driven through a fake pinger_io: a clock that moves
 * only while the engine waits, and a network that reflects each probe
 * after a delay a script gives (or drops it, or sends it twice), with
 * stray datagrams of its own. So what the engine makes of a lost probe, a
 * late reply, a duplicate, another run's reply and a datagram that is no
 * probe is checked exactly, without a socket or a wait. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/pingpong.h"
#include "lib/compiler.h"

/* ---- the probe */

static void test_probe_bytes(void)
{
    pingpong_probe p = {0x0807060504030201ull, 0x1122334455667788ull, 1234567};
    uint8_t b[PINGPONG_PROBE_BYTES];
    pingpong_probe_encode(&p, b);
    static const uint8_t want[PINGPONG_PROBE_BYTES] = {
        'M', 'P', 'N', 'G', 1, 0, 0, 0,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        0x87, 0xd6, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_MEM(b, sizeof b, want, sizeof want);
    pingpong_probe q;
    CHECK(pingpong_probe_decode(b, sizeof b, &q));
    CHECK(q.run_id == p.run_id && q.seq == p.seq && q.sent_us == p.sent_us);

    /* A negative time (a monotonic clock may start anywhere) round trips. */
    p.sent_us = -5;
    pingpong_probe_encode(&p, b);
    CHECK(b[24] == 0xfb && b[31] == 0xff);
    CHECK(pingpong_probe_decode(b, sizeof b, &q) && q.sent_us == -5);
    p.sent_us = INT64_MIN;
    pingpong_probe_encode(&p, b);
    CHECK(pingpong_probe_decode(b, sizeof b, &q) && q.sent_us == INT64_MIN);

    /* Not a probe: each field that identifies one, broken. */
    pingpong_probe_encode(&p, b);
    CHECK(!pingpong_probe_decode(b, sizeof b - 1, &q));
    uint8_t longer[PINGPONG_PROBE_BYTES + 1];
    memcpy(longer, b, sizeof b);
    longer[PINGPONG_PROBE_BYTES] = 0;
    CHECK(!pingpong_probe_decode(longer, sizeof longer, &q));
    for (int i = 0; i < 8; i++) {
        uint8_t broken[PINGPONG_PROBE_BYTES];
        memcpy(broken, b, sizeof b);
        broken[i] ^= 0x40;
        CHECK(!pingpong_probe_decode(broken, sizeof broken, &q));
    }
    /* The old mpong's payload, a 64-bit Linux struct timeval. */
    uint8_t timeval[16] = {0};
    CHECK(!pingpong_probe_decode(timeval, sizeof timeval, &q));
}

/* ---- the fake network and clock */

enum { QUEUE_MAX = 64, LOG_BYTES = 8192, SCRIPT_MAX = 64 };

/* What happens to the probe of cycle `seq` (or of every cycle not in the
 * script): reflected after delay_us (negative: dropped), copies times;
 * again_us > 0: one more copy after that long (a second, slower path). */
typedef struct fate {
    uint64_t seq;
    int64_t delay_us;
    int copies;
    int64_t again_us;
} fate;

typedef struct queued {
    int64_t at_us;
    uint8_t bytes[64];
    size_t len;
} queued;

typedef struct fake {
    int64_t now_us;
    int64_t default_delay_us;
    fate script[SCRIPT_MAX];
    int fates;
    queued q[QUEUE_MAX];
    int queued_count;
    uint8_t delivered[64]; /* the datagram receive last gave */
    int64_t send_times[256];
    int sends;
    int not_sent_at;      /* this send (from 1) is not sent; 0: none */
    int fail_at;          /* this send fails for good; 0: none */
    int stop_at_receive;  /* this receive call says stop; 0: none */
    int receives;
    int report_stop_at;   /* the n-th report returns 77; 0: never */
    int reports;
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
    if (n > 0 && (size_t)n < LOG_BYTES - f->log_len)
        f->log_len += (size_t)n;
}

static void enqueue(fake *f, int64_t at_us, const uint8_t *bytes, size_t len)
{
    if (f->queued_count == QUEUE_MAX || len > sizeof f->q[0].bytes)
        return;
    queued *e = &f->q[f->queued_count++];
    e->at_us = at_us;
    memcpy(e->bytes, bytes, len);
    e->len = len;
}

static pinger_send_result fake_send(void *ctx, const uint8_t *data, size_t len)
{
    fake *f = ctx;
    f->sends++;
    if (f->sends < 256)
        f->send_times[f->sends - 1] = f->now_us;
    if (f->sends == f->fail_at)
        return PINGER_SEND_FAILED;
    if (f->sends == f->not_sent_at)
        return PINGER_NOT_SENT;
    pingpong_probe p;
    CHECK(pingpong_probe_decode(data, len, &p));
    CHECK(p.sent_us == f->now_us);
    int64_t delay = f->default_delay_us, again = 0;
    int copies = 1;
    for (int i = 0; i < f->fates; i++)
        if (f->script[i].seq == p.seq) {
            delay = f->script[i].delay_us;
            copies = f->script[i].copies;
            again = f->script[i].again_us;
        }
    for (int c = 0; delay >= 0 && c < copies; c++)
        enqueue(f, f->now_us + delay, data, len);
    if (again > 0)
        enqueue(f, f->now_us + again, data, len);
    return PINGER_SENT;
}

static int fake_receive(void *ctx, int64_t deadline_us, const uint8_t **data, size_t *len)
{
    fake *f = ctx;
    f->receives++;
    if (f->receives == f->stop_at_receive)
        return PINGER_RECEIVE_STOPPED;
    int first = -1;
    for (int i = 0; i < f->queued_count; i++)
        if (first < 0 || f->q[i].at_us < f->q[first].at_us)
            first = i;
    if (first < 0 || f->q[first].at_us > deadline_us) {
        if (deadline_us > f->now_us)
            f->now_us = deadline_us;
        return 0;
    }
    if (f->q[first].at_us > f->now_us)
        f->now_us = f->q[first].at_us;
    memcpy(f->delivered, f->q[first].bytes, f->q[first].len);
    *data = f->delivered;
    *len = f->q[first].len;
    f->q[first] = f->q[--f->queued_count];
    return 1;
}

static const char *fake_error_text(void *ctx)
{
    (void)ctx;
    return "Network is unreachable";
}

static int64_t fake_now(void *ctx)
{
    return ((fake *)ctx)->now_us;
}

static int fake_report(void *ctx, const pinger_event *e)
{
    fake *f = ctx;
    f->reports++;
    switch (e->kind) {
    case PINGER_MEASURING:
        logf_(f, "measuring\n");
        break;
    case PINGER_SAMPLE:
        logf_(f, "%llu at %llu: %u\n", (unsigned long long)e->cycle,
              (unsigned long long)e->since_first_us, (unsigned)e->rtt_us);
        break;
    case PINGER_LOST:
        logf_(f, "%llu at %llu: lost\n", (unsigned long long)e->cycle,
              (unsigned long long)e->since_first_us);
        break;
    case PINGER_FIRST_NOT_SENT:
        logf_(f, "not sent: %s\n", e->reason);
        break;
    }
    return f->reports == f->report_stop_at ? 77 : 0;
}

static pinger_config config(uint64_t warmup, uint64_t cycles, int timeout_ms, int interval_ms)
{
    pinger_config c = {warmup, cycles, timeout_ms, interval_ms, 0xabcdef};
    return c;
}

static int run(fake *f, const pinger_config *c, pinger *p)
{
    pinger_io io = {f, fake_send, fake_receive, fake_error_text, fake_now};
    pinger_init(p, c, &io, fake_report, f);
    return pinger_run(p);
}

static fake *new_fake(int64_t start_us, int64_t delay_us)
{
    fake *f = calloc(1, sizeof *f);
    if (!f)
        exit(1);
    f->now_us = start_us;
    f->default_delay_us = delay_us;
    return f;
}

static void add_fate(fake *f, uint64_t seq, int64_t delay_us, int copies)
{
    f->script[f->fates++] = (fate){seq, delay_us, copies, 0};
}

/* Reflected in time (the default delay), and once more after again_us. */
static void add_second_copy(fake *f, uint64_t seq, int64_t again_us)
{
    f->script[f->fates++] = (fate){seq, f->default_delay_us, 1, again_us};
}

/* ---- the cycles */

static void test_clean(void)
{
    fake *f = new_fake(1000, 100);
    pinger_config c = config(2, 4, 1000, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    /* Back to back: each probe goes when the last reply is in. */
    CHECK_STR(f->log, "measuring\n"
                      "0 at 0: 100\n"
                      "1 at 100: 100\n"
                      "2 at 200: 100\n"
                      "3 at 300: 100\n");
    CHECK(p.counts.sent == 4 && p.counts.received == 4 && p.counts.lost == 0 &&
          p.counts.late == 0 && p.counts.duplicates == 0 && p.counts.strays == 0);
    CHECK(p.counts.warmup_sent == 2 && p.counts.warmup_received == 2);
    CHECK(f->sends == 6);
    free(f);
}

static void test_lost_waits_its_timeout(void)
{
    fake *f = new_fake(0, 50);
    add_fate(f, 3, -1, 0); /* measured cycle 1 dropped */
    pinger_config c = config(2, 3, 5, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK_STR(f->log, "measuring\n"
                      "0 at 0: 50\n"
                      "1 at 50: lost\n"
                      "2 at 5050: 50\n");
    CHECK(p.counts.sent == 3 && p.counts.received == 2 && p.counts.lost == 1 &&
          p.counts.late == 0);
    free(f);
}

/* Cycle 1's reply comes after its wait, during cycle 2's and before
 * cycle 2's own: counted late, and cycle 2 takes its own reply, 300 us,
 * not that one (100 us after its send). */
static void test_late_is_not_the_current(void)
{
    fake *f = new_fake(0, 300);
    add_fate(f, 1, 1100, 1);
    pinger_config c = config(0, 4, 1, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK_STR(f->log, "measuring\n"
                      "0 at 0: 300\n"
                      "1 at 300: lost\n"
                      "2 at 1300: 300\n"
                      "3 at 1600: 300\n");
    CHECK(p.counts.sent == 4 && p.counts.received == 3 && p.counts.lost == 1 &&
          p.counts.late == 1 && p.counts.duplicates == 0 && p.counts.strays == 0);
    free(f);
}

/* A reply that arrives late twice: late once, then a duplicate. A reply
 * to a warm-up cycle, late or again, is not counted among the measured
 * cycles' (the counts had a duplicate of the warm-up's). */
static void test_late_duplicates_and_warmup(void)
{
    fake *f = new_fake(0, 300);
    add_fate(f, 0, 1500, 2); /* warm-up */
    add_fate(f, 2, 1200, 2); /* measured 1 */
    pinger_config c = config(1, 4, 1, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK(p.counts.sent == 4 && p.counts.received == 3 && p.counts.lost == 1);
    CHECK(p.counts.late == 1);
    CHECK(p.counts.duplicates == 1);
    CHECK(p.counts.warmup_sent == 1 && p.counts.warmup_received == 0);
    free(f);
}

static void test_duplicate_of_current(void)
{
    fake *f = new_fake(0, 20);
    add_fate(f, 0, 20, 3);
    pinger_config c = config(0, 2, 1000, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    /* The copies of cycle 0 arrive during cycle 1, before its reply. */
    CHECK_STR(f->log, "measuring\n0 at 0: 20\n1 at 20: 20\n");
    CHECK(p.counts.received == 2 && p.counts.duplicates == 2 && p.counts.late == 0);
    free(f);
}

/* Datagrams that are no reply of this run: the old payload, another
 * run's probe, a cycle not yet sent. None ends a cycle. */
static void test_strays(void)
{
    fake *f = new_fake(0, 100);
    uint8_t timeval[16] = {1};
    enqueue(f, 10, timeval, sizeof timeval);
    uint8_t other[PINGPONG_PROBE_BYTES];
    pingpong_probe_encode(&(pingpong_probe){0x1234, 0, 0}, other);
    enqueue(f, 20, other, sizeof other);
    uint8_t ahead[PINGPONG_PROBE_BYTES];
    pingpong_probe_encode(&(pingpong_probe){0xabcdef, 5, 0}, ahead);
    enqueue(f, 30, ahead, sizeof ahead);
    pinger_config c = config(0, 2, 1000, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK_STR(f->log, "measuring\n0 at 0: 100\n1 at 100: 100\n");
    CHECK(p.counts.strays == 3 && p.counts.received == 2 && p.counts.duplicates == 0);
    free(f);
}

/* A reply older than the window: whether its cycle was answered is no
 * longer known, so it is never counted late (late ones are among the
 * lost); it counts as a duplicate (it was counted late). */
static void test_beyond_window(void)
{
    fake *f = new_fake(0, 999);
    add_fate(f, 0, (int64_t)(PINGER_WINDOW + 10) * 1000, 1);
    pinger_config c = config(0, PINGER_WINDOW + 20, 1, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK(p.counts.lost == 1 && p.counts.late == 0 && p.counts.duplicates == 1);
    free(f);

    /* The edge: cycle 0 lost (its wait 1 ms), each later one 999 us, so
     * cycle k runs from 1000 + (k - 1) * 999 us. Its reply in cycle
     * PINGER_WINDOW - 1 is late; in cycle PINGER_WINDOW, PINGER_WINDOW
     * cycles back, it is a duplicate already. */
    for (int back = PINGER_WINDOW - 1; back <= PINGER_WINDOW; back++) {
        f = new_fake(0, 999);
        add_fate(f, 0, 1000 + (int64_t)(back - 1) * 999 + 500, 1);
        c = config(0, PINGER_WINDOW + 20, 1, 0);
        CHECK(run(f, &c, &p) == 0);
        CHECK(p.counts.lost == 1);
        if (back < PINGER_WINDOW)
            CHECK(p.counts.late == 1 && p.counts.duplicates == 0);
        else
            CHECK(p.counts.late == 0 && p.counts.duplicates == 1);
        free(f);
    }
}

/* Every cycle answered in time, and two of them again by a slower path:
 * cycle 1's second copy 2000 cycles later (within the window), cycle 0's
 * about 5000 later (beyond it). Both are duplicates; none is late, so
 * late never exceeds lost (it was 1 late of 0 lost). */
static void test_answered_then_again(void)
{
    fake *f = new_fake(0, 100);
    add_second_copy(f, 0, 500000);
    add_second_copy(f, 1, 200000);
    pinger_config c = config(0, 6000, 1, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK(p.counts.sent == 6000 && p.counts.received == 6000 && p.counts.lost == 0);
    CHECK(p.counts.late == 0);
    CHECK(p.counts.duplicates == 2 && p.counts.strays == 0);
    CHECK(p.counts.late <= p.counts.lost);
    free(f);
}

/* The duplicates and strays are the measured cycles' only, as the other
 * counts: two copies of every reply (the second is read during the next
 * cycle, the last one's never), a datagram that is no probe during the
 * warm-up and one during the measured cycles. Counted: the duplicates of
 * measured cycles 0 and 1 and the later stray (it was 4 and 2). */
static void test_counts_leave_out_warmup(void)
{
    fake *f = new_fake(0, 100);
    for (uint64_t seq = 0; seq < 5; seq++)
        add_fate(f, seq, 100, 2);
    uint8_t timeval[16] = {1};
    enqueue(f, 10, timeval, sizeof timeval);  /* warm-up cycle 0 */
    enqueue(f, 250, timeval, sizeof timeval); /* measured cycle 0 */
    pinger_config c = config(2, 3, 1000, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK_STR(f->log, "measuring\n0 at 0: 100\n1 at 100: 100\n2 at 200: 100\n");
    CHECK(p.counts.sent == 3 && p.counts.received == 3 && p.counts.late == 0);
    CHECK(p.counts.duplicates == 2);
    CHECK(p.counts.strays == 1);
    CHECK(p.counts.warmup_sent == 2 && p.counts.warmup_received == 2);
    free(f);
}

/* --interval: one send every 10 ms from the first, replies or not; a
 * reply later than the interval makes the next go at once after it. */
static void test_interval(void)
{
    fake *f = new_fake(5000, 100);
    add_fate(f, 2, 12000, 1);
    add_fate(f, 4, -1, 0);
    pinger_config c = config(1, 5, 20, 10);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK(f->sends == 6);
    static const int64_t want[6] = {5000, 15000, 25000, 37000, 47000, 67000};
    for (int i = 0; i < 6; i++)
        CHECK(f->send_times[i] == want[i]);
    CHECK_STR(f->log, "measuring\n"
                      "0 at 0: 100\n"
                      "1 at 10000: 12000\n"
                      "2 at 22000: 100\n"
                      "3 at 32000: lost\n"
                      "4 at 52000: 100\n");
    free(f);
}

/* --interval longer than --timeout: a cycle's reply that comes after its
 * wait but before the next cycle is due is late, like any other late
 * reply; it neither answers that cycle nor brings the next one forward. */
static void test_late_within_interval(void)
{
    fake *f = new_fake(0, 100);
    add_fate(f, 1, 15000, 1); /* after the 5 ms wait, before 20 ms */
    pinger_config c = config(0, 3, 5, 20);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK(f->sends == 3);
    static const int64_t want[3] = {0, 20000, 40000};
    for (int i = 0; i < 3; i++)
        CHECK(f->send_times[i] == want[i]);
    CHECK_STR(f->log, "measuring\n"
                      "0 at 0: 100\n"
                      "1 at 20000: lost\n"
                      "2 at 40000: 100\n");
    CHECK(p.counts.sent == 3 && p.counts.received == 2 && p.counts.lost == 1 &&
          p.counts.late == 1 && p.counts.duplicates == 0 && p.counts.strays == 0);
    free(f);
}

/* A probe that cannot be sent: said once, the cycle lost after its wait. */
static void test_not_sent(void)
{
    fake *f = new_fake(0, 40);
    f->not_sent_at = 2;
    pinger_config c = config(0, 3, 2, 0);
    pinger p;
    CHECK(run(f, &c, &p) == 0);
    CHECK_STR(f->log, "measuring\n"
                      "0 at 0: 40\n"
                      "not sent: Network is unreachable\n"
                      "1 at 40: lost\n"
                      "2 at 2040: 40\n");
    CHECK(p.counts.lost == 1 && p.counts.not_sent == 1 && p.counts.received == 2);
    free(f);
}

static void test_failures_and_stops(void)
{
    fake *f = new_fake(0, 40);
    f->fail_at = 3;
    pinger_config c = config(1, 5, 2, 0);
    pinger p;
    CHECK(run(f, &c, &p) == PINGER_FAILED);
    CHECK_STR(p.failure, "sendto: Network is unreachable");
    CHECK(p.counts.sent == 1 && p.counts.received == 1);
    free(f);

    /* Stopped in the third cycle's wait: that cycle is not counted. */
    f = new_fake(0, 40);
    f->stop_at_receive = 3;
    CHECK(run(f, &c, &p) == PINGER_STOPPED);
    CHECK(p.counts.warmup_sent == 1 && p.counts.sent == 1 && p.counts.received == 1 &&
          p.counts.lost == 0);
    free(f);

    /* Stopped in the wait of a cycle whose probe could not be sent: that
     * cycle is neither sent nor unsent in the counts. */
    f = new_fake(0, 40);
    f->not_sent_at = 3;
    f->stop_at_receive = 3;
    CHECK(run(f, &c, &p) == PINGER_STOPPED);
    CHECK(p.counts.sent == 1 && p.counts.not_sent == 0 && p.counts.lost == 0);
    free(f);

    /* The report's status ends the run at once. */
    f = new_fake(0, 40);
    f->report_stop_at = 3;
    CHECK(run(f, &c, &p) == 77);
    CHECK(p.counts.sent == 2 && f->sends == 3);
    free(f);
}

int main(void)
{
    test_probe_bytes();
    test_clean();
    test_lost_waits_its_timeout();
    test_late_is_not_the_current();
    test_late_duplicates_and_warmup();
    test_duplicate_of_current();
    test_strays();
    test_beyond_window();
    test_answered_then_again();
    test_counts_leave_out_warmup();
    test_interval();
    test_late_within_interval();
    test_not_sent();
    test_failures_and_stops();
    return check_report("test_pingpong");
}
