/* fuzz_pinger.c - what mpong's initiator makes of what comes back:
 * pinger_run (engine/pingpong.h) through a fake network and clock.
 *
 * Input:
 *   byte 0  warm-up cycles, 0..7 (bits 0-2)
 *   byte 1  measured cycles, 1..64 (1 + byte % 64)
 *   byte 2  each cycle's wait, 1..20 ms (1 + byte % 20)
 *   byte 3  the interval: bit 7 set, none; else byte % 32 ms (0: none)
 *   then 3 bytes per cycle, warm-up first: the reflection's delay, 16-bit
 *   little-endian in units of 16 us (0xffff: the probe is dropped), and
 *   1 + byte % 3 copies of it; cycles past the input's end are reflected
 *   once after 100 us.
 *   The rest are stray datagrams: 2 bytes (little-endian, 16 us units)
 *   when it arrives from the start, 1 byte its length (byte % 41), then
 *   its bytes. One that happens to be a probe of this run is not sent
 *   (the model could not tell it from a reflection).
 *
 * The fake network delivers every datagram at its time, in time order;
 * the clock moves only while the engine waits.
 *
 * Checked against a model of the cycles: each probe goes at the time its
 * schedule says (at once after the last cycle ended, or on an interval on
 * its due time unless the last cycle overran it); a cycle is answered
 * exactly when its reflection arrives within its wait, and its RTT is that
 * reflection's delay, whatever else arrives (copies, late replies, strays);
 * the counts add up (sent, received + lost, the warm-up apart), and late
 * counts the measured cycles whose reflection came after their wait and
 * before the run ended (one that came at the very moment it ended may or
 * may not have been read). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pingpong.h"
#include "fuzz.h"

enum {
    MAX_CYCLES = 7 + 64,
    QUEUE_MAX = MAX_CYCLES * 3 + 4096,
    STRAY_MAX = 40,
    DROPPED = 0xffff,
    START_US = 1000000
};
static const uint64_t RUN_ID = 0x5eed5eed5eed5eedull;

typedef struct queued {
    int64_t at_us;
    uint8_t bytes[STRAY_MAX];
    size_t len;
} queued;

typedef struct fake {
    int64_t now_us;
    int64_t delay_us[MAX_CYCLES]; /* < 0: dropped */
    int copies[MAX_CYCLES];
    queued q[QUEUE_MAX];
    size_t queued_count;
    uint8_t delivered[STRAY_MAX];
    int64_t send_us[MAX_CYCLES];
    size_t sends;
    /* what the engine reported, per measured cycle */
    bool reported[MAX_CYCLES], answered[MAX_CYCLES];
    uint32_t rtt_us[MAX_CYCLES];
    uint64_t since_us[MAX_CYCLES];
    bool measuring;
} fake;

/* Static: the queue is large and a fresh one is set up for each input. */
static fake f;

static void enqueue(int64_t at_us, const uint8_t *bytes, size_t len)
{
    FUZZ_CHECK(f.queued_count < QUEUE_MAX && len <= STRAY_MAX);
    queued *e = &f.q[f.queued_count++];
    e->at_us = at_us;
    memcpy(e->bytes, bytes, len);
    e->len = len;
}

static pinger_send_result fake_send(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    pingpong_probe p;
    FUZZ_CHECK(pingpong_probe_decode(data, len, &p));
    FUZZ_CHECK(p.run_id == RUN_ID && p.seq == f.sends && p.sent_us == f.now_us);
    FUZZ_CHECK(f.sends < MAX_CYCLES);
    f.send_us[f.sends++] = f.now_us;
    for (int c = 0; f.delay_us[p.seq] >= 0 && c < f.copies[p.seq]; c++)
        enqueue(f.now_us + f.delay_us[p.seq], data, len);
    return PINGER_SENT;
}

static int fake_receive(void *ctx, int64_t deadline_us, const uint8_t **data, size_t *len)
{
    (void)ctx;
    size_t first = SIZE_MAX;
    for (size_t i = 0; i < f.queued_count; i++)
        if (first == SIZE_MAX || f.q[i].at_us < f.q[first].at_us)
            first = i;
    if (first == SIZE_MAX || f.q[first].at_us > deadline_us) {
        if (deadline_us > f.now_us)
            f.now_us = deadline_us;
        return 0;
    }
    if (f.q[first].at_us > f.now_us)
        f.now_us = f.q[first].at_us;
    memcpy(f.delivered, f.q[first].bytes, f.q[first].len);
    *data = f.delivered;
    *len = f.q[first].len;
    f.q[first] = f.q[--f.queued_count];
    return 1;
}

static const char *fake_error_text(void *ctx)
{
    (void)ctx;
    return "none";
}

