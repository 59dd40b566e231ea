/* test_flow.c - the counts per stream (measure/flow.h): streams found by
 * sender and group, their messages, loss, duplicates and reordering,
 * send times, the change over intervals, and every line of text and JSON
 * exactly. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lib/cli.h"
#include "measure/flow.h"

static char line[FLOW_LINE_MAX];
static char json[4096];

static sock_addr addr(const char *text, uint16_t port)
{
    sock_addr a;
    cli_error err;
    memset(&a, 0, sizeof a);
    CHECK(cli_addr("test", text, &a, &err));
    sock_addr_set_port(&a, port);
    return a;
}

static const char *interval_json(const flow *f, const char *group, double a, double b)
{
    jsonw w;
    jsonw_init(&w, json, sizeof json);
    flow_interval_json(&w, f, group, a, b);
    CHECK(jsonw_ok(&w));
    return json;
}

static const char *total_json(const flow *f, const char *group)
{
    jsonw w;
    jsonw_init(&w, json, sizeof json);
    flow_total_json(&w, f, group);
    CHECK(jsonw_ok(&w));
    return json;
}

static void numbered(flow *f, uint64_t seq, size_t bytes, int64_t at_us)
{
    flow_message(f, bytes, &seq, NULL, at_us, at_us);
}

static void test_table(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 2));
    sock_addr a = addr("192.0.2.1", 40000), b = addr("192.0.2.2", 40000);
    sock_addr g1 = addr("239.1.1.1", 0), g2 = addr("239.1.1.2", 0);
    flow *f = flow_find(&t, &a, &g1, 0, false);
    CHECK(f && flow_count(&t) == 1 && f->group == 0 && sock_addr_port(&f->source) == 40000);
    CHECK(flow_find(&t, &a, &g1, 0, false) == f);
    /* Another port of the same host, or the same sender to another group:
     * another stream. */
    sock_addr a2 = addr("192.0.2.1", 40001);
    flow *f2 = flow_find(&t, &a2, &g1, 0, false);
    CHECK(f2 && f2 != f && flow_count(&t) == 2);
    /* Full: not tracked, counted. */
    CHECK(flow_find(&t, &b, &g2, 1, false) == NULL);
    CHECK(flow_find(&t, &a, &g2, 1, false) == NULL);
    CHECK(flow_untracked(&t) == 2 && flow_count(&t) == 2);
    CHECK(flow_at(&t, 0) == f && flow_at(&t, 1) == f2);
    flow_table_free(&t);
    CHECK(!flow_table_init(&t, 0));
}

