/* sock_win.c - the socket layer on Windows: Winsock2 start-up, error
 * texts and classes, the console's Ctrl-C, waiting, and the options that
 * Windows names or sizes its own way (see sock_os.h). */
#ifdef _WIN32
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Winsock2 (through sock.h) before windows.h, as it asks. */
#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "lib/sock_os.h"

#include <windows.h>
#include <mswsock.h>  /* WSARecvMsg */
#include <iphlpapi.h> /* GetIpAddrTable */

static char error_text[256];
static volatile LONG interrupted_by;
/* Set by the console's handler after the flag: the sleeps wait on it
 * beside their timer, so that one that began after the flag was looked
 * at still ends at once. (The socket waits look at the flag between
 * slices of 100 ms instead: select cannot wait on an event.) NULL: not
 * made. */
static HANDLE wake_event;

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
int sock_os_disconnect(sock_t s)
{
    sock_addr local, none;
    if (sock_local_addr(s, &local) != 0)
        return -1;
    sock_addr_unspecified(&none, sock_addr_family(&local), 0);
    return connect(s, (const struct sockaddr *)&none.storage, none.len) == 0 ? 0 : -1;
}

static BOOL WINAPI on_console_event(DWORD event)
{
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT ||
        event == CTRL_CLOSE_EVENT) {
        /* 2 is SIGINT's number everywhere; the exit status follows it. */
        InterlockedExchange(&interrupted_by, event == CTRL_C_EVENT ? 2 : 15);
        if (wake_event)
            SetEvent(wake_event);
        return TRUE;
    }
    return FALSE;
}

void sock_catch_interrupts(void)
{
    if (!wake_event)
        wake_event = CreateEventW(NULL, TRUE, FALSE, NULL); /* manual reset: it stays set */
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

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002 /* older headers */
#endif

/* A high-resolution waitable timer, or NULL where the system has none
 * (before Windows 10 1803 the flag is refused): then the waits end on the
 * system's tick (often 15.6 ms), as Sleep's do. */
static HANDLE wait_timer;
static bool timer_made;

static void make_timer(void)
{
    if (timer_made)
        return;
    timer_made = true;
    wait_timer = CreateWaitableTimerExW(NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
                                        TIMER_ALL_ACCESS);
}

bool sock_sleep_precise(void)
{
    make_timer();
    return wait_timer != NULL;
}

int sock_sleep_us(int64_t us)
{
    if (interrupted_by) {
        set_interrupted_error();
        return -1;
    }
    if (us <= 0)
        return 0;
    make_timer();
    /* Without the timer, the tick's milliseconds, rounded down:
     * clock_sleep_until ends with a spin. */
    DWORD tick_ms = us / 1000 >= INFINITE ? INFINITE - 1 : (DWORD)(us / 1000);
    HANDLE handles[2];
    DWORD count = 0, ms = tick_ms;
    LARGE_INTEGER due;
    due.QuadPart = -us * 10; /* relative, in 100 ns units */
    if (wait_timer && SetWaitableTimer(wait_timer, &due, 0, NULL, NULL, FALSE)) {
        handles[count++] = wait_timer;
        ms = INFINITE;
    } else if (tick_ms == 0) {
        return 0;
    }
    if (wake_event)
        handles[count++] = wake_event;
    if (count == 0 || WaitForMultipleObjects(count, handles, FALSE, ms) == WAIT_FAILED)
        Sleep(tick_ms);
    if (interrupted_by) {
        set_interrupted_error();
        return -1;
    }
    return 0;
}

bool sock_os_output_watched(void)
{
    return false; /* the waits here watch the sockets only */
}

/* ---- stdout.
 *
 * A synchronous WriteFile into a pipe whose reader has stopped reading
 * does not end on the console's Ctrl-C (its handler runs on a thread of
 * its own and only sets a flag), and CancelSynchronousIo cannot end every
 * such write: wine, for one, has nothing to cancel when stdout is a pipe
 * of the Linux side. So stdout is written by a thread of its own, from a
 * buffer of its own (it may still be writing after we stopped waiting),
 * and the caller waits for it in a wait the interrupt ends. */

/* Bytes of the caller's taken per write: each "\n" becomes "\r\n", as
 * the C library's text mode writes it, so twice that at most. Small
 * enough for one WriteFile to a console of any Windows version. */
enum { OUTPUT_CHUNK_BYTES = 16384 };

static struct {
    HANDLE thread;
    HANDLE posted;  /* auto reset: a chunk for the thread */
    HANDLE written; /* auto reset: the thread is done with it */
    HANDLE handle;  /* where this chunk goes */
    char buf[2 * OUTPUT_CHUNK_BYTES];
    DWORD len;
    DWORD error;    /* WriteFile's error, 0 when all of it went */
    bool busy;      /* posted, and its end not yet waited for */
} output;

/* Writes all of buf to h: 0, or the system's error. */
static DWORD write_all(HANDLE h, const char *buf, DWORD len)
{
    while (len > 0) {
        DWORD n = 0;
        if (!WriteFile(h, buf, len, &n, NULL))
            return GetLastError();
        if (n == 0)
            return ERROR_WRITE_FAULT; /* nothing taken, no reason given */
        buf += n;
        len -= n;
    }
    return 0;
}

static DWORD WINAPI output_writer(LPVOID unused)
{
    (void)unused;
    for (;;) {
        if (WaitForSingleObject(output.posted, INFINITE) != WAIT_OBJECT_0)
            return 1;
        output.error = write_all(output.handle, output.buf, output.len);
        SetEvent(output.written);
    }
}

/* The writer thread, made at the first write: false when it cannot be. */
static bool output_writer_started(void)
{
    if (output.thread)
        return true;
    if (!output.posted)
        output.posted = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!output.written)
        output.written = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (output.posted && output.written)
        output.thread = CreateThread(NULL, 0, output_writer, NULL, 0, NULL);
    return output.thread != NULL;
}

