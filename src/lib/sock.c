/* sock.c - the portable part of the socket layer (see sock.h): sockets,
 * options, joins, binding, connecting, sending and receiving, and the
 * fixed error texts. What each system does its own way is in
 * sock_posix.c and sock_win.c, behind sock_os.h; the batching calls are
 * in sock_batch.c. */
#ifndef _WIN32
#define _GNU_SOURCE /* group_req, ip_mreq_source on glibc and musl */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <netdb.h> /* getaddrinfo */
#endif

#include "lib/clock.h"
#include "lib/sock.h"
#include "lib/sock_os.h"

/* The texts of the errors the programs report, in English and worded as
 * glibc words them, whatever the build: musl says "Operation timed out"
 * and "Network unreachable", Windows words its own in the system's
 * language, and scripts (mcheck among them) match these lines. Codes not
 * listed get the system's text. */
typedef struct fixed_text {
    int code; /* errno on POSIX, the WSA code on Windows */
    const char *text;
} fixed_text;

static const fixed_text fixed_texts[] = {
    {ERROR_CODE(EACCES, WSAEACCES), "Permission denied"},
    {ERROR_CODE(EADDRINUSE, WSAEADDRINUSE), "Address already in use"},
    {ERROR_CODE(EADDRNOTAVAIL, WSAEADDRNOTAVAIL), "Cannot assign requested address"},
    {ERROR_CODE(EAFNOSUPPORT, WSAEAFNOSUPPORT), "Address family not supported by protocol"},
    {ERROR_CODE(EAGAIN, WSAEWOULDBLOCK), "Resource temporarily unavailable"},
    {ERROR_CODE(EALREADY, WSAEALREADY), "Operation already in progress"},
    {ERROR_CODE(EBADF, WSAEBADF), "Bad file descriptor"},
    {ERROR_CODE(ECONNABORTED, WSAECONNABORTED), "Software caused connection abort"},
    {ERROR_CODE(ECONNREFUSED, WSAECONNREFUSED), "Connection refused"},
    {ERROR_CODE(ECONNRESET, WSAECONNRESET), "Connection reset by peer"},
    {ERROR_CODE(EDESTADDRREQ, WSAEDESTADDRREQ), "Destination address required"},
    {ERROR_CODE(EFAULT, WSAEFAULT), "Bad address"},
    {ERROR_CODE(EHOSTDOWN, WSAEHOSTDOWN), "Host is down"},
    {ERROR_CODE(EHOSTUNREACH, WSAEHOSTUNREACH), "No route to host"},
    {ERROR_CODE(EINPROGRESS, WSAEINPROGRESS), "Operation now in progress"},
    {ERROR_CODE(EINTR, WSAEINTR), "Interrupted system call"},
    {ERROR_CODE(EINVAL, WSAEINVAL), "Invalid argument"},
    {ERROR_CODE(EISCONN, WSAEISCONN), "Transport endpoint is already connected"},
    {ERROR_CODE(EMFILE, WSAEMFILE), "Too many open files"},
    {ERROR_CODE(EMSGSIZE, WSAEMSGSIZE), "Message too long"},
    {ERROR_CODE(ENETDOWN, WSAENETDOWN), "Network is down"},
    {ERROR_CODE(ENETRESET, WSAENETRESET), "Network dropped connection on reset"},
    {ERROR_CODE(ENETUNREACH, WSAENETUNREACH), "Network is unreachable"},
    {ERROR_CODE(ENOBUFS, WSAENOBUFS), "No buffer space available"},
    {ERROR_CODE(ENOPROTOOPT, WSAENOPROTOOPT), "Protocol not available"},
    {ERROR_CODE(ENOTCONN, WSAENOTCONN), "Transport endpoint is not connected"},
    {ERROR_CODE(ENOTSOCK, WSAENOTSOCK), "Socket operation on non-socket"},
    {ERROR_CODE(EOPNOTSUPP, WSAEOPNOTSUPP), "Operation not supported"},
    {ERROR_CODE(EPROTONOSUPPORT, WSAEPROTONOSUPPORT), "Protocol not supported"},
    {ERROR_CODE(EPROTOTYPE, WSAEPROTOTYPE), "Protocol wrong type for socket"},
    {ERROR_CODE(ESHUTDOWN, WSAESHUTDOWN), "Cannot send after transport endpoint shutdown"},
    {ERROR_CODE(ETIMEDOUT, WSAETIMEDOUT), "Connection timed out"},
#ifndef _WIN32 /* Winsock reports none of these */
    {EIO, "Input/output error"},
    {ENODEV, "No such device"},
    {ENOMEM, "Cannot allocate memory"},
    {ENONET, "Machine is not on the network"},
    {ENOSYS, "Function not implemented"},
    {EPERM, "Operation not permitted"},
    {EPIPE, "Broken pipe"},
#endif
};