static void test_counts_and_lines(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 8));
    sock_addr src = addr("192.0.2.1", 40000), grp = addr("239.1.1.1", 0);
    flow *f = flow_find(&t, &src, &grp, 0, false);
    /* 0..9 with 3 lost, 5 twice, 7 after 8: 10-byte messages, one per
     * 100 ms from 1 s on. */
    const uint64_t order[] = {0, 1, 2, 4, 5, 5, 6, 8, 7, 9};
    for (int i = 0; i < 10; i++)
        numbered(f, order[i], 10, 1000000 + i * 100000);
    CHECK(f->messages == 10 && f->bytes == 100 && flow_lost(f) == 1);
    CHECK(f->seq->duplicates == 1 && f->seq->reordered == 1 && f->seq->highest == 9);
    CHECK(flow_numbered(f));
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 0.0, 1.0);
    CHECK_STR(line, "interval 0.000-1.000 s 239.1.1.1 from 192.0.2.1.40000: 10 msgs, "
                    "10 msgs/s, 0.001 Mbit/s, lost 1, dup 1, reordered 1");
    CHECK_STR(interval_json(f, "239.1.1.1", 0.0, 1.0),
              "{\"event\": \"interval\", \"start_s\": 0.000000, \"end_s\": 1.000000, "
              "\"group\": \"239.1.1.1\", \"source\": \"192.0.2.1\", \"source_port\": 40000, "
              "\"messages\": 10, \"bytes\": 100, \"msgs_per_s\": 10.000, \"bits_per_s\": "
              "800.000, \"lost\": 1, \"lost_total\": 1, \"duplicates\": 1, \"reordered\": 1, "
              "\"jitter_us\": null, \"delay_min_us\": null, \"delay_avg_us\": null, "
              "\"delay_max_us\": null, \"clocks_disagree\": null}\n");
    flow_interval_done(f);
    /* The next interval: 3 arrives late (lost falls by one: -1), 10 and
     * 11 on time, 13 after a gap. */
    numbered(f, 3, 10, 2000000);
    numbered(f, 10, 10, 2100000);
    numbered(f, 11, 10, 2200000);
    numbered(f, 13, 10, 2300000);
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 1.0, 1.5);
    CHECK_STR(line, "interval 1.000-1.500 s 239.1.1.1 from 192.0.2.1.40000: 4 msgs, "
                    "8 msgs/s, 0.001 Mbit/s, lost 0, dup 0, reordered 1");
    flow_interval_done(f);
    /* Nothing: the stream still has its line. */
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 1.5, 2.5);
    CHECK_STR(line, "interval 1.500-2.500 s 239.1.1.1 from 192.0.2.1.40000: 0 msgs, "
                    "0 msgs/s, 0.000 Mbit/s, lost 0, dup 0, reordered 0");
    /* The late 12 fills the last gap: this interval's loss is -1. */
    numbered(f, 12, 10, 2400000);
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 1.5, 2.5);
    CHECK_STR(line, "interval 1.500-2.500 s 239.1.1.1 from 192.0.2.1.40000: 1 msgs, "
                    "1 msgs/s, 0.000 Mbit/s, lost -1, dup 0, reordered 1");
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 15 msgs in 1.400 s, 10 msgs/s, "
                    "0.001 Mbit/s, lost 0, dup 1, reordered 3, highest d");
    CHECK_STR(total_json(f, "239.1.1.1"),
              "{\"event\": \"stream\", \"group\": \"239.1.1.1\", \"source\": \"192.0.2.1\", "
              "\"source_port\": 40000, \"messages\": 15, \"bytes\": 150, \"seconds\": "
              "1.400000, \"msgs_per_s\": 10.000, \"bits_per_s\": 800.000, \"lost\": 0, "
              "\"duplicates\": 1, \"reordered\": 3, \"stray\": 0, \"restarts\": 0, "
              "\"highest\": 13, \"unnumbered\": 0, \"jitter_us\": null, \"delay_min_us\": "
              "null, \"delay_avg_us\": null, \"delay_max_us\": null, \"clocks_disagree\": "
              "null}\n");
    /* A new test (its echo, with -d): numbers from 0 again, in decimal. */
    flow_echo(f, true);
    numbered(f, 0, 10, 3000000);
    numbered(f, 2, 10, 3100000);
    numbered(f, 20, 10, 3200000);
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 18 msgs in 2.200 s, 8 msgs/s, "
                    "0.001 Mbit/s, lost 18, dup 1, reordered 3, highest 20");
    /* Its stat ends it; the next test's highest is its own, below the
     * highest seen before (README: the current sequence's). */
    flow_stat(f);
    numbered(f, 0, 10, 3300000);
    numbered(f, 1, 10, 3400000);
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 20 msgs in 2.400 s, 8 msgs/s, "
                    "0.001 Mbit/s, lost 18, dup 1, reordered 3, highest 1");
    flow_table_free(&t);
}

