/* receiver.c - mdump's handling of datagrams and TCP reads. */
#include "engine/receiver.h"

#include <string.h>

#include "lib/cli.h"
#include "lib/dump.h"
#include "lib/prog.h"
#include "lib/wire.h"
#include "measure/jsonw.h"

/* Longest received text quoted in a -v or warning line. */
enum { QUOTE_MAX = 64 };

/* A sequence number is read to 16 hex digits (64 bits); a 'stat' count
 * is valid up to 19 decimal digits (each such count fits in 64 bits). */
enum { SEQ_HEX_DIGITS_MAX = 16, STAT_DIGITS_MAX = 19 };
/* A decimal sequence number: up to 20 digits (2^64 - 1). */
enum { SEQ_DECIMAL_DIGITS_MAX = 20 };
/* The room of an echo or stat JSON object besides the echo's text: the
 * group, the source and the other members. The text takes at most 6
 * characters a byte escaped (jsonw.h); the longest, a datagram's, fits
 * the output's buffer: JSON_TEXT_MAX. */
enum {
    JSON_EVENT_ROOM = 2 * SOCK_ADDR_TEXT + 256,
    JSON_TEXT_MAX = (OUT_BUFFER_BYTES - JSON_EVENT_ROOM) / 6
};

void receiver_init(receiver *r, const receiver_config *c, out *o)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->quiet_level = c->quiet_level;
    r->compact_bytes = c->compact_bytes;
    r->verify_seq = c->verify_seq;
    r->exit_on_stat = c->exit_on_stat;
    r->json = c->json;
}

void receiver_track(receiver *r, flow_table *flows, const sock_addr *group,
                    size_t group_index, const char *group_text)
{
    r->flows = flows;
    r->group = *group;
    r->group_index = group_index;
    r->group_text = group_text;
    r->last_flow = NULL;
}

/* ---- JSON's echo and stat objects */

/* text_len: the bytes of text the object will hold (at most
 * JSON_TEXT_MAX). */
static void json_begin(receiver *r, jsonw *w, const char *event, size_t text_len)
{
    size_t room = JSON_EVENT_ROOM + text_len * 6;
    jsonw_init(w, out_reserve(r->o, room), room);
    jsonw_object_begin(w);
    jsonw_kv_string(w, "event", event);
    jsonw_key(w, "group");
    if (r->group_text)
        jsonw_string(w, r->group_text);
    else
        jsonw_null(w);
    if (r->arrival && r->arrival->from) {
        char host[SOCK_ADDR_TEXT];
        sock_addr_format(r->arrival->from, SOCK_ADDR_HOST, host);
        jsonw_kv_string(w, "source", host);
        jsonw_kv_uint(w, "source_port", sock_addr_port(r->arrival->from));
    } else {
        jsonw_key(w, "source");
        jsonw_null(w);
        jsonw_key(w, "source_port");
        jsonw_null(w);
    }
}

static void json_end(receiver *r, jsonw *w)
{
    jsonw_object_end(w);
    out_commit(r->o, jsonw_ok(w) ? jsonw_length(w) : 0);
}

/* ---- the counts per stream */

static bool same_sender(const sock_addr *a, const sock_addr *b)
{
    return a->len == b->len && memcmp(&a->storage, &b->storage, (size_t)a->len) == 0;
}

/* The sender of the current arrival when streams are counted; NULL when
 * they are not, or when the arrival came without one. */
static const sock_addr *counted_sender(const receiver *r)
{
    return r->flows && r->arrival ? r->arrival->from : NULL;
}

/* The stream of the current arrival, or NULL when none is kept. */
static flow *stream_of(receiver *r, bool counts_only)
{
    const sock_addr *from = counted_sender(r);
    if (!from)
        return NULL;
    if (r->last_flow && same_sender(&r->last_from, from))
        return r->last_flow;
    flow *f = flow_find(r->flows, from, &r->group, r->group_index, counts_only);
    if (f) {
        r->last_flow = f;
        r->last_from = *from;
    }
    return f;
}

/* The stream of the current arrival when it has been seen; NULL when not. */
static flow *stream_seen(receiver *r)
{
    const sock_addr *from = counted_sender(r);
    return from ? flow_lookup(r->flows, from, &r->group) : NULL;
}

static bool has_text(const uint8_t *p, size_t n, const char *text)
{
    size_t k = strlen(text);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, text, k) == 0)
            return true;
    return false;
}

