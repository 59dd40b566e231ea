/* flow.h - what a receiver counts per stream of test messages: one
 * sender's datagrams to one group (or to the receiver's own address), or
 * one TCP connection. For each: the messages and bytes, their sequence
 * accounting (seqtrack.h: lost, duplicates, reordered, the highest
 * number), the send times they carry (jitter.h: RFC 3550 interarrival
 * jitter and one-way delay), and the change since the last interval; and
 * the text and JSON (jsonw.h) of those counts. A table holds the streams,
 * found by sender and group.
 *
 * No socket, no clock: times come in as microseconds, a monotonic one
 * for rates and the wall clock for delays (a message's send time is the
 * sender's wall clock).
 *
 * The lines (README, "Rates, intervals and JSON"), with <source> as mdump
 * prints senders (192.0.2.1.40000):
 *   interval <a>-<b> s <group> from <source>: <n> msgs, <r> msgs/s,
 *     <m> Mbit/s[, lost <l>, dup <d>, reordered <o>][, <jitter>]
 *   <group> from <source>: <n> msgs in <t> s, <r> msgs/s, <m> Mbit/s
 *     [, lost <l>, dup <d>, reordered <o>, highest <h>[, stray <s>]
 *     [, restarts <k>] | , no sequence numbers][, <jitter>]
 * (highest only once a number was taken; no sequence numbers only when
 * messages came and none had one: flow_unnumbered)
 * one line each; <jitter> is jitter_format's text. An interval's lost,
 * dup and reordered are the changes of the counts over it: lost negative
 * when messages counted lost before it arrived late in it, any of them
 * when a restart was undone in it (seqtrack.h: what it had counted is
 * taken back), each within +-(2^63 - 1) (a change beyond shows as that
 * bound); the totals' are the whole run's. A TCP
 * stream (counts_only) has neither numbers nor jitter parts. Mbit/s and
 * bits count the payload only, as msend's --rate does. A total's <t> runs
 * from the first message's arrival to the last's, and its rates are over
 * that span (flow_span_rate): n messages 1/r s apart give r. */
#ifndef MTOOLS_FLOW_H
#define MTOOLS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "measure/jitter.h"
#include "measure/jsonw.h"
#include "measure/seqtrack.h"

/* A count a second over the span from the first of `messages` to the
 * last (seconds): the span holds messages - 1 gaps, so the count is taken
 * as its part after the first message, count * (messages - 1) /
 * messages (all of it when count is the messages). 0 for fewer than two
 * messages or a span that is not positive. */
double flow_span_rate(double count, uint64_t messages, double seconds);
/* The same over `spans` such spans (msend's tests, each from its first
 * message to its last, each with at least one), seconds their times added
 * up: they hold messages - spans gaps, and the count is taken as its part
 * after each span's first message, count * (messages - spans) / messages.
 * 0 when messages <= spans or seconds is not positive. */
double flow_spans_rate(double count, uint64_t messages, uint64_t spans, double seconds);

/* The counts when the last interval ended. */
typedef struct flow_mark {
    uint64_t messages, bytes, lost, duplicates, reordered;
} flow_mark;

typedef struct flow {
    sock_addr source;       /* the sender, with its port */
    size_t group;           /* the receiver's index of the group */
    bool counts_only;       /* a TCP stream: no numbers, no send times */
    bool decimal;           /* "Message <n>" in decimal (its echo said -d) */
    seqtrack *seq;          /* its sequence accounting (in the table) */
    uint64_t messages;      /* messages (not echo or stat) */
    uint64_t messages_at_test; /* messages before the test under way: its
                                  echo, or the stat that ended the last */
    uint64_t bytes;         /* their bytes; TCP: every byte read */
    uint64_t unnumbered;    /* messages without a number to read */
    int64_t first_us, last_us; /* first and last message's arrival */
    jitter run;             /* the jitter, and the delays of the run */
    jitter interval;        /* the same jitter, the delays of the interval */
    flow_mark mark;
} flow;