static void test_send_times(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 8));
    sock_addr src = addr("192.0.2.1", 40000), grp = addr("239.1.1.1", 0);
    flow *f = flow_find(&t, &src, &grp, 0, false);
    /* Transits 100, 300, 200 us: |D| 200 then 100; J = 12.5, then
     * 12.5 + (100 - 12.5) / 16 = 17.96875. */
    const int64_t transit[] = {100, 300, 200};
    for (int i = 0; i < 3; i++) {
        int64_t sent = 1700000000000000 + i * 1000;
        uint64_t seq = (uint64_t)i;
        flow_message(f, 40, &seq, &sent, sent + transit[i], 5000000 + i * 1000);
    }
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 0.0, 1.0);
    CHECK_STR(line, "interval 0.000-1.000 s 239.1.1.1 from 192.0.2.1.40000: 3 msgs, "
                    "3 msgs/s, 0.001 Mbit/s, lost 0, dup 0, reordered 0, jitter 17.969 us, "
                    "one-way delay min 100 avg 200.000 max 300 us");
    flow_interval_done(f);
    /* The next interval's delays alone; the jitter goes on. A negative
     * one says the clocks disagree. */
    int64_t sent = 1700000000010000;
    uint64_t seq = 3;
    flow_message(f, 40, &seq, &sent, sent - 50, 5010000);
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 1.0, 2.0);
    CHECK_STR(line, "interval 1.000-2.000 s 239.1.1.1 from 192.0.2.1.40000: 1 msgs, "
                    "1 msgs/s, 0.000 Mbit/s, lost 0, dup 0, reordered 0, jitter 32.471 us, "
                    "one-way delay min -50 avg -50.000 max -50 us (negative: the clocks "
                    "disagree)");
    CHECK(strstr(interval_json(f, "239.1.1.1", 1.0, 2.0),
                 "\"jitter_us\": 32.471, \"delay_min_us\": -50, \"delay_avg_us\": -50.000, "
                 "\"delay_max_us\": -50, \"clocks_disagree\": true}") != NULL);
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 4 msgs in 0.010 s, 300 msgs/s, "
                    "0.096 Mbit/s, lost 0, dup 0, reordered 0, highest 3, jitter 32.471 us, "
                    "one-way delay min -50 avg 137.500 max 300 us (negative: the clocks "
                    "disagree)");
    flow_table_free(&t);
}

static void test_unnumbered_and_tcp(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 8));
    sock_addr src = addr("192.0.2.1", 40000), grp = addr("239.1.1.1", 0);
    flow *f = flow_find(&t, &src, &grp, 0, false);
    flow_message(f, 3, NULL, NULL, 0, 1000000);
    flow_message(f, 3, NULL, NULL, 0, 1500000);
    CHECK(f->unnumbered == 2 && !flow_numbered(f));
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 2 msgs in 0.500 s, 2 msgs/s, "
                    "0.000 Mbit/s, no sequence numbers");
    CHECK(strstr(total_json(f, "239.1.1.1"),
                 "\"lost\": null, \"duplicates\": null, \"reordered\": null, \"stray\": "
                 "null, \"restarts\": null, \"highest\": null, \"unnumbered\": 2,") != NULL);

    /* A TCP stream: counts only, its bytes by the read. */
    sock_addr any = addr("0.0.0.0", 0);
    flow *tcp = flow_find(&t, &src, &any, 0, true);
    CHECK(tcp && tcp != f);
    flow_add_bytes(tcp, 1000);
    for (int i = 0; i < 100; i++)
        flow_message(tcp, 0, NULL, NULL, 0, 1000000 + i * 10000);
    flow_interval_text(line, sizeof line, tcp, "0.0.0.0", 0.0, 1.0);
    CHECK_STR(line, "interval 0.000-1.000 s 0.0.0.0 from 192.0.2.1.40000: 100 msgs, "
                    "100 msgs/s, 0.008 Mbit/s");
    CHECK(strstr(interval_json(tcp, "0.0.0.0", 0.0, 1.0),
                 "\"lost\": null, \"lost_total\": null, \"duplicates\": null, "
                 "\"reordered\": null, \"jitter_us\": null,") != NULL);
    flow_total_text(line, sizeof line, tcp, "0.0.0.0");
    CHECK_STR(line, "0.0.0.0 from 192.0.2.1.40000: 100 msgs in 0.990 s, 100 msgs/s, "
                    "0.008 Mbit/s");
    CHECK(flow_lost(tcp) == 0);
    flow_table_free(&t);
}

