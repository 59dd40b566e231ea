/* test_seqtrack.c - sequence accounting: gaps, late and duplicate
 * numbers, the window's edges, strays, jumps, restarts, wrap and
 * saturation; a random stream against a plain model; the stream table. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "measure/seqtrack.h"

/* The counts in one line, for exact comparisons. */
static const char *counts(const seqtrack *s)
{
    static char text[256];
    snprintf(text, sizeof text,
             "received %llu lost %llu dup %llu reord %llu stray %llu "
             "restarts %llu expected %llu taken %llu",
             (unsigned long long)s->received,
             (unsigned long long)seqtrack_lost(s),
             (unsigned long long)s->duplicates,
             (unsigned long long)s->reordered, (unsigned long long)s->stray,
             (unsigned long long)s->restarts,
             (unsigned long long)seqtrack_expected(s),
             (unsigned long long)seqtrack_taken(s));
    return text;
}

static void test_empty_and_first(void)
{
    seqtrack s;
    seqtrack_init(&s, 0);
    CHECK(s.max_jump == SEQTRACK_MAX_JUMP_DEFAULT);
    CHECK_STR(counts(&s), "received 0 lost 0 dup 0 reord 0 stray 0 restarts 0 expected 0 taken 0");
    CHECK(seqtrack_add(&s, 123456789012ULL) == SEQ_FIRST);
    CHECK(s.highest == 123456789012ULL);
    CHECK_STR(counts(&s), "received 1 lost 0 dup 0 reord 0 stray 0 restarts 0 expected 1 taken 1");
    CHECK(seqtrack_add(&s, 123456789012ULL) == SEQ_DUPLICATE);
    CHECK_STR(counts(&s), "received 2 lost 0 dup 1 reord 0 stray 0 restarts 0 expected 1 taken 1");
}

static void test_gap_late_duplicate(void)
{
    seqtrack s;
    seqtrack_init(&s, 0);
    CHECK(seqtrack_add(&s, 0) == SEQ_FIRST);
    CHECK(seqtrack_add(&s, 1) == SEQ_NEXT);
    CHECK(seqtrack_add(&s, 2) == SEQ_NEXT);
    CHECK(seqtrack_add(&s, 5) == SEQ_GAP);
    CHECK_STR(counts(&s), "received 4 lost 2 dup 0 reord 0 stray 0 restarts 0 expected 6 taken 4");
    CHECK(s.skipped == 2);
    /* A late one fills the gap it was counted in. */
    CHECK(seqtrack_add(&s, 3) == SEQ_LATE);
    CHECK_STR(counts(&s), "received 5 lost 1 dup 0 reord 1 stray 0 restarts 0 expected 6 taken 5");
    CHECK(seqtrack_add(&s, 3) == SEQ_DUPLICATE);
    CHECK(seqtrack_add(&s, 5) == SEQ_DUPLICATE);
    CHECK(seqtrack_add(&s, 0) == SEQ_DUPLICATE);
    CHECK(seqtrack_add(&s, 4) == SEQ_LATE);
    CHECK_STR(counts(&s), "received 9 lost 0 dup 3 reord 2 stray 0 restarts 0 expected 6 taken 6");
    CHECK(s.highest == 5);
    /* skipped only grows: interval differences of it never go negative. */
    CHECK(s.skipped == 2);
    CHECK(seqtrack_add(&s, 6) == SEQ_NEXT);
}

/* Below the first number taken: the sequence reaches down to it. */
static void test_below_first(void)
{
    seqtrack s;
    seqtrack_init(&s, 0);
    seqtrack_add(&s, 10);
    CHECK(seqtrack_add(&s, 7) == SEQ_LATE);
    CHECK(s.lowest == 7);
    CHECK_STR(counts(&s), "received 2 lost 2 dup 0 reord 1 stray 0 restarts 0 expected 4 taken 2");
    CHECK(seqtrack_add(&s, 9) == SEQ_LATE);
    CHECK(seqtrack_add(&s, 8) == SEQ_LATE);
    CHECK(seqtrack_add(&s, 8) == SEQ_DUPLICATE);
    CHECK_STR(counts(&s), "received 5 lost 0 dup 1 reord 3 stray 0 restarts 0 expected 4 taken 4");
}

