/* sock.h - the portable socket layer: POSIX sockets on Linux, Winsock2 on
 * Windows. The programs call only this and never test the platform.
 *
 * Functions return 0 (or a count) on success and -1 on failure; the reason
 * is then in sock_error_text(). Addresses travel as sock_addr (lib/addr.h)
 * in and out, whatever their family. */
#ifndef MTOOLS_SOCK_H
#define MTOOLS_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"

#ifdef _WIN32
typedef SOCKET sock_t;
#define SOCK_INVALID INVALID_SOCKET
#else
typedef int sock_t;
#define SOCK_INVALID (-1)
#endif

/* Start-up (WSAStartup) and the matching cleanup; no-ops on POSIX.
 * Also makes a closed stdout pipe an error instead of a signal. */
int sock_startup(void);
void sock_cleanup(void);

/* Sockets of an address family (sock_addr_family()). An IPv6 socket is
 * IPv6 only (IPV6_V6ONLY, Windows' default): "::" receives IPv6 alone on
 * every system, and IPv4 senders are never shown as ::ffff:a.b.c.d. */
sock_t sock_udp(int family);
sock_t sock_tcp(int family);
void sock_close(sock_t s);

/* Socket buffers (SO_SNDBUF, SO_RCVBUF), in bytes. The get functions give
 * what getsockopt reports: on Linux twice the size granted (socket(7): the
 * kernel doubles the request for its bookkeeping, after capping it at
 * net.core.wmem_max / rmem_max); on Windows the size itself. */
int sock_set_sndbuf(sock_t s, int bytes);
int sock_get_sndbuf(sock_t s, int *bytes);
int sock_set_rcvbuf(sock_t s, int bytes);
int sock_get_rcvbuf(sock_t s, int *bytes);
/* Whether a buffer that getsockopt reports as reported_bytes is smaller
 * than the asked_bytes requested (on Linux: than twice them). */
bool sock_buffer_short(int asked_bytes, int reported_bytes);
/* What follows a "tried to set ..., only got ..." warning, as a NOTE:
 * the size granted and how to raise the system's limit, e.g. "Linux
 * granted 212992 bytes (getsockopt reports twice that); raise its limit
 * with: sysctl -w net.core.rmem_max=300000". A request over INT_MAX / 2,
 * which no limit grants on Linux, is told the most that can be had.
 * receive: SO_RCVBUF, else SO_SNDBUF. */
void sock_buffer_note(bool receive, int asked_bytes, int reported_bytes,
                      char *out, size_t cap);

/* The setters below also say what the system kept, read back with
 * getsockopt (a system may take a setting and keep another value); where
 * it cannot be read back, what was asked. */

/* Lets several UDP receivers share a port (SO_REUSEADDR): every one joined
 * to a group gets its datagrams, a unicast datagram goes to one of them.
 * *kept: 1 on, 0 off. */
int sock_set_shared_port(sock_t s, int *kept);
/* Lets a listener restart at once while old connections linger, without
 * letting a second listener take the port (SO_EXCLUSIVEADDRUSE on Windows).
 * *kept: 1 on, 0 off. */
int sock_set_listener_reuse(sock_t s, int *kept);
extern const char sock_listener_reuse_name[]; /* the option's name, for messages */
/* The multicast time to live (IP_MULTICAST_TTL), or for family AF_INET6
 * the hop limit (IPV6_MULTICAST_HOPS), 0-255. */
int sock_set_multicast_ttl(sock_t s, int family, int ttl, int *kept_ttl);
/* The interface multicast leaves by (IP_MULTICAST_IF, IPV6_MULTICAST_IF),
 * named by one of its addresses, or by its index (ifaddr unspecified with
 * ifaddr->ifindex set); *kept: the address the system reports (the
 * unspecified one: its own choice), or *ifaddr where it reports none
 * (IPv6, an index). */
int sock_set_multicast_if(sock_t s, const sock_addr *ifaddr, sock_addr *kept);
/* Whether multicast sent on s comes back to this host's own receivers
 * (IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP); *kept: 1 on, 0 off. Windows
 * applies the option on the receiving socket instead (Winsock's
 * documentation): a sender's setting changes nothing there. */
int sock_set_multicast_loop(sock_t s, int family, bool on, int *kept);
/* The Differentiated Services code point (RFC 2474), 0-63, in the IPv4
 * TOS byte (IP_TOS) or the IPv6 traffic class (IPV6_TCLASS), ECN bits
 * zero; *kept: the code point the system reports. Windows takes IP_TOS
 * and keeps the packets unmarked (it marks by its QoS policy only). */
