/* latency.c - RTT statistics: running figures, nearest-rank percentiles,
 * a 1-2-5 histogram, and their texts. */
#include "latency.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

/* The histogram's edges: 1, 2, 5 times each power of ten that fits in
 * 32 bits (5e9 does not). */
static const uint32_t bucket_edges_us[LATENCY_BUCKETS - 1] = {
    1u,         2u,         5u,         10u,        20u,        50u,
    100u,       200u,       500u,       1000u,      2000u,      5000u,
    10000u,     20000u,     50000u,     100000u,    200000u,    500000u,
    1000000u,   2000000u,   5000000u,   10000000u,  20000000u,  50000000u,
    100000000u, 200000000u, 500000000u, 1000000000u, 2000000000u};

void latency_init(latency *l, uint32_t *storage, size_t capacity)
{
    memset(l, 0, sizeof *l);
    l->samples_us = storage;
    l->capacity = storage ? capacity : 0;
    l->sorted = true;
}

int latency_bucket_of(uint32_t rtt_us)
{
    /* Binary search for the number of edges <= rtt: that is the bucket. */
    int lo = 0, hi = LATENCY_BUCKETS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (bucket_edges_us[mid] <= rtt_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t latency_bucket_lower_us(int bucket)
{
    if (bucket <= 0)
        return 0;
    if (bucket >= LATENCY_BUCKETS)
        bucket = LATENCY_BUCKETS - 1;
    return bucket_edges_us[bucket - 1];
}

uint64_t latency_bucket_upper_us(int bucket)
{
    if (bucket < 0)
        bucket = 0;
    if (bucket >= LATENCY_BUCKETS - 1)
        return (uint64_t)UINT32_MAX + 1;
    return bucket_edges_us[bucket];
}

bool latency_add(latency *l, uint32_t rtt_us)
{
    l->count++;
    l->sum_us += rtt_us;
    if (l->count == 1 || rtt_us < l->min_us)
        l->min_us = rtt_us;
    if (l->count == 1 || rtt_us > l->max_us)
        l->max_us = rtt_us;
    double delta = (double)rtt_us - l->mean_us;
    l->mean_us += delta / (double)l->count;
    l->m2 += delta * ((double)rtt_us - l->mean_us);
    l->bucket_count[latency_bucket_of(rtt_us)]++;
    if (l->stored >= l->capacity)
        return false;
    l->samples_us[l->stored++] = rtt_us;
    l->sorted = false;
    return true;
}

const uint32_t *latency_samples(const latency *l, size_t *stored)
{
    *stored = l->stored;
    return l->samples_us;
}

double latency_mean_us(const latency *l)
{
    /* From the exact integer sum: one rounding only. */
    return l->count ? (double)l->sum_us / (double)l->count : 0.0;
}

double latency_stddev_us(const latency *l)
{
    if (l->count == 0)
        return 0.0;
    double variance = l->m2 / (double)l->count;
    return variance > 0.0 ? sqrt(variance) : 0.0;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

uint32_t latency_percentile(latency *l, uint32_t ppm)
{
    if (l->stored == 0)
        return 0;
    if (!l->sorted) {
        qsort(l->samples_us, l->stored, sizeof l->samples_us[0], compare_u32);
        l->sorted = true;
    }
    if (ppm > 1000000u)
        ppm = 1000000u;
    /* rank = ceil(ppm * n / 1e6); n < 2^64 / 1e6 for any storage there is. */
    uint64_t n = l->stored;
    uint64_t rank = (ppm * n + 999999u) / 1000000u;
    if (rank < 1)
        rank = 1;
    return l->samples_us[rank - 1];
}

size_t latency_format_summary(char *buf, size_t cap, const latency *l)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    if (l->count == 0)
        textbuf_puts(&t, "no RTT samples");
    else
        textbuf_printf(&t,
                       "avg RTT %f us, std dev %f, min RTT %" PRIu32
                       " us, max RTT %" PRIu32 " us",
                       latency_mean_us(l), latency_stddev_us(l), l->min_us,
                       l->max_us);
    return t.len;
}

size_t latency_format_sample(char *buf, size_t cap, uint64_t since_first_us,
                             uint32_t rtt_us)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    textbuf_printf(&t, "%" PRIu64 ".%06" PRIu64 " %" PRIu32,
                   since_first_us / 1000000u, since_first_us % 1000000u,
                   rtt_us);
    return t.len;
}

size_t latency_format_percentiles(char *buf, size_t cap, latency *l)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    if (l->count == 0) {
        textbuf_puts(&t, "no RTT samples");
        return t.len;
    }
    if (l->stored == 0) {
        textbuf_printf(&t, "RTT percentiles: none (0 of %" PRIu64
                       " samples stored)", l->count);
        return t.len;
    }
    textbuf_printf(&t,
                   "RTT percentiles: p50 %" PRIu32 " us, p90 %" PRIu32
                   " us, p99 %" PRIu32 " us, p99.9 %" PRIu32
                   " us, max %" PRIu32 " us",
                   latency_percentile(l, 500000u),
                   latency_percentile(l, 900000u),
                   latency_percentile(l, 990000u),
                   latency_percentile(l, 999000u),
                   latency_percentile(l, 1000000u));
    if ((uint64_t)l->stored < l->count)
        textbuf_printf(&t, " (of the first %zu of %" PRIu64 " samples)",
                       l->stored, l->count);
    return t.len;
}

size_t latency_format_histogram(char *buf, size_t cap, const latency *l,
                                int bar_width)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    if (bar_width < 1)
        bar_width = 1;
    if (bar_width > LATENCY_BAR_MAX)
        bar_width = LATENCY_BAR_MAX;
    uint64_t fullest = 0;
    for (int b = 0; b < LATENCY_BUCKETS; b++)
        if (l->bucket_count[b] > fullest)
            fullest = l->bucket_count[b];
    static const char hashes[LATENCY_BAR_MAX + 1] =
        "################################################################"
        "################################################################"
        "################################################################"
        "########";
    for (int b = 0; b < LATENCY_BUCKETS; b++) {
        uint64_t n = l->bucket_count[b];
        if (n == 0)
            continue;
        /* Rounded to the nearest '#', at least one for a non-empty bucket. */
        int bar = (int)((double)n / (double)fullest * bar_width + 0.5);
        if (bar < 1)
            bar = 1;
        textbuf_printf(&t,
                       "%10" PRIu64 " - %10" PRIu64 " us %10" PRIu64
                       " %6.2f%% %.*s\n",
                       latency_bucket_lower_us(b), latency_bucket_upper_us(b),
                       n, 100.0 * (double)n / (double)l->count, bar, hashes);
    }
    return t.len;
}