/* The window holds the highest and the WINDOW - 1 numbers below it. */
static void test_window_edges(void)
{
    const uint64_t W = SEQTRACK_WINDOW;
    seqtrack s;
    seqtrack_init(&s, 0);
    uint64_t base = 1000000;
    seqtrack_add(&s, base);
    CHECK(seqtrack_add(&s, base + W - 1) == SEQ_GAP);
    /* base is W - 1 below the highest: still known as taken. */
    CHECK(seqtrack_add(&s, base) == SEQ_DUPLICATE);
    /* base + 1 .. base + W - 2 were never taken: late. */
    CHECK(seqtrack_add(&s, base + 1) == SEQ_LATE);
    CHECK(seqtrack_add(&s, base + W) == SEQ_NEXT);
    /* base is now W below the highest: beyond the window, a stray (it is
     * a duplicate in truth, but that cannot be known). Its bit is that
     * of base + W, which must not read as taken for base. */
    CHECK(seqtrack_add(&s, base) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, base + W) == SEQ_DUPLICATE);
    CHECK(seqtrack_add(&s, base + 1) == SEQ_DUPLICATE); /* W - 1 below */
    CHECK(seqtrack_add(&s, base + 2) == SEQ_LATE);
    CHECK_STR(counts(&s), "received 9 lost 4092 dup 3 reord 2 stray 1 restarts 0 expected 4097 taken 5");

    /* A step of exactly W and of W + 1 clears the whole window. */
    for (uint64_t step = W - 1; step <= W + 1; step++) {
        seqtrack_init(&s, 0);
        for (uint64_t n = 0; n < W; n++)
            seqtrack_add(&s, n);
        uint64_t top = W - 1 + step;
        CHECK(seqtrack_add(&s, top) == SEQ_GAP);
        /* Every number between is late, none a duplicate; those W or
         * more below the new highest are strays. */
        uint64_t late = 0, stray = 0;
        for (uint64_t n = W; n < top; n++) {
            seq_class c = seqtrack_add(&s, n);
            late += c == SEQ_LATE;
            stray += c == SEQ_STRAY;
        }
        CHECK(stray == (step > W ? step - W : 0));
        CHECK(late == step - 1 - stray);
        CHECK(s.duplicates == 0 && seqtrack_lost(&s) == stray);
    }
}

/* A jump forward beyond max_jump is believed when the next one follows. */
static void test_jump(void)
{
    seqtrack s;
    seqtrack_init(&s, 1000);
    seqtrack_add(&s, 0);
    CHECK(seqtrack_add(&s, 1000) == SEQ_GAP); /* exactly max_jump: taken */
    CHECK(seqtrack_add(&s, 2001) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 1001) == SEQ_NEXT);
    CHECK(s.stray == 1 && s.highest == 1001);
    CHECK(seqtrack_add(&s, 2002) == SEQ_JUMP);
    CHECK(s.highest == 2002 && s.stray == 0);
    /* Lost: 1..999 and 1002..2000. */
    CHECK_STR(counts(&s), "received 5 lost 1998 dup 0 reord 0 stray 0 restarts 0 expected 2003 taken 5");
    CHECK(seqtrack_add(&s, 2001) == SEQ_DUPLICATE);
    CHECK(seqtrack_add(&s, 1500) == SEQ_LATE);

    /* The default (README): up to 2^24 above is taken, more is a stray. */
    seqtrack_init(&s, 0);
    seqtrack_add(&s, 0);
    CHECK(seqtrack_add(&s, SEQTRACK_MAX_JUMP_DEFAULT) == SEQ_GAP);
    CHECK(seqtrack_add(&s, 2 * (uint64_t)SEQTRACK_MAX_JUMP_DEFAULT + 1) == SEQ_STRAY);

    /* Never confirmed: it stays a stray, the sequence goes on. */
    seqtrack_init(&s, 1000);
    seqtrack_add(&s, 0);
    CHECK(seqtrack_add(&s, 1000000000000ULL) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 1) == SEQ_NEXT);
    CHECK(seqtrack_add(&s, 5000000000000ULL) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 1000000000001ULL) == SEQ_STRAY); /* the old probe is gone */
    CHECK(seqtrack_add(&s, 2) == SEQ_NEXT);
    CHECK_STR(counts(&s), "received 6 lost 0 dup 0 reord 0 stray 3 restarts 0 expected 3 taken 3");
    CHECK(seqtrack_add(&s, 1000000000002ULL) == SEQ_JUMP);
    CHECK(s.highest == 1000000000002ULL && s.stray == 2);
}