int sock_set_dscp(sock_t s, int family, int dscp, int *kept);
/* Lets a UDP socket send to broadcast addresses (SO_BROADCAST): without
 * it the system refuses them ("Permission denied"). */
int sock_set_broadcast(sock_t s);
/* The time to live of unicast packets (IP_TTL), or for AF_INET6 their
 * hop limit (IPV6_UNICAST_HOPS), 1-255. */
int sock_set_unicast_ttl(sock_t s, int family, int ttl);

/* A host name's address of family (AF_INET, AF_INET6, AF_UNSPEC: the
 * first getaddrinfo gives, RFC 6724's order), port 0: 0; or
 * SOCK_RESOLVE_NO_HOST when there is none of that family; or -1 when the
 * lookup itself failed (no name service). */
enum { SOCK_RESOLVE_NO_HOST = -2 };
int sock_resolve(const char *name, int family, sock_addr *out);
/* The index of the interface of that name (Linux: "eth0"; Windows: the
 * adapter's name as ipconfig shows it, "vEthernet (WSL)", or its
 * if_nametoindex name), or 0 when there is none. Opens no socket on
 * Linux (sysfs). */
unsigned sock_interface_by_name(const char *name);
/* Whether this host has an interface of that index (Linux: sysfs, no
 * socket opened; elsewhere if_indextoname; Windows: the adapters'
 * IfIndex and Ipv6IfIndex, as sock_interface_by_name reads them). */
bool sock_interface_exists(unsigned ifindex);
/* Whether a (port ignored) is one of this host's addresses, the local
 * routes' (Linux reads /proc/net/fib_trie and /proc/net/if_inet6, opening
 * no socket; elsewhere the interfaces' addresses). An IPv6 address with a
 * zone must be on that interface. *ifindex: the interface holding it, where
 * known (IPv6); else 0. When the system's list cannot be read, true (it
 * cannot tell; the socket's own error then says it, at run time), and so
 * does sock_interface_exists. */
bool sock_address_is_local(const sock_addr *a, unsigned *ifindex);
/* Whether a (port ignored) is the broadcast address of one of this host's
 * IPv4 subnets: an address's prefix with its host bits set, or the
 * broadcast address an interface was given (Linux reads the broadcast
 * routes of /proc/net/fib_trie, opening no socket; elsewhere the
 * interfaces' addresses and masks: prefixes of 30 bits and shorter).
 * False for 255.255.255.255 (no subnet's own), for IPv6 (no broadcast)
 * and when the system's list cannot be read. */
bool sock_subnet_broadcast(const sock_addr *a);

/* The index of the interface that holds the local address a, into
 * a->ifindex (as IP_PKTINFO and the MCAST_* joins name interfaces); 0 for
 * the unspecified address (the system's choice), unless an index is
 * already there (an interface named by name or index: kept). -1 when no
 * interface holds it (EADDRNOTAVAIL). */
int sock_interface_index(sock_addr *a);

/* Joins group (RFC 3678's protocol-independent MCAST_JOIN_GROUP) on the
 * interface holding ifaddr, or with ifaddr NULL or unspecified on the one
 * the system's routes pick. With source, only that sender's datagrams are
 * taken (source-specific multicast, RFC 4607: MCAST_JOIN_SOURCE_GROUP).
 * Where the system refuses these calls (wine), IPv4's own
 * IP_ADD_MEMBERSHIP / IP_ADD_SOURCE_MEMBERSHIP do the same. */
int sock_join(sock_t s, const sock_addr *group, const sock_addr *source,
              const sock_addr *ifaddr);
/* After an any-source join of group: no datagrams from source
 * (MCAST_BLOCK_SOURCE, RFC 3678; IPv4's IP_BLOCK_SOURCE where the system
 * refuses it). */
int sock_block_source(sock_t s, const sock_addr *group, const sock_addr *source,
                      const sock_addr *ifaddr);

/* ---- Only what was asked for.
 *
 * A UDP socket gets more than its bind says: on Linux every group that any
 * socket of the host joined at its port, arriving on any interface
 * (IP_MULTICAST_ALL is on by default); on Windows, bound to any address (a
 * group address cannot be bound there), unicast to the port as well. */
typedef struct sock_arrivals {
    bool check;       /* sock_recv_datagrams() drops the others (IP_PKTINFO) */
    sock_addr to;     /* the group; unspecified: unicast and broadcast only */
    unsigned ifindex; /* the interface to arrive on; 0: any */
} sock_arrivals;

