/* addr.c - sock_addr: family, parts and text. Each function switches on
 * the family; a new family is a new case in each. */
#include "lib/addr.h"

#include <stdio.h>
#include <string.h>

/* The IPv4 view of a, or NULL when a holds another family. */
static const struct sockaddr_in *ipv4_of(const sock_addr *a)
{
    return a->len >= (sock_len)sizeof(struct sockaddr_in) && a->storage.ss_family == AF_INET
               ? (const struct sockaddr_in *)(const void *)&a->storage
               : NULL;
}

void sock_addr_format(const sock_addr *a, sock_addr_style style,
                      char out[SOCK_ADDR_TEXT])
{
    const struct sockaddr_in *in = ipv4_of(a);
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
    }
}

bool sock_addr_is_unspecified(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    return in && in->sin_addr.s_addr == htonl(INADDR_ANY);
}

bool sock_addr_is_multicast(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    return in && (ntohl(in->sin_addr.s_addr) >> 28) == 0xE;
}

bool sock_addr_same_host(const sock_addr *a, const sock_addr *b)
{
    const struct sockaddr_in *x = ipv4_of(a), *y = ipv4_of(b);
    return x && y && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

uint16_t sock_addr_port(const sock_addr *a)
{
    const struct sockaddr_in *in = ipv4_of(a);
    return in ? ntohs(in->sin_port) : 0;
}

void sock_addr_set_port(sock_addr *a, uint16_t port)
{
    if (ipv4_of(a))
        ((struct sockaddr_in *)(void *)&a->storage)->sin_port = htons(port);
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
    if (!in)
        return false;
    uint32_t host = ntohl(in->sin_addr.s_addr);
    if (count > UINT32_MAX - host)
        return false;
    *out = *a;
    ((struct sockaddr_in *)(void *)&out->storage)->sin_addr.s_addr = htonl(host + count);
    return true;
}
