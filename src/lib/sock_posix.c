/* sock_posix.c - the socket layer on Linux and other POSIX systems:
 * error texts and classes, signals, waiting, and the options that Linux
 * names or sizes its own way (see sock_os.h). */
#ifndef _WIN32
#define _GNU_SOURCE /* IP_MULTICAST_ALL, IP_PKTINFO's in_pktinfo */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netdb.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/sock.h"
#include "lib/sock_batch.h"
#include "lib/sock_os.h"

static volatile sig_atomic_t interrupted_by;

/* The flag alone leaves a gap: a signal that comes after a wait has
 * looked at it and before the wait has begun runs its handler outside the
 * wait, which then sleeps on to its end (a reflector: for days). So the
 * handler also writes a byte into a pipe of our own (the self-pipe trick),
 * and every wait here watches the pipe's read end beside what it waits
 * for; the byte stays, so every later wait ends at once too. It costs no
 * system call per wait (blocking the signals around each wait, as
 * pselect's idiom does, costs two). -1: not made (no interrupts caught,
 * or no descriptors left: then the flag alone). */
static volatile sig_atomic_t wake_read = -1, wake_write = -1;
/* The socket of a blocking receive call under way or about to begin
 * (sock_os_receive_blocking), which no poll precedes: the handler shuts it
 * down for reading, which ends the call, or makes it return at once. */
static volatile sig_atomic_t blocking_receive = -1;

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
int sock_os_disconnect(sock_t s)
{
    struct sockaddr none;
    memset(&none, 0, sizeof none);
    none.sa_family = AF_UNSPEC;
    return connect(s, &none, sizeof none) == 0 ? 0 : -1;
}

static void on_signal(int sig)
{
    int saved = errno; /* the code it interrupted may be about to read it */
    interrupted_by = sig;
    int fd = wake_write;
    if (fd >= 0) {
        /* Non-blocking: a pipe full of earlier bytes is awake already. */
        ssize_t n = write(fd, "!", 1);
        (void)n;
    }
    fd = blocking_receive;
    if (fd >= 0)
        (void)shutdown(fd, SHUT_RD); /* ENOTCONN on UDP, and done all the same */
    errno = saved;
}

void sock_hold_std_fds(void)
{
    /* In order: with 0..fd-1 open, open() gives the lowest free, fd. */
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int got = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (got >= 0 && got != fd)
            close(got);
    }
}

void sock_catch_interrupts(void)
{
    int pipe_fds[2];
    if (wake_read < 0 && pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0) {
        wake_read = pipe_fds[0];
        wake_write = pipe_fds[1];
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
    /* SIGHUP (the terminal or the session gone) as SIGTERM: the run's
     * end written, 129. */
    int signals[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
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

void sock_os_receive_blocking(sock_t s)
{
    blocking_receive = s;
}

/* ppoll() over p[0..n-1] and the wake-up pipe, for which p has room at
 * p[n], until timeout (NULL: no limit): ppoll's count of ready entries of
 * p[0..n-1], 0 when the time ran out, or -1 with EINTR when an interrupt
 * came, during the wait or before it. */
static int poll_interruptible(struct pollfd *p, nfds_t n, const struct timespec *timeout)
{
    nfds_t all = n;
    if (wake_read >= 0)
        p[all++] = (struct pollfd){.fd = wake_read, .events = POLLIN};
    if (interrupted_by) {
        errno = EINTR;
        return -1;
    }
    int rc = ppoll(p, all, timeout, NULL);
    if (rc > 0 && all > n && p[n].revents != 0) {
        errno = EINTR;
        return -1;
    }
    return rc;
}

/* A wait of timeout_ms (< 0: no limit) for poll_interruptible. */
static const struct timespec *timeout_of_ms(int timeout_ms, struct timespec *ts)
{
    if (timeout_ms < 0)
        return NULL;
    ts->tv_sec = timeout_ms / 1000;
    ts->tv_nsec = (long)(timeout_ms % 1000) * 1000000;
    return ts;
}

int sock_sleep_us(int64_t us)
{
    struct pollfd wake[1];
    struct timespec ts = {0, 0};
    if (us > 0) {
        ts.tv_sec = (time_t)(us / 1000000);
        ts.tv_nsec = (long)(us % 1000000) * 1000;
    }
    int rc = poll_interruptible(wake, 0, &ts);
    /* A handler of another signal (a test's) ends it early too, unasked:
     * 0, and the caller sleeps the rest. */
    return rc < 0 && interrupted_by ? -1 : 0;
}

bool sock_sleep_precise(void)
{
    return true;
}

/* What a write to an output can wait for. */
typedef enum {
    OUTPUT_REGULAR, /* a file (or what fstat cannot tell): a write never waits long */
    OUTPUT_PIPE,    /* a pipe, FIFO or socket: its reader can stop, or go away */
    OUTPUT_HELD     /* a terminal or another device: held by XOFF, a pty unread */
} output_kind;

static output_kind kind_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode))
        return OUTPUT_REGULAR;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? OUTPUT_PIPE : OUTPUT_HELD;
}

