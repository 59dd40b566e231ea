/* sock_os.h - what the socket layer's files share among themselves, not
 * for the programs: the primitives each system implements its own way
 * (sock_posix.c, sock_win.c), and a few portable helpers of sock.c that
 * the batching calls (sock_batch.c) use as well. */
#ifndef MTOOLS_SOCK_OS_H
#define MTOOLS_SOCK_OS_H

#include <stdbool.h>

#include "lib/sock.h"
#include "lib/sock_batch.h"

/* An error code by its POSIX and its Winsock name. */
#ifdef _WIN32
#define ERROR_CODE(posix, winsock) winsock
/* Winsock wants char pointers for option values. */
typedef const char *optval_in;
typedef char *optval_out;
#else
#define ERROR_CODE(posix, winsock) posix
typedef const void *optval_in;
typedef void *optval_out;
#endif

/* ---- portable (sock.c) */

int sock_os_set_int(sock_t s, int level, int name, int value);
int sock_os_get_int(sock_t s, int level, int name, int *value);
/* Sets an int option, then reads back what the system kept into *kept
 * (the value asked when it cannot say). */
int sock_os_set_int_kept(sock_t s, int level, int name, int value, int *kept);
/* Whether a datagram sent to the IPv4 address dst that arrived on the
 * interface ifindex is one the receiver asked for (sock_receive_only). */
bool sock_os_arrival_wanted_ipv4(const sock_arrivals *a, struct in_addr dst,
                                 unsigned ifindex);
bool sock_os_arrival_wanted_ipv6(const sock_arrivals *a, const struct in6_addr *dst,
                                 unsigned ifindex);

/* ---- each system's own (sock_posix.c, sock_win.c) */

/* The flags every send() is given. */
int sock_os_send_flags(void);
/* Dissolves a datagram socket's association (connect). */
int sock_os_disconnect(sock_t s);
int sock_os_set_blocking(sock_t s, bool blocking);
/* The last connect() on a non-blocking socket is under way. */
bool sock_os_connect_in_progress(void);
/* Sets the error the sock_error_* functions report. */
void sock_os_set_error(int code);
/* The last setsockopt named an option this system does not know. */
bool sock_os_option_unknown(void);
/* 1 writable (or failed, for a connect), 0 timed out, -1 error or
 * interrupted (sock.h's interrupts end it). timeout_ms < 0: no limit. */
int sock_os_wait_writable(sock_t s, int timeout_ms);
/* The flags of a send that must not block: sock_os_send_flags()'s and
 * POSIX's MSG_DONTWAIT; Windows has no such flag (its own only): there a
 * stream socket is left non-blocking instead (sock_os_connected). */
int sock_os_nonblocking_send_flags(void);
/* The mode s is left in once sock_connect_timeout's connect is done: 0,
 * or -1 with the error set. POSIX: blocking again (a send that must not
 * block says so itself, MSG_DONTWAIT). Windows: a stream (TCP) socket
 * stays non-blocking, so that sock_send_stream's send returns WSAEWOULDBLOCK
 * instead of blocking where the console's Ctrl-C cannot end it; a
 * datagram socket is made blocking again. */
int sock_os_connected(sock_t s);
/* The last call would have blocked (EAGAIN, WSAEWOULDBLOCK). */
bool sock_os_would_block(void);
/* Sends len bytes (at most 0x40000000) on a connected stream socket in one
 * call that the system carries on by itself while the socket buffer fills
 * and drains, and waits for it to end in a wait an interrupt ends: the
 * bytes sent (interrupted: the send is cancelled, and those that went
 * before it are told), or -1 (interrupted before any went:
 * sock_error_interrupted()); SOCK_OS_SEND_IN_STEPS where there is no such
 * call (POSIX: sock_send_stream's MSG_DONTWAIT steps cost nothing more) or
 * the system would not take it now. Windows: an overlapped WSASend. There
 * the steps cost a round trip each (a send for the part that fits, a send
 * that finds no room, a select), under wine a quarter more of its server's
 * time. */
enum { SOCK_OS_SEND_IN_STEPS = -2 };
long sock_os_send_whole(sock_t s, const void *data, size_t len);
/* Turns off receiving other sockets' joins (IP_MULTICAST_ALL): true when
 * the system took it and keeps it off. */
bool sock_os_own_joins_only(sock_t s, int family);
/* Asks for each datagram's destination and arrival interface
 * (IP_PKTINFO, IPV6_PKTINFO), for sock_os_recv_one() or recvmsg. */
int sock_os_enable_pktinfo(sock_t s, int family);
/* The index of the interface holding the IPv4 address addr, or 0 with the
 * error set when there is none. */
unsigned sock_os_ipv4_interface_index(const struct in_addr *addr);
unsigned sock_os_ipv6_interface_index(const struct in6_addr *addr);
/* IPv4 multicast out of, and an any-source join on, the interface of
 * that index (Linux: struct ip_mreqn; Windows: the index as 0.0.0.x). */
int sock_os_multicast_if_index_ipv4(sock_t s, unsigned ifindex);
/* The first IPv4 address of the interface of that index: false when it
 * has none. */
bool sock_os_ipv4_of_index(unsigned ifindex, struct in_addr *addr);
int sock_os_join_index_ipv4(sock_t s, struct in_addr group, unsigned ifindex);
/* A getaddrinfo status that means "no such host (of that family)". */
bool sock_os_resolve_no_host(int status);
/* Whether stdout is a pipe or socket whose reader can go away: the waits
 * of sock_wait_readable then watch it too. */
bool sock_os_output_watched(void);
/* One datagram into rx->buf, its sender into rx->from[0]; with
 * rx->only.check, *wanted tells whether it is one the receiver asked for
 * (IP_PKTINFO). The length, or -1. */
long sock_os_recv_one(sock_receiver *rx, bool *wanted);
#ifndef _WIN32
/* s is about to block in a receive call that no wait precedes (Linux's
 * recvmmsg with MSG_WAITFORONE), SOCK_INVALID once the call returned.
 * Meanwhile the signal handler shuts s down for reading, which ends the
 * call, or makes it return at once when it had not begun yet: with one
 * empty message (recvmmsg, recvmsg give 0 bytes). Set it before the last
 * look at sock_interrupted(). */
void sock_os_receive_blocking(sock_t s);
#endif

#endif
