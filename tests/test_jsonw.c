/* test_jsonw.c - the JSON Lines writer: exact text of every value kind,
 * the escapes (controls, UTF-8, each kind of ill-formed byte), numbers
 * that read back, calls out of order, cut buffers.
 *
 *   test_jsonw                      the unit checks
 *   test_jsonw --generate N SEED    N random records for jsonw_parse.py:
 *       <hex of the lines written> TAB <spec> [TAB <spec> ...]
 *   one spec per object, in prefix form, tokens separated by spaces:
 *       { n   an object of n members, each a k:HEX key and a value
 *       [ n   an array of n values
 *       s:HEX a string's bytes    i:DEC  u:DEC    d:HEX (the double's
 *       64 bits, big-endian)      b:0|1  n (null)
 *   The script rebuilds each object from its spec (strings decoded as
 *   Python's decode("utf-8", "replace") does) and compares it with what
 *   Python's json module reads from the line. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "jsonw.h"

static char buf[4096];

/* The text of one object holding one string member "k". */
static const char *string_line(const void *bytes, size_t n)
{
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    jsonw_key(&w, "k");
    jsonw_string_bytes(&w, bytes, n);
    jsonw_object_end(&w);
    CHECK(jsonw_ok(&w));
    return buf;
}
#define STR_LINE(lit) string_line(lit, sizeof lit - 1)

static const char *double_line(double v)
{
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    jsonw_kv_double(&w, "d", v);
    jsonw_object_end(&w);
    CHECK(jsonw_ok(&w));
    return buf;
}

static void test_shapes(void)
{
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    CHECK(jsonw_ok(&w) && jsonw_length(&w) == 0);
    jsonw_object_begin(&w);
    CHECK(!jsonw_ok(&w)); /* open */
    jsonw_object_end(&w);
    CHECK(jsonw_ok(&w));
    CHECK_STR(buf, "{}\n");

    jsonw_clear(&w);
    CHECK_STR(buf, "");
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "event", "interval");
    jsonw_kv_int(&w, "min", INT64_MIN);
    jsonw_kv_int(&w, "max", INT64_MAX);
    jsonw_kv_uint(&w, "umax", UINT64_MAX);
    jsonw_kv_uint(&w, "zero", 0);
    jsonw_kv_double(&w, "rate", 99999.5);
    jsonw_kv_fixed(&w, "jitter_us", 12.34567, 3);
    jsonw_kv_fixed(&w, "whole", 2.5, 0);
    jsonw_kv_fixed(&w, "wide", 1.0 / 3, 42);
    jsonw_kv_fixed(&w, "neg", -1.0, -3);
    jsonw_kv_bool(&w, "yes", true);
    jsonw_kv_bool(&w, "no", false);
    jsonw_key(&w, "nothing");
    jsonw_null(&w);
    jsonw_key(&w, "senders");
    jsonw_array_begin(&w);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "source", "10.0.0.1:5000");
    jsonw_kv_uint(&w, "lost", 3);
    jsonw_object_end(&w);
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    jsonw_array_begin(&w);
    jsonw_array_end(&w);
    jsonw_int(&w, -1);
    jsonw_string(&w, "");
    jsonw_null(&w);
    jsonw_array_end(&w);
    jsonw_key(&w, "empty");
    jsonw_array_begin(&w);
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    CHECK(jsonw_ok(&w));
    CHECK_STR(buf,
              "{\"event\": \"interval\", \"min\": -9223372036854775808, "
              "\"max\": 9223372036854775807, \"umax\": 18446744073709551615, "
              "\"zero\": 0, \"rate\": 99999.5, \"jitter_us\": 12.346, "
              "\"whole\": 2, \"wide\": 0.333333333, \"neg\": -1, "
              "\"yes\": true, \"no\": false, \"nothing\": null, "
              "\"senders\": [{\"source\": \"10.0.0.1:5000\", \"lost\": 3}, "
              "{}, [], -1, \"\", null], \"empty\": []}\n");
    CHECK(jsonw_length(&w) == strlen(buf));

    /* Lines follow each other in one buffer. */
    jsonw_clear(&w);
    for (int i = 0; i < 3; i++) {
        jsonw_object_begin(&w);
        jsonw_kv_int(&w, "i", i);
        jsonw_object_end(&w);
    }
    CHECK(jsonw_ok(&w));
    CHECK_STR(buf, "{\"i\": 0}\n{\"i\": 1}\n{\"i\": 2}\n");

    /* Nesting to the limit, and one level more refused. */
    jsonw_clear(&w);
    jsonw_object_begin(&w);
    for (int i = 1; i < JSONW_DEPTH_MAX; i++) {
        jsonw_key(&w, "a");
        jsonw_array_begin(&w);
        jsonw_array_end(&w);
        jsonw_key(&w, "o");
        jsonw_object_begin(&w);
    }
    for (int i = 1; i < JSONW_DEPTH_MAX; i++)
        jsonw_object_end(&w);
    jsonw_object_end(&w);
    CHECK(jsonw_ok(&w));
    jsonw_clear(&w);
    jsonw_object_begin(&w);
    for (int i = 1; i < JSONW_DEPTH_MAX; i++) {
        jsonw_key(&w, "o");
        jsonw_object_begin(&w);
    }
    jsonw_key(&w, "deeper");
    jsonw_array_begin(&w);
    CHECK(!jsonw_ok(&w) && w.misused && w.depth == JSONW_DEPTH_MAX);
}

