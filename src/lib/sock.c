/* sock.c - POSIX and Winsock2 behind one interface (see sock.h). */
#ifndef _WIN32
#define _GNU_SOURCE /* sendmmsg, recvmmsg; ip_mreq on glibc and musl */
#endif
#include "lib/sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_int(sock_t s, int level, int name, int value);
static int get_int(sock_t s, int level, int name, int *value);

/* The texts of the errors the programs report, in English and worded as
 * glibc words them, whatever the build: musl says "Operation timed out"
 * and "Network unreachable", Windows words its own in the system's
 * language, and scripts (mcheck among them) match these lines. Codes not
 * listed get the system's text. */
typedef struct fixed_text {
    int code; /* errno on POSIX, the WSA code on Windows */
    const char *text;
} fixed_text;

#ifdef _WIN32
#define ERROR_CODE(posix, winsock) winsock
#else
#define ERROR_CODE(posix, winsock) posix
#endif

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

#ifdef _WIN32
#include <windows.h>
#include <mswsock.h>  /* WSARecvMsg */
#include <iphlpapi.h> /* GetIpAddrTable */

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
    const char *fixed = sock_error_code_text(code);
    if (fixed)
        return fixed;
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

bool sock_error_path(void)
{
    int e = WSAGetLastError();
    /* WSAENETRESET on UDP: an ICMP "time exceeded" came back. */
    return e == WSAENETUNREACH || e == WSAEHOSTUNREACH || e == WSAEADDRNOTAVAIL ||
           e == WSAENETDOWN || e == WSAEHOSTDOWN || e == WSAENETRESET ||
           e == WSAEMSGSIZE;
}

bool sock_error_not_local(void)
{
    return WSAGetLastError() == WSAEADDRNOTAVAIL;
}

