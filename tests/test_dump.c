/* test_dump.c - dump.h against a slow reference formatter and against
 * literal text, so that neither the table-driven dump nor the reference
 * can drift unnoticed. The data is given in buffers that end where
 * readable memory ends (on Linux), so a read past the end crashes. */
#ifdef __linux__
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "lib/dump.h"

/* 3, 16 and 48 spaces, for writing padded lines literally. */
#define SP3 "   "
#define SP16 "                "
#define SP48 SP16 SP16 SP16
/* The line a length that is a multiple of 16 ends with. */
#define EMPTY_LINE SP48 "\t" SP16 "\n"

enum { CANARY = 0xA5 };

/* The obviously-correct dump: one snprintf per byte, line by line. The
 * result is NUL-terminated; the caller frees it. */
static char *reference_dump(const uint8_t *data, size_t len)
{
    size_t lines = len / 16 + 1;
    size_t cap = lines * 66 + 1;
    char *text = malloc(cap);
    size_t used = 0;
    size_t offset = 0;
    if (!text)
        abort();
    text[0] = '\0';
    do {
        for (size_t col = 0; col < 16; col++) {
            if (offset + col < len)
                used += (size_t)snprintf(text + used, cap - used, "%02x ",
                                         (unsigned)data[offset + col]);
            else
                used += (size_t)snprintf(text + used, cap - used, "   ");
        }
        used += (size_t)snprintf(text + used, cap - used, "\t");
        for (size_t col = 0; col < 16; col++) {
            char c = ' ';
            if (offset + col < len) {
                uint8_t b = data[offset + col];
                c = (b >= 0x20 && b <= 0x7e) ? (char)b : '.';
            }
            used += (size_t)snprintf(text + used, cap - used, "%c", c);
        }
        used += (size_t)snprintf(text + used, cap - used, "\n");
        offset += 16;
        /* A partial line ends the dump; a full one is followed by more
         * (the last of them holding no bytes when len % 16 == 0). */
    } while (offset <= len);
    return text;
}

/* Runs dump_hex into a buffer of exactly dump_hex_size(len) bytes plus a
 * canary tail; checks the size, the canary and the text against want. */
static void check_dump(const uint8_t *data, size_t len, const char *want,
                       int line)
{
    size_t size = dump_hex_size(len);
    char *out = malloc(size + 32);
    if (!out)
        abort();
    memset(out, CANARY, size + 32);
    size_t n = dump_hex(out, data, len);
    int bad = 0;
    if (n != size) {
        fprintf(stderr, "line %d: len %zu: dump_hex returned %zu, size %zu\n",
                line, len, n, size);
        bad = 1;
    }
    CHECK(n == size);
    for (size_t i = size; i < size + 32; i++)
        if ((uint8_t)out[i] != CANARY) {
            fprintf(stderr, "line %d: len %zu: wrote past the size at %zu\n",
                    line, len, i);
            bad = 1;
            break;
        }
    CHECK(!bad);
    if (strlen(want) != n || memcmp(out, want, n) != 0)
        fprintf(stderr, "line %d: len %zu: dump differs from the expectation\n",
                line, len);
    CHECK_MEM(out, n, want, strlen(want));
    free(out);
}

static void test_reference_pinned(void)
{
    /* The reference itself, against text written out by hand. */
    const uint8_t msg0[] = "Message 0";
    const char *want_msg0 =
        "4d 65 73 73 61 67 65 20 30 " SP3 SP3 SP3 SP3 SP3 SP3 SP3
        "\tMessage 0       \n";
    char *ref = reference_dump(msg0, 9);
    CHECK_STR(ref, want_msg0);
    free(ref);
    check_dump(msg0, 9, want_msg0, __LINE__);

    /* The 80-byte TCP echo of the transcript: five full lines, then the
     * line of no bytes that a multiple of 16 ends with. */
    const char echo[] = "echo sender equiv cmd: msend -b1 -m0 -n0 -p1000 -s0 "
                        "-S65536 -t 172.31.0.1 12000";
    CHECK(sizeof echo == 80); /* 79 characters and the NUL */
    const char *want_echo =
        "65 63 68 6f 20 73 65 6e 64 65 72 20 65 71 75 69 \techo sender equi\n"
        "76 20 63 6d 64 3a 20 6d 73 65 6e 64 20 2d 62 31 \tv cmd: msend -b1\n"
        "20 2d 6d 30 20 2d 6e 30 20 2d 70 31 30 30 30 20 \t -m0 -n0 -p1000 \n"
        "2d 73 30 20 2d 53 36 35 35 33 36 20 2d 74 20 31 \t-s0 -S65536 -t 1\n"
        "37 32 2e 33 31 2e 30 2e 31 20 31 32 30 30 30 00 \t72.31.0.1 12000.\n"
        EMPTY_LINE;
    ref = reference_dump((const uint8_t *)echo, 80);
    CHECK_STR(ref, want_echo);
    free(ref);
    check_dump((const uint8_t *)echo, 80, want_echo, __LINE__);

    /* And the empty datagram: one line of no bytes. */
    ref = reference_dump((const uint8_t *)"", 0);
    CHECK_STR(ref, EMPTY_LINE);
    free(ref);
}

