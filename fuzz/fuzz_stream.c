/* fuzz_stream.c - what mdump does with a TCP byte stream: receiver_stream
 * on each read, receiver_stream_end when the peer closes.
 *
 * Input:
 *   byte 0    options: bits 0-1 the quiet level (3 means 0), bit 2 -v,
 *             bit 3 -s, bit 4 also feed the stream one byte per read
 *             (streams up to BYTEWISE_MAX bytes), bit 5 script mode (below)
 *   byte 1    the -c compact width, 0..40 (0 = full dump)
 *   byte 2    k, the number of cut points, 0..16
 *   2k bytes  the cut points, little-endian 16-bit, each taken modulo
 *             (stream length + 1) and sorted
 *   the rest  the stream, or in script mode a script that makes one
 * Each read is a buffer of exactly its size (a read past its end shows
 * under ASan); empty pieces are skipped (a read of 0 bytes is the EOF).
 * After a stop (a 'stat' with -s) nothing more is fed, as in mdump.
 *
 * Invariant 1: how the reads cut the stream must not change its meaning.
 * The stream is received (A) with the chosen options in the chosen pieces,
 * its dumps to the null device; then with -Q2 (B) in one piece and (C) in
 * the chosen pieces, and (D) one byte per read when asked. All must end
 * with the same counts (received, messages_total, loss_seen, the next
 * expected sequence number, stopped or not), and B, C and D must print the
 * same text: at -Q2 only the echo, stat and sequence lines are printed,
 * and those come from the stream's meaning alone (the per-read dump
 * headers are what legitimately differ, and -Q2 has none).
 *
 * Invariant 2 (script mode): what msend sends means the same over TCP as
 * over UDP. The script makes a list of datagrams as msend writes them
 * (script_make below); the stream is their concatenation, and besides
 * A-D, (E) the datagrams one by one through receiver_datagram at -Q2
 * must give B's counts and B's text. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_out.h"
#include "engine/receiver.h"

enum { MAX_CUTS = 16, BYTEWISE_MAX = 8192, MAX_DATAGRAMS = 4096 };

static const char HMS[] = "23:59:59.999999";
static const char PEER[] = "255.255.255.255.65535";

typedef struct outcome {
    uint64_t received, messages_total, expected_seq;
    bool loss_seen, stopped;
    long printed; /* bytes of output, when captured */
} outcome;

/* Reads end at cuts[0..ncuts) (sorted, <= len) and at len. bytewise: every
 * read one byte. Output to f; its size noted when captured. */
static outcome receive(const receiver_config *opts, FILE *f, bool captured,
                       const uint8_t *stream, size_t len, const size_t *cuts,
                       size_t ncuts, bool bytewise)
{
    out *o = fuzz_out(f);
    receiver r;
    receiver_init(&r, opts, o);

    bool stop = false;
    size_t start = 0, next_cut = 0;
    while (start < len && !stop) {
        size_t end;
        if (bytewise) {
            end = start + 1;
        } else {
            while (next_cut < ncuts && cuts[next_cut] <= start)
                next_cut++;
            end = next_cut < ncuts ? cuts[next_cut] : len;
        }
        size_t n = end - start;
        uint8_t *piece = malloc(n);
        FUZZ_CHECK(piece != NULL);
        memcpy(piece, stream + start, n);
        stop = receiver_stream(&r, piece, n, HMS, PEER);
        free(piece);
        start = end;
    }
    if (!stop)
        stop = receiver_stream_end(&r);

    FUZZ_CHECK(out_flush(o) == 0);
    outcome oc = {r.received, r.messages_total, r.expected_seq, r.loss_seen,
                  stop, captured ? ftell(f) : -1};
    return oc;
}

static void same_meaning(const outcome *a, const outcome *b)
{
    FUZZ_CHECK(a->received == b->received);
    FUZZ_CHECK(a->messages_total == b->messages_total);
    FUZZ_CHECK(a->loss_seen == b->loss_seen);
    FUZZ_CHECK(a->expected_seq == b->expected_seq);
    FUZZ_CHECK(a->stopped == b->stopped);
}