const char *sock_error_code_text(int code)
{
    for (size_t i = 0; i < sizeof fixed_texts / sizeof fixed_texts[0]; i++)
        if (fixed_texts[i].code == code)
            return fixed_texts[i].text;
    return NULL;
}

/* An IPv6 socket made IPv6 only (see sock.h). */
static sock_t family_socket(int family, int type, int protocol)
{
    sock_t s = socket(family, type, protocol);
    if (s != SOCK_INVALID && family == AF_INET6)
        (void)sock_os_set_int(s, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    return s;
}

sock_t sock_udp(int family)
{
    return family_socket(family, SOCK_DGRAM, IPPROTO_UDP);
}

sock_t sock_tcp(int family)
{
    return family_socket(family, SOCK_STREAM, IPPROTO_TCP);
}

int sock_resolve(const char *name, int family, sock_addr *out)
{
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_DGRAM; /* one answer per address */
    /* Winsock wants its start-up before a lookup; the parsers look names
     * up before the programs start the socket layer. */
    if (sock_startup() != 0)
        return -1;
    int rc = getaddrinfo(name, NULL, &hints, &list);
    int result = -1;
    if (rc == 0) {
        result = SOCK_RESOLVE_NO_HOST;
        for (const struct addrinfo *i = list; i; i = i->ai_next) {
            if ((i->ai_family == AF_INET || i->ai_family == AF_INET6) &&
                i->ai_addrlen <= sizeof out->storage) {
                memset(out, 0, sizeof *out);
                memcpy(&out->storage, i->ai_addr, i->ai_addrlen);
                out->len = (sock_len)i->ai_addrlen;
                result = 0;
                break;
            }
        }
        freeaddrinfo(list);
    } else if (sock_os_resolve_no_host(rc)) {
        result = SOCK_RESOLVE_NO_HOST;
    }
    sock_cleanup();
    return result;
}

int sock_os_set_int(sock_t s, int level, int name, int value)
{
    return setsockopt(s, level, name, (optval_in)&value, (sock_len)sizeof value) == 0
               ? 0
               : -1;
}

int sock_os_get_int(sock_t s, int level, int name, int *value)
{
    sock_len len = (sock_len)sizeof *value;
    return getsockopt(s, level, name, (optval_out)value, &len) == 0 ? 0 : -1;
}

int sock_set_sndbuf(sock_t s, int bytes)
{
    return sock_os_set_int(s, SOL_SOCKET, SO_SNDBUF, bytes);
}

int sock_get_sndbuf(sock_t s, int *bytes)
{
    return sock_os_get_int(s, SOL_SOCKET, SO_SNDBUF, bytes);
}

int sock_set_rcvbuf(sock_t s, int bytes)
{
    return sock_os_set_int(s, SOL_SOCKET, SO_RCVBUF, bytes);
}

int sock_get_rcvbuf(sock_t s, int *bytes)
{
    return sock_os_get_int(s, SOL_SOCKET, SO_RCVBUF, bytes);
}

/* Sets an int option, then reads back what the system kept into *kept
 * (the value asked when it cannot say). */
int sock_os_set_int_kept(sock_t s, int level, int name, int value, int *kept)
{
    *kept = value;
    if (sock_os_set_int(s, level, name, value) != 0)
        return -1;
    if (sock_os_get_int(s, level, name, kept) != 0)
        *kept = value;
    return 0;
}

int sock_set_shared_port(sock_t s, int *kept)
{
    /* On both systems SO_REUSEADDR lets every bound socket of a multicast
     * group receive its datagrams. */
    int rc = sock_os_set_int_kept(s, SOL_SOCKET, SO_REUSEADDR, 1, kept);
    *kept = *kept != 0;
    return rc;
}

int sock_set_broadcast(sock_t s)
{
    return sock_os_set_int(s, SOL_SOCKET, SO_BROADCAST, 1);
}

int sock_set_unicast_ttl(sock_t s, int family, int ttl)
{
    if (family == AF_INET6)
        return sock_os_set_int(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
    return sock_os_set_int(s, IPPROTO_IP, IP_TTL, ttl);
}

int sock_set_multicast_loop(sock_t s, int family, bool on, int *kept)
{
    int rc = family == AF_INET6
                 ? sock_os_set_int_kept(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on, kept)
                 : sock_os_set_int_kept(s, IPPROTO_IP, IP_MULTICAST_LOOP, on, kept);
    *kept = (*kept & 0xff) != 0; /* Linux reports IPv4's as one byte */
    return rc;
}

int sock_set_dscp(sock_t s, int family, int dscp, int *kept)
{
    /* The code point is the byte's upper six bits; ECN's two stay 0. */
    int rc = family == AF_INET6
                 ? sock_os_set_int_kept(s, IPPROTO_IPV6, IPV6_TCLASS, dscp << 2, kept)
                 : sock_os_set_int_kept(s, IPPROTO_IP, IP_TOS, dscp << 2, kept);
    *kept = (*kept & 0xff) >> 2;
    return rc;
}

/* The IPv4 view of a, or NULL (the error set) when it holds another
 * family. */
static const struct sockaddr_in *ipv4_of(const sock_addr *a)
{
    if (sock_addr_family(a) == AF_INET)
        return (const struct sockaddr_in *)(const void *)&a->storage;
    sock_os_set_error(ERROR_CODE(EAFNOSUPPORT, WSAEAFNOSUPPORT));
    return NULL;
}

int sock_set_multicast_if(sock_t s, const sock_addr *ifaddr, sock_addr *kept)
{
    if (sock_addr_family(ifaddr) == AF_INET6) {
        sock_addr local = *ifaddr;
        if (sock_interface_index(&local) != 0)
            return -1;
        *kept = *ifaddr;
        return sock_os_set_int(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)local.ifindex);
    }
    const struct sockaddr_in *in = ipv4_of(ifaddr);
    if (!in)
        return -1;
    if (sock_addr_is_unspecified(ifaddr) && ifaddr->ifindex != 0) {
        *kept = *ifaddr;
        return sock_os_multicast_if_index_ipv4(s, ifaddr->ifindex);
    }
    struct in_addr addr = in->sin_addr;
    if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, (optval_in)&addr,
                   (sock_len)sizeof addr) != 0)
        return -1;
    sock_len len = (sock_len)sizeof addr;
    *kept = *ifaddr;
    if (getsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, (optval_out)&addr, &len) == 0 &&
        len == (sock_len)sizeof addr) {
        sock_addr_unspecified(kept, AF_INET, 0);
        ((struct sockaddr_in *)(void *)&kept->storage)->sin_addr = addr;
    }
    return 0;
}