/* Each call out of order: refused, nothing written, reported for good. */
static void test_misuse(void)
{
    jsonw w;
    enum { CASES = 11 };
    for (int c = 0; c < CASES; c++) {
        jsonw_init(&w, buf, sizeof buf);
        jsonw_object_begin(&w);
        jsonw_kv_int(&w, "a", 1);
        size_t before = jsonw_length(&w);
        switch (c) {
        case 0: jsonw_int(&w, 5); break;            /* value without key */
        case 1: jsonw_array_end(&w); break;         /* wrong end */
        case 2: jsonw_object_begin(&w); break;      /* object without key */
        case 3:
            jsonw_key(&w, "b");
            before = jsonw_length(&w);
            jsonw_key(&w, "c");                     /* key after key */
            break;
        case 4:
            jsonw_key(&w, "b");
            before = jsonw_length(&w);
            jsonw_object_end(&w);                   /* key without value */
            break;
        case 5:
            jsonw_key(&w, "b");
            jsonw_array_begin(&w);
            before = jsonw_length(&w);
            jsonw_key(&w, "c");                     /* key in an array */
            break;
        case 6:
            jsonw_key(&w, "b");
            jsonw_array_begin(&w);
            before = jsonw_length(&w);
            jsonw_object_end(&w);                   /* wrong end */
            break;
        case 7:
            jsonw_object_end(&w);
            before = jsonw_length(&w);
            jsonw_object_end(&w);                   /* nothing open */
            break;
        case 8:
            jsonw_object_end(&w);
            before = jsonw_length(&w);
            jsonw_int(&w, 1);                       /* top-level scalar */
            break;
        case 9:
            jsonw_object_end(&w);
            before = jsonw_length(&w);
            jsonw_array_begin(&w);                  /* top-level array */
            break;
        case 10:
            jsonw_object_end(&w);
            before = jsonw_length(&w);
            jsonw_key(&w, "x");                     /* key at top level */
            break;
        default: break;
        }
        CHECK(jsonw_length(&w) == before);
        CHECK(w.misused);
        /* Closing properly afterwards does not clear it. */
        while (w.depth > 0) {
            if (w.key_pending)
                jsonw_null(&w);
            if (w.is_array[w.depth - 1])
                jsonw_array_end(&w);
            else
                jsonw_object_end(&w);
        }
        CHECK(!jsonw_ok(&w));
        jsonw_clear(&w);
        CHECK(!jsonw_ok(&w));
    }
}