/* Digits at p (at most max, in base 10 or 16) into *value; how many. 0
 * when the number would not fit 64 bits. */
static size_t read_number(const uint8_t *p, size_t n, bool decimal, size_t max,
                          uint64_t *value)
{
    size_t digits = 0;
    uint64_t v = 0;
    unsigned base = decimal ? 10 : 16;
    while (digits < n) {
        int d = decimal ? (p[digits] >= '0' && p[digits] <= '9' ? p[digits] - '0' : -1)
                        : cli_hex_digit(p[digits]);
        if (d < 0)
            break;
        if (digits == max || v > (UINT64_MAX - (uint64_t)d) / base)
            return 0;
        v = v * base + (uint64_t)d;
        digits++;
    }
    *value = v;
    return digits;
}

bool receiver_read_message(const uint8_t *data, size_t len, bool decimal, uint64_t *seq,
                           bool *has_sent, int64_t *sent_us)
{
    *has_sent = false;
    if (len <= WIRE_MESSAGE_LEN || memcmp(data, WIRE_MESSAGE, WIRE_MESSAGE_LEN) != 0)
        return false;
    const uint8_t *p = data + WIRE_MESSAGE_LEN;
    size_t n = len - WIRE_MESSAGE_LEN;
    size_t digits = read_number(p, n, decimal,
                                decimal ? SEQ_DECIMAL_DIGITS_MAX : SEQ_HEX_DIGITS_MAX, seq);
    if (digits == 0 || (digits < n && p[digits] != '\0'))
        return false;
    /* After the text's NUL: "ts <microseconds>", then a NUL or the end. */
    p += digits + 1;
    n = digits < n ? n - digits - 1 : 0;
    if (n > WIRE_TIMESTAMP_LEN && memcmp(p, WIRE_TIMESTAMP, WIRE_TIMESTAMP_LEN) == 0) {
        uint64_t t;
        p += WIRE_TIMESTAMP_LEN;
        n -= WIRE_TIMESTAMP_LEN;
        digits = read_number(p, n, true, WIRE_TIMESTAMP_DIGITS_MAX, &t);
        if (digits > 0 && (digits == n || p[digits] == '\0') && t <= (uint64_t)INT64_MAX) {
            *sent_us = (int64_t)t;
            *has_sent = true;
        }
    }
    return true;
}

/* One message for its stream's counts. */
static void count_message(receiver *r, flow *f, const uint8_t *data, size_t len)
{
    uint64_t seq;
    int64_t sent_us;
    bool has_sent = false;
    bool numbered = receiver_read_message(data, len, f->decimal, &seq, &has_sent, &sent_us);
    flow_message(f, len, numbered ? &seq : NULL, has_sent ? &sent_us : NULL,
                 r->arrival->wall_us, r->arrival->mono_us);
}

/* Keeps a copy: a TCP stream's last text may end only at the close
 * (receiver_stream_end), after the caller's arrival is gone. */
static void keep_arrival(receiver *r, const receiver_arrival *a)
{
    if (!a) {
        r->arrival = NULL;
        return;
    }
    r->arrival_kept = *a;
    if (a->from) {
        r->from_kept = *a->from;
        r->arrival_kept.from = &r->from_kept;
    }
    r->arrival = &r->arrival_kept;
}

static void show(receiver *r, const uint8_t *data, size_t len, const char *hms,
                 const char *peer)
{
    out *o = r->o;
    if (r->quiet_level == 2)
        return;
    if (r->quiet_level == 1) {
        char *p = out_reserve(o, DUMP_HEADER_MAX);
        out_commit(o, dump_header(p, hms, peer, len, ""));
    } else if (r->compact_bytes > 0) {
        char *p = out_reserve(o, dump_compact_size((size_t)r->compact_bytes));
        out_commit(o, dump_compact(p, hms, peer, data, len,
                                   (size_t)r->compact_bytes));
    } else {
        char *p = out_reserve(o, DUMP_HEADER_MAX);
        out_commit(o, dump_header(p, hms, peer, len, ":"));
        p = out_reserve(o, dump_hex_size(len));
        out_commit(o, dump_hex(p, data, len));
    }
}

/* Writes received text safely: at most max bytes, control bytes as '.'. */
static void put_quoted(receiver *r, const uint8_t *text, size_t len, size_t max)
{
    size_t shown = len < max ? len : max;
    char *p = out_reserve(r->o, shown + 3);
    dump_text(p, text, shown);
    /* cppcheck-suppress knownConditionTrueFalse ; true when len > max (cppcheck 2.10 misreads the min above) */
    if (shown < len) {
        /* Output text, not a C string: no NUL wanted. */
        memcpy(p + shown, "...", 3); /* NOLINT(bugprone-not-null-terminated-result) */
        shown += 3;
    }
    out_commit(r->o, shown);
}