static void test_lengths(void)
{
    static const size_t lengths[] = {0, 1, 15, 16, 17, 4096, 65507};
    uint8_t *data = malloc(65507);
    if (!data)
        abort();
    /* Every byte value, in an order that is not just a counter. */
    for (size_t i = 0; i < 65507; i++)
        data[i] = (uint8_t)(i * 7 + i / 256);
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        size_t len = lengths[k];
        char *want = reference_dump(data, len);
        CHECK(strlen(want) == (len / 16 + 1) * 66);
        CHECK(dump_hex_size(len) == (len / 16 + 1) * 66);
        exact e = exact_copy(data, len);
        check_dump(e.data, len, want, __LINE__);
        exact_free(&e);
        free(want);
    }
    free(data);
    CHECK(DUMP_LINE_BYTES == 66);
}

static void test_every_byte(void)
{
    uint8_t data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)i;
    size_t size = dump_hex_size(256);
    CHECK(size == 17 * 66);
    char *out = malloc(size);
    if (!out)
        abort();
    CHECK(dump_hex(out, data, 256) == size);
    int hex_bad = 0, text_bad = 0, frame_bad = 0;
    for (int b = 0; b < 256; b++) {
        const char *line = out + (b / 16) * 66;
        int col = b % 16;
        char hex[4];
        snprintf(hex, sizeof hex, "%02x ", (unsigned)b);
        if (memcmp(line + 3 * col, hex, 3) != 0) {
            fprintf(stderr, "byte 0x%02x: hex column '%.3s'\n", (unsigned)b,
                    line + 3 * col);
            hex_bad++;
        }
        char want = (b >= 32 && b <= 126) ? (char)b : '.';
        if (line[49 + col] != want) {
            fprintf(stderr, "byte 0x%02x: text column '%c'\n", (unsigned)b,
                    line[49 + col]);
            text_bad++;
        }
    }
    for (int l = 0; l < 17; l++)
        if (out[l * 66 + 48] != '\t' || out[l * 66 + 65] != '\n')
            frame_bad++;
    CHECK(hex_bad == 0);
    CHECK(text_bad == 0);
    CHECK(frame_bad == 0);
    /* Spot checks written out: the edges of the printable range. */
    CHECK_MEM(out + 1 * 66 + 45, 3, "1f ", 3);
    CHECK(out[1 * 66 + 49 + 15] == '.');
    CHECK_MEM(out + 2 * 66, 3, "20 ", 3);
    CHECK(out[2 * 66 + 49] == ' ');
    CHECK(out[7 * 66 + 49 + 14] == '~');
    CHECK_MEM(out + 7 * 66 + 45, 3, "7f ", 3);
    CHECK(out[7 * 66 + 49 + 15] == '.');
    CHECK_MEM(out + 15 * 66 + 45, 3, "ff ", 3);
    CHECK(out[15 * 66 + 49 + 15] == '.');
    CHECK_MEM(out + 16 * 66, 66, EMPTY_LINE, 66);
    char *want = reference_dump(data, 256);
    CHECK_MEM(out, size, want, strlen(want));
    free(want);
    free(out);
}

/* Runs a formatter that does not NUL-terminate into a canaried buffer of
 * size cap and returns the text (static, NUL-terminated). */
static char formatted[1024];

static void take(const char *buf, size_t n, size_t cap)
{
    int past = 0;
    for (size_t i = n; i < cap; i++)
        if ((uint8_t)buf[i] != CANARY)
            past = 1;
    CHECK(!past);
    CHECK(n < sizeof formatted);
    memcpy(formatted, buf, n);
    formatted[n] = '\0';
}

