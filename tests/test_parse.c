/* test_parse.c - cli.h: numbers, addresses, hex and the option scanner,
 * with the exact error texts (they are what a user reads). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/cli.h"
#include "lib/sock.h"

static cli_error err;

/* cli_number's result as text: the value, or "ERR: <text>". */
static const char *number(const char *text, long long min, long long max)
{
    static char buf[600];
    long long v = 12345;
    memset(&err, 0, sizeof err);
    if (cli_number("-x (thing)", text, min, max, &v, &err))
        snprintf(buf, sizeof buf, "%lld", v);
    else {
        CHECK(v == 12345); /* untouched on failure */
        snprintf(buf, sizeof buf, "ERR: %s", err.text);
    }
    return buf;
}

static void test_number(void)
{
    CHECK_STR(number("0", 0, 10), "0");
    CHECK_STR(number("7", 0, 10), "7");
    CHECK_STR(number("10", 0, 10), "10");
    CHECK_STR(number("007", 0, 10), "7");
    CHECK_STR(number("+7", 0, 10), "7");
    CHECK_STR(number("-0", 0, 10), "0");
    CHECK_STR(number("-5", -5, 5), "-5");
    CHECK_STR(number("5", -5, 5), "5");
    /* Exact bounds, one past them. */
    CHECK_STR(number("11", 0, 10), "ERR: -x (thing) '11': out of range, must be from 0 to 10");
    CHECK_STR(number("-6", -5, 5), "ERR: -x (thing) '-6': out of range, must be from -5 to 5");
    CHECK_STR(number("-5", 0, 10), "ERR: -x (thing) '-5': out of range, must be from 0 to 10");
    CHECK_STR(number("-1", 0, 10), "ERR: -x (thing) '-1': out of range, must be from 0 to 10");
    CHECK_STR(number("0", 1, 65535), "ERR: -x (thing) '0': out of range, must be from 1 to 65535");
    CHECK_STR(number("65535", 1, 65535), "65535");
    CHECK_STR(number("65536", 1, 65535), "ERR: -x (thing) '65536': out of range, must be from 1 to 65535");
    CHECK_STR(number("2147483647", 0, 2147483647), "2147483647");
    CHECK_STR(number("2147483648", 0, 2147483647),
              "ERR: -x (thing) '2147483648': out of range, must be from 0 to 2147483647");
    CHECK_STR(number("9223372036854775807", 0, 9223372036854775807LL),
              "9223372036854775807");
    CHECK_STR(number("9223372036854775808", 0, 9223372036854775807LL),
              "ERR: -x (thing) '9223372036854775808': out of range, must be from 0 "
              "to 9223372036854775807");
    CHECK_STR(number("99999999999999999999", 0, 9223372036854775807LL),
              "ERR: -x (thing) '99999999999999999999': out of range, must be from 0 "
              "to 9223372036854775807");
    CHECK_STR(number("99999999999999999999", 0, 10),
              "ERR: -x (thing) '99999999999999999999': out of range, must be from 0 to 10");
    CHECK_STR(number("18446744073709551616", 0, 10),
              "ERR: -x (thing) '18446744073709551616': out of range, must be from 0 to 10");
    CHECK_STR(number("-99999999999999999999", -10, 10),
              "ERR: -x (thing) '-99999999999999999999': out of range, must be from -10 to 10");
    CHECK_STR(number("-9223372036854775807", -9223372036854775807LL - 1, 0),
              "-9223372036854775807");
    /* The documented contract: any whole number in [min, max], so the
     * smallest long long is accepted when min allows it. */
    CHECK_STR(number("-9223372036854775808", -9223372036854775807LL - 1, 0),
              "-9223372036854775808");
    /* Form. */
    CHECK_STR(number("", 0, 10), "ERR: -x (thing) '': must be a whole number from 0 to 10");
    CHECK_STR(number("12x", 0, 100), "ERR: -x (thing) '12x': must be a whole number from 0 to 100");
    CHECK_STR(number("abc", 0, 100), "ERR: -x (thing) 'abc': must be a whole number from 0 to 100");
    CHECK_STR(number("-", 0, 100), "ERR: -x (thing) '-': must be a whole number from 0 to 100");
    CHECK_STR(number("+", 0, 100), "ERR: -x (thing) '+': must be a whole number from 0 to 100");
    CHECK_STR(number("--5", -10, 10), "ERR: -x (thing) '--5': must be a whole number from -10 to 10");
    CHECK_STR(number(" 5", 0, 100), "ERR: -x (thing) ' 5': must be a whole number from 0 to 100");
    CHECK_STR(number("5 ", 0, 100), "ERR: -x (thing) '5 ': must be a whole number from 0 to 100");
    CHECK_STR(number("0x10", 0, 100), "ERR: -x (thing) '0x10': must be a whole number from 0 to 100");
    CHECK_STR(number("1e3", 0, 10000), "ERR: -x (thing) '1e3': must be a whole number from 0 to 10000");
    CHECK_STR(number("1.5", 0, 10), "ERR: -x (thing) '1.5': must be a whole number from 0 to 10");
    /* Form is checked over the whole text, even past an overflow. */
    CHECK_STR(number("99999999999999999999x", 0, 10),
              "ERR: -x (thing) '99999999999999999999x': must be a whole number from 0 to 10");

    /* cli_int is the same with int bounds. */
    int i = -1;
    CHECK(cli_int("port", "65535", 1, 65535, &i, &err) && i == 65535);
    CHECK(!cli_int("port", "65536", 1, 65535, &i, &err));
    CHECK_STR(err.text, "port '65536': out of range, must be from 1 to 65535");
    CHECK(i == 65535);
    CHECK(!cli_int("port", "12x", 1, 65535, &i, &err));
    CHECK_STR(err.text, "port '12x': must be a whole number from 1 to 65535");
    CHECK(cli_int("-b (messages per burst)", "2147483647", 1, 2147483647, &i, &err) &&
          i == 2147483647);
    CHECK(!cli_int("-b (messages per burst)", "4294967297", 1, 2147483647, &i, &err));
    CHECK_STR(err.text, "-b (messages per burst) '4294967297': out of range, must be "
                        "from 1 to 2147483647");
}

