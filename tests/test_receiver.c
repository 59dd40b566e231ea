/* test_receiver.c - receiver.h driven with datagrams and TCP reads, its
 * output written to a temporary file and compared whole. Time stamps and
 * peers are strings we pass, so every output is exact. Each datagram is
 * copied into a buffer of exactly its size that ends at an inaccessible
 * page (on Linux; elsewhere a plain malloc), so a read past its end
 * crashes the test, and shows under valgrind or a sanitizer too. */
#ifdef __linux__
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "mdump/mdump_opts.h"
#include "lib/out.h"
#include "engine/receiver.h"
#include "lib/cli.h"
#include "measure/flow.h"

#define HMS "12:00:00.000001"
#define PEER "10.0.0.1.5000"
#define HDR(n) HMS " " PEER " " #n " bytes:\n"
#define SUM(n) HMS " " PEER " " #n " bytes\n"
#define SP3 "   "
#define SP16 "                "
#define SP48 SP16 SP16 SP16
#define EMPTY_LINE SP48 "\t" SP16 "\n"
#define DUMP_MSG0                                                            \
    "4d 65 73 73 61 67 65 20 30 " SP3 SP3 SP3 SP3 SP3 SP3 SP3                 \
    "\tMessage 0       \n"
#define STAT_LINES(sent, received, loss)                                     \
    #sent " msgs sent, " #received " received (not including 'stat')\n"      \
    loss "% loss\n"

/* The transcript's TCP echo, 79 characters and the NUL. */
static const char ECHO80[] = "echo sender equiv cmd: msend -b1 -m0 -n0 -p1000 "
                             "-s0 -S65536 -t 172.31.0.1 12000";
#define ECHO80_LINE                                                          \
    "echo sender equiv cmd: msend -b1 -m0 -n0 -p1000 -s0 -S65536 -t "         \
    "172.31.0.1 12000\n"
#define ECHO80_DUMP                                                          \
    "65 63 68 6f 20 73 65 6e 64 65 72 20 65 71 75 69 \techo sender equi\n"    \
    "76 20 63 6d 64 3a 20 6d 73 65 6e 64 20 2d 62 31 \tv cmd: msend -b1\n"    \
    "20 2d 6d 30 20 2d 6e 30 20 2d 70 31 30 30 30 20 \t -m0 -n0 -p1000 \n"    \
    "2d 73 30 20 2d 53 36 35 35 33 36 20 2d 74 20 31 \t-s0 -S65536 -t 1\n"    \
    "37 32 2e 33 31 2e 30 2e 31 20 31 32 30 30 30 00 \t72.31.0.1 12000.\n"    \
    EMPTY_LINE

typedef struct rig {
    out o;
    receiver r;
    mdump_opts opts;
    long read_pos;
    char *text; /* the last output taken */
} rig;

/* A receiver configured by mdump's own options ("-v -Q2"). */
static void rig_open(rig *g, const char *flags)
{
    char line[128];
    char *argv[16];
    int argc = 0;
    cli_error err;
    memset(g, 0, sizeof *g);
    snprintf(line, sizeof line, "%s%s0.0.0.0 12000", flags, *flags ? " " : "");
    argv[argc++] = "mdump";
    for (char *p = strtok(line, " "); p && argc < 15; p = strtok(NULL, " "))
        argv[argc++] = p;
    argv[argc] = NULL;
    if (mdump_parse(argc, argv, &g->opts, &err) != OPTS_RUN) {
        fprintf(stderr, "rig_open(\"%s\"): %s\n", flags, err.text);
        abort();
    }
    /* mdump_parse keeps pointers into argv: only the flags matter here. */
    g->opts.out_file = NULL;
    if (out_open(&g->o, NULL) != 0)
        abort();
    g->o.file = tmpfile();
    g->o.file_name = "t";
    g->o.to_stdout = false;
    if (!g->o.file)
        abort();
    receiver_config config;
    mdump_receiver_config(&g->opts, &config);
    receiver_init(&g->r, &config, &g->o);
}

/* Everything written since the last take. */
static const char *take(rig *g)
{
    CHECK(out_flush(&g->o) == 0);
    fflush(g->o.file);
    long end = ftell(g->o.file);
    size_t n = (size_t)(end - g->read_pos);
    free(g->text);
    g->text = malloc(n + 1);
    if (!g->text)
        abort();
    fseek(g->o.file, g->read_pos, SEEK_SET);
    CHECK(fread(g->text, 1, n, g->o.file) == n);
    g->text[n] = '\0';
    CHECK(strlen(g->text) == n); /* no NUL in the output */
    fseek(g->o.file, end, SEEK_SET);
    g->read_pos = end;
    return g->text;
}

static void rig_close(rig *g)
{
    out_close(&g->o); /* closes the tmpfile */
    free(g->text);
}

static bool dgram(rig *g, const void *data, size_t len)
{
    exact e = exact_copy(data, len);
    bool r = receiver_datagram(&g->r, e.data, len, HMS, PEER);
    exact_free(&e);
    return r;
}

static bool stream(rig *g, const void *data, size_t len)
{
    exact e = exact_copy(data, len);
    bool r = receiver_stream(&g->r, e.data, len, HMS, PEER);
    exact_free(&e);
    return r;
}

