/* test_equiv.c - the "Equiv cmd line" of msend and mdump, and msend's echo
 * datagram text, for every option, preset and order of them. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/sender.h"
#include "mdump/mdump_opts.h"
#include "msend/msend_opts.h"

/* An argv built from a line split on single spaces, argv[0] first. */
enum { MAX_ARGS = 32 };
typedef struct args {
    int argc;
    char *argv[MAX_ARGS + 1];
    char store[1024];
} args;

static void split(args *a, const char *prog, const char *line)
{
    size_t n = strlen(line);
    if (n >= sizeof a->store)
        abort();
    memcpy(a->store, line, n + 1);
    a->argc = 0;
    a->argv[a->argc++] = (char *)prog;
    char *p = a->store;
    while (*p) {
        if (a->argc >= MAX_ARGS)
            abort();
        a->argv[a->argc++] = p;
        char *space = strchr(p, ' ');
        if (!space)
            break;
        *space = '\0';
        p = space + 1;
    }
    a->argv[a->argc] = NULL;
}

static msend_opts mo; /* holds a 64 KiB payload: not on the stack */

/* An address as "A.B.C.D:port", to compare. */
static const char *addr_text(const sock_addr *a)
{
    static char text[SOCK_ADDR_TEXT];
    sock_addr_format(a, SOCK_ADDR_COLON_PORT, text);
    return text;
}
static char result[1024];

/* What a parse that did not ask to run gives, as text; NULL for a run. */
static const char *not_run(opts_result r, const cli_error *err)
{
    switch (r) {
    case OPTS_BAD:
        snprintf(result, sizeof result, "BAD: %s", err->text);
        return result;
    case OPTS_HELP:
        return "HELP";
    case OPTS_VERSION:
        return "VERSION";
    case OPTS_RUN:
        break;
    }
    return NULL;
}

/* msend's Equiv line for a command line, showing sndbuf_shown for -S when
 * it is not negative and the option's own value otherwise; or "BAD: ...",
 * "HELP", "VERSION". */
static const char *msend_line(const char *line, int sndbuf_shown)
{
    static args a; /* mo keeps pointers into it: lives until the next parse */
    cli_error err;
    split(&a, "msend", line);
    const char *other = not_run(msend_parse(a.argc, a.argv, &mo, &err), &err);
    if (other)
        return other;
    size_t n = msend_equiv(&mo, sndbuf_shown >= 0 ? sndbuf_shown : mo.sndbuf_bytes,
                           result, sizeof result);
    CHECK(n == strlen(result));
    return result;
}

static const char *msend_eq(const char *line)
{
    return msend_line(line, -1);
}

