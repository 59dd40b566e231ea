/* test_rate.c - rates from the command line (forms, multipliers, units,
 * the error texts) and the absolute pacing schedule (no drift, due
 * counts consistent with due times, batching, saturation). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "measure/rate.h"

static char result[600];

/* "messages 1500000", "bits 200000000" or "BAD: <error>". */
static const char *parse(const char *text)
{
    rate r;
    cli_error err;
    memset(&r, 0xA5, sizeof r);
    if (!rate_parse("--rate", text, &r, &err)) {
        snprintf(result, sizeof result, "BAD: %s", err.text);
        return result;
    }
    snprintf(result, sizeof result, "%s %.17g%s",
             r.unit == RATE_MESSAGES ? "messages" : "bits", r.value,
             r.text == text ? "" : " (text not kept)");
    return result;
}

#define FORM_RULE                                                              \
    ": must be messages per second (\"50000\", \"50k\", \"1.5M\") or payload " \
    "bits per second (\"200Mbit\", \"1Gbps\")"

static void test_parse_valid(void)
{
    CHECK_STR(parse("50000"), "messages 50000");
    CHECK_STR(parse("50k"), "messages 50000");
    CHECK_STR(parse("50K"), "messages 50000");
    CHECK_STR(parse("1.5M"), "messages 1500000");
    CHECK_STR(parse("2G"), "BAD: --rate '2G': out of range, must be from 0.001 to 1000000000 messages per second");
    CHECK_STR(parse("1G"), "messages 1000000000");
    CHECK_STR(parse("0.001"), "messages 0.001");
    CHECK_STR(parse("0.3k"), "messages 300");
    CHECK_STR(parse("0.000001G"), "messages 1000");
    CHECK_STR(parse("007"), "messages 7");
    CHECK_STR(parse("12.5"), "messages 12.5");
    CHECK_STR(parse("999999999.999999"), "messages 999999999.99999905");
    CHECK_STR(parse("200Mbit"), "bits 200000000");
    CHECK_STR(parse("1Gbit"), "bits 1000000000");
    CHECK_STR(parse("10kbit"), "bits 10000");
    CHECK_STR(parse("10Kbps"), "bits 10000");
    CHECK_STR(parse("1.5Mbps"), "bits 1500000");
    CHECK_STR(parse("1bit"), "bits 1");
    CHECK_STR(parse("1000Gbit"), "bits 1000000000000");
    CHECK_STR(parse("123456789012345"), "BAD: --rate '123456789012345': out of range, must be from 0.001 to 1000000000 messages per second");
}

