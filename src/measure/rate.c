/* rate.c - parsing a rate strictly, and the absolute pacing schedule. */
#include "measure/rate.h"

#include <math.h>
#include <string.h>

/* Powers of ten, each exact as a double. */
static const double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                       1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
                                       1e18, 1e19, 1e20, 1e21, 1e22};

/* Errors show at most this much of the input. */
enum { SHOWN_MAX = 40 };

#define SHOWN_FMT "%s '%.*s%s'"
#define SHOWN_ARGS(what, text)                                               \
    (what), (int)(strlen(text) > SHOWN_MAX ? SHOWN_MAX : strlen(text)),      \
        (text), (strlen(text) > SHOWN_MAX ? "..." : "")

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool rate_parse(const char *what, const char *text, rate *out, cli_error *err)
{
    const char *p = text;
    uint64_t mantissa = 0;
    int digits = 0, fraction_digits = 0;
    bool form_ok = is_digit(*p);
    for (; is_digit(*p); p++, digits++)
        if (digits < RATE_DIGITS_MAX)
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    if (form_ok && *p == '.') {
        p++;
        form_ok = is_digit(*p);
        for (; is_digit(*p); p++, digits++, fraction_digits++)
            if (digits < RATE_DIGITS_MAX)
                mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    }
    int exponent = 0;
    if (form_ok) {
        switch (*p) {
        case 'k':
        case 'K':
            exponent = 3;
            p++;
            break;
        case 'M':
            exponent = 6;
            p++;
            break;
        case 'G':
            exponent = 9;
            p++;
            break;
        default:
            break;
        }
    }
    rate_unit unit = RATE_MESSAGES;
    if (form_ok && *p != '\0') {
        if (strcmp(p, "bit") == 0 || strcmp(p, "bps") == 0) {
            unit = RATE_BITS;
        } else if (strchr(p, 'B') || strstr(p, "byte")) {
            cli_fail(err,
                     SHOWN_FMT ": give bits per second (\"Mbit\" or "
                     "\"Mbps\"), not bytes",
                     SHOWN_ARGS(what, text));
            return false;
        } else if (*p == 'm') {
            cli_fail(err,
                     SHOWN_FMT ": 'm' would mean milli; the multipliers are "
                     "k, M and G",
                     SHOWN_ARGS(what, text));
            return false;
        } else {
            form_ok = false;
        }
    }
    if (!form_ok) {
        cli_fail(err,
                 SHOWN_FMT ": must be messages per second (\"50000\", "
                 "\"50k\", \"1.5M\") or payload bits per second "
                 "(\"200Mbit\", \"1Gbps\")",
                 SHOWN_ARGS(what, text));
        return false;
    }
    if (digits > RATE_DIGITS_MAX) {
        cli_fail(err, SHOWN_FMT ": too many digits, at most %d",
                 SHOWN_ARGS(what, text), RATE_DIGITS_MAX);
        return false;
    }
    /* One rounding: the mantissa times an exact power of ten. */
    double value = exponent >= fraction_digits
                       ? (double)mantissa *
                             powers_of_ten[exponent - fraction_digits]
                       : (double)mantissa /
                             powers_of_ten[fraction_digits - exponent];
    if (unit == RATE_MESSAGES &&
        (value < RATE_MSGS_MIN || value > RATE_MSGS_MAX)) {
        cli_fail(err,
                 SHOWN_FMT ": out of range, must be from 0.001 to "
                 "1000000000 messages per second",
                 SHOWN_ARGS(what, text));
        return false;
    }
    if (unit == RATE_BITS && (value < RATE_BITS_MIN || value > RATE_BITS_MAX)) {
        cli_fail(err,
                 SHOWN_FMT ": out of range, must be from 1 to 1000000000000 "
                 "payload bits per second (1bit to 1000Gbit)",
                 SHOWN_ARGS(what, text));
        return false;
    }
    out->unit = unit;
    out->value = value;
    out->text = text;
    return true;
}

bool rate_messages_per_second(const char *what, const rate *r,
                              size_t payload_bytes, double *msgs_per_s,
                              cli_error *err)
{
    if (r->unit == RATE_MESSAGES) {
        *msgs_per_s = r->value;
        return true;
    }
    if (payload_bytes == 0) {
        cli_fail(err,
                 SHOWN_FMT ": a rate in bits needs messages of at least one "
                 "byte",
                 SHOWN_ARGS(what, r->text));
        return false;
    }
    double msgs = r->value / (8.0 * (double)payload_bytes);
    if (msgs < RATE_MSGS_MIN || msgs > RATE_MSGS_MAX) {
        cli_fail(err,
                 SHOWN_FMT ": with %zu-byte messages that is %g messages per "
                 "second, must be from 0.001 to 1000000000",
                 SHOWN_ARGS(what, r->text), payload_bytes, msgs);
        return false;
    }
    *msgs_per_s = msgs;
    return true;
}

static bool usable_rate(double msgs_per_s)
{
    return msgs_per_s > 0.0 && isfinite(msgs_per_s);
}

