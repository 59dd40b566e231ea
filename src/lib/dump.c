/* dump.c - hex dump, summary and compact lines by table lookup. */
#include "lib/dump.h"

#include <string.h>

/* "xx " for every byte value (padded to 4 bytes, so one store writes an
 * entry and the next entry overwrites the pad), and the text column's
 * character. */
static char hex3[256][4];
static char text_char[256];
static int tables_ready;

static void build_tables(void)
{
    static const char digits[] = "0123456789abcdef";
    for (int b = 0; b < 256; b++) {
        hex3[b][0] = digits[b >> 4];
        hex3[b][1] = digits[b & 15];
        hex3[b][2] = ' ';
        hex3[b][3] = ' ';
        text_char[b] = (char)((b >= 0x20 && b <= 0x7e) ? b : '.');
    }
    tables_ready = 1;
}

void dump_text(char *out, const uint8_t *data, size_t len)
{
    if (!tables_ready)
        build_tables();
    for (size_t i = 0; i < len; i++)
        out[i] = text_char[data[i]];
}

size_t dump_hex(char *out, const uint8_t *data, size_t len)
{
    if (!tables_ready)
        build_tables();
    char *p = out;
    size_t full_lines = len / 16;
    for (size_t line = 0; line < full_lines; line++, data += 16) {
        for (size_t i = 0; i < 16; i++)
            memcpy(p + 3 * i, hex3[data[i]], 4); /* the 16th pad: the TAB's place */
        p[48] = '\t';
        for (int i = 0; i < 16; i++)
            p[49 + i] = text_char[data[i]];
        p[65] = '\n';
        p += DUMP_LINE_BYTES;
    }
    size_t rest = len % 16;
    memset(p, ' ', DUMP_LINE_BYTES - 1);
    for (size_t i = 0; i < rest; i++) {
        memcpy(p + 3 * i, hex3[data[i]], 3);
        p[49 + i] = text_char[data[i]];
    }
    p[48] = '\t';
    p[65] = '\n';
    p += DUMP_LINE_BYTES;
    return (size_t)(p - out);
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    /* Builds a line, not a C string: the NUL is deliberately not copied. */
    memcpy(p, s, n); /* NOLINT(bugprone-not-null-terminated-result) */
    return p + n;
}

static char *put_size(char *p, size_t v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

static char *put_header(char *p, const char *hms, const char *peer, size_t len)
{
    p = put_str(p, hms);
    *p++ = ' ';
    p = put_str(p, peer);
    *p++ = ' ';
    p = put_size(p, len);
    return put_str(p, " bytes");
}

size_t dump_header(char *out, const char *hms, const char *peer, size_t len,
                   const char *suffix)
{
    char *p = put_header(out, hms, peer, len);
    p = put_str(p, suffix);
    *p++ = '\n';
    return (size_t)(p - out);
}

size_t dump_compact(char *out, const char *hms, const char *peer,
                    const uint8_t *data, size_t len, size_t shown)
{
    if (!tables_ready)
        build_tables();
    if (shown > len)
        shown = len;
    char *p = put_header(out, hms, peer, len);
    *p++ = ':';
    *p++ = ' ';
    for (size_t i = 0; i < shown; i++, p += 3)
        memcpy(p, hex3[data[i]], 3);
    *p++ = ':';
    dump_text(p, data, shown);
    p += shown;
    *p++ = '\n';
    return (size_t)(p - out);
}
