/* fuzz.h - what the fuzz targets share: the libFuzzer entry point's
 * prototype (the same file builds under libFuzzer and under replay.c, so
 * gcc, mingw-w64 and MSVC compile it too) and a check that stops the run. */
#ifndef MTOOLS_FUZZ_H
#define MTOOLS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant that failed: say which and abort, which libFuzzer reports as
 * a crash (and saves the input) and replay.c as a failed test. Unlike
 * assert() it is not compiled out by NDEBUG (RelWithDebInfo, Release). */
#define FUZZ_CHECK(cond)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                        \
            fflush(stderr);                                                  \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* Name lookups without the network (cli_lookups): host "h4.test" is
 * 10.0.0.7, "h6.test" fd00::7, "h46.test" both; interfaces "eth0" (2) and
 * "lo" (1). Nothing else exists. Installed by fuzz_offline_lookups(). */
void fuzz_offline_lookups(void);

/* Where output nobody reads goes. */
#ifdef _WIN32
#define FUZZ_NULL_DEVICE "NUL"
#else
#define FUZZ_NULL_DEVICE "/dev/null"
#endif

#endif