/* For literals: the bytes written, without the literal's own NUL. */
#define DG(g, lit) dgram((g), (lit), sizeof(lit) - 1)
#define ST(g, lit) stream((g), (lit), sizeof(lit) - 1)

static void test_udp_echo(void)
{
    rig g;
    rig_open(&g, "");
    CHECK(!DG(&g, "Message 0"));
    CHECK(g.r.received == 1);
    CHECK(!dgram(&g, ECHO80, sizeof ECHO80));
    CHECK_STR(take(&g), HDR(9) DUMP_MSG0 HDR(80) ECHO80_DUMP ECHO80_LINE);
    CHECK(g.r.received == 0 && g.r.expected_seq == 0);
    rig_close(&g);

    /* The echo resets the counts: only what follows it is reported. */
    rig_open(&g, "-Q2");
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    dgram(&g, ECHO80, sizeof ECHO80);
    DG(&g, "Message 0");
    DG(&g, "stat 1");
    CHECK_STR(take(&g), ECHO80_LINE STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);

    /* Its text up to the NUL, a trailing newline dropped, control bytes
     * made safe; without a NUL, all of it. */
    rig_open(&g, "-Q2");
    DG(&g, "echo hello");
    CHECK_STR(take(&g), "echo hello\n");
    DG(&g, "echo hi\n\0");
    CHECK_STR(take(&g), "echo hi\n");
    DG(&g, "echo a\x01" "b\0junk after the NUL");
    CHECK_STR(take(&g), "echo a.b\n");
    DG(&g, "echo \0");
    CHECK_STR(take(&g), "echo \n");
    /* "echo " alone is no echo: an ordinary datagram, counted. */
    DG(&g, "echo ");
    CHECK_STR(take(&g), "");
    CHECK(g.r.received == 1);
    DG(&g, "stat 1");
    CHECK_STR(take(&g), STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);

    rig_open(&g, "");
    DG(&g, "echo ");
    CHECK_STR(take(&g), HDR(5) "65 63 68 6f 20 " SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3
                                   SP3 SP3 SP3 "\techo            \n");
    CHECK(g.r.received == 1);
    rig_close(&g);
}

