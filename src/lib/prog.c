/* prog.c - the programs' shared skeleton (see prog.h). */
#include "lib/prog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/sock.h"

/* The help or the version on stdout, or the status of a write it refused
 * (a full disk: said, as for the programs' other output; its reader
 * gone: as if killed by SIGPIPE). */
static int stdout_written(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    if (errno == EPIPE)
        return EXIT_OUTPUT_GONE;
    prog_error("write stdout: %s", strerror(errno));
    return EXIT_RUNTIME;
}

int prog_parsed(const prog_info *p, opts_result r, const cli_error *err)
{
    switch (r) {
    case OPTS_HELP:
        fputs(p->help, stdout);
        return stdout_written();
    case OPTS_VERSION:
        printf("%s %s\n", p->name, MTOOLS_VERSION);
        return stdout_written();
    case OPTS_BAD:
        fprintf(stderr, "%s: %s\n%s", p->name, err->text, p->usage);
        return EXIT_USAGE;
    case OPTS_RUN:
        break;
    }
    return PROG_RUN;
}

int prog_start_sockets(void)
{
    if (sock_startup() == 0)
        return 0;
    prog_error("socket start-up: %s", sock_error_text());
    return EXIT_RUNTIME;
}

void prog_stop_sockets(void)
{
    sock_cleanup();
}

int prog_option_failed(const char *option, const char *dest)
{
    prog_error("%s for %s: %s", option, dest, sock_error_text());
    return EXIT_RUNTIME;
}

/* Longest diagnostic kept whole; longer ones are cut. */
enum { LINE_MAX_BYTES = 1024 };

/* The line: prefix and the formatted text, cut at LINE_MAX_BYTES. */
static void format_line(char line[LINE_MAX_BYTES], const char *prefix, const char *fmt,
                        va_list ap) MT_PRINTF(3, 0);
static void format_line(char line[LINE_MAX_BYTES], const char *prefix, const char *fmt,
                        va_list ap)
{
    size_t n = strlen(prefix);
    memcpy(line, prefix, n + 1);
    vsnprintf(line + n, LINE_MAX_BYTES - n, fmt, ap);
}

static void say(const char *prefix, const char *fmt, va_list ap) MT_PRINTF(2, 0);
static void say(const char *prefix, const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES];
    format_line(line, prefix, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

/* The last ERROR line, for prog_last_error. */
static char last_error[LINE_MAX_BYTES];

static void keep_error(const char *line)
{
    snprintf(last_error, sizeof last_error, "%s", line + strlen(PROG_ERROR_PREFIX));
}

const char *prog_last_error(void)
{
    return last_error;
}

/* An ERROR line: after what stdout holds, on stderr, kept for
 * prog_last_error, and given to copy when there is one. */
static void say_error(prog_copy_fn *copy, void *ctx, const char *fmt, va_list ap)
    MT_PRINTF(3, 0);
static void say_error(prog_copy_fn *copy, void *ctx, const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES];
    format_line(line, PROG_ERROR_PREFIX, fmt, ap);
    (void)fflush(stdout); /* a failing stdout still lets the error out */
    fprintf(stderr, "%s\n", line);
    keep_error(line);
    if (copy)
        copy(ctx, line);
}

void prog_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say_error(NULL, NULL, fmt, ap);
    va_end(ap);
}

void prog_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(PROG_WARNING_PREFIX, fmt, ap);
    va_end(ap);
}

void prog_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(PROG_NOTE_PREFIX, fmt, ap);
    va_end(ap);
}

void prog_error_copied(prog_copy_fn *copy, void *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say_error(copy, ctx, fmt, ap);
    va_end(ap);
}