static void test_escapes(void)
{
    CHECK_STR(STR_LINE("plain text / ~"), "{\"k\": \"plain text / ~\"}\n");
    CHECK_STR(STR_LINE("\"q\" \\ \b\f\n\r\t"), "{\"k\": \"\\\"q\\\" \\\\ \\b\\f\\n\\r\\t\"}\n");
    CHECK_STR(STR_LINE("\x00\x01\x1f\x7f x"), "{\"k\": \"\\u0000\\u0001\\u001f\\u007f x\"}\n");
    CHECK_STR(STR_LINE(""), "{\"k\": \"\"}\n");
    /* Well-formed UTF-8: escaped code points, pairs above U+FFFF. */
    CHECK_STR(STR_LINE("\xc3\xa9\xe2\x82\xac"), "{\"k\": \"\\u00e9\\u20ac\"}\n");
    CHECK_STR(STR_LINE("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"),
              "{\"k\": \"\\u0080\\u07ff\\u0800\\ud7ff\\ue000\\uffff\"}\n");
    CHECK_STR(STR_LINE("\xf0\x9f\x98\x80|\xf0\x90\x80\x80|\xf4\x8f\xbf\xbf"),
              "{\"k\": \"\\ud83d\\ude00|\\ud800\\udc00|\\udbff\\udfff\"}\n");
    CHECK_STR(STR_LINE("\xe2\x80\xa8\xef\xbb\xbf"), "{\"k\": \"\\u2028\\ufeff\"}\n");
    /* Ill-formed: one U+FFFD per maximal subpart. */
    CHECK_STR(STR_LINE("\x80"), "{\"k\": \"\\ufffd\"}\n");
    CHECK_STR(STR_LINE("a\xbf\xbf" "b"), "{\"k\": \"a\\ufffd\\ufffdb\"}\n");
    CHECK_STR(STR_LINE("\xc0\x80"), "{\"k\": \"\\ufffd\\ufffd\"}\n");     /* overlong */
    CHECK_STR(STR_LINE("\xc1\xbf"), "{\"k\": \"\\ufffd\\ufffd\"}\n");
    CHECK_STR(STR_LINE("\xe0\x80\x80"), "{\"k\": \"\\ufffd\\ufffd\\ufffd\"}\n");
    CHECK_STR(STR_LINE("\xf0\x80\x80\x80"), "{\"k\": \"\\ufffd\\ufffd\\ufffd\\ufffd\"}\n");
    CHECK_STR(STR_LINE("\xed\xa0\x80"), "{\"k\": \"\\ufffd\\ufffd\\ufffd\"}\n"); /* surrogate */
    CHECK_STR(STR_LINE("\xf4\x90\x80\x80"), "{\"k\": \"\\ufffd\\ufffd\\ufffd\\ufffd\"}\n"); /* > U+10FFFF */
    CHECK_STR(STR_LINE("\xf5\xf8\xfe\xff"), "{\"k\": \"\\ufffd\\ufffd\\ufffd\\ufffd\"}\n");
    /* Cut sequences: the part that could have begun one is one U+FFFD. */
    CHECK_STR(STR_LINE("\xe2\x82"), "{\"k\": \"\\ufffd\"}\n");
    CHECK_STR(STR_LINE("\xe2\x82" "A"), "{\"k\": \"\\ufffdA\"}\n");
    CHECK_STR(STR_LINE("\xf0\x9f\x98"), "{\"k\": \"\\ufffd\"}\n");
    CHECK_STR(STR_LINE("\xf0\x9f\x98\xc3\xa9"), "{\"k\": \"\\ufffd\\u00e9\"}\n");
    CHECK_STR(STR_LINE("\xc3"), "{\"k\": \"\\ufffd\"}\n");
    CHECK_STR(STR_LINE("\xc3\xc3\xa9"), "{\"k\": \"\\ufffd\\u00e9\"}\n");
    /* Keys are escaped the same way. */
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    jsonw_kv_bool(&w, "a\"\n\xff", true);
    jsonw_object_end(&w);
    CHECK_STR(buf, "{\"a\\\"\\n\\ufffd\": true}\n");
}

static void test_doubles(void)
{
    CHECK_STR(double_line(0.1), "{\"d\": 0.1}\n");
    CHECK_STR(double_line(100.0), "{\"d\": 100}\n");
    CHECK_STR(double_line(1.0 / 3), "{\"d\": 0.3333333333333333}\n");
    CHECK_STR(double_line(2.0 / 3), "{\"d\": 0.6666666666666666}\n");
    CHECK_STR(double_line(0.1 + 0.2), "{\"d\": 0.30000000000000004}\n");
    CHECK_STR(double_line(1e300), "{\"d\": 1e+300}\n");
    CHECK_STR(double_line(-2.5e-7), "{\"d\": -2.5e-07}\n");
    CHECK_STR(double_line(5e-324), "{\"d\": 4.94065645841247e-324}\n"); /* the only double near */
    CHECK_STR(double_line(1.7976931348623157e308), "{\"d\": 1.7976931348623157e+308}\n");
    CHECK_STR(double_line(-0.0), "{\"d\": -0}\n");
    CHECK_STR(double_line(9007199254740993.0), "{\"d\": 9007199254740992}\n");
    CHECK_STR(double_line(NAN), "{\"d\": null}\n");
    CHECK_STR(double_line(INFINITY), "{\"d\": null}\n");
    CHECK_STR(double_line(-INFINITY), "{\"d\": null}\n");
    jsonw w;
    jsonw_init(&w, buf, sizeof buf);
    jsonw_object_begin(&w);
    jsonw_kv_fixed(&w, "a", NAN, 3);
    jsonw_kv_fixed(&w, "b", -INFINITY, 3);
    jsonw_object_end(&w);
    CHECK_STR(buf, "{\"a\": null, \"b\": null}\n");
    /* Every double read back is the same (a sweep of bit patterns). */
    uint64_t bits = 0x123456789abcdefULL;
    int wrong = 0;
    for (int i = 0; i < 20000; i++) {
        bits = bits * 6364136223846793005ULL + 1442695040888963407ULL;
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        double_line(v);
        const char *num = buf + strlen("{\"d\": ");
        if (strtod(num, NULL) != v && wrong++ < 3)
            fprintf(stderr, "%s", buf);
    }
    CHECK(wrong == 0);
}

