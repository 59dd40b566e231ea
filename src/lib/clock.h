/* clock.h - wall time with microseconds, a monotonic clock, and sleeping.
 * With the socket layer (sock_posix.c, sock_win.c, sock_batch.c), the only
 * code that knows which system it runs on. */
#ifndef MTOOLS_CLOCK_H
#define MTOOLS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Microseconds since the Unix epoch (wall clock, for timestamps). */
int64_t clock_wall_us(void);
/* Microseconds on a clock that never jumps (for pacing and timeouts). */
int64_t clock_mono_us(void);

/* "HH:MM:SS.uuuuuu" in local time: 15 characters plus the NUL. */
enum { CLOCK_HMS_LEN = 15 };
void clock_format_hms(int64_t wall_us, char out[CLOCK_HMS_LEN + 1]);

/* The sleeps below wait on the socket layer's timer (sock_sleep_us), so
 * that an interrupt caught by sock_catch_interrupts() ends them early,
 * also one that came just before: they return then, and the caller looks
 * at sock_interrupted(). */
void clock_sleep_ms(int64_t ms);
/* Sleeps until clock_mono_us() >= deadline_us: the system's timer first,
 * then a short spin, so sub-10 ms schedules are kept. The spin covers how
 * late the timer wakes: 200 us on Linux (the timer's slack); on Windows
 * what the first wait measures (a 1 ms wait, three times: the worst plus
 * 200 us), which is small with a high-resolution waitable timer and up
 * to the system's tick (often 15.6 ms) with Sleep. */
void clock_sleep_until(int64_t deadline_us);
/* Sleeps until about deadline_us with the system's timer alone, no
 * spin: it may wake late by the timer's lateness (clock_spin_us at most).
 * For a schedule that sends what is due on waking (msend --rate at high
 * rates), where a spin would only burn a core. */
void clock_nap_until(int64_t deadline_us);
/* Whether the timer behind clock_sleep_until is a precise one
 * (sock_sleep_precise): true on POSIX; on Windows true when a
 * high-resolution waitable timer could be made, false when Sleep's tick
 * stands in for it. */
bool clock_precise_timer(void);
/* The spin that ends each wait, in microseconds (measured on Windows). */
int64_t clock_spin_us(void);

#endif
