/* test_latency.c - RTT statistics: the old summary line, nearest-rank
 * percentiles, the histogram, storage limits and text cutting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "latency.h"

static char text[8192];

static void test_empty(void)
{
    uint32_t store[4];
    latency l;
    latency_init(&l, store, 4);
    CHECK(latency_mean_us(&l) == 0.0);
    CHECK(latency_stddev_us(&l) == 0.0);
    CHECK(latency_percentile(&l, 500000) == 0);
    CHECK(latency_format_summary(text, sizeof text, &l) == 14);
    CHECK_STR(text, "no RTT samples");
    latency_format_percentiles(text, sizeof text, &l);
    CHECK_STR(text, "no RTT samples");
    CHECK(latency_format_histogram(text, sizeof text, &l, 40) == 0);
    CHECK_STR(text, "");
}

static void test_one_sample(void)
{
    uint32_t store[4];
    latency l;
    latency_init(&l, store, 4);
    CHECK(latency_add(&l, 7));
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 7.000000 us, std dev 0.000000, min RTT 7 us, max RTT 7 us");
    latency_format_percentiles(text, sizeof text, &l);
    CHECK_STR(text, "RTT percentiles: p50 7 us, p90 7 us, p99 7 us, p99.9 7 us, max 7 us");
    latency_format_histogram(text, sizeof text, &l, 10);
    CHECK_STR(text, "         5 -         10 us          1 100.00% ##########\n");
}

/* 1..1000 in a scrambled order: mean 500.5, population std dev
 * sqrt((n^2 - 1) / 12) = 288.674990 (the sample one would be 288.819436),
 * nearest ranks 500, 900, 990, 999, 1000. */
static void test_thousand(void)
{
    static uint32_t store[1000];
    latency l;
    latency_init(&l, store, 1000);
    for (uint32_t i = 0; i < 1000; i++)
        CHECK(latency_add(&l, (i * 367u) % 1000u + 1u));
    size_t n;
    const uint32_t *raw = latency_samples(&l, &n);
    CHECK(n == 1000 && raw[0] == 1 && raw[1] == 368 && raw[2] == 735);
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 500.500000 us, std dev 288.674990, min RTT 1 us, max RTT 1000 us");
    CHECK(latency_percentile(&l, 500000) == 500);
    CHECK(latency_percentile(&l, 900000) == 900);
    CHECK(latency_percentile(&l, 990000) == 990);
    CHECK(latency_percentile(&l, 999000) == 999);
    CHECK(latency_percentile(&l, 1000000) == 1000);
    CHECK(latency_percentile(&l, 1) == 1);
    CHECK(latency_percentile(&l, 0) == 1);
    CHECK(latency_percentile(&l, 2000000) == 1000);
    latency_format_percentiles(text, sizeof text, &l);
    CHECK_STR(text, "RTT percentiles: p50 500 us, p90 900 us, p99 990 us, p99.9 999 us, max 1000 us");
    /* Asking sorted them in place. */
    raw = latency_samples(&l, &n);
    CHECK(raw[0] == 1 && raw[999] == 1000 && raw[499] == 500);
    /* An add after the sort is taken into the next percentile. */
    static uint32_t store2[1001];
    memcpy(store2, store, sizeof store);
    latency l2 = l;
    l2.samples_us = store2;
    l2.capacity = 1001;
    CHECK(latency_add(&l2, 0));
    CHECK(latency_percentile(&l2, 1) == 0);
    CHECK(latency_percentile(&l2, 500000) == 500); /* rank ceil(500.5) = 501 */
}

