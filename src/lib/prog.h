/* prog.h - what every program of the family shares around its engine:
 * the positional arguments (group port [ttl] [interface]), the handling
 * of --help, --version and a bad command line, and the one writer of the
 * ERROR:, WARNING: and NOTE: lines users and scripts know. */
#ifndef MTOOLS_PROG_H
#define MTOOLS_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/cli.h"
#include "lib/compiler.h"
#include "lib/status.h"

/* ---- --help, --version, a bad command line */

typedef struct prog_info {
    const char *name;  /* "msend": the version line and usage errors */
    const char *help;  /* --help */
    const char *usage; /* after a bad command line */
} prog_info;

/* What the program does with its parser's verdict: PROG_RUN to go on;
 * else the status to exit with, after printing the help (OPTS_HELP, 0) or
 * "<name> <version>" (OPTS_VERSION, 0) on stdout, or "<name>: <error>"
 * and the usage on stderr (OPTS_BAD, EXIT_USAGE). */
enum { PROG_RUN = -1 };
int prog_parsed(const prog_info *p, opts_result r, const cli_error *err);

/* Starts the socket layer: 0, or EXIT_RUNTIME after saying why. */
int prog_start_sockets(void);
void prog_stop_sockets(void);

/* ---- ERROR:, WARNING:, NOTE:
 *
 * The one writer of the diagnostics on stderr, each one line. An ERROR
 * follows whatever stdout was given before it (stdout is flushed first),
 * so that a terminal shows them in order. A program that also keeps them
 * elsewhere (mdump's -o file) passes a copy function. The prefixes are
 * also for the warnings a program writes into its output stream (mdump's
 * lines that the old tool printed on stdout). */
#define PROG_ERROR_PREFIX "ERROR: "
#define PROG_WARNING_PREFIX "WARNING: "
#define PROG_NOTE_PREFIX "NOTE: "

void prog_error(const char *fmt, ...) MT_PRINTF(1, 2);
void prog_warning(const char *fmt, ...) MT_PRINTF(1, 2);
void prog_note(const char *fmt, ...) MT_PRINTF(1, 2);

/* A second place for an ERROR line (without its newline). */
typedef void prog_copy_fn(void *ctx, const char *line);
void prog_error_copied(prog_copy_fn *copy, void *ctx, const char *fmt, ...)
    MT_PRINTF(3, 4);

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
/* The same, with the group a list of groups (cli_addr_list: "a,b",
 * "a+count"): into groups[0 .. *count), each with the port; p->group is
 * the first. */
bool prog_positionals_parse_list(const cli_scan *s, bool with_ttl, prog_positionals *p,
                                 sock_addr *groups, size_t cap, size_t *count,
                                 cli_error *err);

#endif