static void test_udp_stat(void)
{
    rig g;
    rig_open(&g, "-Q2");
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    DG(&g, "Message 2");
    CHECK(!DG(&g, "stat 3"));
    CHECK_STR(take(&g), "3 msgs sent, 3 received (not including 'stat')\n"
                        "0.000000% loss\n");
    /* Counted again from zero. */
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    DG(&g, "Message 2");
    DG(&g, "stat 4");
    CHECK_STR(take(&g), "4 msgs sent, 3 received (not including 'stat')\n"
                        "25.000000% loss\n");
    CHECK(g.r.received == 0);
    /* Nothing sent: no division by zero. */
    DG(&g, "stat 0");
    CHECK_STR(take(&g), STAT_LINES(0, 0, "0.000000"));
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    DG(&g, "stat 0");
    CHECK_STR(take(&g), STAT_LINES(0, 2, "0.000000"));
    /* More received than sent: (sent - received) * 100 / sent. */
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    DG(&g, "Message 2");
    DG(&g, "stat 2");
    CHECK_STR(take(&g), STAT_LINES(2, 3, "-50.000000"));
    DG(&g, "Message 0");
    DG(&g, "stat 3");
    CHECK_STR(take(&g), STAT_LINES(3, 1, "66.666667"));
    DG(&g, "stat 1000000");
    CHECK_STR(take(&g), STAT_LINES(1000000, 0, "100.000000"));
    /* The largest count we take: 19 digits. */
    DG(&g, "stat 9999999999999999999");
    CHECK_STR(take(&g), STAT_LINES(9999999999999999999, 0, "100.000000"));
    /* What a hand-typed stat carries after the number is tolerated. */
    DG(&g, "stat 2\n");
    CHECK_STR(take(&g), STAT_LINES(2, 0, "100.000000"));
    DG(&g, "stat 2\r\n");
    CHECK_STR(take(&g), STAT_LINES(2, 0, "100.000000"));
    DG(&g, "stat 2\0");
    CHECK_STR(take(&g), STAT_LINES(2, 0, "100.000000"));
    rig_close(&g);

    /* Not a count: a warning, and neither counted nor reset. */
    rig_open(&g, "-Q2");
    DG(&g, "Message 0");
    CHECK(!DG(&g, "stat abc"));
    CHECK(!DG(&g, "stat -1"));
    CHECK(!DG(&g, "stat 99999999999999999999"));
    CHECK(!DG(&g, "stat 3x"));
    CHECK(!DG(&g, "stat 3 4"));
    CHECK(!DG(&g, "stat \x01\xff"));
    CHECK(!DG(&g, "stat  3"));
    CHECK_STR(take(&g),
              "WARNING: ignoring 'stat' without a valid count: 'stat abc'\n"
              "WARNING: ignoring 'stat' without a valid count: 'stat -1'\n"
              "WARNING: ignoring 'stat' without a valid count: "
              "'stat 99999999999999999999'\n"
              "WARNING: ignoring 'stat' without a valid count: 'stat 3x'\n"
              "WARNING: ignoring 'stat' without a valid count: 'stat 3 4'\n"
              "WARNING: ignoring 'stat' without a valid count: 'stat ..'\n"
              "WARNING: ignoring 'stat' without a valid count: 'stat  3'\n");
    CHECK(g.r.received == 1);
    DG(&g, "stat 1");
    CHECK_STR(take(&g), STAT_LINES(1, 1, "0.000000"));
    /* A long one is quoted in its first 64 bytes. */
    char longstat[5 + 100];
    memcpy(longstat, "stat ", 5);
    memset(longstat + 5, 'x', 100);
    dgram(&g, longstat, sizeof longstat);
    CHECK_STR(take(&g), "WARNING: ignoring 'stat' without a valid count: 'stat "
                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxx...'\n");
    rig_close(&g);

    /* In the full dump the lines follow the datagram's dump. */
    rig_open(&g, "");
    DG(&g, "stat abc");
    CHECK_STR(take(&g), HDR(8) "73 74 61 74 20 61 62 63 " SP3 SP3 SP3 SP3 SP3 SP3
                                   SP3 SP3 "\tstat abc        \n"
                               "WARNING: ignoring 'stat' without a valid count: "
                               "'stat abc'\n");
    DG(&g, "stat 0");
    CHECK_STR(take(&g), HDR(6) "73 74 61 74 20 30 " SP3 SP3 SP3 SP3 SP3 SP3 SP3
                                   SP3 SP3 SP3 "\tstat 0          \n"
                               STAT_LINES(0, 0, "0.000000"));
    /* "stat " alone is an ordinary datagram, counted. */
    DG(&g, "stat ");
    CHECK_STR(take(&g), HDR(5) "73 74 61 74 20 " SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3
                                   SP3 SP3 SP3 "\tstat            \n");
    CHECK(g.r.received == 1);
    DG(&g, "stat 1");
    take(&g);
    rig_close(&g);
}

static void test_udp_exit_on_stat(void)
{
    rig g;
    rig_open(&g, "-s -Q2");
    CHECK(!DG(&g, "Message 0"));
    CHECK(!DG(&g, "echo x\0"));
    CHECK(!DG(&g, "stat abc"));
    CHECK(!DG(&g, "stat "));
    CHECK(DG(&g, "stat 2"));
    CHECK_STR(take(&g), "echo x\n"
                        "WARNING: ignoring 'stat' without a valid count: "
                        "'stat abc'\n" STAT_LINES(2, 1, "50.000000"));
    CHECK(DG(&g, "stat 0"));
    take(&g);
    rig_close(&g);

    rig_open(&g, "-Q2");
    CHECK(!DG(&g, "stat 2"));
    take(&g);
    rig_close(&g);
}

static void test_udp_verify(void)
{
    rig g;
    /* In order, hex numbers, with and without -m's NUL padding: silent. */
    rig_open(&g, "-v -Q2");
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    DG(&g, "Message 2\0\0\0\0\0\0\0\0\0\0\0");
    DG(&g, "Message 3");
    DG(&g, "Message 4");
    DG(&g, "Message 5");
    DG(&g, "Message 6");
    DG(&g, "Message 7");
    DG(&g, "Message 8");
    DG(&g, "Message 9");
    DG(&g, "Message a");
    DG(&g, "Message b\0\0\0");
    DG(&g, "Message c");
    DG(&g, "Message d");
    DG(&g, "Message e");
    DG(&g, "Message f");
    DG(&g, "Message 10");
    CHECK_STR(take(&g), "");
    CHECK(g.r.expected_seq == 17 && g.r.received == 17);
    DG(&g, "stat 17");
    CHECK_STR(take(&g), STAT_LINES(17, 17, "0.000000"));
    rig_close(&g);

    /* A gap, and one going back: the expected number continues from the
     * one received. */
    rig_open(&g, "-v -Q2");
    DG(&g, "Message 0");
    DG(&g, "Message 1");
    DG(&g, "Message 5");
    DG(&g, "Message 6");
    DG(&g, "Message 3");
    DG(&g, "Message 4");
    CHECK_STR(take(&g), "Expected seq 2 (hex), got 5\n"
                        "Expected seq 7 (hex), got 3\n");
    CHECK(g.r.expected_seq == 5);
    DG(&g, "Message 1a\0\0\0");
    CHECK_STR(take(&g), "Expected seq 5 (hex), got 1a\n");
    DG(&g, "Message 1c");
    CHECK_STR(take(&g), "Expected seq 1b (hex), got 1c\n");
    /* No number: the line shows what is there and the slot is skipped. */
    DG(&g, "Message zz");
    CHECK_STR(take(&g), "Expected seq 1d (hex), got zz\n");
    DG(&g, "Message 1e");
    CHECK_STR(take(&g), "");
    /* An echo starts the numbering again. */
    DG(&g, "echo x\0");
    DG(&g, "Message 0");
    DG(&g, "Message 2");
    CHECK_STR(take(&g), "echo x\nExpected seq 1 (hex), got 2\n");
    /* So does a stat. */
    DG(&g, "stat 3");
    DG(&g, "Message 0");
    CHECK_STR(take(&g), STAT_LINES(3, 2, "33.333333"));
    rig_close(&g);

    /* In the full dump the line follows the dump. */
    rig_open(&g, "-v");
    DG(&g, "Message 0");
    take(&g);
    DG(&g, "Message 0");
    CHECK_STR(take(&g), HDR(9) DUMP_MSG0 "Expected seq 1 (hex), got 0\n");
    rig_close(&g);
}

static void test_udp_verify_short(void)
{
    /* Shorter than "Message " and one digit: nothing read past the end
     * (each is in an exactly-sized buffer), no number, a line each. */
    rig g;
    rig_open(&g, "-v -Q2");
    for (size_t len = 0; len <= 8; len++)
        CHECK(!dgram(&g, "Message ", len));
    CHECK_STR(take(&g), "Expected seq 0 (hex), got \n"
                        "Expected seq 1 (hex), got \n"
                        "Expected seq 2 (hex), got \n"
                        "Expected seq 3 (hex), got \n"
                        "Expected seq 4 (hex), got \n"
                        "Expected seq 5 (hex), got \n"
                        "Expected seq 6 (hex), got \n"
                        "Expected seq 7 (hex), got \n"
                        "Expected seq 8 (hex), got \n");
    CHECK(g.r.received == 9);
    DG(&g, "Message 9");
    CHECK_STR(take(&g), "");
    rig_close(&g);

    /* The same through the compact and the full dump. */
    rig_open(&g, "-v -c 16");
    for (size_t len = 0; len <= 3; len++)
        dgram(&g, "Message ", len);
    CHECK_STR(take(&g), HMS " " PEER " 0 bytes: :\n"
                        "Expected seq 0 (hex), got \n"
                        HMS " " PEER " 1 bytes: 4d :M\n"
                        "Expected seq 1 (hex), got \n"
                        HMS " " PEER " 2 bytes: 4d 65 :Me\n"
                        "Expected seq 2 (hex), got \n"
                        HMS " " PEER " 3 bytes: 4d 65 73 :Mes\n"
                        "Expected seq 3 (hex), got \n");
    rig_close(&g);

    rig_open(&g, "-v");
    dgram(&g, "Message ", 8);
    dgram(&g, "", 0);
    CHECK_STR(take(&g), HDR(8) "4d 65 73 73 61 67 65 20 " SP3 SP3 SP3 SP3 SP3 SP3
                                   SP3 SP3 "\tMessage         \n"
                        "Expected seq 0 (hex), got \n"
                        HDR(0) EMPTY_LINE "Expected seq 1 (hex), got \n");
    rig_close(&g);
}

static void test_udp_quiet_and_compact(void)
{
    rig g;
    rig_open(&g, "-Q1");
    DG(&g, "Message 0");
    dgram(&g, ECHO80, sizeof ECHO80);
    DG(&g, "Message 0");
    DG(&g, "stat 1");
    CHECK_STR(take(&g), SUM(9) SUM(80) ECHO80_LINE SUM(9) SUM(6)
                            STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);

    /* -Q2: nothing but the echo and stat lines. */
    rig_open(&g, "-q");
    DG(&g, "Message 0");
    dgram(&g, ECHO80, sizeof ECHO80);
    DG(&g, "Message 0");
    DG(&g, "\x01\x02\x03");
    DG(&g, "stat 3");
    CHECK_STR(take(&g), ECHO80_LINE STAT_LINES(3, 2, "33.333333"));
    rig_close(&g);

    rig_open(&g, "-c 4");
    DG(&g, "Message 0");
    dgram(&g, ECHO80, sizeof ECHO80);
    DG(&g, "M\x01");
    DG(&g, "stat 1");
    CHECK_STR(take(&g), HMS " " PEER " 9 bytes: 4d 65 73 73 :Mess\n"
                        HMS " " PEER " 80 bytes: 65 63 68 6f :echo\n" ECHO80_LINE
                        HMS " " PEER " 2 bytes: 4d 01 :M.\n"
                        HMS " " PEER " 6 bytes: 73 74 61 74 :stat\n"
                        STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);

    rig_open(&g, "-c 100");
    DG(&g, "Message 0");
    CHECK_STR(take(&g), HMS " " PEER " 9 bytes: 4d 65 73 73 61 67 65 20 30 "
                        ":Message 0\n");
    rig_close(&g);

    /* -c 0 is the full dump; -Q1 wins over -c. */
    rig_open(&g, "-c 0");
    DG(&g, "Message 0");
    CHECK_STR(take(&g), HDR(9) DUMP_MSG0);
    rig_close(&g);
    rig_open(&g, "-c 4 -Q1");
    DG(&g, "Message 0");
    CHECK_STR(take(&g), SUM(9));
    rig_close(&g);

    /* The largest datagram, fully dumped. */
    rig_open(&g, "");
    uint8_t *big = calloc(1, 65507);
    if (!big)
        abort();
    dgram(&g, big, 65507);
    free(big);
    const char *t = take(&g);
    const char *hdr = HDR(65507);
    CHECK(strncmp(t, hdr, strlen(hdr)) == 0);
    CHECK(strlen(t) == strlen(hdr) + 4095 * 66);
    CHECK(strcmp(t + strlen(t) - 66,
                 "00 00 00 " SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3
                 "\t...             \n") == 0);
    rig_close(&g);
}

static void test_stream_stat(void)
{
    rig g;
    /* Split across reads: "st" | "at 3", the count finished by the end. */
    rig_open(&g, "-Q2");
    CHECK(!ST(&g, "Message 0Message 1Message 2"));
    CHECK(!ST(&g, "st"));
    CHECK(!ST(&g, "at 3"));
    CHECK_STR(take(&g), "");
    CHECK(!receiver_stream_end(&g.r));
    CHECK_STR(take(&g), STAT_LINES(3, 3, "0.000000"));
    /* Nothing pending: the end does nothing. */
    CHECK(!receiver_stream_end(&g.r));
    CHECK_STR(take(&g), "");
    rig_close(&g);

    /* Split elsewhere, and finished by what follows in a later read. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0Mess");
    ST(&g, "age 1sta");
    ST(&g, "t 2");
    CHECK_STR(take(&g), "");
    ST(&g, "Message 0");
    CHECK_STR(take(&g), STAT_LINES(2, 2, "0.000000"));
    CHECK(g.r.received == 1);
    rig_close(&g);

    /* Coalesced with data in one read. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0Message 1");
    ST(&g, "Message 2stat 3");
    CHECK_STR(take(&g), "");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), STAT_LINES(3, 3, "0.000000"));
    rig_close(&g);

    /* With -s: the stat ends the run, in the read or at the end. */
    rig_open(&g, "-s -Q2");
    CHECK(!ST(&g, "Message 0Message 1stat 3"));
    CHECK(receiver_stream_end(&g.r));
    CHECK_STR(take(&g), STAT_LINES(3, 2, "33.333333"));
    rig_close(&g);
    rig_open(&g, "-s -Q2");
    CHECK(ST(&g, "Message 0stat 1Message 0stat 9"));
    CHECK_STR(take(&g), STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);

    /* Without -s, the scan goes on past it. */
    rig_open(&g, "-Q2");
    CHECK(!ST(&g, "Message 0stat 1Message 0stat 9"));
    CHECK_STR(take(&g), STAT_LINES(1, 1, "0.000000"));
    CHECK(!receiver_stream_end(&g.r));
    CHECK_STR(take(&g), STAT_LINES(9, 1, "88.888889"));
    rig_close(&g);

    /* No digits after "stat ": a warning. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0stat Message 1");
    CHECK_STR(take(&g), "WARNING: ignoring 'stat' without a valid count: 'stat '\n");
    ST(&g, "stat 2");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), STAT_LINES(2, 2, "0.000000"));
    rig_close(&g);

    /* Read as a datagram's count is: "stat 12x" refused (not taken as
     * "stat 12"), a newline or NULs after the count taken, a digit after
     * them refused; the next text or the close ends the count. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0stat 12xMessage 1");
    CHECK_STR(take(&g), "WARNING: ignoring 'stat' without a valid count: 'stat 12x'\n");
    ST(&g, "stat 3 4");
    CHECK_STR(take(&g), "WARNING: ignoring 'stat' without a valid count: 'stat 3 '\n");
    ST(&g, "stat 2\r\n");
    ST(&g, "Message 2");
    CHECK_STR(take(&g), STAT_LINES(2, 2, "0.000000"));
    ST(&g, "stat 1\0\0Message 3");
    CHECK_STR(take(&g), STAT_LINES(1, 1, "0.000000"));
    ST(&g, "stat 2\n3Message 3");
    CHECK_STR(take(&g), "WARNING: ignoring 'stat' without a valid count: 'stat 2.3'\n");
    ST(&g, "stat 7\n");
    CHECK(!receiver_stream_end(&g.r));
    CHECK_STR(take(&g), STAT_LINES(7, 2, "71.428571"));
    rig_close(&g);
    rig_open(&g, "-s -Q2");
    CHECK(!ST(&g, "Message 0stat 1xstat 1"));
    CHECK(receiver_stream_end(&g.r));
    CHECK_STR(take(&g), "WARNING: ignoring 'stat' without a valid count: 'stat 1x'\n"
                        STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);
}

static void test_stream_echo_and_count(void)
{
    rig g;
    /* An echo split across reads; the counts restart after it. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0Message 1echo sender eq");
    CHECK_STR(take(&g), "");
    ST(&g, "uiv cmd: msend -b1\0Message 0");
    CHECK_STR(take(&g), "echo sender equiv cmd: msend -b1\n");
    ST(&g, "stat 1");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);

    /* An echo without its NUL is finished by the end of the stream. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0echo partial");
    CHECK_STR(take(&g), "");
    CHECK(!receiver_stream_end(&g.r));
    CHECK_STR(take(&g), "echo partial\n");
    CHECK(g.r.received == 0);
    rig_close(&g);

    /* Split inside the word "echo". */
    rig_open(&g, "-Q2");
    ST(&g, "ec");
    ST(&g, "ho hi\0");
    CHECK_STR(take(&g), "echo hi\n");
    rig_close(&g);

    /* The whole transcript echo arriving in one read with messages. */
    rig_open(&g, "-Q2");
    char buf[200];
    memcpy(buf, ECHO80, sizeof ECHO80);
    memcpy(buf + sizeof ECHO80, "Message 0Message 1", 18);
    stream(&g, buf, sizeof ECHO80 + 18);
    CHECK_STR(take(&g), ECHO80_LINE);
    CHECK(g.r.received == 2);
    rig_close(&g);

    /* Several "Message " texts in one read count one each. */
    rig_open(&g, "-Q2");
    ST(&g, "Message 0Message 1Message 2Message 3");
    CHECK(g.r.received == 4);
    ST(&g, "Mess");
    ST(&g, "age 4\0\0\0Message 5\0\0\0");
    CHECK(g.r.received == 6);
    ST(&g, "stat 6");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), STAT_LINES(6, 6, "0.000000"));
    rig_close(&g);

    /* An echo longer than we keep is cut; what follows is data. */
    rig_open(&g, "-Q2");
    size_t n = 5 + 5000 + 1 + 9 + 6;
    char *longecho = malloc(n);
    if (!longecho)
        abort();
    memcpy(longecho, "echo ", 5);
    memset(longecho + 5, 'x', 5000);
    memcpy(longecho + 5005, "\0Message 0stat 1", 16);
    stream(&g, longecho, n);
    free(longecho);
    receiver_stream_end(&g.r);
    const char *t = take(&g);
    char *want = malloc(RECEIVER_ECHO_MAX + 200);
    if (!want)
        abort();
    memcpy(want, "echo ", 5);
    memset(want + 5, 'x', RECEIVER_ECHO_MAX - 5);
    snprintf(want + RECEIVER_ECHO_MAX, 200, "%s",
             "\n" STAT_LINES(1, 1, "0.000000"));
    CHECK_STR(t, want);
    free(want);
    rig_close(&g);
}

