/* out.h - mdump's output: one buffer written to stdout and, with -o, to a
 * file as well. Text is formatted straight into the buffer and written with
 * one call per batch; out_flush() is called whenever the socket has nothing
 * more waiting, so a person watching sees every datagram at once. */
#ifndef MTOOLS_OUT_H
#define MTOOLS_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/compiler.h"

/* Holds the largest full dump (a 65535-byte read) with room to spare. */
enum { OUT_BUFFER_BYTES = 512 * 1024 };

typedef struct out {
    char *buf;
    size_t len;
    FILE *file;            /* the -o file, or NULL */
    const char *file_name;
    bool to_stdout;
    bool failed;           /* a write failed; error says which */
    bool failure_told;     /* out_tell_failed said it */
    bool stdout_closed;    /* the reader of stdout went away */
    bool stdout_stalled;   /* after an interrupt its reader took nothing for
                              SOCK_OUTPUT_GRACE_MS: no more written there */
    bool file_stalled;     /* the same for the -o file (a FIFO, a process
                              substitution): no more written there */
    char error[320];
} out;

/* Opens the -o file (NULL for none). -1 with o->error set on failure. */
int out_open(out *o, const char *file_name);
void out_close(out *o);

/* Room for n more bytes (n <= OUT_BUFFER_BYTES), flushing if needed;
 * write at the pointer, then out_commit the bytes used. */
char *out_reserve(out *o, size_t n);
static inline void out_commit(out *o, size_t n)
{
    o->len += n;
}
void out_write(out *o, const char *text, size_t n);
void out_puts(out *o, const char *line); /* adds the newline */
void out_printf(out *o, const char *fmt, ...) MT_PRINTF(2, 3);

/* Writes what is buffered. -1 once a write has failed (o->error). */
int out_flush(out *o);

/* Every program's one way to end after a failed write (stdout on a full
 * disk, an I/O error; the -o file): "ERROR: <error>" on stderr the first
 * time it is called after one, and true (the caller exits with
 * EXIT_RUNTIME) whenever a write failed. A reader of stdout that went
 * away is no failure (stdout_closed). */
bool out_tell_failed(out *o);

/* The status the output ends a run with: EXIT_RUNTIME after a failed
 * write (then out_tell_failed), EXIT_OUTPUT_GONE once stdout's reader
 * went away, else 0 (lib/status.h). */
int out_status(const out *o);

/* A NOTE on stderr when stdout or the -o file stalled after an interrupt
 * (stdout_stalled, file_stalled): what it did not get, and where that
 * went. */
void out_tell_stalled(const out *o);

#endif
