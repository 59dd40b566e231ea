/* sock.c - POSIX and Winsock2 behind one interface (see sock.h). */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* ip_mreq on glibc and musl */
#endif
#include "sock.h"

#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>

/* Winsock wants char pointers for option values. */
typedef const char *optval_in;
typedef char *optval_out;

static char error_text[256];
static volatile LONG interrupted_by;

int sock_startup(void)
{
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        WSASetLastError(rc);
        return -1;
    }
    return 0;
}

void sock_cleanup(void)
{
    WSACleanup();
}

void sock_close(sock_t s)
{
    if (s != SOCK_INVALID)
        closesocket(s);
}

const char *sock_error_text(void)
{
    int code = WSAGetLastError();
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, (DWORD)code, 0, error_text,
                             (DWORD)sizeof error_text - 24, NULL);
    /* FormatMessage ends its text with ".\r\n"; keep one line. */
    while (n > 0 && (error_text[n - 1] == '\n' || error_text[n - 1] == '\r' ||
                     error_text[n - 1] == ' ' || error_text[n - 1] == '.'))
        n--;
    if (n == 0)
        n = (DWORD)snprintf(error_text, sizeof error_text, "Winsock error");
    snprintf(error_text + n, sizeof error_text - n, " (WSA %d)", code);
    return error_text;
}

bool sock_error_refused(void)
{
    int e = WSAGetLastError();
    return e == WSAECONNREFUSED || e == WSAECONNRESET;
}

bool sock_error_interrupted(void)
{
    return WSAGetLastError() == WSAEINTR || interrupted_by != 0;
}

bool sock_error_retry(void)
{
    int e = WSAGetLastError();
    return e == WSAEWOULDBLOCK || e == WSAENOBUFS;
}

bool sock_error_filtered(void)
{
    return false; /* the Windows firewall drops without telling the sender */
}

static BOOL WINAPI on_console_event(DWORD event)
{
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT ||
        event == CTRL_CLOSE_EVENT) {
        /* 2 is SIGINT's number everywhere; the exit status follows it. */
        InterlockedExchange(&interrupted_by, event == CTRL_C_EVENT ? 2 : 15);
        return TRUE;
    }
    return FALSE;
}

void sock_catch_interrupts(void)
{
    SetConsoleCtrlHandler(on_console_event, TRUE);
}

int sock_interrupted(void)
{
    return (int)interrupted_by;
}

static void set_interrupted_error(void)
{
    WSASetLastError(WSAEINTR);
}

int sock_wait_readable(sock_t s, int timeout_ms)
{
    /* Blocking Winsock calls do not notice the console handler, so wait in
     * short slices and look at the flag between them. */
    int waited_ms = 0;
    for (;;) {
        if (interrupted_by) {
            set_interrupted_error();
            return -1;
        }
        int slice_ms = 100;
        if (timeout_ms >= 0 && timeout_ms - waited_ms < slice_ms)
            slice_ms = timeout_ms - waited_ms;
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(s, &readable);
        struct timeval tv = {slice_ms / 1000, (slice_ms % 1000) * 1000};
        int rc = select(0, &readable, NULL, NULL, &tv);
        if (rc != 0)
            return rc > 0 ? 1 : -1;
        waited_ms += slice_ms;
        if (timeout_ms >= 0 && waited_ms >= timeout_ms)
            return 0;
    }
}

static int send_flags(void)
{
    return 0;
}

static int set_blocking(sock_t s, bool blocking)
{
    u_long nonblocking = blocking ? 0 : 1;
    return ioctlsocket(s, FIONBIO, &nonblocking) == 0 ? 0 : -1;
}

static bool connect_in_progress(void)
{
    return WSAGetLastError() == WSAEWOULDBLOCK;
}

static void set_timed_out(void)
{
    WSASetLastError(WSAETIMEDOUT);
}

static void set_error(int code)
{
    WSASetLastError(code);
}

static int wait_writable(sock_t s, int timeout_ms)
{
    fd_set writable, failed;
    FD_ZERO(&writable);
    FD_ZERO(&failed);
    FD_SET(s, &writable);
    FD_SET(s, &failed); /* Winsock reports a failed connect here */
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    return select(0, NULL, &writable, &failed, &tv);
}

#else /* POSIX */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

typedef const void *optval_in;
typedef void *optval_out;

static volatile sig_atomic_t interrupted_by;

