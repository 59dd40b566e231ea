/* prog.c - the programs' shared skeleton (see prog.h). */
#include "lib/prog.h"

#include <string.h>

bool prog_positionals_parse(const cli_scan *s, bool with_ttl, prog_positionals *p,
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
    if (!cli_addr("group", s->positional[0], &p->group, err) ||
        !cli_int("port", s->positional[1], 1, 65535, &port, err))
        return false;
    p->port = (uint16_t)port;
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