/* Name lookups without the network: "dual.test" has both families,
 * "v6only.test" IPv6 only, "broken.test" fails; interface "veth9" is
 * index 9. */
static int lookups;

static int fake_host(const char *name, int family, sock_addr *out)
{
    lookups++;
    if (strcmp(name, "broken.test") == 0)
        return -1;
    bool dual = strcmp(name, "dual.test") == 0;
    if (!dual && strcmp(name, "v6only.test") != 0)
        return SOCK_RESOLVE_NO_HOST;
    if (family == AF_INET6 || (!dual && family == AF_UNSPEC)) {
        cli_error e;
        return cli_addr("fake", "fd00::9", out, &e) ? 0 : -1;
    }
    if (!dual)
        return SOCK_RESOLVE_NO_HOST;
    cli_error e;
    return cli_addr("fake", "10.9.8.7", out, &e) ? 0 : -1;
}

static unsigned fake_interface(const char *name)
{
    return strcmp(name, "veth9") == 0 ? 9 : 0;
}

/* Interfaces 1 to 9 exist. */
static bool fake_exists(unsigned ifindex)
{
    return ifindex >= 1 && ifindex <= 9;
}

static const char *ipv4(const char *what, const char *text)
{
    static char buf[600];
    sock_addr a;
    memset(&a, 0, sizeof a);
    memset(&err, 0, sizeof err);
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&a.storage;
    if (cli_addr(what, text, &a, &err))
        snprintf(buf, sizeof buf, "%08x%s", (unsigned)ntohl(in->sin_addr.s_addr),
                 sock_addr_family(&a) == AF_INET && sock_addr_port(&a) == 0 ? "" : " (not IPv4, port 0)");
    else
        snprintf(buf, sizeof buf, "ERR: %s", err.text);
    return buf;
}

/* Whether text is read as a multicast address. */
static bool multicast(const char *text)
{
    sock_addr a;
    bool ok = cli_addr("group", text, &a, &err);
    CHECK(ok);
    return ok && sock_addr_is_multicast(&a);
}

#define LEADING_ZERO(what, text)                                              \
    "ERR: " what " '" text "': not an IPv4 address (a number with a leading " \
    "zero is ambiguous: octal or decimal?)"
#define NOT_IPV4(what, text)                                                 \
    "ERR: " what " '" text "': not an IPv4 address (four numbers 0-255 "      \
    "separated by dots)"