static void test_stream_verify(void)
{
    rig g;
    /* "Message 5" then "echo": the sequence number is 5, not 0x5ec. */
    rig_open(&g, "-v -Q2");
    ST(&g, "Message 0Message 1Message 2Message 3Message 4Message 5echo x\0");
    CHECK_STR(take(&g), "echo x\n");
    ST(&g, "Message 5echo y\0");
    CHECK_STR(take(&g), "Expected seq 0 (hex), got 5\necho y\n");
    rig_close(&g);

    /* The same split across reads at every point of "echo". */
    static const char *const firsts[] = {"Message 5", "Message 5e", "Message 5ec"};
    static const char *const seconds[] = {"echo z\0", "cho z\0", "ho z\0"};
    for (int i = 0; i < 3; i++) {
        rig_open(&g, "-v -Q2");
        ST(&g, "Message 0Message 1Message 2Message 3Message 4");
        stream(&g, firsts[i], strlen(firsts[i]));
        stream(&g, seconds[i], strlen(seconds[i]) + 1);
        CHECK_STR(take(&g), "echo z\n");
        rig_close(&g);
    }

    /* A number ending in e, then the echo. */
    rig_open(&g, "-v -Q2");
    ST(&g, "Message 0Message 1Message 2Message 3Message 4Message 5Message 6"
           "Message 7Message 8Message 9Message aMessage bMessage cMessage d"
           "Message eecho q\0");
    CHECK_STR(take(&g), "echo q\n");
    rig_close(&g);

    /* A gap in the stream; padded messages; the number at the very end. */
    rig_open(&g, "-v -Q2");
    ST(&g, "Message 0\0\0\0Message 1\0\0\0Message 3\0\0\0Message 4");
    CHECK_STR(take(&g), "Expected seq 2 (hex), got 3\n");
    ST(&g, "Message 6");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), "Expected seq 5 (hex), got 6\n");
    rig_close(&g);

    /* A number split across reads is one number. */
    rig_open(&g, "-v -Q2");
    ST(&g, "Message 0Message 1Message 2Message 3Message 4Message 5Message 6"
           "Message 7Message 8Message 9Message aMessage bMessage cMessage d"
           "Message eMessage fMessage 1");
    ST(&g, "0Message 11stat 12");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), STAT_LINES(12, 18, "-50.000000"));
    rig_close(&g);
}

