/* seqtrack.h - sequence accounting for one sender's stream of numbered
 * messages (mdump's "Message <n>"), and a table of such streams.
 *
 * Fed the sequence numbers (64-bit, starting anywhere) in the order the
 * messages arrive, it counts, following RFC 3550 (appendix A.1 and A.3:
 * the extended highest number, "expected", cumulative loss, confirming a
 * large jump by the next number) and RFC 4737 (section 3: a message is
 * reordered when its number is below the next one expected, i.e. it
 * arrives after one with a higher number):
 *
 *   received    every number fed.
 *   duplicates  a number already taken (seen within the window).
 *   reordered   taken, but lower than the highest seen at its arrival: a
 *               late one. It had been counted lost when the higher one
 *               passed it, so it fills that gap: lost goes down by one,
 *               reordered up by one. (RFC 4737 does not count duplicates
 *               as reordered; neither does this.)
 *   lost        seqtrack_lost(): numbers from the lowest to the highest
 *               taken of each sequence that have not arrived (RFC 3550's
 *               expected minus received, without duplicates and strays).
 *               It falls when a late one arrives, so it is not monotonic;
 *               `skipped` (numbers passed over, lost = skipped -
 *               reordered) is, as are the other counts, except where a
 *               restart is undone (below): its counts are taken back.
 *   stray       a number too far from the sequence to place (below): not
 *               taken, until the next number confirms it.
 *   restarts    sequences begun again by a confirmed far jump back.
 *   highest     the highest number taken in the current sequence.
 * So that: received = duplicates + stray + taken, and over all sequences
 * expected = taken + lost, where expected sums highest - lowest + 1.
 *
 * Memory is bounded: a window of the last SEQTRACK_WINDOW numbers up to
 * the highest (a bitmap, 512 bytes) tells duplicates from late ones, and
 * a copy of it is kept across a restart (above).
 * Beyond it, what cannot be placed is held as a stray, as RFC 3550 does:
 *   - a number SEQTRACK_WINDOW or more below the highest (a duplicate or
 *     a very late one: it cannot be told which; or a sender that began
 *     again);
 *   - a number more than max_jump above the highest (a stray datagram or
 *     a sender that began again higher).
 * If the number right after a stray (stray + 1) arrives next or later,
 * itself too far to place, it confirms the stray: a jump forward counts
 * the numbers passed over as lost and goes on from there; a jump back
 * begins a new sequence (restarts), the counts of the old one kept. A
 * stray never confirmed stays one.
 * A jump back is a sender that began again only if the old sequence
 * stopped; copies of old numbers that come very late (a second, slower
 * path) look the same, so the old sequence is watched:
 *   - a stray below the highest is no longer waited on once a number
 *     moves the highest on (the sequence goes on);
 *   - after a restart, the old sequence is kept until the new one grows
 *     to within half a window of its highest. A number that goes on from
 *     the old highest (above it by at most max_jump) meanwhile undoes the
 *     restart: the old sequence goes on with that number, and what
 *     arrived since the restart's stray counts as stray. A number less
 *     than a window below the old highest, and half a window or more
 *     above the new one, is a late one of the old sequence: a stray, not
 *     a gap in the new one. A sender that begins again from a
 * number within the window reads as duplicates: call
 * seqtrack_new_sequence at its start (mdump: on the "echo" datagram that
 * msend sends before each test). A number that wraps from 2^64 - 1 to 0
 * is a far jump back, a new sequence.
 *
 * Nothing is allocated by the tracker; the table allocates once, at init. */
#ifndef MTOOLS_SEQTRACK_H
#define MTOOLS_SEQTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SEQTRACK_WINDOW = 4096 }; /* numbers; a multiple of 64 */
#define SEQTRACK_MAX_JUMP_DEFAULT 16777216u /* 2^24: 168 s at 100k msgs/s */

/* What one number was found to be. */
typedef enum {
    SEQ_FIRST,     /* the first of a sequence */
    SEQ_NEXT,      /* highest + 1 */
    SEQ_GAP,       /* above highest + 1: the numbers between counted lost */
    SEQ_LATE,      /* below the highest, not seen before: reordered */
    SEQ_DUPLICATE, /* seen before */
    SEQ_STRAY,     /* too far to place: held, not taken */
    SEQ_JUMP,      /* confirms a stray above: the gap to it counted lost */
    SEQ_RESTART    /* confirms a stray below: a new sequence from it */
} seq_class;