/* Waits for the writer to finish its chunk: true when it has. Without an
 * interrupt it waits for as long as that takes; once one has come, at
 * most SOCK_OUTPUT_GRACE_MS. */
static bool output_written(void)
{
    if (!interrupted_by && wake_event) {
        HANDLE both[2] = {output.written, wake_event}; /* written first: it wins a tie */
        if (WaitForMultipleObjects(2, both, FALSE, INFINITE) == WAIT_OBJECT_0)
            return true;
    }
    DWORD ms = interrupted_by ? SOCK_OUTPUT_GRACE_MS : INFINITE;
    return WaitForSingleObject(output.written, ms) == WAIT_OBJECT_0;
}

/* errno for a WriteFile error: EPIPE when the pipe's reader has gone. */
static int output_errno(DWORD error)
{
    if (error == ERROR_BROKEN_PIPE || error == ERROR_NO_DATA)
        return EPIPE;
    return error == ERROR_NOT_ENOUGH_MEMORY || error == ERROR_OUTOFMEMORY ? ENOMEM : EIO;
}

void sock_hold_std_fds(void)
{
    /* Sockets are no C descriptors here: nothing can take their numbers. */
}

long sock_write_file(FILE *f, const void *data, size_t len)
{
    /* The C library's text mode, as the file was opened; a named pipe is
     * not watched (sock.h). */
    errno = 0;
    size_t n = fwrite(data, 1, len, f);
    if (n > 0)
        return (long)n;
    if (errno == 0)
        errno = EIO;
    return -1;
}

