/* pingpong.c - mpong's probe and its cycles (see pingpong.h). */
#include "engine/pingpong.h"

#include <stdio.h>
#include <string.h>

const uint8_t pingpong_probe_magic[4] = {'M', 'P', 'N', 'G'};

static void put_le64(uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *in)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | in[i];
    return v;
}

void pingpong_probe_encode(const pingpong_probe *p, uint8_t out[PINGPONG_PROBE_BYTES])
{
    memset(out, 0, PINGPONG_PROBE_BYTES);
    memcpy(out, pingpong_probe_magic, sizeof pingpong_probe_magic);
    out[4] = PINGPONG_PROBE_VERSION;
    put_le64(out + 8, p->run_id);
    put_le64(out + 16, p->seq);
    /* Two's complement, whatever the system's own representation. */
    put_le64(out + 24, (uint64_t)p->sent_us);
}

bool pingpong_probe_decode(const uint8_t *data, size_t len, pingpong_probe *p)
{
    if (len != PINGPONG_PROBE_BYTES ||
        memcmp(data, pingpong_probe_magic, sizeof pingpong_probe_magic) != 0 ||
        data[4] != PINGPONG_PROBE_VERSION || data[5] != 0 || data[6] != 0 || data[7] != 0)
        return false;
    p->run_id = get_le64(data + 8);
    p->seq = get_le64(data + 16);
    uint64_t sent = get_le64(data + 24);
    /* Back from two's complement without relying on the conversion of an
     * out-of-range unsigned value. */
    p->sent_us = sent <= (uint64_t)INT64_MAX ? (int64_t)sent
                                             : -(int64_t)(~sent) - 1;
    return true;
}

void pinger_init(pinger *p, const pinger_config *c, const pinger_io *io,
                 pinger_report_fn *report, void *report_ctx)
{
    memset(p, 0, sizeof *p);
    p->config = *c;
    p->io = *io;
    p->report = report;
    p->report_ctx = report_ctx;
}

typedef enum { REPLY_CURRENT, REPLY_LATE, REPLY_DUPLICATE, REPLY_STRAY } reply_kind;

/* What a datagram is to this run while cycle p->current is under way (and
 * answered or not). Marks the cycle it answers. */
static reply_kind classify(pinger *p, const uint8_t *data, size_t len, uint64_t *seq)
{
    pingpong_probe probe;
    if (!pingpong_probe_decode(data, len, &probe) || probe.run_id != p->config.run_id ||
        probe.seq > p->current)
        return REPLY_STRAY;
    *seq = probe.seq;
    /* Beyond the window nothing says whether its cycle was answered: it
     * cannot be counted late (late ones are among the lost), so it counts
     * with the replies seen again, the likelier case (a second reflector,
     * a path that duplicates). */
    if (p->current - probe.seq >= PINGER_WINDOW)
        return REPLY_DUPLICATE;
    uint8_t *answered = &p->answered[probe.seq % PINGER_WINDOW];
    if (*answered)
        return REPLY_DUPLICATE;
    *answered = 1;
    /* An earlier cycle, or the current one once its wait is over (on an
     * interval, until the next is due): a reply after its wait. */
    return probe.seq == p->current && p->waiting ? REPLY_CURRENT : REPLY_LATE;
}

/* Takes datagrams until the current cycle's reply (1, with its arrival
 * time) or the deadline (0); the others are counted. Or a PINGER_ result. */
static int await_reply(pinger *p, int64_t deadline_us, int64_t *arrived_us)
{
    for (;;) {
        const uint8_t *data;
        size_t len;
        int rc = p->io.receive(p->io.ctx, deadline_us, &data, &len);
        if (rc == 0)
            return 0;
        if (rc == PINGER_RECEIVE_STOPPED)
            return PINGER_STOPPED;
        if (rc < 0) {
            snprintf(p->failure, sizeof p->failure, "recv: %s", p->io.error_text(p->io.ctx));
            return PINGER_FAILED;
        }
        int64_t now = p->io.now_us(p->io.ctx);
        uint64_t seq = 0;
        /* Counts of the measured cycles only: a reply to a warm-up cycle,
         * or a stray that comes during the warm-up, is not counted. */
        switch (classify(p, data, len, &seq)) {
        case REPLY_CURRENT:
            *arrived_us = now;
            return 1;
        case REPLY_LATE:
            p->counts.late += seq >= p->config.warmup;
            break;
        case REPLY_DUPLICATE:
            p->counts.duplicates += seq >= p->config.warmup;
            break;
        case REPLY_STRAY:
            p->counts.strays += p->current >= p->config.warmup;
            break;
        }
    }
}