/* The first n bytes of f. */
static char *read_back(FILE *f, long n)
{
    char *text = malloc((size_t)n + 1);
    FUZZ_CHECK(text != NULL);
    rewind(f);
    FUZZ_CHECK(fread(text, 1, (size_t)n, f) == (size_t)n);
    return text;
}

static void same_text(FILE *fa, const outcome *a, FILE *fb, const outcome *b)
{
    FUZZ_CHECK(a->printed >= 0 && b->printed >= 0);
    FUZZ_CHECK(a->printed == b->printed);
    char *ta = read_back(fa, a->printed), *tb = read_back(fb, b->printed);
    FUZZ_CHECK(memcmp(ta, tb, (size_t)a->printed) == 0);
    free(ta);
    free(tb);
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Two capture files, made once: rewound, not truncated, for each run. */
static FILE *capture(int i)
{
    static FILE *files[2];
    if (!files[i]) {
        files[i] = tmpfile();
        FUZZ_CHECK(files[i] != NULL);
    }
    rewind(files[i]);
    return files[i];
}

/* ---- script mode: msend's datagrams ---- */

typedef struct script {
    uint8_t *bytes; /* the datagrams end to end: the TCP stream */
    size_t len, cap;
    size_t *ends;   /* where each datagram ends */
    size_t count;
} script;

static void emit(script *s, const void *p, size_t n)
{
    if (s->len + n > s->cap) {
        while (s->len + n > s->cap)
            s->cap = s->cap ? s->cap * 2 : 1024;
        s->bytes = realloc(s->bytes, s->cap);
        FUZZ_CHECK(s->bytes != NULL);
    }
    memcpy(s->bytes + s->len, p, n);
    s->len += n;
}

static void end_datagram(script *s)
{
    s->ends[s->count++] = s->len;
}

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static uint8_t next_byte(reader *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

static uint64_t next_u64(reader *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | next_byte(in);
    return v;
}

/* Each step of the script is one of:
 *   echo     "echo " + up to 63 printable characters (+ "\n") + NUL
 *   message  "Message <k>", k in hex (or decimal, as msend -d) counting on
 *            from the last, or any 64-bit number; then, as with msend -m,
 *            a NUL and zero bytes, or nothing
 *   messages a run of 1-16 of them
 *   stat     "stat <count>", the count right, one too many, one too few or
 *            any number of up to 19 digits; then nothing, "\n" or "\r\n\0"
 * Only what both transports can carry the same: a TCP reader finds the
 * texts by their "Message ", "echo " and "stat " (so no message without
 * its text, as -P or a short -m makes), keeps at most 16 digits of a
 * sequence number and 19 of a count, and an echo up to its NUL. */
static void script_make(script *s, const uint8_t *data, size_t size)
{
    reader in = {data, size};
    uint64_t next_k = 0, since_stat = 0;
    memset(s, 0, sizeof *s);
    s->ends = malloc(MAX_DATAGRAMS * sizeof *s->ends);
    FUZZ_CHECK(s->ends != NULL);
    while (in.left > 0 && s->count < MAX_DATAGRAMS) {
        uint8_t op = next_byte(&in);
        char text[64];
        switch (op % 4) {
        case 0: {
            size_t n = next_byte(&in) % 64;
            emit(s, "echo ", 5);
            for (size_t i = 0; i < n; i++) {
                char c = (char)(0x20 + next_byte(&in) % 95);
                emit(s, &c, 1);
            }
            emit(s, (op & 4) ? "\n" : "", (op & 4) ? 2 : 1);
            end_datagram(s);
            next_k = 0;
            since_stat = 0;
            break;
        }
        case 1:
        case 3: {
            size_t run = op % 4 == 3 ? next_byte(&in) % 16 + 1 : 1;
            uint8_t how = next_byte(&in);
            if (how & 1) {
                uint64_t v = next_u64(&in);
                next_k = v >> (next_byte(&in) % 64);
            }
            size_t pad = (how & 4) ? next_byte(&in) % 16 + 1 : 0;
            for (size_t r = 0; r < run && s->count < MAX_DATAGRAMS; r++) {
                int n = (how & 2) ? snprintf(text, sizeof text, "Message %llu",
                                             (unsigned long long)(next_k % UINT64_C(10000000000000000)))
                                  : snprintf(text, sizeof text, "Message %llx",
                                             (unsigned long long)next_k);
                emit(s, text, (size_t)n);
                static const uint8_t zeros[16];
                emit(s, zeros, pad);
                end_datagram(s);
                next_k++;
                since_stat++;
            }
            break;
        }
        case 2: {
            uint8_t how = next_byte(&in);
            uint64_t count = since_stat;
            if (how % 4 == 1)
                count = since_stat + 1;
            else if (how % 4 == 2)
                count = since_stat > 0 ? since_stat - 1 : 0;
            else if (how % 4 == 3)
                count = next_u64(&in) % UINT64_C(10000000000000000000);
            int n = snprintf(text, sizeof text, "stat %llu", (unsigned long long)count);
            emit(s, text, (size_t)n);
            static const char *const endings[] = {"", "\n", "\r\n"};
            const char *ending = endings[(how >> 2) % 3];
            emit(s, ending, strlen(ending) + ((how >> 2) % 3 == 2)); /* + NUL */
            end_datagram(s);
            since_stat = 0;
            break;
        }
        }
    }
}

/* (E): the datagrams one by one, as mdump receives them over UDP. */
static outcome receive_datagrams(const receiver_config *opts, FILE *f,
                                 const script *s)
{
    out *o = fuzz_out(f);
    receiver r;
    receiver_init(&r, opts, o);
    bool stop = false;
    size_t start = 0;
    for (size_t i = 0; i < s->count && !stop; i++) {
        size_t n = s->ends[i] - start;
        uint8_t *d = malloc(n);
        FUZZ_CHECK(d != NULL);
        memcpy(d, s->bytes + start, n);
        stop = receiver_datagram(&r, d, n, HMS, PEER);
        free(d);
        start = s->ends[i];
    }
    FUZZ_CHECK(out_flush(o) == 0);
    outcome oc = {r.received, r.messages_total, r.expected_seq, r.loss_seen,
                  stop, ftell(f)};
    return oc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    receiver_config opts;
    fuzz_receiver_config(&opts, data);
    bool bytewise = (data[0] & 16) != 0;
    size_t ncuts = data[2] % (MAX_CUTS + 1);
    if (3 + 2 * ncuts > size)
        ncuts = (size - 3) / 2;
    const uint8_t *cut_bytes = data + 3;
    const uint8_t *stream = cut_bytes + 2 * ncuts;
    size_t len = size - (size_t)(stream - data);
    script sc;
    bool scripted = (data[0] & 32) != 0;
    if (scripted) {
        script_make(&sc, stream, len);
        stream = sc.bytes;
        len = sc.len;
    }

    size_t cuts[MAX_CUTS];
    for (size_t i = 0; i < ncuts; i++)
        cuts[i] = ((size_t)cut_bytes[2 * i] | (size_t)cut_bytes[2 * i + 1] << 8) %
                  (len + 1);
    qsort(cuts, ncuts, sizeof cuts[0], compare_size);

    outcome a = receive(&opts, fuzz_null_device(), false, stream, len, cuts,
                        ncuts, false);

    receiver_config quiet = opts;
    quiet.quiet_level = 2;
    FILE *whole_file = capture(0), *cut_file = capture(1);
    outcome whole = receive(&quiet, whole_file, true, stream, len, NULL, 0, false);
    outcome cut = receive(&quiet, cut_file, true, stream, len, cuts, ncuts, false);
    same_meaning(&a, &whole);
    same_meaning(&whole, &cut);
    same_text(whole_file, &whole, cut_file, &cut);

    if (bytewise && len <= BYTEWISE_MAX) {
        FILE *byte_file = capture(1);
        outcome bytes = receive(&quiet, byte_file, true, stream, len, NULL, 0,
                                true);
        same_meaning(&whole, &bytes);
        same_text(whole_file, &whole, byte_file, &bytes);
    }

    if (scripted) {
        FILE *udp_file = capture(1);
        outcome udp = receive_datagrams(&quiet, udp_file, &sc);
        same_meaning(&whole, &udp);
        same_text(whole_file, &whole, udp_file, &udp);
        free(sc.bytes);
        free(sc.ends);
    }
    return 0;
}
