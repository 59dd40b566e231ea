/* mpong_opts.c - mpong's options and the rules that join them. */
#include "mpong/mpong_opts.h"

#include <stdio.h>
#include <string.h>

const char mpong_usage[] =
    "usage: mpong [-h] [-i] [-o ofile] [-r rcvbuf_size] [-S Sndbuf_size] [-s samples] "
    "[-u] [-v] [--timeout time] [--interval time] [--warmup cycles] [--histogram] "
    "[--json] [--idle-timeout time] [--announce] [--version] group port [ttl] [interface]\n";

const char mpong_help[] =
    "mpong - round-trip time over multicast or unicast UDP (-u): a reflector\n"
    "sends back what it gets; the initiator (-i) sends, waits and measures\n"
    "\n"
    "usage: mpong [options] group port [ttl] [interface]\n"
    "\n"
    "  group        multicast group both sides join; with -u the reflector's\n"
    "               address (initiator) or the local address to receive on,\n"
    "               0.0.0.0 or :: for any (reflector, which those alone\n"
    "               make unicast too); IPv4, IPv6 or a host name\n"
    "  port         1-65534: the initiator sends to port + 1 and listens on\n"
    "               port; the reflector listens on port + 1 and answers to\n"
    "               port (with -u: to the sender's address and port)\n"
    "  ttl          multicast time to live, 0-255 (default 2); with -u the\n"
    "               unicast one, 1-255 (default: the system's)\n"
    "  interface    interface to send and join on: one of its addresses,\n"
    "               its name (eth0) or index; with -u the local address to use\n"
    "\n"
    "  -h, --help   this help\n"
    "  -i           initiator: send, wait for the reflection, measure;\n"
    "               without it, reflector\n"
    "  -o file      also write the results to file, every sample included\n"
    "  -r bytes     SO_RCVBUF; 0 = system default (default 1048576)\n"
    "  -S bytes     SO_SNDBUF; 0 = system default (default 65536)\n"
    "  -s count     measured cycles (default 65536); given to the reflector,\n"
    "               it ends after reflecting these and the warm-up\n"
    "  -u           unicast UDP: group is the reflector's address\n"
    "  -v           initiator: print every sample, \"<send time> <RTT us>\"\n"
    "               (\"<send time> lost\" for a lost cycle); the reflector\n"
    "               takes it and prints nothing, as the old one\n"
    "  --version    print the version\n"
    "\n"
    "Times in ms, or in seconds with an s (\"5s\"):\n"
    "  --timeout time     initiator: each cycle's wait for its reply; a cycle\n"
    "                     that gets none is lost (default 1s)\n"
    "  --interval time    initiator: from one cycle's send to the next's\n"
    "                     (default 0: the next as soon as the reply is in)\n"
    "  --warmup count     unmeasured cycles first (default 20); the reflector\n"
    "                     takes it only with -s, to end after both\n"
    "  --histogram        initiator: a histogram of the RTTs at the end\n"
    "  --json             the results as one JSON object on stdout\n"
    "  --idle-timeout time\n"
    "                     reflector: end after this long with nothing\n"
    "                     received (default: run until stopped)\n"
    "  --announce         reflector: a line when it is ready, and one at the\n"
    "                     end with the count it reflected\n"
    "\n"
    "The initiator prints the old tool's line, \"avg RTT ... us, std dev ...,\n"
    "min RTT ... us, max RTT ... us\", then the percentiles (p50, p90, p99,\n"
    "p99.9, max) and \"<n> sent, <n> received, <n> lost, <n> late\" (late:\n"
    "lost cycles whose reply came after their wait). Ctrl-C ends it with\n"
    "the results so far.\n"
    "Exit status: 0 done, 1 network or system error (stdout's too), 2 bad\n"
    "command line, 3 no reply at all (initiator) or nothing received\n"
    "(reflector, --idle-timeout), 5 received but could reflect nothing\n"
    "(reflector); 130 after Ctrl-C (143 after SIGTERM, 129 after SIGHUP), 141\n"
    "stdout's reader gone.\n";

enum { LONG_HELP = 256, LONG_VERSION, LONG_TIMEOUT, LONG_INTERVAL, LONG_WARMUP,
       LONG_HISTOGRAM, LONG_JSON, LONG_IDLE, LONG_ANNOUNCE };

static const cli_long mpong_longs[] = {
    {"help", false, LONG_HELP},
    {"version", false, LONG_VERSION},
    {"timeout", true, LONG_TIMEOUT},
    {"interval", true, LONG_INTERVAL},
    {"warmup", true, LONG_WARMUP},
    {"histogram", false, LONG_HISTOGRAM},
    {"json", false, LONG_JSON},
    {"idle-timeout", true, LONG_IDLE},
    {"announce", false, LONG_ANNOUNCE},
    {NULL, false, 0},
};