/* A sender that began again from 0, its echo datagram lost. */
static void test_restart(void)
{
    seqtrack s;
    seqtrack_init(&s, 0);
    for (uint64_t n = 0; n < 10000; n++)
        seqtrack_add(&s, n);
    seqtrack_add(&s, 10002); /* 10000 and 10001 lost */
    CHECK(seqtrack_add(&s, 0) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 1) == SEQ_RESTART);
    CHECK(s.lowest == 0 && s.highest == 1);
    CHECK(seqtrack_add(&s, 2) == SEQ_NEXT);
    CHECK(seqtrack_add(&s, 4) == SEQ_GAP);
    CHECK_STR(counts(&s), "received 10005 lost 3 dup 0 reord 0 stray 0 restarts 1 expected 10008 taken 10005");

    /* Beginning again inside the window reads as duplicates, unless the
     * caller starts a new sequence. */
    seqtrack_init(&s, 0);
    for (uint64_t n = 0; n < 100; n++)
        seqtrack_add(&s, n);
    CHECK(seqtrack_add(&s, 0) == SEQ_DUPLICATE);
    seqtrack_new_sequence(&s);
    CHECK(seqtrack_add(&s, 0) == SEQ_FIRST);
    CHECK(seqtrack_add(&s, 1) == SEQ_NEXT);
    CHECK(seqtrack_add(&s, 3) == SEQ_GAP);
    CHECK_STR(counts(&s), "received 104 lost 1 dup 1 reord 0 stray 0 restarts 0 expected 104 taken 103");
    /* A pending stray is forgotten by a new sequence. */
    seqtrack_init(&s, 10);
    seqtrack_add(&s, 0);
    CHECK(seqtrack_add(&s, 100) == SEQ_STRAY);
    seqtrack_new_sequence(&s);
    CHECK(seqtrack_add(&s, 101) == SEQ_FIRST);
    CHECK(s.stray == 1);
}

/* Every number arrives again much later (a second, slower path): each
 * copy is a stray, and two copies in a row (a stray and its successor)
 * are no restart once the sequence goes on from its highest; nothing is
 * counted lost. Before, this stream of 20000 counted 37495000 lost and
 * 7500 restarts. */