static output_kind stdout_kind(void)
{
    static int known = -1;
    if (known < 0)
        known = (int)kind_of(STDOUT_FILENO);
    return (output_kind)known;
}

/* Whether stdout is a pipe or socket, whose reader can go away. */
static bool stdout_is_pipe(void)
{
    return stdout_kind() == OUTPUT_PIPE;
}

bool sock_os_output_watched(void)
{
    return stdout_is_pipe();
}

static void on_alarm(int sig)
{
    (void)sig; /* only to end a write with EINTR */
}

/* A write that SIGALRM ends after SOCK_OUTPUT_GRACE_MS, for a terminal
 * after an interrupt (poll's POLLOUT there promises a byte of room, not
 * room for the write): what write gave, -1 with EINTR when it took
 * nothing in that time. Should the handler not go in, a plain write. */
static ssize_t write_bounded(int fd, const void *data, size_t n)
{
    static bool handled;
    if (!handled) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: the write returns */
        handled = sigaction(SIGALRM, &sa, NULL) == 0;
    }
    struct itimerval grace = {{0, 0}, {0, (suseconds_t)SOCK_OUTPUT_GRACE_MS * 1000}};
    struct itimerval off = {{0, 0}, {0, 0}};
    bool armed = handled && setitimer(ITIMER_REAL, &grace, NULL) == 0;
    ssize_t w = write(fd, data, n);
    int saved = errno;
    if (armed)
        (void)setitimer(ITIMER_REAL, &off, NULL);
    errno = saved;
    return w;
}

/* Up to len bytes to fd, an output of that kind: the bytes written (> 0),
 * 0 when an interrupt came and the reader took nothing within
 * SOCK_OUTPUT_GRACE_MS, or -1 with errno. A pipe is written only where
 * poll found room, and no more than PIPE_BUF, so that a write cannot
 * block past an interrupt; after an interrupt a terminal's write is
 * bounded by a timer (before it, a write held by XOFF is what the user
 * asked for, and the interrupt ends it). */
static long write_interruptible(int fd, output_kind kind, const void *data, size_t len)
{
    for (;;) {
        size_t n = len;
        bool bounded = kind == OUTPUT_HELD && interrupted_by;
        if (kind == OUTPUT_PIPE) {
            /* Room first, in a wait an interrupt ends; after an
             * interrupt, a short wait for a reader that still reads. */
            struct pollfd p[2] = {{.fd = fd, .events = POLLOUT}};
            struct timespec ts;
            int rc = interrupted_by ? -1 : poll_interruptible(p, 1, NULL);
            if (rc < 0 && interrupted_by)
                rc = ppoll(p, 1, timeout_of_ms(SOCK_OUTPUT_GRACE_MS, &ts), NULL);
            if (rc == 0)
                return 0;
            if (rc < 0 && errno != EINTR)
                return -1;
            if (rc < 0)
                continue;
            if (n > PIPE_BUF)
                n = PIPE_BUF;
        }
        ssize_t w = bounded ? write_bounded(fd, data, n) : write(fd, data, n);
        if (w > 0)
            return (long)w;
        if (w == 0) {
            errno = EIO; /* nothing taken, no reason given */
            return -1;
        }
        if (errno != EINTR)
            return -1;
        if (bounded)
            return 0; /* the terminal took nothing in the grace */
        /* Interrupted in a write that took nothing: the next round is
         * bounded. A regular file's write is not interrupted before it
         * took something. */
    }
}

long sock_write_output(const void *data, size_t len)
{
    return write_interruptible(STDOUT_FILENO, stdout_kind(), data, len);
}

