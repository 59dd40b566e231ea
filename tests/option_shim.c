/* option_shim.c - LD_PRELOAD library that makes socket options behave as
 * other systems do, to test that the programs notice:
 *   MTOOLS_REFUSE_OPTION=LEVEL:NAME[,...]   setsockopt of these options
 *                                            fails with ENOPROTOOPT
 *   MTOOLS_KEEP_OPTION=LEVEL:NAME:VALUE[,...] getsockopt of these int
 *                                            options reports VALUE (a
 *                                            system that took the setting
 *                                            and kept less)
 * LEVEL and NAME are the numbers (IPPROTO_IP 0, SOL_SOCKET 1, ...). For an
 * option of one byte (IP_MULTICAST_TTL may be), the byte is set. Each
 * option it changes is named once on stderr at exit. Test-only (Linux,
 * glibc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned long refused, kept;

/* Whether "LEVEL:NAME" is in the list in variable var; with a value, it
 * is stored in *value. */
static int listed(const char *var, int level, int name, long *value)
{
    const char *p = getenv(var);
    while (p && *p) {
        char *end;
        long l = strtol(p, &end, 10), n = 0, v = 0;
        if (*end == ':')
            n = strtol(end + 1, &end, 10);
        if (*end == ':')
            v = strtol(end + 1, &end, 10);
        if (l == level && n == name) {
            if (value)
                *value = v;
            return 1;
        }
        p = strchr(end, ',');
        if (p)
            p++;
    }
    return 0;
}

__attribute__((destructor)) static void report(void)
{
    if (refused || kept)
        fprintf(stderr, "option_shim: %lu refused, %lu kept less\n", refused, kept);
}

int setsockopt(int s, int level, int name, const void *value, socklen_t len)
{
    static int (*real)(int, int, int, const void *, socklen_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "setsockopt"); /* POSIX's way to take a function */
    if (listed("MTOOLS_REFUSE_OPTION", level, name, NULL)) {
        refused++;
        errno = ENOPROTOOPT;
        return -1;
    }
    return real(s, level, name, value, len);
}

int getsockopt(int s, int level, int name, void *value, socklen_t *len)
{
    static int (*real)(int, int, int, void *, socklen_t *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "getsockopt");
    int rc = real(s, level, name, value, len);
    long v;
    if (rc == 0 && listed("MTOOLS_KEEP_OPTION", level, name, &v)) {
        kept++;
        if (*len == sizeof(int)) {
            int i = (int)v;
            memcpy(value, &i, sizeof i);
        } else if (*len == 1) {
            *(unsigned char *)value = (unsigned char)v;
        }
    }
    return rc;
}