long sock_write_output(const void *data, size_t len)
{
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
    if (h == NULL || h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (len == 0)
        return 0;
    /* A chunk still on its way from before: its end first. */
    if (output.busy) {
        if (!output_written())
            return 0;
        output.busy = false;
    }
    const char *in = data;
    size_t taken = 0;
    DWORD n = 0;
    while (taken < len && taken < OUTPUT_CHUNK_BYTES) {
        if (in[taken] == '\n')
            output.buf[n++] = '\r';
        output.buf[n++] = in[taken++];
    }
    output.len = n;
    output.handle = h;
    if (!output_writer_started()) {
        /* No thread: written here, as the C library would. */
        output.error = write_all(h, output.buf, n);
    } else {
        output.busy = true;
        SetEvent(output.posted);
        if (!output_written())
            return 0; /* its reader stopped: what is left is not for it */
        output.busy = false;
    }
    if (output.error != 0) {
        errno = output_errno(output.error);
        return -1;
    }
    return (long)taken;
}

/* An fd_set with room for SOCK_WAIT_MAX sockets: Winsock reads fd_count
 * and that many entries, whatever FD_SETSIZE the headers chose. */
typedef struct wide_fd_set {
    u_int fd_count;
    SOCKET fd_array[SOCK_WAIT_MAX];
} wide_fd_set;

static bool in_set(const wide_fd_set *set, sock_t s)
{
    for (u_int k = 0; k < set->fd_count; k++)
        if (set->fd_array[k] == s)
            return true;
    return false;
}

/* Waits until one of s[0..count-1] (count 1 to SOCK_WAIT_MAX) is
 * readable, or with for_write writable or failed (a connect's failure):
 * 1 ready, and then ready[i] (when ready is not NULL) tells which; 0 timed
 * out; -1 error or interrupted. timeout_ms < 0: no limit. Blocking Winsock
 * calls do not notice the console's handler, so it waits in slices of
 * 100 ms and looks at the flag between them. */
static int wait_sliced(const sock_t *s, size_t count, bool for_write, int timeout_ms,
                       bool *ready)
{
    int waited_ms = 0;
    for (;;) {
        if (interrupted_by) {
            set_interrupted_error();
            return -1;
        }
        int slice_ms = 100;
        if (timeout_ms >= 0 && timeout_ms - waited_ms < slice_ms)
            slice_ms = timeout_ms - waited_ms;
        wide_fd_set set, failed; /* select rewrites them: made anew each slice */
        set.fd_count = failed.fd_count = (u_int)count;
        for (size_t i = 0; i < count; i++)
            set.fd_array[i] = failed.fd_array[i] = s[i];
        struct timeval tv = {slice_ms / 1000, (slice_ms % 1000) * 1000};
        /* Winsock reports a failed connect in the except set. */
        int rc = for_write ? select(0, NULL, (fd_set *)(void *)&set,
                                    (fd_set *)(void *)&failed, &tv)
                           : select(0, (fd_set *)(void *)&set, NULL, NULL, &tv);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            for (size_t i = 0; ready && i < count; i++)
                ready[i] = in_set(&set, s[i]) || (for_write && in_set(&failed, s[i]));
            return 1;
        }
        /* Counted only against a limit: without one it would overflow
         * after 24.8 days. */
        if (timeout_ms >= 0 && (waited_ms += slice_ms) >= timeout_ms)
            return 0;
    }
}

int sock_wait_readable(sock_t s, int timeout_ms)
{
    return wait_sliced(&s, 1, false, timeout_ms, NULL);
}

int sock_wait_readable_any(const sock_t *s, size_t count, int timeout_ms,
                           bool *readable)
{
    if (count == 0 || count > SOCK_WAIT_MAX) {
        WSASetLastError(WSAEINVAL);
        return -1;
    }
    return wait_sliced(s, count, false, timeout_ms, readable);
}

int sock_os_send_flags(void)
{
    return 0;
}

int sock_os_set_blocking(sock_t s, bool blocking)
{
    u_long nonblocking = blocking ? 0 : 1;
    return ioctlsocket(s, FIONBIO, &nonblocking) == 0 ? 0 : -1;
}

bool sock_os_connect_in_progress(void)
{
    return WSAGetLastError() == WSAEWOULDBLOCK;
}

void sock_os_set_error(int code)
{
    WSASetLastError(code);
}

/* The last setsockopt named an option this system does not know. */
bool sock_os_option_unknown(void)
{
    return WSAGetLastError() == WSAENOPROTOOPT;
}

