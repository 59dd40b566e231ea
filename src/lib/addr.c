/* addr.c - sock_addr: family, parts and text. Each function switches on
 * the family; a new family is a new case in each. */
#include "lib/addr.h"

#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <arpa/inet.h> /* inet_ntop */
#endif

/* The IPv4 view of a, or NULL when a holds another family. */
static const struct sockaddr_in *ipv4_of(const sock_addr *a)
{
    return a->len >= (sock_len)sizeof(struct sockaddr_in) && a->storage.ss_family == AF_INET
               ? (const struct sockaddr_in *)(const void *)&a->storage
               : NULL;
}

/* The IPv6 view of a, or NULL when a holds another family. */
static const struct sockaddr_in6 *ipv6_of(const sock_addr *a)
{
    return a->len >= (sock_len)sizeof(struct sockaddr_in6) && a->storage.ss_family == AF_INET6
               ? (const struct sockaddr_in6 *)(const void *)&a->storage
               : NULL;
}

/* IPv6 as RFC 5952 writes it (inet_ntop), with its zone as the
 * interface's index ("fe80::1%2"), in brackets when a port follows
 * (RFC 3986's "[fd00::1]:12000"; mdump's lines "[fd00::1].12000"): one
 * token, never read as another address. */
static void format_ipv6(const struct sockaddr_in6 *in6, sock_addr_style style,
                        char out[SOCK_ADDR_TEXT])
{
    char host[INET6_ADDRSTRLEN] = "?";
    char zone[16] = "";
    (void)inet_ntop(AF_INET6, (const void *)&in6->sin6_addr, host, sizeof host);
    if (in6->sin6_scope_id != 0)
        snprintf(zone, sizeof zone, "%%%lu", (unsigned long)in6->sin6_scope_id);
    if (style == SOCK_ADDR_HOST)
        snprintf(out, SOCK_ADDR_TEXT, "%s%s", host, zone);
    else
        snprintf(out, SOCK_ADDR_TEXT, "[%s%s]%c%u", host, zone,
                 style == SOCK_ADDR_DOT_PORT ? '.' : ':', (unsigned)ntohs(in6->sin6_port));
}

void sock_addr_format(const sock_addr *a, sock_addr_style style,
                      char out[SOCK_ADDR_TEXT])
{
    const struct sockaddr_in *in = ipv4_of(a);
    const struct sockaddr_in6 *in6 = ipv6_of(a);
    if (in6) {
        format_ipv6(in6, style, out);
        return;
    }
    if (!in) {
        snprintf(out, SOCK_ADDR_TEXT, "?");
        return;
    }
    const uint8_t *b = (const uint8_t *)&in->sin_addr; /* network byte order */
    unsigned port = ntohs(in->sin_port);
    if (style == SOCK_ADDR_HOST)
        snprintf(out, SOCK_ADDR_TEXT, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    else
        snprintf(out, SOCK_ADDR_TEXT, "%u.%u.%u.%u%c%u", b[0], b[1], b[2], b[3],
                 style == SOCK_ADDR_DOT_PORT ? '.' : ':', port);
}

int sock_addr_family(const sock_addr *a)
{
    return a->len > 0 ? a->storage.ss_family : AF_UNSPEC;
}

void sock_addr_unspecified(sock_addr *a, int family, uint16_t port)
{
    memset(a, 0, sizeof *a);
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)&a->storage;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_ANY);
        in->sin_port = htons(port);
        a->len = (sock_len)sizeof *in;
    } else if (family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&a->storage;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
        in6->sin6_port = htons(port);
        a->len = (sock_len)sizeof *in6;
    }
}

/* The 16 bytes of an IPv6 address, or NULL. */
static const uint8_t *ipv6_bytes(const sock_addr *a)
{
    const struct sockaddr_in6 *in6 = ipv6_of(a);
    return in6 ? (const uint8_t *)&in6->sin6_addr : NULL;
}

bool sock_addr_is_unspecified(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    const uint8_t *b6 = ipv6_bytes(a);
    if (b6) {
        static const uint8_t zero[16];
        return memcmp(b6, zero, sizeof zero) == 0;
    }
    return in && in->sin_addr.s_addr == htonl(INADDR_ANY);
}

bool sock_addr_is_multicast(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    const uint8_t *b6 = ipv6_bytes(a);
    if (b6)
        return b6[0] == 0xff;
    return in && (ntohl(in->sin_addr.s_addr) >> 28) == 0xE;
}

