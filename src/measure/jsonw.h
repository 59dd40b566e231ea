/* jsonw.h - a small JSON Lines writer (RFC 8259 text, one object per
 * line) into a caller's buffer. Nothing is allocated.
 *
 * Calls follow the document's shape: jsonw_object_begin, then for each
 * member jsonw_key and one value (a scalar, or an object or array begun
 * and ended), then jsonw_object_end, which ends the line with "\n" when
 * it closes a top-level object. Several objects may follow each other in
 * one buffer, one per line. Members are written as {"key": value, ...}.
 *
 * Strings (keys and values) are bytes, escaped so that every line is
 * valid JSON and plain ASCII, whatever the input:
 *   - '"' and '\' as \" and \\; \b \f \n \r \t as such; the other control
 *     characters (U+0000..U+001F) and DEL (0x7F) as \u00XX;
 *   - well-formed UTF-8 as \uXXXX escapes of its code points (a pair of
 *     surrogate escapes above U+FFFF), so a terminal or a console code
 *     page can never garble or be driven by the output;
 *   - bytes that are not well-formed UTF-8 (stray continuation bytes,
 *     overlong forms, encoded surrogates, beyond U+10FFFF, cut sequences)
 *     as \ufffd, the replacement character, one per maximal ill-formed
 *     subpart (Unicode's "U+FFFD substitution of maximal subparts", as
 *     Python's decode(errors="replace") and the WHATWG decoder do). Lone
 *     surrogate escapes would keep the bytes but strict parsers refuse
 *     them, and \u00XX would read as a different, valid character.
 * Numbers: int64_t and uint64_t in decimal (readers that hold numbers as
 * doubles keep them exact up to 2^53); doubles as "%.15g", or with 16 or
 * 17 significant digits when that is needed to read back the very same
 * double (so 0.1 is 0.1 and 1/3 is 0.3333333333333333), and NaN and the
 * infinities, which JSON cannot hold, as null. Numbers are formatted in
 * the C locale (the programs never call setlocale).
 *
 * A call out of order (a value without its key, a key in an array, an end
 * that does not match, more than JSONW_DEPTH_MAX levels, a top-level
 * value that is not an object) is a programming error: it is not written,
 * and jsonw_ok turns false for good. A buffer too small is reported the
 * same way (the text is cut, as snprintf does; jsonw_length tells the
 * size needed). */
#ifndef MTOOLS_JSONW_H
#define MTOOLS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "textbuf.h"

enum { JSONW_DEPTH_MAX = 16 };

typedef struct jsonw {
    textbuf out;
    int depth;
    bool is_array[JSONW_DEPTH_MAX];  /* per open level */
    bool has_items[JSONW_DEPTH_MAX]; /* a comma before the next */
    bool key_pending;                /* a key written, its value next */
    bool misused;
} jsonw;

/* Writes into buf (cap bytes, NUL-terminated when cap > 0). */
void jsonw_init(jsonw *w, char *buf, size_t cap);
/* Empties the buffer for the next lines (after they were written out);
 * a misuse stays reported. */
void jsonw_clear(jsonw *w);

void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);
void jsonw_key(jsonw *w, const char *key);

void jsonw_string(jsonw *w, const char *s); /* NUL-terminated */
void jsonw_string_bytes(jsonw *w, const void *bytes, size_t n);
void jsonw_int(jsonw *w, int64_t v);
void jsonw_uint(jsonw *w, uint64_t v);
void jsonw_double(jsonw *w, double v);
/* A double with a fixed number of decimals (0..9), as "%.*f": for
 * figures shown to a set precision (12.346 us). NaN, inf: null. */
void jsonw_fixed(jsonw *w, double v, int decimals);
void jsonw_bool(jsonw *w, bool v);
void jsonw_null(jsonw *w);

/* A key and its value in one call. */
void jsonw_kv_string(jsonw *w, const char *key, const char *s);
void jsonw_kv_int(jsonw *w, const char *key, int64_t v);
void jsonw_kv_uint(jsonw *w, const char *key, uint64_t v);
void jsonw_kv_double(jsonw *w, const char *key, double v);
void jsonw_kv_fixed(jsonw *w, const char *key, double v, int decimals);
void jsonw_kv_bool(jsonw *w, const char *key, bool v);

/* The text's length (all of it, even when cut). */
size_t jsonw_length(const jsonw *w);
/* True when no call was out of order, every object is closed and the
 * text fitted the buffer. */
bool jsonw_ok(const jsonw *w);

#endif
