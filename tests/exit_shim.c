/* exit_shim.c - LD_PRELOAD library that makes a program's exit take a
 * moment, as a sanitized build's leak check does, and writes down the
 * SIGCONTs that reach it meanwhile:
 *   MTOOLS_EXIT_DELAY_MS=n  the exit waits n ms after everything else
 *                           (a leak check ptrace-stops the program then; a
 *                           SIGCONT cancels that stop and hangs it for good)
 *   MTOOLS_SIGNAL_LOG=FILE  each SIGCONT the program gets is a line
 *                           "NAME: SIGCONT" appended to FILE (NAME: the
 *                           program's name)
 * Test-only (Linux, glibc). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_path;
static char log_line[64]; /* made before any signal, written as it is */
static size_t log_line_len;
static long exit_delay_ms;

static void on_continue(int sig)
{
    (void)sig;
    int saved = errno; /* the program may be between a call and its errno */
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t written = write(fd, log_line, log_line_len);
        (void)written; /* nothing to tell anyone from a handler */
        close(fd);
    }
    errno = saved;
}

static void slow_exit(void)
{
    struct timespec left = {exit_delay_ms / 1000, (exit_delay_ms % 1000) * 1000000};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

__attribute__((constructor)) static void start(void)
{
    const char *delay = getenv("MTOOLS_EXIT_DELAY_MS");
    log_path = getenv("MTOOLS_SIGNAL_LOG");
    if (log_path && *log_path) {
        const char *name = program_invocation_short_name;
        size_t n = strnlen(name, sizeof log_line - sizeof ": SIGCONT\n");
        memcpy(log_line, name, n);
        memcpy(log_line + n, ": SIGCONT\n", sizeof ": SIGCONT\n" - 1);
        log_line_len = n + sizeof ": SIGCONT\n" - 1;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_continue;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART; /* the program's calls go on as without us */
        sigaction(SIGCONT, &sa, NULL);
    }
    exit_delay_ms = delay ? strtol(delay, NULL, 10) : 0;
    /* Registered before main runs: atexit runs it after the program's own. */
    if (exit_delay_ms > 0)
        atexit(slow_exit);
}
