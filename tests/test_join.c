/* test_join.c - sock_join over loopback: an any-source join takes every
 * sender's datagrams to the group; a source-specific one
 * (MCAST_JOIN_SOURCE_GROUP, RFC 4607) only its source's. The senders are
 * 127.0.0.1 and 127.0.0.2, both on lo.
 *
 * Run by ctest inside a network namespace of its own (private_net.sh,
 * with lo's MULTICAST flag set): nothing leaves it. Run again with
 * option_shim refusing MCAST_JOIN_GROUP and MCAST_JOIN_SOURCE_GROUP, as
 * wine does, so IPv4's own joins take their place. Linux only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/cli.h"
#include "lib/sock.h"

enum { PORT = 12000, ROUNDS = 3 };

static sock_addr addr(const char *text, uint16_t port)
{
    sock_addr a;
    cli_error err;
    if (!cli_addr("address", text, &a, &err)) {
        fprintf(stderr, "%s\n", err.text);
        exit(1);
    }
    sock_addr_set_port(&a, port);
    return a;
}

/* A sender bound to from, its multicast leaving by lo (127.0.0.1). */
static sock_t sender(const char *from, const sock_addr *group)
{
    sock_t s = sock_udp(AF_INET);
    sock_addr local = addr(from, 0), lo = addr("127.0.0.1", 0), kept;
    int ttl = 0;
    CHECK(s != SOCK_INVALID);
    CHECK(sock_bind(s, &local) == 0);
    CHECK(sock_set_multicast_if(s, &lo, &kept) == 0);
    CHECK(sock_set_multicast_ttl(s, AF_INET, 1, &ttl) == 0);
    CHECK(sock_connect(s, group) == 0);
    return s;
}

/* Sends ROUNDS datagrams from each sender, then takes what arrives for
 * 300 ms: counts[0] from 127.0.0.1, counts[1] from 127.0.0.2. Each
 * datagram names its sender, which must be the address it came from. */
static void exchange(sock_t rx, sock_t tx[2], int counts[2])
{
    static const char *const names[2] = {"127.0.0.1", "127.0.0.2"};
    counts[0] = counts[1] = 0;
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < 2; k++)
            CHECK(sock_send(tx[k], names[k], strlen(names[k])) == (long)strlen(names[k]));
    while (sock_wait_readable(rx, 300) == 1) {
        char buf[64], from_text[SOCK_ADDR_TEXT];
        sock_addr from;
        long n = sock_recv_from(rx, buf, sizeof buf - 1, &from);
        CHECK(n > 0);
        if (n <= 0)
            break;
        buf[n] = '\0';
        sock_addr_format(&from, SOCK_ADDR_HOST, from_text);
        CHECK_STR(from_text, buf);
        for (int k = 0; k < 2; k++)
            counts[k] += strcmp(buf, names[k]) == 0;
    }
}

/* A receiver joined to group on lo, with only source's datagrams when
 * source is given. */
static sock_t receiver(const sock_addr *group, const sock_addr *source)
{
    sock_t s = sock_udp(AF_INET);
    sock_addr lo = addr("127.0.0.1", 0);
    int kept = 0;
    sock_arrivals only;
    CHECK(s != SOCK_INVALID);
    CHECK(sock_set_shared_port(s, &kept) == 0);
    CHECK(sock_receive_only(s, group, &lo, &only) == 0 && !only.check);
    CHECK(sock_bind_group(s, group, &lo) == 0);
    CHECK(sock_join(s, group, source, &lo) == 0);
    return s;
}

static void test_interface_index(void)
{
    sock_addr lo = addr("127.0.0.1", 0), any = addr("0.0.0.0", 0);
    sock_addr other = addr("192.0.2.99", 0);
    CHECK(sock_interface_index(&lo) == 0 && lo.ifindex > 0);
    CHECK(sock_interface_index(&any) == 0 && any.ifindex == 0);
    CHECK(sock_interface_index(&other) == -1 && other.ifindex == 0);
    CHECK_STR(sock_error_text(), "Cannot assign requested address");
}

/* Under option_shim (MTOOLS_REFUSE_OPTION): the MCAST_* joins are refused
 * here, so what passes below went through IPv4's own joins. */
static void test_refusal_is_injected(void)
{
    if (!getenv("MTOOLS_REFUSE_OPTION"))
        return;
    sock_t s = sock_udp(AF_INET);
    struct group_req req;
    memset(&req, 0, sizeof req);
    CHECK(setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &req, sizeof req) == -1 &&
          errno == ENOPROTOOPT);
    sock_close(s);
    printf("test_join: MCAST_JOIN_GROUP refused; IPv4's own joins used\n");
}

int main(void)
{
    if (sock_startup() != 0)
        return 1;
    test_refusal_is_injected();
    test_interface_index();
    sock_addr group = addr("239.1.2.3", PORT), source = addr("127.0.0.1", 0);
    sock_t tx[2] = {sender("127.0.0.1", &group), sender("127.0.0.2", &group)};
    int counts[2];

    sock_t any = receiver(&group, NULL);
    exchange(any, tx, counts);
    printf("any-source join: %d from 127.0.0.1, %d from 127.0.0.2\n", counts[0], counts[1]);
    CHECK(counts[0] == ROUNDS && counts[1] == ROUNDS);
    sock_close(any);

    sock_t one = receiver(&group, &source);
    exchange(one, tx, counts);
    printf("source-specific join (127.0.0.1): %d from 127.0.0.1, %d from 127.0.0.2\n",
           counts[0], counts[1]);
    CHECK(counts[0] == ROUNDS && counts[1] == 0);
    sock_close(one);

    sock_close(tx[0]);
    sock_close(tx[1]);
    sock_cleanup();
    return check_report("test_join");
}
