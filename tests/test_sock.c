/* test_sock.c - the socket layer's judgement of buffer sizes, on the
 * system it is built for (the Windows build runs under wine, which reports
 * the size asked and so cannot show a cap itself): when a size that
 * getsockopt reports is short of the request, and the NOTE that says what
 * was granted and how to raise the limit. And sock_send_to over loopback:
 * the datagram arrives whole, from the sending socket's address. On
 * Windows, sock_write_output into a pipe of the test's own as stdout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lib/cli.h"
#include "lib/sock.h"

#ifdef _WIN32
#include <windows.h>
#endif

static void test_buffer_short(void)
{
#ifdef _WIN32
    /* Windows reports the size it keeps. */
    CHECK(!sock_buffer_short(300000, 300000));
    CHECK(sock_buffer_short(300000, 299999));
    CHECK(!sock_buffer_short(300000, 425984));
#else
    /* Linux reports twice what it grants: 425984 is 212992 granted. */
    CHECK(sock_buffer_short(300000, 425984));
    CHECK(!sock_buffer_short(212992, 425984));
    CHECK(sock_buffer_short(212993, 425984));
    CHECK(sock_buffer_short(4194304, 425984));
    /* The kernel's floor (SOCK_MIN_RCVBUF) is more than a tiny request. */
    CHECK(!sock_buffer_short(1, 4608));
    /* Twice the largest request does not fit an int; no overflow. */
    CHECK(sock_buffer_short(2147483647, 2147483646));
#endif
    CHECK(!sock_buffer_short(0, 0));
}

static void test_buffer_note(void)
{
    char note[160];
#ifdef _WIN32
    sock_buffer_note(true, 300000, 65536, note, sizeof note);
    CHECK_STR(note, "Windows granted 65536 of the 300000 bytes asked; ask for at most that");
#else
    sock_buffer_note(true, 300000, 425984, note, sizeof note);
    CHECK_STR(note, "Linux granted 212992 bytes (getsockopt reports twice that); "
                    "raise its limit with: sysctl -w net.core.rmem_max=300000");
    sock_buffer_note(false, 4194304, 425984, note, sizeof note);
    CHECK_STR(note, "Linux granted 212992 bytes (getsockopt reports twice that); "
                    "raise its limit with: sysctl -w net.core.wmem_max=4194304");
    /* At the kernel's own ceiling, INT_MAX / 2: a limit of that grants
     * it in full (reported 2147483646, twice the request). */
    sock_buffer_note(true, 1073741823, 425984, note, sizeof note);
    CHECK_STR(note, "Linux granted 212992 bytes (getsockopt reports twice that); "
                    "raise its limit with: sysctl -w net.core.rmem_max=1073741823");
    /* Past it no limit grants the request (a limit of 1073741823 gives
     * 2147483646 reported, half the request): the most there is. */
    sock_buffer_note(true, 2147483647, 425984, note, sizeof note);
    CHECK_STR(note, "Linux granted 212992 bytes (getsockopt reports twice that) and "
                    "gives at most 1073741823: ask for at most that, with "
                    "sysctl -w net.core.rmem_max=1073741823");
    sock_buffer_note(false, 1073741824, 425984, note, sizeof note);
    CHECK_STR(note, "Linux granted 212992 bytes (getsockopt reports twice that) and "
                    "gives at most 1073741823: ask for at most that, with "
                    "sysctl -w net.core.wmem_max=1073741823");
    /* Granted that most: nothing to raise. */
    sock_buffer_note(true, 2147483647, 2147483646, note, sizeof note);
    CHECK_STR(note, "Linux granted 1073741823 bytes (getsockopt reports twice that), "
                    "the most it gives: ask for at most that");
#endif
    /* Cut to the room given, never overrun. */
    char small[8];
    sock_buffer_note(true, 300000, 4, small, sizeof small);
#ifdef _WIN32
    CHECK_STR(small, "Windows");
#else
    CHECK_STR(small, "Linux g");
#endif
}