static void test_ipv4(void)
{
    CHECK_STR(ipv4("group", "1.2.3.4"), "01020304");
    CHECK_STR(ipv4("group", "0.0.0.0"), "00000000");
    CHECK_STR(ipv4("group", "255.255.255.255"), "ffffffff");
    CHECK_STR(ipv4("group", "239.101.3.10"), "ef65030a");
    CHECK_STR(ipv4("group", "172.31.8.31"), "ac1f081f");
    CHECK_STR(ipv4("group", "10.0.100.0"), "0a006400");
    CHECK_STR(ipv4("group", "999.1.1.1"), NOT_IPV4("group", "999.1.1.1"));
    CHECK_STR(ipv4("group", "256.1.1.1"), NOT_IPV4("group", "256.1.1.1"));
    CHECK_STR(ipv4("group", "1.2.3.256"), NOT_IPV4("group", "1.2.3.256"));
    CHECK_STR(ipv4("group", "1.2.3"), NOT_IPV4("group", "1.2.3"));
    CHECK_STR(ipv4("group", "1.2.3."), NOT_IPV4("group", "1.2.3."));
    CHECK_STR(ipv4("group", "1.2.3.4.5"), NOT_IPV4("group", "1.2.3.4.5"));
    CHECK_STR(ipv4("group", "1.2.3.4."), NOT_IPV4("group", "1.2.3.4."));
    CHECK_STR(ipv4("group", "abc"), "ERR: group 'abc': no host of that name");
    CHECK_STR(ipv4("group", ""), NOT_IPV4("group", ""));
    CHECK_STR(ipv4("interface", "eth0"), "ERR: interface 'eth0': no host of that name");
    /* What inet_aton (and so getaddrinfo) would take as IPv4: refused as
     * IPv4, never looked up. */
    lookups = 0;
    CHECK_STR(ipv4("group", "0x7f.0.0.1"), NOT_IPV4("group", "0x7f.0.0.1"));
    CHECK_STR(ipv4("group", "0x7f000001"), NOT_IPV4("group", "0x7f000001"));
    CHECK_STR(ipv4("group", "127.1"), NOT_IPV4("group", "127.1"));
    CHECK(lookups == 0);
    /* Leading zeros would be octal to inet_addr: refused. */
    CHECK_STR(ipv4("group", "01.2.3.4"), LEADING_ZERO("group", "01.2.3.4"));
    CHECK_STR(ipv4("group", "1.2.3.04"), LEADING_ZERO("group", "1.2.3.04"));
    CHECK_STR(ipv4("group", "0.0.0.00"), LEADING_ZERO("group", "0.0.0.00"));
    CHECK_STR(ipv4("group", "0001.2.3.4"), NOT_IPV4("group", "0001.2.3.4"));
    CHECK_STR(ipv4("group", " 1.2.3.4"), NOT_IPV4("group", " 1.2.3.4"));
    CHECK_STR(ipv4("group", "1.2.3.4 "), NOT_IPV4("group", "1.2.3.4 "));
    CHECK_STR(ipv4("group", "1..2.3"), NOT_IPV4("group", "1..2.3"));
    CHECK_STR(ipv4("group", ".1.2.3"), NOT_IPV4("group", ".1.2.3"));
    CHECK_STR(ipv4("group", "1.2.3.4/24"), NOT_IPV4("group", "1.2.3.4/24"));
    CHECK_STR(ipv4("group", "-1.2.3.4"), NOT_IPV4("group", "-1.2.3.4"));
    CHECK_STR(ipv4("group", "+1.2.3.4"), NOT_IPV4("group", "+1.2.3.4"));
    CHECK_STR(ipv4("group", "1234.1.1.1"), NOT_IPV4("group", "1234.1.1.1"));
    CHECK_STR(ipv4("group", "0x7f.0.0.1"), NOT_IPV4("group", "0x7f.0.0.1"));
    CHECK_STR(ipv4("group", "2130706433"), NOT_IPV4("group", "2130706433"));

    CHECK(multicast("224.0.0.0"));
    CHECK(multicast("239.101.3.10"));
    CHECK(multicast("239.255.255.255"));
    CHECK(!multicast("223.255.255.255"));
    CHECK(!multicast("240.0.0.0"));
    CHECK(!multicast("0.0.0.0"));
    CHECK(!multicast("255.255.255.255"));
    CHECK(!multicast("10.0.0.1"));
}

/* An address list as the hosts it holds, or the error. */
static const char *list(const char *text, size_t cap)
{
    static char buf[2048];
    sock_addr out[8];
    size_t count = 99;
    memset(&err, 0, sizeof err);
    if (!cli_addr_list("group", text, AF_UNSPEC, out, cap, &count, &err)) {
        snprintf(buf, sizeof buf, "ERR: %s", err.text);
        return buf;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        char host[SOCK_ADDR_TEXT];
        sock_addr_format(&out[i], SOCK_ADDR_HOST, host);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", host);
    }
    return buf;
}