/* A sender from which only the echo came (stopped before its first
 * message): nothing says its messages carry no numbers, so its line has
 * the counts of a numbered stream with nothing yet (no highest: none
 * seen). */
static void test_no_messages(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 2));
    sock_addr src = addr("192.0.2.1", 40000), grp = addr("239.1.1.1", 0);
    flow *f = flow_find(&t, &src, &grp, 0, false);
    flow_echo(f, false);
    CHECK(f->messages == 0 && !flow_numbered(f));
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 0 msgs in 0.000 s, 0 msgs/s, "
                    "0.000 Mbit/s, lost 0, dup 0, reordered 0");
    CHECK(strstr(total_json(f, "239.1.1.1"),
                 "\"lost\": 0, \"duplicates\": 0, \"reordered\": 0, \"stray\": 0, "
                 "\"restarts\": 0, \"highest\": null, \"unnumbered\": 0,") != NULL);
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 0.0, 1.0);
    CHECK_STR(line, "interval 0.000-1.000 s 239.1.1.1 from 192.0.2.1.40000: 0 msgs, "
                    "0 msgs/s, 0.000 Mbit/s, lost 0, dup 0, reordered 0");
    flow_table_free(&t);
}

/* Numbers garbled into a confirmed jump near 2^64: the interval's change
 * of the loss stays positive (held at INT64_MAX, not wrapped to -18), and
 * the sums over streams stay at UINT64_MAX. */
static void test_huge_loss(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 8));
    sock_addr grp = addr("239.1.1.1", 0);
    for (uint16_t port = 40000; port < 40002; port++) {
        sock_addr src = addr("192.0.2.1", port);
        flow *f = flow_find(&t, &src, &grp, 0, false);
        numbered(f, 0, 10, 1000000);
        flow_interval_done(f);
        numbered(f, UINT64_MAX - 16, 10, 1100000); /* a stray */
        numbered(f, UINT64_MAX - 15, 10, 1200000); /* confirms it */
        CHECK(flow_lost(f) == UINT64_MAX - 17);
        flow_interval_text(line, sizeof line, f, "239.1.1.1", 1.0, 2.0);
        CHECK_STR(line, port == 40000
                            ? "interval 1.000-2.000 s 239.1.1.1 from 192.0.2.1.40000: 2 msgs, "
                              "2 msgs/s, 0.000 Mbit/s, lost 9223372036854775807, dup 0, "
                              "reordered 0"
                            : "interval 1.000-2.000 s 239.1.1.1 from 192.0.2.1.40001: 2 msgs, "
                              "2 msgs/s, 0.000 Mbit/s, lost 9223372036854775807, dup 0, "
                              "reordered 0");
        CHECK(strstr(interval_json(f, "239.1.1.1", 1.0, 2.0),
                     "\"lost\": 9223372036854775807, \"lost_total\": 18446744073709551598,") !=
              NULL);
    }
    flow_sums sum = flow_table_sums(&t, 0);
    CHECK(sum.streams == 2 && sum.messages == 6 && sum.lost == UINT64_MAX);
    CHECK(flow_table_sums(&t, FLOW_ALL_GROUPS).lost == UINT64_MAX);
    CHECK(flow_table_sums(&t, 1).streams == 0 && flow_table_sums(&t, 1).lost == 0);
    flow_table_free(&t);
}

/* Two late copies of old numbers read as a restart until the next number
 * goes on from the old highest and undoes it (seqtrack.h): counts taken
 * in between are taken back, so an interval's change of the duplicates
 * (or reordered) is then negative, not a wrap to 2^64 - 1. */