/* A UDP socket bound to 127.0.0.1 at a port of the system's choice. */
static sock_t loopback_udp(sock_addr *bound)
{
    sock_addr any;
    cli_error err;
    if (!cli_addr("test", "127.0.0.1", &any, &err))
        return SOCK_INVALID;
    sock_t s = sock_udp(sock_addr_family(&any));
    if (s == SOCK_INVALID)
        return s;
    if (sock_bind(s, &any) != 0 || sock_local_addr(s, bound) != 0) {
        sock_close(s);
        return SOCK_INVALID;
    }
    return s;
}

static void test_send_to(void)
{
    sock_addr a_addr, b_addr, from;
    sock_t a = loopback_udp(&a_addr), b = loopback_udp(&b_addr);
    CHECK(a != SOCK_INVALID && b != SOCK_INVALID);
    if (a == SOCK_INVALID || b == SOCK_INVALID)
        return;
    static const char text[] = "one datagram";
    CHECK(sock_send_to(a, text, sizeof text, &b_addr) == (long)sizeof text);
    char buf[64] = "";
    CHECK(sock_wait_readable(b, 5000) == 1);
    CHECK(sock_recv_from(b, buf, sizeof buf, &from) == (long)sizeof text);
    CHECK_STR(buf, text);
    CHECK(sock_addr_same_host(&from, &a_addr));
    CHECK(sock_addr_port(&from) == sock_addr_port(&a_addr));
    sock_close(a);
    sock_close(b);
}

#ifdef _WIN32
/* What a pipe's reader got, read on a thread of its own to the end. */
static struct {
    HANDLE pipe;
    char buf[65536];
    DWORD len;
} got;

static DWORD WINAPI read_to_end(LPVOID unused)
{
    (void)unused;
    DWORD n;
    while (got.len < sizeof got.buf &&
           ReadFile(got.pipe, got.buf + got.len, (DWORD)sizeof got.buf - got.len, &n, NULL) &&
           n > 0)
        got.len += n;
    return 0;
}

/* Each "\n" written as "\r\n" (the C library's text mode, as before
 * stdout had a thread of its own), 16 KiB of data a call at most, and
 * EPIPE once the pipe's reader has gone. */
static void test_write_output(void)
{
    HANDLE saved = GetStdHandle(STD_OUTPUT_HANDLE), wr;
    CHECK(CreatePipe(&got.pipe, &wr, NULL, 4096));
    HANDLE reader = CreateThread(NULL, 0, read_to_end, NULL, 0, NULL);
    CHECK(reader != NULL);
    SetStdHandle(STD_OUTPUT_HANDLE, wr);
    CHECK(sock_write_output("one\ntwo\n", 8) == 8);
    static char lines[20000], want[10 + 2 * 16384];
    memset(lines, '\n', sizeof lines);
    CHECK(sock_write_output(lines, sizeof lines) == 16384);
    SetStdHandle(STD_OUTPUT_HANDLE, saved);
    CloseHandle(wr);
    CHECK(WaitForSingleObject(reader, 5000) == WAIT_OBJECT_0);
    memcpy(want, "one\r\ntwo\r\n", 10);
    for (size_t i = 10; i < sizeof want; i += 2)
        memcpy(want + i, "\r\n", 2);
    CHECK_MEM(got.buf, got.len, want, sizeof want);
    CloseHandle(got.pipe);

    HANDLE rd;
    CHECK(CreatePipe(&rd, &wr, NULL, 4096));
    CloseHandle(rd);
    SetStdHandle(STD_OUTPUT_HANDLE, wr);
    errno = 0;
    CHECK(sock_write_output("gone\n", 5) == -1);
    CHECK(errno == EPIPE);
    SetStdHandle(STD_OUTPUT_HANDLE, saved);
    CloseHandle(wr);
}
#endif

int main(void)
{
    test_buffer_short();
    test_buffer_note();
    CHECK(sock_startup() == 0);
    test_send_to();
#ifdef _WIN32
    test_write_output();
#endif
    sock_cleanup();
    return check_report("test_sock");
}