int sock_os_wait_writable(sock_t s, int timeout_ms)
{
    return wait_sliced(&s, 1, true, timeout_ms, NULL);
}

int sock_os_nonblocking_send_flags(void)
{
    return sock_os_send_flags(); /* no per-call flag: see sock_os_connected */
}

int sock_os_connected(sock_t s)
{
    /* A blocking send does not notice the console's handler: to a
     * receiver that stopped reading it would block for good. Non-blocking,
     * it returns WSAEWOULDBLOCK, and sock_send_stream waits for room in
     * slices that look at the flag. Closing it is still graceful (no
     * linger set: closesocket returns at once and the stack delivers what
     * is queued). A datagram send blocks only while the interface drains
     * the buffer, and the senders count on it. */
    int type = 0;
    if (sock_os_get_int(s, SOL_SOCKET, SO_TYPE, &type) != 0)
        return -1;
    return type == SOCK_STREAM ? 0 : sock_os_set_blocking(s, true);
}

bool sock_os_would_block(void)
{
    return WSAGetLastError() == WSAEWOULDBLOCK;
}

/* Set when an overlapped send ends (manual reset, as WSACreateEvent makes
 * it). */
static WSAEVENT send_done = WSA_INVALID_EVENT;

long sock_os_send_whole(sock_t s, const void *data, size_t len)
{
    if (interrupted_by) {
        set_interrupted_error();
        return -1;
    }
    if (len > 0x40000000)
        return SOCK_OS_SEND_IN_STEPS;
    if (send_done == WSA_INVALID_EVENT && (send_done = WSACreateEvent()) == WSA_INVALID_EVENT)
        return SOCK_OS_SEND_IN_STEPS;
    WSAResetEvent(send_done);
    /* Static: should a cancel not have ended the send when the call
     * returns (below), the send still holds it, and must not write into
     * a stack frame that is gone. */
    static WSAOVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = send_done;
    WSABUF buf = {(ULONG)len, (char *)data}; /* WSASend only reads it */
    DWORD sent = 0, flags = 0;
    /* The count comes from WSAGetOverlappedResult (the documentation
     * asks for NULL here with an overlapped send). */
    if (WSASend(s, &buf, 1, NULL, 0, &ov, NULL) != 0) {
        int e = WSAGetLastError();
        if (e == WSAEWOULDBLOCK)
            return SOCK_OS_SEND_IN_STEPS; /* not taken: sent in steps */
        if (e != WSA_IO_PENDING)
            return -1;
        HANDLE both[2] = {send_done, wake_event}; /* done first: it wins a tie */
        if (WaitForMultipleObjects(wake_event ? 2 : 1, both, FALSE, INFINITE) != WAIT_OBJECT_0) {
            /* Interrupted: the rest is not sent. The send reads our
             * caller's buffer until it has ended, which a cancel makes at
             * once; bounded all the same. */
            /* A Winsock SOCKET is a kernel handle (of a UINT_PTR type). */
            CancelIoEx((HANDLE)s, &ov); /* NOLINT(performance-no-int-to-ptr) */
            /* Its end, which the documentation asks to wait for before
             * the OVERLAPPED goes: bounded, so that a provider that
             * ignores the cancel cannot hold Ctrl-C (ov is static). */
            if (WaitForSingleObject(send_done, 1000) == WAIT_OBJECT_0)
                (void)WSAGetOverlappedResult(s, &ov, &sent, FALSE, &flags);
            if (sent > 0)
                return (long)sent; /* what went before the interrupt; the
                                      next call is the -1 */
            set_interrupted_error();
            return -1;
        }
    }
    if (!WSAGetOverlappedResult(s, &ov, &sent, FALSE, &flags))
        return -1;
    return (long)sent;
}

/* WSARecvMsg is an extension: its address is asked of the provider. */
static LPFN_WSARECVMSG wsa_recvmsg;