static void test_parse_invalid(void)
{
    static const char *const bad_form[] = {
        "", "k", "M", "bit", ".5", "5.", "1.2.3", "-5", "+5", " 5", "5 ",
        "5kk", "5Mb", "5Mbits", "5Mbit/s", "5BIT", "5Bit"/* bytes, below */,
        "1e6", "0x10", "inf", "nan", "5%", "1,5M", "5k bit", "5\n", "5T",
        "5g", "5kbitbit"};
    for (size_t i = 0; i < sizeof bad_form / sizeof bad_form[0]; i++) {
        char want[600];
        const char *text = bad_form[i];
        if (strchr(text, 'B')) {
            snprintf(want, sizeof want,
                     "BAD: --rate '%s': give bits per second (\"Mbit\" or \"Mbps\"), not bytes",
                     text);
        } else {
            snprintf(want, sizeof want, "BAD: --rate '%s'" FORM_RULE, text);
        }
        CHECK_STR(parse(text), want);
    }
    CHECK_STR(parse("10MB"), "BAD: --rate '10MB': give bits per second (\"Mbit\" or \"Mbps\"), not bytes");
    CHECK_STR(parse("10MBps"), "BAD: --rate '10MBps': give bits per second (\"Mbit\" or \"Mbps\"), not bytes");
    CHECK_STR(parse("10Mbyte"), "BAD: --rate '10Mbyte': give bits per second (\"Mbit\" or \"Mbps\"), not bytes");
    CHECK_STR(parse("10m"), "BAD: --rate '10m': 'm' would mean milli; the multipliers are k, M and G");
    CHECK_STR(parse("10mbit"), "BAD: --rate '10mbit': 'm' would mean milli; the multipliers are k, M and G");
    CHECK_STR(parse("0"), "BAD: --rate '0': out of range, must be from 0.001 to 1000000000 messages per second");
    CHECK_STR(parse("0.0009"), "BAD: --rate '0.0009': out of range, must be from 0.001 to 1000000000 messages per second");
    CHECK_STR(parse("1000000000.5"), "BAD: --rate '1000000000.5': out of range, must be from 0.001 to 1000000000 messages per second");
    CHECK_STR(parse("0bit"), "BAD: --rate '0bit': out of range, must be from 1 to 1000000000000 payload bits per second (1bit to 1000Gbit)");
    CHECK_STR(parse("0.5bit"), "BAD: --rate '0.5bit': out of range, must be from 1 to 1000000000000 payload bits per second (1bit to 1000Gbit)");
    CHECK_STR(parse("1000.1Gbit"), "BAD: --rate '1000.1Gbit': out of range, must be from 1 to 1000000000000 payload bits per second (1bit to 1000Gbit)");
    CHECK_STR(parse("1234567890123456"), "BAD: --rate '1234567890123456': too many digits, at most 15");
    CHECK_STR(parse("0.000000000000001"), "BAD: --rate '0.000000000000001': too many digits, at most 15");
    /* A long input is shown cut. */
    CHECK_STR(parse("1111111111222222222233333333334444444444555"),
              "BAD: --rate '1111111111222222222233333333334444444444...': too many digits, at most 15");
    CHECK_STR(parse("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
              "BAD: --rate 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'" FORM_RULE);
}

static const char *resolve(const char *text, size_t payload)
{
    rate r;
    cli_error err;
    if (!rate_parse("--rate", text, &r, &err)) {
        snprintf(result, sizeof result, "PARSE: %s", err.text);
        return result;
    }
    double m = -1;
    if (!rate_messages_per_second("--rate", &r, payload, &m, &err))
        snprintf(result, sizeof result, "BAD: %s", err.text);
    else
        snprintf(result, sizeof result, "%.17g", m);
    return result;
}

static void test_resolve(void)
{
    CHECK_STR(resolve("200Mbit", 1000), "25000");
    CHECK_STR(resolve("1Gbit", 1250), "100000");
    CHECK_STR(resolve("50k", 0), "50000"); /* messages: no size needed */
    CHECK_STR(resolve("10kbit", 0), "BAD: --rate '10kbit': a rate in bits needs messages of at least one byte");
    CHECK_STR(resolve("1bit", 65536), "BAD: --rate '1bit': with 65536-byte messages that is 1.90735e-06 messages per second, must be from 0.001 to 1000000000");
    CHECK_STR(resolve("1000Gbit", 1), "BAD: --rate '1000Gbit': with 1-byte messages that is 1.25e+11 messages per second, must be from 0.001 to 1000000000");
    CHECK_STR(resolve("8kbit", 1), "1000");
}

static void test_due(void)
{
    const int64_t start = 1700000000000000LL;
    /* 1000/s: one every 1000 us, exactly. */
    for (uint64_t k = 0; k < 100000; k += 997)
        CHECK(rate_due_us(start, 1000.0, k) == start + (int64_t)k * 1000);
    /* 3/s: 333333.3 us apart; from the index, the third lands on the
     * second exactly, where adding the rounded interval would drift. */
    CHECK(rate_due_us(start, 3.0, 0) == start);
    CHECK(rate_due_us(start, 3.0, 1) == start + 333333);
    CHECK(rate_due_us(start, 3.0, 2) == start + 666666);
    CHECK(rate_due_us(start, 3.0, 3) == start + 1000000);
    CHECK(rate_due_us(start, 3.0, 3000000) == start + 1000000000000LL);
    CHECK(rate_due_us(start, 3.0, 3000001) == start + 1000000333333LL);
    /* 1.5M/s for a day: still on the microsecond. */
    CHECK(rate_due_us(start, 1.5e6, 1500000ULL * 86400) == start + 86400000000LL);
    CHECK(rate_due_us(0, 0.001, 1) == 1000000000LL);
    /* Unusable rates and saturation. */
    CHECK(rate_due_us(start, 0.0, 1) == INT64_MAX);
    CHECK(rate_due_us(start, -5.0, 1) == INT64_MAX);
    CHECK(rate_due_us(start, NAN, 1) == INT64_MAX);
    CHECK(rate_due_us(start, INFINITY, 1) == INT64_MAX);
    CHECK(rate_due_us(INT64_MAX - 10, 1.0, 1) == INT64_MAX);
    CHECK(rate_due_us(0, 0.001, UINT64_MAX) == INT64_MAX);
    CHECK(rate_due_us(-1000, 1.0, 0) == -1000);
    CHECK(rate_due_us(INT64_MIN, 1.0, 1) == INT64_MIN + 1000000);
}

/* rate_due_count against rate_due_us at and around every due time. */
static void test_count_consistent(void)
{
    static const double rates[] = {0.001, 1.0, 3.0, 7.5, 1000.0, 33333.333333333336,
                                   50000.0, 99999.0, 1.5e6, 7e6, 1e9};
    const int64_t start = 123456789;
    int wrong = 0;
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        for (uint64_t k = 0; k < 20000; k++) {
            int64_t due = rate_due_us(start, rates[r], k);
            for (int64_t d = -1; d <= 1; d++) {
                int64_t now = due + d;
                uint64_t n = rate_due_count(start, rates[r], now);
                bool ok = now < start ? n == 0
                                      : rate_due_us(start, rates[r], n - 1) <= now &&
                                            rate_due_us(start, rates[r], n) > now;
                if (!ok && wrong++ < 5)
                    fprintf(stderr, "rate %g k %llu now-start %lld: count %llu\n",
                            rates[r], (unsigned long long)k,
                            (long long)(now - start), (unsigned long long)n);
            }
        }
    }
    CHECK(wrong == 0);
    CHECK(rate_due_count(start, 1000.0, start - 1) == 0);
    CHECK(rate_due_count(start, 1000.0, start) == 1);
    CHECK(rate_due_count(start, 1000.0, start + 999) == 1);
    CHECK(rate_due_count(start, 1000.0, start + 1000) == 2);
    CHECK(rate_due_count(start, 0.0, start + 1000) == 0);
    CHECK(rate_due_count(start, NAN, start + 1000) == 0);
    /* Batching: at 1e9/s, a thousand fall due in each microsecond. */
    CHECK(rate_due_count(0, 1e9, 0) == 1000);
    CHECK(rate_due_count(0, 1e9, 1) == 2000);
    CHECK(rate_due_count(0, 1e9, 1000000) == 1000001000ULL);
    /* Far ends: the count is bounded, not wrapped. */
    CHECK(rate_due_count(INT64_MIN, 1e9, INT64_MAX) == RATE_COUNT_MAX);
    CHECK(rate_due_count(0, 0.001, INT64_MAX) == 9223372037ULL);
    CHECK(rate_due_count(0, 0.001, 9000000000000000000LL) == 9000000001ULL);
    CHECK(rate_due_count(INT64_MAX - 5, 1.0, INT64_MAX) == 1);
}