typedef struct flow_table {
    seqtrack_table seqs;
    flow *flows; /* flows[i] is seqs.streams[i]'s */
} flow_table;

/* Room for capacity streams (1 to SEQTRACK_TABLE_MAX): false when there
 * is no memory for them. */
bool flow_table_init(flow_table *t, size_t capacity);
void flow_table_free(flow_table *t);
size_t flow_count(const flow_table *t);
flow *flow_at(flow_table *t, size_t i);
/* Streams that could not be tracked: the table was full. */
uint64_t flow_untracked(const flow_table *t);

/* The stream from source to group (group_index: the receiver's number
 * for it), begun on its first sight; NULL when the table is full. */
flow *flow_find(flow_table *t, const sock_addr *source, const sock_addr *group,
                size_t group_index, bool counts_only);

/* The stream from source to group when it has been seen; NULL when not. */
flow *flow_lookup(flow_table *t, const sock_addr *source, const sock_addr *group);

/* The sender begins a test (its echo): a new sequence from the next
 * number, read in decimal when decimal is true. */
void flow_echo(flow *f, bool decimal);
/* The sender ended a test (its 'stat', counted by flow_test_messages
 * first): the next test's numbers start again from 0, so a new sequence
 * begins with the next number even when that test's echo is lost. */
void flow_stat(flow *f);
/* Its messages since its latest echo or stat (all of them before any):
 * what its 'stat' counts. */
uint64_t flow_test_messages(const flow *f);
/* One message of `bytes` bytes that arrived at arrival_mono_us (and
 * arrival_wall_us on the wall clock); seq: its number, sent_us: the send
 * time it carries; each NULL when it has none. */
void flow_message(flow *f, size_t bytes, const uint64_t *seq, const int64_t *sent_us,
                  int64_t arrival_wall_us, int64_t arrival_mono_us);
/* Bytes of a TCP read (its messages are counted by flow_message with 0
 * bytes each). */
void flow_add_bytes(flow *f, size_t bytes);
/* The highest number of the stream is known (a message had one). */
bool flow_numbered(const flow *f);
/* Messages came and none carried a number (a -P payload): the counts
 * give way to "no sequence numbers". A stream with no message yet is
 * not one: its counts are 0. False for a TCP stream. */
bool flow_unnumbered(const flow *f);
/* The loss counted so far (0 for a TCP stream). */
uint64_t flow_lost(const flow *f);

/* The counts of a table's streams added up: those of one group, or of
 * all (FLOW_ALL_GROUPS). Each saturates at UINT64_MAX rather than wrap (a
 * stream's loss alone may be near it: a confirmed jump to 2^64 - 1). */
typedef struct flow_sums {
    uint64_t streams, messages, lost, duplicates, reordered;
} flow_sums;
#define FLOW_ALL_GROUPS SIZE_MAX
flow_sums flow_table_sums(const flow_table *t, size_t group);

/* The line of the interval from start_s to end_s (seconds on the
 * receiver's interval clock) for a stream of group `group` (its text),
 * as snprintf; flow_interval_done then starts the next interval. */
size_t flow_interval_text(char *buf, size_t cap, const flow *f, const char *group,
                          double start_s, double end_s);
void flow_interval_json(jsonw *w, const flow *f, const char *group, double start_s,
                        double end_s);
void flow_interval_done(flow *f);
/* The stream's totals: the text after a prefix of the caller's ("total ",
 * "mdump: "), and the JSON object (event "stream"). */
size_t flow_total_text(char *buf, size_t cap, const flow *f, const char *group);
void flow_total_json(jsonw *w, const flow *f, const char *group);

/* The longest line: an address text twice, the numbers, a jitter text. */
enum { FLOW_LINE_MAX = 2 * SOCK_ADDR_TEXT + 512 };

#endif