/* Restricts s, before it is bound, to datagrams sent to the group to (the
 * unspecified address: unicast and broadcast, no multicast) that arrive on
 * the interface holding ifaddr (NULL or unspecified: for a group, the one
 * the system joins on; unused for unicast). Linux does it in the kernel:
 * IP_MULTICAST_ALL off keeps only the socket's own joins, each on its
 * interface. Where that option is refused, and on Windows, the destination
 * address and arrival interface of each datagram (IP_PKTINFO) are checked
 * instead: *a says so, and is to be given to the receiver
 * (sock_receiver.only). Returns 0, or -1 when neither works here (the
 * reason in sock_error_text(); s then receives unchecked). */
int sock_receive_only(sock_t s, const sock_addr *to, const sock_addr *ifaddr,
                      sock_arrivals *a);

int sock_bind(sock_t s, const sock_addr *a);
/* Bind for receiving a group's datagrams at its port. On Linux the group
 * address itself is bound, so other groups on the same port are not seen
 * (an IPv6 group of link scope with the zone of ifaddr's interface);
 * Windows cannot bind a group address and binds the unspecified one. */
int sock_bind_group(sock_t s, const sock_addr *group, const sock_addr *ifaddr);
int sock_connect(sock_t s, const sock_addr *a);
/* connect() that gives up after timeout_ms (<= 0: the system's own). It
 * never blocks in connect itself: it waits for the outcome, and an
 * interrupt ends that wait (-1, sock_error_interrupted()). The socket is
 * then blocking again, but for a TCP one on Windows, which stays
 * non-blocking: its sends are sock_send_stream's, which wait for room
 * themselves. */
int sock_connect_timeout(sock_t s, const sock_addr *a, int timeout_ms);
/* After a path error (sock_error_path()) on a connected UDP socket: drops
 * the route and source address chosen when it was connected and connects
 * again, so that the next datagram leaves from whatever address reaches
 * dest now (an address renewed, a route moved). The local port is kept,
 * and so is a local address the socket was bound to. 0 when connected
 * again; -1 when dest cannot be reached now: the socket is then not
 * connected, and must be connected again before the next send. */
int sock_reconnect(sock_t s, const sock_addr *dest);
int sock_listen(sock_t s);
sock_t sock_accept(sock_t s, sock_addr *peer);
int sock_local_addr(sock_t s, sock_addr *a);

/* Bytes on a stream (TCP) socket connected by sock_connect_timeout, short
 * writes retried: returns how many of the len (at most LONG_MAX) went,
 * all of them unless timeout_ms (>= 0; < 0: no limit) ran out while it
 * waited for room, or -1 on an error. It never blocks in send itself
 * (POSIX: MSG_DONTWAIT; Windows: the socket is non-blocking): when there
 * is no room it waits for some, and an interrupt ends that wait (-1,
 * sock_error_interrupted(); or, when some of the bytes went before it,
 * how many: the next call is the -1). On Windows, without a time limit,
 * it is one overlapped send that waits for room itself (fewer round
 * trips), in a wait an interrupt ends in the same way. */
long sock_send_stream(sock_t s, const void *data, size_t len, int timeout_ms);
/* One datagram on a connected socket. */
long sock_send(sock_t s, const void *data, size_t len);
/* One datagram to the address to, on a socket that is not connected
 * (a reflector answering whoever sent): the bytes sent, or -1. */
long sock_send_to(sock_t s, const void *data, size_t len, const sock_addr *to);
long sock_recv(sock_t s, void *buf, size_t cap);
long sock_recv_from(sock_t s, void *buf, size_t cap, sock_addr *from);

/* Waits until s is readable: 1 readable, 0 timed out, -1 error or
 * interrupted, SOCK_OUTPUT_GONE when stdout is a pipe whose reader has
 * gone (mdump | head -1), so a program with nothing to receive still ends.
 * timeout_ms < 0 waits forever. */
enum { SOCK_OUTPUT_GONE = -2 };
int sock_wait_readable(sock_t s, int timeout_ms);
/* The same for count sockets (1 to SOCK_WAIT_MAX): 1 when at least one
 * is readable, and then readable[i] tells which. */
enum { SOCK_WAIT_MAX = 256 };
int sock_wait_readable_any(const sock_t *s, size_t count, int timeout_ms,
                           bool *readable);