/* --duration's count: rate x time, whole products not lost to binary
 * fractions. */
static void test_count_in(void)
{
    CHECK(rate_count_in_ms(4.1, 30000) == 123); /* 4.1 is below 4.1 in binary */
    CHECK(rate_count_in_ms(2.3, 3600000) == 8280);
    CHECK(rate_count_in_ms(8.2, 60000) == 492);
    CHECK(rate_count_in_ms(3280.0 / (8 * 100), 30000) == 123); /* 3280bit, 100 B */
    CHECK(rate_count_in_ms(4.1, 1000) == 4);                    /* a fraction: down */
    CHECK(rate_count_in_ms(0.001, 999999) == 0);
    CHECK(rate_count_in_ms(0.001, 1000000) == 1);
    CHECK(rate_count_in_ms(1e9, 2147483647) == 2147483647000000ULL);
    CHECK(rate_count_in_ms(0.0, 1000) == 0);
    CHECK(rate_count_in_ms(NAN, 1000) == 0);
    CHECK(rate_count_in_ms(1000.0, 0) == 0);
    /* Every m/10, m/100, m/1000 per second for an hour: the exact count. */
    int wrong = 0;
    for (int scale = 10; scale <= 1000; scale *= 10)
        for (long m = 1; m < 5000; m++)
            if (rate_count_in_ms((double)m / scale, 3600000) != (uint64_t)(m * 3600 / scale))
                wrong++;
    CHECK(wrong == 0);
}

/* ---- bounded catch-up */

/* "kept" or "moved <start> behind <us> skipped <n>": what a move_on
 * function did (m filled with -1 and 12345 before the call, start_us the
 * start before it, start after it). */
static const char *move_text(bool moved, int64_t start_us, int64_t start, const rate_move *m)
{
    if (!moved)
        snprintf(result, sizeof result, "kept%s%s", start == start_us ? "" : " (start changed)",
                 m->behind_us == -1 && m->skipped == 12345 ? "" : " (move filled)");
    else
        snprintf(result, sizeof result, "moved %lld behind %lld skipped %llu",
                 (long long)start, (long long)m->behind_us, (unsigned long long)m->skipped);
    return result;
}

/* "kept" or "moved <start> behind <us> skipped <n>", from rate_move_on. */
static const char *move_on_of(int64_t start_us, double msgs_per_s, uint64_t sent,
                              uint64_t total, int64_t now_us)
{
    rate_move m = {-1, 12345};
    int64_t start = start_us;
    bool moved = rate_move_on(&start, msgs_per_s, sent, total, now_us, &m);
    return move_text(moved, start_us, start, &m);
}