static void test_addr_list(void)
{
    CHECK_STR(list("239.1.1.1", 8), "239.1.1.1");
    /* One address is refused as cli_addr refuses it. */
    CHECK_STR(list("", 8), NOT_IPV4("group", ""));
    CHECK_STR(list("239.1.1", 8), NOT_IPV4("group", "239.1.1"));
    CHECK_STR(list("239.1.1.1,239.1.1.5", 8), "239.1.1.1 239.1.1.5");
    CHECK_STR(list("239.1.1.1+4", 8), "239.1.1.1 239.1.1.2 239.1.1.3 239.1.1.4");
    CHECK_STR(list("239.1.1.1+1", 8), "239.1.1.1");
    CHECK_STR(list("239.1.1.255+2,239.9.9.9", 8), "239.1.1.255 239.1.2.0 239.9.9.9");
    CHECK_STR(list("239.1.1.1+8", 8),
              "239.1.1.1 239.1.1.2 239.1.1.3 239.1.1.4 239.1.1.5 239.1.1.6 239.1.1.7 "
              "239.1.1.8");
    CHECK_STR(list("239.1.1.1+9", 8), "ERR: group '239.1.1.1+9': the count after '+' must "
                                      "be a whole number from 1 to 8");
    CHECK_STR(list("239.1.1.1+4,239.2.2.2+5", 8),
              "ERR: group '239.1.1.1+4,239.2.2.2+5': more than 8 addresses, at most 8");
    CHECK_STR(list("239.1.1.1+0", 8), "ERR: group '239.1.1.1+0': the count after '+' must "
                                      "be a whole number from 1 to 8");
    CHECK_STR(list("239.1.1.1+", 8), "ERR: group '239.1.1.1+': the count after '+' must "
                                     "be a whole number from 1 to 8");
    CHECK_STR(list("239.1.1.1++2", 8), "ERR: group '239.1.1.1++2': the count after '+' "
                                       "must be a whole number from 1 to 8");
    CHECK_STR(list("239.1.1.1+-2", 8), "ERR: group '239.1.1.1+-2': the count after '+' "
                                       "must be a whole number from 1 to 8");
    CHECK_STR(list("239.1.1.1+2x", 8), "ERR: group '239.1.1.1+2x': the count after '+' "
                                       "must be a whole number from 1 to 8");
    CHECK_STR(list("239.1.1.1,", 8), "ERR: group '239.1.1.1,': an empty item in the list "
                                     "(addresses separated by commas)");
    CHECK_STR(list(",239.1.1.1", 8), "ERR: group ',239.1.1.1': an empty item in the list "
                                     "(addresses separated by commas)");
    CHECK_STR(list("239.1.1.1,,239.1.1.2", 8), "ERR: group '239.1.1.1,,239.1.1.2': an "
                                               "empty item in the list (addresses "
                                               "separated by commas)");
    CHECK_STR(list("239.1.1.1,239.1.1.256", 8), NOT_IPV4("group", "239.1.1.256"));
    /* IPv6: lists and ranges, the range counting on past a byte. */
    CHECK_STR(list("ff15::1,ff15::9", 8), "ff15::1 ff15::9");
    CHECK_STR(list("ff15::fe+3", 8), "ff15::fe ff15::ff ff15::100");
    CHECK_STR(list("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe+3", 8),
              "ERR: group 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe+3': the range runs past "
              "the last address");
    CHECK_STR(list("239.1.1.1,ff15::1", 8),
              "ERR: group '239.1.1.1,ff15::1': ff15::1 is IPv6, the list's first address "
              "IPv4; a list holds addresses of one family");
    /* An item with letters is a host name, looked up as a single group is. */
    CHECK_STR(list("239.1.1.1,239.1.1.x.invalid", 8),
              "ERR: group '239.1.1.x.invalid': no host of that name");
    CHECK_STR(list("239.1.1.1,239.1.1.1", 8),
              "ERR: group '239.1.1.1,239.1.1.1': 239.1.1.1 is in the list twice");
    CHECK_STR(list("239.1.1.1+3,239.1.1.2", 8),
              "ERR: group '239.1.1.1+3,239.1.1.2': 239.1.1.2 is in the list twice");
    CHECK_STR(list("255.255.255.254+3", 8),
              "ERR: group '255.255.255.254+3': the range runs past the last address");
    /* A range of groups keeps to its first group's block: IPv6's flags and
     * scope (ffXY::/16), IPv4's 224.0.0.0/24, 232/8, 239/8 or the rest of
     * 224/4; up to its edge it runs. (A list names its groups one by one:
     * they may be of any block.) */
    CHECK_STR(list("ff15:ffff:ffff:ffff:ffff:ffff:ffff:fffe+2", 8),
              "ff15:ffff:ffff:ffff:ffff:ffff:ffff:fffe ff15:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    /* From the last group of a block into the next: the scope (ff15 to
     * ff16, ff1e to ff1f) or the flags (ff2f to ff30). */
    static const char *const v6_edges[][2] = {{"ff15", "ff16"}, {"ff1e", "ff1f"},
                                             {"ff2f", "ff30"}};
    for (size_t i = 0; i < sizeof v6_edges / sizeof v6_edges[0]; i++) {
        char range[64], want[256];
        snprintf(range, sizeof range, "%s:ffff:ffff:ffff:ffff:ffff:ffff:ffff+2", v6_edges[i][0]);
        snprintf(want, sizeof want, "ERR: group '%s': the range leaves %s::/16 at %s::; a range "
                 "of groups keeps its first group's flags and scope (ffXY::/16)", range,
                 v6_edges[i][0], v6_edges[i][1]);
        CHECK_STR(list(range, 8), want);
    }
#define BLOCKS "; a range of groups stays in its first group's block: 224.0.0.0/24, " \
               "232.0.0.0/8, 239.0.0.0/8 or the global groups"
#define GLOBAL "the global groups (224.0.1.0 to 238.255.255.255, less 232.0.0.0/8)"
    CHECK_STR(list("224.0.0.254+2", 8), "224.0.0.254 224.0.0.255");
    CHECK_STR(list("224.0.0.255+2", 8),
              "ERR: group '224.0.0.255+2': the range leaves 224.0.0.0/24 (local network "
              "control) at 224.0.1.0" BLOCKS);
    CHECK_STR(list("231.255.255.255+2", 8),
              "ERR: group '231.255.255.255+2': the range leaves " GLOBAL " at 232.0.0.0" BLOCKS);
    CHECK_STR(list("232.255.255.254+2", 8), "232.255.255.254 232.255.255.255");
    CHECK_STR(list("232.255.255.255+2", 8),
              "ERR: group '232.255.255.255+2': the range leaves 232.0.0.0/8 (source-specific) "
              "at 233.0.0.0" BLOCKS);
    CHECK_STR(list("238.255.255.255+2", 8),
              "ERR: group '238.255.255.255+2': the range leaves " GLOBAL " at 239.0.0.0" BLOCKS);
    CHECK_STR(list("239.255.255.255+2", 8),
              "ERR: group '239.255.255.255+2': the range leaves 239.0.0.0/8 (administratively "
              "scoped) at 240.0.0.0" BLOCKS);
    CHECK_STR(list("239.1.1.1,231.255.255.254+3", 8),
              "ERR: group '239.1.1.1,231.255.255.254+3': the range leaves " GLOBAL
              " at 232.0.0.0" BLOCKS);
    CHECK_STR(list("224.0.0.251,232.1.1.1,239.1.1.1,ff15::1", 8),
              "ERR: group '224.0.0.251,232.1.1.1,239.1.1.1,ff15::1': ff15::1 is IPv6, the "
              "list's first address IPv4; a list holds addresses of one family");
    CHECK_STR(list("224.0.0.251,232.1.1.1,239.1.1.1,233.1.1.1", 8),
              "224.0.0.251 232.1.1.1 239.1.1.1 233.1.1.1");
#undef BLOCKS
#undef GLOBAL
    char longer[200];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memcpy(longer, "239.1.1.1,", 10);
    CHECK_STR(list(longer, 8), "ERR: group '239.1.1.1,111111111111111111111111111111...': "
                               "an item of the list is longer than 127 characters");
}

