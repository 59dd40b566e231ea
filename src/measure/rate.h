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
 * a sender sends the difference from what it has sent, in one batch. */
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

#endif
