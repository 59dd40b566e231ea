/* fuzz_payload.c - the value parsers: cli_hex (msend -P), cli_number,
 * cli_int, cli_addr and cli_duration_ms, on the input as one NUL-ended
 * string (a NUL in the input ends it early, as it would in argv).
 *
 * Each result is compared with a plain second reading of the same rule
 * written here, so a wrong accept or a wrong refusal is caught, not only a
 * memory error:
 *  - hex: accepted exactly when the text is an even, non-zero number of
 *    hex digits that fits; then len == strlen / 2 and the bytes written
 *    out again in lower-case hex are the input lower-cased; nothing is
 *    written past the capacity (an exactly-sized output buffer);
 *  - number: accepted exactly when it is [+-]digits within [min, max],
 *    with the value strtoll gives;
 *  - ipv4: accepted exactly when it is four dot-separated decimal numbers
 *    0-255 without leading zeros, with that value;
 *  - duration: accepted exactly when digits[ms] or digits s is in range,
 *    with the value in ms.
 * Every refusal has an error text. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/sock.h"
#include "fuzz.h"
#include "msend/msend_opts.h"

static void check_refusal(bool ok, const cli_error *err)
{
    if (!ok) {
        FUZZ_CHECK(memchr(err->text, '\0', sizeof err->text) != NULL);
        FUZZ_CHECK(err->text[0] != '\0');
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void check_hex_at(const char *text, size_t n, size_t cap)
{
    /* At least one byte, so malloc(0) is never asked for. */
    uint8_t *out = malloc(cap > 0 ? cap : 1);
    FUZZ_CHECK(out != NULL);
    size_t len = 12345;
    cli_error err;
    err.text[0] = '\0';
    bool ok = cli_hex("-P (payload)", text, out, cap, &len, &err);
    check_refusal(ok, &err);

    bool all_hex = true;
    for (size_t i = 0; i < n; i++)
        all_hex = all_hex && hex_value(text[i]) >= 0;
    bool expect = all_hex && n > 0 && n % 2 == 0 && n / 2 <= cap;
    FUZZ_CHECK(ok == expect);
    if (ok) {
        FUZZ_CHECK(len == n / 2);
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < len; i++) {
            char hi = text[2 * i], lo = text[2 * i + 1];
            if (hi >= 'A' && hi <= 'F')
                hi = (char)(hi - 'A' + 'a');
            if (lo >= 'A' && lo <= 'F')
                lo = (char)(lo - 'A' + 'a');
            FUZZ_CHECK(digits[out[i] >> 4] == hi);
            FUZZ_CHECK(digits[out[i] & 15] == lo);
        }
    } else {
        FUZZ_CHECK(len == 12345); /* untouched on failure */
    }
    free(out);
}

static void check_hex(const char *text, size_t n)
{
    check_hex_at(text, n, MSEND_MAX_MSG_LEN); /* as msend -P */
    check_hex_at(text, n, n / 2);             /* just enough */
    if (n / 2 > 0)
        check_hex_at(text, n, n / 2 - 1);     /* one byte short */
}

/* [+-]digits, the value by strtoll, or false when not of that form or
 * outside long long. */
static bool reference_number(const char *text, long long *value)
{
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '\0')
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return false;
    *value = v;
    return true;
}

static void check_number(const char *text)
{
    static const long long ranges[][2] = {
        {LLONG_MIN, LLONG_MAX}, {0, LLONG_MAX}, {1, 65535}, {0, 255},
        {1, 2147483647}, {-5, 5},
    };
    long long ref = 0; /* set only when ref_ok; 0 keeps -O2 from seeing it read unset */
    bool ref_ok = reference_number(text, &ref);
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        long long min = ranges[i][0], max = ranges[i][1];
        long long v = 777;
        cli_error err;
        err.text[0] = '\0';
        bool ok = cli_number("-n (number)", text, min, max, &v, &err);
        check_refusal(ok, &err);
        FUZZ_CHECK(ok == (ref_ok && ref >= min && ref <= max));
        if (ok)
            FUZZ_CHECK(v == ref);
        else
            FUZZ_CHECK(v == 777);
    }
    int iv = 777;
    cli_error err;
    err.text[0] = '\0';
    bool ok = cli_int("port", text, 1, 65535, &iv, &err);
    check_refusal(ok, &err);
    FUZZ_CHECK(ok == (ref_ok && ref >= 1 && ref <= 65535));
    FUZZ_CHECK(ok ? iv == ref : iv == 777);
}

/* Four decimal numbers 0-255 without leading zeros, dot-separated. */
static bool reference_ipv4(const char *text, uint32_t *addr)
{
    const char *p = text;
    uint32_t result = 0;
    for (int octet = 0; octet < 4; octet++) {
        const char *start = p;
        while (*p >= '0' && *p <= '9')
            p++;
        size_t digits = (size_t)(p - start);
        if (digits == 0 || digits > 3 || (digits > 1 && *start == '0'))
            return false;
        unsigned value = 0;
        for (const char *q = start; q < p; q++)
            value = value * 10 + (unsigned)(*q - '0');
        if (value > 255)
            return false;
        result = result << 8 | value;
        if (octet < 3) {
            if (*p != '.')
                return false;
            p++;
        }
    }
    if (*p != '\0')
        return false;
    *addr = result;
    return true;
}

