/* jitter.c - RFC 3550 interarrival jitter and one-way delay figures. */
#include "jitter.h"

#include <inttypes.h>
#include <string.h>

#include "textbuf.h"

#define TRANSIT_LIMIT_US ((int64_t)1 << 62)

void jitter_init(jitter *j)
{
    memset(j, 0, sizeof *j);
}

void jitter_delay_restart(jitter *j)
{
    j->delay_count = 0;
    j->delay_min_us = 0;
    j->delay_max_us = 0;
    j->delay_sum_us = 0.0;
    j->negative = 0;
}

/* arrival - send, false when it is beyond +-2^62 (or beyond int64_t,
 * which is checked first so the subtraction cannot overflow). */
static bool transit_of(int64_t send_us, int64_t arrival_us, int64_t *out)
{
    if (send_us > 0 && arrival_us < INT64_MIN + send_us)
        return false;
    if (send_us < 0 && arrival_us > INT64_MAX + send_us)
        return false;
    int64_t t = arrival_us - send_us;
    if (t > TRANSIT_LIMIT_US || t < -TRANSIT_LIMIT_US)
        return false;
    *out = t;
    return true;
}

bool jitter_add(jitter *j, int64_t send_us, int64_t arrival_us)
{
    int64_t transit;
    if (!transit_of(send_us, arrival_us, &transit)) {
        j->refused++;
        return false;
    }
    if (j->count > 0) {
        /* Both within +-2^62: the difference fits. */
        int64_t d = transit - j->last_transit_us;
        double magnitude = d < 0 ? -(double)d : (double)d;
        j->jitter_us += (magnitude - j->jitter_us) / 16.0;
    }
    j->last_transit_us = transit;
    j->count++;

    if (j->delay_count == 0 || transit < j->delay_min_us)
        j->delay_min_us = transit;
    if (j->delay_count == 0 || transit > j->delay_max_us)
        j->delay_max_us = transit;
    j->delay_count++;
    j->delay_sum_us += (double)transit;
    if (transit < 0)
        j->negative++;
    return true;
}

double jitter_value_us(const jitter *j)
{
    return j->jitter_us;
}

double jitter_delay_avg_us(const jitter *j)
{
    return j->delay_count ? j->delay_sum_us / (double)j->delay_count : 0.0;
}

bool jitter_clocks_disagree(const jitter *j)
{
    return j->negative > 0;
}

size_t jitter_format(char *buf, size_t cap, const jitter *j)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    if (j->count == 0) {
        textbuf_puts(&t, "jitter: no timestamps");
        return t.len;
    }
    textbuf_printf(&t, "jitter %.3f us", j->jitter_us);
    if (j->delay_count > 0)
        textbuf_printf(&t,
                       ", one-way delay min %" PRId64 " avg %.3f max %" PRId64
                       " us",
                       j->delay_min_us, jitter_delay_avg_us(j),
                       j->delay_max_us);
    if (j->negative > 0)
        textbuf_puts(&t, " (negative: the clocks disagree)");
    return t.len;
}