long sock_write_file(FILE *f, const void *data, size_t len)
{
    /* Its kind looked up once (one -o file a run), not at every write. */
    static int known_fd = -1;
    static output_kind known_kind;
    int fd = fileno(f);
    if (fd < 0)
        return -1;
    if (fd != known_fd) {
        known_kind = kind_of(fd);
        known_fd = fd;
    }
    return write_interruptible(fd, known_kind, data, len);
}

int sock_wait_readable(sock_t s, int timeout_ms)
{
    /* events 0: for stdout only its error or hang-up is reported. */
    struct pollfd p[3] = {{.fd = s, .events = POLLIN}, {.fd = STDOUT_FILENO, .events = 0}};
    struct timespec ts;
    int rc = poll_interruptible(p, stdout_is_pipe() ? 2 : 1, timeout_of_ms(timeout_ms, &ts));
    if (rc > 0 && !(p[0].revents & POLLIN) && (p[1].revents & (POLLERR | POLLHUP)))
        return SOCK_OUTPUT_GONE;
    return rc > 0 ? 1 : rc;
}

int sock_wait_readable_any(const sock_t *s, size_t count, int timeout_ms,
                           bool *readable)
{
    struct pollfd p[SOCK_WAIT_MAX + 2]; /* the sockets, stdout, the wake-up pipe */
    struct timespec ts;
    if (count == 0 || count > SOCK_WAIT_MAX) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        p[i] = (struct pollfd){.fd = s[i], .events = POLLIN};
    /* events 0: for stdout only its error or hang-up is reported. */
    p[count] = (struct pollfd){.fd = STDOUT_FILENO, .events = 0};
    int rc = poll_interruptible(p, (nfds_t)(stdout_is_pipe() ? count + 1 : count),
                                timeout_of_ms(timeout_ms, &ts));
    bool any = false;
    for (size_t i = 0; i < count; i++) {
        readable[i] = rc > 0 && (p[i].revents & (POLLIN | POLLERR)) != 0;
        any = any || readable[i];
    }
    if (rc > 0 && !any && (p[count].revents & (POLLERR | POLLHUP)))
        return SOCK_OUTPUT_GONE;
    return rc > 0 ? 1 : rc;
}

int sock_os_send_flags(void)
{
    return MSG_NOSIGNAL; /* a reset TCP peer gives EPIPE, not SIGPIPE */
}

int sock_os_set_blocking(sock_t s, bool blocking)
{
    int flags = fcntl(s, F_GETFL);
    if (flags < 0)
        return -1;
    flags = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
    return fcntl(s, F_SETFL, flags) == 0 ? 0 : -1;
}

bool sock_os_connect_in_progress(void)
{
    return errno == EINPROGRESS;
}

void sock_os_set_error(int code)
{
    errno = code;
}

/* The last setsockopt named an option this system does not know. */
bool sock_os_option_unknown(void)
{
    return errno == ENOPROTOOPT;
}

int sock_os_wait_writable(sock_t s, int timeout_ms)
{
    struct pollfd p[2] = {{.fd = s, .events = POLLOUT}};
    struct timespec ts;
    return poll_interruptible(p, 1, timeout_of_ms(timeout_ms, &ts));
}

int sock_os_nonblocking_send_flags(void)
{
    return sock_os_send_flags() | MSG_DONTWAIT;
}

long sock_os_send_whole(sock_t s, const void *data, size_t len)
{
    (void)s;
    (void)data;
    (void)len;
    return SOCK_OS_SEND_IN_STEPS;
}

int sock_os_connected(sock_t s)
{
    return sock_os_set_blocking(s, true);
}

bool sock_os_would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* IP_MULTICAST_ALL off (Linux 2.6.31 on): the kernel hands the socket only
 * the groups it joined itself, each only from the interface it joined on.
 * Read back, since an emulation (WSL 1, gVisor) may take it and ignore it. */
#if defined(__linux__) && !defined(IPV6_MULTICAST_ALL)
#define IPV6_MULTICAST_ALL 29 /* Linux 4.20 on; older C libraries lack it */
#endif

bool sock_os_own_joins_only(sock_t s, int family)
{
#ifdef IP_MULTICAST_ALL
    /* IPv6's own option since Linux 4.20; IPv4's is for IPv4 only. */
    int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    int name = family == AF_INET6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL;
    int on = 1;
    return sock_os_set_int(s, level, name, 0) == 0 &&
           sock_os_get_int(s, level, name, &on) == 0 && on == 0;
#else
    (void)s;
    (void)family;
    return false;
#endif
}