static void check_ipv4(const char *text)
{
    sock_addr addr, untouched;
    memset(&addr, 0xAB, sizeof addr);
    untouched = addr;
    uint32_t ref = 0;
    cli_error err;
    err.text[0] = '\0';
    bool ok = cli_addr("group", text, &addr, &err);
    check_refusal(ok, &err);
    bool ref_ok = reference_ipv4(text, &ref);
    if (!ref_ok && ok) {
        /* Not IPv4's form: IPv6 (a colon) or a host name the offline
         * lookups know, nothing else. */
        bool name = strcmp(text, "h4.test") == 0 || strcmp(text, "h6.test") == 0 ||
                    strcmp(text, "h46.test") == 0;
        FUZZ_CHECK(name || (strchr(text, ':') && sock_addr_family(&addr) == AF_INET6));
        return;
    }
    FUZZ_CHECK(ok == ref_ok);
    if (!ok) {
        FUZZ_CHECK(memcmp(&addr, &untouched, sizeof addr) == 0);
        return;
    }
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&addr.storage;
    FUZZ_CHECK(sock_addr_family(&addr) == AF_INET && addr.len == (sock_len)sizeof *in);
    FUZZ_CHECK(ntohl(in->sin_addr.s_addr) == ref && sock_addr_port(&addr) == 0);
    FUZZ_CHECK(sock_addr_is_multicast(&addr) == (ref >= 0xE0000000u && ref <= 0xEFFFFFFFu));
    FUZZ_CHECK(sock_addr_is_unspecified(&addr) == (ref == 0));
}

static void check_duration_at(const char *text, size_t n, int min_ms, int max_ms)
{
    int ms = 777;
    cli_error err;
    err.text[0] = '\0';
    bool ok = cli_duration_ms("--idle-timeout", text, min_ms, max_ms, &ms, &err);
    check_refusal(ok, &err);

    /* digits, digits "ms" or digits "s"; the digits by the number rule
     * above, not negative. */
    long long scale = 1;
    size_t len = n;
    if (len > 2 && strcmp(text + len - 2, "ms") == 0) {
        len -= 2;
    } else if (len > 1 && text[len - 1] == 's') {
        len -= 1;
        scale = 1000;
    }
    char *number = malloc(len + 1);
    FUZZ_CHECK(number != NULL);
    memcpy(number, text, len);
    number[len] = '\0';
    long long v = 0;
    /* The value limit keeps v * scale within long long. */
    bool ref_ok = reference_number(number, &v) && v >= 0 &&
                  v <= LLONG_MAX / 1000 && v * scale >= min_ms &&
                  v * scale <= max_ms;
    free(number);
    /* cli_duration_ms copies the number into 24 bytes: longer forms
     * ("000...0005s") are refused whatever their value. */
    if (len >= 24)
        ref_ok = false;
    FUZZ_CHECK(ok == ref_ok);
    FUZZ_CHECK(ok ? ms == v * scale : ms == 777);
}

static void check_duration(const char *text, size_t n)
{
    check_duration_at(text, n, 1, INT_MAX); /* --idle-timeout, --connect-timeout */
    check_duration_at(text, n, 0, 1000);
}

/* See fuzz.h. */
static int offline_host(const char *name, int family, sock_addr *found)
{
    bool v4 = strcmp(name, "h4.test") == 0 || strcmp(name, "h46.test") == 0;
    bool v6 = strcmp(name, "h6.test") == 0 || strcmp(name, "h46.test") == 0;
    cli_error e;
    if (v4 && family != AF_INET6)
        return cli_addr("fake", "10.0.0.7", found, &e) ? 0 : -1;
    if (v6 && family != AF_INET)
        return cli_addr("fake", "fd00::7", found, &e) ? 0 : -1;
    return SOCK_RESOLVE_NO_HOST;
}

/* Interfaces 1 and 2 (lo, eth0) exist; every address is this host's, on
 * no interface known. */
static bool offline_exists(unsigned ifindex)
{
    return ifindex == 1 || ifindex == 2;
}

static bool offline_local(const sock_addr *a, unsigned *ifindex)
{
    (void)a;
    *ifindex = 0;
    return true;
}

static bool offline_broadcast(const sock_addr *a)
{
    (void)a;
    return false;
}

static unsigned offline_interface(const char *name)
{
    return strcmp(name, "eth0") == 0 ? 2 : strcmp(name, "lo") == 0 ? 1 : 0;
}

void fuzz_offline_lookups(void)
{
    cli_lookups.host = offline_host;
    cli_lookups.interface_index = offline_interface;
    cli_lookups.interface_exists = offline_exists;
    cli_lookups.address_is_local = offline_local;
    cli_lookups.subnet_broadcast = offline_broadcast;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_offline_lookups();
    /* Exactly the string: a read past its NUL shows under ASan. */
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL);
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    size_t n = strlen(text);

    check_hex(text, n);
    check_number(text);
    check_ipv4(text);
    check_duration(text, n);

    free(text);
    return 0;
}
