/* addr.h - addresses of any family as the socket layer takes and gives
 * them, and their one text form. Nothing here opens a socket: the parsers
 * and the formatters use it as well as sock.c.
 *
 * A sock_addr holds a sockaddr_storage and its length, so an IPv6 address
 * fits where an IPv4 one does; code that needs to know the family asks
 * these functions instead of looking inside. */
#ifndef MTOOLS_ADDR_H
#define MTOOLS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef int sock_len;
#else
#include <sys/socket.h>
#include <netinet/in.h>
typedef socklen_t sock_len;
#endif

typedef struct sock_addr {
    struct sockaddr_storage storage;
    sock_len len;     /* of the address in storage; 0: none */
    unsigned ifindex; /* a local address's interface, once looked up
                         (sock_interface_index); 0: not known */
} sock_addr;

/* Room for any address as text: the longest IPv6 text (45 characters) in
 * brackets, a zone ('%' and an interface name of up to 15), ":65535" and
 * the NUL. The dump's lines are sized from it too. */
enum { SOCK_ADDR_TEXT = 1 + 45 + 1 + 1 + 15 + 6 + 1 };

typedef enum {
    SOCK_ADDR_COLON_PORT, /* "192.0.2.1:12000", "[fd00::1]:12000", in messages */
    SOCK_ADDR_DOT_PORT,   /* "192.0.2.1.12000", "[fd00::1].12000": mdump's
                             dump lines (the old tools' form) */
    SOCK_ADDR_HOST        /* "192.0.2.1", "fd00::1", without the port */
} sock_addr_style;

/* The address as text in the style asked; "?" for a family not known
 * here. IPv6 is written as RFC 5952 says (inet_ntop), its zone as the
 * interface's index after a '%' ("fe80::1%2"), and in brackets whenever
 * a port follows, so that it stays one token that no reader takes for
 * another address. */
void sock_addr_format(const sock_addr *a, sock_addr_style style,
                      char out[SOCK_ADDR_TEXT]);

/* AF_INET, AF_INET6, or AF_UNSPEC for none. */
int sock_addr_family(const sock_addr *a);
/* The unspecified address of a family (0.0.0.0, ::: any local address). */
void sock_addr_unspecified(sock_addr *a, int family, uint16_t port);
bool sock_addr_is_unspecified(const sock_addr *a);
/* A multicast group address (IPv4 224.0.0.0/4, IPv6 ff00::/8). */
bool sock_addr_is_multicast(const sock_addr *a);
/* A group of the source-specific range (RFC 4607: IPv4 232.0.0.0/8, IPv6
 * ff3x::/16), where a receiver must name its sources. */
bool sock_addr_is_ssm(const sock_addr *a);
/* An IPv6 group's scope (RFC 4291 2.7, RFC 7346): its fourth hex digit, 1
 * (interface-local) to 0xe (global), 0 and 0xf reserved; -1 for any other
 * address. */
int sock_addr_multicast_scope(const sock_addr *a);
/* Room for the name of a block of groups (sock_addr_multicast_block). */
enum { SOCK_ADDR_BLOCK_TEXT = 80 };
/* The block of multicast groups a group is in, its name into name: a
 * range of groups keeps to its first group's. IPv6: its ffXY::/16, the
 * flags and the scope (RFC 4291 2.7: "ff15::/16"). IPv4: 224.0.0.0/24
 * (local network control, RFC 5771), 232.0.0.0/8 (source-specific, RFC
 * 4607), 239.0.0.0/8 (administratively scoped, RFC 2365), or the global
 * groups, the rest of 224.0.0.0/4. Two groups are in one block when the
 * names are the same. False (and name "") for an address that is not
 * multicast. */
bool sock_addr_multicast_block(const sock_addr *a, char name[SOCK_ADDR_BLOCK_TEXT]);
/* An IPv6 address that means nothing without an interface (RFC 4007): a
 * multicast group of interface- or link-local scope (ff01::, ff02::) or a
 * link-local unicast address (fe80::/10). */
bool sock_addr_needs_interface(const sock_addr *a);
/* An IPv6 address's zone (sin6_scope_id: the interface's index); 0 for
 * none or another family. set_zone does nothing to other families. */
unsigned sock_addr_zone(const sock_addr *a);
void sock_addr_set_zone(sock_addr *a, unsigned ifindex);
/* Same family and address, whatever the ports. */
bool sock_addr_same_host(const sock_addr *a, const sock_addr *b);
/* The port, host byte order; 0 for a family not known here. */
uint16_t sock_addr_port(const sock_addr *a);
void sock_addr_set_port(sock_addr *a, uint16_t port);
/* The address's own bytes, network order (4 for IPv4), at *bytes; 0 (and
 * *bytes NULL) for a family not known here. */
size_t sock_addr_bytes(const sock_addr *a, const uint8_t **bytes);
/* The address `count` after a (a + count, the address read as a number),
 * with a's port, into *out: for ranges of groups. False when that passes
 * the end of the family's addresses (255.255.255.255 for IPv4,
 * ffff:...:ffff for IPv6; an IPv6 address keeps its zone). */
bool sock_addr_offset(const sock_addr *a, uint32_t count, sock_addr *out);

#endif
