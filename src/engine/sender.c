/* sender.c - the echo, the bursts and the 'stat' on their schedule, and
 * the accounting of what could not be sent (see sender.h). */
#include "engine/sender.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/wire.h"
#include "measure/rate.h"

/* Time the old tools left after the echo datagram for switches and
 * routers to set up the multicast flow. */
enum { ECHO_SETTLE_MS = 1000 };

/* How long one datagram may meet a full queue (SEND_ERROR_BUSY) before it
 * is counted as not sent: the schedule goes on. */
enum { BUSY_LIMIT_US = 1000000 };

/* Sends answered by 'port unreachable' before msend gives up: as good as
 * never, but a count that cannot wrap. */
#define REFUSED_MAX 1000000000ULL

/* The longest "Message <k>" text: 8 + 20 digits. */
enum { MESSAGE_TEXT_MAX = 32 };

/* ---- the bytes */

static size_t put_number(char *out, unsigned long long k, bool decimal)
{
    char digits[24];
    int n = 0;
    unsigned base = decimal ? 10 : 16;
    do {
        digits[n++] = "0123456789abcdef"[k % base];
        k /= base;
    } while (k > 0);
    for (int i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return (size_t)n;
}

/* "Message <k>" into text; its length. */
static size_t message_text(const sender_config *c, char text[MESSAGE_TEXT_MAX],
                           unsigned long long k)
{
    memcpy(text, WIRE_MESSAGE, WIRE_MESSAGE_LEN);
    return WIRE_MESSAGE_LEN + put_number(text + WIRE_MESSAGE_LEN, k, c->decimal);
}

size_t sender_message_len(const sender_config *c, unsigned long long k)
{
    if (c->payload_len > 0)
        return c->payload_len;
    if (c->msg_len > 0)
        return (size_t)c->msg_len;
    char text[MESSAGE_TEXT_MAX];
    return message_text(c, text, k);
}

size_t sender_message(const sender_config *c, uint8_t *out, unsigned long long k)
{
    if (c->payload_len > 0) {
        memcpy(out, c->payload, c->payload_len);
        return c->payload_len;
    }
    char text[MESSAGE_TEXT_MAX];
    size_t text_len = message_text(c, text, k);
    if (c->msg_len == 0) {
        memcpy(out, text, text_len);
        return text_len;
    }
    size_t len = (size_t)c->msg_len;
    size_t copied = text_len < len ? text_len : len;
    memcpy(out, text, copied);
    memset(out + copied, 0, len - copied);
    return len;
}

/* "ts <sent_us>" and its NUL: the longest send time's room. */
enum { STAMP_ROOM = WIRE_TIMESTAMP_LEN + WIRE_TIMESTAMP_DIGITS_MAX + 1 };

size_t sender_timestamp_len(const sender_config *c, unsigned long long k)
{
    char text[MESSAGE_TEXT_MAX];
    /* The text, its NUL, then "ts " and the digits (a NUL after them only
     * when there is room: the message's end ends them too). */
    return message_text(c, text, k) + 1 + WIRE_TIMESTAMP_LEN + WIRE_TIMESTAMP_DIGITS_MAX;
}

size_t sender_message_stamped(const sender_config *c, uint8_t *out, unsigned long long k,
                              int64_t sent_us)
{
    size_t len = sender_message(c, out, k);
    if (c->payload_len > 0 || c->msg_len == 0)
        return len;
    char text[MESSAGE_TEXT_MAX];
    size_t at = message_text(c, text, k) + 1; /* after the text's NUL */
    if (at >= len)
        return len;
    char stamp[STAMP_ROOM + 1];
    memcpy(stamp, WIRE_TIMESTAMP, WIRE_TIMESTAMP_LEN);
    size_t n = WIRE_TIMESTAMP_LEN +
               put_number(stamp + WIRE_TIMESTAMP_LEN,
                          sent_us > 0 ? (unsigned long long)sent_us : 0, true);
    memcpy(out + at, stamp, n < len - at ? n : len - at);
    return len;
}

size_t sender_stat_text(char out[SENDER_STAT_TEXT_MAX], unsigned long long count)
{
    memcpy(out, WIRE_STAT, WIRE_STAT_LEN);
    return WIRE_STAT_LEN + put_number(out + WIRE_STAT_LEN, count, true);
}

size_t sender_echo_text(int preset, const char *equiv, char *buf, size_t cap)
{
    int n = preset ? snprintf(buf, cap, WIRE_ECHO_TEST "%d" WIRE_ECHO_TEST_EQUIV "%s",
                              preset, equiv)
                   : snprintf(buf, cap, WIRE_ECHO_EQUIV "%s", equiv);
    return n > 0 ? (size_t)n : 0;
}

/* ---- set-up */

/* The longest message: a chunk holds at least one. */
static size_t longest_message(const sender_config *c)
{
    if (c->payload_len > 0)
        return c->payload_len;
    return c->msg_len > 0 ? (size_t)c->msg_len : MESSAGE_TEXT_MAX;
}

int sender_init(sender *snd, const sender_config *c, const sender_io *io,
                sender_report_fn *report, void *report_ctx)
{
    memset(snd, 0, sizeof *snd);
    snd->config = *c;
    snd->io = *io;
    snd->report = report;
    snd->report_ctx = report_ctx;
    snd->connected = true;
    size_t longest = longest_message(c);
    snd->chunk_messages = SENDER_CHUNK_BYTES / longest;
    if (snd->chunk_messages > SENDER_CHUNK_MESSAGES)
        snd->chunk_messages = SENDER_CHUNK_MESSAGES;
    if (c->timestamp && snd->chunk_messages > SENDER_STAMPED_CHUNK_MESSAGES)
        snd->chunk_messages = SENDER_STAMPED_CHUNK_MESSAGES;
    if (snd->chunk_messages == 0 ||
        (c->call_per_datagram && !c->stream && c->rate_msgs_per_s <= 0))
        snd->chunk_messages = 1;
    snd->chunk = malloc(snd->chunk_messages * longest);
    return snd->chunk ? 0 : -1;
}

void sender_free(sender *snd)
{
    free(snd->chunk);
    snd->chunk = NULL;
}

/* ---- sending */

static int tell(sender *snd, sender_event *e)
{
    return snd->report(snd->report_ctx, e);
}

static bool stop_asked(const sender *snd)
{
    return snd->io.stopped && snd->io.stopped(snd->io.ctx);
}

/* ---- a schedule that moved on (measure/rate.h's bounded catch-up) */

static void moved_on(sender *snd, const rate_move *move)
{
    snd->moved_us = move->behind_us > INT64_MAX - snd->moved_us ? INT64_MAX
                                                                : snd->moved_us + move->behind_us;
    snd->moved_messages = move->skipped > ULLONG_MAX - snd->moved_messages
                              ? ULLONG_MAX
                              : snd->moved_messages + move->skipped;
}

/* Tells the moves since the last time the sender was on schedule, once. */
static int tell_moved(sender *snd)
{
    if (snd->moved_us == 0 && snd->moved_messages == 0)
        return 0;
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = SENDER_SCHEDULE_MOVED;
    e.seconds = (double)snd->moved_us / 1e6;
    e.messages = snd->moved_messages;
    snd->moved_us = 0;
    snd->moved_messages = 0;
    return tell(snd, &e);
}

/* ---- the interval clock: from the first message on, every interval_us */

static void intervals_begin(sender *snd, int64_t now_us)
{
    if (snd->config.interval_us <= 0 || snd->intervals_begun)
        return;
    snd->intervals_begun = true;
    snd->interval_origin_us = now_us;
    snd->interval_start_us = now_us;
    snd->interval_messages = snd->counts.messages;
    snd->interval_bytes = snd->counts.message_bytes;
}

/* Tells the interval from its start to end_us, and begins the next. */
static int interval_end(sender *snd, int64_t origin_us, int64_t end_us)
{
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = SENDER_INTERVAL;
    e.start_s = (double)(snd->interval_start_us - origin_us) / 1e6;
    e.seconds = (double)(end_us - origin_us) / 1e6;
    e.messages = snd->counts.messages - snd->interval_messages;
    e.bytes = snd->counts.message_bytes - snd->interval_bytes;
    snd->interval_start_us = end_us;
    snd->interval_messages = snd->counts.messages;
    snd->interval_bytes = snd->counts.message_bytes;
    return tell(snd, &e);
}

/* Tells every interval that has ended by now. */
static int intervals_due(sender *snd)
{
    if (!snd->intervals_begun)
        return 0;
    int64_t step = snd->config.interval_us;
    int64_t now = snd->io.now_us(snd->io.ctx);
    while (now - snd->interval_start_us >= step) {
        int rc = interval_end(snd, snd->interval_origin_us, snd->interval_start_us + step);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sender_finish(sender *snd)
{
    if (!snd->intervals_begun)
        return 0;
    int rc = intervals_due(snd);
    /* The part under way, when anything went in it, up to now; or, when
     * the schedule ended right before, to the end of its last message's
     * slot (within the interval): ended at the last message, it held one
     * message more than its time (n messages 1/r s apart in (n - 1) / r
     * s), and its rate was too high by that one. */
    int64_t end = snd->io.now_us(snd->io.ctx);
    int64_t interval_end_us = snd->interval_start_us + snd->config.interval_us;
    if (snd->schedule_end_us > end)
        end = snd->schedule_end_us < interval_end_us ? snd->schedule_end_us : interval_end_us;
    if (rc == 0 && end > snd->interval_start_us &&
        snd->counts.messages > snd->interval_messages)
        rc = interval_end(snd, snd->interval_origin_us, end);
    return rc;
}

/* Waits until deadline_us, telling the intervals that end meanwhile and,
 * when a stop can be asked, looking at it between slices. 0, a report's
 * status, or SENDER_STOPPED. */
static int wait_until_by(sender *snd, int64_t deadline_us, bool nap)
{
    for (;;) {
        int rc = intervals_due(snd);
        if (rc != 0)
            return rc;
        if (stop_asked(snd))
            return SENDER_STOPPED;
        int64_t now = snd->io.now_us(snd->io.ctx);
        if (now >= deadline_us)
            return 0;
        int64_t until = deadline_us;
        if (snd->intervals_begun && snd->interval_start_us + snd->config.interval_us < until)
            until = snd->interval_start_us + snd->config.interval_us;
        if (snd->io.stopped && until - now > SENDER_STOP_SLICE_US)
            until = now + SENDER_STOP_SLICE_US;
        if (nap && snd->io.nap_until_us) {
            /* It may wake late: what is due then goes at once. */
            snd->io.nap_until_us(snd->io.ctx, until);
            return 0;
        }
        snd->io.sleep_until_us(snd->io.ctx, until);
    }
}

static int wait_until(sender *snd, int64_t deadline_us)
{
    return wait_until_by(snd, deadline_us, false);
}

/* The old tools' waits (a sleep, or a sleep until) unless intervals or a
 * stop need looking after during them. */
static bool plain_waits(const sender *snd)
{
    return snd->config.interval_us <= 0 && !snd->io.stopped;
}

static int pause_ms(sender *snd, int ms)
{
    if (plain_waits(snd)) {
        snd->io.sleep_ms(snd->io.ctx, ms);
        return 0;
    }
    return wait_until(snd, snd->io.now_us(snd->io.ctx) + (int64_t)ms * 1000);
}

static int tell_kind(sender *snd, sender_event_kind kind)
{
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    return tell(snd, &e);
}

/* SENDER_BURST_WAIT before a wait until next_us (the sender's clock). */
static int tell_wait(sender *snd, int64_t next_us)
{
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = SENDER_BURST_WAIT;
    int64_t now = snd->io.now_us(snd->io.ctx);
    e.wait_us = next_us > now ? next_us - now : 0;
    return tell(snd, &e);
}

static void keep_text(char *out, size_t cap, const char *text)
{
    snprintf(out, cap, "%s", text);
}

/* What to do after a failed send: the same datagram again, go on without
 * it (dropped by the firewall, or not sent), or give up. */
typedef enum { SEND_AGAIN, SEND_DROPPED, SEND_UNSENT, SEND_FAIL } send_verdict;

/* A path that failed: told once, with the reason kept for the count at
 * the end. */
static void path_trouble(sender *snd)
{
    if (snd->counts.trouble[0] != '\0')
        return;
    keep_text(snd->counts.trouble, sizeof snd->counts.trouble,
              snd->io.error_text(snd->io.ctx));
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = SENDER_PATH_TROUBLE;
    e.reason = snd->counts.trouble;
    (void)tell(snd, &e); /* the failure itself decides what follows */
}

/* Decides after a failed datagram send, as a long test must: ride out
 * what may heal and give up only on what cannot.
 *  - refused (ICMP port unreachable for an earlier datagram; the old tools
 *    never saw it): counted, told once, this datagram sent again;
 *  - dropped by this host's firewall: counted, told once, skipped, as a
 *    firewall anywhere on the path would drop it;
 *  - a full queue: sent again shortly, for up to BUSY_LIMIT_US, then
 *    counted as not sent;
 *  - the path: once connected again (a new route, a new source address)
 *    sent again; if it fails again, counted as not sent;
 *  - anything else cannot heal: the test ends.
 * *second_try: this datagram already had its second chance. */
static send_verdict after_failure(sender *snd, bool *second_try, int64_t *busy_since_us)
{
    sender_counts *n = &snd->counts;
    sender_event e;
    memset(&e, 0, sizeof e);
    switch (snd->io.error_class(snd->io.ctx)) {
    case SEND_ERROR_REFUSED:
        if (n->refused++ == 0) {
            e.kind = SENDER_FIRST_REFUSED;
            (void)tell(snd, &e);
        }
        return n->refused < REFUSED_MAX ? SEND_AGAIN : SEND_FAIL;
    case SEND_ERROR_FILTERED:
        if (n->filtered++ == 0) {
            e.kind = SENDER_FIRST_FILTERED;
            e.reason = snd->io.error_text(snd->io.ctx);
            (void)tell(snd, &e);
        }
        return SEND_DROPPED;
    case SEND_ERROR_BUSY: {
        int64_t now = snd->io.now_us(snd->io.ctx);
        if (*busy_since_us == 0)
            *busy_since_us = now;
        if (now - *busy_since_us < BUSY_LIMIT_US) {
            snd->io.sleep_ms(snd->io.ctx, 1); /* the interface queue is full: let it drain */
            return SEND_AGAIN;
        }
        path_trouble(snd);
        return SEND_UNSENT;
    }
    case SEND_ERROR_PATH:
        path_trouble(snd);
        if (*second_try || !snd->connected)
            return SEND_UNSENT;
        *second_try = true;
        snd->connected = false; /* connected again before the next send */
        return SEND_AGAIN;
    case SEND_ERROR_FATAL:
        break;
    }
    return SEND_FAIL;
}

/* The reason of a send that failed for good, kept for the program. */
static int failed(sender *snd)
{
    keep_text(snd->counts.failure, sizeof snd->counts.failure,
              snd->io.error_text(snd->io.ctx));
    return SENDER_FAILED;
}

/* How far a chunk's send got, also when a stop or a failure cut it
 * short: its datagrams (messages) done, sent or given up on (counted as
 * not sent, or dropped by the firewall), and the bytes the socket took:
 * those of the datagrams sent; on a stream every byte written, the part
 * of a message cut short included. */
typedef struct chunk_done {
    size_t messages;
    size_t bytes;
} chunk_done;

/* Sends datagrams; those that could not be sent are added to *unsent.
 * 0, SENDER_STOPPED, or SENDER_FAILED after an error that cannot heal;
 * *done says how far it got. */
static int send_datagrams(sender *snd, const uint8_t *data, const uint32_t *lens,
                          size_t count, unsigned long long *unsent, chunk_done *done)
{
    bool second_try = false;
    int64_t busy_since_us = 0;
    while (count > 0) {
        long sent;
        if (!snd->connected && snd->io.reconnect(snd->io.ctx) != 0)
            sent = -1;
        else {
            snd->connected = true;
            sent = snd->io.send_datagrams(snd->io.ctx, data, lens, count);
        }
        if (sent < 0) {
            if (stop_asked(snd))
                return SENDER_STOPPED; /* the stop cut the call short */
            switch (after_failure(snd, &second_try, &busy_since_us)) {
            case SEND_AGAIN:
                continue;
            case SEND_UNSENT:
                (*unsent)++;
                break;
            case SEND_DROPPED:
                break;
            case SEND_FAIL:
                return failed(snd);
            }
            data += lens[0]; /* given up on: not taken */
            lens++;
            count--;
            done->messages++;
        } else {
            for (long k = 0; k < sent; k++) {
                data += lens[k];
                done->bytes += lens[k];
            }
            lens += sent;
            count -= (size_t)sent;
            done->messages += (size_t)sent;
        }
        second_try = false;
        busy_since_us = 0;
    }
    return 0;
}

/* done->messages: how many of the messages of lens[0..count-1] went
 * whole in the done->bytes a stream took. */
static void whole_messages(chunk_done *done, const uint32_t *lens, size_t count)
{
    size_t whole = 0;
    done->messages = 0;
    while (done->messages < count && whole + lens[done->messages] <= done->bytes)
        whole += lens[done->messages++];
}

static int send_stream(sender *snd, const uint8_t *data, const uint32_t *lens, size_t count,
                       chunk_done *done);

/* Sends the datagrams of a chunk (or its bytes, on a stream): 0, a
 * report's status, SENDER_STOPPED or SENDER_FAILED; *done says how far it
 * got (the bytes taken are added to counts.bytes). */
static int send_chunk(sender *snd, const uint8_t *data, const uint32_t *lens,
                      size_t count, unsigned long long *unsent, chunk_done *done)
{
    memset(done, 0, sizeof *done);
    int rc = snd->config.stream ? send_stream(snd, data, lens, count, done)
                                : send_datagrams(snd, data, lens, count, unsent, done);
    snd->counts.bytes += done->bytes;
    return rc;
}

/* TCP rides out a path that fails for a while by itself (it sends
 * again); an error here means the connection is gone. While it waits
 * for room (a receiver that reads slowly, or not at all), the intervals
 * that end are told on time. */
static int send_stream(sender *snd, const uint8_t *data, const uint32_t *lens, size_t count,
                       chunk_done *done)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += lens[i];
    int rc = 0;
    while (rc == 0 && done->bytes < total) {
        int wait_ms = -1;
        if (snd->intervals_begun) {
            int64_t left_us = snd->interval_start_us + snd->config.interval_us -
                              snd->io.now_us(snd->io.ctx);
            wait_ms = left_us > 0 ? (int)((left_us + 999) / 1000) : 0;
        }
        long n = snd->io.send_stream(snd->io.ctx, data + done->bytes, total - done->bytes,
                                     wait_ms);
        if (n < 0) {
            rc = stop_asked(snd) ? SENDER_STOPPED : failed(snd);
            break;
        }
        done->bytes += (size_t)n;
        if (done->bytes < total) {
            rc = intervals_due(snd);
            if (rc == 0 && stop_asked(snd))
                rc = SENDER_STOPPED;
        }
    }
    whole_messages(done, lens, count);
    return rc;
}

/* Sends messages *next .. *next + count - 1, a chunk at a time. */
static int send_messages(sender *snd, unsigned long long *next, unsigned long long count)
{
    const sender_config *c = &snd->config;
    while (count > 0) {
        size_t n = 0, offset = 0;
        int64_t sent_us = c->timestamp ? snd->io.wall_us(snd->io.ctx) : 0;
        while (n < snd->chunk_messages && n < count) {
            size_t len = c->timestamp
                             ? sender_message_stamped(c, snd->chunk + offset, *next + n, sent_us)
                             : sender_message(c, snd->chunk + offset, *next + n);
            snd->lens[n++] = (uint32_t)len;
            offset += len;
        }
        chunk_done done;
        int rc = send_chunk(snd, snd->chunk, snd->lens, n, &snd->counts.unsent_messages,
                            &done);
        /* What went counts, also when a stop or a failure cut the chunk
         * short: --summary, --json and the intervals all tell it. */
        *next += done.messages;
        snd->counts.messages += done.messages;
        snd->counts.message_bytes += done.bytes;
        if (done.messages > 0)
            snd->last_sent_us = snd->io.now_us(snd->io.ctx);
        if (rc != 0)
            return rc;
        count -= n;
        if (plain_waits(snd))
            continue;
        rc = intervals_due(snd);
        if (rc == 0 && count > 0 && stop_asked(snd))
            rc = SENDER_STOPPED;
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A schedule's end: rc, and when it is 0 (it ran to its end) end_us, the
 * end of its last message's slot, kept for sender_finish. */
static int schedule_ended(sender *snd, int rc, int64_t end_us)
{
    if (rc == 0)
        snd->schedule_end_us = end_us;
    return rc;
}

/* The messages of a test on an even rate: message k goes when
 * rate_due_us(start, rate, k) says, what is due by now in one batch (a
 * sender that fell a little behind catches up at once, so the schedule
 * never drifts). One that fell more than RATE_CATCH_UP_US behind (it was
 * stopped, or a send blocked) moves the start on instead (rate_move_on)
 * and goes on at the rate: the count stays, the test lasts longer. The
 * bursts only group them: their events come as the first and last
 * message of each go. */
static int send_paced(sender *snd, unsigned long long *sent, int64_t start_us)
{
    const sender_config *c = &snd->config;
    double msgs_per_s = c->rate_msgs_per_s;
    bool nap = 1e6 / msgs_per_s < SENDER_NAP_SPACING_US;
    unsigned long long per_burst = (unsigned long long)c->burst_count;
    unsigned long long total = 0; /* 0: until stopped */
    if (c->num_bursts > 0)
        total = (unsigned long long)c->num_bursts > ULLONG_MAX / per_burst
                    ? ULLONG_MAX
                    : (unsigned long long)c->num_bursts * per_burst;
    /* Bursts nobody sees only group the messages: what is due goes in one
     * batch across them, as one burst (at -b 1 a system call per message
     * kept msend near 100k msgs/s whatever the rate asked). */
    if (c->bursts_unseen)
        per_burst = total > 0 ? total : ULLONG_MAX;
    sender_event e;
    int rc = 0;
    while (rc == 0 && (total == 0 || *sent < total)) {
        /* A stop that came during a wait which still ended as usual (an
         * interval line given stdout's grace): nothing more goes, and the
         * time that took is no stall of the schedule's. */
        if (stop_asked(snd)) {
            rc = SENDER_STOPPED;
            break;
        }
        int64_t now = snd->io.now_us(snd->io.ctx);
        rate_move move;
        if (rate_move_on(&start_us, msgs_per_s, *sent, total, now, &move))
            moved_on(snd, &move);
        uint64_t due = rate_due_count(start_us, msgs_per_s, now);
        if (due <= *sent) {
            rc = tell_moved(snd); /* on schedule again */
            if (rc != 0)
                break;
            int64_t next_us = rate_due_us(start_us, msgs_per_s, *sent);
            if (nap && next_us < now + SENDER_NAP_US)
                next_us = now + SENDER_NAP_US;
            rc = wait_until_by(snd, next_us, nap);
            continue;
        }
        unsigned long long in_burst = *sent % per_burst;
        if (in_burst == 0) {
            memset(&e, 0, sizeof e);
            e.kind = SENDER_BURST_BEGIN;
            e.message_bytes = sender_message_len(c, *sent);
            rc = tell(snd, &e);
            if (rc != 0)
                break;
        }
        unsigned long long n = due - *sent;
        if (n > per_burst - in_burst)
            n = per_burst - in_burst;
        if (total > 0 && n > total - *sent)
            n = total - *sent;
        rc = send_messages(snd, sent, n);
        if (rc == 0 && *sent % per_burst == 0) {
            rc = tell_kind(snd, SENDER_BURST_END);
            if (rc == 0 && (total == 0 || *sent < total))
                rc = tell_wait(snd, rate_due_us(start_us, msgs_per_s, *sent));
        }
        if (rc == 0)
            rc = intervals_due(snd);
        if (rc == 0 && stop_asked(snd))
            rc = SENDER_STOPPED;
    }
    return schedule_ended(snd, rc, rate_due_us(start_us, msgs_per_s, *sent));
}

/* The bursts on their schedule, each starting pause_ms after the one
 * before it started (at start_us; moved on as send_paced's is, when the
 * sender fell behind by more than RATE_CATCH_UP_US and by more than a
 * pause); *sent counts the messages. */
static int send_scheduled(sender *snd, unsigned long long *sent, int64_t start_us)
{
    const sender_config *c = &snd->config;
    if (c->rate_msgs_per_s > 0)
        return send_paced(snd, sent, start_us);
    sender_event e;
    /* Unseen, unpaced bursts are one stream of messages: batch across them. */
    bool one_stream = c->bursts_unseen && c->pause_ms == 0 && c->num_bursts > 0 &&
                      (unsigned long long)c->num_bursts <=
                          ULLONG_MAX / (unsigned long long)c->burst_count; /* >= 1 */
    unsigned long long per_burst = (unsigned long long)c->burst_count;
    long long bursts = c->num_bursts;
    if (one_stream) {
        per_burst *= (unsigned long long)c->num_bursts;
        bursts = 1;
    }
    for (long long burst = 0; bursts == 0 || burst < bursts; burst++) {
        int rc;
        if (burst > 0 && c->pause_ms > 0) {
            int64_t pause_us = (int64_t)c->pause_ms * 1000;
            int64_t now = snd->io.now_us(snd->io.ctx);
            rate_move move;
            if (!stop_asked(snd) &&
                rate_move_on_spaced(&start_us, pause_us, (uint64_t)burst, (uint64_t)bursts,
                                    per_burst, now, &move))
                moved_on(snd, &move);
            int64_t next_us = start_us + burst * pause_us;
            if (next_us > now && (rc = tell_moved(snd)) != 0) /* on schedule again */
                return rc;
            if ((rc = tell_wait(snd, next_us)) != 0)
                return rc;
            if (plain_waits(snd))
                snd->io.sleep_until_us(snd->io.ctx, next_us);
            else if ((rc = wait_until(snd, next_us)) != 0)
                return rc;
        }
        memset(&e, 0, sizeof e);
        e.kind = SENDER_BURST_BEGIN;
        e.message_bytes = sender_message_len(c, *sent);
        rc = tell(snd, &e);
        if (rc == 0)
            rc = send_messages(snd, sent, per_burst);
        if (rc == 0)
            rc = tell_kind(snd, SENDER_BURST_END);
        if (rc != 0)
            return rc;
    }
    /* The last burst's slot ends a pause after its start. */
    return schedule_ended(snd, 0, start_us + bursts * (int64_t)c->pause_ms * 1000);
}

/* The test's messages (send_scheduled), then what went and in how long,
 * from the first message to the last (as mdump's totals: the rates over
 * it count the messages after the first, measure/flow.h): told also when
 * a stop or a failure cut the test short. */
static int send_bursts(sender *snd, unsigned long long *sent)
{
    unsigned long long bytes_before = snd->counts.message_bytes;
    int64_t start_us = snd->io.now_us(snd->io.ctx);
    snd->last_sent_us = start_us;
    snd->schedule_end_us = 0;
    intervals_begin(snd, start_us);
    int rc = send_scheduled(snd, sent, start_us);
    /* A move not yet told (the sending ended behind), before the totals;
     * not after a report's status (the program is done). */
    if (rc <= 0) {
        int told = tell_moved(snd);
        if (rc == 0)
            rc = told;
    }
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = SENDER_MESSAGES_SENT;
    e.messages = *sent;
    e.bytes = snd->counts.message_bytes - bytes_before;
    e.seconds = *sent > 1 ? (double)(snd->last_sent_us - start_us) / 1e6 : 0.0;
    int told = tell(snd, &e);
    return rc != 0 ? rc : told;
}

/* After a pause, the 'stat' with the test's count. */
static int send_stat(sender *snd, unsigned long long sent)
{
    char stat[SENDER_STAT_TEXT_MAX];
    uint32_t stat_len = (uint32_t)sender_stat_text(stat, sent);
    int rc = tell_kind(snd, SENDER_STAT_PAUSE);
    if (rc == 0)
        rc = pause_ms(snd, snd->config.stat_pause_ms);
    if (rc == 0)
        rc = tell_kind(snd, SENDER_STAT_SEND);
    if (rc != 0)
        return rc;
    chunk_done done;
    return send_chunk(snd, (const uint8_t *)stat, &stat_len, 1, &snd->counts.unsent_stats,
                      &done);
}

int sender_run_test(sender *snd, const char *echo, size_t echo_len)
{
    int rc = tell_kind(snd, SENDER_TEST_BEGIN);
    if (rc != 0)
        return rc;
    /* The echo datagram carries its NUL. */
    uint32_t echo_bytes = (uint32_t)echo_len + 1;
    chunk_done done;
    rc = send_chunk(snd, (const uint8_t *)echo, &echo_bytes, 1, &snd->counts.unsent_echoes,
                    &done);
    if (rc == 0)
        rc = tell_kind(snd, SENDER_ECHO_SENT);
    if (rc == 0)
        rc = pause_ms(snd, ECHO_SETTLE_MS);
    if (rc < 0) {
        /* A stop or a failure before the first message: none went, told
         * as when one cuts the bursts short. */
        sender_event e;
        memset(&e, 0, sizeof e);
        e.kind = SENDER_MESSAGES_SENT;
        (void)tell(snd, &e); /* rc, the stop or failure, is what ends the test */
    }
    if (rc != 0)
        return rc;

    unsigned long long sent = 0;
    rc = send_bursts(snd, &sent);
    if (rc == 0 && snd->config.stat_pause_ms > 0)
        rc = send_stat(snd, sent);
    if (rc != 0)
        return rc;
    sender_event e;
    memset(&e, 0, sizeof e);
    e.kind = SENDER_TEST_END;
    e.messages = sent;
    return tell(snd, &e);
}

/* ---- on a socket */

static long socket_send_datagrams(void *ctx, const uint8_t *data, const uint32_t *lens,
                                  size_t count)
{
    sender_socket *ss = ctx;
    return sock_send_datagrams(&ss->tx, data, lens, count);
}

static long socket_send_stream(void *ctx, const uint8_t *data, size_t len, int timeout_ms)
{
    const sender_socket *ss = ctx;
    return sock_send_stream(ss->s, data, len, timeout_ms);
}

static int socket_reconnect(void *ctx)
{
    const sender_socket *ss = ctx;
    return sock_reconnect(ss->s, &ss->dest);
}

static send_error_class socket_error_class(void *ctx)
{
    (void)ctx;
    if (sock_error_refused())
        return SEND_ERROR_REFUSED;
    if (sock_error_filtered())
        return SEND_ERROR_FILTERED;
    if (sock_error_retry())
        return SEND_ERROR_BUSY;
    if (sock_error_path())
        return SEND_ERROR_PATH;
    return SEND_ERROR_FATAL;
}

static const char *socket_error_text(void *ctx)
{
    (void)ctx;
    return sock_error_text();
}

static int64_t system_now_us(void *ctx)
{
    (void)ctx;
    return clock_mono_us();
}

static void system_sleep_ms(void *ctx, int64_t ms)
{
    (void)ctx;
    clock_sleep_ms(ms);
}

static void system_sleep_until_us(void *ctx, int64_t deadline_us)
{
    (void)ctx;
    clock_sleep_until(deadline_us);
}

static void system_nap_until_us(void *ctx, int64_t deadline_us)
{
    (void)ctx;
    clock_nap_until(deadline_us);
}

static int64_t system_wall_us(void *ctx)
{
    (void)ctx;
    return clock_wall_us();
}

void sender_socket_io(sender_socket *ss, sock_t s, const sock_addr *dest, sender_io *io)
{
    ss->s = s;
    ss->dest = *dest;
    sock_sender_init(&ss->tx, s);
    io->ctx = ss;
    io->send_datagrams = socket_send_datagrams;
    io->send_stream = socket_send_stream;
    io->reconnect = socket_reconnect;
    io->error_class = socket_error_class;
    io->error_text = socket_error_text;
    io->now_us = system_now_us;
    io->sleep_ms = system_sleep_ms;
    io->sleep_until_us = system_sleep_until_us;
    io->nap_until_us = system_nap_until_us;
    io->wall_us = system_wall_us;
    io->stopped = NULL;
}
