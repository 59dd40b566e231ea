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
 * "<name> <version>" (OPTS_VERSION, 0) on stdout (EXIT_RUNTIME, with
 * "ERROR: write stdout: <reason>", when stdout refused it), or
 * "<name>: <error>" and the usage on stderr (OPTS_BAD, EXIT_USAGE). */
enum { PROG_RUN = -1 };
int prog_parsed(const prog_info *p, opts_result r, const cli_error *err);

/* Starts the socket layer: 0, or EXIT_RUNTIME after saying why. */
int prog_start_sockets(void);
void prog_stop_sockets(void);
/* A socket option (its name, as IP_MULTICAST_TTL) that could not be set on
 * the socket to dest (as typed or shown): says "<option> for <dest>: <the
 * last socket error>" as an ERROR line and gives EXIT_RUNTIME. */
int prog_option_failed(const char *option, const char *dest);

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

/* The text of the last ERROR line written (without "ERROR: "), "" when
 * none was: for a program that also tells it in its results (mpong
 * --json). */
const char *prog_last_error(void);

/* A second place for an ERROR line (without its newline). */
typedef void prog_copy_fn(void *ctx, const char *line);
void prog_error_copied(prog_copy_fn *copy, void *ctx, const char *fmt, ...)
    MT_PRINTF(3, 4);

/* ---- the address options: --ipv4, --ipv6 (both programs), --source,
 * --exclude-source (mdump), --loopback, --dscp (msend). A program lists
 * the ones it takes in its cli_long table with these macros and hands
 * every option its own switch does not know to prog_option. */

enum { PROG_SOURCES_MAX = 16 };
enum {
    PROG_OPT_IPV4 = 0x1000,
    PROG_OPT_IPV6,
    PROG_OPT_SOURCE,
    PROG_OPT_EXCLUDE_SOURCE,
    PROG_OPT_LOOPBACK,
    PROG_OPT_DSCP
};
#define PROG_LONGS_FAMILY {"ipv4", false, PROG_OPT_IPV4}, {"ipv6", false, PROG_OPT_IPV6}
#define PROG_LONGS_SOURCES                                                    \
    {"source", true, PROG_OPT_SOURCE}, {"exclude-source", true, PROG_OPT_EXCLUDE_SOURCE}
#define PROG_LONGS_SENDER {"loopback", true, PROG_OPT_LOOPBACK}, {"dscp", true, PROG_OPT_DSCP}

typedef struct prog_net {
    int family;            /* --ipv4 AF_INET, --ipv6 AF_INET6, else AF_UNSPEC */
    int source_count;      /* --source or --exclude-source, as many as typed */
    bool exclude;          /* the sources are --exclude-source ones */
    const char *source_typed[PROG_SOURCES_MAX];
    sock_addr source[PROG_SOURCES_MAX]; /* read by prog_positionals_parse */
    bool loopback_given;   /* --loopback on|off */
    bool loopback;
    bool dscp_given;       /* --dscp 0-63 */
    int dscp;
} prog_net;

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
    sock_addr interface_addr; /* port 0; by name or index: the unspecified
                                 address of the group's family, ifindex set */
    const char *interface_typed;
    bool interface_by_index;  /* typed as a name or an index */
    prog_net net;             /* the address options (kept by the parse) */
} prog_positionals;

/* One of the address options above into p->net: true when taken; false
 * when its value is refused or id is none of them ("unknown option"), err
 * saying why. */
bool prog_option(prog_positionals *p, int id, const char *value, cli_error *err);

/* Reads the positional arguments a scan collected: group and port, then
 * with_ttl a ttl (0-255), then an interface: an address of the group's
 * family, an index, or a name (sock_interface_by_name). The group and the
 * sources may be IPv4, IPv6 or host names (cli_addr_family), of the
 * family --ipv4/--ipv6 chose; an IPv6 group or address of link scope
 * needs an interface (or a zone). A missing group or port, one argument
 * too many, or a value that is not what it must be is refused with err
 * naming it. */
bool prog_positionals_parse(const cli_scan *s, bool with_ttl, prog_positionals *p,
                            cli_error *err);
/* The same, with the group a list of groups (cli_addr_list: "a,b",
 * "a+count"): into groups[0 .. *count), each with the port; p->group is
 * the first. */
bool prog_positionals_parse_list(const cli_scan *s, bool with_ttl, prog_positionals *p,
                                 sock_addr *groups, size_t cap, size_t *count,
                                 cli_error *err);

/* The receiver's rules for --source and --exclude-source: only with a
 * multicast group; a source-specific group (232.0.0.0/8, ff3x::) only
 * with --source. */
bool prog_sources_check(const prog_positionals *p, cli_error *err);

/* With -u, -t or mdump's unicast group the interface is a local address:
 * refused when typed as a name or an index, rule saying what it is for. */
bool prog_interface_is_address(const prog_positionals *p, const char *rule,
                               cli_error *err);

/* A local address (an interface typed as one, mpong's unicast group) that
 * is a broadcast address: 255.255.255.255, or the broadcast address of one
 * of this host's subnets (cli_lookups.subnet_broadcast). True, with the
 * error (what 'typed': ..., rule: what the address is for), when it is. */
bool prog_broadcast_refused(const char *what, const char *typed, const sock_addr *a,
                            const char *rule, cli_error *err);

/* An interface typed as an address: a link-local one with its zone, no
 * broadcast address (prog_broadcast_refused), one of this host's
 * (cli_lookups.address_is_local), and on the interface the group's zone
 * names, if it has one. rule: what the address is for, said
 * in the error; NULL for a multicast interface. Run after the programs'
 * other checks of the positionals; names and indexes were checked by the
 * parse. */
bool prog_interface_local(const prog_positionals *p, const char *rule, cli_error *err);

/* Appends the address options given ("--ipv6 --source 10.0.0.1 "), each
 * followed by a space, to the Equiv line's len characters in buf (as
 * cli_append_words). Nothing when none was given. */
size_t prog_net_equiv(const prog_positionals *p, char *buf, size_t cap, size_t len);

#endif