int sock_interface_index(sock_addr *a)
{
    if (sock_addr_is_unspecified(a))
        return 0; /* the system's choice, or the index already named */
    a->ifindex = 0;
    if (sock_addr_family(a) == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&a->storage;
        a->ifindex = sock_os_ipv6_interface_index(&in6->sin6_addr);
        return a->ifindex != 0 ? 0 : -1;
    }
    const struct sockaddr_in *in = ipv4_of(a);
    if (in)
        a->ifindex = sock_os_ipv4_interface_index(&in->sin_addr);
    return a->ifindex != 0 ? 0 : -1;
}

/* IPv4's own joins, IP_ADD_MEMBERSHIP and IP_ADD_SOURCE_MEMBERSHIP, which
 * name the interface by its address (ifaddr NULL: INADDR_ANY, the
 * system's choice). */
static int join_ipv4(sock_t s, const sock_addr *group, const sock_addr *source,
                     const sock_addr *ifaddr)
{
    const struct sockaddr_in *g = ipv4_of(group);
    const struct sockaddr_in *from = source ? ipv4_of(source) : NULL;
    const struct sockaddr_in *local = ifaddr ? ipv4_of(ifaddr) : NULL;
    if (!g || (source && !from) || (ifaddr && !local))
        return -1;
    struct in_addr iface;
    iface.s_addr = local ? local->sin_addr.s_addr : htonl(INADDR_ANY);
    bool by_index = local && ifaddr->ifindex != 0 && sock_addr_is_unspecified(ifaddr);
    if (!from && by_index)
        return sock_os_join_index_ipv4(s, g->sin_addr, ifaddr->ifindex);
    /* A source-specific join names the interface by an address only. */
    if (by_index && !sock_os_ipv4_of_index(ifaddr->ifindex, &iface)) {
        sock_os_set_error(ERROR_CODE(EADDRNOTAVAIL, WSAEADDRNOTAVAIL));
        return -1;
    }
    if (!from) {
        struct ip_mreq mreq;
        memset(&mreq, 0, sizeof mreq);
        mreq.imr_multiaddr = g->sin_addr;
        mreq.imr_interface = iface;
        return setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, (optval_in)&mreq,
                          (sock_len)sizeof mreq) == 0 ? 0 : -1;
    }
    struct ip_mreq_source mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_multiaddr = g->sin_addr;
    mreq.imr_sourceaddr = from->sin_addr;
    mreq.imr_interface = iface;
    return setsockopt(s, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, (optval_in)&mreq,
                      (sock_len)sizeof mreq) == 0 ? 0 : -1;
}