int sock_startup(void)
{
    /* A reader that goes away (mdump | head -1) must give EPIPE, which the
     * output code reports, rather than kill us with buffered lines unsaved. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void sock_cleanup(void)
{
}

void sock_close(sock_t s)
{
    if (s != SOCK_INVALID)
        close(s);
}

const char *sock_error_text(void)
{
    return strerror(errno);
}

bool sock_error_refused(void)
{
    return errno == ECONNREFUSED;
}

bool sock_error_interrupted(void)
{
    return errno == EINTR;
}

bool sock_error_retry(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS;
}

bool sock_error_filtered(void)
{
    return errno == EPERM; /* netfilter dropped it on the way out */
}

static void on_signal(int sig)
{
    interrupted_by = sig;
}

void sock_catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
    int signals[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        struct sigaction old;
        /* Started with the signal ignored (nohup, a background job): keep
         * it so, as the shell asked. */
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(signals[i], &sa, NULL);
    }
}

int sock_interrupted(void)
{
    return (int)interrupted_by;
}

int sock_wait_readable(sock_t s, int timeout_ms)
{
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (interrupted_by) {
        errno = EINTR;
        return -1;
    }
    int rc = poll(&p, 1, timeout_ms);
    return rc > 0 ? 1 : rc;
}

static int send_flags(void)
{
    return MSG_NOSIGNAL; /* a reset TCP peer gives EPIPE, not SIGPIPE */
}

static int set_blocking(sock_t s, bool blocking)
{
    int flags = fcntl(s, F_GETFL);
    if (flags < 0)
        return -1;
    flags = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
    return fcntl(s, F_SETFL, flags) == 0 ? 0 : -1;
}

static bool connect_in_progress(void)
{
    return errno == EINPROGRESS;
}

static void set_timed_out(void)
{
    errno = ETIMEDOUT;
}

static void set_error(int code)
{
    errno = code;
}

static int wait_writable(sock_t s, int timeout_ms)
{
    struct pollfd p = {.fd = s, .events = POLLOUT};
    return poll(&p, 1, timeout_ms);
}
#endif

void sock_addr_ipv4(sock_addr *a, uint32_t ip_host_order, uint16_t port)
{
    struct sockaddr_in *in = (struct sockaddr_in *)&a->storage;
    memset(a, 0, sizeof *a);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(ip_host_order);
    a->len = (sock_len)sizeof *in;
}

static void format_ipv4(const sock_addr *a, char sep, char out[SOCK_ADDR_TEXT])
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)&a->storage;
    if (a->storage.ss_family != AF_INET) {
        snprintf(out, SOCK_ADDR_TEXT, "?");
        return;
    }
    uint32_t ip = ntohl(in->sin_addr.s_addr);
    snprintf(out, SOCK_ADDR_TEXT, "%u.%u.%u.%u%c%u", (unsigned)(ip >> 24),
             (unsigned)(ip >> 16) & 255u, (unsigned)(ip >> 8) & 255u,
             (unsigned)ip & 255u, sep, (unsigned)ntohs(in->sin_port));
}

void sock_addr_text(const sock_addr *a, char out[SOCK_ADDR_TEXT])
{
    format_ipv4(a, ':', out);
}

void sock_addr_dotted(const sock_addr *a, char out[SOCK_ADDR_TEXT])
{
    format_ipv4(a, '.', out);
}

sock_t sock_udp(void)
{
    return socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
}

sock_t sock_tcp(void)
{
    return socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
}

static int set_int(sock_t s, int level, int name, int value)
{
    return setsockopt(s, level, name, (optval_in)&value, (sock_len)sizeof value) == 0
               ? 0
               : -1;
}

static int get_int(sock_t s, int level, int name, int *value)
{
    sock_len len = (sock_len)sizeof *value;
    return getsockopt(s, level, name, (optval_out)value, &len) == 0 ? 0 : -1;
}

int sock_set_sndbuf(sock_t s, int bytes)
{
    return set_int(s, SOL_SOCKET, SO_SNDBUF, bytes);
}

int sock_get_sndbuf(sock_t s, int *bytes)
{
    return get_int(s, SOL_SOCKET, SO_SNDBUF, bytes);
}

int sock_set_rcvbuf(sock_t s, int bytes)
{
    return set_int(s, SOL_SOCKET, SO_RCVBUF, bytes);
}

int sock_get_rcvbuf(sock_t s, int *bytes)
{
    return get_int(s, SOL_SOCKET, SO_RCVBUF, bytes);
}