static void test_stream_dump(void)
{
    rig g;
    rig_open(&g, "");
    ST(&g, "Message 0");
    CHECK_STR(take(&g), HDR(9) DUMP_MSG0);
    ST(&g, "Message 0Message 1");
    CHECK_STR(take(&g), HDR(18)
              "4d 65 73 73 61 67 65 20 30 4d 65 73 73 61 67 65 \tMessage 0Message\n"
              "20 31 " SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3 SP3
              "\t 1              \n");
    rig_close(&g);

    rig_open(&g, "-Q1");
    ST(&g, "Message 0st");
    ST(&g, "at 1");
    receiver_stream_end(&g.r);
    CHECK_STR(take(&g), SUM(11) SUM(4) STAT_LINES(1, 1, "0.000000"));
    rig_close(&g);
}

/* ---- counts per stream (receiver_track) */

static bool dgram_from(rig *g, const void *data, size_t len, const sock_addr *from,
                       int64_t at_us)
{
    exact e = exact_copy(data, len);
    receiver_arrival a = {from, 1700000000000000 + at_us, at_us};
    bool r = receiver_datagram_from(&g->r, e.data, len, HMS, PEER, &a);
    exact_free(&e);
    return r;
}

static sock_addr an_addr(const char *text, uint16_t port)
{
    sock_addr a;
    cli_error err;
    memset(&a, 0, sizeof a);
    CHECK(cli_addr("test", text, &a, &err));
    sock_addr_set_port(&a, port);
    return a;
}