static void reset_counts(receiver *r)
{
    r->received = 0;
    r->expected_seq = 0;
}

static void on_echo(receiver *r, const uint8_t *text, size_t len, bool stream)
{
    const uint8_t *nul = memchr(text, '\0', len);
    if (nul)
        len = (size_t)(nul - text);
    if (len > 0 && text[len - 1] == '\n')
        len--;
    /* A new test: its numbers start again, in decimal if it says -d. */
    flow *f = stream_of(r, stream);
    if (f)
        flow_echo(f, has_text(text, len, " -d "));
    if (r->json) {
        /* Whole, as the text output has it: a datagram's fits. */
        size_t shown = len < JSON_TEXT_MAX ? len : JSON_TEXT_MAX;
        jsonw w;
        json_begin(r, &w, "echo", shown);
        jsonw_key(&w, "text");
        jsonw_string_bytes(&w, text, shown);
        json_end(r, &w);
    } else {
        put_quoted(r, text, len, len);
        out_write(r->o, "\n", 1);
    }
    reset_counts(r);
}

/* count_text is the part after WIRE_STAT; from: its sender's stream, when
 * kept (UDP: several senders may share the group), whose test it ends.
 * Returns true to exit (-s). */
static bool on_stat(receiver *r, const uint8_t *count_text, size_t len, flow *from)
{
    uint64_t sent = 0;
    size_t digits = 0;
    while (digits < len && count_text[digits] >= '0' && count_text[digits] <= '9')
        digits++;
    size_t end = digits;
    /* Tolerate what a hand-typed 'stat' carries: a newline or NULs. */
    while (end < len && (count_text[end] == '\n' || count_text[end] == '\r' ||
                         count_text[end] == '\0'))
        end++;
    bool valid = digits > 0 && digits <= STAT_DIGITS_MAX && end == len;
    for (size_t i = 0; valid && i < digits; i++)
        sent = sent * 10 + (uint64_t)(count_text[i] - '0');
    if (!valid) {
        if (r->json) {
            /* Only JSON on stdout: the warning goes to stderr. */
            char shown[QUOTE_MAX + 4];
            bool cut = len > QUOTE_MAX;
            size_t n = cut ? QUOTE_MAX : len;
            dump_text(shown, count_text, n);
            shown[n] = '\0';
            prog_warning("ignoring 'stat' without a valid count: '" WIRE_STAT "%s%s'", shown,
                         cut ? "..." : "");
            return false;
        }
        out_printf(r->o, PROG_WARNING_PREFIX "ignoring 'stat' without a valid count: '" WIRE_STAT);
        put_quoted(r, count_text, len, QUOTE_MAX);
        out_write(r->o, "'\n", 2);
        return false;
    }
    /* sent 0 would divide by zero: nothing sent, nothing lost. */
    double loss = sent == 0 ? 0.0
                            : ((double)sent - (double)r->received) * 100.0 /
                                  (double)sent;
    if (r->json) {
        jsonw w;
        json_begin(r, &w, "stat", 0);
        jsonw_kv_uint(&w, "sent", sent);
        jsonw_kv_uint(&w, "received", r->received);
        jsonw_kv_fixed(&w, "loss_pct", loss, 6);
        json_end(r, &w);
    } else {
        out_printf(r->o, "%llu msgs sent, %llu received (not including 'stat')\n",
                   (unsigned long long)sent, (unsigned long long)r->received);
        out_printf(r->o, "%f%% loss\n", loss);
    }
    /* The verdict on loss (--loss-status) from this sender's messages
     * since its echo where they are counted: the line above counts every
     * sender's, as the old tool did. */
    uint64_t received = from ? flow_test_messages(from) : r->received;
    if (received < sent)
        r->loss_seen = true;
    if (from)
        flow_stat(from);
    reset_counts(r);
    return r->exit_on_stat;
}