static void test_restart_undone(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 8));
    sock_addr src = addr("192.0.2.1", 40000), grp = addr("239.1.1.1", 0);
    flow *f = flow_find(&t, &src, &grp, 0, false);
    for (uint64_t n = 0; n < 10000; n++)
        numbered(f, n, 10, 1000000);
    flow_interval_done(f);
    numbered(f, 10, 10, 2000000);
    numbered(f, 11, 10, 2000001); /* a restart, for now */
    numbered(f, 11, 10, 2000002); /* its duplicate */
    numbered(f, 13, 10, 2000003);
    numbered(f, 12, 10, 2000004); /* and a late one */
    CHECK(f->seq->restarts == 1);
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 1.0, 2.0);
    CHECK_STR(line, "interval 1.000-2.000 s 239.1.1.1 from 192.0.2.1.40000: 5 msgs, "
                    "5 msgs/s, 0.000 Mbit/s, lost 0, dup 1, reordered 1");
    flow_interval_done(f);
    numbered(f, 10000, 10, 3000000); /* the old sequence goes on */
    CHECK(f->seq->restarts == 0 && f->seq->stray == 5);
    flow_interval_text(line, sizeof line, f, "239.1.1.1", 2.0, 3.0);
    CHECK_STR(line, "interval 2.000-3.000 s 239.1.1.1 from 192.0.2.1.40000: 1 msgs, "
                    "1 msgs/s, 0.000 Mbit/s, lost 0, dup -1, reordered -1");
    CHECK(strstr(interval_json(f, "239.1.1.1", 2.0, 3.0),
                 "\"lost\": 0, \"lost_total\": 0, \"duplicates\": -1, \"reordered\": -1,") !=
          NULL);
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 10006 msgs in 2.000 s, 5002 msgs/s, "
                    "0.400 Mbit/s, lost 0, dup 0, reordered 0, highest 2710, stray 5");
    flow_table_free(&t);
}

/* The rate over a run: n messages 1/r s apart span (n - 1) / r s, and
 * their rate is r, not r * n / (n - 1). */
static void test_span_rate(void)
{
    flow_table t;
    CHECK(flow_table_init(&t, 8));
    sock_addr src = addr("192.0.2.1", 40000), grp = addr("239.1.1.1", 0);
    flow *f = flow_find(&t, &src, &grp, 0, false);
    /* 4000 messages of 64 bytes, 500 us apart: 2000 a second, 1.024 Mbit/s. */
    for (uint64_t i = 0; i < 4000; i++)
        numbered(f, i, 64, 1000000 + (int64_t)i * 500);
    flow_total_text(line, sizeof line, f, "239.1.1.1");
    CHECK_STR(line, "239.1.1.1 from 192.0.2.1.40000: 4000 msgs in 2.000 s, 2000 msgs/s, "
                    "1.024 Mbit/s, lost 0, dup 0, reordered 0, highest f9f");
    CHECK(fabs(flow_span_rate(4000, 4000, 1.9995) - 2000.0) < 1e-9);
    CHECK(fabs(flow_span_rate(256000, 4000, 1.9995) - 128000.0) < 1e-6);
    /* One message, or no span: no rate. */
    CHECK(flow_span_rate(1, 1, 1.0) == 0.0 && flow_span_rate(5, 5, 0.0) == 0.0);
    CHECK(flow_span_rate(5, 5, -1.0) == 0.0 && flow_span_rate(0, 0, 1.0) == 0.0);
    /* Three spans (msend -l 3) of 5 messages 10 ms apart: 40 ms each, 12
     * gaps in 120 ms, 100 a second; 100-byte messages, 80 kbit/s. */
    CHECK(fabs(flow_spans_rate(15, 15, 3, 0.120) - 100.0) < 1e-9);
    CHECK(fabs(flow_spans_rate(1500, 15, 3, 0.120) * 8 - 80000.0) < 1e-6);
    CHECK(flow_spans_rate(3, 3, 3, 1.0) == 0.0 && flow_spans_rate(2, 2, 3, 1.0) == 0.0);
    flow_table_free(&t);
}

int main(void)
{
    test_table();
    test_counts_and_lines();
    test_span_rate();
    test_send_times();
    test_unnumbered_and_tcp();
    test_no_messages();
    test_huge_loss();
    test_restart_undone();
    return check_report("test_flow");
}
