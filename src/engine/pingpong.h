/* pingpong.h - what mpong's initiator does once its socket is open: cycles
 * of one probe datagram out and its reflection back, one in flight, each
 * waiting a bounded time, so that a lost datagram costs one cycle and
 * never the run. A reply is matched to its cycle by the sequence number
 * its probe carries (a reflector sends the bytes back unchanged): the
 * current cycle's reply is a sample; an earlier cycle's, come after its
 * wait ended, is late and counted as such, never taken for the current
 * one.
 *
 * It prints nothing and holds no statistics: it reports each measured
 * cycle (its RTT, or that it was lost) through pinger_report_fn and keeps
 * counts; the program feeds measure/latency.h and writes the lines. It
 * sends, waits and keeps time through pinger_io, which the program fills
 * from the socket layer and the monotonic clock, and tests with fakes.
 *
 * The probe (PINGPONG_PROBE_BYTES, the same bytes on every system):
 *
 *   offset  size  field (integers little-endian)
 *        0     4  magic "MPNG" (4d 50 4e 47)
 *        4     1  version, 1
 *        5     3  zero
 *        8     8  run id: a number the initiator draws at its start, so
 *                 that replies to another initiator on the same group
 *                 are told apart
 *       16     8  sequence number: the cycle, from 0 (warm-up cycles
 *                 first)
 *       24     8  send time, microseconds on the initiator's monotonic
 *                 clock (signed)
 *
 * The old mpong sent its platform's struct timeval instead (16 bytes on
 * 64-bit Linux, 8 on Windows); reflectors, old and new, send any payload
 * back unchanged, so either initiator works with either reflector. */
#ifndef MTOOLS_PINGPONG_H
#define MTOOLS_PINGPONG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PINGPONG_PROBE_BYTES = 32, PINGPONG_PROBE_VERSION = 1 };
extern const uint8_t pingpong_probe_magic[4];

typedef struct pingpong_probe {
    uint64_t run_id;
    uint64_t seq;
    int64_t sent_us;
} pingpong_probe;

/* The probe's bytes, PINGPONG_PROBE_BYTES of them, at out. */
void pingpong_probe_encode(const pingpong_probe *p, uint8_t out[PINGPONG_PROBE_BYTES]);
/* True when data is a probe of this layout (its length, magic, version
 * and zero bytes), read into *p. */
bool pingpong_probe_decode(const uint8_t *data, size_t len, pingpong_probe *p);

/* What a run does. */
typedef struct pinger_config {
    uint64_t warmup;   /* unmeasured cycles first */
    uint64_t cycles;   /* measured cycles, at least 1 */
    int timeout_ms;    /* each cycle's wait for its reply: 1 to 3600000
                          (so an RTT always fits 32 bits of microseconds) */
    int interval_ms;   /* from one cycle's send to the next's; 0: the
                          next goes as soon as the reply is in */
    uint64_t run_id;
} pinger_config;

enum { PINGER_TIMEOUT_MAX_MS = 3600000 };

/* What pinger_io's send gives. */
typedef enum {
    PINGER_SENT,      /* handed to the system */
    PINGER_NOT_SENT,  /* not sent, for a reason that may heal (no route
                         for a moment, a full queue): the cycle is lost */
    PINGER_SEND_FAILED /* cannot heal: the run ends */
} pinger_send_result;

/* pinger_io's receive besides 1 (a datagram) and 0 (the deadline came). */
enum {
    PINGER_RECEIVE_FAILED = -1, /* error_text says why; the run ends */
    PINGER_RECEIVE_STOPPED = -2 /* the program was told to stop (Ctrl-C) */
};

typedef struct pinger_io {
    void *ctx;
    pinger_send_result (*send)(void *ctx, const uint8_t *data, size_t len);
    /* Waits for a datagram until now_us() reaches deadline_us: 1 with it
     * in *data (valid until the next call) and *len, 0 when the deadline
     * came first, or one of the PINGER_RECEIVE_ codes. */
    int (*receive)(void *ctx, int64_t deadline_us, const uint8_t **data, size_t *len);
    /* Why the last send or receive failed. */
    const char *(*error_text)(void *ctx);
    int64_t (*now_us)(void *ctx); /* a clock that never jumps */
} pinger_io;

typedef enum {
    PINGER_MEASURING,     /* the warm-up is over; measured cycles follow */
    PINGER_SAMPLE,        /* a measured cycle's reply came: rtt_us */
    PINGER_LOST,          /* a measured cycle ended without its reply */
    PINGER_FIRST_NOT_SENT /* a probe could not be sent, the first time;
                             reason */
} pinger_event_kind;

typedef struct pinger_event {
    pinger_event_kind kind;
    uint64_t cycle;          /* measured cycle, from 0 */
    uint64_t since_first_us; /* its send time after the first measured one's */
    uint32_t rtt_us;
    const char *reason;
} pinger_event;

/* The program's handler: 0 to go on, or a status (> 0) that ends the run
 * at once (the reader of stdout has gone). */
typedef int pinger_report_fn(void *ctx, const pinger_event *e);

/* Counts of the measured cycles (and, apart, the warm-up's): replies to
 * warm-up cycles, and strays that come before the first measured cycle,
 * are in none of them. late <= lost always. */
typedef struct pinger_counts {
    uint64_t sent;       /* measured cycles begun */
    uint64_t received;   /* of them, answered within their wait */
    uint64_t lost;       /* of them, not answered within it */
    uint64_t late;       /* replies to lost measured cycles that came
                            after their wait (also counted in lost) */
    uint64_t not_sent;   /* lost cycles whose probe could not be sent */
    uint64_t duplicates; /* a reply to a measured cycle seen again, or to
                            one PINGER_WINDOW or more cycles back */
    uint64_t strays;     /* datagrams that are no reply to this run: not
                            a probe, another run's, a cycle not yet sent */
    uint64_t warmup_sent, warmup_received;
} pinger_counts;

/* How far back late and duplicate replies are told apart: the cycle
 * under way and the PINGER_WINDOW - 1 before it. A reply to a cycle
 * PINGER_WINDOW or more back is counted a duplicate, never late: whether
 * its cycle was answered is no longer known. */
enum { PINGER_WINDOW = 4096 };

typedef struct pinger {
    pinger_config config;
    pinger_io io;
    pinger_report_fn *report;
    void *report_ctx;
    pinger_counts counts;
    uint64_t current;     /* the cycle under way */
    bool waiting;         /* within current's wait: its reply answers it */
    int64_t first_sent_us; /* the first measured cycle's send time */
    bool send_trouble_seen; /* a probe could not be sent, once */
    /* per cycle in the window: answered (in time or late) */
    uint8_t answered[PINGER_WINDOW];
    char failure[128];    /* why the run ended early */
} pinger;

void pinger_init(pinger *p, const pinger_config *c, const pinger_io *io,
                 pinger_report_fn *report, void *report_ctx);

/* pinger_run's results besides 0 (every cycle ran) and a report's status. */
enum {
    PINGER_FAILED = -1, /* a send or receive failed for good: failure */
    PINGER_STOPPED = -2 /* the io said stop */
};

/* The warm-up and the measured cycles. */
int pinger_run(pinger *p);

#endif