/* A buffer too small: cut, NUL-terminated, the whole length told. */
static void test_cut(void)
{
    char small[10];
    jsonw w;
    jsonw_init(&w, small, sizeof small);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "key", "a long value");
    jsonw_object_end(&w);
    CHECK(!jsonw_ok(&w) && !w.misused);
    CHECK(jsonw_length(&w) == strlen("{\"key\": \"a long value\"}\n"));
    CHECK_STR(small, "{\"key\": \"");
    /* Measuring only. */
    jsonw_init(&w, NULL, 0);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "\xff", "\x01");
    jsonw_object_end(&w);
    CHECK(jsonw_length(&w) == strlen("{\"\\ufffd\": \"\\u0001\"}\n"));
    CHECK(!jsonw_ok(&w));
    /* Exactly enough: the NUL needs its byte too. */
    char exact[4];
    jsonw_init(&w, exact, sizeof exact);
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    CHECK(jsonw_ok(&w));
    CHECK_STR(exact, "{}\n");
    char short_by_one[3];
    jsonw_init(&w, short_by_one, sizeof short_by_one);
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    CHECK(!jsonw_ok(&w));
    CHECK_STR(short_by_one, "{}");
}

/* ---- the generator for jsonw_parse.py */

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static char spec[1 << 16];
static size_t spec_len;

static void spec_add(const char *fmt, ...) MT_PRINTF(1, 2);
static void spec_add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(spec + spec_len, sizeof spec - spec_len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof spec - spec_len) {
        fprintf(stderr, "spec too long\n");
        exit(1);
    }
    spec_len += (size_t)n;
}

static void spec_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        spec_add("%02x", p[i]);
}

/* Hostile bytes: ASCII, controls, quotes, well-formed UTF-8 of any plane,
 * lone continuation bytes, cut and overlong sequences, surrogates. */
