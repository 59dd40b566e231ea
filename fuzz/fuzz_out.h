/* fuzz_out.h - the mdump output (out.h) that the receiver targets write to,
 * and the receiver settings they take from the input.
 *
 * One out for the whole process, reset before each use: out_open's
 * 512 KiB buffer, malloc'ed and freed once per input, cost about 1.2 ms
 * under ASan (a chunk that large is mapped and unmapped each time), which
 * held fuzz_datagram to 1,700 inputs a second. Everything the receiver
 * calls (out_reserve, out_write, out_printf, out_flush) is the real code;
 * only out_open and out_close run once. */
#ifndef MTOOLS_FUZZ_OUT_H
#define MTOOLS_FUZZ_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine/receiver.h"
#include "fuzz.h"
#include "lib/out.h"

/* The out, emptied, writing to file only (not to stdout). */
static inline out *fuzz_out(FILE *file)
{
    static out o;
    static bool opened;
    if (!opened) {
        FUZZ_CHECK(out_open(&o, NULL) == 0);
        opened = true;
    }
    o.len = 0;
    o.failed = false;
    o.stdout_closed = false;
    o.to_stdout = false;
    o.file = file;
    o.file_name = "output";
    return &o;
}

/* The null device, opened once. */
static inline FILE *fuzz_null_device(void)
{
    static FILE *f;
    if (!f) {
        f = fopen(FUZZ_NULL_DEVICE, "w");
        FUZZ_CHECK(f != NULL);
    }
    return f;
}

/* The receiver's settings (mdump's -Q, -v, -s, -c) from the first two
 * input bytes, as both receiver targets read them: bits 0-1 of the first
 * the quiet level (3 reads as 0), bit 2 -v, bit 3 -s; the second -c,
 * 0..40. */
static inline void fuzz_receiver_config(receiver_config *opts, const uint8_t *data)
{
    memset(opts, 0, sizeof *opts);
    opts->quiet_level = (data[0] & 3) == 3 ? 0 : data[0] & 3;
    opts->verify_seq = (data[0] & 4) != 0;
    opts->exit_on_stat = (data[0] & 8) != 0;
    opts->compact_bytes = data[1] % 41;
}

#endif