static void test_header(void)
{
    char buf[DUMP_HEADER_MAX + 16];
    memset(buf, CANARY, sizeof buf);
    size_t n = dump_header(buf, "13:50:29.899000", "172.31.8.31.58856", 80, ":");
    CHECK(n == strlen("13:50:29.899000 172.31.8.31.58856 80 bytes:\n"));
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "13:50:29.899000 172.31.8.31.58856 80 bytes:\n");

    memset(buf, CANARY, sizeof buf);
    n = dump_header(buf, "13:50:29.899000", "172.31.8.31.58856", 80, "");
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "13:50:29.899000 172.31.8.31.58856 80 bytes\n");

    memset(buf, CANARY, sizeof buf);
    n = dump_header(buf, "00:00:00.000000", "1.2.3.4.5", 0, ":");
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "00:00:00.000000 1.2.3.4.5 0 bytes:\n");

    /* The longest header: widest address, port and a 65535-byte read. */
    memset(buf, CANARY, sizeof buf);
    n = dump_header(buf, "23:59:59.999999", "255.255.255.255.65535", 65535, ":");
    CHECK(n <= DUMP_HEADER_MAX);
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "23:59:59.999999 255.255.255.255.65535 65535 bytes:\n");
}

static void test_compact(void)
{
    const uint8_t msg[] = "Message 0";
    char buf[512];

    memset(buf, CANARY, sizeof buf);
    size_t n = dump_compact(buf, "12:00:00.000001", "10.0.0.1.5000", msg, 9, 0);
    CHECK(n <= dump_compact_size(0));
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "12:00:00.000001 10.0.0.1.5000 9 bytes: :\n");

    memset(buf, CANARY, sizeof buf);
    n = dump_compact(buf, "12:00:00.000001", "10.0.0.1.5000", msg, 9, 2);
    CHECK(n <= dump_compact_size(2));
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "12:00:00.000001 10.0.0.1.5000 9 bytes: 4d 65 :Me\n");

    memset(buf, CANARY, sizeof buf);
    n = dump_compact(buf, "12:00:00.000001", "10.0.0.1.5000", msg, 9, 9);
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "12:00:00.000001 10.0.0.1.5000 9 bytes: "
                         "4d 65 73 73 61 67 65 20 30 :Message 0\n");

    /* More shown than there is: the whole datagram, nothing past it. */
    static const size_t more[] = {10, 100, 65535};
    for (size_t k = 0; k < 3; k++) {
        char *big = malloc(dump_compact_size(more[k]));
        if (!big)
            abort();
        memset(big, CANARY, dump_compact_size(more[k]));
        exact e = exact_copy(msg, 9);
        n = dump_compact(big, "12:00:00.000001", "10.0.0.1.5000", e.data, 9,
                         more[k]);
        exact_free(&e);
        CHECK(n <= dump_compact_size(more[k]));
        take(big, n, dump_compact_size(more[k]));
        CHECK_STR(formatted, "12:00:00.000001 10.0.0.1.5000 9 bytes: "
                             "4d 65 73 73 61 67 65 20 30 :Message 0\n");
        free(big);
    }

    /* Bytes outside 0x20..0x7e show as '.'. */
    const uint8_t odd[] = {0x00, 0x1f, 0x20, 0x7e, 0x7f, 0xff, 'A'};
    memset(buf, CANARY, sizeof buf);
    n = dump_compact(buf, "01:02:03.000004", "1.2.3.4.5", odd, sizeof odd, 6);
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "01:02:03.000004 1.2.3.4.5 7 bytes: "
                         "00 1f 20 7e 7f ff :.. ~..\n");

    /* An empty datagram. */
    memset(buf, CANARY, sizeof buf);
    n = dump_compact(buf, "01:02:03.000004", "1.2.3.4.5", msg, 0, 16);
    take(buf, n, sizeof buf);
    CHECK_STR(formatted, "01:02:03.000004 1.2.3.4.5 0 bytes: :\n");
}

static void test_text(void)
{
    const uint8_t in[] = {'A', 0x00, 0x7f, '~', ' ', 0x1f, 0x80, 0xff, 'z',
                          '\t', '\n'};
    char out[32];
    memset(out, CANARY, sizeof out);
    dump_text(out, in, sizeof in);
    CHECK_MEM(out, sizeof in, "A..~ ...z..", 11);
    CHECK((uint8_t)out[sizeof in] == CANARY);

    memset(out, CANARY, sizeof out);
    dump_text(out, in, 0);
    CHECK((uint8_t)out[0] == CANARY);

    /* All 256 values. */
    uint8_t all[256];
    char text[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    dump_text(text, all, 256);
    int bad = 0;
    for (int i = 0; i < 256; i++)
        if (text[i] != ((i >= 0x20 && i <= 0x7e) ? (char)i : '.'))
            bad++;
    CHECK(bad == 0);
}

int main(void)
{
    test_reference_pinned();
    test_lengths();
    test_every_byte();
    test_header();
    test_compact();
    test_text();
    return check_report("test_dump");
}
