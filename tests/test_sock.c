/* test_sock.c - the socket layer's judgement of buffer sizes, on the
 * system it is built for (the Windows build runs under wine, which reports
 * the size asked and so cannot show a cap itself): when a size that
 * getsockopt reports is short of the request, and the NOTE that says what
 * was granted and how to raise the limit. And sock_send_to over loopback:
 * the datagram arrives whole, from the sending socket's address. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lib/cli.h"
#include "lib/sock.h"

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
    /* Past the sysctl: the most that raising it can give. */
    sock_buffer_note(true, 2147483647, 425984, note, sizeof note);
    CHECK_STR(note, "Linux granted 212992 bytes (getsockopt reports twice that); "
                    "raise its limit with: sysctl -w net.core.rmem_max=1073741823");
    /* At the kernel's own ceiling: nothing to raise. */
    sock_buffer_note(true, 2147483647, 2147483646, note, sizeof note);
    CHECK_STR(note, "Linux granted 1073741823 bytes (getsockopt reports twice that), "
                    "the most it gives");
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

int main(void)
{
    test_buffer_short();
    test_buffer_note();
    CHECK(sock_startup() == 0);
    test_send_to();
    sock_cleanup();
    return check_report("test_sock");
}