static void set_defaults(mpong_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rcvbuf_bytes = 1048576;
    o->sndbuf_bytes = 65536;
    o->cycles = 65536;
    o->timeout_ms = 1000;
    o->warmup = 20;
    o->ttl = 2;
}

/* The options given for the other role, by name; NULL when none. */
typedef struct role_options {
    const char *initiator_only; /* given to a reflector */
    const char *reflector_only; /* given to an initiator */
} role_options;

/* Whether a third positional names an interface rather than a ttl: an
 * address (a dot or a colon, which no ttl has) or the name of one of this
 * host's interfaces. Nothing is looked up on the network. */
static bool names_interface(const char *text)
{
    return !cli_is_decimal(text) &&
           (strpbrk(text, ".:") != NULL || cli_lookups.interface_index(text) != 0);
}

/* group port [ttl] [interface]; three arguments whose third is an
 * interface are group port interface (the old tool read it as a ttl). */
static bool parse_positionals(mpong_opts *o, const cli_scan *s, cli_error *err)
{
    sock_addr addr;
    cli_error ignored;
    bool third_is_interface = s->positional_count == 3 && !s->extra_positional &&
                              names_interface(s->positional[2]);
    /* The port's own range, once the group before it is good. */
    int port;
    if (s->positional_count >= 2 && cli_addr("group", s->positional[0], &addr, &ignored) &&
        !cli_int("port", s->positional[1], 1, 65534, &port, err)) {
        size_t len = strlen(err->text);
        snprintf(err->text + len, sizeof err->text - len, " (mpong uses port and port + 1)");
        return false;
    }
    if (!prog_positionals_parse(s, !third_is_interface, &o->pos, err))
        return false;
    if (o->pos.has_ttl)
        o->ttl = o->pos.ttl;
    return true;
}

/* Both roles' rule for the interface argument with -u. */
#define LOCAL_ADDRESS_RULE "with -u it is the local address to use"
/* The unicast reflector's rule for its group. */
#define LOCAL_GROUP_RULE "with unicast it is the local address to use"

/* The group's kind against the role and -u. */
static bool check_group(mpong_opts *o, cli_error *err)
{
    const prog_positionals *p = &o->pos;
    const char *group = p->typed[0];
    bool multicast = sock_addr_is_multicast(&p->group);
    bool unspecified = sock_addr_is_unspecified(&p->group);
    bool ipv6 = sock_addr_family(&p->group) == AF_INET6;
    const char *groups = ipv6 ? "ff00::/8" : "224.0.0.0 to 239.255.255.255";
    const char *any = ipv6 ? "::" : "0.0.0.0";
    if (o->initiator && o->unicast) {
        if (multicast)
            cli_fail(err, "group '%s': a multicast group; leave -u out to measure over "
                     "multicast", group);
        else if (unspecified)
            cli_fail(err, "group '%s': with -u the group is the reflector's address, "
                     "to send to", group);
        /* The interface is bound as the local address, as the
         * reflector's: a name or an index says none. */
        return !multicast && !unspecified &&
               prog_interface_is_address(p, LOCAL_ADDRESS_RULE, err);
    }
    if (o->initiator) {
        if (!multicast)
            cli_fail(err, "group '%s': must be a multicast address (%s); to measure to "
                     "a host use -u", group, groups);
        return multicast;
    }
    if (o->unicast && multicast) {
        cli_fail(err, "group '%s': a multicast group; leave -u out to reflect "
                 "multicast", group);
        return false;
    }
    if (!o->unicast && !multicast && !unspecified) {
        cli_fail(err, "group '%s': must be a multicast address (%s), or %s (with -u "
                 "also a local address) for unicast", group, groups, any);
        return false;
    }
    o->unicast = o->unicast || unspecified;
    if (o->unicast && !unspecified && p->has_interface) {
        cli_fail(err, "interface '%s': the reflector receives on '%s' already; give "
                 "the local address once (as group, or as interface with group "
                 "%s)", p->interface_typed, group, any);
        return false;
    }
    /* With -u the interface is the local address to use: a name or an
     * index says none. */
    if (o->unicast && !prog_interface_is_address(p, LOCAL_ADDRESS_RULE, err))
        return false;
    return true;
}