bool prog_option(prog_positionals *p, int id, const char *value, cli_error *err)
{
    prog_net *n = &p->net;
    switch (id) {
    case PROG_OPT_IPV4:
    case PROG_OPT_IPV6: {
        int family = id == PROG_OPT_IPV4 ? AF_INET : AF_INET6;
        if (n->family != AF_UNSPEC && n->family != family) {
            cli_fail(err, "--ipv4 and --ipv6: choose one address family");
            return false;
        }
        n->family = family;
        return true;
    }
    case PROG_OPT_SOURCE:
    case PROG_OPT_EXCLUDE_SOURCE: {
        bool exclude = id == PROG_OPT_EXCLUDE_SOURCE;
        if (n->source_count > 0 && n->exclude != exclude) {
            cli_fail(err, "--source and --exclude-source: choose one, the sources to "
                          "receive from (--source) or those to leave out (--exclude-source)");
            return false;
        }
        if (n->source_count == PROG_SOURCES_MAX) {
            cli_fail(err, "%s '%s': at most %d sources", exclude ? "--exclude-source" : "--source",
                     value, PROG_SOURCES_MAX);
            return false;
        }
        n->exclude = exclude;
        n->source_typed[n->source_count++] = value;
        return true;
    }
    case PROG_OPT_LOOPBACK:
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            cli_fail(err, "--loopback '%s': must be on or off", value);
            return false;
        }
        n->loopback_given = true;
        n->loopback = strcmp(value, "on") == 0;
        return true;
    case PROG_OPT_DSCP:
        n->dscp_given = true;
        return cli_int("--dscp (DiffServ code point)", value, 0, 63, &n->dscp, err);
    default:
        cli_fail(err, "unknown option");
        return false;
    }
}

static int family_number(int family)
{
    return family == AF_INET6 ? 6 : 4;
}

/* The interface argument: an address of the group's family, an index, or
 * a name. */
static bool parse_interface(prog_positionals *p, const char *text, cli_error *err)
{
    int family = sock_addr_family(&p->group);
    p->interface_typed = text;
    p->has_interface = true;
    long long index = 0;
    cli_error ignored;
    if (cli_is_decimal(text)) {
        if (!cli_number("interface", text, 1, 0x7fffffff, &index, &ignored)) {
            cli_fail(err, "interface '%s': an interface index must be from 1 to 2147483647",
                     text);
            return false;
        }
        if (!cli_lookups.interface_exists((unsigned)index)) {
            cli_fail(err, "interface '%s': no interface of that index on this host (an "
                          "interface is one of its addresses, names or indexes)", text);
            return false;
        }
    } else if (text[0] == '\0' || strspn(text, "0123456789.") == strlen(text) ||
               strchr(text, ':')) {
        if (!cli_addr_family("interface", text, family, &p->interface_addr, err))
            return false;
        if (sock_addr_family(&p->interface_addr) != family) {
            cli_fail(err, "interface '%s': an IPv%d address, but the group is IPv%d (give an "
                          "address of the group's family, or the interface's name)",
                     text, family_number(sock_addr_family(&p->interface_addr)),
                     family_number(family));
            return false;
        }
        return true;
    } else {
        index = (long long)cli_lookups.interface_index(text);
        if (index == 0) {
            /* Not an interface's name: a host name, whose address (of the
             * group's family) is the interface's. */
            cli_error lookup;
            if (cli_addr_family("interface", text, family, &p->interface_addr, &lookup) &&
                sock_addr_family(&p->interface_addr) == family)
                return true;
            cli_fail(err, "interface '%.80s': no interface of that name on this host, nor a "
                          "host name with an IPv%d address (an interface is one of its "
                          "addresses, names or indexes)", text, family_number(family));
            return false;
        }
    }
    sock_addr_unspecified(&p->interface_addr, family, 0);
    p->interface_addr.ifindex = (unsigned)index;
    p->interface_by_index = true;
    return true;
}

/* A multicast group no host joins: IPv4's base address 224.0.0.0 (RFC
 * 5771), an IPv6 group of reserved scope 0 or f (RFC 4291 2.7, RFC 7346).
 * item: the list's address meant (for the error), NULL for the group. */
static bool group_reserved(const char *typed, const sock_addr *g, bool item, cli_error *err)
{
    char shown[SOCK_ADDR_TEXT];
    sock_addr_format(g, SOCK_ADDR_HOST, shown);
    const char *sep = item ? ": " : "";
    int scope = sock_addr_multicast_scope(g);
    if (scope == 0 || scope == 0xf) {
        cli_fail(err, "group '%s': %s%sthe scope %x is reserved (RFC 4291, RFC 7346); a "
                      "group's scope, its fourth hex digit, is from 1 (interface-local) to e "
                      "(global)", typed, item ? shown : "", sep, (unsigned)scope);
        return true;
    }
    const uint8_t *bytes;
    if (sock_addr_bytes(g, &bytes) == 4 && bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0 &&
        bytes[3] == 0) {
        cli_fail(err, "group '%s': %s%sthe base address of the multicast range, reserved "
                      "(RFC 5771) and no group; a group is from 224.0.0.1 to "
                      "239.255.255.255", typed, item ? shown : "", sep);
        return true;
    }
    return false;
}

