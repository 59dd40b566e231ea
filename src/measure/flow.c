/* flow.c - the counts of each stream of test messages, and their lines. */
#include "measure/flow.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "measure/textbuf.h"

bool flow_table_init(flow_table *t, size_t capacity)
{
    memset(t, 0, sizeof *t);
    if (!seqtrack_table_init(&t->seqs, capacity, 0))
        return false;
    t->flows = calloc(capacity, sizeof *t->flows);
    if (!t->flows) {
        seqtrack_table_free(&t->seqs);
        return false;
    }
    return true;
}

void flow_table_free(flow_table *t)
{
    seqtrack_table_free(&t->seqs);
    free(t->flows);
    t->flows = NULL;
}

size_t flow_count(const flow_table *t)
{
    return t->seqs.count;
}

flow *flow_at(flow_table *t, size_t i)
{
    return &t->flows[i];
}

uint64_t flow_untracked(const flow_table *t)
{
    return t->seqs.untracked;
}

/* The key of the stream from source to group; false when it has none. */
static bool key_of(seqtrack_key *key, const sock_addr *source, const sock_addr *group)
{
    const uint8_t *source_bytes, *group_bytes;
    size_t source_len = sock_addr_bytes(source, &source_bytes);
    size_t group_len = sock_addr_bytes(group, &group_bytes);
    return seqtrack_key_make(key, source_bytes, source_len, sock_addr_port(source),
                             group_bytes, group_len);
}

flow *flow_lookup(flow_table *t, const sock_addr *source, const sock_addr *group)
{
    seqtrack_key key;
    if (!key_of(&key, source, group))
        return NULL;
    seqtrack_stream *st = seqtrack_table_find(&t->seqs, &key);
    return st ? &t->flows[st - t->seqs.streams] : NULL;
}

flow *flow_find(flow_table *t, const sock_addr *source, const sock_addr *group,
                size_t group_index, bool counts_only)
{
    seqtrack_key key;
    if (!key_of(&key, source, group))
        return NULL;
    size_t before = t->seqs.count;
    seqtrack *seq = seqtrack_table_get(&t->seqs, &key);
    if (!seq)
        return NULL;
    const seqtrack_stream *st =
        (const seqtrack_stream *)(const void *)((const char *)seq -
                                                offsetof(seqtrack_stream, seq));
    flow *f = &t->flows[st - t->seqs.streams];
    if (t->seqs.count > before) {
        memset(f, 0, sizeof *f);
        f->source = *source;
        f->group = group_index;
        f->counts_only = counts_only;
        f->seq = seq;
        jitter_init(&f->run);
        jitter_init(&f->interval);
    }
    return f;
}

void flow_echo(flow *f, bool decimal)
{
    f->decimal = decimal;
    f->messages_at_test = f->messages;
    seqtrack_new_sequence(f->seq);
}

void flow_stat(flow *f)
{
    f->messages_at_test = f->messages;
    if (!f->counts_only)
        seqtrack_new_sequence(f->seq);
}

uint64_t flow_test_messages(const flow *f)
{
    return f->messages - f->messages_at_test;
}

void flow_message(flow *f, size_t bytes, const uint64_t *seq, const int64_t *sent_us,
                  int64_t arrival_wall_us, int64_t arrival_mono_us)
{
    if (f->messages == 0)
        f->first_us = arrival_mono_us;
    f->last_us = arrival_mono_us;
    f->messages++;
    f->bytes += bytes;
    if (f->counts_only)
        return;
    if (seq)
        seqtrack_add(f->seq, *seq);
    else
        f->unnumbered++;
    if (sent_us) {
        jitter_add(&f->run, *sent_us, arrival_wall_us);
        jitter_add(&f->interval, *sent_us, arrival_wall_us);
    }
}

void flow_add_bytes(flow *f, size_t bytes)
{
    f->bytes += bytes;
}

bool flow_numbered(const flow *f)
{
    return !f->counts_only && seqtrack_taken(f->seq) > 0;
}

bool flow_unnumbered(const flow *f)
{
    return !f->counts_only && f->unnumbered > 0 && f->seq->received == 0;
}

uint64_t flow_lost(const flow *f)
{
    return f->counts_only ? 0 : seqtrack_lost(f->seq);
}

flow_sums flow_table_sums(const flow_table *t, size_t group)
{
    flow_sums sum = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < t->seqs.count; i++) {
        const flow *f = &t->flows[i];
        if (group != FLOW_ALL_GROUPS && f->group != group)
            continue;
        sum.streams++;
        sum.messages = seqtrack_count_add(sum.messages, f->messages);
        sum.lost = seqtrack_count_add(sum.lost, flow_lost(f));
        if (!f->counts_only) {
            sum.duplicates = seqtrack_count_add(sum.duplicates, f->seq->duplicates);
            sum.reordered = seqtrack_count_add(sum.reordered, f->seq->reordered);
        }
    }
    return sum;
}