static void test_read_message(void)
{
    uint64_t seq = 99;
    int64_t sent = 0;
    bool has_sent = true;
#define READ(lit, decimal) \
    receiver_read_message((const uint8_t *)(lit), sizeof(lit) - 1, decimal, &seq, &has_sent, &sent)
    CHECK(READ("Message 1f", false) && seq == 0x1f && !has_sent);
    CHECK(READ("Message 1F", false) && seq == 0x1f);
    CHECK(READ("Message 19", true) && seq == 19);
    CHECK(!READ("Message 1f", true)); /* not decimal */
    CHECK(READ("Message 0\0\0\0", false) && seq == 0 && !has_sent);
    CHECK(READ("Message ffffffffffffffff", false) && seq == UINT64_MAX);
    CHECK(!READ("Message 10000000000000000", false)); /* beyond 64 bits */
    CHECK(READ("Message 18446744073709551615", true) && seq == UINT64_MAX);
    CHECK(!READ("Message 18446744073709551616", true));
    CHECK(!READ("Message ", false));
    CHECK(!READ("Message x", false));
    CHECK(!READ("Message 12 ", false)); /* ended by neither NUL nor the end */
    CHECK(!READ("message 12", false));
    CHECK(!READ("stat 12", false));
    /* The send time after the NUL: to the end, or to a NUL. */
    CHECK(READ("Message a\0ts 1700000000123456", false) && seq == 10 && has_sent &&
          sent == 1700000000123456);
    CHECK(READ("Message a\0ts 1700000000123456\0\0\0", false) && has_sent &&
          sent == 1700000000123456);
    CHECK(READ("Message a\0ts 9223372036854775807", false) && has_sent &&
          sent == INT64_MAX);
    CHECK(READ("Message a\0ts 9223372036854775808", false) && !has_sent);
    CHECK(READ("Message a\0ts 17x", false) && !has_sent);
    CHECK(READ("Message a\0ts ", false) && !has_sent);
    CHECK(READ("Message a\0ts", false) && !has_sent);
    CHECK(READ("Message a\0\0ts 1", false) && !has_sent);
#undef READ
}

