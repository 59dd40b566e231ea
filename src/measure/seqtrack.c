/* seqtrack.c - loss, duplicates and reordering from sequence numbers,
 * with a sliding bitmap window; the table of streams. */
#include "measure/seqtrack.h"

#include <stdlib.h>
#include <string.h>

uint64_t seqtrack_count_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static bool window_has(const seqtrack *s, uint64_t n)
{
    uint64_t bit = n % SEQTRACK_WINDOW;
    return (s->window[bit / 64] >> (bit % 64)) & 1u;
}

static void window_set(seqtrack *s, uint64_t n)
{
    uint64_t bit = n % SEQTRACK_WINDOW;
    s->window[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static void window_clear_all(seqtrack *s)
{
    memset(s->window, 0, sizeof s->window);
}

/* The highest moves up to `to`: the numbers entering the window are not
 * taken yet (their bits still hold those a window below). */
static void window_advance(seqtrack *s, uint64_t to)
{
    if (to - s->highest >= SEQTRACK_WINDOW) {
        window_clear_all(s);
        return;
    }
    for (uint64_t n = s->highest + 1; n != to + 1; n++) {
        uint64_t bit = n % SEQTRACK_WINDOW;
        s->window[bit / 64] &= ~((uint64_t)1 << (bit % 64));
    }
}

void seqtrack_init(seqtrack *s, uint64_t max_jump)
{
    memset(s, 0, sizeof *s);
    s->max_jump = max_jump ? max_jump : SEQTRACK_MAX_JUMP_DEFAULT;
}

/* highest - lowest + 1 of the current sequence: 0 when none, and
 * UINT64_MAX for the whole 2^64 range (where it would wrap to 0). */
static uint64_t current_span(const seqtrack *s)
{
    if (!s->started)
        return 0;
    uint64_t distance = s->highest - s->lowest;
    return distance == UINT64_MAX ? UINT64_MAX : distance + 1;
}

/* Ends the current sequence, if any: its expected count is kept. */
static void end_sequence(seqtrack *s)
{
    s->expected_past = seqtrack_count_add(s->expected_past, current_span(s));
    s->started = false;
    s->probing = false;
    s->restart_undoable = false;
}

void seqtrack_new_sequence(seqtrack *s)
{
    end_sequence(s);
}

static void begin_sequence(seqtrack *s, uint64_t first)
{
    s->started = true;
    s->lowest = first;
    s->highest = first;
    window_clear_all(s);
    window_set(s, first);
}

/* Keeps the sequence a restart is about to end (the confirming number
 * already counted in received, the stray it confirms in stray). */
static void keep_before_restart(seqtrack *s)
{
    seqtrack_before_restart *b = &s->before_restart;
    b->received = s->received - 1;
    b->duplicates = s->duplicates;
    b->reordered = s->reordered;
    b->skipped = s->skipped;
    b->stray = s->stray;
    b->restarts = s->restarts;
    b->highest = s->highest;
    b->lowest = s->lowest;
    b->expected_past = s->expected_past;
    memcpy(b->window, s->window, sizeof b->window);
}

/* The old sequence went on: the restart was none. Everything that arrived
 * from its confirming number up to this one (not counted) is taken for
 * late copies: strays. */
static void undo_restart(seqtrack *s)
{
    const seqtrack_before_restart *b = &s->before_restart;
    uint64_t since = s->received - 1 - b->received;
    s->duplicates = b->duplicates;
    s->reordered = b->reordered;
    s->skipped = b->skipped;
    s->stray = seqtrack_count_add(b->stray, since);
    s->restarts = b->restarts;
    s->highest = b->highest;
    s->lowest = b->lowest;
    s->expected_past = b->expected_past;
    memcpy(s->window, b->window, sizeof s->window);
    s->started = true;
    s->probing = false;
    s->restart_undoable = false;
}

/* How near the new sequence may come to the old highest before the two
 * can no longer be told apart and the restart stands. Late copies of old
 * numbers come a window or more below the old highest, so half a window
 * leaves room for that many of them in a row before the old sequence
 * shows it goes on. */
#define RESTART_SETTLED (SEQTRACK_WINDOW / 2)

static void settle_restart(seqtrack *s)
{
    if (s->restart_undoable && (s->highest >= s->before_restart.highest ||
                                s->before_restart.highest - s->highest < RESTART_SETTLED))
        s->restart_undoable = false;
}

/* A number too far from the sequence: confirms the stray held before it,
 * or is held itself. */
static seq_class far_number(seqtrack *s, uint64_t seq)
{
    if (s->probing && seq == s->probe_next) {
        uint64_t held = seq - 1;
        s->probing = false;
        if (held > s->highest) {
            s->stray--;
            s->skipped = seqtrack_count_add(s->skipped, held - s->highest - 1);
            window_advance(s, seq);
            s->highest = seq;
            window_set(s, held);
            window_set(s, seq);
            settle_restart(s);
            return SEQ_JUMP;
        }
        keep_before_restart(s);
        s->stray--;
        end_sequence(s);
        s->restarts++;
        begin_sequence(s, held);
        s->highest = seq;
        window_set(s, seq);
        s->restart_undoable = true;
        settle_restart(s);
        return SEQ_RESTART;
    }
    s->stray++;
    /* The last number has no successor to confirm it. */
    s->probing = seq != UINT64_MAX;
    s->probe_next = seq + 1;
    return SEQ_STRAY;
}

seq_class seqtrack_add(seqtrack *s, uint64_t seq)
{
    s->received = seqtrack_count_add(s->received, 1);
    if (!s->started) {
        begin_sequence(s, seq);
        return SEQ_FIRST;
    }
    if (s->restart_undoable && seq > s->highest) {
        /* Above the new sequence (which is RESTART_SETTLED or more below
         * the old highest): of the old one? */
        uint64_t old = s->before_restart.highest;
        if (seq > old && seq - old <= s->max_jump) {
            undo_restart(s); /* it goes on: taken below */
        } else if (seq <= old && old - seq < SEQTRACK_WINDOW &&
                   seq - s->highest >= RESTART_SETTLED) {
            s->stray++; /* a late one of the old sequence */
            return SEQ_STRAY;
        }
    }
    if (seq > s->highest) {
        uint64_t step = seq - s->highest;
        if (step > s->max_jump)
            return far_number(s, seq);
        /* The sequence goes on: a stray held below it is not the first
         * number of a new one. */
        if (s->probing && s->probe_next - 1 < s->highest)
            s->probing = false;
        window_advance(s, seq);
        s->highest = seq;
        window_set(s, seq);
        settle_restart(s);
        if (step == 1)
            return SEQ_NEXT;
        s->skipped = seqtrack_count_add(s->skipped, step - 1);
        return SEQ_GAP;
    }
    if (s->highest - seq >= SEQTRACK_WINDOW)
        return far_number(s, seq);
    if (window_has(s, seq)) {
        s->duplicates++;
        return SEQ_DUPLICATE;
    }
    if (seq < s->lowest) {
        /* Below the first taken: the sequence reaches down to it, and
         * the numbers between are missing. */
        s->skipped = seqtrack_count_add(s->skipped, s->lowest - seq);
        s->lowest = seq;
    }
    window_set(s, seq);
    s->reordered++;
    return SEQ_LATE;
}

uint64_t seqtrack_expected(const seqtrack *s)
{
    return seqtrack_count_add(s->expected_past, current_span(s));
}

uint64_t seqtrack_lost(const seqtrack *s)
{
    return s->skipped >= s->reordered ? s->skipped - s->reordered : 0;
}

uint64_t seqtrack_taken(const seqtrack *s)
{
    uint64_t other = seqtrack_count_add(s->duplicates, s->stray);
    return s->received >= other ? s->received - other : 0;
}

/* ---- the table */

bool seqtrack_key_make(seqtrack_key *k, const void *source, size_t source_len,
                       uint16_t source_port, const void *group,
                       size_t group_len)
{
    if (source_len > SEQTRACK_ADDR_MAX || group_len > SEQTRACK_ADDR_MAX)
        return false;
    memset(k, 0, sizeof *k);
    if (source_len)
        memcpy(k->source, source, source_len);
    k->source_len = (uint8_t)source_len;
    k->source_port = source_port;
    if (group_len)
        memcpy(k->group, group, group_len);
    k->group_len = (uint8_t)group_len;
    return true;
}

static bool key_equal(const seqtrack_key *a, const seqtrack_key *b)
{
    return a->source_len == b->source_len && a->group_len == b->group_len &&
           a->source_port == b->source_port &&
           memcmp(a->source, b->source, a->source_len) == 0 &&
           memcmp(a->group, b->group, a->group_len) == 0;
}

/* FNV-1a over the fields that make the key. */
static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t key_hash(const seqtrack_key *k)
{
    uint8_t lens_port[4] = {k->source_len, k->group_len,
                            (uint8_t)(k->source_port >> 8),
                            (uint8_t)k->source_port};
    uint32_t h = fnv1a(2166136261u, lens_port, sizeof lens_port);
    h = fnv1a(h, k->source, k->source_len);
    return fnv1a(h, k->group, k->group_len);
}

#define NO_STREAM UINT32_MAX

bool seqtrack_table_init(seqtrack_table *t, size_t capacity,
                         uint64_t max_jump)
{
    memset(t, 0, sizeof *t);
    if (capacity == 0 || capacity > SEQTRACK_TABLE_MAX)
        return false;
    size_t heads = 1;
    while (heads < capacity)
        heads *= 2;
    t->streams = malloc(capacity * sizeof *t->streams);
    t->heads = malloc(heads * sizeof *t->heads);
    if (!t->streams || !t->heads) {
        seqtrack_table_free(t);
        return false;
    }
    t->capacity = capacity;
    t->head_mask = heads - 1;
    t->max_jump = max_jump;
    seqtrack_table_clear(t);
    return true;
}

void seqtrack_table_free(seqtrack_table *t)
{
    free(t->streams);
    free(t->heads);
    memset(t, 0, sizeof *t);
}

void seqtrack_table_clear(seqtrack_table *t)
{
    for (size_t i = 0; i <= t->head_mask && t->heads; i++)
        t->heads[i] = NO_STREAM;
    t->count = 0;
    t->last_hit = 0;
    t->untracked = 0;
}

seqtrack_stream *seqtrack_table_find(seqtrack_table *t, const seqtrack_key *k)
{
    if (t->count == 0)
        return NULL;
    if (key_equal(&t->streams[t->last_hit].key, k))
        return &t->streams[t->last_hit];
    for (uint32_t i = t->heads[key_hash(k) & t->head_mask]; i != NO_STREAM;
         i = t->streams[i].next_in_chain) {
        if (key_equal(&t->streams[i].key, k)) {
            t->last_hit = i;
            return &t->streams[i];
        }
    }
    return NULL;
}

seqtrack *seqtrack_table_get(seqtrack_table *t, const seqtrack_key *k)
{
    seqtrack_stream *found = seqtrack_table_find(t, k);
    if (found)
        return &found->seq;
    if (t->count == t->capacity) {
        t->untracked = seqtrack_count_add(t->untracked, 1);
        return NULL;
    }
    size_t i = t->count++;
    seqtrack_stream *st = &t->streams[i];
    st->key = *k;
    seqtrack_init(&st->seq, t->max_jump);
    size_t head = key_hash(k) & t->head_mask;
    st->next_in_chain = t->heads[head];
    t->heads[head] = (uint32_t)i;
    t->last_hit = i;
    return &st->seq;
}