/* What a broadcast address is called in an error: 255.255.255.255, or
 * the broadcast address of one of this host's subnets
 * (cli_lookups.subnet_broadcast); NULL for any other address. */
static const char *broadcast_named(const sock_addr *a)
{
    const uint8_t *bytes;
    if (sock_addr_bytes(a, &bytes) != 4)
        return NULL;
    if (memcmp(bytes, "\xff\xff\xff\xff", 4) == 0)
        return "the broadcast address";
    return cli_lookups.subnet_broadcast(a) ? "the broadcast address of one of this host's subnets"
                                           : NULL;
}

/* The sources, of the group's family, none a group, unspecified or a
 * broadcast address. */
static bool parse_sources(prog_positionals *p, cli_error *err)
{
    prog_net *n = &p->net;
    const char *what = n->exclude ? "--exclude-source" : "--source";
    int family = sock_addr_family(&p->group);
    for (int i = 0; i < n->source_count; i++) {
        const char *text = n->source_typed[i];
        if (!cli_addr_family(what, text, family, &n->source[i], err))
            return false;
        if (sock_addr_family(&n->source[i]) != family) {
            cli_fail(err, "%s '%s': an IPv%d address, but the group is IPv%d", what, text,
                     family_number(sock_addr_family(&n->source[i])), family_number(family));
            return false;
        }
        const char *not_unicast = sock_addr_is_multicast(&n->source[i]) ? "a multicast group"
                                  : sock_addr_is_unspecified(&n->source[i])
                                      ? "the unspecified address"
                                      : broadcast_named(&n->source[i]);
        if (not_unicast) {
            cli_fail(err, "%s '%s': a source is the unicast address of a sender, not %s", what,
                     text, not_unicast);
            return false;
        }
        for (int k = 0; k < i; k++) {
            if (sock_addr_same_host(&n->source[k], &n->source[i])) {
                cli_fail(err, "%s '%s': the same sender as %s '%s' (name each one once)", what,
                         text, what, n->source_typed[k]);
                return false;
            }
        }
    }
    return true;
}

/* A list's link-local groups: each its own zone, or the interface's. */
static bool list_zones(const prog_positionals *p, sock_addr *groups, size_t count,
                       cli_error *err)
{
    for (size_t i = 0; i < count; i++) {
        if (!sock_addr_needs_interface(&groups[i]) || sock_addr_zone(&groups[i]) != 0)
            continue;
        unsigned zone = p->interface_by_index ? p->interface_addr.ifindex
                                              : sock_addr_zone(&p->group);
        if (zone == 0 && p->has_interface)
            continue; /* joined on the interface's address */
        if (zone == 0) {
            char shown[SOCK_ADDR_TEXT];
            sock_addr_format(&groups[i], SOCK_ADDR_HOST, shown);
            cli_fail(err, "group '%s': %s is a link-local group (scope ff01:: or ff02::), "
                          "which needs an interface: give one after the port (a name or an "
                          "index) or as a zone (ff02::1%%eth0)", p->typed[0], shown);
            return false;
        }
        sock_addr_set_zone(&groups[i], zone);
    }
    return true;
}

/* The zone names the interface to send or join on, as if given after
 * the port by its index. */
static void interface_from_zone(prog_positionals *p, int family, unsigned zone)
{
    sock_addr_unspecified(&p->interface_addr, family, 0);
    p->interface_addr.ifindex = zone;
    p->interface_by_index = true;
    p->has_interface = true;
    p->interface_typed = p->typed[0];
}

/* A group's zone against the interface argument: the one error. */
static bool zone_differs(const prog_positionals *p, cli_error *err)
{
    cli_fail(err, "group '%s': its zone and the interface '%s' differ; give the "
                  "interface once, after the port or as the zone", p->typed[0],
             p->interface_typed);
    return false;
}

/* The groups' zones (RFC 4007) name one interface, and the interface
 * argument, by name or index, is that one: a list shares one interface,
 * and a zone that contradicts the interface would leave one of the two
 * unused. A list's zone, where its first group has none, is the
 * interface for all. */