/* seq_text: what follows WIRE_MESSAGE, up to its end. */
static void check_seq(receiver *r, const uint8_t *seq_text, size_t len)
{
    uint64_t seq = 0;
    size_t digits = 0;
    while (digits < len && digits < SEQ_HEX_DIGITS_MAX && cli_hex_digit(seq_text[digits]) >= 0)
        seq = seq * 16 + (uint64_t)cli_hex_digit(seq_text[digits++]);
    if (digits > 0 && seq == r->expected_seq) {
        r->expected_seq++;
        return;
    }
    const uint8_t *nul = memchr(seq_text, '\0', len);
    size_t text_len = nul ? (size_t)(nul - seq_text) : len;
    out_printf(r->o, "Expected seq %llx (hex), got ",
               (unsigned long long)r->expected_seq);
    put_quoted(r, seq_text, text_len, QUOTE_MAX);
    out_write(r->o, "\n", 1);
    /* Continue from the number received; with none, skip the slot. */
    r->expected_seq = (digits > 0 ? seq : r->expected_seq) + 1;
}

static bool starts_with(const uint8_t *data, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && memcmp(data, prefix, n) == 0;
}

bool receiver_datagram(receiver *r, const uint8_t *data, size_t len,
                       const char *hms, const char *peer)
{
    return receiver_datagram_from(r, data, len, hms, peer, NULL);
}

bool receiver_datagram_from(receiver *r, const uint8_t *data, size_t len,
                            const char *hms, const char *peer,
                            const receiver_arrival *a)
{
    keep_arrival(r, a);
    show(r, data, len, hms, peer);
    if (starts_with(data, len, WIRE_ECHO)) {
        on_echo(r, data, len, false);
        return false;
    }
    if (starts_with(data, len, WIRE_STAT))
        return on_stat(r, data + WIRE_STAT_LEN, len - WIRE_STAT_LEN, stream_seen(r));
    r->received++;
    r->messages_total++;
    r->message_bytes_total += len;
    flow *f = stream_of(r, false);
    if (f)
        count_message(r, f, data, len);
    /* Whatever the first bytes are, the number is read where msend puts it. */
    if (r->verify_seq)
        check_seq(r, len > WIRE_MESSAGE_LEN ? data + WIRE_MESSAGE_LEN : data,
                  len > WIRE_MESSAGE_LEN ? len - WIRE_MESSAGE_LEN : 0);
    return false;
}

/* ---- TCP stream ---- */

enum { MARK_MESSAGE, MARK_ECHO, MARK_STAT };
static const char *const markers[RECEIVER_MARKERS] = {
    [MARK_MESSAGE] = WIRE_MESSAGE, [MARK_ECHO] = WIRE_ECHO, [MARK_STAT] = WIRE_STAT};

static void token_add(receiver *r, uint8_t c)
{
    if (r->token_len < sizeof r->token)
        r->token[r->token_len++] = (char)c;
    else
        r->token_overflow = true;
}

static bool finish_token(receiver *r)
{
    bool exit_now = false;
    const uint8_t *t = (const uint8_t *)r->token;
    switch (r->state) {
    case SCAN_ECHO:
        on_echo(r, t, r->token_len, true);
        break;
    case SCAN_STAT:
        exit_now = on_stat(r, t, r->token_len, NULL); /* one sender a connection */
        break;
    case SCAN_SEQ:
        check_seq(r, t, r->token_len);
        break;
    case SCAN_DATA:
        break;
    }
    r->state = SCAN_DATA;
    r->token_len = 0;
    r->token_overflow = false;
    memset(r->matched, 0, sizeof r->matched);
    return exit_now;
}

/* Advances the three marker matchers by one byte; returns the marker just
 * completed or -1. No marker has a proper prefix that is also a suffix of
 * one of its prefixes, so on a mismatch restarting at this byte is exact. */
static int match_markers(receiver *r, uint8_t c)
{
    int done = -1;
    for (int m = 0; m < RECEIVER_MARKERS; m++) {
        const char *text = markers[m];
        if ((uint8_t)text[r->matched[m]] == c)
            r->matched[m]++;
        else
            r->matched[m] = ((uint8_t)text[0] == c) ? 1 : 0;
        if (text[r->matched[m]] == '\0') {
            done = m;
            r->matched[m] = 0;
        }
    }
    return done;
}

static bool starts_marker(uint8_t c);