/* Writes up to len bytes of data to stdout (no stdio buffer in between)
 * and returns how many went (> 0); -1 with the system's error (EPIPE:
 * the reader has gone). When stdout is a pipe whose reader is not
 * reading, the wait for room in it ends on an interrupt (below); once one
 * has come, a write waits for room at most SOCK_OUTPUT_GRACE_MS, then
 * returns 0: the reader has stopped, and what is left is not for it.
 * Windows: the same for a pipe or a console, each "\n" written as
 * "\r\n" (the C library's text mode); a thread of its own writes (an
 * interrupt does not end a WriteFile), up to 16 KiB of data a call, and
 * the caller waits for it in a wait an interrupt ends. */
enum { SOCK_OUTPUT_GRACE_MS = 200 };
long sock_write_output(const void *data, size_t len);
/* The same for an output file (the -o file, opened unbuffered): a FIFO
 * or socket is waited for as stdout's pipe is, in a wait an interrupt
 * ends, and after an interrupt for SOCK_OUTPUT_GRACE_MS at most (then
 * 0); a regular file is written at once. Windows: written by the C
 * library (text mode: "\n" as "\r\n"), as a file never holds a write
 * long; a named pipe given as the file is not watched. */
long sock_write_file(FILE *f, const void *data, size_t len);

/* What went wrong in the last call above: for the common socket errors a
 * fixed English text, the same on every build (glibc's wording, e.g.
 * "Connection timed out", "Network is unreachable"); for others the
 * system's own text (on Windows with "(WSA <code>)" after it). */
const char *sock_error_text(void);
/* The fixed text of an errno (POSIX) or WSA (Windows) code, or NULL when
 * it has none. */
const char *sock_error_code_text(int code);
/* Classes of the last error that callers act on. */
bool sock_error_refused(void);     /* ICMP port unreachable, RST on connect */
bool sock_error_interrupted(void); /* a signal (Ctrl-C) cut the call short */
bool sock_error_retry(void);       /* EAGAIN, ENOBUFS: try again shortly */
bool sock_error_filtered(void);    /* a local firewall dropped the datagram */
/* No route, the source address gone, an interface down, an ICMP error for
 * an earlier datagram: conditions of the path that may heal, for UDP. */
bool sock_error_path(void);
/* The address is not one of this host's (EADDRNOTAVAIL on bind). */
bool sock_error_not_local(void);

/* Makes sure the standard descriptors 0, 1 and 2 are open before the
 * program opens anything: one that was closed (`mdump >&-`) is opened on
 * the null device the wrong way round (stdin for writing, stdout and
 * stderr for reading), so that no socket, pipe or file takes its number
 * (text meant for stdout would go on the wire, a poll wait on it for
 * good) and each use of it fails, EBADF, as on the closed one. Every
 * main calls it first. Windows: nothing (sockets are no C descriptors,
 * and a missing standard handle is told by the writes). */
void sock_hold_std_fds(void);

/* Ctrl-C and termination: after sock_catch_interrupts(), a console
 * interrupt (SIGINT, SIGTERM, SIGHUP; Windows: its console's Ctrl-C,
 * Ctrl-Break and close) sets a flag that sock_interrupted() returns, and
 * blocking calls return -1 with sock_error_interrupted() true.
 * sock_interrupted() returns the signal number seen (Windows: 2 for
 * Ctrl-C, 15 for the others), or 0. A signal ignored when the program
 * started (nohup, a shell's background job) stays ignored.
 *
 * Every wait of this layer (sock_wait_readable, sock_wait_readable_any,
 * sock_recv_datagrams_wait, sock_connect_timeout, sock_send_stream's wait
 * for room, sock_sleep_us) ends on one, also on one that came after the
 * caller last looked at sock_interrupted() and before the wait began: a
 * loop that looks, then waits, never sleeps through it. (POSIX: at once;
 * Windows, where the console's handler runs on a thread of its own: the
 * sleeps at once, the socket waits within 100 ms.) */
void sock_catch_interrupts(void);
int sock_interrupted(void);

/* Sleeps us microseconds on the system's timer, or less when an
 * interrupt comes (above): 0 slept (it may wake late by the timer's slack:
 * Linux's for a wait in ppoll is 0.1 % of it, at least 50 us; Windows'
 * with a high-resolution timer tens of microseconds, with Sleep up to
 * its tick), -1 interrupted. clock.h's sleeps are made of it. */
int sock_sleep_us(int64_t us);
/* Whether sock_sleep_us has a precise timer: true on POSIX (ppoll); on
 * Windows true when a high-resolution waitable timer
 * (CreateWaitableTimerExW with CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
 * Windows 10 1803 and later) could be made, false when Sleep's tick
 * stands in for it. */
bool sock_sleep_precise(void);

#endif