/* Without an end (-n 0). */
static const char *move_on(int64_t start_us, double msgs_per_s, uint64_t sent, int64_t now_us)
{
    return move_on_of(start_us, msgs_per_s, sent, 0, now_us);
}

static void test_move_on(void)
{
    const int64_t s = 5000000; /* the schedule's start, at 5 s */
    /* 1000/s, 200 sent (message 200 due at 5.2 s). On time, early, and
     * behind by up to RATE_CATCH_UP_US: caught up at once. */
    CHECK_STR(move_on(s, 1000.0, 200, 5200000), "kept");
    CHECK_STR(move_on(s, 1000.0, 200, 5100000), "kept");
    CHECK_STR(move_on(s, 1000.0, 200, 5250000), "kept");
    CHECK_STR(move_on(s, 1000.0, 200, 5300000), "kept");
    /* Beyond it the start moves on by as much as it is behind, message
     * 200 is due now and the 100 more that fell due are skipped ahead of. */
    CHECK_STR(move_on(s, 1000.0, 200, 5300001), "moved 5100001 behind 100001 skipped 100");
    /* A stall of 1.5 s: 1500 messages. */
    CHECK_STR(move_on(s, 1000.0, 200, 6700000), "moved 6500000 behind 1500000 skipped 1500");
    /* 60 s stopped at 100k/s: 6 M messages not sent in one burst. */
    CHECK_STR(move_on(0, 100000.0, 0, 60000000), "moved 60000000 behind 60000000 skipped 6000000");
    /* 10^9/s: a thousand fall due each microsecond. */
    CHECK_STR(move_on(0, 1e9, 0, 1000000), "moved 1000000 behind 1000000 skipped 1000000000");
    /* A slow rate: only the next one due, however late, is no burst; the
     * schedule keeps its place. */
    CHECK_STR(move_on(s, 1.0, 1, s + 1500000), "kept");
    CHECK_STR(move_on(s, 1.0, 1, s + 1999999), "kept");
    CHECK_STR(move_on(s, 1.0, 1, s + 2000000), "moved 6000000 behind 1000000 skipped 1");
    CHECK_STR(move_on(s, 3.0, 0, s + 333333), "moved 5333333 behind 333333 skipped 1");
    /* Nothing to move: a rate that is not usable, a count at its end. */
    CHECK_STR(move_on(s, 0.0, 0, s + 60000000), "kept");
    CHECK_STR(move_on(s, NAN, 0, s + 60000000), "kept");
    CHECK_STR(move_on(s, INFINITY, 0, s + 60000000), "kept");
    CHECK_STR(move_on(s, 1000.0, RATE_COUNT_MAX, INT64_MAX), "kept");
    /* With an end: moved while more than the last one is left (the lag
     * counted in the schedule's messages, as without one); the last one
     * alone is no burst, however late. */
    CHECK_STR(move_on_of(s, 1000.0, 200, 500, 6700000), "moved 6500000 behind 1500000 skipped 1500");
    CHECK_STR(move_on_of(s, 1000.0, 498, 500, 6700000), "moved 6202000 behind 1202000 skipped 1202");
    CHECK_STR(move_on_of(s, 1000.0, 499, 500, 6700000), "kept");
    CHECK_STR(move_on_of(s, 1000.0, 499, 1, 6700000), "kept");
    /* Far ends: no overflow. */
    CHECK_STR(move_on(INT64_MIN, 1.0, 0, INT64_MIN + 2000000),
              "moved -9223372036852775808 behind 2000000 skipped 2");

    /* At every rate and lag: moved exactly when the next message is more
     * than RATE_CATCH_UP_US late and the one after it is due; then the
     * next one is due now, behind is how late it was, and skipped is the
     * count due before less the count due after. */
    static const double rates[] = {0.5, 3.0, 7.5, 10.0, 1000.0, 33333.333333333336, 1.5e6, 1e9};
    static const int64_t lags[] = {-5, 0, 1, 99999, 100000, 100001, 133333, 250000, 1000000,
                                   1500000, 60000000};
    int wrong = 0;
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        for (uint64_t sent = 0; sent < 5000; sent += 37) {
            for (size_t l = 0; l < sizeof lags / sizeof lags[0]; l++) {
                int64_t due = rate_due_us(s, rates[r], sent);
                int64_t now = due + lags[l];
                bool want = lags[l] > RATE_CATCH_UP_US &&
                            rate_due_us(s, rates[r], sent + 1) <= now;
                int64_t start = s;
                rate_move m;
                bool moved = rate_move_on(&start, rates[r], sent, 0, now, &m);
                bool ok = moved == want;
                if (ok && moved)
                    ok = start == s + lags[l] && m.behind_us == lags[l] &&
                         rate_due_us(start, rates[r], sent) == now &&
                         m.skipped == rate_due_count(s, rates[r], now) -
                                          rate_due_count(start, rates[r], now) &&
                         m.skipped >= 1;
                if (ok && !moved)
                    ok = start == s;
                if (!ok && wrong++ < 5)
                    fprintf(stderr, "rate %g sent %llu lag %lld: moved %d start %lld\n",
                            rates[r], (unsigned long long)sent, (long long)lags[l], moved,
                            (long long)(start - s));
            }
        }
    }
    CHECK(wrong == 0);
}