static bool scan_byte(receiver *r, uint8_t c)
{
    bool exit_now = false;
    switch (r->state) {
    case SCAN_ECHO:
        token_add(r, c);
        if (c == '\0' || r->token_overflow)
            exit_now = finish_token(r);
        return exit_now;
    case SCAN_STAT:
        /* One digit past the valid ones, so that on_stat refuses it. */
        if (c >= '0' && c <= '9') {
            if (r->token_len < STAT_DIGITS_MAX + 1) {
                token_add(r, c);
                return false;
            }
            exit_now = finish_token(r);
            break; /* the digits beyond: data */
        }
        /* What a hand-typed 'stat' carries after its count, as in a
         * datagram: a newline or NULs (a digit after them is refused). */
        if (c == '\n' || c == '\r' || c == '\0') {
            token_add(r, c);
            return false;
        }
        /* The count ends where the next text begins (msend's next echo),
         * or at the close; any other byte is part of the 'stat', which
         * is then refused, as "stat 12x" is in a datagram. */
        if (!starts_marker(c)) {
            token_add(r, c);
            return finish_token(r);
        }
        exit_now = finish_token(r);
        break; /* c starts what follows */
    case SCAN_SEQ:
        if (cli_hex_digit(c) >= 0 && r->token_len < SEQ_HEX_DIGITS_MAX) {
            token_add(r, c);
            /* 'e' and 'c' are hex digits: "Message 5echo " must not read
             * as 0x5ec, so the echo matcher keeps running here. */
            match_markers(r, c);
            return false;
        }
        {
            /* The "e" or "ec" that ended the number may begin "echo ": when
             * this byte continues it, they were the echo's, not digits. */
            uint8_t echo = r->matched[MARK_ECHO];
            bool continues = echo > 0 && (uint8_t)markers[MARK_ECHO][echo] == c;
            if (continues)
                r->token_len -= echo;
            finish_token(r);
            if (continues)
                r->matched[MARK_ECHO] = echo;
        }
        break;
    case SCAN_DATA:
        break;
    }
    switch (match_markers(r, c)) {
    case MARK_MESSAGE: {
        r->received++;
        r->messages_total++;
        flow *f = stream_of(r, true);
        if (f)
            flow_message(f, 0, NULL, NULL, r->arrival->wall_us, r->arrival->mono_us);
        if (r->verify_seq)
            r->state = SCAN_SEQ;
        break;
    }
    case MARK_ECHO:
        r->state = SCAN_ECHO;
        memcpy(r->token, WIRE_ECHO, WIRE_ECHO_LEN);
        r->token_len = WIRE_ECHO_LEN;
        break;
    case MARK_STAT:
        r->state = SCAN_STAT;
        break;
    default:
        break;
    }
    return exit_now;
}

/* Bytes that can begin a marker text; between markers everything else is
 * skipped without running the matchers. */
static bool starts_marker(uint8_t c)
{
    return c == (uint8_t)WIRE_MESSAGE[0] || c == (uint8_t)WIRE_ECHO[0] ||
           c == (uint8_t)WIRE_STAT[0];
}

static bool matching(const receiver *r)
{
    return r->state != SCAN_DATA || r->matched[MARK_MESSAGE] ||
           r->matched[MARK_ECHO] || r->matched[MARK_STAT];
}

/* The first byte from i on that can begin a marker, or len. Eight bytes at
 * a time: a word holds one of them when, xor-ed with that byte in every
 * lane, it has a zero lane. */
static size_t next_candidate(const uint8_t *data, size_t i, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const uint64_t m = ones * (uint8_t)WIRE_MESSAGE[0], e = ones * (uint8_t)WIRE_ECHO[0],
                   s = ones * (uint8_t)WIRE_STAT[0];
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, data + i, sizeof v);
        uint64_t a = v ^ m, b = v ^ e, c = v ^ s;
        if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & highs)
            break;
    }
    while (i < len && !starts_marker(data[i]))
        i++;
    return i;
}

bool receiver_stream(receiver *r, const uint8_t *data, size_t len,
                     const char *hms, const char *peer)
{
    return receiver_stream_from(r, data, len, hms, peer, NULL);
}

bool receiver_stream_from(receiver *r, const uint8_t *data, size_t len,
                          const char *hms, const char *peer,
                          const receiver_arrival *a)
{
    bool exit_now = false;
    keep_arrival(r, a);
    show(r, data, len, hms, peer);
    flow *f = stream_of(r, true);
    if (f)
        flow_add_bytes(f, len);
    for (size_t i = 0; i < len && !exit_now; i++) {
        if (!matching(r)) {
            i = next_candidate(data, i, len);
            if (i == len)
                break;
        }
        exit_now = scan_byte(r, data[i]);
    }
    return exit_now;
}

bool receiver_stream_end(receiver *r)
{
    return r->state != SCAN_DATA && finish_token(r);
}
