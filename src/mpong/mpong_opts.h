/* mpong_opts.h - mpong's command line: the old tool's options and
 * positionals, checked, and the bounds, figures and output forms added
 * to them. mpong prints no Equiv line (the old one did not). */
#ifndef MTOOLS_MPONG_OPTS_H
#define MTOOLS_MPONG_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/pingpong.h"
#include "lib/cli.h"
#include "lib/prog.h"
#include "lib/status.h"

/* Largest -s and --warmup: a day at a million cycles a second fits many
 * times over, and their sum stays far from overflowing. */
#define MPONG_CYCLES_MAX 1000000000000LL
#define MPONG_WARMUP_MAX 1000000000LL

typedef struct mpong_opts {
    bool initiator;        /* -i; else the reflector */
    const char *out_file;  /* -o */
    int rcvbuf_bytes;      /* -r: 0 = system default */
    int sndbuf_bytes;      /* -S: 0 = system default */
    long long cycles;      /* -s: measured cycles (initiator), or with the
                              reflector, with the warm-up, when to end */
    bool cycles_given;     /* -s typed: the reflector ends after them */
    bool warmup_given;     /* --warmup typed */
    bool unicast;          /* -u, or a reflector's group 0.0.0.0 */
    bool verbose;          /* -v: the initiator's samples (the reflector
                              takes it and prints nothing, as the old one) */
    bool announce;         /* --announce (reflector): ready, and the count */
    int timeout_ms;        /* --timeout: each cycle's wait */
    int interval_ms;       /* --interval: send to send; 0 = at once */
    long long warmup;      /* --warmup: unmeasured cycles first */
    bool histogram;        /* --histogram */
    bool json;             /* --json */
    int idle_timeout_ms;   /* --idle-timeout (reflector): 0 = forever */
    /* group port [ttl] [interface]: the group both sides join, or with -u
     * the reflector's address (initiator) or the local address to receive
     * on (reflector, 0.0.0.0 for any); the interface to send and join on,
     * or with -u the local address to use */
    prog_positionals pos;
    int ttl;               /* multicast TTL (default 2); typed with -u, the
                              unicast one */
} mpong_opts;

opts_result mpong_parse(int argc, char **argv, mpong_opts *o, cli_error *err);

/* What the initiator's options ask of the engine (run_id left 0). */
void mpong_pinger_config(const mpong_opts *o, pinger_config *c);

extern const char mpong_usage[];
extern const char mpong_help[];

#endif
