/* clock.c - wall and monotonic time, local HH:MM:SS.uuuuuu, sleeping. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif
#include "lib/clock.h"

#include <string.h>
#include <time.h>

/* Its sleeps are the socket layer's, which an interrupt ends (Winsock's
 * headers, through it, before windows.h). */
#include "lib/sock.h"

#ifdef _WIN32
#include <windows.h>

int64_t clock_wall_us(void)
{
    FILETIME ft;
    /* Precise: the old tools used _ftime and had millisecond resolution. */
    GetSystemTimePreciseAsFileTime(&ft);
    uint64_t ticks = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* FILETIME counts 100 ns ticks from 1601-01-01. */
    return (int64_t)(ticks / 10) - INT64_C(11644473600000000);
}

int64_t clock_mono_us(void)
{
    static LARGE_INTEGER frequency;
    LARGE_INTEGER now;
    if (frequency.QuadPart == 0)
        QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&now);
    return (int64_t)(now.QuadPart / frequency.QuadPart * 1000000 +
                     now.QuadPart % frequency.QuadPart * 1000000 /
                         frequency.QuadPart);
}

static void local_tm(time_t t, struct tm *out)
{
    /* Microsoft's argument order (result, time): cppcheck's std.cfg models
     * C11 Annex K's (time, result) and takes out for an input. */
    /* cppcheck-suppress [uninitvar, ctuuninitvar] */
    if (localtime_s(out, &t) != 0)
        memset(out, 0, sizeof *out); /* out of range: 00:00:00, not garbage */
}

static int64_t spin_margin_us; /* 0: not measured yet */

/* How late the timer wakes here, measured once: the spin that follows
 * each wait covers it. */
static int64_t spin_margin(void)
{
    if (spin_margin_us > 0)
        return spin_margin_us;
    int64_t worst = 0;
    for (int i = 0; i < 3; i++) {
        int64_t start = clock_mono_us();
        (void)sock_sleep_us(1000);
        int64_t late = clock_mono_us() - start - 1000;
        if (late > worst)
            worst = late;
    }
    int64_t margin = worst + 200;
    spin_margin_us = margin < 200 ? 200 : margin > 20000 ? 20000 : margin;
    return spin_margin_us;
}

int64_t clock_spin_us(void)
{
    return spin_margin();
}

#else

int64_t clock_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void local_tm(time_t t, struct tm *out)
{
    if (!localtime_r(&t, out))
        memset(out, 0, sizeof *out); /* out of range: 00:00:00, not garbage */
}

int64_t clock_spin_us(void)
{
    return 200; /* a wait wakes 50-60 us late (timer slack) */
}
#endif

bool clock_precise_timer(void)
{
    return sock_sleep_precise();
}

void clock_format_hms(int64_t wall_us, char out[CLOCK_HMS_LEN + 1])
{
    /* localtime is costly; a receiver formats thousands of stamps per
     * second, nearly all within the same second. */
    static time_t cached_second = -1;
    static char cached_hms[9];
    time_t second = (time_t)(wall_us / 1000000);
    long micros = (long)(wall_us % 1000000);
    if (second != cached_second) {
        struct tm tm;
        local_tm(second, &tm);
        const int parts[3] = {tm.tm_hour, tm.tm_min, tm.tm_sec};
        for (size_t i = 0; i < 3; i++) {
            cached_hms[3 * i] = (char)('0' + parts[i] / 10 % 10);
            cached_hms[3 * i + 1] = (char)('0' + parts[i] % 10);
            if (i < 2)
                cached_hms[3 * i + 2] = ':';
        }
        cached_second = second;
    }
    memcpy(out, cached_hms, 8);
    out[8] = '.';
    for (int i = 14; i >= 9; i--) {
        out[i] = (char)('0' + micros % 10);
        micros /= 10;
    }
    out[15] = '\0';
}

void clock_sleep_ms(int64_t ms)
{
    if (ms > 0)
        clock_sleep_until(clock_mono_us() + ms * 1000);
}

void clock_sleep_until(int64_t deadline_us)
{
    /* Spin the last stretch: timer slack and scheduler wake-up make a plain
     * sleep overshoot by 50 us (Linux) to 15 ms (Windows with Sleep). A
     * long wait's slack grows with it (Linux: 0.1 % of a wait in ppoll,
     * 0.5 % for a task with nice > 0): it aims 1 % early, and the next
     * turn sleeps the rest. */
    const int64_t spin_us = clock_spin_us();
    for (;;) {
        int64_t left = deadline_us - clock_mono_us();
        if (left <= 0)
            return;
        if (left > spin_us && sock_sleep_us(left - spin_us - left / 100) != 0)
            return; /* interrupted: the caller looks */
        /* else spin */
    }
}

void clock_nap_until(int64_t deadline_us)
{
    int64_t left = deadline_us - clock_mono_us();
    if (left > 0)
        (void)sock_sleep_us(left); /* interrupted or not: the caller looks */
}