/* Winsock disconnects a datagram socket connected to the zero address. */
static int disconnect(sock_t s)
{
    struct sockaddr_in none;
    memset(&none, 0, sizeof none);
    none.sin_family = AF_INET;
    return connect(s, (const struct sockaddr *)&none, (int)sizeof none) == 0 ? 0 : -1;
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

/* The last setsockopt named an option this system does not know. */
static bool option_unknown(void)
{
    return WSAGetLastError() == WSAENOPROTOOPT;
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

/* WSARecvMsg is an extension: its address is asked of the provider. */
static LPFN_WSARECVMSG wsa_recvmsg;

static bool own_joins_only(sock_t s)
{
    (void)s;
    return false; /* no such option: IP_PKTINFO tells each datagram */
}

static int enable_pktinfo(sock_t s)
{
    GUID id = WSAID_WSARECVMSG;
    DWORD on = 1, bytes = 0;
    if (setsockopt(s, IPPROTO_IP, IP_PKTINFO, (optval_in)&on, (sock_len)sizeof on) != 0)
        return -1;
    return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id,
                    &wsa_recvmsg, sizeof wsa_recvmsg, &bytes, NULL, NULL) == 0
               ? 0
               : -1;
}

/* The index of the interface holding the IPv4 address addr, or 0 with the
 * error set when there is none. */
static unsigned ipv4_interface_index(const struct in_addr *addr)
{
    ULONG size = 0;
    MIB_IPADDRTABLE *table = NULL;
    DWORD rc = GetIpAddrTable(NULL, &size, FALSE);
    while (rc == ERROR_INSUFFICIENT_BUFFER) {
        free(table);
        table = malloc(size);
        if (!table) {
            WSASetLastError(WSA_NOT_ENOUGH_MEMORY);
            return 0;
        }
        rc = GetIpAddrTable(table, &size, FALSE);
    }
    unsigned index = 0;
    for (DWORD i = 0; rc == NO_ERROR && table && i < table->dwNumEntries && index == 0; i++)
        if (table->table[i].dwAddr == addr->s_addr)
            index = (unsigned)table->table[i].dwIndex;
    free(table);
    if (index == 0)
        WSASetLastError(rc == NO_ERROR ? WSAEADDRNOTAVAIL : (int)rc);
    return index;
}

#else /* POSIX */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

typedef const void *optval_in;
typedef void *optval_out;

static volatile sig_atomic_t interrupted_by;

int sock_startup(void)
{
    /* A reader that goes away (mdump | head -1) must give EPIPE, which the
     * output code reports, rather than kill us with buffered lines unsaved.
     * It cannot fail for SIGPIPE; if it did, SIGPIPE would just end us. */
    (void)signal(SIGPIPE, SIG_IGN);
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
    const char *fixed = sock_error_code_text(errno);
    return fixed ? fixed : strerror(errno);
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

bool sock_error_path(void)
{
    /* EMSGSIZE on a connected socket: a router asked for smaller packets
     * (ICMP "fragmentation needed"); the next send is cut to fit. */
    return errno == ENETUNREACH || errno == EHOSTUNREACH ||
           errno == EADDRNOTAVAIL || errno == ENETDOWN || errno == EHOSTDOWN ||
           errno == ENONET || errno == EMSGSIZE;
}

bool sock_error_not_local(void)
{
    return errno == EADDRNOTAVAIL;
}

/* An AF_UNSPEC address dissolves a datagram socket's association. */
static int disconnect(sock_t s)
{
    struct sockaddr none;
    memset(&none, 0, sizeof none);
    none.sa_family = AF_UNSPEC;
    return connect(s, &none, sizeof none) == 0 ? 0 : -1;
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

/* Whether stdout is a pipe or socket, whose reader can go away. */
static bool stdout_is_pipe(void)
{
    static int known = -1;
    if (known < 0) {
        struct stat st;
        known = fstat(STDOUT_FILENO, &st) == 0 &&
                (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
    }
    return known == 1;
}

int sock_wait_readable(sock_t s, int timeout_ms)
{
    /* events 0: for stdout only its error or hang-up is reported. */
    struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = STDOUT_FILENO, .events = 0}};
    if (interrupted_by) {
        errno = EINTR;
        return -1;
    }
    int rc = poll(p, stdout_is_pipe() ? 2 : 1, timeout_ms);
    if (rc > 0 && !(p[0].revents & POLLIN) && (p[1].revents & (POLLERR | POLLHUP)))
        return SOCK_OUTPUT_GONE;
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

/* The last setsockopt named an option this system does not know. */
static bool option_unknown(void)
{
    return errno == ENOPROTOOPT;
}

static int wait_writable(sock_t s, int timeout_ms)
{
    struct pollfd p = {.fd = s, .events = POLLOUT};
    return poll(&p, 1, timeout_ms);
}

/* IP_MULTICAST_ALL off (Linux 2.6.31 on): the kernel hands the socket only
 * the groups it joined itself, each only from the interface it joined on.
 * Read back, since an emulation (WSL 1, gVisor) may take it and ignore it. */
static bool own_joins_only(sock_t s)
{
#ifdef IP_MULTICAST_ALL
    int on = 1;
    return set_int(s, IPPROTO_IP, IP_MULTICAST_ALL, 0) == 0 &&
           get_int(s, IPPROTO_IP, IP_MULTICAST_ALL, &on) == 0 && on == 0;
#else
    (void)s;
    return false;
#endif
}

static int enable_pktinfo(sock_t s)
{
#ifdef __linux__
    return set_int(s, IPPROTO_IP, IP_PKTINFO, 1);
#else
    (void)s;
    errno = ENOPROTOOPT; /* only the Linux receiver reads it */
    return -1;
#endif
}

/* The index of the interface holding the IPv4 address addr, or 0 with
 * errno set when there is none. */
static unsigned ipv4_interface_index(const struct in_addr *addr)
{
    struct ifaddrs *list;
    if (getifaddrs(&list) != 0)
        return 0;
    unsigned index = 0;
    for (const struct ifaddrs *i = list; i && index == 0; i = i->ifa_next) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        if (in && in->sin_family == AF_INET && in->sin_addr.s_addr == addr->s_addr)
            index = if_nametoindex(i->ifa_name);
    }
    freeifaddrs(list);
    if (index == 0)
        errno = EADDRNOTAVAIL;
    return index;
}
#endif

sock_t sock_udp(int family)
{
    return socket(family, SOCK_DGRAM, IPPROTO_UDP);
}

sock_t sock_tcp(int family)
{
    return socket(family, SOCK_STREAM, IPPROTO_TCP);
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

bool sock_buffer_short(int asked_bytes, int reported_bytes)
{
#ifdef _WIN32
    return reported_bytes < asked_bytes;
#else
    return (long long)reported_bytes < 2LL * asked_bytes;
#endif
}

void sock_buffer_note(bool receive, int asked_bytes, int reported_bytes,
                      char *out, size_t cap)
{
#ifdef _WIN32
    (void)receive;
    snprintf(out, cap, "NOTE: Windows granted %d of the %d bytes asked; ask for "
                       "at most that", reported_bytes, asked_bytes);
#else
    /* The kernel caps the request at the sysctl, and at INT_MAX / 2 so
     * that its double fits an int; only the first can be raised. */
    const int most = 0x7fffffff / 2;
    int granted = reported_bytes / 2;
    if (asked_bytes > most && granted >= most)
        snprintf(out, cap, "NOTE: Linux granted %d bytes (getsockopt reports twice "
                           "that), the most it gives", granted);
    else
        snprintf(out, cap, "NOTE: Linux granted %d bytes (getsockopt reports twice "
                           "that); raise its limit with: sysctl -w net.core.%s=%d",
                 granted, receive ? "rmem_max" : "wmem_max",
                 asked_bytes > most ? most : asked_bytes);
#endif
}

/* Sets an int option, then reads back what the system kept into *kept
 * (the value asked when it cannot say). */
static int set_int_kept(sock_t s, int level, int name, int value, int *kept)
{
    *kept = value;
    if (set_int(s, level, name, value) != 0)
        return -1;
    if (get_int(s, level, name, kept) != 0)
        *kept = value;
    return 0;
}

int sock_set_shared_port(sock_t s, int *kept)
{
    /* On both systems SO_REUSEADDR lets every bound socket of a multicast
     * group receive its datagrams. */
    int rc = set_int_kept(s, SOL_SOCKET, SO_REUSEADDR, 1, kept);
    *kept = *kept != 0;
    return rc;
}

#ifdef _WIN32
const char sock_listener_reuse_name[] = "SO_EXCLUSIVEADDRUSE";
#else
const char sock_listener_reuse_name[] = "SO_REUSEADDR";
#endif

int sock_set_listener_reuse(sock_t s, int *kept)
{
#ifdef _WIN32
    /* Windows' SO_REUSEADDR would let another program steal the port;
     * exclusive use is what Linux listeners get by default. */
    int rc = set_int_kept(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1, kept);
#else
    int rc = set_int_kept(s, SOL_SOCKET, SO_REUSEADDR, 1, kept);
#endif
    *kept = *kept != 0;
    return rc;
}

int sock_set_multicast_ttl(sock_t s, int ttl, int *kept_ttl)
{
#ifdef _WIN32
    DWORD value = (DWORD)ttl; /* Winsock documents a DWORD */
    if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, (optval_in)&value,
                   (sock_len)sizeof value) != 0)
        return -1;
#else
    unsigned char value = (unsigned char)ttl;
    if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &value, sizeof value) != 0)
        return -1;