int sock_os_enable_pktinfo(sock_t s, int family)
{
#ifdef __linux__
    if (family == AF_INET6)
        return sock_os_set_int(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    return sock_os_set_int(s, IPPROTO_IP, IP_PKTINFO, 1);
#else
    (void)s;
    (void)family;
    errno = ENOPROTOOPT; /* only the Linux receiver reads it */
    return -1;
#endif
}

unsigned sock_os_ipv6_interface_index(const struct in6_addr *addr)
{
    struct ifaddrs *list;
    if (getifaddrs(&list) != 0)
        return 0;
    unsigned index = 0;
    for (const struct ifaddrs *i = list; i && index == 0; i = i->ifa_next) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
        if (in6 && in6->sin6_family == AF_INET6 &&
            memcmp(&in6->sin6_addr, addr, sizeof *addr) == 0)
            index = if_nametoindex(i->ifa_name);
    }
    freeifaddrs(list);
    if (index == 0)
        errno = EADDRNOTAVAIL;
    return index;
}

bool sock_os_ipv4_of_index(unsigned ifindex, struct in_addr *addr)
{
    struct ifaddrs *list;
    if (getifaddrs(&list) != 0)
        return false;
    bool found = false;
    for (const struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        if (in && in->sin_family == AF_INET && if_nametoindex(i->ifa_name) == ifindex) {
            *addr = in->sin_addr;
            found = true;
        }
    }
    freeifaddrs(list);
    return found;
}

int sock_os_multicast_if_index_ipv4(sock_t s, unsigned ifindex)
{
    struct ip_mreqn req;
    memset(&req, 0, sizeof req);
    req.imr_ifindex = (int)ifindex;
    return setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &req, sizeof req) == 0 ? 0 : -1;
}

int sock_os_join_index_ipv4(sock_t s, struct in_addr group, unsigned ifindex)
{
    struct ip_mreqn req;
    memset(&req, 0, sizeof req);
    req.imr_multiaddr = group;
    req.imr_ifindex = (int)ifindex;
    return setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &req, sizeof req) == 0 ? 0 : -1;
}

bool sock_os_resolve_no_host(int status)
{
#ifdef EAI_NODATA
    if (status == EAI_NODATA)
        return true;
#endif
#ifdef EAI_ADDRFAMILY
    if (status == EAI_ADDRFAMILY)
        return true;
#endif
    return status == EAI_NONAME;
}