/* The level of a family's multicast options. */
static int multicast_level(const sock_addr *a)
{
    return sock_addr_family(a) == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
}

/* IPv6's own any-source join, IPV6_JOIN_GROUP, by interface index (0:
 * the system's choice). IPv6 has no source-specific join of its own. */
static int join_ipv6(sock_t s, const sock_addr *group, const sock_addr *source,
                     unsigned ifindex)
{
    if (source) {
        sock_os_set_error(ERROR_CODE(ENOPROTOOPT, WSAENOPROTOOPT));
        return -1;
    }
    struct ipv6_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)(const void *)&group->storage)->sin6_addr;
    mreq.ipv6mr_interface = ifindex;
    return setsockopt(s, IPPROTO_IPV6, IPV6_JOIN_GROUP, (optval_in)&mreq,
                      (sock_len)sizeof mreq) == 0 ? 0 : -1;
}

/* The index of the interface to join on: ifaddr's (looked up from its
 * address, or named), 0 for the system's choice; -1 when no interface
 * holds the address. */
static int join_index(const sock_addr *ifaddr, unsigned *ifindex)
{
    *ifindex = 0;
    if (!ifaddr)
        return 0;
    sock_addr local = *ifaddr;
    if (local.ifindex == 0 && sock_interface_index(&local) != 0)
        return -1;
    *ifindex = local.ifindex;
    return 0;
}

