/* fuzz_out.h - the mdump output (out.h) that the receiver targets write to.
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

#endif
