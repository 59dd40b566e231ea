/* latency.h - round-trip time statistics for mpong: the old tool's summary
 * line, percentiles and a log-scaled text histogram. Socket-free and
 * clock-free: the caller measures, this module counts and formats.
 *
 * Samples are whole microseconds (uint32_t: up to 4294967295 us, about
 * 71 minutes, far beyond any bounded wait). The caller gives the storage
 * for them at init; nothing is allocated here.
 *
 * Beyond the storage's capacity a sample still counts in the count, mean,
 * standard deviation, min, max and histogram, but is not stored: the
 * percentiles are then those of the first `capacity` samples, and
 * latency_format_percentiles says so in its line.
 *
 * Definitions:
 * - mean and standard deviation as the old mpong printed them: the
 *   population standard deviation (the sum of squared differences from the
 *   mean divided by n, not n - 1), which is what its "std dev" was. It
 *   computed in single precision, so its last printed digits were noise
 *   (a mean of 21.669 printed as 21.669001); this one computes in double,
 *   the mean from the exact integer sum and the variance by Welford's
 *   running update (stable over long runs): same formula, same format.
 * - percentiles by the nearest-rank method: the p-th percentile of n sorted
 *   samples is the sample of rank ceil(p/100 * n) (1-based, at least 1), so
 *   it is always a measured value; p100 is the max. Ranks are computed in
 *   integers (parts per million), so p99.9 of 1000 samples is exactly the
 *   999th.
 * - histogram buckets in microseconds with edges 1, 2, 5 per decade:
 *   [0,1) [1,2) [2,5) [5,10) [10,20) ... [1e9,2e9) [2e9,2^32), a sample
 *   falling in the bucket whose lower edge <= it < upper edge. */
#ifndef MTOOLS_LATENCY_H
#define MTOOLS_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { LATENCY_BUCKETS = 30, LATENCY_BAR_MAX = 200 };

typedef struct latency {
    uint32_t *samples_us; /* caller's storage, arrival order until sorted */
    size_t capacity;
    size_t stored;  /* samples in samples_us: min(count, capacity) */
    uint64_t count; /* every sample added */
    bool sorted;    /* samples_us[0..stored) is in ascending order */
    uint64_t sum_us;
    double mean_us; /* Welford's running mean and sum of squared */
    double m2;      /* differences from it */
    uint32_t min_us, max_us;
    uint64_t bucket_count[LATENCY_BUCKETS];
} latency;

/* Starts empty, storing up to `capacity` samples in `storage` (which may
 * be NULL when capacity is 0: then only the running figures are kept). */
void latency_init(latency *l, uint32_t *storage, size_t capacity);

/* Adds one RTT. Returns false when the sample counted but could not be
 * stored (the storage is full). Constant time. */
bool latency_add(latency *l, uint32_t rtt_us);

/* The stored samples, in the order they were added until a percentile is
 * asked for (which sorts them in place): read them first for raw output. */
const uint32_t *latency_samples(const latency *l, size_t *stored);

double latency_mean_us(const latency *l);   /* 0 when empty */
double latency_stddev_us(const latency *l); /* population; 0 when empty */

/* The nearest-rank percentile of the stored samples, `ppm` in parts per
 * million (500000 = p50, 999000 = p99.9, 1000000 = max). Sorts the stored
 * samples on the first call after an add. 0 when none is stored. */
uint32_t latency_percentile(latency *l, uint32_t ppm);

/* The histogram's buckets: lower edge (inclusive) and upper edge
 * (exclusive; 4294967296 for the last) in microseconds. */
uint64_t latency_bucket_lower_us(int bucket);
uint64_t latency_bucket_upper_us(int bucket);
int latency_bucket_of(uint32_t rtt_us);

/* The text functions write like snprintf (textbuf.h): at most cap bytes,
 * always NUL-terminated when cap > 0, buf may be NULL with cap 0; they
 * return the length of the whole text (without the NUL), so a result >=
 * cap means it was cut. No trailing newline unless said. */

/* The old mpong's final line:
 * "avg RTT 21.669001 us, std dev 103.967331, min RTT 7 us, max RTT 1614 us"
 * (avg and std dev as C's "%f"). With no sample: "no RTT samples". */
size_t latency_format_summary(char *buf, size_t cap, const latency *l);

/* One -v sample line of the old mpong: the send time since the first
 * measured cycle's as seconds with 6 decimals, then the RTT in whole
 * microseconds: "0.000123 17". */
size_t latency_format_sample(char *buf, size_t cap, uint64_t since_first_us,
                             uint32_t rtt_us);

/* "RTT percentiles: p50 17 us, p90 20 us, p99 35 us, p99.9 120 us, max
 * 1614 us", followed by " (of the first N of M samples)" when some were
 * not stored. With no sample: "no RTT samples"; with none stored
 * (capacity 0): "RTT percentiles: none (0 of M samples stored)". Sorts
 * (see above). */
size_t latency_format_percentiles(char *buf, size_t cap, latency *l);

/* The histogram, one line per non-empty bucket, each ending in "\n":
 *   "      1000 -       2000 us       1234  45.67% ##########"
 * lower and upper edge (lower <= rtt < upper), the count, its share of
 * all samples and a bar of '#' up to bar_width long, scaled so the
 * fullest bucket has the full width and any non-empty one at least one
 * '#' (bar_width is taken within 1..LATENCY_BAR_MAX). Empty text when
 * there is no sample. */
size_t latency_format_histogram(char *buf, size_t cap, const latency *l,
                                int bar_width);

#endif
