/* test_addr.c - sock_addr (lib/addr.h) as the parser makes it: the one
 * text form in its three styles, the family's parts and questions. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lib/addr.h"
#include "lib/cli.h"

static sock_addr parsed(const char *text, uint16_t port)
{
    sock_addr a;
    cli_error err;
    memset(&a, 0, sizeof a);
    CHECK(cli_addr("group", text, &a, &err));
    sock_addr_set_port(&a, port);
    return a;
}

static const char *format(const sock_addr *a, sock_addr_style style)
{
    static char text[SOCK_ADDR_TEXT];
    memset(text, 'x', sizeof text);
    sock_addr_format(a, style, text);
    return text;
}

static void test_format(void)
{
    sock_addr a = parsed("192.0.2.1", 12000);
    CHECK_STR(format(&a, SOCK_ADDR_COLON_PORT), "192.0.2.1:12000");
    CHECK_STR(format(&a, SOCK_ADDR_DOT_PORT), "192.0.2.1.12000");
    CHECK_STR(format(&a, SOCK_ADDR_HOST), "192.0.2.1");
    /* The longest IPv4 forms, with room to spare. */
    a = parsed("255.255.255.255", 65535);
    CHECK_STR(format(&a, SOCK_ADDR_COLON_PORT), "255.255.255.255:65535");
    CHECK_STR(format(&a, SOCK_ADDR_DOT_PORT), "255.255.255.255.65535");
    a = parsed("0.0.0.0", 0);
    CHECK_STR(format(&a, SOCK_ADDR_DOT_PORT), "0.0.0.0.0");
    /* No address, or a family not known here. */
    sock_addr none;
    memset(&none, 0, sizeof none);
    CHECK_STR(format(&none, SOCK_ADDR_COLON_PORT), "?");
    CHECK(sock_addr_family(&none) == AF_UNSPEC);
    /* Sized for IPv6: its longest text, bracketed, with a zone and port. */
    CHECK(SOCK_ADDR_TEXT >= (int)sizeof "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%"
                                         "123456789012345]:65535");
}

static void test_parts(void)
{
    sock_addr a = parsed("239.1.2.3", 5000);
    CHECK(sock_addr_family(&a) == AF_INET);
    CHECK(sock_addr_port(&a) == 5000);
    CHECK(sock_addr_is_multicast(&a) && !sock_addr_is_unspecified(&a));
    sock_addr b = parsed("239.1.2.3", 6000);
    CHECK(sock_addr_same_host(&a, &b));
    b = parsed("239.1.2.4", 5000);
    CHECK(!sock_addr_same_host(&a, &b));

    sock_addr any;
    sock_addr_unspecified(&any, AF_INET, 12000);
    CHECK_STR(format(&any, SOCK_ADDR_COLON_PORT), "0.0.0.0:12000");
    CHECK(sock_addr_is_unspecified(&any) && !sock_addr_is_multicast(&any));
    CHECK(any.ifindex == 0);
    sock_addr typed = parsed("0.0.0.0", 12000);
    CHECK(sock_addr_same_host(&any, &typed));
    CHECK(memcmp(&any, &typed, sizeof any) == 0); /* the same bytes, so mdump's
                                                     peer cache compares them */

    /* An unknown family answers no to every question. */
    sock_addr none;
    sock_addr_unspecified(&none, AF_UNSPEC, 1);
    CHECK(none.len == 0 && sock_addr_port(&none) == 0);
    CHECK(!sock_addr_is_unspecified(&none) && !sock_addr_is_multicast(&none));
    CHECK(!sock_addr_same_host(&none, &none));
}

static void test_bytes_and_offset(void)
{
    sock_addr a = parsed("239.1.2.3", 5000);
    const uint8_t *bytes;
    CHECK(sock_addr_bytes(&a, &bytes) == 4);
    CHECK(bytes && memcmp(bytes, "\xef\x01\x02\x03", 4) == 0);
    sock_addr b;
    CHECK(sock_addr_offset(&a, 0, &b) && memcmp(&a, &b, sizeof a) == 0);
    CHECK(sock_addr_offset(&a, 253, &b));
    CHECK_STR(format(&b, SOCK_ADDR_COLON_PORT), "239.1.3.0:5000"); /* carries on */
    a = parsed("255.255.255.250", 1);
    CHECK(sock_addr_offset(&a, 5, &b));
    CHECK_STR(format(&b, SOCK_ADDR_HOST), "255.255.255.255");
    CHECK(!sock_addr_offset(&a, 6, &b)); /* past the last address */
    CHECK(!sock_addr_offset(&a, 4294967295u, &b));
    sock_addr none;
    memset(&none, 0, sizeof none);
    CHECK(sock_addr_bytes(&none, &bytes) == 0 && bytes == NULL);
    CHECK(!sock_addr_offset(&none, 1, &b));
}

/* IPv6: RFC 5952's text, in brackets before a port, the zone as an
 * index; the questions the programs ask. */