int sock_block_source(sock_t s, const sock_addr *group, const sock_addr *source,
                      const sock_addr *ifaddr)
{
    unsigned ifindex;
    if (join_index(ifaddr, &ifindex) != 0)
        return -1;
    sock_addr g = *group;
    sock_addr_set_port(&g, 0);
    struct group_source_req req;
    memset(&req, 0, sizeof req);
    req.gsr_interface = ifindex;
    memcpy(&req.gsr_group, &g.storage, sizeof req.gsr_group);
    memcpy(&req.gsr_source, &source->storage, sizeof req.gsr_source);
    if (setsockopt(s, multicast_level(group), MCAST_BLOCK_SOURCE, (optval_in)&req,
                   (sock_len)sizeof req) == 0)
        return 0;
    if (!sock_os_option_unknown() || sock_addr_family(group) != AF_INET)
        return -1;
    const struct sockaddr_in *gi = ipv4_of(group), *from = ipv4_of(source);
    const struct sockaddr_in *local = ifaddr ? ipv4_of(ifaddr) : NULL;
    if (!gi || !from || (ifaddr && !local))
        return -1;
    struct ip_mreq_source mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_multiaddr = gi->sin_addr;
    mreq.imr_sourceaddr = from->sin_addr;
    mreq.imr_interface.s_addr = local ? local->sin_addr.s_addr : htonl(INADDR_ANY);
    if (local && ifaddr->ifindex != 0 && sock_addr_is_unspecified(ifaddr) &&
        !sock_os_ipv4_of_index(ifaddr->ifindex, &mreq.imr_interface)) {
        sock_os_set_error(ERROR_CODE(EADDRNOTAVAIL, WSAEADDRNOTAVAIL));
        return -1;
    }
    return setsockopt(s, IPPROTO_IP, IP_BLOCK_SOURCE, (optval_in)&mreq,
                      (sock_len)sizeof mreq) == 0 ? 0 : -1;
}

int sock_join(sock_t s, const sock_addr *group, const sock_addr *source,
              const sock_addr *ifaddr)
{
    unsigned ifindex = 0;
    if (ifaddr && sock_addr_is_unspecified(ifaddr)) {
        ifindex = ifaddr->ifindex; /* named by name or index, or 0 */
    } else if (ifaddr) {
        sock_addr local = *ifaddr;
        /* An address no interface holds: IPv4's join by address lets the
         * system say why it refuses it, as it always did ("No such
         * device" on Linux). IPv6 has no join by address: the lookup's
         * own error ("Cannot assign requested address"). */
        if (local.ifindex == 0 && sock_interface_index(&local) != 0)
            return sock_addr_family(group) == AF_INET6 ? -1
                                                       : join_ipv4(s, group, source, ifaddr);
        ifindex = local.ifindex;
    }
    sock_addr g = *group;
    sock_addr_set_port(&g, 0); /* a group has no port here */
    int rc;
    if (source) {
        struct group_source_req req;
        memset(&req, 0, sizeof req);
        req.gsr_interface = ifindex;
        memcpy(&req.gsr_group, &g.storage, sizeof req.gsr_group);
        memcpy(&req.gsr_source, &source->storage, sizeof req.gsr_source);
        rc = setsockopt(s, multicast_level(group), MCAST_JOIN_SOURCE_GROUP,
                        (optval_in)&req, (sock_len)sizeof req);
    } else {
        struct group_req req;
        memset(&req, 0, sizeof req);
        req.gr_interface = ifindex;
        memcpy(&req.gr_group, &g.storage, sizeof req.gr_group);
        rc = setsockopt(s, multicast_level(group), MCAST_JOIN_GROUP,
                        (optval_in)&req, (sock_len)sizeof req);
    }
    if (rc == 0)
        return 0;
    /* wine 8 does not know the MCAST_* options (WSAENOPROTOOPT): there
     * IPv4's own calls do the same work. */
    if (!sock_os_option_unknown())
        return -1;
    if (sock_addr_family(group) == AF_INET6)
        return join_ipv6(s, group, source, ifindex);
    if (sock_addr_family(group) != AF_INET)
        return -1;
    return join_ipv4(s, group, source, ifaddr);
}

/* Whether a datagram sent to dst that arrived on interface ifindex is one
 * the receiver asked for (sock_receive_only). */
static bool arrival_wanted(const sock_arrivals *a, const sock_addr *dst, unsigned ifindex)
{
    if (sock_addr_is_unspecified(&a->to))
        return !sock_addr_is_multicast(dst);
    return sock_addr_same_host(dst, &a->to) && (a->ifindex == 0 || ifindex == a->ifindex);
}