static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return f.now_us;
}

static int fake_report(void *ctx, const pinger_event *e)
{
    (void)ctx;
    switch (e->kind) {
    case PINGER_MEASURING:
        FUZZ_CHECK(!f.measuring);
        f.measuring = true;
        break;
    case PINGER_SAMPLE:
    case PINGER_LOST:
        FUZZ_CHECK(f.measuring && e->cycle < MAX_CYCLES && !f.reported[e->cycle]);
        f.reported[e->cycle] = true;
        f.answered[e->cycle] = e->kind == PINGER_SAMPLE;
        f.rtt_us[e->cycle] = e->rtt_us;
        f.since_us[e->cycle] = e->since_first_us;
        break;
    case PINGER_FIRST_NOT_SENT:
        FUZZ_CHECK(false); /* every probe is sent */
        break;
    }
    return 0;
}

static uint64_t le16(const uint8_t *d)
{
    return (uint64_t)d[0] | (uint64_t)d[1] << 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    memset(&f, 0, sizeof f);
    f.now_us = START_US;
    pinger_config c = {.warmup = data[0] & 7u,
                       .cycles = 1u + data[1] % 64u,
                       .timeout_ms = 1 + data[2] % 20,
                       .interval_ms = (data[3] & 0x80) ? 0 : data[3] % 32,
                       .run_id = RUN_ID};
    size_t total = (size_t)(c.warmup + c.cycles), at = 4;
    for (size_t k = 0; k < total; k++, at += 3) {
        f.delay_us[k] = 100;
        f.copies[k] = 1;
        if (at + 3 <= size) {
            uint64_t d = le16(data + at);
            f.delay_us[k] = d == DROPPED ? -1 : (int64_t)d * 16;
            f.copies[k] = 1 + data[at + 2] % 3;
        }
    }
    while (at + 3 <= size && f.queued_count < QUEUE_MAX - MAX_CYCLES * 3) {
        int64_t when = START_US + (int64_t)le16(data + at) * 16;
        size_t len = data[at + 2] % (STRAY_MAX + 1u);
        at += 3;
        if (len > size - at)
            len = size - at;
        pingpong_probe p;
        if (!pingpong_probe_decode(data + at, len, &p) || p.run_id != RUN_ID)
            enqueue(when, data + at, len);
        at += len;
    }

    pinger p;
    pinger_io io = {NULL, fake_send, fake_receive, fake_error_text, fake_now};
    pinger_init(&p, &c, &io, fake_report, NULL);
    FUZZ_CHECK(pinger_run(&p) == 0);

    /* The model: when each probe goes, and what becomes of it. */
    int64_t now = START_US, due = START_US, timeout_us = (int64_t)c.timeout_ms * 1000;
    uint64_t received = 0, warmup_received = 0;
    int64_t late_at[MAX_CYCLES]; /* when each late reflection arrives */
    size_t lates = 0;
    FUZZ_CHECK(f.sends == total);
    for (size_t k = 0; k < total; k++) {
        if (k > 0 && c.interval_ms > 0) {
            due += (int64_t)c.interval_ms * 1000;
            if (due < now)
                due = now;
            now = due;
        }
        FUZZ_CHECK(f.send_us[k] == now);
        bool answered = f.delay_us[k] >= 0 && f.delay_us[k] <= timeout_us;
        now += answered ? f.delay_us[k] : timeout_us;
        if (k < c.warmup) {
            warmup_received += answered;
            continue;
        }
        size_t m = k - (size_t)c.warmup;
        FUZZ_CHECK(f.reported[m] && f.answered[m] == answered);
        FUZZ_CHECK(f.since_us[m] == (uint64_t)(f.send_us[k] - f.send_us[c.warmup]));
        if (answered) {
            FUZZ_CHECK(f.rtt_us[m] == (uint32_t)f.delay_us[k]);
            received++;
        } else if (f.delay_us[k] >= 0) {
            late_at[lates++] = f.send_us[k] + f.delay_us[k];
        }
    }
    uint64_t late_before_end = 0, late_at_end = 0;
    for (size_t i = 0; i < lates; i++) {
        late_before_end += late_at[i] < now;
        late_at_end += late_at[i] == now;
    }
    const pinger_counts *n = &p.counts;
    FUZZ_CHECK(n->warmup_sent == c.warmup && n->warmup_received == warmup_received);
    FUZZ_CHECK(n->sent == c.cycles && n->received == received);
    FUZZ_CHECK(n->received + n->lost == n->sent && n->not_sent == 0);
    FUZZ_CHECK(n->late >= late_before_end && n->late <= late_before_end + late_at_end);
    return 0;
}