static bool zones_agree(prog_positionals *p, const sock_addr *groups, size_t count,
                        cli_error *err)
{
    unsigned zone = sock_addr_zone(&p->group);
    for (size_t i = 0; i < count; i++) {
        unsigned z = sock_addr_zone(&groups[i]);
        if (z != 0 && zone != 0 && z != zone) {
            cli_fail(err, "group '%s': the groups' zones differ; a list shares one "
                          "interface: give it once, after the port or as the zones",
                     p->typed[0]);
            return false;
        }
        if (z != 0)
            zone = z;
    }
    if (zone != 0 && p->interface_by_index && p->interface_addr.ifindex != zone)
        return zone_differs(p, err);
    if (zone != 0 && count > 0 && !p->has_interface && sock_addr_is_multicast(&p->group) &&
        sock_addr_zone(&p->group) == 0)
        interface_from_zone(p, sock_addr_family(&p->group), zone);
    return true;
}

/* A link-local group or address (sock_addr_needs_interface): it needs
 * its interface, given after the port or as its zone; a zone with no
 * interface argument names the interface to send or join on. */
static bool link_local_rules(prog_positionals *p, int family, cli_error *err)
{
    unsigned zone = sock_addr_zone(&p->group);
    bool multicast = sock_addr_is_multicast(&p->group);
    if (zone == 0 && !(p->has_interface && multicast)) {
        cli_fail(err, "group '%s': a link-local %s needs %s", p->typed[0],
                 multicast ? "group (scope ff01:: or ff02::)" : "address (fe80::/10)",
                 multicast ? "an interface: give one after the port (a name, an index "
                             "or an address) or as a zone (ff02::1%eth0)"
                           : "its interface as a zone (fe80::1%eth0)");
        return false;
    }
    if (zone == 0 && p->interface_by_index)
        sock_addr_set_zone(&p->group, p->interface_addr.ifindex);
    if (zone != 0 && multicast && !p->has_interface)
        interface_from_zone(p, family, zone);
    return true;
}

/* groups NULL: the group is one address. */
static bool parse_positionals(const cli_scan *s, bool with_ttl, prog_positionals *p,
                              sock_addr *groups, size_t cap, size_t *count,
                              cli_error *err)
{
    static const char *const names[] = {"group", "port"};
    int most = with_ttl ? 4 : 3;
    prog_net net = p->net; /* the options, read before the positionals */
    memset(p, 0, sizeof *p);
    p->net = net;
    if (s->positional_count < 2) {
        cli_fail(err, "missing argument '%s'", names[s->positional_count]);
        return false;
    }
    if (s->positional_count > most || s->extra_positional) {
        cli_fail(err, "unexpected argument '%s' (at most: group port %sinterface)",
                 s->positional_count > most ? s->positional[most] : s->extra_positional,
                 with_ttl ? "ttl " : "");
        return false;
    }
    p->count = s->positional_count;
    for (int i = 0; i < s->positional_count; i++)
        p->typed[i] = s->positional[i];
    int port;
    bool list = groups && strpbrk(s->positional[0], ",+") != NULL;
    bool group_ok = list ? cli_addr_list("group", s->positional[0], net.family, groups, cap,
                                         count, err)
                         : cli_addr_family("group", s->positional[0], net.family, &p->group,
                                           err);
    if (!group_ok || !cli_int("port", s->positional[1], 1, 65535, &port, err))
        return false;
    if (list)
        p->group = groups[0];
    int family = sock_addr_family(&p->group);
    if (net.family != AF_UNSPEC && family != net.family) {
        cli_fail(err, "group '%s': an IPv%d address, but --ipv%d was given", p->typed[0],
                 family_number(family), family_number(net.family));
        return false;
    }
    if (group_reserved(p->typed[0], &p->group, false, err))
        return false;
    for (size_t i = 0; list && i < *count; i++)
        if (group_reserved(p->typed[0], &groups[i], true, err))
            return false;
    p->port = (uint16_t)port;
    if (groups && !list) {
        groups[0] = p->group;
        *count = 1;
    }
    if (groups) {
        for (size_t i = 0; i < *count; i++)
            sock_addr_set_port(&groups[i], p->port);
        p->group = groups[0];
    }
    sock_addr_set_port(&p->group, p->port);
    int next = 2;
    if (with_ttl && s->positional_count > next) {
        if (!cli_int("ttl", s->positional[next], 0, 255, &p->ttl, err))
            return false;
        p->has_ttl = true;
        next++;
    }
    if (s->positional_count > next && !parse_interface(p, s->positional[next], err))
        return false;
    if (!zones_agree(p, groups, list ? *count : 0, err))
        return false;
    if (sock_addr_needs_interface(&p->group) && !link_local_rules(p, family, err))
        return false;
    if (groups && !list)
        groups[0] = p->group; /* with the zone the interface gave */
    if (list && !list_zones(p, groups, *count, err))
        return false;
    return parse_sources(p, err);
}