bool sock_addr_is_ssm(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    const uint8_t *b6 = ipv6_bytes(a);
    if (b6)
        return b6[0] == 0xff && (b6[1] >> 4) == 0x3;
    return in && (ntohl(in->sin_addr.s_addr) >> 24) == 232;
}

int sock_addr_multicast_scope(const sock_addr *a)
{
    const uint8_t *b6 = ipv6_bytes(a);
    return b6 && b6[0] == 0xff ? b6[1] & 0x0f : -1;
}

bool sock_addr_multicast_block(const sock_addr *a, char name[SOCK_ADDR_BLOCK_TEXT])
{
    const uint8_t *b6 = ipv6_bytes(a);
    name[0] = '\0';
    if (!sock_addr_is_multicast(a))
        return false;
    if (b6) {
        snprintf(name, SOCK_ADDR_BLOCK_TEXT, "ff%02x::/16", (unsigned)b6[1]);
        return true;
    }
    uint32_t host = ntohl(ipv4_of(a)->sin_addr.s_addr);
    const char *block = "the global groups (224.0.1.0 to 238.255.255.255, less 232.0.0.0/8)";
    if (host >> 8 == 0xE00000)
        block = "224.0.0.0/24 (local network control)";
    else if (host >> 24 == 232)
        block = "232.0.0.0/8 (source-specific)";
    else if (host >> 24 == 239)
        block = "239.0.0.0/8 (administratively scoped)";
    snprintf(name, SOCK_ADDR_BLOCK_TEXT, "%s", block);
    return true;
}

bool sock_addr_needs_interface(const sock_addr *a)
{
    const uint8_t *b6 = ipv6_bytes(a);
    if (!b6)
        return false;
    if (b6[0] == 0xff) { /* multicast scopes 1 (interface) and 2 (link) */
        int scope = sock_addr_multicast_scope(a);
        return scope == 1 || scope == 2;
    }
    return b6[0] == 0xfe && (b6[1] & 0xc0) == 0x80; /* fe80::/10 */
}

unsigned sock_addr_zone(const sock_addr *a)
{
    const struct sockaddr_in6 *in6 = ipv6_of(a);
    return in6 ? (unsigned)in6->sin6_scope_id : 0;
}

void sock_addr_set_zone(sock_addr *a, unsigned ifindex)
{
    if (ipv6_of(a))
        ((struct sockaddr_in6 *)(void *)&a->storage)->sin6_scope_id = ifindex;
}

bool sock_addr_same_host(const sock_addr *a, const sock_addr *b)
{
    const struct sockaddr_in *x = ipv4_of(a), *y = ipv4_of(b);
    const uint8_t *x6 = ipv6_bytes(a), *y6 = ipv6_bytes(b);
    if (x6 || y6)
        return x6 && y6 && memcmp(x6, y6, 16) == 0;
    return x && y && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

uint16_t sock_addr_port(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    const struct sockaddr_in6 *in6 = ipv6_of(a);
    if (in6)
        return ntohs(in6->sin6_port);
    return in ? ntohs(in->sin_port) : 0;
}

void sock_addr_set_port(sock_addr *a, uint16_t port)
{
    if (ipv4_of(a))
        ((struct sockaddr_in *)(void *)&a->storage)->sin_port = htons(port);
    else if (ipv6_of(a))
        ((struct sockaddr_in6 *)(void *)&a->storage)->sin6_port = htons(port);
}

size_t sock_addr_bytes(const sock_addr *a, const uint8_t **bytes)
{
    const struct sockaddr_in *in = ipv4_of(a);
    *bytes = in ? (const uint8_t *)&in->sin_addr : NULL;
    return in ? sizeof in->sin_addr : 0;
}

bool sock_addr_offset(const sock_addr *a, uint32_t count, sock_addr *out)
{
    const struct sockaddr_in *in = ipv4_of(a);
    if (!in && ipv6_of(a)) {
        /* The 16 bytes as one big-endian number, count added with carry. */
        sock_addr next = *a;
        uint8_t *b = ((struct sockaddr_in6 *)(void *)&next.storage)->sin6_addr.s6_addr;
        uint64_t carry = count;
        for (int i = 15; i >= 0 && carry != 0; i--) {
            carry += b[i];
            b[i] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        if (carry != 0)
            return false; /* past ffff:...:ffff */
        *out = next;
        return true;
    }
    if (!in)
        return false;
    uint32_t host = ntohl(in->sin_addr.s_addr);
    if (count > UINT32_MAX - host)
        return false;
    *out = *a;
    ((struct sockaddr_in *)(void *)&out->storage)->sin_addr.s_addr = htonl(host + count);
    return true;
}
