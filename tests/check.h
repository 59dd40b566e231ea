/* check.h - the few assertions the C unit tests need. A failed check
 * prints where and what, and the test exits non-zero at the end. */
#ifndef MTOOLS_CHECK_H
#define MTOOLS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                          \
    do {                                                                     \
        check_count++;                                                       \
        if (!(cond)) {                                                       \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

/* Exact text comparison, showing both on failure. */
#define CHECK_STR(got, want)                                                 \
    do {                                                                     \
        const char *got_ = (got), *want_ = (want);                           \
        check_count++;                                                       \
        if (strcmp(got_, want_) != 0) {                                      \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: got:\n[%s]\nwant:\n[%s]\n", __FILE__,    \
                    __LINE__, got_, want_);                                  \
        }                                                                    \
    } while (0)

/* Exact byte comparison of a buffer of known length. */
#define CHECK_MEM(got, got_len, want, want_len)                              \
    do {                                                                     \
        size_t gl_ = (got_len), wl_ = (want_len);                            \
        check_count++;                                                       \
        if (gl_ != wl_ || memcmp((got), (want), gl_) != 0) {                 \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: %zu bytes differ from the %zu wanted\n", \
                    __FILE__, __LINE__, gl_, wl_);                           \
        }                                                                    \
    } while (0)

static inline int check_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

#endif
