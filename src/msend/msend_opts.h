/* msend_opts.h - msend's command line: parsed, checked, and echoed back as
 * the "Equiv cmd line" that the old tools print and put on the wire. */
#ifndef MTOOLS_MSEND_OPTS_H
#define MTOOLS_MSEND_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cli.h"
#include "lib/prog.h"
#include "lib/status.h"
#include "measure/rate.h"

/* The largest UDP payload over IPv4: 65535 - 20 (IP) - 8 (UDP). */
enum { MSEND_MAX_MSG_LEN = 65507 };

typedef enum { MSEND_MULTICAST, MSEND_UDP, MSEND_TCP } msend_transport;

typedef struct msend_opts {
    int preset;            /* 1..5, or 0 */
    int burst_count;       /* -b: messages per burst */
    bool decimal;          /* -d: "Message <k>" with k in decimal */
    int loops;             /* -l: times the whole test runs */
    int msg_len;           /* -m: 0 = the length of the "Message <k>" text */
    long long num_bursts;  /* -n: 0 = forever */
    int pause_ms;          /* -p: between burst starts */
    int quiet;             /* -q count: 0, 1 (dots) or 2 (silent) */
    int sndbuf_bytes;      /* -S: 0 = system default */
    bool sndbuf_from_preset; /* sndbuf_bytes set by -1..-5, not by -S */
    int stat_pause_ms;     /* -s: 0 = no 'stat' datagram */
    msend_transport transport;
    int connect_timeout_ms; /* --connect-timeout, TCP only */
    bool summary;          /* --summary: rates on stderr after each test */
    bool has_rate;         /* --rate: an even rate instead of bursts */
    rate rate_given;       /* --rate as given */
    double rate_msgs_per_s; /* --rate in messages per second */
    int duration_ms;       /* --duration (with --rate): 0 = by -n and -b */
    const char *duration_text; /* --duration as typed */
    int interval_ms;       /* --interval: 0 = no interval lines */
    bool json;             /* --json: JSON Lines on stdout, no other text */
    bool timestamp;        /* --timestamp: the send time in each message */
    /* group port [ttl] [interface]: the destination; the interface to
     * send multicast from, or with -u/-t the local address to send from */
    prog_positionals pos;
    int ttl;               /* multicast TTL (default 2); typed with -u/-t,
                              the unicast one */
    size_t payload_len;    /* -P, 0 when not given */
    uint8_t payload[MSEND_MAX_MSG_LEN];
} msend_opts;

opts_result msend_parse(int argc, char **argv, msend_opts *o, cli_error *err);

/* The messages of a test, -n x -b; 0 for -n 0 (until stopped). What
 * msend counts fits 64 bits: msend_parse refuses -l x -n x -b above
 * ULLONG_MAX. */
unsigned long long msend_test_messages(const msend_opts *o);

/* Whether -m is shorter than a test's longest "Message <n>" text over
 * UDP or multicast (the text is then cut at -m, as the spec says, and a
 * receiver reading the numbers reads cut ones: made-up duplicates and
 * loss). When it is: *first_cut, the first message number cut (0: all),
 * and *need, the -m that holds them all (with -n 0, the largest
 * number's). With -n 0 (forever) only when the first cut comes by
 * MSEND_CUT_FOREVER_MAX. Over TCP (messages are counted, not numbered),
 * with -P or -m 0 never. */
#define MSEND_CUT_FOREVER_MAX (1ull << 32)
bool msend_numbers_cut(const msend_opts *o, unsigned long long *first_cut, size_t *need);

/* "msend -b1 -m0 ..." without the "Equiv cmd line: " prefix. -S shows the
 * option as typed (-S0 included); system_sndbuf, the system's default send
 * buffer size, is shown only where a preset (-5) left the buffer at it.
 * Returns the length, truncating at cap like snprintf. */
size_t msend_equiv(const msend_opts *o, int system_sndbuf, char *buf, size_t cap);

extern const char msend_usage[];
extern const char msend_help[];

#endif