bool sock_os_own_joins_only(sock_t s, int family)
{
    (void)s;
    (void)family;
    return false; /* no such option: IP_PKTINFO tells each datagram */
}

int sock_os_enable_pktinfo(sock_t s, int family)
{
    GUID id = WSAID_WSARECVMSG;
    DWORD on = 1, bytes = 0;
    int rc = family == AF_INET6
                 ? setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, (optval_in)&on, (sock_len)sizeof on)
                 : setsockopt(s, IPPROTO_IP, IP_PKTINFO, (optval_in)&on, (sock_len)sizeof on);
    if (rc != 0)
        return -1;
    return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id,
                    &wsa_recvmsg, sizeof wsa_recvmsg, &bytes, NULL, NULL) == 0
               ? 0
               : -1;
}

/* This host's IPv4 addresses with their masks (GetIpAddrTable), or NULL
 * with the error set. The caller frees it. */
static MIB_IPADDRTABLE *ipv4_addresses(void)
{
    ULONG size = 0;
    MIB_IPADDRTABLE *table = NULL;
    DWORD rc = GetIpAddrTable(NULL, &size, FALSE);
    while (rc == ERROR_INSUFFICIENT_BUFFER) {
        free(table);
        table = malloc(size);
        if (!table) {
            WSASetLastError(WSA_NOT_ENOUGH_MEMORY);
            return NULL;
        }
        rc = GetIpAddrTable(table, &size, FALSE);
    }
    if (rc != NO_ERROR) {
        free(table);
        WSASetLastError((int)rc);
        return NULL;
    }
    return table;
}

/* The index of the interface holding the IPv4 address addr, or 0 with the
 * error set when there is none. */
unsigned sock_os_ipv4_interface_index(const struct in_addr *addr)
{
    MIB_IPADDRTABLE *table = ipv4_addresses();
    if (!table)
        return 0;
    unsigned index = 0;
    for (DWORD i = 0; i < table->dwNumEntries && index == 0; i++)
        if (table->table[i].dwAddr == addr->s_addr)
            index = (unsigned)table->table[i].dwIndex;
    free(table);
    if (index == 0)
        WSASetLastError(WSAEADDRNOTAVAIL);
    return index;
}

bool sock_subnet_broadcast(const sock_addr *a)
{
    if (sock_addr_family(a) != AF_INET)
        return false;
    uint32_t want = ntohl(((const struct sockaddr_in *)(const void *)&a->storage)->sin_addr.s_addr);
    if (want == 0xffffffffu)
        return false; /* no subnet's: every link's */
    MIB_IPADDRTABLE *table = ipv4_addresses();
    bool found = false;
    /* (dwBCastAddr holds only the broadcast address's lowest bit.) */
    for (DWORD i = 0; table && i < table->dwNumEntries && !found; i++) {
        uint32_t mask = ntohl(table->table[i].dwMask);
        uint32_t own = ntohl(table->table[i].dwAddr);
        found = ~mask >= 3 && ((own & mask) | ~mask) == want;
    }
    free(table);
    return found; /* a table that cannot be read: not one */
}

/* The adapters with their addresses (GetAdaptersAddresses), or NULL with
 * the error set. The caller frees it. */
static IP_ADAPTER_ADDRESSES *adapters(void)
{
    ULONG size = 16384;
    for (int attempt = 0; attempt < 4; attempt++) {
        IP_ADAPTER_ADDRESSES *list = malloc(size);
        if (!list) {
            WSASetLastError(WSA_NOT_ENOUGH_MEMORY);
            return NULL;
        }
        ULONG rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST |
                                       GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER,
                                       NULL, list, &size);
        if (rc == NO_ERROR)
            return list;
        free(list);
        if (rc != ERROR_BUFFER_OVERFLOW) {
            WSASetLastError((int)rc);
            return NULL;
        }
    }
    return NULL;
}