int sock_set_shared_port(sock_t s)
{
    /* On both systems SO_REUSEADDR lets every bound socket of a multicast
     * group receive its datagrams. */
    return set_int(s, SOL_SOCKET, SO_REUSEADDR, 1);
}

int sock_set_listener_reuse(sock_t s)
{
#ifdef _WIN32
    /* Windows' SO_REUSEADDR would let another program steal the port;
     * exclusive use is what Linux listeners get by default. */
    return set_int(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
#else
    return set_int(s, SOL_SOCKET, SO_REUSEADDR, 1);
#endif
}

int sock_set_multicast_ttl(sock_t s, int ttl)
{
#ifdef _WIN32
    DWORD value = (DWORD)ttl; /* Winsock documents a DWORD */
    return setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, (optval_in)&value,
                      (sock_len)sizeof value) == 0 ? 0 : -1;
#else
    unsigned char value = (unsigned char)ttl;
    return setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &value, sizeof value) == 0
               ? 0
               : -1;
#endif
}

int sock_set_multicast_if(sock_t s, uint32_t ifaddr_host_order)
{
    struct in_addr addr;
    addr.s_addr = htonl(ifaddr_host_order);
    return setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, (optval_in)&addr,
                      (sock_len)sizeof addr) == 0 ? 0 : -1;
}

int sock_join_group(sock_t s, uint32_t group_host_order,
                    uint32_t ifaddr_host_order)
{
    struct ip_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_multiaddr.s_addr = htonl(group_host_order);
    mreq.imr_interface.s_addr = htonl(ifaddr_host_order);
    return setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, (optval_in)&mreq,
                      (sock_len)sizeof mreq) == 0 ? 0 : -1;
}

int sock_bind(sock_t s, const sock_addr *a)
{
    return bind(s, (const struct sockaddr *)&a->storage, a->len) == 0 ? 0 : -1;
}

int sock_bind_group(sock_t s, uint32_t group_host_order, uint16_t port)
{
    sock_addr a;
#ifdef _WIN32
    (void)group_host_order;
    sock_addr_ipv4(&a, 0, port);
#else
    sock_addr_ipv4(&a, group_host_order, port);
#endif
    return sock_bind(s, &a);
}

int sock_connect(sock_t s, const sock_addr *a)
{
    return connect(s, (const struct sockaddr *)&a->storage, a->len) == 0 ? 0 : -1;
}

int sock_connect_timeout(sock_t s, const sock_addr *a, int timeout_ms)
{
    if (timeout_ms <= 0)
        return sock_connect(s, a);
    if (set_blocking(s, false) != 0)
        return -1;
    if (sock_connect(s, a) != 0) {
        if (!connect_in_progress())
            return -1;
        int ready = wait_writable(s, timeout_ms);
        if (ready <= 0) {
            if (ready == 0)
                set_timed_out();
            return -1;
        }
        int so_error = 0;
        if (get_int(s, SOL_SOCKET, SO_ERROR, &so_error) != 0)
            return -1;
        if (so_error != 0) {
            set_error(so_error);
            return -1;
        }
    }
    return set_blocking(s, true);
}

int sock_listen(sock_t s)
{
    return listen(s, 1) == 0 ? 0 : -1;
}

sock_t sock_accept(sock_t s, sock_addr *peer)
{
    peer->len = (sock_len)sizeof peer->storage;
    return accept(s, (struct sockaddr *)&peer->storage, &peer->len);
}

int sock_local_addr(sock_t s, sock_addr *a)
{
    a->len = (sock_len)sizeof a->storage;
    return getsockname(s, (struct sockaddr *)&a->storage, &a->len) == 0 ? 0 : -1;
}

int sock_send_all(sock_t s, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        int chunk = len > 0x40000000 ? 0x40000000 : (int)len;
        long sent = (long)send(s, p, chunk, send_flags());
        if (sent < 0) {
            if (sock_error_interrupted() && !sock_interrupted())
                continue;
            return -1;
        }
        p += sent;
        len -= (size_t)sent;
    }
    return 0;
}

long sock_send(sock_t s, const void *data, size_t len)
{
    return (long)send(s, (const char *)data, (int)len, send_flags());
}

long sock_recv(sock_t s, void *buf, size_t cap)
{
    return (long)recv(s, (char *)buf, (int)cap, 0);
}

long sock_recv_from(sock_t s, void *buf, size_t cap, sock_addr *from)
{
    from->len = (sock_len)sizeof from->storage;
    return (long)recvfrom(s, (char *)buf, (int)cap, 0,
                          (struct sockaddr *)&from->storage, &from->len);
}