static int report(pinger *p, pinger_event_kind kind, uint64_t cycle, uint64_t since_us,
                  uint32_t rtt_us, const char *reason)
{
    pinger_event e = {kind, cycle, since_us, rtt_us, reason};
    return p->report(p->report_ctx, &e);
}

/* One cycle: the probe out, its reply or the end of its wait. *answered
 * and *rtt_us say which, *not_sent whether the probe could not be sent;
 * 0, or a PINGER_ result. */
static int cycle(pinger *p, int64_t sent_us, bool *answered, uint32_t *rtt_us,
                 bool *not_sent)
{
    const pinger_config *c = &p->config;
    uint8_t probe_bytes[PINGPONG_PROBE_BYTES];
    pingpong_probe probe = {c->run_id, p->current, sent_us};
    pingpong_probe_encode(&probe, probe_bytes);
    p->answered[p->current % PINGER_WINDOW] = 0;
    *answered = false;
    *not_sent = false;
    pinger_send_result sent = p->io.send(p->io.ctx, probe_bytes, sizeof probe_bytes);
    if (sent == PINGER_SEND_FAILED) {
        snprintf(p->failure, sizeof p->failure, "sendto: %s", p->io.error_text(p->io.ctx));
        return PINGER_FAILED;
    }
    if (sent == PINGER_NOT_SENT) {
        *not_sent = true;
        if (!p->send_trouble_seen) {
            p->send_trouble_seen = true;
            int rc = report(p, PINGER_FIRST_NOT_SENT, 0, 0, 0, p->io.error_text(p->io.ctx));
            if (rc != 0)
                return rc;
        }
        /* The cycle keeps its time: a path that fails for a moment does
         * not use up the run at once. */
    }
    int64_t arrived_us = 0;
    p->waiting = true;
    int rc = await_reply(p, sent_us + (int64_t)c->timeout_ms * 1000, &arrived_us);
    p->waiting = false;
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *answered = true;
        /* Within the wait, which PINGER_TIMEOUT_MAX_MS keeps in 32 bits. */
        int64_t rtt = arrived_us - sent_us;
        *rtt_us = rtt < 0 ? 0 : rtt > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
    }
    return 0;
}

int pinger_run(pinger *p)
{
    const pinger_config *c = &p->config;
    uint64_t total = c->warmup + c->cycles;
    int64_t due_us = 0; /* on an interval, when the next cycle is due */
    for (uint64_t seq = 0; seq < total; seq++) {
        bool measured = seq >= c->warmup;
        uint64_t k = seq - c->warmup;
        int rc;
        /* On an interval the cycles are due on a schedule, so that waking
         * a little late does not add up; a cycle that overran it (a lost
         * one's wait) moves it, without a burst to catch up. Replies still
         * come meanwhile (late ones, duplicates) and are counted. */
        if (seq > 0 && c->interval_ms > 0) {
            due_us += (int64_t)c->interval_ms * 1000;
            int64_t now = p->io.now_us(p->io.ctx);
            if (due_us < now) {
                due_us = now;
            } else {
                int64_t arrived;
                rc = await_reply(p, due_us, &arrived);
                if (rc < 0)
                    return rc;
            }
        }
        if (seq == c->warmup && (rc = report(p, PINGER_MEASURING, 0, 0, 0, NULL)) != 0)
            return rc;
        p->current = seq;
        int64_t sent_us = p->io.now_us(p->io.ctx);
        if (seq == 0)
            due_us = sent_us;
        if (seq == c->warmup)
            p->first_sent_us = sent_us;
        bool answered, not_sent;
        uint32_t rtt_us = 0;
        rc = cycle(p, sent_us, &answered, &rtt_us, &not_sent);
        if (rc != 0)
            return rc; /* a cycle cut short is not counted */
        if (!measured) {
            p->counts.warmup_sent++;
            p->counts.warmup_received += answered;
            continue;
        }
        p->counts.sent++;
        p->counts.not_sent += not_sent; /* counted with the cycle, once it is whole */
        uint64_t since_us = (uint64_t)(sent_us - p->first_sent_us);
        if (answered) {
            p->counts.received++;
            rc = report(p, PINGER_SAMPLE, k, since_us, rtt_us, NULL);
        } else {
            p->counts.lost++;
            rc = report(p, PINGER_LOST, k, since_us, 0, NULL);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}