unsigned sock_os_ipv6_interface_index(const struct in6_addr *addr)
{
    IP_ADAPTER_ADDRESSES *list = adapters();
    unsigned index = 0;
    for (IP_ADAPTER_ADDRESSES *a = list; a && index == 0; a = a->Next)
        for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u && index == 0; u = u->Next) {
            const struct sockaddr_in6 *in6 =
                (const struct sockaddr_in6 *)(const void *)u->Address.lpSockaddr;
            if (in6 && in6->sin6_family == AF_INET6 &&
                memcmp(&in6->sin6_addr, addr, sizeof *addr) == 0)
                index = a->Ipv6IfIndex != 0 ? (unsigned)a->Ipv6IfIndex : (unsigned)a->IfIndex;
        }
    free(list);
    if (index == 0)
        WSASetLastError(WSAEADDRNOTAVAIL);
    return index;
}

unsigned sock_interface_by_name(const char *name)
{
    /* The adapter's name as ipconfig shows it (FriendlyName, in the
     * console's code page as typed), or its GUID name; then the
     * if_nametoindex name ("ethernet_32768"). */
    wchar_t wide[256];
    int wide_len = MultiByteToWideChar(CP_ACP, 0, name, -1, wide, 256);
    IP_ADAPTER_ADDRESSES *list = adapters();
    unsigned index = 0;
    for (IP_ADAPTER_ADDRESSES *a = list; a && index == 0; a = a->Next) {
        bool same = (wide_len > 0 && a->FriendlyName && wcscmp(a->FriendlyName, wide) == 0) ||
                    (a->AdapterName && strcmp(a->AdapterName, name) == 0);
        if (same)
            index = a->IfIndex != 0 ? (unsigned)a->IfIndex : (unsigned)a->Ipv6IfIndex;
    }
    free(list);
    if (index == 0)
        index = if_nametoindex(name);
    return index;
}

bool sock_interface_exists(unsigned ifindex)
{
    IP_ADAPTER_ADDRESSES *list = adapters();
    if (!list)
        return ifindex != 0; /* cannot tell: the socket's own error speaks */
    bool found = false;
    for (IP_ADAPTER_ADDRESSES *a = list; a && !found; a = a->Next)
        found = ifindex != 0 && (a->IfIndex == ifindex || a->Ipv6IfIndex == ifindex);
    free(list);
    return found;
}

bool sock_address_is_local(const sock_addr *a, unsigned *ifindex)
{
    *ifindex = 0;
    if (sock_addr_family(a) == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&a->storage;
        unsigned zone = sock_addr_zone(a);
        IP_ADAPTER_ADDRESSES *list = adapters();
        if (!list)
            return true; /* cannot tell: the socket's own error speaks */
        free(list);
        unsigned index = sock_os_ipv6_interface_index(&in6->sin6_addr);
        if (zone != 0 && index != zone)
            index = 0; /* (the first adapter holding it only) */
        *ifindex = index;
        return index != 0;
    }
    if (sock_addr_family(a) != AF_INET)
        return false;
    struct in_addr in = ((const struct sockaddr_in *)(const void *)&a->storage)->sin_addr;
    /* 127.0.0.0/8 is this host's as a whole, as a bind takes it. A table
     * that cannot be read tells nothing: taken, and the socket's own
     * error speaks if it is not. */
    return (ntohl(in.s_addr) >> 24) == 127 || sock_os_ipv4_interface_index(&in) != 0 ||
           WSAGetLastError() != WSAEADDRNOTAVAIL;
}

bool sock_os_ipv4_of_index(unsigned ifindex, struct in_addr *addr)
{
    IP_ADAPTER_ADDRESSES *list = adapters();
    bool found = false;
    for (IP_ADAPTER_ADDRESSES *a = list; a && !found; a = a->Next) {
        if (a->IfIndex != ifindex)
            continue;
        for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u && !found; u = u->Next) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)u->Address.lpSockaddr;
            if (in && in->sin_family == AF_INET) {
                *addr = in->sin_addr;
                found = true;
            }
        }
    }
    free(list);
    return found;
}

