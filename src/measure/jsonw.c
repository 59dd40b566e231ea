/* jsonw.c - JSON Lines into a fixed buffer: the document's shape checked
 * call by call, strings escaped to ASCII, numbers that read back. */
#include "jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(jsonw *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    textbuf_init(&w->out, buf, cap);
}

void jsonw_clear(jsonw *w)
{
    bool misused = w->misused;
    jsonw_init(w, w->out.buf, w->out.cap);
    w->misused = misused;
}

/* Checks that a value may come here and writes what goes before it. */
static bool value_begin(jsonw *w, bool opens_level, bool is_object)
{
    bool allowed;
    if (w->depth == 0)
        allowed = is_object; /* a line is one object */
    else if (w->is_array[w->depth - 1])
        allowed = true;
    else
        allowed = w->key_pending;
    if (opens_level && w->depth == JSONW_DEPTH_MAX)
        allowed = false;
    if (!allowed) {
        w->misused = true;
        return false;
    }
    if (w->depth > 0 && w->is_array[w->depth - 1]) {
        if (w->has_items[w->depth - 1])
            textbuf_write(&w->out, ", ", 2);
        w->has_items[w->depth - 1] = true;
    }
    w->key_pending = false;
    return true;
}

static void open_level(jsonw *w, bool is_array)
{
    w->is_array[w->depth] = is_array;
    w->has_items[w->depth] = false;
    w->depth++;
}

void jsonw_object_begin(jsonw *w)
{
    if (!value_begin(w, true, true))
        return;
    textbuf_write(&w->out, "{", 1);
    open_level(w, false);
}

void jsonw_object_end(jsonw *w)
{
    if (w->depth == 0 || w->is_array[w->depth - 1] || w->key_pending) {
        w->misused = true;
        return;
    }
    w->depth--;
    textbuf_write(&w->out, w->depth == 0 ? "}\n" : "}", w->depth == 0 ? 2 : 1);
}

void jsonw_array_begin(jsonw *w)
{
    if (!value_begin(w, true, false))
        return;
    textbuf_write(&w->out, "[", 1);
    open_level(w, true);
}

void jsonw_array_end(jsonw *w)
{
    if (w->depth == 0 || !w->is_array[w->depth - 1]) {
        w->misused = true;
        return;
    }
    w->depth--;
    textbuf_write(&w->out, "]", 1);
}

/* ---- strings */

#define NOT_UTF8 0xFFFFFFFFu

/* The code point of the UTF-8 sequence at s (n > 0 bytes), or NOT_UTF8;
 * returns the bytes it takes: the whole sequence, or the maximal part of
 * an ill-formed one that could have begun a well-formed one (at least 1). */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    size_t follow;
    uint32_t v;
    uint8_t lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        follow = 1;
        v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        follow = 2;
        v = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        follow = 3;
        v = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90; /* no overlong forms */
        if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        *cp = NOT_UTF8; /* ASCII is not passed here; 80..C1, F5..FF */
        return 1;
    }
    for (size_t i = 1; i <= follow; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            *cp = NOT_UTF8;
            return i;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return follow + 1;
}

static void write_string(textbuf *t, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    textbuf_write(t, "\"", 1);
    size_t plain = 0; /* start of a run copied as it is */
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        textbuf_write(t, (const char *)s + plain, i - plain);
        char esc[12];
        size_t esc_len = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: esc_len = 0; break;
        }
        if (esc_len) {
            i++;
        } else {
            uint32_t cp = c;
            if (c < 0x80)
                i++;
            else
                i += utf8_next(s + i, n - i, &cp);
            if (cp == NOT_UTF8)
                cp = 0xFFFD;
            uint32_t units[2] = {cp, 0};
            int count = 1;
            if (cp > 0xFFFF) {
                units[0] = 0xD800 + ((cp - 0x10000) >> 10);
                units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
                count = 2;
            }
            for (int u = 0; u < count; u++) {
                char *e = esc + esc_len;
                e[0] = '\\';
                e[1] = 'u';
                for (int k = 0; k < 4; k++)
                    e[2 + k] = hex[(units[u] >> (12 - 4 * k)) & 0xF];
                esc_len += 6;
            }
        }
        textbuf_write(t, esc, esc_len);
        plain = i;
    }
    textbuf_write(t, (const char *)s + plain, n - plain);
    textbuf_write(t, "\"", 1);
}

void jsonw_key(jsonw *w, const char *key)
{
    if (w->depth == 0 || w->is_array[w->depth - 1] || w->key_pending) {
        w->misused = true;
        return;
    }
    if (w->has_items[w->depth - 1])
        textbuf_write(&w->out, ", ", 2);
    w->has_items[w->depth - 1] = true;
    write_string(&w->out, (const uint8_t *)key, strlen(key));
    textbuf_write(&w->out, ": ", 2);
    w->key_pending = true;
}

void jsonw_string_bytes(jsonw *w, const void *bytes, size_t n)
{
    if (value_begin(w, false, false))
        write_string(&w->out, bytes, n);
}

void jsonw_string(jsonw *w, const char *s)
{
    jsonw_string_bytes(w, s, strlen(s));
}

/* ---- numbers and the rest */

void jsonw_int(jsonw *w, int64_t v)
{
    if (value_begin(w, false, false))
        textbuf_printf(&w->out, "%" PRId64, v);
}

void jsonw_uint(jsonw *w, uint64_t v)
{
    if (value_begin(w, false, false))
        textbuf_printf(&w->out, "%" PRIu64, v);
}

void jsonw_double(jsonw *w, double v)
{
    if (!value_begin(w, false, false))
        return;
    if (!isfinite(v)) {
        textbuf_write(&w->out, "null", 4);
        return;
    }
    char text[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (digits == 17 || strtod(text, NULL) == v)
            break;
    }
    textbuf_puts(&w->out, text);
}

void jsonw_fixed(jsonw *w, double v, int decimals)
{
    if (!value_begin(w, false, false))
        return;
    if (!isfinite(v)) {
        textbuf_write(&w->out, "null", 4);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    textbuf_printf(&w->out, "%.*f", decimals, v);
}

void jsonw_bool(jsonw *w, bool v)
{
    if (value_begin(w, false, false))
        textbuf_puts(&w->out, v ? "true" : "false");
}

void jsonw_null(jsonw *w)
{
    if (value_begin(w, false, false))
        textbuf_write(&w->out, "null", 4);
}

void jsonw_kv_string(jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_string(w, s);
}

void jsonw_kv_int(jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void jsonw_kv_uint(jsonw *w, const char *key, uint64_t v)
{
    jsonw_key(w, key);
    jsonw_uint(w, v);
}

void jsonw_kv_double(jsonw *w, const char *key, double v)
{
    jsonw_key(w, key);
    jsonw_double(w, v);
}

void jsonw_kv_fixed(jsonw *w, const char *key, double v, int decimals)
{
    jsonw_key(w, key);
    jsonw_fixed(w, v, decimals);
}

void jsonw_kv_bool(jsonw *w, const char *key, bool v)
{
    jsonw_key(w, key);
    jsonw_bool(w, v);
}

size_t jsonw_length(const jsonw *w)
{
    return w->out.len;
}

bool jsonw_ok(const jsonw *w)
{
    return !w->misused && w->depth == 0 && !w->key_pending &&
           textbuf_fits(&w->out);
}