bool prog_sources_check(const prog_positionals *p, cli_error *err)
{
    const prog_net *n = &p->net;
    bool multicast = sock_addr_is_multicast(&p->group);
    if (n->source_count > 0 && !multicast) {
        cli_fail(err, "%s '%s': sources filter a multicast group, and group '%s' is not one",
                 n->exclude ? "--exclude-source" : "--source", n->source_typed[0], p->typed[0]);
        return false;
    }
    if (sock_addr_is_ssm(&p->group) && (n->source_count == 0 || n->exclude)) {
        cli_fail(err, "group '%s': a source-specific group (%s) is received only from the "
                      "sources named: give them with --source", p->typed[0],
                 sock_addr_family(&p->group) == AF_INET6 ? "ff3x::/16" : "232.0.0.0/8");
        return false;
    }
    return true;
}

bool prog_positionals_parse(const cli_scan *s, bool with_ttl, prog_positionals *p,
                            cli_error *err)
{
    size_t none; /* no list: one group, in p->group */
    return parse_positionals(s, with_ttl, p, NULL, 0, &none, err);
}

bool prog_positionals_parse_list(const cli_scan *s, bool with_ttl, prog_positionals *p,
                                 sock_addr *groups, size_t cap, size_t *count,
                                 cli_error *err)
{
    *count = 0;
    return parse_positionals(s, with_ttl, p, groups, cap, count, err);
}

bool prog_interface_is_address(const prog_positionals *p, const char *rule, cli_error *err)
{
    if (!p->interface_by_index || !p->has_interface || p->interface_typed == p->typed[0])
        return true;
    cli_fail(err, "interface '%s': %s: give one of this host's addresses, not an interface's "
                  "name or index", p->interface_typed, rule);
    return false;
}

bool prog_broadcast_refused(const char *what, const char *typed, const sock_addr *a,
                            const char *rule, cli_error *err)
{
    const char *broadcast = broadcast_named(a);
    if (broadcast)
        cli_fail(err, "%s '%s': %s, not a unicast address of this host (%s)", what, typed,
                 broadcast, rule);
    return broadcast != NULL;
}

bool prog_interface_local(const prog_positionals *p, const char *rule, cli_error *err)
{
    const sock_addr *a = &p->interface_addr;
    if (!p->has_interface || p->interface_by_index || sock_addr_is_unspecified(a))
        return true;
    const char *why = rule ? rule : "an interface is one of its addresses, names or indexes";
    if (sock_addr_needs_interface(a) && sock_addr_zone(a) == 0) {
        cli_fail(err, "interface '%s': a link-local address (fe80::/10) needs its interface "
                      "as a zone (fe80::1%%eth0)", p->interface_typed);
        return false;
    }
    if (prog_broadcast_refused("interface", p->interface_typed, a, why, err))
        return false;
    unsigned index;
    if (!cli_lookups.address_is_local(a, &index)) {
        cli_fail(err, "interface '%s': not an address of this host (%s)", p->interface_typed,
                 why);
        return false;
    }
    unsigned zone = sock_addr_zone(&p->group);
    if (zone != 0 && index != 0 && index != zone)
        return zone_differs(p, err);
    return true;
}

/* Appends word and a space. */
static size_t append_word(char *buf, size_t cap, size_t len, const char *word)
{
    const char *const words[2] = {word, ""};
    return cli_append_words(buf ? buf + len : NULL, buf && cap > len ? cap - len : 0, 0,
                            words, 2) + len;
}

size_t prog_net_equiv(const prog_positionals *p, char *buf, size_t cap, size_t len)
{
    const prog_net *n = &p->net;
    if (n->family != AF_UNSPEC)
        len = append_word(buf, cap, len, n->family == AF_INET6 ? "--ipv6" : "--ipv4");
    for (int i = 0; i < n->source_count; i++) {
        len = append_word(buf, cap, len, n->exclude ? "--exclude-source" : "--source");
        len = append_word(buf, cap, len, n->source_typed[i]);
    }
    if (n->loopback_given) {
        len = append_word(buf, cap, len, "--loopback");
        len = append_word(buf, cap, len, n->loopback ? "on" : "off");
    }
    if (n->dscp_given) {
        char number[16];
        snprintf(number, sizeof number, "%d", n->dscp);
        len = append_word(buf, cap, len, "--dscp");
        len = append_word(buf, cap, len, number);
    }
    return len;
}
