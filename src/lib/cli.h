/* cli.h - strict command-line parsing shared by msend and mdump.
 *
 * Every value is checked where it enters: numbers for form and range,
 * addresses for their form (cli_addr). A failure fills a cli_error
 * whose text names the argument, the rule and the input, so the mains
 * only have to print it. Option scanning is our own so that Windows
 * behaves exactly like Linux. */
#ifndef MTOOLS_CLI_H
#define MTOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/compiler.h"

typedef struct cli_error {
    char text[512];
} cli_error;

void cli_fail(cli_error *err, const char *fmt, ...) MT_PRINTF(2, 3);

/* A whole decimal number in [min, max]. `what` names the argument in the
 * error, e.g. "-b (messages per burst)". */
bool cli_number(const char *what, const char *text, long long min,
                long long max, long long *out, cli_error *err);
bool cli_int(const char *what, const char *text, int min, int max, int *out,
             cli_error *err);

/* A duration: a whole number of milliseconds ("500", "500ms") or of
 * seconds ("5s"), in [min_ms, max_ms]. */
bool cli_duration_ms(const char *what, const char *text, int min_ms,
                     int max_ms, int *out, cli_error *err);

/* An address as typed, into *addr with port 0, in one of three forms,
 * told apart by their characters:
 *  - only digits and dots (or nothing): IPv4's dotted quad, exactly four
 *    decimal numbers 0..255, no leading zeros (inet_addr would read them
 *    as octal; getaddrinfo would read "1.2.3" as 1.2.0.3);
 *  - a colon: IPv6's text form (RFC 4291), with a zone ("fe80::1%eth0",
 *    "%2") on a link-local address only;
 *  - else a host name, looked up (cli_lookups.host: getaddrinfo) for an
 *    address of family (AF_INET, AF_INET6; AF_UNSPEC: the first the
 *    system gives, RFC 6724's order). A name under "invalid." is refused
 *    without a lookup (RFC 6761).
 * The error names the argument and the rule of the form meant. */
bool cli_addr_family(const char *what, const char *text, int family, sock_addr *addr,
                     cli_error *err);
bool cli_addr(const char *what, const char *text, sock_addr *addr,
              cli_error *err);

/* A list of addresses: items separated by commas, each an address
 * (cli_addr_family, a host name looked up in family: AF_UNSPEC, AF_INET or
 * AF_INET6) or a range "address+count", the count addresses from that
 * one on ("239.1.1.1+4" is 239.1.1.1 to 239.1.1.4); a range of groups
 * stays in its first group's block (sock_addr_multicast_block: its scope,
 * flags, kind). All of one family, at most cap in all, none twice. The addresses into out[0 .. *count), in
 * the order given, with port 0. */
bool cli_addr_list(const char *what, const char *text, int family, sock_addr *out,
                   size_t cap, size_t *count, cli_error *err);

/* Non-empty and only decimal digits. */
bool cli_is_decimal(const char *text);

/* The lookups the parse makes of the system: sock_resolve,
 * sock_interface_by_name, sock_interface_exists, sock_address_is_local and
 * sock_subnet_broadcast (lib/sock.h), replaced by tests and fuzzers
 * that must not ask the network. */
typedef struct cli_lookup {
    int (*host)(const char *name, int family, sock_addr *out);
    unsigned (*interface_index)(const char *name);
    bool (*interface_exists)(unsigned ifindex);               /* sock_interface_exists */
    bool (*address_is_local)(const sock_addr *a, unsigned *ifindex); /* sock_address_is_local */
    bool (*subnet_broadcast)(const sock_addr *a); /* sock_subnet_broadcast */
} cli_lookup;
extern cli_lookup cli_lookups;

/* The value of a hex digit (either case), or -1. */
int cli_hex_digit(int c);

/* Hex digits to bytes; the digit count must be even and non-zero. */
bool cli_hex(const char *what, const char *text, uint8_t *out, size_t cap,
             size_t *len, cli_error *err);

/* For the Equiv lines: appends words, a space between two, to the len
 * characters already meant for buf (a snprintf-style result: buf may have
 * been cut, or be NULL with cap 0). Returns the whole length meant; buf
 * holds as much as fits, NUL-terminated. */
size_t cli_append_words(char *buf, size_t cap, size_t len,
                        const char *const *words, int count);

/* Long options recognised by the scanner: "--name" or "--name=value". */
typedef struct cli_long {
    const char *name;
    bool has_value;
    int id; /* returned by cli_next; use values above 255 */
} cli_long;

enum { CLI_MAX_POSITIONALS = 8 };

/* Scans argv like getopt with GNU argument permutation: options may follow
 * positionals, "--" ends the options, flags cluster ("-qq"), a value may be
 * attached ("-b5") or be the next argument ("-b 5"). */
typedef struct cli_scan {
    int argc;
    char **argv;
    const char *shorts;    /* getopt-style: "b:dq" */
    const cli_long *longs; /* terminated by a NULL name; may be NULL */
    int index;
    const char *cluster; /* rest of a "-qq" cluster */
    bool options_done;
    const char *value; /* the option's value, when it takes one */
    const char *positional[CLI_MAX_POSITIONALS];
    int positional_count;
    const char *extra_positional; /* first one past the limit */
} cli_scan;

void cli_scan_init(cli_scan *s, int argc, char **argv, const char *shorts,
                   const cli_long *longs);
/* Returns the option character or long id; 0 when argv is exhausted;
 * -1 on an unknown option or a missing value (err says which). */
int cli_next(cli_scan *s, cli_error *err);

/* -o's file name into *file: refused when empty, or when -o came before
 * (two files asked for, one written: no "last one counts" for it). The
 * name is kept, not copied (argv lives long enough). */
bool cli_output_file(const char *text, const char **file, cli_error *err);

#endif