/* Nearest rank on small sets: rank ceil(p * n), never interpolated. */
static void test_small_ranks(void)
{
    uint32_t store[10];
    latency l;
    latency_init(&l, store, 10);
    for (uint32_t v = 100; v >= 10; v -= 10)
        latency_add(&l, v);
    CHECK(latency_percentile(&l, 500000) == 50);
    CHECK(latency_percentile(&l, 900000) == 90);
    CHECK(latency_percentile(&l, 900001) == 100);
    CHECK(latency_percentile(&l, 990000) == 100);
    CHECK(latency_percentile(&l, 100000) == 10);
    CHECK(latency_percentile(&l, 100001) == 20);

    latency_init(&l, store, 3);
    latency_add(&l, 30);
    latency_add(&l, 10);
    latency_add(&l, 20);
    CHECK(latency_percentile(&l, 500000) == 20);   /* rank 2 of 3 */
    CHECK(latency_percentile(&l, 333333) == 10);   /* rank 1 */
    CHECK(latency_percentile(&l, 333334) == 20);   /* rank 2 */
    /* Population std dev of 10, 20, 30: sqrt(200 / 3) = 8.164966. */
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 20.000000 us, std dev 8.164966, min RTT 10 us, max RTT 30 us");
}

/* Beyond the storage: the running figures take every sample, the
 * percentiles only the stored ones, and say so. (The figures expected are
 * those of Python's statistics.pstdev.) */
static void test_capacity(void)
{
    uint32_t store[4];
    latency l;
    latency_init(&l, store, 4);
    CHECK(latency_add(&l, 40));
    CHECK(latency_add(&l, 10));
    CHECK(latency_add(&l, 30));
    CHECK(latency_add(&l, 20));
    CHECK(!latency_add(&l, 5));
    CHECK(!latency_add(&l, 1000));
    CHECK(l.count == 6 && l.stored == 4);
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 184.166667 us, std dev 365.039001, min RTT 5 us, max RTT 1000 us");
    latency_format_percentiles(text, sizeof text, &l);
    CHECK_STR(text, "RTT percentiles: p50 20 us, p90 40 us, p99 40 us, p99.9 40 us, max 40 us (of the first 4 of 6 samples)");
    latency_format_histogram(text, sizeof text, &l, 4);
    CHECK_STR(text,
              "         5 -         10 us          1  16.67% #\n"
              "        10 -         20 us          1  16.67% #\n"
              "        20 -         50 us          3  50.00% ####\n"
              "      1000 -       2000 us          1  16.67% #\n");

    /* No storage: figures only. */
    latency_init(&l, NULL, 100);
    CHECK(!latency_add(&l, 3));
    CHECK(l.count == 1 && l.stored == 0 && l.capacity == 0);
    latency_format_percentiles(text, sizeof text, &l);
    CHECK_STR(text, "RTT percentiles: none (0 of 1 samples stored)");
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 3.000000 us, std dev 0.000000, min RTT 3 us, max RTT 3 us");
}

/* The extremes of a 32-bit microsecond count, and a long run of large,
 * close values where a naive sum of squares would lose the spread. */
static void test_extremes(void)
{
    uint32_t store[2];
    latency l;
    latency_init(&l, store, 2);
    latency_add(&l, 0);
    latency_add(&l, UINT32_MAX);
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 2147483647.500000 us, std dev 2147483647.500000, min RTT 0 us, max RTT 4294967295 us");
    latency_format_histogram(text, sizeof text, &l, 3);
    CHECK_STR(text,
              "         0 -          1 us          1  50.00% ###\n"
              "2000000000 - 4294967296 us          1  50.00% ###\n");

    latency_init(&l, NULL, 0);
    for (int i = 0; i < 1000000; i++)
        latency_add(&l, 1000000000u + (uint32_t)(i & 1));
    latency_format_summary(text, sizeof text, &l);
    CHECK_STR(text, "avg RTT 1000000000.500000 us, std dev 0.500000, min RTT 1000000000 us, max RTT 1000000001 us");
}

/* Every edge: a value below it in the bucket before, the edge itself in
 * the bucket it starts; each value inside its bucket's bounds. */
