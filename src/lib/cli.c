/* cli.c - strict parsing of numbers, addresses and options. */
#include "lib/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <arpa/inet.h> /* inet_pton */
#endif

#include "lib/sock.h"

cli_lookup cli_lookups = {sock_resolve, sock_interface_by_name, sock_interface_exists,
                          sock_address_is_local, sock_subnet_broadcast};

void cli_fail(cli_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* cppcheck-suppress ctuuninitvar ; err->text is only written (callers may pass an uninitialised cli_error) */
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

bool cli_number(const char *what, const char *text, long long min,
                long long max, long long *out, cli_error *err)
{
    const char *p = text;
    bool negative = false;
    if (*p == '-' || *p == '+') {
        negative = (*p == '-');
        p++;
    }
    if (*p == '\0') {
        cli_fail(err, "%s '%s': must be a whole number from %lld to %lld",
                 what, text, min, max);
        return false;
    }
    /* The magnitude may reach 2^63 for a negative number (LLONG_MIN). */
    const unsigned long long limit = negative ? 9223372036854775808ULL
                                              : 9223372036854775807ULL;
    unsigned long long magnitude = 0;
    bool overflow = false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            cli_fail(err, "%s '%s': must be a whole number from %lld to %lld",
                     what, text, min, max);
            return false;
        }
        unsigned digit = (unsigned)(*p - '0');
        if (magnitude > (limit - digit) / 10)
            overflow = true;
        else
            magnitude = magnitude * 10 + digit;
    }
    long long value = 0;
    if (!overflow)
        value = negative ? (long long)(0 - magnitude) : (long long)magnitude;
    if (overflow || value < min || value > max) {
        cli_fail(err, "%s '%s': out of range, must be from %lld to %lld",
                 what, text, min, max);
        return false;
    }
    *out = value;
    return true;
}

bool cli_int(const char *what, const char *text, int min, int max, int *out,
             cli_error *err)
{
    long long v;
    if (!cli_number(what, text, min, max, &v, err))
        return false;
    *out = (int)v;
    return true;
}

bool cli_duration_ms(const char *what, const char *text, int min_ms,
                     int max_ms, int *out, cli_error *err)
{
    char number[24];
    size_t len = strlen(text);
    long long scale = 1;
    if (len > 2 && strcmp(text + len - 2, "ms") == 0) {
        len -= 2;
    } else if (len > 1 && text[len - 1] == 's') {
        len -= 1;
        scale = 1000;
    }
    long long value;
    cli_error ignored;
    bool ok = len < sizeof number;
    if (ok) {
        memcpy(number, text, len);
        number[len] = '\0';
        ok = cli_number(what, number, 0, 9223372036854775807LL / 1000, &value,
                        &ignored) &&
             value * scale >= min_ms && value * scale <= max_ms;
    }
    if (!ok) {
        cli_fail(err,
                 "%s '%s': must be a duration from %d to %d ms, in ms (\"500\" "
                 "or \"500ms\") or in seconds (\"5s\")",
                 what, text, min_ms, max_ms);
        return false;
    }
    *out = (int)(value * scale);
    return true;
}

/* IPv4's dotted quad; false with err set when text is not one. */
static bool read_ipv4(const char *what, const char *text, sock_addr *addr,
                      cli_error *err)
{
    const char *p = text;
    uint8_t octets[4];
    for (int octet = 0; octet < 4; octet++) {
        unsigned value = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            value = value * 10 + (unsigned)(*p - '0');
            digits++;
            p++;
        }
        bool leading_zero = digits > 1 && p[-digits] == '0';
        bool separator_ok = (octet < 3) ? (*p == '.') : (*p == '\0');
        if (leading_zero && digits <= 3 && separator_ok) {
            cli_fail(err,
                     "%s '%s': not an IPv4 address (a number with a leading "
                     "zero is ambiguous: octal or decimal?)",
                     what, text);
            return false;
        }
        if (digits == 0 || digits > 3 || value > 255 || !separator_ok) {
            cli_fail(err,
                     "%s '%s': not an IPv4 address (four numbers 0-255 "
                     "separated by dots)",
                     what, text);
            return false;
        }
        octets[octet] = (uint8_t)value;
        if (octet < 3)
            p++;
    }
    sock_addr_unspecified(addr, AF_INET, 0);
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)&addr->storage;
    memcpy(&in->sin_addr, octets, sizeof octets); /* network byte order */
    return true;
}

/* Whether every dot-separated label is a number as C writes it (decimal,
 * 0x hex, octal): what inet_aton, and so getaddrinfo, would take as an
 * IPv4 address ("0x7f.1", "0x7f000001"). */