#endif
    /* Both systems report it as an int-sized value. */
    if (get_int(s, IPPROTO_IP, IP_MULTICAST_TTL, kept_ttl) != 0)
        *kept_ttl = ttl;
    return 0;
}

int sock_set_broadcast(sock_t s)
{
    return set_int(s, SOL_SOCKET, SO_BROADCAST, 1);
}

int sock_set_unicast_ttl(sock_t s, int ttl)
{
    return set_int(s, IPPROTO_IP, IP_TTL, ttl);
}

/* The IPv4 view of a, or NULL (the error set) when it holds another
 * family. */
static const struct sockaddr_in *ipv4_of(const sock_addr *a)
{
    if (sock_addr_family(a) == AF_INET)
        return (const struct sockaddr_in *)(const void *)&a->storage;
    set_error(ERROR_CODE(EAFNOSUPPORT, WSAEAFNOSUPPORT));
    return NULL;
}

int sock_set_multicast_if(sock_t s, const sock_addr *ifaddr, sock_addr *kept)
{
    const struct sockaddr_in *in = ipv4_of(ifaddr);
    if (!in)
        return -1;
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
    a->ifindex = 0;
    if (sock_addr_is_unspecified(a))
        return 0;
    const struct sockaddr_in *in = ipv4_of(a);
    if (in)
        a->ifindex = ipv4_interface_index(&in->sin_addr);
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

int sock_join(sock_t s, const sock_addr *group, const sock_addr *source,
              const sock_addr *ifaddr)
{
    unsigned ifindex = 0;
    if (ifaddr && !sock_addr_is_unspecified(ifaddr)) {
        sock_addr local = *ifaddr;
        /* An address no interface holds: IPv4's join by address lets the
         * system say why it refuses it, as it always did ("No such
         * device" on Linux). */
        if (local.ifindex == 0 && sock_interface_index(&local) != 0)
            return join_ipv4(s, group, source, ifaddr);
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
    if (!option_unknown() || sock_addr_family(group) != AF_INET)
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

/* The same for an IPv4 destination, as IP_PKTINFO gives it. */
static bool arrival_wanted_ipv4(const sock_arrivals *a, struct in_addr dst, unsigned ifindex)
{
    sock_addr d;
    sock_addr_unspecified(&d, AF_INET, 0);
    ((struct sockaddr_in *)(void *)&d.storage)->sin_addr = dst;
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
    if (own_joins_only(s))
        return 0;
    if (enable_pktinfo(s) != 0)
        return -1;
    a->check = true;
    a->to = *to;
    if (!sock_addr_is_unspecified(to)) {
        sock_addr local;
        if (ifaddr && !sock_addr_is_unspecified(ifaddr))
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

int sock_bind_group(sock_t s, const sock_addr *group)
{
#ifdef _WIN32
    sock_addr a;
    sock_addr_unspecified(&a, sock_addr_family(group), sock_addr_port(group));
    return sock_bind(s, &a);
#else
    return sock_bind(s, group);
#endif
}

int sock_connect(sock_t s, const sock_addr *a)
{
    return connect(s, (const struct sockaddr *)&a->storage, a->len) == 0 ? 0 : -1;
}

int sock_reconnect(sock_t s, const sock_addr *dest)
{
    sock_addr before, after;
    if (sock_local_addr(s, &before) != 0 || disconnect(s) != 0)
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
    peer->ifindex = 0;
    return accept(s, (struct sockaddr *)&peer->storage, &peer->len);
}

int sock_local_addr(sock_t s, sock_addr *a)
{
    a->len = (sock_len)sizeof a->storage;
    a->ifindex = 0;
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
            if (sock_error_retry()) {
                /* Out of buffers for a moment: wait for room, then again. */
                wait_writable(s, 10);
                continue;
            }
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
    from->ifindex = 0;
    return (long)recvfrom(s, (char *)buf, (int)cap, 0,
                          (struct sockaddr *)&from->storage, &from->len);
}

/* ---- batches ---- */

/* Room for 64 segments per coalesced run at first (the most a NIC's GRO
 * merges); a sender's own super-datagrams can hold more, and then it grows. */
enum { SOCK_RX_DGRAMS_START = SOCK_RX_SLOTS * 64 };

int sock_receiver_init(sock_receiver *rx, sock_t s, bool one_by_one)
{
    memset(rx, 0, sizeof *rx);
    rx->s = s;
    rx->batch = true;
    rx->slots = one_by_one ? 1 : SOCK_RX_SLOTS;
    rx->buf = malloc((size_t)SOCK_RX_SLOTS * SOCK_RX_SLOT_BYTES);
    rx->capacity = SOCK_RX_DGRAMS_START;
    rx->dgrams = malloc(sizeof *rx->dgrams * rx->capacity);
    if (!rx->buf || !rx->dgrams) {
        sock_receiver_free(rx);
        return -1;
    }
#if defined(__linux__) && defined(UDP_GRO)
    /* Only for datagram sockets; a kernel without it just says no. */
    if (!one_by_one)
        rx->coalesce = set_int(s, SOL_UDP, UDP_GRO, 1) == 0;
#endif
    return 0;
}

void sock_receiver_free(sock_receiver *rx)
{
    free(rx->buf);
    free(rx->dgrams);
    rx->buf = NULL;
    rx->dgrams = NULL;
}

#if defined(__linux__)
#include <sys/uio.h>

/* Super-datagrams only for small datagrams: there the cost per datagram
 * dominates and segmentation cuts it several times over. For large ones
 * the copying dominates; a sender that skips the per-datagram work then
 * only outruns the receiver (on loopback preset -5 went out in 10 ms, 40 MB
 * at 30 Gbit/s, into an 8 MB receive buffer). */
enum { SEGMENT_BYTES_MAX = 256 };

/* An optional call or option that this kernel, a seccomp filter or an
 * emulation (WSL 1) refuses: the plain call does the same work. */
static bool feature_refused(int e)
{
    return e == ENOSYS || e == EINVAL || e == EOPNOTSUPP || e == EPERM ||
           e == ENOPROTOOPT;
}

void sock_sender_init(sock_sender *tx, sock_t s)
{
    tx->s = s;
    tx->batch = true;
    tx->segment = false;
    tx->segment_max = 0;
#ifdef UDP_SEGMENT
    /* Ask whether the option exists; 0 turns it off for plain sends. */
    int type = 0;
    if (get_int(s, SOL_SOCKET, SO_TYPE, &type) == 0 && type == SOCK_DGRAM &&
        set_int(s, SOL_UDP, UDP_SEGMENT, 0) == 0) {
        tx->segment = true;
        tx->segment_max = SEGMENT_BYTES_MAX;
    }
#endif
}

/* The kernel cuts at most this many segments from one super-datagram
 * (UDP_MAX_SEGMENTS: 64 on older kernels, more on newer). */
enum { SEGMENTS_MAX = 64, SUPER_BYTES_MAX = 65000 };

/* Sends msgs[0..n-1] with one sendmmsg while the system takes it, else
 * msgs[0] alone with sendmsg. Returns how many went, or -1 (errno). */
static int send_messages(sock_sender *tx, struct mmsghdr *msgs, unsigned n)
{
    if (tx->batch && n > 1) {
        int sent = sendmmsg(tx->s, msgs, n, send_flags());
        if (sent >= 0 || !feature_refused(errno))
            return sent;
        /* The call refused, or only its first datagram (EPERM from a
         * firewall, EINVAL for a segment size)? That one alone tells:
         * if it goes, sendmmsg itself is what the system refuses. */
        if (sendmsg(tx->s, &msgs[0].msg_hdr, send_flags()) < 0)
            return -1;
        tx->batch = false;
        return 1;
    }
    return sendmsg(tx->s, &msgs[0].msg_hdr, send_flags()) < 0 ? -1 : 1;
}

/* A super-datagram the kernel would not cut: the segment size or the
 * device (EINVAL, EIO, EMSGSIZE), or no UDP_SEGMENT at all. */
static bool segment_refused(int e)
{
    return e == EINVAL || e == EIO || e == EMSGSIZE || e == EOPNOTSUPP ||
           e == ENOPROTOOPT;
}

long sock_send_datagrams(sock_sender *tx, const uint8_t *data,
                         const uint32_t *lens, size_t count)
{
    struct mmsghdr msgs[SOCK_BATCH];
    struct iovec iov[SOCK_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        /* cppcheck-suppress unusedStructMember ; never used: it aligns buf */
        size_t align; /* cmsghdr wants size_t alignment */
    } control[SOCK_BATCH];
    size_t run_of[SOCK_BATCH];
    for (;;) {
        size_t i = 0, offset = 0;
        unsigned n = 0;
        memset(msgs, 0, sizeof msgs);
        while (i < count && n < SOCK_BATCH) {
            size_t len = lens[i], run = 1;
            if (tx->segment && len > 0 && len <= tx->segment_max) {
                size_t most = SUPER_BYTES_MAX / len;
                if (most > SEGMENTS_MAX)
                    most = SEGMENTS_MAX;
                while (run < most && i + run < count && lens[i + run] == len)
                    run++;
            }
            iov[n].iov_base = (void *)(data + offset);
            iov[n].iov_len = len * run;
            msgs[n].msg_hdr.msg_iov = &iov[n];
            msgs[n].msg_hdr.msg_iovlen = 1;
            if (run > 1) {
                struct msghdr *m = &msgs[n].msg_hdr;
                /* cppcheck-suppress legacyUninitvar ; buf's address is taken, nothing read */
                /* The header's padding goes to the kernel too: zero it. */
                memset(control[n].buf, 0, sizeof control[n].buf);
                m->msg_control = control[n].buf;
                m->msg_controllen = sizeof control[n].buf;
                struct cmsghdr *c = CMSG_FIRSTHDR(m);
                c->cmsg_level = SOL_UDP;
                c->cmsg_type = UDP_SEGMENT;
                c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                uint16_t segment = (uint16_t)len;
                memcpy(CMSG_DATA(c), &segment, sizeof segment);
            }
            run_of[n] = run;
            offset += len * run;
            i += run;
            n++;
        }
        int sent = send_messages(tx, msgs, n);
        if (sent < 0) {
            /* A segment too long for the route's MTU, or a device that
             * cannot take it: never again above this length. (run_of[0]
             * is set: callers pass count >= 1, see sock.h.) */
            if (segment_refused(errno) &&
                run_of[0] > 1) { /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult) */
                tx->segment_max = lens[0] > 1 ? lens[0] - 1 : 0;
                if (tx->segment_max == 0)
                    tx->segment = false;
                continue;
            }
            return -1;
        }
        long datagrams = 0;
        /* sendmmsg returns at most n, and run_of[0..n-1] are set. */
        for (int k = 0; k < sent; k++)
            datagrams += (long)run_of[k]; /* NOLINT(clang-analyzer-core.uninitialized.Assign) */
        return datagrams;
    }
}

/* Twice the room for datagrams; -1 (errno ENOMEM) when there is none. */
static int grow_dgrams(sock_receiver *rx)
{
    sock_dgram *more = realloc(rx->dgrams, sizeof *more * rx->capacity * 2);
    if (!more) {
        errno = ENOMEM;
        return -1;
    }
    rx->dgrams = more;
    rx->capacity *= 2;
    return 0;
}

/* The IP_PKTINFO of a received message checked against what the receiver
 * asked for. A message without one (the kernel always adds it once asked:
 * never seen) is taken rather than lost. */
static bool message_wanted(const sock_arrivals *a, struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            return arrival_wanted_ipv4(a, info.ipi_addr, (unsigned)info.ipi_ifindex);
        }
    }
    return true;
}

/* Takes what is waiting into msgs[0..n-1] without blocking: with one
 * recvmmsg while the system takes it, else one datagram with recvmsg.
 * Returns how many, or -1 (errno; EAGAIN when nothing is waiting). */
static int recv_messages(sock_receiver *rx, struct mmsghdr *msgs, unsigned n)
{
    if (rx->batch && n > 1) {
        int got = recvmmsg(rx->s, msgs, n, MSG_DONTWAIT, NULL);
        if (got >= 0 || !feature_refused(errno))
            return got;
        rx->batch = false; /* for good: recvmsg does the same work */
    }
    ssize_t len = recvmsg(rx->s, &msgs[0].msg_hdr, MSG_DONTWAIT);
    if (len < 0)
        return -1;
    msgs[0].msg_len = (unsigned)len;
    return 1;
}

long sock_recv_datagrams(sock_receiver *rx)
{
    struct mmsghdr msgs[SOCK_RX_SLOTS];
    struct iovec iov[SOCK_RX_SLOTS];
    union {
        /* UDP_GRO's segment size and IP_PKTINFO */
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        /* cppcheck-suppress unusedStructMember ; never used: it aligns buf */
        size_t align; /* cmsghdr wants size_t alignment */
    } control[SOCK_RX_SLOTS];
    memset(msgs, 0, sizeof msgs);
    for (int k = 0; k < SOCK_RX_SLOTS; k++) {
        iov[k].iov_base = rx->buf + (size_t)k * SOCK_RX_SLOT_BYTES;
        iov[k].iov_len = SOCK_RX_SLOT_BYTES;
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
        msgs[k].msg_hdr.msg_name = &rx->from[k].storage;
        msgs[k].msg_hdr.msg_namelen = sizeof rx->from[k].storage;
        if (rx->coalesce || rx->only.check) {
            /* cppcheck-suppress legacyUninitvar ; buf's address is taken, nothing read */
            msgs[k].msg_hdr.msg_control = control[k].buf;
            msgs[k].msg_hdr.msg_controllen = sizeof control[k].buf;
        }
    }
    rx->count = 0;
    int got = recv_messages(rx, msgs, (unsigned)rx->slots);
    if (got < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    for (int k = 0; k < got; k++) {
        /* Another group's or interface's datagram: dropped unseen. */
        if (rx->only.check && !message_wanted(&rx->only, &msgs[k].msg_hdr))
            continue;
        const uint8_t *p = iov[k].iov_base;
        size_t len = msgs[k].msg_len, segment = len;
        rx->from[k].len = msgs[k].msg_hdr.msg_namelen;
        if (rx->coalesce) {
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[k].msg_hdr); c;
                 c = CMSG_NXTHDR(&msgs[k].msg_hdr, c)) {
                if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                    int size;
                    memcpy(&size, CMSG_DATA(c), sizeof size);
                    if (size > 0)
                        segment = (size_t)size;
                }
            }
        }
        /* Coalesced: equal segments, the last one possibly shorter. */
        do {
            size_t piece = len < segment ? len : segment;
            if (rx->count == rx->capacity && grow_dgrams(rx) != 0)
                return -1;
            rx->dgrams[rx->count++] = (sock_dgram){p, piece, k};
            p += piece;
            len -= piece;
        } while (len > 0);
    }
    return (long)rx->count;
}

