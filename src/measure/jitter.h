/* jitter.h - interarrival jitter (RFC 3550, section 6.4.1) and one-way
 * delay from (send time, arrival time) pairs, both in microseconds: the
 * send time from the sender's clock (carried in the message), the
 * arrival time from the receiver's.
 *
 * The transit time of a message is arrival - send. For two messages i, j
 * in arrival order, D(i,j) = transit_j - transit_i, and the jitter J is
 * updated with each message after the first:
 *     J += (|D(i-1,i)| - J) / 16
 * (the RFC's estimator in double precision, as in its appendix A.8). J
 * needs no clock agreement: an offset between the clocks cancels in D.
 *
 * The one-way delay is the transit time itself: its min/avg/max mean
 * something only when the two clocks agree (same host, or both kept by
 * PTP/NTP to well under the delay). A negative delay proves that they do
 * not; it is counted (`negative`) so the output can say so.
 *
 * A transit time beyond +-2^62 us (146 000 years: a garbled timestamp)
 * is refused and counted (`refused`), so no difference can overflow. */
#ifndef MTOOLS_JITTER_H
#define MTOOLS_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jitter {
    uint64_t count;   /* pairs taken */
    uint64_t refused; /* pairs whose transit time is out of range */
    int64_t last_transit_us;
    double jitter_us;
    /* One-way delay since init or jitter_delay_restart. */
    uint64_t delay_count;
    int64_t delay_min_us, delay_max_us;
    double delay_sum_us;
    uint64_t negative; /* delays below zero among them */
} jitter;

void jitter_init(jitter *j);
/* Takes one message's times. False when refused (out of range). */
bool jitter_add(jitter *j, int64_t send_us, int64_t arrival_us);
/* Starts a new period for the delay figures (an interval); the jitter
 * estimate goes on. */
void jitter_delay_restart(jitter *j);

double jitter_value_us(const jitter *j);     /* 0 before two pairs */
double jitter_delay_avg_us(const jitter *j); /* 0 with no pair */
/* A delay below zero was seen since the last restart. */
bool jitter_clocks_disagree(const jitter *j);

/* Writes like snprintf (textbuf.h), no newline:
 *   "jitter 12.345 us, one-way delay min 100 avg 150.500 max 300 us"
 * followed by " (negative: the clocks disagree)" when a delay was below
 * zero; with no pair: "jitter: no timestamps". The jitter is the running
 * estimate, the delays those since the last restart (left out when no
 * pair came since). */
size_t jitter_format(char *buf, size_t cap, const jitter *j);

#endif