static void test_buckets(void)
{
    CHECK(latency_bucket_of(0) == 0);
    CHECK(latency_bucket_lower_us(0) == 0 && latency_bucket_upper_us(0) == 1);
    CHECK(latency_bucket_upper_us(LATENCY_BUCKETS - 1) == 4294967296ULL);
    CHECK(latency_bucket_lower_us(LATENCY_BUCKETS - 1) == 2000000000ULL);
    CHECK(latency_bucket_of(UINT32_MAX) == LATENCY_BUCKETS - 1);
    static const uint32_t steps[3] = {1, 2, 5};
    int bucket = 1;
    for (uint64_t decade = 1; decade <= 1000000000ULL; decade *= 10) {
        for (int k = 0; k < 3; k++) {
            uint64_t edge = steps[k] * decade;
            if (edge > UINT32_MAX)
                break;
            CHECK(latency_bucket_of((uint32_t)edge) == bucket);
            CHECK(latency_bucket_of((uint32_t)edge - 1) == bucket - 1);
            CHECK(latency_bucket_lower_us(bucket) == edge);
            CHECK(latency_bucket_upper_us(bucket - 1) == edge);
            bucket++;
        }
    }
    CHECK(bucket == LATENCY_BUCKETS);
    for (uint32_t v = 0; v < 3000000; v += 7) {
        int b = latency_bucket_of(v);
        CHECK(latency_bucket_lower_us(b) <= v && v < latency_bucket_upper_us(b));
    }
}

static void test_histogram(void)
{
    latency l;
    latency_init(&l, NULL, 0);
    static const uint32_t v[] = {0, 1, 1, 3, 15, 15, 15, 15, 19, 999999, 1000000};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        latency_add(&l, v[i]);
    latency_format_histogram(text, sizeof text, &l, 10);
    CHECK_STR(text,
              "         0 -          1 us          1   9.09% ##\n"
              "         1 -          2 us          2  18.18% ####\n"
              "         2 -          5 us          1   9.09% ##\n"
              "        10 -         20 us          5  45.45% ##########\n"
              "    500000 -    1000000 us          1   9.09% ##\n"
              "   1000000 -    2000000 us          1   9.09% ##\n");
    /* A bar never vanishes: one among a million still gets its '#'. */
    latency_init(&l, NULL, 0);
    for (int i = 0; i < 1000000; i++)
        latency_add(&l, 10);
    latency_add(&l, 100);
    latency_format_histogram(text, sizeof text, &l, 200);
    CHECK(strstr(text, "       100 -        200 us          1   0.00% #\n") != NULL);
    /* Widths outside 1..LATENCY_BAR_MAX are taken as the nearest end. */
    size_t wide = latency_format_histogram(NULL, 0, &l, 100000);
    size_t max = latency_format_histogram(NULL, 0, &l, LATENCY_BAR_MAX);
    CHECK(wide == max);
    CHECK(latency_format_histogram(NULL, 0, &l, -5) ==
          latency_format_histogram(NULL, 0, &l, 1));
}

static void test_sample_line(void)
{
    latency_format_sample(text, sizeof text, 0, 17);
    CHECK_STR(text, "0.000000 17");
    latency_format_sample(text, sizeof text, 1234567, 5);
    CHECK_STR(text, "1.234567 5");
    latency_format_sample(text, sizeof text, 86400000001ULL, UINT32_MAX);
    CHECK_STR(text, "86400.000001 4294967295");
}

/* Cut text: the whole length is returned, what fits is NUL-terminated. */
static void test_cut(void)
{
    latency l;
    latency_init(&l, NULL, 0);
    latency_add(&l, 7);
    const char *full = "avg RTT 7.000000 us, std dev 0.000000, min RTT 7 us, max RTT 7 us";
    char small[11];
    memset(small, 'x', sizeof small);
    CHECK(latency_format_summary(small, sizeof small, &l) == strlen(full));
    CHECK_STR(small, "avg RTT 7.");
    CHECK(latency_format_summary(NULL, 0, &l) == strlen(full));
    char one[1] = {'x'};
    CHECK(latency_format_summary(one, 1, &l) == strlen(full));
    CHECK(one[0] == '\0');
    char hist[30];
    size_t whole = latency_format_histogram(NULL, 0, &l, 5);
    CHECK(latency_format_histogram(hist, sizeof hist, &l, 5) == whole);
    CHECK(strlen(hist) == sizeof hist - 1);
}

int main(void)
{
    test_empty();
    test_one_sample();
    test_thousand();
    test_small_ranks();
    test_capacity();
    test_extremes();
    test_buckets();
    test_histogram();
    test_sample_line();
    test_cut();
    return check_report("test_latency");
}
