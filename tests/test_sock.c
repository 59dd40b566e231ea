/* test_sock.c - the socket layer's judgement of buffer sizes, on the
 * system it is built for (the Windows build runs under wine, which reports
 * the size asked and so cannot show a cap itself): when a size that
 * getsockopt reports is short of the request, and the NOTE that says what
 * was granted and how to raise the limit. */
#include <stdio.h>
#include <string.h>

#include "check.h"
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

int main(void)
{
    test_buffer_short();
    test_buffer_note();
    return check_report("test_sock");
}
