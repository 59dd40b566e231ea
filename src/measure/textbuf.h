/* textbuf.h - appending text to a caller's fixed buffer, snprintf-style:
 * what fits is written and always NUL-terminated (when cap > 0), and the
 * length of the whole text meant is counted, so the caller sees a cut
 * (len >= cap) and can size a buffer. buf may be NULL with cap 0 to only
 * measure. Nothing is allocated. */
#ifndef MTOOLS_TEXTBUF_H
#define MTOOLS_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h" /* MT_PRINTF */

typedef struct textbuf {
    char *buf;
    size_t cap;
    size_t len; /* of the whole text meant; may exceed cap - 1 */
} textbuf;

void textbuf_init(textbuf *t, char *buf, size_t cap);
void textbuf_write(textbuf *t, const char *bytes, size_t n);
void textbuf_puts(textbuf *t, const char *s);
void textbuf_printf(textbuf *t, const char *fmt, ...) MT_PRINTF(2, 3);
/* True when everything meant so far fitted. */
bool textbuf_fits(const textbuf *t);

#endif