/* The same for an IPv4 destination, as IP_PKTINFO gives it (sock_os.h). */
bool sock_os_arrival_wanted_ipv4(const sock_arrivals *a, struct in_addr dst,
                                 unsigned ifindex)
{
    sock_addr d;
    sock_addr_unspecified(&d, AF_INET, 0);
    ((struct sockaddr_in *)(void *)&d.storage)->sin_addr = dst;
    return arrival_wanted(a, &d, ifindex);
}

/* The same for an IPv6 destination (IPV6_PKTINFO). */
bool sock_os_arrival_wanted_ipv6(const sock_arrivals *a, const struct in6_addr *dst,
                                 unsigned ifindex)
{
    sock_addr d;
    sock_addr_unspecified(&d, AF_INET6, 0);
    ((struct sockaddr_in6 *)(void *)&d.storage)->sin6_addr = *dst;
    return arrival_wanted(a, &d, ifindex);
}

/* Into *local, the local address the system would send to group from:
 * the interface its routes pick, which is also how it picks the interface
 * to join on when none is named. -1 (the error set) when there is no
 * route. A UDP connect() sends nothing. */
static int route_source(const sock_addr *group, sock_addr *local)
{
    sock_t probe = sock_udp(sock_addr_family(group));
    sock_addr to = *group;
    sock_addr_set_port(&to, 9);
    int rc = probe != SOCK_INVALID && sock_connect(probe, &to) == 0 &&
                     sock_local_addr(probe, local) == 0
                 ? 0
                 : -1;
    sock_close(probe);
    return rc;
}

int sock_receive_only(sock_t s, const sock_addr *to, const sock_addr *ifaddr,
                      sock_arrivals *a)
{
    memset(a, 0, sizeof *a);
    int family = sock_addr_family(to);
    if (sock_os_own_joins_only(s, family))
        return 0;
    if (sock_os_enable_pktinfo(s, family) != 0)
        return -1;
    a->check = true;
    a->to = *to;
    if (!sock_addr_is_unspecified(to)) {
        sock_addr local;
        if (ifaddr && (!sock_addr_is_unspecified(ifaddr) || ifaddr->ifindex != 0))
            local = *ifaddr;
        else if (route_source(to, &local) != 0)
            return -1; /* the group is still checked */
        if (local.ifindex == 0 && sock_interface_index(&local) != 0)
            return -1;
        a->ifindex = local.ifindex;
    }
    return 0;
}

int sock_bind(sock_t s, const sock_addr *a)
{
    return bind(s, (const struct sockaddr *)&a->storage, a->len) == 0 ? 0 : -1;
}

int sock_connect(sock_t s, const sock_addr *a)
{
    return connect(s, (const struct sockaddr *)&a->storage, a->len) == 0 ? 0 : -1;
}

int sock_reconnect(sock_t s, const sock_addr *dest)
{
    sock_addr before, after;
    if (sock_local_addr(s, &before) != 0 || sock_os_disconnect(s) != 0)
        return -1;
    /* Linux lets go of a port it picked itself: take the same again, so
     * that the receiver still sees one sender. If another socket has taken
     * it meanwhile, connect picks a new one. */
    if (sock_addr_port(&before) != 0 && sock_local_addr(s, &after) == 0 &&
        sock_addr_port(&after) == 0) {
        sock_addr_set_port(&after, sock_addr_port(&before));
        (void)sock_bind(s, &after);
    }
    return sock_connect(s, dest);
}

int sock_connect_timeout(sock_t s, const sock_addr *a, int timeout_ms)
{
    /* Never a blocking connect, even without a limit: an interrupt that
     * came just before it would not end it (a TCP SYN unanswered: minutes).
     * The wait for its outcome ends on one. The system's own limit still
     * holds: it fails the connect, and the wait sees that. */
    if (sock_os_set_blocking(s, false) != 0)
        return -1;
    if (sock_connect(s, a) != 0) {
        if (!sock_os_connect_in_progress())
            return -1;
        int ready = sock_os_wait_writable(s, timeout_ms > 0 ? timeout_ms : -1);
        if (ready <= 0) {
            if (ready == 0)
                sock_os_set_error(ERROR_CODE(ETIMEDOUT, WSAETIMEDOUT));
            return -1;
        }
        int so_error = 0;
        if (sock_os_get_int(s, SOL_SOCKET, SO_ERROR, &so_error) != 0)
            return -1;
        if (so_error != 0) {
            sock_os_set_error(so_error);
            return -1;
        }
    }
    return sock_os_connected(s);
}