/* The interface of that index as IPv4's options name it: its address
 * where it has one; else the index as 0.0.0.x, which Winsock's
 * IP_MULTICAST_IF documentation allows (and wine does not). */
static struct in_addr ipv4_interface(unsigned ifindex)
{
    struct in_addr addr;
    if (!sock_os_ipv4_of_index(ifindex, &addr))
        addr.s_addr = htonl(ifindex);
    return addr;
}

int sock_os_multicast_if_index_ipv4(sock_t s, unsigned ifindex)
{
    struct in_addr addr = ipv4_interface(ifindex);
    return setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, (optval_in)&addr,
                      (sock_len)sizeof addr) == 0 ? 0 : -1;
}

int sock_os_join_index_ipv4(sock_t s, struct in_addr group, unsigned ifindex)
{
    struct ip_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_multiaddr = group;
    mreq.imr_interface = ipv4_interface(ifindex);
    return setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, (optval_in)&mreq,
                      (sock_len)sizeof mreq) == 0 ? 0 : -1;
}

bool sock_os_resolve_no_host(int status)
{
    return status == WSAHOST_NOT_FOUND || status == WSANO_DATA;
}

bool sock_buffer_short(int asked_bytes, int reported_bytes)
{
    return reported_bytes < asked_bytes; /* Windows reports what it keeps */
}

void sock_buffer_note(bool receive, int asked_bytes, int reported_bytes,
                      char *out, size_t cap)
{
    (void)receive;
    snprintf(out, cap, "Windows granted %d of the %d bytes asked; ask for "
                       "at most that", reported_bytes, asked_bytes);
}

const char sock_listener_reuse_name[] = "SO_EXCLUSIVEADDRUSE";

int sock_set_listener_reuse(sock_t s, int *kept)
{
    /* Windows' SO_REUSEADDR would let another program steal the port;
     * exclusive use is what Linux listeners get by default. */
    int rc = sock_os_set_int_kept(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1, kept);
    *kept = *kept != 0;
    return rc;
}

int sock_set_multicast_ttl(sock_t s, int family, int ttl, int *kept_ttl)
{
    if (family == AF_INET6)
        return sock_os_set_int_kept(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, kept_ttl);
    DWORD value = (DWORD)ttl; /* Winsock documents a DWORD */
    if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, (optval_in)&value,
                   (sock_len)sizeof value) != 0)
        return -1;
    /* Reported as an int-sized value. */
    if (sock_os_get_int(s, IPPROTO_IP, IP_MULTICAST_TTL, kept_ttl) != 0)
        *kept_ttl = ttl;
    return 0;
}

int sock_bind_group(sock_t s, const sock_addr *group, const sock_addr *ifaddr)
{
    (void)ifaddr;
    /* A group address cannot be bound here: the unspecified one is, and
     * sock_receive_only's check keeps the other groups out. */
    sock_addr a;
    sock_addr_unspecified(&a, sock_addr_family(group), sock_addr_port(group));
    return sock_bind(s, &a);
}

/* One datagram with its IP_PKTINFO; *wanted tells whether it is one the
 * receiver asked for. */
static long recv_checked(sock_receiver *rx, bool *wanted)
{
    union {
        char buf[WSA_CMSG_SPACE(sizeof(IN6_PKTINFO))];
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
            *wanted = sock_os_arrival_wanted_ipv4(&rx->only, info.ipi_addr,
                                                  (unsigned)info.ipi_ifindex);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            IN6_PKTINFO info;
            memcpy(&info, WSA_CMSG_DATA(c), sizeof info);
            *wanted = sock_os_arrival_wanted_ipv6(&rx->only, &info.ipi6_addr,
                                                  (unsigned)info.ipi6_ifindex);
        }
    }
    return (long)n;
}

long sock_os_recv_one(sock_receiver *rx, bool *wanted)
{
    *wanted = true;
    if (rx->only.check)
        return recv_checked(rx, wanted);
    return sock_recv_from(rx->s, rx->buf, SOCK_RX_SLOT_BYTES, &rx->from[0]);
}
#endif