/* "kept" or "moved <start> behind <us> skipped <n>", from
 * rate_move_on_spaced. */
static const char *move_on_spaced_of(int64_t start_us, int64_t spacing_us, uint64_t next,
                                     uint64_t total, uint64_t per_item, int64_t now_us)
{
    rate_move m = {-1, 12345};
    int64_t start = start_us;
    bool moved = rate_move_on_spaced(&start, spacing_us, next, total, per_item, now_us, &m);
    return move_text(moved, start_us, start, &m);
}

/* Without an end (-n 0). */
static const char *move_on_spaced(int64_t start_us, int64_t spacing_us, uint64_t next,
                                  uint64_t per_item, int64_t now_us)
{
    return move_on_spaced_of(start_us, spacing_us, next, 0, per_item, now_us);
}

static void test_move_on_spaced(void)
{
    /* -p 100 -b 10: burst 3 due at 300 ms. A burst late by up to 100 ms
     * is caught up; by more, with burst 4 due too, the schedule moves. */
    CHECK_STR(move_on_spaced(0, 100000, 3, 10, 300000), "kept");
    CHECK_STR(move_on_spaced(0, 100000, 3, 10, 350000), "kept");
    CHECK_STR(move_on_spaced(0, 100000, 3, 10, 400000), "kept");
    CHECK_STR(move_on_spaced(0, 100000, 3, 10, 400001), "moved 100001 behind 100001 skipped 10");
    CHECK_STR(move_on_spaced(0, 100000, 3, 10, 1800000), "moved 1500000 behind 1500000 skipped 150");
    /* -p 1000: a burst 500 ms late is the only one due, no burst of
     * bursts; at 1.6 s late the next is due too. */
    CHECK_STR(move_on_spaced(0, 1000000, 1, 5, 1500000), "kept");
    CHECK_STR(move_on_spaced(0, 1000000, 1, 5, 1999999), "kept");
    CHECK_STR(move_on_spaced(0, 1000000, 1, 5, 2600000), "moved 1600000 behind 1600000 skipped 5");
    /* -p 1: hiccups of up to 100 ms are caught up, 100 bursts at once. */
    CHECK_STR(move_on_spaced(0, 1000, 10, 1, 110000), "kept");
    CHECK_STR(move_on_spaced(0, 1000, 10, 1, 110001), "moved 100001 behind 100001 skipped 100");
    /* -n 2 -p 100: burst 1, the last, 900 ms late (a queue full for 1 s)
     * is no burst of bursts; -n 3: it is. */
    CHECK_STR(move_on_spaced_of(0, 100000, 1, 2, 1, 1000000), "kept");
    CHECK_STR(move_on_spaced_of(0, 100000, 1, 3, 1, 1000000), "moved 900000 behind 900000 skipped 9");
    /* Not a schedule, or not started; sent ahead of it. */
    CHECK_STR(move_on_spaced(0, 0, 0, 1, 60000000), "kept");
    CHECK_STR(move_on_spaced(0, -1000, 0, 1, 60000000), "kept");
    CHECK_STR(move_on_spaced(60000000, 1000, 0, 1, 60000000), "kept");
    CHECK_STR(move_on_spaced(0, 1000, 70000, 1, 60000000), "kept");
    /* Far ends: no overflow, the count bounded. */
    CHECK_STR(move_on_spaced(INT64_MIN, 1, 0, 4, INT64_MAX),
              "moved 9223372036854775807 behind 9223372036854775807 skipped 18446744073709551615");
}

int main(void)
{
    test_parse_valid();
    test_parse_invalid();
    test_resolve();
    test_due();
    test_count_consistent();
    test_count_in();
    test_move_on();
    test_move_on_spaced();
    return check_report("test_rate");
}