static void test_late_copies(void)
{
    const uint64_t N = 20000, DELAY = 5000;
    seqtrack s;
    /* One copy after each number. */
    seqtrack_init(&s, 0);
    for (uint64_t k = 0; k < N; k++) {
        seqtrack_add(&s, k);
        if (k >= DELAY)
            seqtrack_add(&s, k - DELAY);
    }
    CHECK_STR(counts(&s), "received 35000 lost 0 dup 0 reord 0 stray 15000 restarts 0 expected 20000 taken 20000");
    CHECK(s.highest == N - 1 && s.lowest == 0);
    /* Copies two at a time: each pair reads as a restart, until the next
     * number goes on from the old highest and shows it was none. */
    seqtrack_init(&s, 0);
    uint64_t copy = 0;
    for (uint64_t k = 0; k < N; k++) {
        seqtrack_add(&s, k);
        if (k >= DELAY && k % 2 == 0) {
            CHECK(seqtrack_add(&s, copy++) == SEQ_STRAY);
            CHECK(seqtrack_add(&s, copy++) == SEQ_RESTART);
        }
    }
    CHECK_STR(counts(&s), "received 35000 lost 0 dup 0 reord 0 stray 15000 restarts 0 expected 20000 taken 20000");
    CHECK(s.highest == N - 1 && s.lowest == 0);
    /* Copies just beyond the window, in runs of 1 to 100 between runs of
     * the numbers themselves: still none lost, each copy a stray. */
    seqtrack_init(&s, 0);
    uint64_t next = 0, copies = 0;
    for (uint64_t run = 0; next < 300000; run++) {
        for (uint64_t i = 0; i < run % 100 + 1 && next < 300000; i++)
            seqtrack_add(&s, next++);
        for (uint64_t i = 0; i < (run * 7) % 100 + 1 && copies + SEQTRACK_WINDOW + 10 < next; i++)
            seqtrack_add(&s, copies++);
    }
    /* (The last copies read as a restart until a number follows them.) */
    seqtrack_add(&s, next++);
    CHECK(seqtrack_lost(&s) == 0 && s.restarts == 0 && s.duplicates == 0);
    CHECK(s.stray == copies && copies > 250000 && seqtrack_expected(&s) == 300001);
    /* The number that shows it goes on from the old highest after a gap:
     * the gap is lost, the copies stray. */
    seqtrack_init(&s, 0);
    for (uint64_t k = 0; k < 10000; k++)
        seqtrack_add(&s, k);
    CHECK(seqtrack_add(&s, 10) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 11) == SEQ_RESTART);
    CHECK(seqtrack_add(&s, 12) == SEQ_NEXT);
    CHECK(seqtrack_add(&s, 10002) == SEQ_GAP);
    CHECK_STR(counts(&s), "received 10004 lost 2 dup 0 reord 0 stray 3 restarts 0 expected 10003 taken 10001");
    CHECK(seqtrack_add(&s, 10000) == SEQ_LATE);

    /* A real restart goes on as one: its numbers grow from its start, and
     * a late one of the old sequence (at or below its highest) is a stray,
     * not a gap in the new one. */
    seqtrack_init(&s, 0);
    for (uint64_t k = 0; k < 10000; k++)
        seqtrack_add(&s, k);
    CHECK(seqtrack_add(&s, 0) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 1) == SEQ_RESTART);
    CHECK(seqtrack_add(&s, 9990) == SEQ_STRAY);
    for (uint64_t k = 2; k < 10020; k++)
        seqtrack_add(&s, k);
    CHECK_STR(counts(&s), "received 20021 lost 0 dup 0 reord 0 stray 1 restarts 1 expected 20020 taken 20020");
    CHECK(s.lowest == 0 && s.highest == 10019);
}

/* Numbers near 2^64: the wrap to 0 is a far jump back. */
static void test_wrap(void)
{
    seqtrack s;
    seqtrack_init(&s, 0);
    CHECK(seqtrack_add(&s, UINT64_MAX - 2) == SEQ_FIRST);
    CHECK(seqtrack_add(&s, UINT64_MAX) == SEQ_GAP);
    CHECK(seqtrack_add(&s, UINT64_MAX - 1) == SEQ_LATE);
    CHECK(seqtrack_add(&s, 0) == SEQ_STRAY);
    CHECK(seqtrack_add(&s, 1) == SEQ_RESTART);
    CHECK_STR(counts(&s), "received 5 lost 0 dup 0 reord 1 stray 0 restarts 1 expected 5 taken 5");

    /* UINT64_MAX held as a stray has no successor: 0 does not confirm it. */
    seqtrack_init(&s, 0);
    seqtrack_add(&s, 5);
    CHECK(seqtrack_add(&s, UINT64_MAX) == SEQ_STRAY);
    CHECK(!s.probing);
    CHECK(seqtrack_add(&s, 6) == SEQ_NEXT);

    /* The largest gap there is: counts saturate instead of wrapping. */
    seqtrack_init(&s, UINT64_MAX);
    seqtrack_add(&s, 0);
    CHECK(seqtrack_add(&s, UINT64_MAX) == SEQ_GAP);
    CHECK(seqtrack_lost(&s) == UINT64_MAX - 1);
    CHECK(seqtrack_expected(&s) == UINT64_MAX);
    seqtrack_new_sequence(&s);
    seqtrack_add(&s, 0);
    CHECK(seqtrack_add(&s, 10) == SEQ_GAP);
    CHECK(seqtrack_lost(&s) == UINT64_MAX);
    CHECK(seqtrack_expected(&s) == UINT64_MAX);
}

