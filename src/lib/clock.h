/* clock.h - wall time with microseconds, a monotonic clock, and sleeping.
 * With the socket layer (sock_posix.c, sock_win.c, sock_batch.c), the only
 * code that knows which system it runs on. */
#ifndef MTOOLS_CLOCK_H
#define MTOOLS_CLOCK_H

#include <stdint.h>

/* Microseconds since the Unix epoch (wall clock, for timestamps). */
int64_t clock_wall_us(void);
/* Microseconds on a clock that never jumps (for pacing and timeouts). */
int64_t clock_mono_us(void);

/* "HH:MM:SS.uuuuuu" in local time: 15 characters plus the NUL. */
enum { CLOCK_HMS_LEN = 15 };
void clock_format_hms(int64_t wall_us, char out[CLOCK_HMS_LEN + 1]);

void clock_sleep_ms(int64_t ms);
/* Sleeps until clock_mono_us() >= deadline_us: coarse sleep first, then a
 * short spin, so sub-10 ms schedules are kept. */
void clock_sleep_until(int64_t deadline_us);

#endif