static bool numeric_labels(const char *text)
{
    const char *p = text;
    for (;;) {
        size_t n = strcspn(p, ".");
        bool hex = n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
        size_t digits = hex ? strspn(p + 2, "0123456789abcdefABCDEF") + 2
                            : strspn(p, "0123456789");
        if (n == 0 || digits != n)
            return false;
        if (p[n] == '\0')
            return true;
        p += n + 1;
    }
}

/* Meant as IPv4, and read as such: no letters and no colon (digits and
 * dots, or a typing error around them), or numbers in every label. */
static bool ipv4_shaped(const char *text)
{
    bool letters = false;
    for (const char *p = text; *p; p++)
        letters = letters || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
    return (!letters && !strchr(text, ':')) || numeric_labels(text);
}

bool cli_is_decimal(const char *text)
{
    return text[0] != '\0' && strspn(text, "0123456789") == strlen(text);
}

/* IPv6's text form (RFC 4291 2.2), with an optional zone (RFC 4007 11):
 * "fe80::1%eth0" or "fe80::1%2", for link-local addresses only. */
static bool read_ipv6(const char *what, const char *text, sock_addr *addr,
                      cli_error *err)
{
    char host[64];
    const char *zone = strchr(text, '%');
    size_t host_len = zone ? (size_t)(zone - text) : strlen(text);
    struct in6_addr in6;
    if (host_len >= sizeof host) {
        cli_fail(err, "%s '%.80s': not an IPv6 address (hex groups separated by colons, "
                      "e.g. ff15::1 or fd00::1)", what, text);
        return false;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    if (inet_pton(AF_INET6, host, &in6) != 1) {
        cli_fail(err, "%s '%.80s': not an IPv6 address (hex groups separated by colons, "
                      "e.g. ff15::1 or fd00::1)", what, text);
        return false;
    }
    sock_addr a;
    sock_addr_unspecified(&a, AF_INET6, 0);
    ((struct sockaddr_in6 *)(void *)&a.storage)->sin6_addr = in6;
    if (zone) {
        unsigned index = 0;
        const char *name = zone + 1;
        if (!sock_addr_needs_interface(&a)) {
            cli_fail(err, "%s '%.80s': a zone (%%name) belongs only to a link-local "
                          "address (fe80::/10, ff01::/16, ff02::/16)", what, text);
            return false;
        }
        long long n = 0;
        cli_error ignored;
        if (cli_is_decimal(name) && cli_number("zone", name, 1, 0x7fffffff, &n, &ignored) &&
            cli_lookups.interface_exists((unsigned)n))
            index = (unsigned)n;
        else if (name[0] != '\0')
            index = cli_lookups.interface_index(name);
        if (index == 0) {
            cli_fail(err, "%s '%.80s': no interface '%.40s' on this host for the zone",
                     what, text, name);
            return false;
        }
        sock_addr_set_zone(&a, index);
    }
    *addr = a;
    return true;
}

/* A host name's shape (RFC 1123 2.1: letters, digits, hyphens and dots;
 * underscores too, as some local names have them), at most 253
 * characters. */
static bool host_name_shaped(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > 253 || text[0] == '-' || text[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_';
        if (!ok || (c == '.' && text[i + 1] == '.'))
            return false;
    }
    return true;
}

/* A name under "invalid." never resolves (RFC 6761 6.4): said at once,
 * without asking anyone. */
static bool special_invalid(const char *name)
{
    static const char tld[] = "invalid";
    size_t n = strlen(name);
    if (n > 0 && name[n - 1] == '.')
        n--;
    size_t t = sizeof tld - 1;
    if (n < t)
        return false;
    const char *end = name + n - t;
    if (n != t && end[-1] != '.')
        return false; /* "notinvalid": the label is longer */
    for (size_t i = 0; i < t; i++)
        if ((end[i] | 0x20) != tld[i])
            return false;
    return true;
}

static bool read_host_name(const char *what, const char *text, int family,
                           sock_addr *addr, cli_error *err)
{
    if (!host_name_shaped(text)) {
        cli_fail(err, "%s '%.80s': not an address (IPv4 or IPv6) nor a host name", what,
                 text);
        return false;
    }
    int rc = special_invalid(text) ? SOCK_RESOLVE_NO_HOST
                                   : cli_lookups.host(text, family, addr);
    if (rc == 0) {
        sock_addr_set_port(addr, 0);
        return true;
    }
    if (rc == SOCK_RESOLVE_NO_HOST)
        cli_fail(err, "%s '%.80s': no host of that name%s", what, text,
                 family == AF_INET6 ? " with an IPv6 address"
                 : family == AF_INET ? " with an IPv4 address" : "");
    else
        cli_fail(err, "%s '%.80s': the host name could not be looked up now (name "
                      "service failure)", what, text);
    return false;
}

bool cli_addr_family(const char *what, const char *text, int family, sock_addr *addr,
                     cli_error *err)
{
    if (ipv4_shaped(text))
        return read_ipv4(what, text, addr, err);
    if (strchr(text, ':'))
        return read_ipv6(what, text, addr, err);
    return read_host_name(what, text, family, addr, err);
}

bool cli_addr(const char *what, const char *text, sock_addr *addr,
              cli_error *err)
{
    return cli_addr_family(what, text, AF_UNSPEC, addr, err);
}

/* Items of an address list are copied out to be read; longer is refused. */
enum { LIST_ITEM_MAX = 128 };

/* Whether item's address a is of the family of the list's first. */
static bool same_family(const char *what, const char *text, const char *item,
                        const sock_addr *a, const sock_addr *first, cli_error *err)
{
    if (sock_addr_family(a) == sock_addr_family(first))
        return true;
    cli_fail(err, "%s '%s': %s is IPv%d, the list's first address IPv%d; a list holds "
             "addresses of one family", what, text, item,
             sock_addr_family(a) == AF_INET6 ? 6 : 4,
             sock_addr_family(first) == AF_INET6 ? 6 : 4);
    return false;
}

/* Whether a range's address next is in the block of groups of its first
 * (block: its name, sock_addr_multicast_block): a range does not run from
 * one scope, flags value or kind of group into another. */
static bool same_block(const char *what, const char *text, const char *block,
                       const sock_addr *next, cli_error *err)
{
    char other[SOCK_ADDR_BLOCK_TEXT], shown[SOCK_ADDR_TEXT];
    if (sock_addr_multicast_block(next, other) && strcmp(other, block) == 0)
        return true;
    sock_addr_format(next, SOCK_ADDR_HOST, shown);
    if (sock_addr_family(next) == AF_INET6)
        cli_fail(err, "%s '%s': the range leaves %s at %s; a range of groups keeps its "
                 "first group's flags and scope (ffXY::/16)", what, text, block, shown);
    else
        cli_fail(err, "%s '%s': the range leaves %s at %s; a range of groups stays in its "
                 "first group's block: 224.0.0.0/24, 232.0.0.0/8, 239.0.0.0/8 or the "
                 "global groups", what, text, block, shown);
    return false;
}

bool cli_addr_list(const char *what, const char *text, int family, sock_addr *out,
                   size_t cap, size_t *count, cli_error *err)
{
    const char *p = text;
    *count = 0;
    /* One address: read (and refused) as cli_addr reads it. */
    if (!strchr(text, ',') && !strchr(text, '+')) {
        if (cap == 0 || !cli_addr_family(what, text, family, &out[0], err))
            return false;
        *count = 1;
        return true;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[LIST_ITEM_MAX];
        if (len == 0) {
            cli_fail(err, "%s '%s': an empty item in the list (addresses "
                     "separated by commas)", what, text);
            return false;
        }
        if (len >= sizeof item) {
            cli_fail(err, "%s '%.40s...': an item of the list is longer than %d "
                     "characters", what, text, LIST_ITEM_MAX - 1);
            return false;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        long long range = 1;
        char *plus = strchr(item, '+');
        if (plus) {
            *plus = '\0';
            cli_error ignored;
            if (!cli_number("count", plus + 1, 1, (long long)cap, &range, &ignored) ||
                plus[1] == '+' || plus[1] == '-') {
                cli_fail(err, "%s '%s': the count after '+' must be a whole "
                         "number from 1 to %zu", what, text, cap);
                return false;
            }
        }
        sock_addr first;
        if (!cli_addr_family(what, item, family, &first, err))
            return false;
        if (*count > 0 && !same_family(what, text, item, &first, &out[0], err))
            return false;
        char block[SOCK_ADDR_BLOCK_TEXT];
        bool groups = sock_addr_multicast_block(&first, block);
        for (long long k = 0; k < range; k++) {
            if (*count == cap) {
                cli_fail(err, "%s '%s': more than %zu addresses, at most %zu",
                         what, text, cap, cap);
                return false;
            }
            sock_addr next;
            if (!sock_addr_offset(&first, (uint32_t)k, &next)) {
                cli_fail(err, "%s '%s': the range runs past the last address",
                         what, text);
                return false;
            }
            if (groups && !same_block(what, text, block, &next, err))
                return false;
            for (size_t i = 0; i < *count; i++) {
                if (sock_addr_same_host(&out[i], &next)) {
                    char shown[SOCK_ADDR_TEXT];
                    sock_addr_format(&next, SOCK_ADDR_HOST, shown);
                    cli_fail(err, "%s '%s': %s is in the list twice", what, text,
                             shown);
                    return false;
                }
            }
            out[(*count)++] = next;
        }
        if (!comma)
            return true;
        p = comma + 1;
    }
}

int cli_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool cli_hex(const char *what, const char *text, uint8_t *out, size_t cap,
             size_t *len, cli_error *err)
{
    size_t digits = strlen(text);
    for (size_t i = 0; i < digits; i++) {
        if (cli_hex_digit((unsigned char)text[i]) < 0) {
            cli_fail(err, "%s '%.40s%s': not a hex digit at position %zu",
                     what, text, digits > 40 ? "..." : "", i + 1);
            return false;
        }
    }
    if (digits == 0 || digits % 2 != 0) {
        cli_fail(err,
                 "%s '%.40s%s': must be an even, non-zero number of hex "
                 "digits (got %zu)",
                 what, text, digits > 40 ? "..." : "", digits);
        return false;
    }
    if (digits / 2 > cap) {
        cli_fail(err, "%s: payload of %zu bytes is too long, at most %zu",
                 what, digits / 2, cap);
        return false;
    }
    for (size_t i = 0; i < digits; i += 2)
        out[i / 2] = (uint8_t)(cli_hex_digit((unsigned char)text[i]) * 16 +
                               cli_hex_digit((unsigned char)text[i + 1]));
    *len = digits / 2;
    return true;
}

size_t cli_append_words(char *buf, size_t cap, size_t len,
                        const char *const *words, int count)
{
    for (int i = 0; i < count; i++) {
        const char *pieces[2] = {i > 0 ? " " : "", words[i]};
        for (int k = 0; k < 2; k++) {
            size_t n = strlen(pieces[k]);
            if (buf && len + 1 < cap) {
                size_t room = cap - 1 - len;
                memcpy(buf + len, pieces[k], n < room ? n : room);
            }
            len += n;
        }
    }
    if (buf && cap > 0)
        buf[len < cap ? len : cap - 1] = '\0';
    return len;
}

void cli_scan_init(cli_scan *s, int argc, char **argv, const char *shorts,
                   const cli_long *longs)
{
    memset(s, 0, sizeof *s);
    s->argc = argc;
    s->argv = argv;
    s->shorts = shorts;
    s->longs = longs;
    s->index = 1;
}

static void add_positional(cli_scan *s, const char *arg)
{
    if (s->positional_count < CLI_MAX_POSITIONALS)
        s->positional[s->positional_count++] = arg;
    else if (!s->extra_positional)
        s->extra_positional = arg;
}

static int next_long(cli_scan *s, const char *arg, cli_error *err)
{
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
    for (const cli_long *l = s->longs; l && l->name; l++) {
        if (strlen(l->name) != name_len || strncmp(l->name, name, name_len) != 0)
            continue;
        if (!l->has_value) {
            if (eq) {
                cli_fail(err, "option '--%s' takes no value", l->name);
                return -1;
            }
            s->value = NULL;
            return l->id;
        }
        if (eq) {
            s->value = eq + 1;
        } else if (s->index < s->argc) {
            s->value = s->argv[s->index++];
        } else {
            cli_fail(err, "option '--%s' needs a value", l->name);
            return -1;
        }
        return l->id;
    }
    cli_fail(err, "unknown option '%s'", arg);
    return -1;
}

int cli_next(cli_scan *s, cli_error *err)
{
    s->value = NULL;
    while (!s->cluster || *s->cluster == '\0') {
        s->cluster = NULL;
        if (s->index >= s->argc)
            return 0;
        const char *arg = s->argv[s->index++];
        if (s->options_done || arg[0] != '-' || arg[1] == '\0') {
            add_positional(s, arg);
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            s->options_done = true;
            continue;
        }
        if (arg[1] == '-')
            return next_long(s, arg, err);
        s->cluster = arg + 1;
    }
    char opt = *s->cluster++;
    const char *spec = (opt != ':') ? strchr(s->shorts, opt) : NULL;
    if (!spec) {
        cli_fail(err, "unknown option '-%c'", opt);
        return -1;
    }
    if (spec[1] == ':') {
        if (*s->cluster) {
            s->value = s->cluster;
        } else if (s->index < s->argc) {
            s->value = s->argv[s->index++];
        } else {
            cli_fail(err, "option '-%c' needs a value", opt);
            return -1;
        }
        s->cluster = NULL;
    }
    return (unsigned char)opt;
}

bool cli_output_file(const char *text, const char **file, cli_error *err)
{
    if (text[0] == '\0') {
        cli_fail(err, "-o (output file) '': needs a file name");
        return false;
    }
    if (*file) {
        cli_fail(err, "-o (output file) '%s': one output file per run, and -o '%s' came first",
                 text, *file);
        return false;
    }
    *file = text;
    return true;
}