static void test_tracking(void)
{
    rig g;
    flow_table t;
    rig_open(&g, "-q");
    CHECK(flow_table_init(&t, 16));
    sock_addr group = an_addr("239.1.1.1", 0), a = an_addr("192.0.2.1", 40000),
              b = an_addr("192.0.2.2", 40000);
    receiver_track(&g.r, &t, &group, 3, "239.1.1.1");
    /* a: -d in its echo, so "10" is ten; b: hex, and one message lost. */
    static const char echo_d[] = "echo sender equiv cmd: msend -b1 -d -m0 -n12 "
                                 "239.1.1.1 12000";
    dgram_from(&g, echo_d, sizeof echo_d, &a, 0);
    for (int i = 0; i <= 10; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "Message %d", i);
        dgram_from(&g, m, (size_t)n, &a, 1000 + i);
    }
    static const char echo_x[] = "echo sender equiv cmd: msend -b1 -m0 -n12 "
                                 "239.1.1.1 12000";
    dgram_from(&g, echo_x, sizeof echo_x, &b, 0);
    dgram_from(&g, "Message 9", 9, &b, 2000);
    dgram_from(&g, "Message b", 9, &b, 2001);
    dgram_from(&g, "Message a", 9, &b, 2002);
    dgram_from(&g, "Message d", 9, &b, 2003);
    dgram_from(&g, "no number", 9, &b, 2004);
    CHECK_STR(take(&g), "echo sender equiv cmd: msend -b1 -d -m0 -n12 239.1.1.1 12000\n"
                        "echo sender equiv cmd: msend -b1 -m0 -n12 239.1.1.1 12000\n");
    CHECK(flow_count(&t) == 2);
    flow *fa = flow_at(&t, 0), *fb = flow_at(&t, 1);
    CHECK(fa->decimal && fa->group == 3 && fa->messages == 11 && flow_lost(fa) == 0 &&
          fa->seq->highest == 10);
    CHECK(!fb->decimal && fb->messages == 5 && fb->unnumbered == 1 && flow_lost(fb) == 1 &&
          fb->seq->reordered == 1 && fb->seq->highest == 13);
    /* The old counts go on as they were: every message since the echo. */
    CHECK(g.r.received == 5 && g.r.messages_total == 16);
    /* Their bytes, the echoes' not among them (mdump's --summary rate). */
    CHECK(g.r.message_bytes_total == 11 * 9 + 1 + 5 * 9);
    /* A stat: its lines as ever, the stream's counts untouched. */
    DG(&g, "stat 5");
    CHECK_STR(take(&g), STAT_LINES(5, 5, "0.000000"));
    /* Without an arrival nothing is counted per stream. */
    DG(&g, "Message e");
    CHECK(fb->messages == 5 && flow_count(&t) == 2);
    CHECK(g.r.message_bytes_total == 11 * 9 + 1 + 5 * 9 + 9);
    rig_close(&g);
    flow_table_free(&t);

    /* TCP: counts only, whatever the numbers, and the bytes of each read. */
    rig_open(&g, "-q -t");
    CHECK(flow_table_init(&t, 16));
    sock_addr any = an_addr("0.0.0.0", 0);
    receiver_track(&g.r, &t, &any, 0, "0.0.0.0");
    receiver_arrival arr = {&a, 1700000000000000, 5};
    static const char bytes[] = "Message 0Message 5Message 2stat 3";
    CHECK(receiver_stream_from(&g.r, (const uint8_t *)bytes, sizeof bytes - 1, HMS, PEER,
                               &arr) == false);
    CHECK(receiver_stream_end(&g.r) == false);
    CHECK(flow_count(&t) == 1 && flow_at(&t, 0)->messages == 3 &&
          flow_at(&t, 0)->bytes == sizeof bytes - 1 && flow_at(&t, 0)->counts_only &&
          flow_lost(flow_at(&t, 0)) == 0);
    CHECK_STR(take(&g), STAT_LINES(3, 3, "0.000000"));
    rig_close(&g);
    flow_table_free(&t);
}

