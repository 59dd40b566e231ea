/* test_jitter.c - RFC 3550 interarrival jitter and one-way delay: the
 * estimator step by step, clock offsets, negative delays, out-of-range
 * timestamps, delay periods and the text. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "jitter.h"

static char text[512];

static void test_empty_and_one(void)
{
    jitter j;
    jitter_init(&j);
    CHECK(jitter_value_us(&j) == 0.0 && jitter_delay_avg_us(&j) == 0.0);
    CHECK(!jitter_clocks_disagree(&j));
    CHECK(jitter_format(text, sizeof text, &j) == strlen("jitter: no timestamps"));
    CHECK_STR(text, "jitter: no timestamps");
    CHECK(jitter_add(&j, 1700000000000000LL, 1700000000000250LL));
    CHECK(j.count == 1 && jitter_value_us(&j) == 0.0);
    jitter_format(text, sizeof text, &j);
    CHECK_STR(text, "jitter 0.000 us, one-way delay min 250 avg 250.000 max 250 us");
}

/* Transit times alternating 100 and 200 us: |D| = 100 each time, so
 * J_n = 100 * (1 - (15/16)^(n-1)): 6.25, 12.109375, ... -> 100. */
static void test_estimator(void)
{
    jitter j;
    jitter_init(&j);
    int64_t send = 5000000;
    jitter_add(&j, send, send + 100);
    send += 1000;
    jitter_add(&j, send, send + 200);
    CHECK(jitter_value_us(&j) == 6.25);
    send += 1000;
    jitter_add(&j, send, send + 100);
    CHECK(jitter_value_us(&j) == 12.109375);
    for (int i = 0; i < 1000; i++) {
        send += 1000;
        jitter_add(&j, send, send + (i % 2 ? 100 : 200));
    }
    CHECK(jitter_value_us(&j) > 99.999 && jitter_value_us(&j) <= 100.0);
    /* (150400 us over 1003 pairs) */
    jitter_format(text, sizeof text, &j);
    CHECK_STR(text, "jitter 100.000 us, one-way delay min 100 avg 149.950 max 200 us");

    /* A steady transit gives none, whatever the clocks' offset; an offset
     * that makes every delay negative changes the delays, not J. */
    jitter a, b;
    jitter_init(&a);
    jitter_init(&b);
    for (int64_t i = 0; i < 100; i++) {
        int64_t transit = 300 + (i * 37) % 50;
        jitter_add(&a, i * 1000, i * 1000 + transit);
        jitter_add(&b, i * 1000 + 1000000, i * 1000 + transit);
    }
    CHECK(a.jitter_us == b.jitter_us && a.jitter_us > 0.0);
    CHECK(!jitter_clocks_disagree(&a) && jitter_clocks_disagree(&b));
    CHECK(b.negative == 100);
    CHECK(a.delay_min_us == 300 && b.delay_min_us == 300 - 1000000);
    jitter steady;
    jitter_init(&steady);
    for (int64_t i = 0; i < 100; i++)
        jitter_add(&steady, i * 977 - 123456789, i * 977 + 5);
    CHECK(jitter_value_us(&steady) == 0.0);
}

/* Transit times spread evenly over 4 ms (as netem's "delay 10ms 2ms"
 * would, roughly): E|D| of two independent ones is a third of the width,
 * 1333 us; the estimator settles near it. */
static void test_spread(void)
{
    jitter j;
    jitter_init(&j);
    uint64_t x = 88172645463325252ULL;
    double sum = 0.0;
    int n = 0;
    for (int64_t i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t transit = 8000 + (int64_t)(x % 4001);
        jitter_add(&j, i * 100, i * 100 + transit);
        if (i >= 1000) {
            sum += jitter_value_us(&j);
            n++;
        }
    }
    double mean_j = sum / n;
    CHECK(mean_j > 1300.0 && mean_j < 1366.0);
    CHECK(j.delay_min_us >= 8000 && j.delay_max_us <= 12000);
    CHECK(jitter_delay_avg_us(&j) > 9980.0 && jitter_delay_avg_us(&j) < 10020.0);
}

static void test_negative_text(void)
{
    jitter j;
    jitter_init(&j);
    /* The smallest negative delay counts; zero does not. */
    jitter_add(&j, 500, 500);
    CHECK(!jitter_clocks_disagree(&j));
    jitter_add(&j, 600, 599);
    CHECK(j.negative == 1 && jitter_clocks_disagree(&j));
    jitter_init(&j);
    jitter_add(&j, 1000, 900);
    jitter_add(&j, 2000, 2100);
    CHECK(j.negative == 1 && jitter_clocks_disagree(&j));
    jitter_format(text, sizeof text, &j);
    CHECK_STR(text, "jitter 12.500 us, one-way delay min -100 avg 0.000 max 100 us (negative: the clocks disagree)");
    /* A new period: the delays start again, the jitter goes on. */
    jitter_delay_restart(&j);
    CHECK(!jitter_clocks_disagree(&j) && j.delay_count == 0);
    jitter_format(text, sizeof text, &j);
    CHECK_STR(text, "jitter 12.500 us");
    jitter_add(&j, 3000, 3100);
    jitter_format(text, sizeof text, &j);
    CHECK_STR(text, "jitter 11.719 us, one-way delay min 100 avg 100.000 max 100 us");
    /* Cut text: the whole length, what fits terminated. */
    char small[8];
    CHECK(jitter_format(small, sizeof small, &j) == strlen(text));
    CHECK_STR(small, "jitter ");
}

/* Timestamps whose difference leaves +-2^62 (or int64_t) are refused,
 * and leave everything as it was. */
static void test_range(void)
{
    const int64_t limit = (int64_t)1 << 62;
    jitter j;
    jitter_init(&j);
    CHECK(jitter_add(&j, 0, limit));
    CHECK(jitter_add(&j, 0, -limit));
    CHECK(j.negative == 1);
    CHECK(jitter_value_us(&j) == (double)limit * 2 / 16);
    jitter before = j;
    CHECK(!jitter_add(&j, 0, limit + 1));
    CHECK(!jitter_add(&j, 1, -limit));
    CHECK(!jitter_add(&j, INT64_MIN, INT64_MAX));
    CHECK(!jitter_add(&j, INT64_MAX, INT64_MIN));
    CHECK(!jitter_add(&j, 1, INT64_MIN));
    CHECK(!jitter_add(&j, -1, INT64_MAX));
    CHECK(j.refused == 6);
    j.refused = 0;
    CHECK(memcmp(&before, &j, sizeof j) == 0);
    CHECK(jitter_add(&j, INT64_MAX, INT64_MAX));
    CHECK(jitter_add(&j, INT64_MIN, INT64_MIN));
    CHECK(j.delay_max_us == limit && j.delay_min_us == -limit);
}

int main(void)
{
    test_empty_and_one();
    test_estimator();
    test_spread();
    test_negative_text();
    test_range();
    return check_report("test_jitter");
}
