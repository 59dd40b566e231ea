/* prog.h - what every program of the family shares around its engine:
 * the positional arguments (group port [ttl] [interface]), the handling
 * of --help, --version and a bad command line, and the one writer of the
 * ERROR:, WARNING: and NOTE: lines users and scripts know. */
#ifndef MTOOLS_PROG_H
#define MTOOLS_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/cli.h"
#include "lib/status.h"

/* ---- group port [ttl] [interface] */

enum { PROG_POSITIONALS_MAX = 4 };

typedef struct prog_positionals {
    const char *typed[PROG_POSITIONALS_MAX]; /* as typed, for the Equiv line */
    int count;
    sock_addr group;       /* the group (or with -u/-t the address), with the port */
    uint16_t port;
    bool has_ttl;
    int ttl;               /* 0-255, when typed */
    bool has_interface;
    sock_addr interface_addr; /* port 0 */
    const char *interface_typed;
} prog_positionals;

/* Reads the positional arguments a scan collected: group and port, then
 * with_ttl a ttl (0-255), then an interface address. A missing group or
 * port, one argument too many, or a value that is not what it must be is
 * refused with err naming it. */
bool prog_positionals_parse(const cli_scan *s, bool with_ttl, prog_positionals *p,
                            cli_error *err);

#endif
