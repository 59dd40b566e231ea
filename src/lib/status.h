/* status.h - what parsing a command line gives, and the exit statuses of
 * every program, in one place so that the programs agree on them (scripts
 * such as mcheck act on the numbers). */
#ifndef MTOOLS_STATUS_H
#define MTOOLS_STATUS_H

/* What a program's option parser found the command line asks for. */
typedef enum { OPTS_RUN, OPTS_HELP, OPTS_VERSION, OPTS_BAD } opts_result;

enum {
    EXIT_RUNTIME = 1, /* a network or system error */
    EXIT_USAGE = 2,   /* a bad command line */
    EXIT_TIMEOUT = 3, /* nothing arrived in the time given */
    EXIT_LOSS = 4,    /* a 'stat' showed loss (mdump --loss-status) */
    EXIT_UNSENT = 5,  /* msend's schedule ran, but some datagrams could not be
                         sent; mpong's reflector received, but could send
                         back none */
    /* Ended by a signal: this plus its number, as a shell reports it. */
    EXIT_SIGNAL_BASE = 128,
    /* The reader of stdout went away: as if killed by SIGPIPE (13), as
     * the old tools were. */
    EXIT_OUTPUT_GONE = EXIT_SIGNAL_BASE + 13
};

#endif
