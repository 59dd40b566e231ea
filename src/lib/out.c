/* out.c - buffered output to stdout and the -o file. */
#include "lib/out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prog.h"
#include "lib/sock.h"
#include "lib/status.h"

int out_open(out *o, const char *file_name)
{
    memset(o, 0, sizeof *o);
    /* stdout is written past its stdio buffer from here on: whatever it
     * holds goes first (a failure shows again at the first write). */
    (void)fflush(stdout);
    o->to_stdout = true;
    o->buf = malloc(OUT_BUFFER_BYTES);
    if (!o->buf) {
        snprintf(o->error, sizeof o->error, "out of memory");
        return -1;
    }
    if (file_name) {
        o->file_name = file_name;
        o->file = fopen(file_name, "w");
        if (!o->file) {
            snprintf(o->error, sizeof o->error, "open %s: %s", file_name,
                     strerror(errno));
            return -1;
        }
        /* We hand it whole batches; its own buffer would only copy them.
         * Should that fail, the stream stays buffered: slower, not wrong. */
        (void)setvbuf(o->file, NULL, _IONBF, 0);
    }
    return 0;
}

void out_close(out *o)
{
    out_flush(o);
    if (o->file && fclose(o->file) != 0 && !o->failed) {
        o->failed = true;
        snprintf(o->error, sizeof o->error, "write %s: %s", o->file_name,
                 strerror(errno));
    }
    o->file = NULL;
    free(o->buf);
    o->buf = NULL;
}

static int write_failed(out *o, const char *name)
{
    o->failed = true;
    snprintf(o->error, sizeof o->error, "write %s: %s", name, strerror(errno));
    return -1;
}

/* The -o file through sock_write_file: a FIFO whose reader stopped
 * reading does not keep Ctrl-C from ending the program either. */
static int write_file(out *o)
{
    const char *p = o->buf;
    size_t left = o->len;
    while (left > 0) {
        long n = sock_write_file(o->file, p, left);
        if (n > 0) {
            p += n;
            left -= (size_t)n;
            continue;
        }
        if (n == 0) {
            o->file_stalled = true; /* interrupted, and its reader took nothing since */
            return 0;
        }
        return write_failed(o, o->file_name);
    }
    return 0;
}

/* stdout through sock_write_output: a reader that stops reading does not
 * keep Ctrl-C from ending the program. */
static int write_stdout(out *o)
{
    const char *p = o->buf;
    size_t left = o->len;
    while (left > 0) {
        long n = sock_write_output(p, left);
        if (n > 0) {
            p += n;
            left -= (size_t)n;
            continue;
        }
        o->to_stdout = false;
        if (n == 0) {
            /* Interrupted, and its reader took nothing since: the rest
             * goes to the file alone. */
            o->stdout_stalled = true;
            return 0;
        }
        if (errno == EPIPE) {
            /* Nobody reads stdout any more: keep the file, stop the terminal. */
            o->stdout_closed = true;
            return 0;
        }
        return write_failed(o, "stdout");
    }
    return 0;
}

int out_flush(out *o)
{
    if (o->len > 0 && !o->failed) {
        if (o->to_stdout)
            write_stdout(o);
        if (o->file && !o->failed && !o->file_stalled)
            write_file(o);
    }
    o->len = 0;
    return o->failed ? -1 : 0;
}

bool out_tell_failed(out *o)
{
    if (o->failed && !o->failure_told) {
        o->failure_told = true;
        prog_error("%s", o->error);
    }
    return o->failed;
}

int out_status(const out *o)
{
    if (o->failed)
        return EXIT_RUNTIME;
    return o->stdout_closed ? EXIT_OUTPUT_GONE : 0;
}

void out_tell_stalled(const out *o)
{
    if (o->stdout_stalled)
        prog_note("stdout's reader took nothing for %d ms after the interrupt: what was "
                  "left to show there %s", (int)SOCK_OUTPUT_GRACE_MS,
                  o->file_name && !o->file_stalled ? "is in the -o file only"
                                                   : "was not written");
    if (o->file_stalled)
        prog_note("the reader of %s took nothing for %d ms after the interrupt: what was "
                  "left to write there %s", o->file_name, (int)SOCK_OUTPUT_GRACE_MS,
                  o->to_stdout ? "is on stdout only" : "was not written");
}

char *out_reserve(out *o, size_t n)
{
    if (o->len + n > OUT_BUFFER_BYTES)
        out_flush(o);
    return o->buf + o->len;
}

void out_write(out *o, const char *text, size_t n)
{
    while (n > 0) {
        size_t room = OUT_BUFFER_BYTES - o->len;
        if (room == 0) {
            out_flush(o);
            room = OUT_BUFFER_BYTES;
        }
        size_t chunk = n < room ? n : room;
        memcpy(o->buf + o->len, text, chunk);
        o->len += chunk;
        text += chunk;
        n -= chunk;
    }
}

void out_puts(out *o, const char *line)
{
    out_write(o, line, strlen(line));
    out_write(o, "\n", 1);
}

void out_printf(out *o, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    out_write(o, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
