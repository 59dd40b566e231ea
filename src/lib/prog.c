/* prog.c - the programs' shared skeleton (see prog.h). */
#include "lib/prog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/sock.h"

int prog_parsed(const prog_info *p, opts_result r, const cli_error *err)
{
    switch (r) {
    case OPTS_HELP:
        fputs(p->help, stdout);
        return 0;
    case OPTS_VERSION:
        printf("%s %s\n", p->name, MTOOLS_VERSION);
        return 0;
    case OPTS_BAD:
        fprintf(stderr, "%s: %s\n%s", p->name, err->text, p->usage);
        return EXIT_USAGE;
    case OPTS_RUN:
        break;
    }
    return PROG_RUN;
}

int prog_start_sockets(void)
{
    if (sock_startup() == 0)
        return 0;
    prog_error("socket start-up: %s", sock_error_text());
    return EXIT_RUNTIME;
}

void prog_stop_sockets(void)
{
    sock_cleanup();
}

/* Longest diagnostic kept whole; longer ones are cut. */
enum { LINE_MAX_BYTES = 1024 };

/* The line: prefix and the formatted text, cut at LINE_MAX_BYTES. */
static void format_line(char line[LINE_MAX_BYTES], const char *prefix, const char *fmt,
                        va_list ap) MT_PRINTF(3, 0);
static void format_line(char line[LINE_MAX_BYTES], const char *prefix, const char *fmt,
                        va_list ap)
{
    size_t n = strlen(prefix);
    memcpy(line, prefix, n + 1);
    vsnprintf(line + n, LINE_MAX_BYTES - n, fmt, ap);
}

static void say(const char *prefix, const char *fmt, va_list ap) MT_PRINTF(2, 0);
static void say(const char *prefix, const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES];
    format_line(line, prefix, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

void prog_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fflush(stdout); /* a failing stdout still lets the error out */
    say(PROG_ERROR_PREFIX, fmt, ap);
    va_end(ap);
}

void prog_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(PROG_WARNING_PREFIX, fmt, ap);
    va_end(ap);
}

void prog_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(PROG_NOTE_PREFIX, fmt, ap);
    va_end(ap);
}

void prog_error_copied(prog_copy_fn *copy, void *ctx, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    format_line(line, PROG_ERROR_PREFIX, fmt, ap);
    va_end(ap);
    (void)fflush(stdout);
    fprintf(stderr, "%s\n", line);
    copy(ctx, line);
}

/* groups NULL: the group is one address. */
static bool parse_positionals(const cli_scan *s, bool with_ttl, prog_positionals *p,
                              sock_addr *groups, size_t cap, size_t *count,
                              cli_error *err)
{
    static const char *const names[] = {"group", "port"};
    int most = with_ttl ? 4 : 3;
    memset(p, 0, sizeof *p);
    if (s->positional_count < 2) {
        cli_fail(err, "missing argument '%s'", names[s->positional_count]);
        return false;
    }
    if (s->positional_count > most || s->extra_positional) {
        cli_fail(err, "unexpected argument '%s' (at most: group port %sinterface)",
                 s->positional_count > most ? s->positional[most] : s->extra_positional,
                 with_ttl ? "ttl " : "");
        return false;
    }
    p->count = s->positional_count;
    for (int i = 0; i < s->positional_count; i++)
        p->typed[i] = s->positional[i];
    int port;
    bool group_ok = groups ? cli_addr_list("group", s->positional[0], groups, cap, count, err)
                           : cli_addr("group", s->positional[0], &p->group, err);
    if (!group_ok || !cli_int("port", s->positional[1], 1, 65535, &port, err))
        return false;
    p->port = (uint16_t)port;
    if (groups) {
        for (size_t i = 0; i < *count; i++)
            sock_addr_set_port(&groups[i], p->port);
        p->group = groups[0];
    }
    sock_addr_set_port(&p->group, p->port);
    int next = 2;
    if (with_ttl && s->positional_count > next) {
        if (!cli_int("ttl", s->positional[next], 0, 255, &p->ttl, err))
            return false;
        p->has_ttl = true;
        next++;
    }
    if (s->positional_count > next) {
        p->interface_typed = s->positional[next];
        if (!cli_addr("interface", p->interface_typed, &p->interface_addr, err))
            return false;
        p->has_interface = true;
    }
    return true;
}

bool prog_positionals_parse(const cli_scan *s, bool with_ttl, prog_positionals *p,
                            cli_error *err)
{
    size_t none; /* no list: one group, in p->group */
    return parse_positionals(s, with_ttl, p, NULL, 0, &none, err);
}

bool prog_positionals_parse_list(const cli_scan *s, bool with_ttl, prog_positionals *p,
                                 sock_addr *groups, size_t cap, size_t *count,
                                 cli_error *err)
{
    *count = 0;
    return parse_positionals(s, with_ttl, p, groups, cap, count, err);
}
