/* mdump_opts.h - mdump's command line and its "Equiv cmd line". */
#ifndef MTOOLS_MDUMP_OPTS_H
#define MTOOLS_MDUMP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/receiver.h"
#include "lib/cli.h"
#include "lib/prog.h"
#include "lib/sock.h"
#include "lib/status.h"

/* Groups in one run (a list or a range): one socket each. */
enum { MDUMP_GROUPS_MAX = SOCK_WAIT_MAX };

typedef struct mdump_opts {
    const char *out_file;  /* -o */
    int compact_bytes;     /* -c: 0 = full dump */
    int pause_ms;          /* -p ms[/count] */
    int pause_count;       /* 0 = after every message */
    int quiet_level;       /* -Q, -q: 0 dump, 1 summary, 2 nothing */
    int rcvbuf_bytes;      /* -r: 0 = system default */
    bool exit_on_stat;     /* -s */
    bool tcp;              /* -t */
    bool verify_seq;       /* -v */
    int idle_timeout_ms;   /* --idle-timeout: 0 = wait forever */
    int accept_timeout_ms; /* --accept-timeout (-t): 0 = as idle */
    bool loss_status;      /* --loss-status: exit 4 if a stat showed loss */
    bool summary;          /* --summary: counts and rate on stderr at exit */
    int interval_ms;       /* --interval: 0 = no interval lines */
    bool json;             /* --json: JSON Lines on stdout, no other text */
    /* group port [interface]: the group to join on the interface, or
     * 0.0.0.0 for unicast (and TCP) with the one local address to
     * receive on */
    prog_positionals pos;
    /* the groups of the group argument (one, or a list or range of
     * multicast groups), with the port */
    size_t group_count;
    sock_addr groups[MDUMP_GROUPS_MAX];
} mdump_opts;

opts_result mdump_parse(int argc, char **argv, mdump_opts *o, cli_error *err);
size_t mdump_equiv(const mdump_opts *o, char *buf, size_t cap);

/* Whether the options ask for counts per stream: --interval, --json,
 * --summary, --loss-status. */
bool mdump_tracks_streams(const mdump_opts *o);

/* What the options ask of the receiver (-Q, -q, -c, -v, -s, --json). */
void mdump_receiver_config(const mdump_opts *o, receiver_config *c);

extern const char mdump_usage[];
extern const char mdump_help[];

#endif