/* A stream with drops, duplicates and local reordering against a model
 * that remembers every number (no strays: displacements stay well inside
 * the window). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum { MODEL_N = 30000, MODEL_SLOTS = MODEL_N * 2 };

static void test_against_model(uint64_t offset)
{
    static uint64_t arrivals[MODEL_SLOTS];
    static unsigned char seen[MODEL_N];
    size_t count = 0;
    for (uint64_t n = 0; n < MODEL_N; n++) {
        uint64_t r = rng() % 100;
        if (r < 5)
            continue; /* dropped */
        arrivals[count++] = n;
        if (r < 8)
            arrivals[count++] = n; /* duplicated */
    }
    /* Local reordering: move some entries back by up to 300 places. */
    for (size_t i = 0; i < count; i++) {
        if (rng() % 100 < 6) {
            size_t d = (size_t)(rng() % 300) + 1;
            if (d > i)
                d = i;
            uint64_t v = arrivals[i];
            memmove(&arrivals[i - d + 1], &arrivals[i - d], d * sizeof v);
            arrivals[i - d] = v;
        }
    }
    memset(seen, 0, sizeof seen);
    uint64_t m_dup = 0, m_late = 0, m_taken = 0, hi = 0, lo = 0;
    seqtrack s;
    seqtrack_init(&s, 0);
    int mismatched = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t x = arrivals[i];
        seq_class want;
        if (i == 0) {
            want = SEQ_FIRST;
            hi = lo = x;
        } else if (seen[x]) {
            want = SEQ_DUPLICATE;
        } else if (x > hi) {
            want = x == hi + 1 ? SEQ_NEXT : SEQ_GAP;
            hi = x;
        } else {
            want = SEQ_LATE;
            if (x < lo)
                lo = x;
        }
        if (want == SEQ_DUPLICATE)
            m_dup++;
        else
            m_taken++;
        if (want == SEQ_LATE)
            m_late++;
        seen[x] = 1;
        if (seqtrack_add(&s, offset + x) != want)
            mismatched++;
    }
    CHECK(mismatched == 0);
    CHECK(s.received == count);
    CHECK(s.duplicates == m_dup);
    CHECK(s.reordered == m_late);
    CHECK(seqtrack_taken(&s) == m_taken);
    CHECK(seqtrack_lost(&s) == (hi - lo + 1) - m_taken);
    CHECK(seqtrack_expected(&s) == hi - lo + 1);
    CHECK(s.highest == offset + hi && s.lowest == offset + lo);
    CHECK(s.stray == 0);
    /* The model stream had all three. */
    CHECK(m_dup > 100 && m_late > 100 && hi - lo + 1 > m_taken);
}