#else /* one datagram per call */

void sock_sender_init(sock_sender *tx, sock_t s)
{
    tx->s = s;
    tx->batch = false;
    tx->segment = false;
    tx->segment_max = 0;
}

long sock_send_datagrams(sock_sender *tx, const uint8_t *data,
                         const uint32_t *lens, size_t count)
{
    (void)count;
    return sock_send(tx->s, data, lens[0]) < 0 ? -1 : 1;
}

#ifdef _WIN32
/* One datagram with its IP_PKTINFO; *wanted tells whether it is one the
 * receiver asked for. */
static long recv_checked(sock_receiver *rx, bool *wanted)
{
    union {
        char buf[WSA_CMSG_SPACE(sizeof(IN_PKTINFO))];
        /* cppcheck-suppress unusedStructMember ; never used: it aligns buf */
        size_t align;
    } control;
    WSABUF data = {SOCK_RX_SLOT_BYTES, (char *)rx->buf};
    WSAMSG msg;
    memset(&msg, 0, sizeof msg);
    msg.name = (struct sockaddr *)&rx->from[0].storage;
    msg.namelen = (INT)sizeof rx->from[0].storage;
    msg.lpBuffers = &data;
    msg.dwBufferCount = 1;
    msg.Control.buf = control.buf;
    msg.Control.len = sizeof control.buf;
    DWORD n = 0;
    if (wsa_recvmsg(rx->s, &msg, &n, NULL, NULL) != 0)
        return -1;
    rx->from[0].len = msg.namelen;
    *wanted = true;
    for (WSACMSGHDR *c = WSA_CMSG_FIRSTHDR(&msg); c; c = WSA_CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            IN_PKTINFO info;
            memcpy(&info, WSA_CMSG_DATA(c), sizeof info);
            *wanted = arrival_wanted_ipv4(&rx->only, info.ipi_addr,
                                          (unsigned)info.ipi_ifindex);
        }
    }
    return (long)n;
}
#endif

long sock_recv_datagrams(sock_receiver *rx)
{
    rx->count = 0;
    for (;;) {
        int ready = sock_wait_readable(rx->s, 0);
        if (ready <= 0)
            return ready;
        bool wanted = true;
        long n;
#ifdef _WIN32
        if (rx->only.check)
            n = recv_checked(rx, &wanted);
        else
#endif
            n = sock_recv_from(rx->s, rx->buf, SOCK_RX_SLOT_BYTES, &rx->from[0]);
        if (n < 0)
            return -1;
        if (!wanted)
            continue; /* another group's or interface's: dropped unseen */
        rx->dgrams[0] = (sock_dgram){rx->buf, (size_t)n, 0};
        rx->count = 1;
        return 1;
    }
}
#endif
