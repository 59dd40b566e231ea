/* rate.h - a sending rate as given on the command line, and an absolute
 * pacing schedule.
 *
 * The text (checked strictly; an error names the option, the rule and
 * the input, in cli.h's style):
 *   messages per second:      a number with an optional SI multiplier,
 *                             "50000", "50k", "1.5M", "2G";
 *   payload bits per second:  the same followed by "bit" or "bps",
 *                             "200Mbit", "1Gbit", "10kbit", "1.5Mbps".
 * The number is decimal digits with an optional fraction ("1.5"; not
 * ".5", "5.", signs or exponents), at most 15 digits. Multipliers are
 * decimal (SI): k or K = 10^3, M = 10^6, G = 10^9; "m" is refused (it
 * would be milli), and so are bytes ("MB", "MBps", "byte"): the unit is
 * bits. Messages: 0.001 to 10^9 per second; bits: 1 to 10^12 per second.
 * Bits count the UDP payload only (no UDP/IP/Ethernet headers), so the
 * message rate is bits / (8 * payload bytes).
 *
 * The schedule is absolute: message k (from 0) is due at
 *     start + floor(k * 10^6 / msgs_per_s)  microseconds,
 * computed from k every time, never by adding intervals, so rounding
 * never accumulates into drift. At high rates several messages fall due
 * in one microsecond; rate_due_count says how many are due by a time, so
 * a sender sends the difference from what it has sent, in one batch.
 *
 * The catch-up is bounded (rate_move_on): a sender a little behind (a
 * scheduler's hiccup of a few ms) sends what is due at once and the
 * average rate holds; one more than RATE_CATCH_UP_US behind (stopped: a
 * VM paused, SIGSTOP, a laptop asleep, a TCP receiver that stopped
 * reading) moves the schedule's origin on to now instead, so that it
 * goes on at the rate, without a burst of everything that fell due
 * meanwhile. */
#ifndef MTOOLS_RATE_H
#define MTOOLS_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cli.h"

#define RATE_MSGS_MIN 0.001
#define RATE_MSGS_MAX 1e9
#define RATE_BITS_MIN 1.0
#define RATE_BITS_MAX 1e12
enum { RATE_DIGITS_MAX = 15 };

typedef enum { RATE_MESSAGES, RATE_BITS } rate_unit;

typedef struct rate {
    rate_unit unit;
    double value;     /* messages or payload bits per second */
    const char *text; /* as given (not copied: argv lives long enough) */
} rate;

/* Parses `text` for the option named `what` (e.g. "--rate"). */
bool rate_parse(const char *what, const char *text, rate *out,
                cli_error *err);

/* Messages per second for messages of payload_bytes (used only for a
 * rate in bits): false, with an error, when payload_bytes is 0 or the
 * result is outside RATE_MSGS_MIN..RATE_MSGS_MAX. */
bool rate_messages_per_second(const char *what, const rate *r,
                              size_t payload_bytes, double *msgs_per_s,
                              cli_error *err);

/* When message `index` is due, in microseconds on the caller's clock
 * (start_us is when message 0 is). INT64_MAX means never: a time beyond
 * it saturates there, and a rate that is not a positive finite number
 * gives it. */
int64_t rate_due_us(int64_t start_us, double msgs_per_s, uint64_t index);

/* How many messages are due by now_us: the n such that messages 0..n-1
 * are due at or before now_us and message n after it (exactly consistent
 * with rate_due_us; one due "never" is not due). 0 before start_us or for
 * a rate that is not a positive finite number; at most RATE_COUNT_MAX. */
#define RATE_COUNT_MAX ((uint64_t)1 << 62)
uint64_t rate_due_count(int64_t start_us, double msgs_per_s, int64_t now_us);

/* How many messages msgs_per_s sends in ms milliseconds (msend's
 * --duration): the product rounded down, where a product within a
 * billionth of a whole number is that number (4.1 is just under 4.1 in
 * binary, and 4.1 x 30 s is 123 messages, not 122). 0 for a rate that is
 * not a positive finite number or ms <= 0; at most RATE_COUNT_MAX. */
uint64_t rate_count_in_ms(double msgs_per_s, int64_t ms);

/* How far behind a schedule a sender may fall and still catch up at
 * once: 100 ms. Above any scheduler's hiccup (a time slice of a few ms,
 * Windows' 15.6 ms tick) and a busy machine's short waits, so these are
 * made up and the rate holds; at or below any real stall (a paused VM,
 * SIGSTOP, a receiver that stopped reading), whose catch-up would be a
 * burst of the sender's own making. It bounds that burst to 100 ms of
 * the schedule. It is the same whatever --interval is: the interval
 * only reports, and does not change what is sent. */
enum { RATE_CATCH_UP_US = 100000 };

/* A schedule moved on: how far behind it was, and how many messages it
 * moved on by (those due at the move that are not due in the moved
 * schedule: its lag in messages, counted as if it had no end). */
typedef struct rate_move {
    int64_t behind_us;
    uint64_t skipped;
} rate_move;

/* --rate's schedule from *start_us, `sent` messages of `total` sent (0:
 * no end), at now_us: when message `sent` was due more than
 * RATE_CATCH_UP_US ago and the one after it is due too (catching up
 * would send more than one at once; a last message alone is none),
 * moves *start_us on so that message `sent` is due at now_us (by
 * behind_us: now_us minus when it was due), fills *move and gives true.
 * Otherwise false, *start_us as it was (what is due is caught up at
 * once). False for a rate that is not a positive finite number. */
bool rate_move_on(int64_t *start_us, double msgs_per_s, uint64_t sent, uint64_t total,
                  int64_t now_us, rate_move *move);

/* The same for a schedule of items spacing_us apart (msend -p's bursts:
 * burst k due at *start_us + k * spacing_us), `next` the first not yet
 * sent of `total` (0: no end), each of per_item messages (skipped counts
 * messages). False when spacing_us <= 0. */
bool rate_move_on_spaced(int64_t *start_us, int64_t spacing_us, uint64_t next, uint64_t total,
                         uint64_t per_item, int64_t now_us, rate_move *move);

#endif