int64_t rate_due_us(int64_t start_us, double msgs_per_s, uint64_t index)
{
    if (!usable_rate(msgs_per_s))
        return INT64_MAX;
    double offset = floor((double)index * 1e6 / msgs_per_s);
    /* 2^63 as a double: at or above it nothing fits. */
    if (offset >= 9223372036854775808.0)
        return INT64_MAX;
    int64_t after = (int64_t)offset;
    if (start_us > 0 && after > INT64_MAX - start_us)
        return INT64_MAX;
    return start_us + after;
}

/* INT64_MAX is "never", even at now_us = INT64_MAX. */
static bool is_due(int64_t start_us, double msgs_per_s, uint64_t index,
                   int64_t now_us)
{
    int64_t due = rate_due_us(start_us, msgs_per_s, index);
    return due != INT64_MAX && due <= now_us;
}

uint64_t rate_due_count(int64_t start_us, double msgs_per_s, int64_t now_us)
{
    if (!usable_rate(msgs_per_s) || now_us < start_us)
        return 0;
    /* An estimate, then set right against rate_due_us itself: the two
     * roundings can differ by one at the edges. */
    /* k is due by now when floor(k * 1e6 / rate) <= elapsed, that is
     * when k * 1e6 / rate < elapsed + 1. */
    double elapsed_us = (double)now_us - (double)start_us;
    double estimate = ceil((elapsed_us + 1.0) * msgs_per_s / 1e6);
    if (estimate >= (double)RATE_COUNT_MAX)
        return RATE_COUNT_MAX;
    uint64_t n = estimate < 1.0 ? 1 : (uint64_t)estimate;
    for (int i = 0; i < 4 && n > 0 &&
                    !is_due(start_us, msgs_per_s, n - 1, now_us);
         i++)
        n--;
    for (int i = 0; i < 4 && n < RATE_COUNT_MAX &&
                    is_due(start_us, msgs_per_s, n, now_us);
         i++)
        n++;
    return n;
}

uint64_t rate_count_in_ms(double msgs_per_s, int64_t ms)
{
    if (!usable_rate(msgs_per_s) || ms <= 0)
        return 0;
    double count = msgs_per_s * (double)ms / 1000.0;
    double nearest = floor(count + 0.5);
    if (fabs(count - nearest) <= count * 1e-9)
        count = nearest;
    if (count >= (double)RATE_COUNT_MAX)
        return RATE_COUNT_MAX;
    return (uint64_t)count;
}

/* A count of microseconds held within int64_t. */
static int64_t us_clamped(uint64_t us)
{
    return us > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)us;
}

/* b - a for a <= b, as us_clamped. */
static int64_t span_us(int64_t a, int64_t b)
{
    return us_clamped((uint64_t)b - (uint64_t)a);
}

bool rate_move_on(int64_t *start_us, double msgs_per_s, uint64_t sent, uint64_t total,
                  int64_t now_us, rate_move *move)
{
    /* The last one alone is no burst, however late. */
    if (!usable_rate(msgs_per_s) || sent >= RATE_COUNT_MAX ||
        (total > 0 && sent + 1 >= total))
        return false;
    int64_t due = rate_due_us(*start_us, msgs_per_s, sent);
    if (due == INT64_MAX || due >= now_us || span_us(due, now_us) <= RATE_CATCH_UP_US)
        return false;
    /* Only the next one due: sending it is no burst, and the schedule
     * keeps its place (a slow rate's message a little late). */
    if (!is_due(*start_us, msgs_per_s, sent + 1, now_us))
        return false;
    uint64_t due_before = rate_due_count(*start_us, msgs_per_s, now_us);
    /* Message `sent` is due offset after the start: at now_us, from the
     * moved start (due - start is offset exactly, see rate_due_us). */
    int64_t moved = (int64_t)((uint64_t)now_us - ((uint64_t)due - (uint64_t)*start_us));
    move->behind_us = span_us(due, now_us);
    move->skipped = due_before - rate_due_count(moved, msgs_per_s, now_us);
    *start_us = moved;
    return true;
}

bool rate_move_on_spaced(int64_t *start_us, int64_t spacing_us, uint64_t next, uint64_t total,
                         uint64_t per_item, int64_t now_us, rate_move *move)
{
    if (spacing_us <= 0 || now_us <= *start_us || (total > 0 && next + 1 >= total))
        return false;
    uint64_t elapsed = (uint64_t)now_us - (uint64_t)*start_us;
    uint64_t due_count = elapsed / (uint64_t)spacing_us; /* item 0 at the start, so + 1 */
    if (due_count < UINT64_MAX)
        due_count++;
    /* Moved on only when more than the next item is due (as above). */
    if (next >= due_count || due_count - next < 2)
        return false;
    uint64_t offset = next * (uint64_t)spacing_us; /* <= elapsed */
    uint64_t behind = elapsed - offset;
    if (behind <= RATE_CATCH_UP_US)
        return false;
    uint64_t items = due_count - next - 1; /* the moved schedule has one due */
    move->behind_us = us_clamped(behind);
    move->skipped = per_item > 0 && items > UINT64_MAX / per_item ? UINT64_MAX
                                                                  : items * per_item;
    *start_us = (int64_t)((uint64_t)now_us - offset);
    return true;
}