/* ---- lines */

/* A count's change since the last interval ended, now - was: negative
 * when it fell (the loss when late ones filled more than new gaps opened;
 * any count when a restart was undone, seqtrack.h); a change beyond
 * int64_t (numbers garbled into a jump near 2^64) is held at its bound,
 * not let wrap into the other sign. */
static int64_t change(uint64_t now, uint64_t was)
{
    if (now >= was)
        return now - was > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(now - was);
    return was - now > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(was - now);
}

static double per_second(uint64_t count, double seconds)
{
    return seconds > 0 ? (double)count / seconds : 0.0;
}

/* "192.0.2.1.40000", as mdump prints senders. */
static void source_text(const flow *f, char out[SOCK_ADDR_TEXT])
{
    sock_addr_format(&f->source, SOCK_ADDR_DOT_PORT, out);
}

/* The jitter part, when the stream carried send times. */
static void jitter_part(textbuf *t, const jitter *j)
{
    if (j->count == 0)
        return;
    char text[FLOW_LINE_MAX];
    jitter_format(text, sizeof text, j);
    textbuf_puts(t, ", ");
    textbuf_puts(t, text);
}

size_t flow_interval_text(char *buf, size_t cap, const flow *f, const char *group,
                          double start_s, double end_s)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    char source[SOCK_ADDR_TEXT];
    source_text(f, source);
    double seconds = end_s - start_s;
    uint64_t messages = f->messages - f->mark.messages;
    uint64_t bytes = f->bytes - f->mark.bytes;
    textbuf_printf(&t, "interval %.3f-%.3f s %s from %s: %" PRIu64 " msgs, %.0f msgs/s, "
                       "%.3f Mbit/s",
                   start_s, end_s, group, source, messages, per_second(messages, seconds),
                   per_second(bytes, seconds) * 8 / 1e6);
    if (!f->counts_only)
        textbuf_printf(&t, ", lost %" PRId64 ", dup %" PRId64 ", reordered %" PRId64,
                       change(flow_lost(f), f->mark.lost),
                       change(f->seq->duplicates, f->mark.duplicates),
                       change(f->seq->reordered, f->mark.reordered));
    if (!f->counts_only)
        jitter_part(&t, &f->interval);
    return t.len;
}

/* A stream without send times (TCP): every send-time member null. */
static const jitter no_send_times;

/* The send-time members: null where there is nothing to tell. */
static void jitter_json(jsonw *w, const jitter *j)
{
    if (j->count == 0) {
        static const char *const keys[] = {"jitter_us", "delay_min_us", "delay_avg_us",
                                           "delay_max_us", "clocks_disagree"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            jsonw_key(w, keys[i]);
            jsonw_null(w);
        }
        return;
    }
    jsonw_kv_fixed(w, "jitter_us", jitter_value_us(j), 3);
    if (j->delay_count > 0) {
        jsonw_kv_int(w, "delay_min_us", j->delay_min_us);
        jsonw_kv_fixed(w, "delay_avg_us", jitter_delay_avg_us(j), 3);
        jsonw_kv_int(w, "delay_max_us", j->delay_max_us);
    } else {
        jsonw_key(w, "delay_min_us");
        jsonw_null(w);
        jsonw_key(w, "delay_avg_us");
        jsonw_null(w);
        jsonw_key(w, "delay_max_us");
        jsonw_null(w);
    }
    jsonw_kv_bool(w, "clocks_disagree", jitter_clocks_disagree(j));
}

static void key_null(jsonw *w, const char *key)
{
    jsonw_key(w, key);
    jsonw_null(w);
}

static void names_json(jsonw *w, const flow *f, const char *group)
{
    char host[SOCK_ADDR_TEXT];
    sock_addr_format(&f->source, SOCK_ADDR_HOST, host);
    jsonw_kv_string(w, "group", group);
    jsonw_kv_string(w, "source", host);
    jsonw_kv_uint(w, "source_port", sock_addr_port(&f->source));
}

void flow_interval_json(jsonw *w, const flow *f, const char *group, double start_s,
                        double end_s)
{
    double seconds = end_s - start_s;
    uint64_t messages = f->messages - f->mark.messages;
    uint64_t bytes = f->bytes - f->mark.bytes;
    jsonw_object_begin(w);
    jsonw_kv_string(w, "event", "interval");
    jsonw_kv_fixed(w, "start_s", start_s, 6);
    jsonw_kv_fixed(w, "end_s", end_s, 6);
    names_json(w, f, group);
    jsonw_kv_uint(w, "messages", messages);
    jsonw_kv_uint(w, "bytes", bytes);
    jsonw_kv_fixed(w, "msgs_per_s", per_second(messages, seconds), 3);
    jsonw_kv_fixed(w, "bits_per_s", per_second(bytes, seconds) * 8, 3);
    if (f->counts_only) {
        key_null(w, "lost");
        key_null(w, "lost_total");
        key_null(w, "duplicates");
        key_null(w, "reordered");
    } else {
        jsonw_kv_int(w, "lost", change(flow_lost(f), f->mark.lost));
        jsonw_kv_uint(w, "lost_total", flow_lost(f));
        jsonw_kv_int(w, "duplicates", change(f->seq->duplicates, f->mark.duplicates));
        jsonw_kv_int(w, "reordered", change(f->seq->reordered, f->mark.reordered));
    }
    jitter_json(w, f->counts_only ? &no_send_times : &f->interval);
    jsonw_object_end(w);
}