static void test_ipv6(void)
{
    sock_addr a = parsed("FD00:0::0:1", 12000);
    CHECK(sock_addr_family(&a) == AF_INET6);
    CHECK_STR(format(&a, SOCK_ADDR_COLON_PORT), "[fd00::1]:12000");
    CHECK_STR(format(&a, SOCK_ADDR_DOT_PORT), "[fd00::1].12000");
    CHECK_STR(format(&a, SOCK_ADDR_HOST), "fd00::1");
    CHECK(sock_addr_port(&a) == 12000 && !sock_addr_is_multicast(&a));
    CHECK(!sock_addr_needs_interface(&a) && !sock_addr_is_ssm(&a));
    a = parsed("fe80::1%7", 5);
    CHECK_STR(format(&a, SOCK_ADDR_DOT_PORT), "[fe80::1%7].5");
    CHECK_STR(format(&a, SOCK_ADDR_HOST), "fe80::1%7");
    CHECK(sock_addr_needs_interface(&a) && sock_addr_zone(&a) == 7);
    /* The longest forms fit. */
    a = parsed("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535);
    sock_addr_set_zone(&a, 4294967295u);
    CHECK_STR(format(&a, SOCK_ADDR_COLON_PORT),
              "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535");
    a = parsed("ff02::1:3", 0);
    CHECK(sock_addr_is_multicast(&a) && sock_addr_needs_interface(&a));
    a = parsed("ff01::1", 0);
    CHECK(sock_addr_needs_interface(&a));
    a = parsed("ff05::1", 0);
    CHECK(sock_addr_is_multicast(&a) && !sock_addr_needs_interface(&a) && !sock_addr_is_ssm(&a));
    a = parsed("ff35::8000:1", 0);
    CHECK(sock_addr_is_ssm(&a));
    a = parsed("232.1.2.3", 0);
    CHECK(sock_addr_is_ssm(&a) && !sock_addr_needs_interface(&a));
    a = parsed("233.1.2.3", 0);
    CHECK(!sock_addr_is_ssm(&a));

    sock_addr any;
    sock_addr_unspecified(&any, AF_INET6, 12000);
    CHECK_STR(format(&any, SOCK_ADDR_COLON_PORT), "[::]:12000");
    CHECK(sock_addr_is_unspecified(&any) && !sock_addr_is_multicast(&any));
    sock_addr typed = parsed("::", 12000);
    CHECK(memcmp(&any, &typed, sizeof any) == 0);
    /* The families are never the same host, whatever their bytes. */
    sock_addr v4 = parsed("0.0.0.0", 1);
    CHECK(!sock_addr_same_host(&any, &v4) && !sock_addr_same_host(&v4, &any));
    sock_addr b = parsed("fd00::1", 1), c = parsed("fd00::1", 2);
    CHECK(sock_addr_same_host(&b, &c));
}

/* The block of groups an address is in (a range keeps to its first
 * group's), or "-" for one that is not multicast. */
static const char *block(const char *text)
{
    static char name[SOCK_ADDR_BLOCK_TEXT];
    sock_addr a = parsed(text, 0);
    memset(name, 'x', sizeof name);
    bool multicast = sock_addr_multicast_block(&a, name);
    CHECK(multicast == (name[0] != '\0'));
    return multicast ? name : "-";
}

static void test_blocks(void)
{
    /* IPv6: ff, the flags and the scope. */
    CHECK_STR(block("ff15::1"), "ff15::/16");
    CHECK_STR(block("ff15:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "ff15::/16");
    CHECK_STR(block("ff16::"), "ff16::/16");
    CHECK_STR(block("ff35::8000:1"), "ff35::/16");
    CHECK_STR(block("ff02::1"), "ff02::/16");
    CHECK_STR(block("fd00::1"), "-");
    /* IPv4: local network control, source-specific, administratively
     * scoped, and the rest (the global groups) on either side of 232/8. */
    const char *global = "the global groups (224.0.1.0 to 238.255.255.255, less 232.0.0.0/8)";
    CHECK_STR(block("224.0.0.0"), "224.0.0.0/24 (local network control)");
    CHECK_STR(block("224.0.0.255"), "224.0.0.0/24 (local network control)");
    CHECK_STR(block("224.0.1.0"), global);
    CHECK_STR(block("231.255.255.255"), global);
    CHECK_STR(block("232.0.0.0"), "232.0.0.0/8 (source-specific)");
    CHECK_STR(block("232.255.255.255"), "232.0.0.0/8 (source-specific)");
    CHECK_STR(block("233.0.0.0"), global);
    CHECK_STR(block("238.255.255.255"), global);
    CHECK_STR(block("239.0.0.0"), "239.0.0.0/8 (administratively scoped)");
    CHECK_STR(block("239.255.255.255"), "239.0.0.0/8 (administratively scoped)");
    CHECK_STR(block("240.0.0.0"), "-");
    CHECK_STR(block("223.255.255.255"), "-");
}

/* Interfaces 1 to 9 exist, whatever this host has. */
static bool nine_interfaces(unsigned ifindex)
{
    return ifindex >= 1 && ifindex <= 9;
}

int main(void)
{
    cli_lookups.interface_exists = nine_interfaces;
    test_format();
    test_parts();
    test_bytes_and_offset();
    test_ipv6();
    test_blocks();
    return check_report("test_addr");
}