/* A stat ends its sender's test: the next test's numbers start again from
 * 0 after it, so when that test's echo is lost its messages are still a
 * test of their own, for the stat's verdict and for the sequence counts. */
static void test_stat_ends_test(void)
{
    rig g;
    flow_table t;
    rig_open(&g, "-q");
    CHECK(flow_table_init(&t, 16));
    sock_addr group = an_addr("239.1.1.1", 0), a = an_addr("192.0.2.1", 40000);
    receiver_track(&g.r, &t, &group, 0, "239.1.1.1");
    static const char echo[] = "echo sender equiv cmd: msend -b1 -m0 -n4 -s100 "
                               "239.1.1.1 12000";
    dgram_from(&g, echo, sizeof echo, &a, 0);
    for (int i = 0; i < 4; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "Message %d", i);
        dgram_from(&g, m, (size_t)n, &a, 1000 + i);
    }
    dgram_from(&g, "stat 4", 6, &a, 2000);
    CHECK(!g.r.loss_seen);
    flow *f = flow_at(&t, 0);
    CHECK(flow_lost(f) == 0 && flow_test_messages(f) == 0);
    /* The second test (msend -l): its echo lost, its Message 1 lost. */
    dgram_from(&g, "Message 0", 9, &a, 3000);
    dgram_from(&g, "Message 2", 9, &a, 3001);
    dgram_from(&g, "Message 3", 9, &a, 3002);
    dgram_from(&g, "stat 4", 6, &a, 4000);
    CHECK_STR(take(&g), "echo sender equiv cmd: msend -b1 -m0 -n4 -s100 239.1.1.1 12000\n"
                        STAT_LINES(4, 4, "0.000000") STAT_LINES(4, 3, "25.000000"));
    CHECK(g.r.loss_seen);
    CHECK(f->messages == 7 && flow_lost(f) == 1 && f->seq->duplicates == 0);
    rig_close(&g);
    flow_table_free(&t);
}

static void test_json_events(void)
{
    rig g;
    flow_table t;
    rig_open(&g, "--json");
    CHECK(g.opts.quiet_level == 2);
    CHECK(flow_table_init(&t, 16));
    sock_addr group = an_addr("239.1.1.1", 0), a = an_addr("192.0.2.1", 40000);
    receiver_track(&g.r, &t, &group, 0, "239.1.1.1");
    static const char echo[] = "echo sender equiv cmd: msend \"x\"\n";
    dgram_from(&g, echo, sizeof echo, &a, 0);
    dgram_from(&g, "Message 0", 9, &a, 1);
    dgram_from(&g, "Message 2", 9, &a, 2);
    dgram_from(&g, "stat 3", 6, &a, 3);
    CHECK_STR(take(&g),
              "{\"event\": \"echo\", \"group\": \"239.1.1.1\", \"source\": \"192.0.2.1\", "
              "\"source_port\": 40000, \"text\": \"echo sender equiv cmd: msend \\\"x\\\"\"}\n"
              "{\"event\": \"stat\", \"group\": \"239.1.1.1\", \"source\": \"192.0.2.1\", "
              "\"source_port\": 40000, \"sent\": 3, \"received\": 2, \"loss_pct\": "
              "33.333333}\n");
    CHECK(g.r.loss_seen);
    /* A bad stat: a warning on stderr, nothing on stdout. */
    dgram_from(&g, "stat x", 6, &a, 4);
    CHECK_STR(take(&g), "");

    /* An echo as long as a datagram goes (65507 bytes over IPv4), each
     * byte after "echo " one that is escaped to six characters: its text
     * whole, as the text output has it (it was cut at 4096 bytes). */
    enum { LONG_ECHO = 65507 };
    char *long_echo = malloc(LONG_ECHO);
    char *want = malloc(LONG_ECHO * 6 + 256);
    if (!long_echo || !want)
        abort();
    memcpy(long_echo, "echo ", 5);
    memset(long_echo + 5, 0x01, LONG_ECHO - 5);
    dgram_from(&g, long_echo, LONG_ECHO, &a, 5);
    size_t n = (size_t)snprintf(want, 256,
                                "{\"event\": \"echo\", \"group\": \"239.1.1.1\", "
                                "\"source\": \"192.0.2.1\", \"source_port\": 40000, "
                                "\"text\": \"echo ");
    for (size_t i = 5; i < LONG_ECHO; i++, n += 6)
        memcpy(want + n, "\\u0001", 6);
    memcpy(want + n, "\"}\n", 4); /* with the NUL */
    CHECK_STR(take(&g), want);
    free(long_echo);
    free(want);
    rig_close(&g);
    flow_table_free(&t);
}

int main(void)
{
    test_read_message();
    test_tracking();
    test_stat_ends_test();
    test_json_events();
    test_udp_echo();
    test_udp_stat();
    test_udp_exit_on_stat();
    test_udp_verify();
    test_udp_verify_short();
    test_udp_quiet_and_compact();
    test_stream_stat();
    test_stream_echo_and_count();
    test_stream_verify();
    test_stream_dump();
    return check_report("test_receiver");
}