void flow_interval_done(flow *f)
{
    f->mark.messages = f->messages;
    f->mark.bytes = f->bytes;
    if (!f->counts_only) {
        f->mark.lost = flow_lost(f);
        f->mark.duplicates = f->seq->duplicates;
        f->mark.reordered = f->seq->reordered;
    }
    jitter_delay_restart(&f->interval);
}

double flow_spans_rate(double count, uint64_t messages, uint64_t spans, double seconds)
{
    if (messages <= spans || !(seconds > 0))
        return 0.0;
    return count * ((double)(messages - spans) / (double)messages) / seconds;
}

double flow_span_rate(double count, uint64_t messages, double seconds)
{
    return flow_spans_rate(count, messages, 1, seconds);
}

/* From the first message's arrival to the last's. */
static double span_s(const flow *f)
{
    return f->messages > 1 ? (double)(f->last_us - f->first_us) / 1e6 : 0.0;
}

size_t flow_total_text(char *buf, size_t cap, const flow *f, const char *group)
{
    textbuf t;
    textbuf_init(&t, buf, cap);
    char source[SOCK_ADDR_TEXT];
    source_text(f, source);
    double seconds = span_s(f);
    textbuf_printf(&t, "%s from %s: %" PRIu64 " msgs in %.3f s, %.0f msgs/s, %.3f Mbit/s",
                   group, source, f->messages, seconds, flow_span_rate((double)f->messages, f->messages, seconds),
                   flow_span_rate((double)f->bytes, f->messages, seconds) * 8 / 1e6);
    if (f->counts_only)
        return t.len;
    const seqtrack *s = f->seq;
    if (!flow_unnumbered(f)) {
        textbuf_printf(&t, ", lost %" PRIu64 ", dup %" PRIu64 ", reordered %" PRIu64,
                       seqtrack_lost(s), s->duplicates, s->reordered);
        if (flow_numbered(f) && f->decimal)
            textbuf_printf(&t, ", highest %" PRIu64, s->highest);
        else if (flow_numbered(f))
            textbuf_printf(&t, ", highest %" PRIx64, s->highest);
        if (s->stray > 0)
            textbuf_printf(&t, ", stray %" PRIu64, s->stray);
        if (s->restarts > 0)
            textbuf_printf(&t, ", restarts %" PRIu64, s->restarts);
    } else {
        textbuf_puts(&t, ", no sequence numbers");
    }
    jitter_part(&t, &f->run);
    return t.len;
}

void flow_total_json(jsonw *w, const flow *f, const char *group)
{
    double seconds = span_s(f);
    jsonw_object_begin(w);
    jsonw_kv_string(w, "event", "stream");
    names_json(w, f, group);
    jsonw_kv_uint(w, "messages", f->messages);
    jsonw_kv_uint(w, "bytes", f->bytes);
    jsonw_kv_fixed(w, "seconds", seconds, 6);
    jsonw_kv_fixed(w, "msgs_per_s", flow_span_rate((double)f->messages, f->messages, seconds), 3);
    jsonw_kv_fixed(w, "bits_per_s", flow_span_rate((double)f->bytes, f->messages, seconds) * 8,
                   3);
    const seqtrack *s = f->seq;
    if (!f->counts_only && !flow_unnumbered(f)) {
        jsonw_kv_uint(w, "lost", seqtrack_lost(s));
        jsonw_kv_uint(w, "duplicates", s->duplicates);
        jsonw_kv_uint(w, "reordered", s->reordered);
        jsonw_kv_uint(w, "stray", s->stray);
        jsonw_kv_uint(w, "restarts", s->restarts);
        if (flow_numbered(f))
            jsonw_kv_uint(w, "highest", s->highest);
        else
            key_null(w, "highest");
    } else {
        static const char *const keys[] = {"lost", "duplicates", "reordered",
                                           "stray", "restarts", "highest"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            key_null(w, keys[i]);
    }
    jsonw_kv_uint(w, "unnumbered", f->counts_only ? 0 : f->unnumbered);
    jitter_json(w, f->counts_only ? &no_send_times : &f->run);
    jsonw_object_end(w);
}