static bool check_rules(mpong_opts *o, const role_options *r, cli_error *err)
{
    if (r->initiator_only && !o->initiator) {
        cli_fail(err, "%s: only applies to the initiator (-i)", r->initiator_only);
        return false;
    }
    if (r->reflector_only && o->initiator) {
        cli_fail(err, "%s: only applies to the reflector (without -i)", r->reflector_only);
        return false;
    }
    /* A reflector counts cycles only to end after -s's and the warm-up's. */
    if (o->warmup_given && !o->initiator && !o->cycles_given) {
        cli_fail(err, "--warmup: the reflector uses it only with -s (it then ends after "
                 "-s's cycles and the warm-up)");
        return false;
    }
    if (o->json && (o->announce || (o->verbose && o->initiator))) {
        cli_fail(err, "%s and --json: choose one (%s prints text lines, --json one "
                 "JSON object on stdout)", o->announce ? "--announce" : "-v",
                 o->announce ? "--announce" : "-v");
        return false;
    }
    if (!check_group(o, err))
        return false;
    if (o->unicast && o->pos.has_ttl && o->ttl == 0) {
        cli_fail(err, "ttl '%s': with unicast it is the unicast time to live, which "
                 "must be from 1 to 255", o->pos.typed[2]);
        return false;
    }
    /* The unicast reflector's group is the local address to receive on:
     * refused, as an interface address, when it is a broadcast address
     * or this host has none such. */
    unsigned index;
    const sock_addr *group = &o->pos.group;
    if (!o->initiator && o->unicast && !sock_addr_is_unspecified(group) &&
        !(sock_addr_needs_interface(group) && sock_addr_zone(group) == 0)) {
        if (prog_broadcast_refused("group", o->pos.typed[0], group, LOCAL_GROUP_RULE, err))
            return false;
        if (!cli_lookups.address_is_local(group, &index)) {
            cli_fail(err, "group '%s': not an address of this host (%s)", o->pos.typed[0],
                     LOCAL_GROUP_RULE);
            return false;
        }
    }
    return prog_interface_local(&o->pos, o->unicast ? LOCAL_ADDRESS_RULE : NULL, err);
}

opts_result mpong_parse(int argc, char **argv, mpong_opts *o, cli_error *err)
{
    cli_scan s;
    role_options roles = {NULL, NULL};
    set_defaults(o);
    cli_scan_init(&s, argc, argv, "hio:r:S:s:uv", mpong_longs);
    for (;;) {
        int opt = cli_next(&s, err);
        bool ok = true;
        switch (opt) {
        case 0:
            if (!parse_positionals(o, &s, err) || !check_rules(o, &roles, err))
                return OPTS_BAD;
            return OPTS_RUN;
        case -1:
            return OPTS_BAD;
        case 'h':
        case LONG_HELP:
            return OPTS_HELP;
        case LONG_VERSION:
            return OPTS_VERSION;
        case 'i':
            o->initiator = true;
            break;
        case 'o':
            ok = cli_output_file(s.value, &o->out_file, err);
            break;
        case 'r':
            ok = cli_int("-r (SO_RCVBUF bytes)", s.value, 0, 2147483647,
                         &o->rcvbuf_bytes, err);
            break;
        case 'S':
            ok = cli_int("-S (SO_SNDBUF bytes)", s.value, 0, 2147483647,
                         &o->sndbuf_bytes, err);
            break;
        case 's':
            ok = cli_number("-s (samples)", s.value, 1, MPONG_CYCLES_MAX, &o->cycles, err);
            o->cycles_given = true;
            break;
        case 'u':
            o->unicast = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case LONG_TIMEOUT:
            ok = cli_duration_ms("--timeout", s.value, 1, PINGER_TIMEOUT_MAX_MS,
                                 &o->timeout_ms, err);
            roles.initiator_only = "--timeout";
            break;
        case LONG_INTERVAL:
            ok = cli_duration_ms("--interval", s.value, 0, PINGER_TIMEOUT_MAX_MS,
                                 &o->interval_ms, err);
            roles.initiator_only = "--interval";
            break;
        case LONG_WARMUP:
            ok = cli_number("--warmup (cycles)", s.value, 0, MPONG_WARMUP_MAX, &o->warmup,
                            err);
            o->warmup_given = true;
            break;
        case LONG_HISTOGRAM:
            o->histogram = true;
            roles.initiator_only = "--histogram";
            break;
        case LONG_JSON:
            o->json = true;
            break;
        case LONG_IDLE:
            ok = cli_duration_ms("--idle-timeout", s.value, 1, 2147483647,
                                 &o->idle_timeout_ms, err);
            roles.reflector_only = "--idle-timeout";
            break;
        case LONG_ANNOUNCE:
            o->announce = true;
            roles.reflector_only = "--announce";
            break;
        default:
            cli_fail(err, "unknown option");
            return OPTS_BAD;
        }
        if (!ok)
            return OPTS_BAD;
    }
}

void mpong_pinger_config(const mpong_opts *o, pinger_config *c)
{
    memset(c, 0, sizeof *c);
    c->warmup = (uint64_t)o->warmup;
    c->cycles = (uint64_t)o->cycles;
    c->timeout_ms = o->timeout_ms;
    c->interval_ms = o->interval_ms;
}
