/* dump.h - mdump's datagram formats, bytes in and text out (no I/O).
 *
 * Full dump: 16 bytes a line, each as "xx ", a TAB, then the 16 bytes as
 * text ('.' outside 0x20..0x7e). The last line pads missing bytes with three
 * spaces and the text with spaces, so every line is DUMP_LINE_BYTES long;
 * a length that is a multiple of 16 (0 too) ends with a line of no bytes. */
#ifndef MTOOLS_DUMP_H
#define MTOOLS_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/clock.h"

enum { DUMP_LINE_BYTES = 16 * 3 + 1 + 16 + 1 };

/* Bytes the full dump of len bytes takes. */
static inline size_t dump_hex_size(size_t len)
{
    return (len / 16 + 1) * DUMP_LINE_BYTES;
}

/* The dump lines of data; out must hold dump_hex_size(len). Returns the
 * bytes written. */
size_t dump_hex(char *out, const uint8_t *data, size_t len);

/* "HH:MM:SS.uuuuuu A.B.C.D.port N bytes" + suffix + '\n', where suffix is
 * ":" for the full dump and "" for the summary line; peer is at most
 * SOCK_ADDR_TEXT - 1 characters (sock_addr_format's), N at most 20
 * digits. */
enum {
    DUMP_HEADER_MAX = CLOCK_HMS_LEN + 1 + (SOCK_ADDR_TEXT - 1) +
                      (int)sizeof " 18446744073709551615 bytes:\n" - 1
};
size_t dump_header(char *out, const char *hms, const char *peer, size_t len,
                   const char *suffix);

/* "<header> N bytes: 4d 65 :Me\n": at most shown bytes in hex, a colon and
 * their text. out must hold dump_compact_size(shown). */
static inline size_t dump_compact_size(size_t shown)
{
    return DUMP_HEADER_MAX + shown * 4 + 3;
}
size_t dump_compact(char *out, const char *hms, const char *peer,
                    const uint8_t *data, size_t len, size_t shown);

/* Copies bytes as printable text, '.' for anything outside 0x20..0x7e. */
void dump_text(char *out, const uint8_t *data, size_t len);

#endif
