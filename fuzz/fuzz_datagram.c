/* fuzz_datagram.c - what mdump does with a UDP datagram: receiver_datagram.
 *
 * Input: byte 0 chooses the options (bits 0-1 the quiet level, 3 meaning
 * 0; bit 2 -v; bit 3 -s), byte 1 the -c compact width (0..40, 0 = full
 * dump); the rest is the datagram, copied into a buffer of exactly its
 * size so a read past its end shows under ASan. It is received three
 * times by the same receiver, so the counters and a 'stat' after messages
 * are covered. Output goes through out.c to the null device, as mdump's
 * -o file would (not to stdout; see fuzz_out.h).
 *
 * Checked after each datagram: an "echo " datagram resets the counters; a
 * "stat " one with a valid count (digits, then only CR, LF or NUL) resets
 * them, reports loss when fewer arrived than were sent, and ends mdump
 * with -s only; one with an invalid count changes nothing; anything else
 * counts as one message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_out.h"
#include "engine/receiver.h"

/* The longest time stamp and sender mdump prints. */
static const char HMS[] = "23:59:59.999999";
static const char PEER[] = "255.255.255.255.65535";

static bool has_prefix(const uint8_t *d, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && memcmp(d, prefix, n) == 0;
}

/* The count of "stat <count>"; false when it is not a valid one. */
static bool stat_count(const uint8_t *t, size_t len, uint64_t *sent)
{
    size_t digits = 0;
    uint64_t v = 0;
    while (digits < len && t[digits] >= '0' && t[digits] <= '9') {
        if (digits < 19)
            v = v * 10 + (uint64_t)(t[digits] - '0');
        digits++;
    }
    if (digits == 0 || digits > 19)
        return false;
    for (size_t i = digits; i < len; i++)
        if (t[i] != '\r' && t[i] != '\n' && t[i] != '\0')
            return false;
    *sent = v;
    return true;
}

static void receive(receiver *r, const uint8_t *d, size_t len, bool exit_on_stat)
{
    uint64_t received = r->received, total = r->messages_total;
    bool loss = r->loss_seen;
    bool stop = receiver_datagram(r, d, len, HMS, PEER);
    uint64_t sent;
    if (has_prefix(d, len, "echo ")) {
        FUZZ_CHECK(!stop);
        FUZZ_CHECK(r->received == 0 && r->expected_seq == 0);
        FUZZ_CHECK(r->messages_total == total && r->loss_seen == loss);
    } else if (has_prefix(d, len, "stat ")) {
        FUZZ_CHECK(r->messages_total == total);
        if (stat_count(d + 5, len - 5, &sent)) {
            FUZZ_CHECK(stop == exit_on_stat);
            FUZZ_CHECK(r->received == 0 && r->expected_seq == 0);
            FUZZ_CHECK(r->loss_seen == (loss || received < sent));
        } else {
            FUZZ_CHECK(!stop);
            FUZZ_CHECK(r->received == received && r->loss_seen == loss);
        }
    } else {
        FUZZ_CHECK(!stop);
        FUZZ_CHECK(r->received == received + 1);
        FUZZ_CHECK(r->messages_total == total + 1);
        FUZZ_CHECK(r->loss_seen == loss);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    receiver_config opts;
    fuzz_receiver_config(&opts, data);

    size_t len = size - 2;
    uint8_t *dgram = malloc(len);
    FUZZ_CHECK(dgram != NULL || len == 0);
    if (len > 0)
        memcpy(dgram, data + 2, len);

    out *o = fuzz_out(fuzz_null_device());
    receiver r;
    receiver_init(&r, &opts, o);
    for (int i = 0; i < 3; i++)
        receive(&r, dgram, len, opts.exit_on_stat);
    FUZZ_CHECK(out_flush(o) == 0);
    free(dgram);
    return 0;
}
