/* textbuf.c - snprintf-style appending to a fixed buffer. */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void textbuf_init(textbuf *t, char *buf, size_t cap)
{
    t->buf = cap > 0 ? buf : NULL;
    t->cap = t->buf ? cap : 0;
    t->len = 0;
    if (t->buf)
        t->buf[0] = '\0';
}

void textbuf_write(textbuf *t, const char *bytes, size_t n)
{
    if (t->buf && t->len + 1 < t->cap) {
        size_t room = t->cap - 1 - t->len;
        size_t k = n < room ? n : room;
        memcpy(t->buf + t->len, bytes, k);
        t->buf[t->len + k] = '\0';
    }
    t->len += n;
}

void textbuf_puts(textbuf *t, const char *s)
{
    textbuf_write(t, s, strlen(s));
}

void textbuf_printf(textbuf *t, const char *fmt, ...)
{
    char *at = NULL;
    size_t room = 0;
    if (t->buf && t->len < t->cap) {
        at = t->buf + t->len;
        room = t->cap - t->len;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

bool textbuf_fits(const textbuf *t)
{
    return t->len < t->cap;
}