static void test_hex(void)
{
    uint8_t out[8];
    size_t len = 99;
    memset(out, 0xEE, sizeof out);
    CHECK(cli_hex("-P (payload)", "0102ff", out, sizeof out, &len, &err));
    CHECK(len == 3 && out[0] == 0x01 && out[1] == 0x02 && out[2] == 0xff &&
          out[3] == 0xEE);
    CHECK(cli_hex("-P (payload)", "ABcd", out, sizeof out, &len, &err));
    CHECK(len == 2 && out[0] == 0xab && out[1] == 0xcd);
    /* Exactly the capacity. */
    CHECK(cli_hex("-P (payload)", "0011223344556677", out, 8, &len, &err));
    CHECK(len == 8 && out[0] == 0x00 && out[7] == 0x77);

    len = 99;
    CHECK(!cli_hex("-P (payload)", "abc", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) 'abc': must be an even, non-zero number of hex "
                        "digits (got 3)");
    CHECK(len == 99);
    CHECK(!cli_hex("-P (payload)", "", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) '': must be an even, non-zero number of hex "
                        "digits (got 0)");
    CHECK(!cli_hex("-P (payload)", "0g", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) '0g': not a hex digit at position 2");
    CHECK(!cli_hex("-P (payload)", "zz", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) 'zz': not a hex digit at position 1");
    CHECK(!cli_hex("-P (payload)", "0x01", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) '0x01': not a hex digit at position 2");
    CHECK(!cli_hex("-P (payload)", "01 02", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) '01 02': not a hex digit at position 3");
    /* A bad digit is reported before an odd count. */
    CHECK(!cli_hex("-P (payload)", "abz", out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) 'abz': not a hex digit at position 3");
    /* Too long for the buffer. */
    CHECK(!cli_hex("-P (payload)", "001122334455667788", out, 8, &len, &err));
    CHECK_STR(err.text, "-P (payload): payload of 9 bytes is too long, at most 8");
    CHECK(len == 99);
    /* A long input is quoted in its first 40 characters only. */
    char longtext[64];
    memset(longtext, 'a', 50);
    longtext[49] = 'g';
    longtext[50] = '\0';
    CHECK(!cli_hex("-P (payload)", longtext, out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
                        "not a hex digit at position 50");
    longtext[49] = '\0'; /* 49 hex digits */
    CHECK(!cli_hex("-P (payload)", longtext, out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
                        "must be an even, non-zero number of hex digits (got 49)");
    longtext[40] = '\0'; /* exactly 40: quoted whole, no "..." */
    CHECK(!cli_hex("-P (payload)", longtext, out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload): payload of 20 bytes is too long, at most 8");
    longtext[39] = 'x';
    CHECK(!cli_hex("-P (payload)", longtext, out, sizeof out, &len, &err));
    CHECK_STR(err.text, "-P (payload) 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax': "
                        "not a hex digit at position 40");
}

/* The option scanner, as a trace: "-q -b=5 --help(256) --ct=5(258) |
 * pos1 pos2" or ending in "ERR: <text>". Shorts "b:dq", longs help (no
 * value), version (no value) and connect-timeout (value). */
enum { L_HELP = 256, L_VERSION = 257, L_CT = 258 };
static const cli_long longs[] = {
    {"help", false, L_HELP},
    {"version", false, L_VERSION},
    {"connect-timeout", true, L_CT},
    {NULL, false, 0},
};

static const char *scan_with(const cli_long *lv, int argc, char **argv)
{
    static char trace[1024];
    size_t n = 0;
    cli_scan s;
    trace[0] = '\0';
    cli_scan_init(&s, argc, argv, "b:dq", lv);
    for (int guard = 0; guard < 100; guard++) {
        int opt = cli_next(&s, &err);
        if (opt == 0)
            break;
        if (opt == -1) {
            n += (size_t)snprintf(trace + n, sizeof trace - n, "ERR: %s", err.text);
            return trace;
        }
        const char *name = opt == L_HELP ? "--help"
                           : opt == L_VERSION ? "--version"
                           : opt == L_CT ? "--ct" : NULL;
        if (name)
            n += (size_t)snprintf(trace + n, sizeof trace - n, "%s", name);
        else
            n += (size_t)snprintf(trace + n, sizeof trace - n, "-%c", opt);
        if (s.value)
            n += (size_t)snprintf(trace + n, sizeof trace - n, "=%s", s.value);
        n += (size_t)snprintf(trace + n, sizeof trace - n, " ");
    }
    n += (size_t)snprintf(trace + n, sizeof trace - n, "|");
    for (int i = 0; i < s.positional_count; i++)
        n += (size_t)snprintf(trace + n, sizeof trace - n, " %s", s.positional[i]);
    if (s.extra_positional)
        n += (size_t)snprintf(trace + n, sizeof trace - n, " EXTRA %s",
                              s.extra_positional);
    return trace;
}

#define SCAN(...)                                                            \
    scan_with(longs, (int)(sizeof((char *[]){"prog", __VA_ARGS__}) /        \
                           sizeof(char *)),                                  \
              (char *[]){"prog", __VA_ARGS__})
#define SCAN_NO_LONGS(...)                                                   \
    scan_with(NULL, (int)(sizeof((char *[]){"prog", __VA_ARGS__}) /         \
                          sizeof(char *)),                                   \
              (char *[]){"prog", __VA_ARGS__})

static void test_scan(void)
{
    char *only_prog[] = {"prog", NULL};
    CHECK_STR(scan_with(longs, 1, only_prog), "|");
    CHECK_STR(SCAN("a", "b"), "| a b");
    CHECK_STR(SCAN("-q"), "-q |");
    /* Clusters. */
    CHECK_STR(SCAN("-qq"), "-q -q |");
    CHECK_STR(SCAN("-qdq", "x"), "-q -d -q | x");
    /* A value attached, or the next argument. */
    CHECK_STR(SCAN("-b5"), "-b=5 |");
    CHECK_STR(SCAN("-b", "5"), "-b=5 |");
    CHECK_STR(SCAN("-qb5", "x"), "-q -b=5 | x");
    CHECK_STR(SCAN("-qb", "5", "x"), "-q -b=5 | x");
    CHECK_STR(SCAN("-bq"), "-b=q |");
    /* The next argument is the value whatever it looks like. */
    CHECK_STR(SCAN("-b", "-q"), "-b=-q |");
    CHECK_STR(SCAN("-b", "--"), "-b=-- |");
    CHECK_STR(SCAN("-b", ""), "-b= |");
    /* "--" ends the options; "-" is a positional. */
    CHECK_STR(SCAN("x", "--", "-q", "y"), "| x -q y");
    CHECK_STR(SCAN("-q", "--", "--", "-b"), "-q | -- -b");
    CHECK_STR(SCAN("-", "-q"), "-q | -");
    CHECK_STR(SCAN(""), "| ");
    /* Options after positionals (GNU permutation). */
    CHECK_STR(SCAN("239.1.1.1", "-q", "12000", "-b", "3", "2"),
              "-q -b=3 | 239.1.1.1 12000 2");
    /* Long options. */
    CHECK_STR(SCAN("--help"), "--help |");
    CHECK_STR(SCAN("--version", "x"), "--version | x");
    CHECK_STR(SCAN("--connect-timeout=5"), "--ct=5 |");
    CHECK_STR(SCAN("--connect-timeout", "5"), "--ct=5 |");
    CHECK_STR(SCAN("--connect-timeout="), "--ct= |");
    CHECK_STR(SCAN("--connect-timeout", "-q"), "--ct=-q |");
    CHECK_STR(SCAN("x", "--connect-timeout=5", "y"), "--ct=5 | x y");
    /* Errors. */
    CHECK_STR(SCAN("-x"), "ERR: unknown option '-x'");
    CHECK_STR(SCAN("-qx"), "-q ERR: unknown option '-x'");
    CHECK_STR(SCAN("-:"), "ERR: unknown option '-:'");
    CHECK_STR(SCAN("-B"), "ERR: unknown option '-B'");
    CHECK_STR(SCAN("a", "b", "-b"), "ERR: option '-b' needs a value");
    CHECK_STR(SCAN("-qb"), "-q ERR: option '-b' needs a value");
    CHECK_STR(SCAN("--bogus"), "ERR: unknown option '--bogus'");
    CHECK_STR(SCAN("--bogus=3"), "ERR: unknown option '--bogus=3'");
    CHECK_STR(SCAN("--hel"), "ERR: unknown option '--hel'"); /* no abbreviations */
    CHECK_STR(SCAN("--helpx"), "ERR: unknown option '--helpx'");
    CHECK_STR(SCAN("--Help"), "ERR: unknown option '--Help'");
    CHECK_STR(SCAN("--help=1"), "ERR: option '--help' takes no value");
    CHECK_STR(SCAN("--connect-timeout"), "ERR: option '--connect-timeout' needs a value");
    CHECK_STR(SCAN_NO_LONGS("--help"), "ERR: unknown option '--help'");
    /* Past CLI_MAX_POSITIONALS the first extra one is remembered. */
    CHECK_STR(SCAN("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"),
              "| 1 2 3 4 5 6 7 8 EXTRA 9");
    CHECK(CLI_MAX_POSITIONALS == 8);
}

/* Addresses other than IPv4's: IPv6 with and without a zone, host names
 * by the fake lookups. */
static const char *addr_text(const char *what, const char *text, int family)
{
    static char buf[600];
    sock_addr a;
    memset(&a, 0, sizeof a);
    memset(&err, 0, sizeof err);
    if (cli_addr_family(what, text, family, &a, &err)) {
        char host[SOCK_ADDR_TEXT];
        sock_addr_format(&a, SOCK_ADDR_HOST, host);
        snprintf(buf, sizeof buf, "%s%s", sock_addr_family(&a) == AF_INET6 ? "v6 " : "v4 ",
                 host);
    } else {
        snprintf(buf, sizeof buf, "ERR: %s", err.text);
    }
    return buf;
}

#define NOT_IPV6(what, text)                                                   \
    "ERR: " what " '" text "': not an IPv6 address (hex groups separated by " \
    "colons, e.g. ff15::1 or fd00::1)"

static void test_other_addresses(void)
{
    CHECK_STR(addr_text("group", "ff15::1", AF_UNSPEC), "v6 ff15::1");
    CHECK_STR(addr_text("group", "FD00:0:0::0001", AF_UNSPEC), "v6 fd00::1");
    CHECK_STR(addr_text("group", "::", AF_UNSPEC), "v6 ::");
    CHECK_STR(addr_text("group", "::ffff:10.1.2.3", AF_UNSPEC), "v6 ::ffff:10.1.2.3");
    CHECK_STR(addr_text("group", "fe80::1%7", AF_UNSPEC), "v6 fe80::1%7");
    /* A zone's index must be one of this host's interfaces. */
    CHECK_STR(addr_text("group", "fe80::1%99", AF_UNSPEC),
              "ERR: group 'fe80::1%99': no interface '99' on this host for the zone");
    CHECK_STR(addr_text("group", "ff02::1%veth9", AF_UNSPEC), "v6 ff02::1%9");
    CHECK_STR(addr_text("group", "fe80::1%nosuch", AF_UNSPEC),
              "ERR: group 'fe80::1%nosuch': no interface 'nosuch' on this host for the zone");
    CHECK_STR(addr_text("group", "fe80::1%", AF_UNSPEC),
              "ERR: group 'fe80::1%': no interface '' on this host for the zone");
    CHECK_STR(addr_text("group", "fd00::1%veth9", AF_UNSPEC),
              "ERR: group 'fd00::1%veth9': a zone (%name) belongs only to a link-local "
              "address (fe80::/10, ff01::/16, ff02::/16)");
    CHECK_STR(addr_text("group", "ff15:::1", AF_UNSPEC), NOT_IPV6("group", "ff15:::1"));
    CHECK_STR(addr_text("group", "[::1]", AF_UNSPEC), NOT_IPV6("group", "[::1]"));
    CHECK_STR(addr_text("group", "1:2:3:4:5:6:7:8:9", AF_UNSPEC),
              NOT_IPV6("group", "1:2:3:4:5:6:7:8:9"));
    CHECK_STR(addr_text("group", "g::1", AF_UNSPEC), NOT_IPV6("group", "g::1"));
    /* Host names, by family. */
    lookups = 0;
    CHECK_STR(addr_text("group", "dual.test", AF_UNSPEC), "v4 10.9.8.7");
    CHECK_STR(addr_text("group", "dual.test", AF_INET6), "v6 fd00::9");
    CHECK_STR(addr_text("group", "dual.test", AF_INET), "v4 10.9.8.7");
    CHECK_STR(addr_text("group", "v6only.test", AF_INET),
              "ERR: group 'v6only.test': no host of that name with an IPv4 address");
    CHECK_STR(addr_text("group", "broken.test", AF_UNSPEC),
              "ERR: group 'broken.test': the host name could not be looked up now (name "
              "service failure)");
    CHECK(lookups == 5);
    /* Never looked up: the RFC 6761 name, and what no name can be. */
    CHECK_STR(addr_text("group", "dual.invalid", AF_UNSPEC),
              "ERR: group 'dual.invalid': no host of that name");
    CHECK_STR(addr_text("group", "INVALID.", AF_UNSPEC),
              "ERR: group 'INVALID.': no host of that name");
    CHECK_STR(addr_text("group", "a!b", AF_UNSPEC),
              "ERR: group 'a!b': not an address (IPv4 or IPv6) nor a host name");
    CHECK_STR(addr_text("group", "a..b", AF_UNSPEC),
              "ERR: group 'a..b': not an address (IPv4 or IPv6) nor a host name");
    CHECK_STR(addr_text("group", "-ab", AF_UNSPEC),
              "ERR: group '-ab': not an address (IPv4 or IPv6) nor a host name");
    CHECK(lookups == 5);
}

int main(void)
{
    cli_lookups.host = fake_host;
    cli_lookups.interface_index = fake_interface;
    cli_lookups.interface_exists = fake_exists;
    test_number();
    test_other_addresses();
    test_ipv4();
    test_addr_list();
    test_hex();
    test_scan();
    return check_report("test_parse");
}
