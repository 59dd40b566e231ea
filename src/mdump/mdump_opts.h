/* mdump_opts.h - mdump's command line and its "Equiv cmd line". */
#ifndef MTOOLS_MDUMP_OPTS_H
#define MTOOLS_MDUMP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/receiver.h"
#include "lib/cli.h"
#include "lib/prog.h"
#include "lib/status.h"

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
    /* group port [interface]: the group to join on the interface, or
     * 0.0.0.0 for unicast (and TCP) with the one local address to
     * receive on */
    prog_positionals pos;
} mdump_opts;

opts_result mdump_parse(int argc, char **argv, mdump_opts *o, cli_error *err);
size_t mdump_equiv(const mdump_opts *o, char *buf, size_t cap);

/* What the options ask of the receiver (-Q, -q, -c, -v, -s). */
void mdump_receiver_config(const mdump_opts *o, receiver_config *c);

extern const char mdump_usage[];
extern const char mdump_help[];

#endif