/* The counts of a sequence that a restart ended, kept in case the old
 * sequence goes on (the restart undone). */
typedef struct seqtrack_before_restart {
    uint64_t received; /* before the number that confirmed the restart */
    uint64_t duplicates, reordered, skipped, stray, restarts;
    uint64_t highest, lowest, expected_past;
    uint64_t window[SEQTRACK_WINDOW / 64];
} seqtrack_before_restart;

typedef struct seqtrack {
    uint64_t received, duplicates, reordered, skipped, stray, restarts;
    uint64_t highest;       /* of the current sequence, when started */
    uint64_t lowest;        /* of the current sequence */
    uint64_t expected_past; /* highest - lowest + 1 of ended sequences */
    bool started;           /* the current sequence has a number */
    bool probing;           /* a stray waits for probe_next to confirm it */
    uint64_t probe_next;
    uint64_t max_jump;
    uint64_t window[SEQTRACK_WINDOW / 64]; /* bit n % WINDOW: n taken */
    bool restart_undoable; /* before_restart holds the old sequence */
    seqtrack_before_restart before_restart;
} seqtrack;

/* All counts zero. max_jump: the largest step forward believed without
 * confirmation; 0 gives SEQTRACK_MAX_JUMP_DEFAULT. */
void seqtrack_init(seqtrack *s, uint64_t max_jump);
/* Takes one arriving number; constant time (amortised: the window is
 * cleared as the highest moves past it). */
seq_class seqtrack_add(seqtrack *s, uint64_t seq);
/* The sender begins again: the next number starts a new sequence; the
 * counts so far are kept (a pending stray is forgotten, staying a stray). */
void seqtrack_new_sequence(seqtrack *s);

/* Counts saturate at UINT64_MAX rather than wrap: a + b, held there
 * (sums of counts too: flow_table_sums). */
uint64_t seqtrack_count_add(uint64_t a, uint64_t b);
uint64_t seqtrack_lost(const seqtrack *s);
uint64_t seqtrack_expected(const seqtrack *s);
uint64_t seqtrack_taken(const seqtrack *s); /* received - duplicates - stray */

/* A stream's identity: the sender's address bytes (4 for IPv4, 16 for
 * IPv6, as in the socket address, network order) and UDP port, and the
 * group (or local) address it was sent to. */
enum { SEQTRACK_ADDR_MAX = 16 };
typedef struct seqtrack_key {
    uint8_t source[SEQTRACK_ADDR_MAX];
    uint8_t source_len;
    uint16_t source_port; /* host order */
    uint8_t group[SEQTRACK_ADDR_MAX];
    uint8_t group_len;
} seqtrack_key;

/* False (and k unchanged) when a length exceeds SEQTRACK_ADDR_MAX. */
bool seqtrack_key_make(seqtrack_key *k, const void *source, size_t source_len,
                       uint16_t source_port, const void *group,
                       size_t group_len);

typedef struct seqtrack_stream {
    seqtrack_key key;
    seqtrack seq;
    uint32_t next_in_chain; /* the table's own */
} seqtrack_stream;

enum { SEQTRACK_TABLE_MAX = 65536 };

/* Up to `capacity` streams, kept in the order first seen. When full, a
 * new stream is not tracked: its datagrams are counted in `untracked`
 * and the streams already there go on being tracked. */
typedef struct seqtrack_table {
    seqtrack_stream *streams; /* [0, count): first-seen order */
    size_t count, capacity;
    uint32_t *heads; /* hash chains */
    size_t head_mask;
    size_t last_hit; /* consecutive datagrams usually share a stream */
    uint64_t untracked;
    uint64_t max_jump;
} seqtrack_table;

/* Allocates the streams: false when capacity is 0, above
 * SEQTRACK_TABLE_MAX or the memory is not there. */
bool seqtrack_table_init(seqtrack_table *t, size_t capacity,
                         uint64_t max_jump);
void seqtrack_table_free(seqtrack_table *t);
/* The tracker of a stream, begun (seqtrack_init) on its first sight;
 * NULL when the table is full (counted in untracked). The pointer stays
 * valid until seqtrack_table_clear or seqtrack_table_free. */
seqtrack *seqtrack_table_get(seqtrack_table *t, const seqtrack_key *k);
/* The stream's entry if tracked, else NULL; counts nothing. */
seqtrack_stream *seqtrack_table_find(seqtrack_table *t, const seqtrack_key *k);
/* Forgets every stream and the untracked count. */
void seqtrack_table_clear(seqtrack_table *t);

#endif