unsigned sock_interface_by_name(const char *name)
{
    /* sysfs first: if_nametoindex opens a socket for its ioctl, and a
     * command line refused must not open one. */
    size_t n = strlen(name);
    if (n == 0 || n >= IF_NAMESIZE || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return 0;
    struct stat st;
    if (stat("/sys/class/net", &st) != 0 || !S_ISDIR(st.st_mode))
        return if_nametoindex(name);
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s/ifindex", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[32];
    bool got = fgets(line, sizeof line, f) != NULL;
    (void)fclose(f); /* read only: nothing to lose */
    if (!got)
        return 0;
    char *end;
    errno = 0;
    unsigned long index = strtoul(line, &end, 10);
    if (errno != 0 || end == line || (*end != '\n' && *end != '\0') || index > UINT_MAX)
        return 0;
    return (unsigned)index;
}

bool sock_interface_exists(unsigned ifindex)
{
    if (ifindex == 0)
        return false;
    /* sysfs first: if_indextoname opens a socket for its ioctl. */
    DIR *dir = opendir("/sys/class/net");
    if (!dir) {
        char name[IF_NAMESIZE];
        return if_indextoname(ifindex, name) != NULL;
    }
    bool found = false;
    /* cppcheck-suppress readdirCalled ; one thread, and this stream is its own */
    for (const struct dirent *e = readdir(dir); e && !found; e = readdir(dir))
        found = e->d_name[0] != '.' && sock_interface_by_name(e->d_name) == ifindex;
    (void)closedir(dir); /* read only */
    return found;
}

/* Linux's routes of the local table (/proc/net/fib_trie): an address
 * "|-- a.b.c.d" followed by its prefixes and their types ("/32 host
 * LOCAL", "/32 link BROADCAST"); a prefix of that type (" LOCAL",
 * " BROADCAST") holding addr gives it that type (LOCAL: 127.0.0.0/8 as a
 * whole). 1: of that type, 0: not, -1: the file cannot be read. */
static int fib_trie_type(struct in_addr addr, const char *type)
{
    FILE *f = fopen("/proc/net/fib_trie", "r");
    if (!f)
        return -1;
    char line[256];
    uint32_t here = 0, want = ntohl(addr.s_addr);
    bool have = false, found = false;
    while (!found && fgets(line, sizeof line, f)) {
        const char *p = line + strspn(line, " |+-");
        if (strncmp(line + strspn(line, " "), "|-- ", 4) == 0) {
            char text[INET_ADDRSTRLEN];
            size_t n = strcspn(p, " \n");
            struct in_addr a;
            have = n < sizeof text;
            if (have) {
                memcpy(text, p, n);
                text[n] = '\0';
                have = inet_pton(AF_INET, text, &a) == 1;
            }
            here = have ? ntohl(a.s_addr) : 0;
        } else if (have && p[0] == '/' && p[1] >= '0' && p[1] <= '9' && strstr(p, type)) {
            char *end;
            unsigned long prefix = strtoul(p + 1, &end, 10);
            uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
            found = prefix <= 32 && *end == ' ' && (here & mask) == (want & mask);
        }
    }
    (void)fclose(f); /* read only */
    return found ? 1 : 0;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* the file writes lower case */
}

/* Linux's IPv6 addresses (/proc/net/if_inet6: the address in 32 hex
 * digits, the interface's index in hex, ...): the index of the interface
 * holding addr (with zone not 0: only that one), 0 for none, -1 when the
 * file cannot be read. */
static long if_inet6_index(const struct in6_addr *addr, unsigned zone)
{
    FILE *f = fopen("/proc/net/if_inet6", "r");
    if (!f)
        return -1;
    char line[128];
    long found = 0;
    while (found == 0 && fgets(line, sizeof line, f)) {
        uint8_t bytes[16];
        bool ok = strlen(line) > 33 && line[32] == ' ';
        for (size_t i = 0; ok && i < sizeof bytes; i++) {
            int hi = hex_value(line[2 * i]);
            int lo = hex_value(line[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            bytes[i] = (uint8_t)(hi * 16 + lo);
        }
        if (!ok || memcmp(bytes, addr, sizeof bytes) != 0)
            continue;
        char *end;
        unsigned long index = strtoul(line + 33, &end, 16);
        if (end != line + 33 && *end == ' ' && index > 0 && index <= UINT_MAX &&
            (zone == 0 || zone == index))
            found = (long)index;
    }
    (void)fclose(f); /* read only */
    return found;
}

bool sock_address_is_local(const sock_addr *a, unsigned *ifindex)
{
    *ifindex = 0;
    if (sock_addr_family(a) == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&a->storage;
        unsigned zone = sock_addr_zone(a);
        long index = if_inet6_index(&in6->sin6_addr, zone);
        if (index < 0) {
            errno = 0;
            index = (long)sock_os_ipv6_interface_index(&in6->sin6_addr);
            if (index == 0 && errno != EADDRNOTAVAIL)
                return true; /* cannot tell: the socket's own error speaks */
            if (zone != 0 && index != 0 && (unsigned)index != zone)
                index = 0; /* (the first interface holding it only) */
        }
        *ifindex = (unsigned)index;
        return index > 0;
    }
    if (sock_addr_family(a) != AF_INET)
        return false;
    struct in_addr in = ((const struct sockaddr_in *)(const void *)&a->storage)->sin_addr;
    int local = fib_trie_type(in, " LOCAL");
    if (local < 0) {
        errno = 0;
        /* A list that cannot be read tells nothing: taken, and the
         * socket's own error speaks if it is not. */
        local = sock_os_ipv4_interface_index(&in) != 0 || errno != EADDRNOTAVAIL;
    }
    return local == 1;
}

/* Whether addr is the broadcast address of one of the interfaces'
 * IPv4 addresses (getifaddrs): the one it was given (IFF_BROADCAST), or
 * its prefix with the host bits set (prefixes of 30 bits and shorter).
 * -1 when the list cannot be read. */
static int ifaddrs_broadcast(struct in_addr addr)
{
    struct ifaddrs *list;
    if (getifaddrs(&list) != 0)
        return -1;
    bool found = false;
    for (const struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        const struct sockaddr_in *mask =
            (const struct sockaddr_in *)(const void *)i->ifa_netmask;
        if (!in || in->sin_family != AF_INET)
            continue;
        const struct sockaddr_in *given =
            (const struct sockaddr_in *)(const void *)i->ifa_broadaddr;
        if ((i->ifa_flags & IFF_BROADCAST) && given && given->sin_family == AF_INET &&
            given->sin_addr.s_addr != 0 && given->sin_addr.s_addr == addr.s_addr)
            found = true;
        if (mask && mask->sin_family == AF_INET) {
            uint32_t m = ntohl(mask->sin_addr.s_addr);
            uint32_t own = ntohl(in->sin_addr.s_addr);
            found = found || (~m >= 3 && ((own & m) | ~m) == ntohl(addr.s_addr));
        }
    }
    freeifaddrs(list);
    return found ? 1 : 0;
}

bool sock_subnet_broadcast(const sock_addr *a)
{
    if (sock_addr_family(a) != AF_INET)
        return false;
    struct in_addr in = ((const struct sockaddr_in *)(const void *)&a->storage)->sin_addr;
    if (in.s_addr == htonl(0xffffffffu))
        return false; /* no subnet's: every link's */
    int broadcast = fib_trie_type(in, " BROADCAST");
    if (broadcast < 0)
        broadcast = ifaddrs_broadcast(in); /* a list that cannot be read: not one */
    return broadcast == 1;
}

/* The index of the interface holding the IPv4 address addr, or 0 with
 * errno set when there is none. */
unsigned sock_os_ipv4_interface_index(const struct in_addr *addr)
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

bool sock_buffer_short(int asked_bytes, int reported_bytes)
{
    return (long long)reported_bytes < 2LL * asked_bytes;
}

void sock_buffer_note(bool receive, int asked_bytes, int reported_bytes,
                      char *out, size_t cap)
{
    /* The kernel caps the request at the sysctl, and at INT_MAX / 2 so
     * that its double fits an int; only the first can be raised. A limit
     * of the request itself grants it; past INT_MAX / 2 none does. */
    const int most = 0x7fffffff / 2;
    const char *limit = receive ? "rmem_max" : "wmem_max";
    int granted = reported_bytes / 2;
    if (asked_bytes <= most)
        snprintf(out, cap, "Linux granted %d bytes (getsockopt reports twice "
                           "that); raise its limit with: sysctl -w net.core.%s=%d",
                 granted, limit, asked_bytes);
    else if (granted >= most)
        snprintf(out, cap, "Linux granted %d bytes (getsockopt reports twice "
                           "that), the most it gives: ask for at most that", granted);
    else
        snprintf(out, cap, "Linux granted %d bytes (getsockopt reports twice "
                           "that) and gives at most %d: ask for at most that, with "
                           "sysctl -w net.core.%s=%d",
                 granted, most, limit, most);
}

const char sock_listener_reuse_name[] = "SO_REUSEADDR";

int sock_set_listener_reuse(sock_t s, int *kept)
{
    int rc = sock_os_set_int_kept(s, SOL_SOCKET, SO_REUSEADDR, 1, kept);
    *kept = *kept != 0;
    return rc;
}

int sock_set_multicast_ttl(sock_t s, int family, int ttl, int *kept_ttl)
{
    if (family == AF_INET6) /* an int here, as RFC 3493 says */
        return sock_os_set_int_kept(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, kept_ttl);
    unsigned char value = (unsigned char)ttl;
    if (setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &value, sizeof value) != 0)
        return -1;
    /* Reported as an int-sized value. */
    if (sock_os_get_int(s, IPPROTO_IP, IP_MULTICAST_TTL, kept_ttl) != 0)
        *kept_ttl = ttl;
    return 0;
}

int sock_bind_group(sock_t s, const sock_addr *group, const sock_addr *ifaddr)
{
    /* The group address itself: other groups at the port stay out. Linux
     * binds an IPv6 group of link scope only with its interface's zone. */
    sock_addr g = *group;
    if (sock_addr_needs_interface(&g) && sock_addr_zone(&g) == 0 && ifaddr) {
        sock_addr local = *ifaddr;
        if (local.ifindex == 0 && sock_interface_index(&local) != 0)
            return -1;
        sock_addr_set_zone(&g, local.ifindex);
    }
    return sock_bind(s, &g);
}

long sock_os_recv_one(sock_receiver *rx, bool *wanted)
{
    *wanted = true; /* only Linux's recvmsg path reads IP_PKTINFO */
    return sock_recv_from(rx->s, rx->buf, SOCK_RX_SLOT_BYTES, &rx->from[0]);
}
#endif