static void test_msend_options(void)
{
    CHECK_STR(msend_eq("239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 0 && mo.burst_count == 1 && mo.loops == 1 &&
          mo.msg_len == 0 && mo.num_bursts == 0 && mo.pause_ms == 1000 &&
          mo.quiet == 0 && mo.sndbuf_bytes == 65536 && mo.stat_pause_ms == 0 &&
          mo.transport == MSEND_MULTICAST && mo.ttl == 2 && !mo.decimal &&
          !mo.pos.has_interface && !mo.pos.has_ttl && mo.payload_len == 0 &&
          mo.pos.port == 12000 && mo.pos.count == 2);
    CHECK_STR(addr_text(&mo.pos.group), "239.1.1.1:12000");

    CHECK_STR(msend_eq("-b 7 239.1.1.1 12000"),
              "msend -b7 -m0 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-b7 239.1.1.1 12000"),
              "msend -b7 -m0 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-d 239.1.1.1 12000"),
              "msend -b1 -d -m0 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.decimal);
    CHECK_STR(msend_eq("-m 100 239.1.1.1 12000"),
              "msend -b1 -m100 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-m 65507 239.1.1.1 12000"),
              "msend -b1 -m65507 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-n 5 239.1.1.1 12000"),
              "msend -b1 -m0 -n5 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-n 9223372036854775807 239.1.1.1 12000"),
              "msend -b1 -m0 -n9223372036854775807 -p1000 -s0 -S65536 "
              "239.1.1.1 12000");
    CHECK(mo.num_bursts == 9223372036854775807LL);
    CHECK(msend_test_messages(&mo) == 9223372036854775807ULL);
    /* -n x -b (x -l): up to 2^64 - 1 messages, each count of them exact
     * (JSON's start said null, until stopped, for a product past it). */
    CHECK_STR(msend_eq("-n 9223372036854775807 -b 2 239.1.1.1 12000"),
              "msend -b2 -m0 -n9223372036854775807 -p1000 -s0 -S65536 "
              "239.1.1.1 12000");
    CHECK(msend_test_messages(&mo) == 18446744073709551614ULL);
    CHECK_STR(msend_eq("-n 9223372036854775807 -b 2147483647 239.1.1.1 12000"),
              "BAD: -n 9223372036854775807 x -b 2147483647: more messages than msend can "
              "count; -n x -b must be at most 18446744073709551615 (-n 0 sends until "
              "stopped)");
    CHECK_STR(msend_eq("-l 2 -n 4611686018427387904 -b 2 239.1.1.1 12000"),
              "BAD: -l 2 x -n 4611686018427387904 x -b 2: more messages than msend can "
              "count; -l x -n x -b must be at most 18446744073709551615 (-n 0 sends until "
              "stopped)");
    CHECK_STR(msend_eq("-l 2 -n 4611686018427387903 -b 2 239.1.1.1 12000"),
              "msend -b2 -m0 -n4611686018427387903 -p1000 -s0 -S65536 "
              "239.1.1.1 12000");
    CHECK_STR(msend_eq("--rate 10 -n 9223372036854775807 -b 3 239.1.1.1 12000"),
              "BAD: -n 9223372036854775807 x -b 3: more messages than msend can count; "
              "-n x -b must be at most 18446744073709551615 (-n 0 sends until stopped)");
    CHECK_STR(msend_eq("-p 200 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p200 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-n 3 -p 0 239.1.1.1 12000"),
              "msend -b1 -m0 -n3 -p0 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-q 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -q -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.quiet == 1);
    CHECK_STR(msend_eq("-qq 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -qq -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.quiet == 2);
    CHECK_STR(msend_eq("-q -q 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -qq -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-qqq 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -qq -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.quiet == 2);
    CHECK_STR(msend_eq("-s 500 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s500 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-S 131072 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S131072 239.1.1.1 12000");
    CHECK_STR(msend_eq("-S 0 239.1.1.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S0 239.1.1.1 12000");
    CHECK(mo.sndbuf_bytes == 0);
    /* -S 0 keeps the system default and shows -S0 as typed, whatever the
     * default's size; only -5 shows the size it leaves the buffer at. */
    CHECK_STR(msend_line("-S 0 239.1.1.1 12000", 212992),
              "msend -b1 -m0 -n0 -p1000 -s0 -S0 239.1.1.1 12000");
    CHECK_STR(msend_line("-5 -S 0 239.1.1.1 12000", 212992),
              "msend -b50000 -m800 -n1 -p1000 -q -s2000 -S0 239.1.1.1 12000");
    CHECK(mo.sndbuf_bytes == 0 && !mo.sndbuf_from_preset);
    CHECK_STR(msend_eq("-t 172.31.0.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -t 172.31.0.1 12000");
    CHECK(mo.transport == MSEND_TCP);
    CHECK_STR(msend_eq("-u 172.31.0.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -u 172.31.0.1 12000");
    CHECK(mo.transport == MSEND_UDP);
    /* -P sets -m to the payload's length; -m equal to it is fine. */
    CHECK_STR(msend_eq("-P 0102ff 239.1.1.1 12000"),
              "msend -b1 -m3 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.payload_len == 3 && mo.payload[0] == 1 && mo.payload[1] == 2 &&
          mo.payload[2] == 0xff && mo.msg_len == 3);
    CHECK_STR(msend_eq("-P 0102ff -m 3 239.1.1.1 12000"),
              "msend -b1 -m3 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-m 3 -P 0102ff 239.1.1.1 12000"),
              "msend -b1 -m3 -n0 -p1000 -s0 -S65536 239.1.1.1 12000");
    /* -l repeats the test; it is not part of the Equiv line. (With -n 0
     * the test never ends, so there -l is refused: see bad_input.tsv.) */
    CHECK_STR(msend_eq("-l 3 -n 5 239.1.1.1 12000"),
              "msend -b1 -m0 -n5 -p1000 -s0 -S65536 239.1.1.1 12000");
    CHECK(mo.loops == 3);
    /* --connect-timeout is ours, TCP only, and not shown either. */
    CHECK_STR(msend_eq("-t --connect-timeout 500 172.31.0.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -t 172.31.0.1 12000");
    CHECK(mo.connect_timeout_ms == 500);
    /* Everything at once, in the order the line is built. */
    CHECK_STR(msend_eq("-u -S 1000 -s 10 -qq -p 100 -n 2 -m 50 -d -b 3 -l 2 "
                       "10.0.0.2 5000"),
              "msend -b3 -d -m50 -n2 -p100 -qq -s10 -S1000 -u 10.0.0.2 5000");
}

static void test_msend_positionals(void)
{
    CHECK_STR(msend_eq("239.101.3.10 12000 15"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 239.101.3.10 12000 15");
    CHECK(mo.ttl == 15 && mo.pos.count == 3 && mo.pos.has_ttl && !mo.pos.has_interface);
    CHECK_STR(msend_eq("239.101.3.10 12000 15 172.31.8.31"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 239.101.3.10 12000 15 "
              "172.31.8.31");
    CHECK(mo.pos.count == 4 && mo.pos.has_interface);
    CHECK_STR(addr_text(&mo.pos.interface_addr), "172.31.8.31:0");
    CHECK_STR(mo.pos.interface_typed, "172.31.8.31");
    /* With -u to a group the ttl is the multicast one: 0 too. */
    CHECK_STR(msend_eq("-u 239.1.1.1 12000 0"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -u 239.1.1.1 12000 0");
    CHECK(mo.ttl == 0 && mo.pos.has_ttl && mo.transport == MSEND_UDP);
    CHECK_STR(msend_eq("-u ff15::1 12000 0"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -u ff15::1 12000 0");
    CHECK(mo.ttl == 0 && mo.pos.has_ttl);
    /* As typed, not as understood. */
    CHECK_STR(msend_eq("239.1.1.1 012000 +15"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 239.1.1.1 012000 +15");
    CHECK(mo.pos.port == 12000 && mo.ttl == 15);
    /* Options may follow the positionals, or be separated by "--". */
    CHECK_STR(msend_eq("239.1.1.1 12000 -b 3 -q"),
              "msend -b3 -m0 -n0 -p1000 -q -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("239.1.1.1 -n 4 12000 2"),
              "msend -b1 -m0 -n4 -p1000 -s0 -S65536 239.1.1.1 12000 2");
    CHECK_STR(msend_eq("-n 4 -- 239.1.1.1 12000"),
              "msend -b1 -m0 -n4 -p1000 -s0 -S65536 239.1.1.1 12000");
}

static void test_msend_presets(void)
{
    CHECK_STR(msend_eq("-1 239.1.1.1 12000"),
              "msend -b1 -m20 -n600 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 1 && mo.quiet == 1);
    CHECK_STR(msend_eq("-2 239.1.1.1 12000"),
              "msend -b1 -m5000 -n5 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 2);
    CHECK_STR(msend_eq("-3 239.1.1.1 12000"),
              "msend -b100 -m8192 -n50 -p100 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 3);
    CHECK_STR(msend_eq("-4 239.1.1.1 12000"),
              "msend -b5000 -m20 -n1 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 4);
    /* -5 leaves SO_SNDBUF at the system default and shows its size. */
    CHECK_STR(msend_line("-5 239.1.1.1 12000", 212992),
              "msend -b50000 -m800 -n1 -p1000 -q -s2000 -S212992 239.1.1.1 12000");
    CHECK(mo.preset == 5 && mo.sndbuf_bytes == 0);
    CHECK_STR(msend_line("-5 239.1.1.1 12000", 425984),
              "msend -b50000 -m800 -n1 -p1000 -q -s2000 -S425984 239.1.1.1 12000");

    /* Options after a preset override it. */
    CHECK_STR(msend_eq("-1 -n 5 239.1.1.1 12000"),
              "msend -b1 -m20 -n5 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 1);
    CHECK_STR(msend_eq("-3 -b 7 -q 239.1.1.1 12000"),
              "msend -b7 -m8192 -n50 -p100 -qq -s2000 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-2 -m 100 -p 50 -s 0 239.1.1.1 12000"),
              "msend -b1 -m100 -n5 -p50 -q -s0 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-5 -S 100000 239.1.1.1 12000"),
              "msend -b50000 -m800 -n1 -p1000 -q -s2000 -S100000 239.1.1.1 12000");
    CHECK(mo.sndbuf_bytes == 100000);
    CHECK_STR(msend_eq("-4 -d -t 10.0.0.1 12000"),
              "msend -b5000 -d -m20 -n1 -p1000 -q -s2000 -S65536 -t 10.0.0.1 12000");
    /* A preset after an option overrides the option. */
    CHECK_STR(msend_eq("-n 5 -1 239.1.1.1 12000"),
              "msend -b1 -m20 -n600 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-b 7 -3 239.1.1.1 12000"),
              "msend -b100 -m8192 -n50 -p100 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-qq -1 239.1.1.1 12000"),
              "msend -b1 -m20 -n600 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.quiet == 1);
    CHECK_STR(msend_line("-S 1000 -5 239.1.1.1 12000", 212992),
              "msend -b50000 -m800 -n1 -p1000 -q -s2000 -S212992 239.1.1.1 12000");
    CHECK(mo.sndbuf_bytes == 0);
    /* A preset does not touch -d, -t/-u or -l. */
    CHECK_STR(msend_eq("-d -u -l 2 -2 10.0.0.1 12000"),
              "msend -b1 -d -m5000 -n5 -p1000 -q -s2000 -S65536 -u 10.0.0.1 12000");
    CHECK(mo.loops == 2);
    /* The last preset wins; its number is the one remembered. */
    CHECK_STR(msend_eq("-1 -2 239.1.1.1 12000"),
              "msend -b1 -m5000 -n5 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 2);
    CHECK_STR(msend_eq("-12 239.1.1.1 12000"),
              "msend -b1 -m5000 -n5 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK(mo.preset == 2);
    /* -P sets the length whether the preset comes before or after it. */
    CHECK_STR(msend_eq("-1 -P 0102 239.1.1.1 12000"),
              "msend -b1 -m2 -n600 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    CHECK_STR(msend_eq("-P 0102 -1 239.1.1.1 12000"),
              "msend -b1 -m2 -n600 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
    /* An -m that a later preset overrode is no longer in effect, so it
     * cannot conflict with -P: this is "-1 -P 0102". */
    CHECK_STR(msend_eq("-m 5 -1 -P 0102 239.1.1.1 12000"),
              "msend -b1 -m2 -n600 -p1000 -q -s2000 -S65536 239.1.1.1 12000");
}

/* The echo datagram's text for a command line (sndbuf shown as given). */
static const char *msend_echo(const char *line, int sndbuf_shown)
{
    static char echo[1024];
    char equiv[600];
    snprintf(equiv, sizeof equiv, "%s", msend_line(line, sndbuf_shown));
    size_t n = sender_echo_text(mo.preset, equiv, echo, sizeof echo);
    CHECK(n == strlen(echo));
    return echo;
}

static void test_msend_echo(void)
{
    /* The transcript's TCP echo: 79 characters, 80 bytes with the NUL. */
    const char *e = msend_echo("-t 172.31.0.1 12000", -1);
    CHECK_STR(e, "echo sender equiv cmd: msend -b1 -m0 -n0 -p1000 -s0 -S65536 "
                 "-t 172.31.0.1 12000");
    CHECK(strlen(e) == 79);
    /* And the Linux end's: one character longer. */
    e = msend_echo("-t 172.31.8.31 12000", -1);
    CHECK(strlen(e) == 80);
    /* The multicast one: 93 characters, 94 bytes. */
    e = msend_echo("239.101.3.10 12000 15 172.31.8.31", -1);
    CHECK_STR(e, "echo sender equiv cmd: msend -b1 -m0 -n0 -p1000 -s0 -S65536 "
                 "239.101.3.10 12000 15 172.31.8.31");
    CHECK(strlen(e) == 93);
    e = msend_echo("-u 172.31.0.1 12000", -1);
    CHECK_STR(e, "echo sender equiv cmd: msend -b1 -m0 -n0 -p1000 -s0 -S65536 "
                 "-u 172.31.0.1 12000");
    /* With a preset the test number is named, and there is no colon. */
    e = msend_echo("-1 239.1.1.1 12000", -1);
    CHECK_STR(e, "echo test 1, sender equiv cmd msend -b1 -m20 -n600 -p1000 -q "
                 "-s2000 -S65536 239.1.1.1 12000");
    e = msend_echo("-3 -b 7 -q 239.1.1.1 12000", -1);
    CHECK_STR(e, "echo test 3, sender equiv cmd msend -b7 -m8192 -n50 -p100 -qq "
                 "-s2000 -S65536 239.1.1.1 12000");
    e = msend_echo("-5 239.1.1.1 12000", 212992);
    CHECK_STR(e, "echo test 5, sender equiv cmd msend -b50000 -m800 -n1 -p1000 "
                 "-q -s2000 -S212992 239.1.1.1 12000");
    e = msend_echo("-2 -4 239.1.1.1 12000 5", -1);
    CHECK_STR(e, "echo test 4, sender equiv cmd msend -b5000 -m20 -n1 -p1000 -q "
                 "-s2000 -S65536 239.1.1.1 12000 5");
}

static void test_msend_truncation(void)
{
    /* Like snprintf: the full length is returned, the text is cut and
     * terminated at cap. */
    char small[16];
    memset(small, 'X', sizeof small);
    CHECK_STR(msend_eq("-t 172.31.0.1 12000"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -t 172.31.0.1 12000");
    size_t n = msend_equiv(&mo, mo.sndbuf_bytes, small, 10);
    CHECK(n == strlen("msend -b1 -m0 -n0 -p1000 -s0 -S65536 -t 172.31.0.1 12000"));
    CHECK_STR(small, "msend -b1");
    CHECK(small[10] == 'X');
    /* Cut inside the positionals. */
    char mid[48];
    memset(mid, 'X', sizeof mid);
    n = msend_equiv(&mo, mo.sndbuf_bytes, mid, 45);
    CHECK(n == 56);
    CHECK_STR(mid, "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -t 172.");
    CHECK(mid[45] == 'X');
    memset(small, 'X', sizeof small);
    n = sender_echo_text(mo.preset, "msend -b1", small, 12);
    CHECK(n == strlen("echo sender equiv cmd: msend -b1"));
    CHECK_STR(small, "echo sender");
}

/* The largest payload UDP carries, and one byte more. */
static void test_msend_payload_limit(void)
{
    size_t digits = 2 * (MSEND_MAX_MSG_LEN + 1);
    char *hex = malloc(digits + 1);
    if (!hex)
        abort();
    memset(hex, 'a', digits);
    hex[digits] = '\0';
    char *argv[] = {"msend", "-P", hex, "239.1.1.1", "12000", NULL};
    cli_error err;
    CHECK(msend_parse(5, argv, &mo, &err) == OPTS_BAD);
    CHECK_STR(err.text, "-P (payload): payload of 65508 bytes is too long, at "
                        "most 65507");
    hex[digits - 2] = '\0';
    CHECK(msend_parse(5, argv, &mo, &err) == OPTS_RUN);
    CHECK(mo.payload_len == 65507 && mo.msg_len == 65507 &&
          mo.payload[0] == 0xaa && mo.payload[65506] == 0xaa);
    free(hex);
}

static void test_msend_help_version(void)
{
    CHECK_STR(msend_eq("-h"), "HELP");
    CHECK_STR(msend_eq("--help"), "HELP");
    CHECK_STR(msend_eq("--version"), "VERSION");
    CHECK_STR(msend_eq("-q -h 239.1.1.1"), "HELP");
}

static mdump_opts dopts;

static const char *mdump_eq(const char *line)
{
    static args a; /* dopts keeps pointers into it */
    cli_error err;
    split(&a, "mdump", line);
    const char *other = not_run(mdump_parse(a.argc, a.argv, &dopts, &err), &err);
    if (other)
        return other;
    size_t n = mdump_equiv(&dopts, result, sizeof result);
    CHECK(n == strlen(result));
    return result;
}

static void test_mdump(void)
{
    CHECK_STR(mdump_eq("0.0.0.0 12000"), "mdump -p0 -Q0 -r4194304 0.0.0.0 12000");
    CHECK(dopts.out_file == NULL && dopts.compact_bytes == 0 &&
          dopts.pause_ms == 0 && dopts.pause_count == 0 &&
          dopts.quiet_level == 0 && dopts.rcvbuf_bytes == 4194304 &&
          !dopts.exit_on_stat && !dopts.tcp && !dopts.verify_seq &&
          sock_addr_is_unspecified(&dopts.pos.group) && dopts.pos.port == 12000 &&
          !dopts.pos.has_interface && dopts.pos.count == 2);
    /* The transcript's. */
    CHECK_STR(mdump_eq("-t 0.0.0.0 12000 172.31.0.1"),
              "mdump -p0 -Q0 -r4194304 -t 0.0.0.0 12000 172.31.0.1");
    CHECK(dopts.tcp && dopts.pos.has_interface);
    CHECK_STR(addr_text(&dopts.pos.interface_addr), "172.31.0.1:0");
    CHECK_STR(mdump_eq("0.0.0.0 12000 172.31.8.31"),
              "mdump -p0 -Q0 -r4194304 0.0.0.0 12000 172.31.8.31");
    CHECK_STR(mdump_eq("239.101.3.10 12000 172.31.0.1"),
              "mdump -p0 -Q0 -r4194304 239.101.3.10 12000 172.31.0.1");
    CHECK_STR(addr_text(&dopts.pos.group), "239.101.3.10:12000");

    CHECK_STR(mdump_eq("-o out.txt 0.0.0.0 12000"),
              "mdump -o out.txt -p0 -Q0 -r4194304 0.0.0.0 12000");
    CHECK_STR(dopts.out_file, "out.txt");
    CHECK_STR(mdump_eq("-oout.txt 0.0.0.0 12000"),
              "mdump -o out.txt -p0 -Q0 -r4194304 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-p 5 0.0.0.0 12000"),
              "mdump -p5 -Q0 -r4194304 0.0.0.0 12000");
    CHECK(dopts.pause_ms == 5 && dopts.pause_count == 0);
    CHECK_STR(mdump_eq("-p 5/3 0.0.0.0 12000"),
              "mdump -p5/3 -Q0 -r4194304 0.0.0.0 12000");
    CHECK(dopts.pause_ms == 5 && dopts.pause_count == 3);
    /* /0 means every message, the same as no count. */
    CHECK_STR(mdump_eq("-p 5/0 0.0.0.0 12000"),
              "mdump -p5 -Q0 -r4194304 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-Q1 0.0.0.0 12000"),
              "mdump -p0 -Q1 -r4194304 0.0.0.0 12000");
    CHECK(dopts.quiet_level == 1);
    CHECK_STR(mdump_eq("-Q 2 0.0.0.0 12000"),
              "mdump -p0 -Q2 -r4194304 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-q 0.0.0.0 12000"),
              "mdump -p0 -Q2 -r4194304 0.0.0.0 12000");
    CHECK(dopts.quiet_level == 2);
    /* Left to right. */
    CHECK_STR(mdump_eq("-q -Q1 0.0.0.0 12000"),
              "mdump -p0 -Q1 -r4194304 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-Q1 -q 0.0.0.0 12000"),
              "mdump -p0 -Q2 -r4194304 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-r 65536 0.0.0.0 12000"),
              "mdump -p0 -Q0 -r65536 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-r 0 0.0.0.0 12000"), "mdump -p0 -Q0 -r0 0.0.0.0 12000");
    CHECK(dopts.rcvbuf_bytes == 0);
    CHECK_STR(mdump_eq("-s 0.0.0.0 12000"),
              "mdump -p0 -Q0 -r4194304 -s 0.0.0.0 12000");
    CHECK(dopts.exit_on_stat);
    CHECK_STR(mdump_eq("-t 0.0.0.0 12000"),
              "mdump -p0 -Q0 -r4194304 -t 0.0.0.0 12000");
    CHECK_STR(mdump_eq("-v 0.0.0.0 12000"),
              "mdump -p0 -Q0 -r4194304 -v 0.0.0.0 12000");
    CHECK(dopts.verify_seq);
    /* -c is not shown. */
    CHECK_STR(mdump_eq("-c 16 0.0.0.0 12000"),
              "mdump -p0 -Q0 -r4194304 0.0.0.0 12000");
    CHECK(dopts.compact_bytes == 16);
    /* All together, in whatever order, shown in the Equiv order. */
    CHECK_STR(mdump_eq("-v -c 8 -t -s -r 100 -Q1 -p 5/3 -o f.log 0.0.0.0 12000 "
                       "172.31.0.1"),
              "mdump -o f.log -p5/3 -Q1 -r100 -s -t -v 0.0.0.0 12000 172.31.0.1");
    CHECK_STR(mdump_eq("-stv 0.0.0.0 12000"),
              "mdump -p0 -Q0 -r4194304 -s -t -v 0.0.0.0 12000");
    /* Positionals as typed; options after them. */
    CHECK_STR(mdump_eq("0.0.0.0 012000 -v"),
              "mdump -p0 -Q0 -r4194304 -v 0.0.0.0 012000");
    CHECK(dopts.pos.port == 12000);
    CHECK_STR(mdump_eq("-h"), "HELP");
    CHECK_STR(mdump_eq("--help"), "HELP");
    CHECK_STR(mdump_eq("--version"), "VERSION");

    /* Cut like snprintf. */
    char small[16];
    memset(small, 'X', sizeof small);
    CHECK_STR(mdump_eq("0.0.0.0 12000"), "mdump -p0 -Q0 -r4194304 0.0.0.0 12000");
    size_t n = mdump_equiv(&dopts, small, 8);
    CHECK(n == strlen("mdump -p0 -Q0 -r4194304 0.0.0.0 12000"));
    CHECK_STR(small, "mdump -");
    CHECK(small[8] == 'X');
}

/* The host these parses see, whatever this one has: interfaces lo (1) and
 * v0 (5), 1 to 9 exist; every address is one of its own but 10.99.0.99
 * and fd00::99; ::1 is on lo, fe80::5 on v0. */
static unsigned fake_interface(const char *name)
{
    return strcmp(name, "lo") == 0 ? 1 : strcmp(name, "v0") == 0 ? 5 : 0;
}

static bool fake_exists(unsigned ifindex)
{
    return ifindex >= 1 && ifindex <= 9;
}

static bool fake_local(const sock_addr *a, unsigned *ifindex)
{
    char text[SOCK_ADDR_TEXT];
    sock_addr_format(a, SOCK_ADDR_HOST, text);
    *ifindex = strcmp(text, "::1") == 0 ? 1 : strncmp(text, "fe80::5", 7) == 0 ? 5 : 0;
    if (sock_addr_zone(a) != 0 && *ifindex != sock_addr_zone(a))
        return false;
    return strcmp(text, "10.99.0.99") != 0 && strcmp(text, "fd00::99") != 0;
}

/* This fake host's one subnet broadcast address: 10.99.0.255. */
static bool fake_broadcast(const sock_addr *a)
{
    char text[SOCK_ADDR_TEXT];
    sock_addr_format(a, SOCK_ADDR_HOST, text);
    return strcmp(text, "10.99.0.255") == 0;
}

/* Interfaces and zones as the three programs check them. */
static void test_interfaces(void)
{
    /* A zone and an interface that differ; a list's zones that differ. */
    CHECK_STR(msend_eq("ff02::1%lo 12000 1 v0"),
              "BAD: group 'ff02::1%lo': its zone and the interface 'v0' differ; give the "
              "interface once, after the port or as the zone");
    CHECK_STR(mdump_eq("-Q1 ff02::1%lo 12000 v0"),
              "BAD: group 'ff02::1%lo': its zone and the interface 'v0' differ; give the "
              "interface once, after the port or as the zone");
    CHECK_STR(mdump_eq("ff02::1%lo 12000 5"),
              "BAD: group 'ff02::1%lo': its zone and the interface '5' differ; give the "
              "interface once, after the port or as the zone");
    CHECK_STR(mdump_eq("ff02::1%lo 12000 fe80::5%v0"),
              "BAD: group 'ff02::1%lo': its zone and the interface 'fe80::5%v0' differ; give "
              "the interface once, after the port or as the zone");
    CHECK_STR(mdump_eq("ff02::1%lo,ff02::2%v0 12000"),
              "BAD: group 'ff02::1%lo,ff02::2%v0': the groups' zones differ; a list shares "
              "one interface: give it once, after the port or as the zones");
    /* The same interface twice is no contradiction. */
    CHECK_STR(mdump_eq("ff02::1%lo 12000 lo"), "mdump -p0 -Q0 -r4194304 ff02::1%lo 12000 lo");
    CHECK_STR(mdump_eq("ff02::1%lo 12000 ::1"), "mdump -p0 -Q0 -r4194304 ff02::1%lo 12000 ::1");
    CHECK_STR(msend_eq("ff02::1%v0 12000 1 5"),
              "msend -b1 -m0 -n0 -p1000 -s0 -S65536 ff02::1%v0 12000 1 5");
    /* A list's zone is the whole list's interface. */
    CHECK_STR(mdump_eq("ff15::1,ff02::1%v0 12000"),
              "mdump -p0 -Q0 -r4194304 ff15::1,ff02::1%v0 12000");
    CHECK(dopts.pos.has_interface && dopts.pos.interface_addr.ifindex == 5);
    /* An index this host does not have; an address not its own. */
    CHECK_STR(msend_eq("239.1.1.1 12000 1 99"),
              "BAD: interface '99': no interface of that index on this host (an interface "
              "is one of its addresses, names or indexes)");
    CHECK_STR(mdump_eq("ff15::1 12000 99"),
              "BAD: interface '99': no interface of that index on this host (an interface "
              "is one of its addresses, names or indexes)");
    CHECK_STR(mdump_eq("ff02::1%99 12000"),
              "BAD: group 'ff02::1%99': no interface '99' on this host for the zone");
    CHECK_STR(msend_eq("239.1.1.1 12000 1 10.99.0.99"),
              "BAD: interface '10.99.0.99': not an address of this host (an interface is "
              "one of its addresses, names or indexes)");
    CHECK_STR(msend_eq("-u 10.1.1.2 12000 2 10.99.0.99"),
              "BAD: interface '10.99.0.99': not an address of this host (with -u or -t it "
              "is the local address to send from)");
    CHECK_STR(mdump_eq("239.1.1.1 12000 10.99.0.99"),
              "BAD: interface '10.99.0.99': not an address of this host (an interface is "
              "one of its addresses, names or indexes)");
    CHECK_STR(mdump_eq("0.0.0.0 12000 10.99.0.99"),
              "BAD: interface '10.99.0.99': not an address of this host (with group 0.0.0.0 "
              "it is the local address to receive on)");
    CHECK_STR(mdump_eq("ff15::1 12000 fd00::99"),
              "BAD: interface 'fd00::99': not an address of this host (an interface is "
              "one of its addresses, names or indexes)");
    /* A broadcast address, a subnet's or 255.255.255.255, is no source:
     * neither a sender's (--source) nor the address to send, receive or
     * join on. */
    CHECK_STR(mdump_eq("--source 10.99.0.255 232.1.1.1 12000"),
              "BAD: --source '10.99.0.255': a source is the unicast address of a sender, not "
              "the broadcast address of one of this host's subnets");
    CHECK_STR(mdump_eq("--exclude-source 10.99.0.255 239.1.1.1 12000"),
              "BAD: --exclude-source '10.99.0.255': a source is the unicast address of a "
              "sender, not the broadcast address of one of this host's subnets");
    CHECK_STR(msend_eq("-u 10.1.1.2 12000 2 10.99.0.255"),
              "BAD: interface '10.99.0.255': the broadcast address of one of this host's "
              "subnets, not a unicast address of this host (with -u or -t it is the local "
              "address to send from)");
    CHECK_STR(msend_eq("-t 10.1.1.2 12000 2 255.255.255.255"),
              "BAD: interface '255.255.255.255': the broadcast address, not a unicast address "
              "of this host (with -u or -t it is the local address to send from)");
    CHECK_STR(msend_eq("239.1.1.1 12000 2 10.99.0.255"),
              "BAD: interface '10.99.0.255': the broadcast address of one of this host's "
              "subnets, not a unicast address of this host (an interface is one of its "
              "addresses, names or indexes)");
    CHECK_STR(mdump_eq("0.0.0.0 12000 10.99.0.255"),
              "BAD: interface '10.99.0.255': the broadcast address of one of this host's "
              "subnets, not a unicast address of this host (with group 0.0.0.0 it is the "
              "local address to receive on)");
    /* Its neighbours are unicast addresses. */
    CHECK_STR(mdump_eq("--source 10.99.0.254 232.1.1.1 12000"),
              "mdump -p0 -Q0 -r4194304 --source 10.99.0.254 232.1.1.1 12000");
    /* A link-local address names its interface by its zone, as msend's
     * -u destination does. */
    CHECK_STR(mdump_eq(":: 12000 fe80::1"),
              "BAD: interface 'fe80::1': a link-local address (fe80::/10) needs its "
              "interface as a zone (fe80::1%eth0)");
    CHECK_STR(msend_eq("-u fe80::2%v0 12000 2 fe80::5"),
              "BAD: interface 'fe80::5': a link-local address (fe80::/10) needs its "
              "interface as a zone (fe80::1%eth0)");
}

int main(void)
{
    cli_lookups.interface_index = fake_interface;
    cli_lookups.interface_exists = fake_exists;
    cli_lookups.address_is_local = fake_local;
    cli_lookups.subnet_broadcast = fake_broadcast;
    test_msend_options();
    test_msend_positionals();
    test_interfaces();
    test_msend_presets();
    test_msend_echo();
    test_msend_truncation();
    test_msend_payload_limit();
    test_msend_help_version();
    test_mdump();
    return check_report("test_equiv");
}