static size_t hostile(uint8_t *out, size_t cap)
{
    size_t n = 0, want = (size_t)(rng() % 24);
    while (n + 4 <= cap && want-- > 0) {
        switch (rng() % 10) {
        case 0: out[n++] = (uint8_t)(rng() % 0x20); break;
        case 1: out[n++] = "\"\\/\x7f"[rng() % 4]; break;
        case 2: out[n++] = (uint8_t)(0x20 + rng() % 0x5f); break;
        case 3: out[n++] = (uint8_t)(0x80 + rng() % 0x80); break;
        case 4: { /* a well-formed sequence of a random code point */
            uint32_t cp = (uint32_t)(rng() % 0x110000);
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;
            if (cp < 0x80) {
                out[n++] = (uint8_t)cp;
            } else if (cp < 0x800) {
                out[n++] = (uint8_t)(0xC0 | cp >> 6);
                out[n++] = (uint8_t)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                out[n++] = (uint8_t)(0xE0 | cp >> 12);
                out[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (uint8_t)(0x80 | (cp & 0x3F));
            } else {
                out[n++] = (uint8_t)(0xF0 | cp >> 18);
                out[n++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (uint8_t)(0x80 | (cp & 0x3F));
            }
            break;
        }
        case 5: { /* the start of one, cut */
            static const uint8_t leads[] = {0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF3, 0xF4};
            out[n++] = leads[rng() % sizeof leads];
            if (rng() % 2)
                out[n++] = (uint8_t)(0x80 + rng() % 0x40);
            break;
        }
        case 6: { /* edges of the second byte's ranges */
            static const uint8_t pairs[][2] = {
                {0xE0, 0x9F}, {0xE0, 0xA0}, {0xED, 0x9F}, {0xED, 0xA0},
                {0xF0, 0x8F}, {0xF0, 0x90}, {0xF4, 0x8F}, {0xF4, 0x90},
                {0xC0, 0xAF}, {0xC1, 0xBF}};
            const uint8_t *p = pairs[rng() % (sizeof pairs / sizeof pairs[0])];
            out[n++] = p[0];
            out[n++] = p[1];
            out[n++] = 0x80;
            out[n++] = 0xBF;
            break;
        }
        default: out[n++] = (uint8_t)rng(); break;
        }
    }
    return n;
}

static void gen_value(jsonw *w, int depth);

static void gen_members(jsonw *w, int depth, int count)
{
    for (int i = 0; i < count; i++) {
        uint8_t key[128];
        size_t klen = hostile(key, sizeof key - 12);
        /* Suffix an index so keys differ as bytes (readers may still see
         * two as the same once replaced: the script keeps pairs). */
        klen += (size_t)snprintf((char *)key + klen, 12, "#%d", i);
        char keyz[140];
        /* jsonw_key takes a C string: NULs in keys become 0x01. */
        for (size_t b = 0; b < klen; b++)
            keyz[b] = key[b] ? (char)key[b] : '\x01';
        keyz[klen] = '\0';
        spec_add(" k:");
        spec_hex((const uint8_t *)keyz, klen);
        jsonw_key(w, keyz);
        gen_value(w, depth);
    }
}

static void gen_value(jsonw *w, int depth)
{
    unsigned kind = (unsigned)(rng() % (depth < 3 ? 9 : 7));
    switch (kind) {
    case 0: {
        uint8_t s[128];
        size_t n = hostile(s, sizeof s);
        spec_add(" s:");
        spec_hex(s, n);
        jsonw_string_bytes(w, s, n);
        break;
    }
    case 1: {
        static const int64_t edges[] = {0, -1, 1, INT64_MIN, INT64_MAX, 9007199254740993LL};
        int64_t v = rng() % 3 ? (int64_t)rng() : edges[rng() % 6];
        spec_add(" i:%" PRId64, v);
        jsonw_int(w, v);
        break;
    }
    case 2: {
        uint64_t v = rng() % 3 ? rng() : UINT64_MAX - rng() % 2;
        spec_add(" u:%" PRIu64, v);
        jsonw_uint(w, v);
        break;
    }
    case 3:
    case 4: {
        uint64_t bits = rng();
        double v;
        switch (rng() % 6) {
        case 0: v = (double)(int64_t)(rng() % 2000000) / 1000.0; break;
        case 1: v = (double)(rng() % 100000); break;
        case 2: v = rng() % 2 ? NAN : (rng() % 2 ? INFINITY : -INFINITY); break;
        case 3: v = (double)(rng() % 1000) * 1e-310; break; /* subnormal */
        default: memcpy(&v, &bits, sizeof v); break;
        }
        memcpy(&bits, &v, sizeof bits);
        spec_add(" d:%016" PRIx64, bits);
        jsonw_double(w, v);
        break;
    }
    case 5: {
        bool b = rng() % 2;
        spec_add(" b:%d", b ? 1 : 0);
        jsonw_bool(w, b);
        break;
    }
    case 6:
        spec_add(" n");
        jsonw_null(w);
        break;
    case 7: {
        int count = (int)(rng() % 5);
        spec_add(" { %d", count);
        jsonw_object_begin(w);
        gen_members(w, depth + 1, count);
        jsonw_object_end(w);
        break;
    }
    default: {
        int count = (int)(rng() % 5);
        spec_add(" [ %d", count);
        jsonw_array_begin(w);
        for (int i = 0; i < count; i++)
            gen_value(w, depth + 1);
        jsonw_array_end(w);
        break;
    }
    }
}

static int generate(long records, uint64_t seed)
{
    static char out[1 << 17];
    rng_state = seed ? seed : 1;
    for (long r = 0; r < records; r++) {
        jsonw w;
        jsonw_init(&w, out, sizeof out);
        int objects = 1 + (int)(rng() % 3);
        spec_len = 0;
        for (int o = 0; o < objects; o++) {
            int count = (int)(rng() % 10);
            spec_add("\t{ %d", count);
            jsonw_object_begin(&w);
            gen_members(&w, 0, count);
            jsonw_object_end(&w);
        }
        if (!jsonw_ok(&w)) {
            fprintf(stderr, "record %ld: the writer reports a fault\n", r);
            return 1;
        }
        for (size_t i = 0; i < jsonw_length(&w); i++)
            printf("%02x", (unsigned char)out[i]);
        printf("%s\n", spec);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--generate") == 0)
        return generate(strtol(argv[2], NULL, 10),
                        strtoull(argv[3], NULL, 10));
    test_shapes();
    test_misuse();
    test_escapes();
    test_doubles();
    test_cut();
    return check_report("test_jsonw");
}