int sock_listen(sock_t s)
{
    return listen(s, 1) == 0 ? 0 : -1;
}

sock_t sock_accept(sock_t s, sock_addr *peer)
{
    peer->len = (sock_len)sizeof peer->storage;
    peer->ifindex = 0;
    return accept(s, (struct sockaddr *)&peer->storage, &peer->len);
}

int sock_local_addr(sock_t s, sock_addr *a)
{
    a->len = (sock_len)sizeof a->storage;
    a->ifindex = 0;
    return getsockname(s, (struct sockaddr *)&a->storage, &a->len) == 0 ? 0 : -1;
}

/* sock_send_stream's end before all went: -1, or after an interrupt the
 * bytes that went before it (the caller's counts then hold what the
 * socket took; its next call is the -1). */
static long send_ended(size_t done)
{
    return sock_interrupted() && done > 0 ? (long)done : -1;
}

long sock_send_stream(sock_t s, const void *data, size_t len, int timeout_ms)
{
    const char *p = data;
    size_t done = 0;
    int64_t deadline_us = timeout_ms >= 0 ? clock_mono_us() + (int64_t)timeout_ms * 1000 : 0;
    while (done < len) {
        size_t left = len - done;
        int chunk = left > 0x40000000 ? 0x40000000 : (int)left;
        if (timeout_ms < 0) {
            /* No time limit: where the system has it, one send that
             * waits for room itself (sock_os_send_whole). */
            long whole = sock_os_send_whole(s, p + done, (size_t)chunk);
            if (whole > 0) {
                done += (size_t)whole;
                continue;
            }
            if (whole < 0 && whole != SOCK_OS_SEND_IN_STEPS)
                return send_ended(done);
        }
        /* Never blocking in send (POSIX: MSG_DONTWAIT; Windows: the socket
         * is non-blocking, sock_os_connected): an interrupt would not end
         * it (a receiver that stopped reading: for good). The wait for
         * room below ends on one. */
        long sent = (long)send(s, p + done, chunk, sock_os_nonblocking_send_flags());
        if (sent >= 0) {
            done += (size_t)sent;
            continue;
        }
        if (sock_error_interrupted() && !sock_interrupted())
            continue;
        bool full = sock_os_would_block();
        if (!full && !sock_error_retry())
            return -1;
        /* No room: wait for some (out of buffers for a moment: 10 ms at
         * most), within the caller's time, then again. */
        int wait_ms = full ? -1 : 10;
        if (timeout_ms >= 0) {
            int64_t left_us = deadline_us - clock_mono_us();
            if (left_us <= 0)
                break;
            int left_ms = (int)((left_us + 999) / 1000);
            if (wait_ms < 0 || left_ms < wait_ms)
                wait_ms = left_ms;
        }
        if (sock_os_wait_writable(s, wait_ms) < 0 &&
            (sock_interrupted() || !sock_error_interrupted()))
            return send_ended(done); /* interrupted, or the wait failed */
    }
    return (long)done;
}

long sock_send(sock_t s, const void *data, size_t len)
{
    return (long)send(s, (const char *)data, (int)len, sock_os_send_flags());
}

long sock_send_to(sock_t s, const void *data, size_t len, const sock_addr *to)
{
    return (long)sendto(s, (const char *)data, (int)len, sock_os_send_flags(),
                        (const struct sockaddr *)&to->storage, to->len);
}

long sock_recv(sock_t s, void *buf, size_t cap)
{
    return (long)recv(s, (char *)buf, (int)cap, 0);
}

long sock_recv_from(sock_t s, void *buf, size_t cap, sock_addr *from)
{
    from->len = (sock_len)sizeof from->storage;
    from->ifindex = 0;
    return (long)recvfrom(s, (char *)buf, (int)cap, 0,
                          (struct sockaddr *)&from->storage, &from->len);
}