static void test_table(void)
{
    seqtrack_table t;
    CHECK(!seqtrack_table_init(&t, 0, 0));
    CHECK(!seqtrack_table_init(&t, SEQTRACK_TABLE_MAX + 1, 0));

    seqtrack_key k;
    uint8_t too_long[17] = {0};
    uint8_t a4[4] = {10, 0, 0, 1}, g4[4] = {239, 1, 2, 3};
    uint8_t a16[16] = {10, 0, 0, 1};
    CHECK(!seqtrack_key_make(&k, too_long, 17, 1, g4, 4));
    CHECK(!seqtrack_key_make(&k, a4, 4, 1, too_long, 17));

    CHECK(seqtrack_table_init(&t, 4, 50));
    seqtrack_key keys[6];
    CHECK(seqtrack_key_make(&keys[0], a4, 4, 5000, g4, 4));
    CHECK(seqtrack_key_make(&keys[1], a4, 4, 5001, g4, 4));  /* port */
    CHECK(seqtrack_key_make(&keys[2], a16, 16, 5000, g4, 4)); /* length */
    CHECK(seqtrack_key_make(&keys[3], a4, 4, 5000, g4, 3));  /* group */
    CHECK(seqtrack_key_make(&keys[4], a4, 4, 5000, NULL, 0)); /* no group */
    CHECK(seqtrack_key_make(&keys[5], a4, 4, 5000, g4, 4));  /* = keys[0] */
    seqtrack *st[5];
    for (int i = 0; i < 4; i++) {
        st[i] = seqtrack_table_get(&t, &keys[i]);
        CHECK(st[i] != NULL);
        CHECK(st[i]->max_jump == 50);
    }
    CHECK(t.count == 4);
    CHECK(st[0] != st[1] && st[1] != st[2] && st[2] != st[3] && st[0] != st[3]);
    /* Full: a fifth stream is not tracked, only counted. */
    st[4] = seqtrack_table_get(&t, &keys[4]);
    CHECK(st[4] == NULL);
    CHECK(seqtrack_table_get(&t, &keys[4]) == NULL);
    CHECK(t.untracked == 2 && t.count == 4);
    CHECK(seqtrack_table_find(&t, &keys[4]) == NULL);
    CHECK(t.untracked == 2);
    /* The streams there go on, found by an equal key. */
    CHECK(seqtrack_table_get(&t, &keys[5]) == st[0]);
    seqtrack_add(st[0], 7);
    CHECK(seqtrack_table_get(&t, &keys[3]) == st[3]);
    CHECK(seqtrack_table_get(&t, &keys[0])->highest == 7);
    /* First-seen order. */
    for (int i = 0; i < 4; i++)
        CHECK(memcmp(&t.streams[i].key, &keys[i], sizeof keys[i]) == 0);
    CHECK(seqtrack_table_find(&t, &keys[2]) == &t.streams[2]);
    seqtrack_table_clear(&t);
    CHECK(t.count == 0 && t.untracked == 0);
    CHECK(seqtrack_table_find(&t, &keys[0]) == NULL);
    st[4] = seqtrack_table_get(&t, &keys[4]);
    CHECK(st[4] == &t.streams[0].seq && st[4]->received == 0);
    seqtrack_table_free(&t);
    CHECK(t.streams == NULL && t.count == 0);

    /* Many streams: each found again, none confused (hash chains). */
    enum { MANY = 3000 };
    CHECK(seqtrack_table_init(&t, MANY, 0));
    for (uint32_t i = 0; i < MANY; i++) {
        uint8_t src[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        seqtrack_key_make(&k, src, 4, (uint16_t)(i % 7), g4, 4);
        seqtrack *s = seqtrack_table_get(&t, &k);
        CHECK(s != NULL);
        if (s)
            seqtrack_add(s, i);
    }
    int wrong = 0;
    for (uint32_t i = MANY; i-- > 0;) {
        uint8_t src[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        seqtrack_key_make(&k, src, 4, (uint16_t)(i % 7), g4, 4);
        seqtrack_stream *e = seqtrack_table_find(&t, &k);
        if (!e || e->seq.highest != i || e != &t.streams[i])
            wrong++;
    }
    CHECK(wrong == 0);
    CHECK(t.count == MANY && t.untracked == 0);
    seqtrack_table_free(&t);
}

int main(void)
{
    test_empty_and_first();
    test_gap_late_duplicate();
    test_below_first();
    test_window_edges();
    test_jump();
    test_restart();
    test_late_copies();
    test_wrap();
    test_against_model(0);
    test_against_model(1000000007ULL);
    test_against_model(UINT64_MAX - MODEL_N - 1);
    test_table();
    return check_report("test_seqtrack");
}
