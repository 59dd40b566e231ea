/* fuzz_cli.c - msend's, mdump's and mpong's command lines.
 *
 * The input is a command line: its arguments separated by NUL or newline
 * bytes (a separator ends an argument, so "a\nb\n" is two arguments and a
 * seed file may end with a newline). Each argument is copied into a buffer
 * of exactly its size, so a read past its NUL shows under ASan. The same
 * arguments go to msend_parse (argv[0] "msend"), mdump_parse (argv[0]
 * "mdump") and mpong_parse (argv[0] "mpong"). Checked:
 *  - a refused command line always has an error text;
 *  - an accepted one has every value in its documented range and the
 *    cross-option rules hold (-t/-u, -P/-m, "Danger", -t group 0.0.0.0...);
 *  - the Equiv line and the echo text: the length returned is the length
 *    written, at every buffer size (snprintf's contract: cut, NUL-ended, the
 *    full length returned), into buffers of exactly that size;
 *  - the Equiv line is itself a command line that means the same: parsed
 *    again it gives the same Equiv line (not for msend --rate, which the
 *    old tools' line cannot say);
 *  - mpong (no Equiv line): the group's kind fits the role and -u, the
 *    port leaves room for port + 1, and the engine is given the cycles,
 *    warm-up, wait and interval accepted. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sender.h"
#include "fuzz.h"
#include "mdump/mdump_opts.h"
#include "mpong/mpong_opts.h"
#include "msend/msend_opts.h"

enum { MAX_ARGS = 64 };

/* A buffer size the cut-at-every-size check also tries. */
enum { MSEND_EQUIV_MAX = 512 };
/* What msend shows for -S with -5 (the system default SO_SNDBUF). */
enum { SYSTEM_SNDBUF = 212992 };

/* msend_opts carries a 64 KiB payload: not on the stack. */
static msend_opts msend_first, msend_again;
static mdump_opts mdump_first, mdump_again;
static mpong_opts mpong_first;

static char name_msend[] = "msend";
static char name_mdump[] = "mdump";
static char name_mpong[] = "mpong";

/* Splits the input into argv[1..]; returns argc. */
static int split_args(const uint8_t *data, size_t size, char **argv)
{
    int argc = 1;
    size_t start = 0;
    for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
        if (i < size && data[i] != '\0' && data[i] != '\n')
            continue;
        if (i == size && start == size)
            break; /* nothing after the last separator */
        size_t len = i - start;
        char *arg = malloc(len + 1);
        FUZZ_CHECK(arg != NULL);
        if (len > 0)
            memcpy(arg, data + start, len);
        arg[len] = '\0';
        argv[argc++] = arg;
        start = i + 1;
    }
    argv[argc] = NULL;
    return argc;
}

static void free_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        free(argv[i]);
}

/* Splits a line on single spaces into argv[1..] (the line is modified). */
static int split_spaces(char *line, char *argv0, char **argv, int max)
{
    int argc = 0;
    argv[argc++] = argv0;
    for (char *p = line; *p && argc < max - 1;) {
        argv[argc++] = p;
        char *space = strchr(p, ' ');
        if (!space)
            break;
        *space = '\0';
        p = space + 1;
    }
    argv[argc] = NULL;
    return argc;
}

static void check_error(opts_result r, const cli_error *err)
{
    FUZZ_CHECK(r == OPTS_RUN || r == OPTS_HELP || r == OPTS_VERSION ||
               r == OPTS_BAD);
    if (r == OPTS_BAD) {
        FUZZ_CHECK(memchr(err->text, '\0', sizeof err->text) != NULL);
        FUZZ_CHECK(err->text[0] != '\0');
    }
}

/* A text function with snprintf's contract, called at every interesting
 * size; returns the full text (malloc'ed, exactly its size). */
typedef size_t (*text_fn)(const void *ctx, char *buf, size_t cap);

static char *check_text(text_fn fn, const void *ctx, size_t *len_out)
{
    size_t len = fn(ctx, NULL, 0);
    char *full = malloc(len + 1);
    FUZZ_CHECK(full != NULL);
    FUZZ_CHECK(fn(ctx, full, len + 1) == len);
    FUZZ_CHECK(strlen(full) == len);
    /* Cut at a few sizes: the same length returned, a NUL-ended prefix. */
    size_t caps[] = {1, 2, len / 2 + 1, len, MSEND_EQUIV_MAX};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        size_t cap = caps[i];
        if (cap == 0 || cap > len)
            continue;
        char *cut = malloc(cap);
        FUZZ_CHECK(cut != NULL);
        FUZZ_CHECK(fn(ctx, cut, cap) == len);
        FUZZ_CHECK(strlen(cut) == cap - 1);
        FUZZ_CHECK(memcmp(cut, full, cap - 1) == 0);
        free(cut);
    }
    *len_out = len;
    return full;
}

/* ---- msend ---- */

/* What the Equiv line shows for -S: the size typed (-S 0 too), or for -5
 * the system's default size it leaves the buffer at. */
static int sndbuf_shown(const msend_opts *o)
{
    return o->sndbuf_bytes == 0 && o->sndbuf_from_preset ? SYSTEM_SNDBUF : o->sndbuf_bytes;
}

static size_t msend_equiv_fn(const void *ctx, char *buf, size_t cap)
{
    const msend_opts *o = ctx;
    return msend_equiv(o, sndbuf_shown(o), buf, cap);
}

typedef struct echo_ctx {
    const msend_opts *o;
    const char *equiv;
} echo_ctx;

static size_t msend_echo_fn(const void *ctx, char *buf, size_t cap)
{
    const echo_ctx *e = ctx;
    return sender_echo_text(e->o->preset, e->equiv, buf, cap);
}

/* The positionals as read: the port also in the group's address. */
static void check_positionals(const prog_positionals *p, int most)
{
    FUZZ_CHECK(p->port >= 1 && sock_addr_port(&p->group) == p->port);
    FUZZ_CHECK(p->count >= 2 && p->count <= most);
    /* Without the interface argument, a group's zone (ff02::1%eth0) names
     * the interface. */
    bool from_zone = p->count < most && p->has_interface && p->interface_typed == p->typed[0] &&
                     sock_addr_zone(&p->group) == p->interface_addr.ifindex;
    FUZZ_CHECK(p->has_interface == (p->count == most) || from_zone);
    FUZZ_CHECK(!p->has_interface ||
               ((p->interface_typed == p->typed[most - 1] || from_zone) &&
                sock_addr_port(&p->interface_addr) == 0));
}

/* Two readings of the positionals mean the same addresses. */
static bool same_positionals(const prog_positionals *a, const prog_positionals *b)
{
    const prog_net *x = &a->net, *y = &b->net;
    bool same_net = x->family == y->family && x->source_count == y->source_count &&
                    x->exclude == y->exclude && x->loopback_given == y->loopback_given &&
                    x->loopback == y->loopback && x->dscp_given == y->dscp_given &&
                    (!x->dscp_given || x->dscp == y->dscp);
    for (int i = 0; same_net && i < x->source_count; i++)
        same_net = sock_addr_same_host(&x->source[i], &y->source[i]);
    return same_net && sock_addr_same_host(&a->group, &b->group) && a->port == b->port &&
           a->has_interface == b->has_interface &&
           a->interface_addr.ifindex == b->interface_addr.ifindex &&
           (!a->has_interface || sock_addr_same_host(&a->interface_addr, &b->interface_addr));
}

/* The address options' rules (prog_option, prog_positionals_parse). */
static void check_net(const prog_positionals *p, bool is_receiver)
{
    const prog_net *n = &p->net;
    int family = sock_addr_family(&p->group);
    FUZZ_CHECK(family == AF_INET || family == AF_INET6);
    FUZZ_CHECK(n->family == AF_UNSPEC || n->family == family);
    FUZZ_CHECK(n->source_count >= 0 && n->source_count <= PROG_SOURCES_MAX);
    FUZZ_CHECK(is_receiver || n->source_count == 0);
    FUZZ_CHECK(!n->dscp_given || (n->dscp >= 0 && n->dscp <= 63));
    FUZZ_CHECK(!p->has_interface || p->interface_by_index ||
               sock_addr_family(&p->interface_addr) == family);
    FUZZ_CHECK(!p->interface_by_index || p->interface_addr.ifindex > 0);
    for (int i = 0; i < n->source_count; i++) {
        FUZZ_CHECK(sock_addr_family(&n->source[i]) == family);
        FUZZ_CHECK(!sock_addr_is_multicast(&n->source[i]));
        FUZZ_CHECK(!sock_addr_is_unspecified(&n->source[i]));
    }
    /* A scope that needs an interface has one. */
    FUZZ_CHECK(!sock_addr_needs_interface(&p->group) || sock_addr_zone(&p->group) != 0 ||
               p->has_interface);
    if (is_receiver) {
        FUZZ_CHECK(n->source_count == 0 || sock_addr_is_multicast(&p->group));
        FUZZ_CHECK(!sock_addr_is_ssm(&p->group) || (n->source_count > 0 && !n->exclude));
    }
}

static void check_msend_values(const msend_opts *o)
{
    FUZZ_CHECK(o->preset >= 0 && o->preset <= 5);
    FUZZ_CHECK(o->burst_count >= 1);
    FUZZ_CHECK(o->loops >= 1);
    FUZZ_CHECK(o->msg_len >= 0 && o->msg_len <= MSEND_MAX_MSG_LEN);
    FUZZ_CHECK(o->num_bursts >= 0);
    FUZZ_CHECK(o->pause_ms >= 0);
    FUZZ_CHECK(o->quiet >= 0 && o->quiet <= 2);
    FUZZ_CHECK(o->sndbuf_bytes >= 0);
    FUZZ_CHECK(o->stat_pause_ms >= 0);
    FUZZ_CHECK(o->transport == MSEND_MULTICAST || o->transport == MSEND_UDP ||
               o->transport == MSEND_TCP);
    FUZZ_CHECK(o->connect_timeout_ms >= 0);
    FUZZ_CHECK(o->connect_timeout_ms == 0 || o->transport == MSEND_TCP);
    check_positionals(&o->pos, 4);
    check_net(&o->pos, false);
    FUZZ_CHECK(!o->pos.net.loopback_given || o->transport == MSEND_MULTICAST);
    FUZZ_CHECK(o->transport == MSEND_MULTICAST || !o->pos.interface_by_index ||
               o->pos.interface_typed == o->pos.typed[0]);
    FUZZ_CHECK(o->ttl >= 0 && o->ttl <= 255);
    FUZZ_CHECK(o->pos.has_ttl == (o->pos.count >= 3));
    FUZZ_CHECK(o->payload_len <= MSEND_MAX_MSG_LEN);
    FUZZ_CHECK(o->payload_len == 0 || (size_t)o->msg_len == o->payload_len);
    FUZZ_CHECK(o->num_bursts != 0 || o->has_rate ||
               (o->burst_count <= 50 && o->pause_ms >= 100));
    /* --rate: in messages a second, in range; --duration only with it. */
    FUZZ_CHECK(!o->has_rate || (o->rate_msgs_per_s >= RATE_MSGS_MIN &&
                                o->rate_msgs_per_s <= RATE_MSGS_MAX));
    FUZZ_CHECK(o->has_rate || o->duration_ms == 0);
    FUZZ_CHECK(o->duration_ms == 0 || (o->num_bursts >= 1 && o->burst_count == 1));
    FUZZ_CHECK(o->interval_ms == 0 || o->interval_ms >= 10);
    /* --timestamp: room for the send time after the last message's text. */
    if (o->timestamp) {
        FUZZ_CHECK(o->payload_len == 0 && o->transport != MSEND_TCP);
        sender_config c;
        memset(&c, 0, sizeof c);
        c.decimal = o->decimal;
        unsigned long long last = (unsigned long long)o->num_bursts *
                                  (unsigned long long)o->burst_count - 1;
        if (o->num_bursts == 0 ||
            (unsigned long long)o->num_bursts > ~0ULL / (unsigned long long)o->burst_count)
            last = ~0ULL;
        FUZZ_CHECK((size_t)o->msg_len >= sender_timestamp_len(&c, last));
    }
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void check_msend(const msend_opts *o)
{
    check_msend_values(o);

    size_t equiv_len;
    char *equiv = check_text(msend_equiv_fn, o, &equiv_len);
    FUZZ_CHECK(starts_with(equiv, "msend -b"));

    size_t echo_len;
    echo_ctx e = {o, equiv};
    char *echo = check_text(msend_echo_fn, &e, &echo_len);
    FUZZ_CHECK(starts_with(echo, o->preset ? "echo test " : "echo sender equiv cmd: "));
    FUZZ_CHECK(echo_len > equiv_len);
    FUZZ_CHECK(strcmp(echo + (echo_len - equiv_len), equiv) == 0);

    /* The Equiv line read back as a command line means the same. A
     * positional typed after "--" may start with '-' (ttl "-0"), which
     * the Equiv line, having no "--", cannot carry. */
    bool dash = false;
    for (int i = 0; i < o->pos.count; i++)
        dash = dash || o->pos.typed[i][0] == '-';
    if (!dash && !o->has_rate) {
        char *line = malloc(equiv_len + 1);
        FUZZ_CHECK(line != NULL);
        memcpy(line, equiv, equiv_len + 1);
        char *argv[40];
        /* Skip the "msend" word: argv[0] stands for it. */
        int argc = split_spaces(line + 6, name_msend, argv, 40);
        cli_error err;
        opts_result r = msend_parse(argc, argv, &msend_again, &err);
        if (r != OPTS_RUN)
            fprintf(stderr, "Equiv line '%s' refused: %s\n", equiv, err.text);
        FUZZ_CHECK(r == OPTS_RUN);
        const msend_opts *a = &msend_again;
        FUZZ_CHECK(a->burst_count == o->burst_count);
        FUZZ_CHECK(a->decimal == o->decimal);
        FUZZ_CHECK(a->msg_len == o->msg_len);
        FUZZ_CHECK(a->num_bursts == o->num_bursts);
        FUZZ_CHECK(a->pause_ms == o->pause_ms);
        FUZZ_CHECK(a->quiet == o->quiet);
        FUZZ_CHECK(a->stat_pause_ms == o->stat_pause_ms);
        FUZZ_CHECK(a->sndbuf_bytes == sndbuf_shown(o));
        FUZZ_CHECK(a->transport == o->transport);
        FUZZ_CHECK(same_positionals(&a->pos, &o->pos) && a->ttl == o->ttl);
        char *again = malloc(equiv_len + 1);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(msend_equiv(a, sndbuf_shown(a), again, equiv_len + 1) ==
                   equiv_len);
        FUZZ_CHECK(strcmp(again, equiv) == 0);
        free(again);
        free(line);
    }
    free(echo);
    free(equiv);
}

/* ---- mdump ---- */

static size_t mdump_equiv_fn(const void *ctx, char *buf, size_t cap)
{
    return mdump_equiv(ctx, buf, cap);
}

static void check_mdump_values(const mdump_opts *o)
{
    FUZZ_CHECK(o->compact_bytes >= 0 && o->compact_bytes <= 65535);
    FUZZ_CHECK(o->pause_ms >= 0 && o->pause_count >= 0);
    FUZZ_CHECK(o->quiet_level >= 0 && o->quiet_level <= 2);
    FUZZ_CHECK(o->rcvbuf_bytes >= 0);
    FUZZ_CHECK(o->idle_timeout_ms >= 0 && o->accept_timeout_ms >= 0);
    FUZZ_CHECK(o->accept_timeout_ms == 0 || o->tcp);
    bool unicast = sock_addr_is_unspecified(&o->pos.group);
    FUZZ_CHECK(!o->tcp || unicast);
    FUZZ_CHECK(unicast || sock_addr_is_multicast(&o->pos.group));
    check_positionals(&o->pos, 3);
    check_net(&o->pos, true);
    FUZZ_CHECK(!o->pos.has_ttl);
    FUZZ_CHECK(o->out_file == NULL || o->out_file[0] != '\0');
    /* One group, or several multicast groups, each once, the first the
     * positionals' group, all at the port. */
    FUZZ_CHECK(o->group_count >= 1 && o->group_count <= MDUMP_GROUPS_MAX);
    FUZZ_CHECK(sock_addr_same_host(&o->groups[0], &o->pos.group));
    for (size_t i = 0; i < o->group_count; i++) {
        FUZZ_CHECK(sock_addr_port(&o->groups[i]) == o->pos.port);
        FUZZ_CHECK(o->group_count == 1 || sock_addr_is_multicast(&o->groups[i]));
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(!sock_addr_same_host(&o->groups[i], &o->groups[k]));
    }
    FUZZ_CHECK(!o->tcp || o->group_count == 1);
    /* --json: nothing per datagram. */
    FUZZ_CHECK(!o->json || (o->quiet_level == 2 && o->compact_bytes == 0 && !o->verify_seq));
    FUZZ_CHECK(o->interval_ms == 0 || o->interval_ms >= 10);
}

static void check_mdump(const mdump_opts *o)
{
    check_mdump_values(o);

    size_t equiv_len;
    char *equiv = check_text(mdump_equiv_fn, o, &equiv_len);
    FUZZ_CHECK(starts_with(equiv, "mdump "));

    /* Read back, unless the -o file name holds a space (the Equiv line
     * shows it as typed, unquoted). */
    if (!o->out_file || !strchr(o->out_file, ' ')) {
        char *line = malloc(equiv_len + 1);
        FUZZ_CHECK(line != NULL);
        memcpy(line, equiv, equiv_len + 1);
        char *argv[40];
        int argc = split_spaces(line + 6, name_mdump, argv, 40);
        cli_error err;
        opts_result r = mdump_parse(argc, argv, &mdump_again, &err);
        if (r != OPTS_RUN)
            fprintf(stderr, "Equiv line '%s' refused: %s\n", equiv, err.text);
        FUZZ_CHECK(r == OPTS_RUN);
        const mdump_opts *a = &mdump_again;
        FUZZ_CHECK((a->out_file == NULL) == (o->out_file == NULL));
        FUZZ_CHECK(!o->out_file || strcmp(a->out_file, o->out_file) == 0);
        FUZZ_CHECK(a->pause_ms == o->pause_ms && a->pause_count == o->pause_count);
        FUZZ_CHECK(a->quiet_level == o->quiet_level);
        FUZZ_CHECK(a->rcvbuf_bytes == o->rcvbuf_bytes);
        FUZZ_CHECK(a->exit_on_stat == o->exit_on_stat);
        FUZZ_CHECK(a->tcp == o->tcp && a->verify_seq == o->verify_seq);
        FUZZ_CHECK(same_positionals(&a->pos, &o->pos));
        FUZZ_CHECK(a->group_count == o->group_count);
        char *again = malloc(equiv_len + 1);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(mdump_equiv(a, again, equiv_len + 1) == equiv_len);
        FUZZ_CHECK(strcmp(again, equiv) == 0);
        free(again);
        free(line);
    }
    free(equiv);
}

/* ---- mpong ---- */

static void check_mpong(const mpong_opts *o)
{
    const prog_positionals *p = &o->pos;
    FUZZ_CHECK(p->port >= 1 && p->port <= 65534 && sock_addr_port(&p->group) == p->port);
    FUZZ_CHECK(p->count >= 2 && p->count <= 4);
    /* A link-local group's zone (ff02::1%eth0) names the interface when no
     * interface argument does; a third argument is then a ttl. */
    bool from_zone = p->has_interface && p->interface_typed == p->typed[0] &&
                     sock_addr_zone(&p->group) == p->interface_addr.ifindex;
    bool interface_argument = p->has_interface && !from_zone;
    FUZZ_CHECK(p->has_ttl == (p->count == 4 || (p->count == 3 && !interface_argument)));
    FUZZ_CHECK(!p->has_interface ||
               ((p->interface_typed == p->typed[p->count - 1] || from_zone) &&
                sock_addr_port(&p->interface_addr) == 0));
    FUZZ_CHECK(o->ttl >= 0 && o->ttl <= 255);
    FUZZ_CHECK(!(o->unicast && p->has_ttl) || o->ttl >= 1);
    bool multicast = sock_addr_is_multicast(&p->group);
    bool unspecified = sock_addr_is_unspecified(&p->group);
    if (o->initiator)
        FUZZ_CHECK(o->unicast ? !multicast && !unspecified : multicast);
    else
        FUZZ_CHECK(o->unicast ? !multicast : multicast);
    FUZZ_CHECK(o->cycles >= 1 && o->cycles <= MPONG_CYCLES_MAX);
    FUZZ_CHECK(o->warmup >= 0 && o->warmup <= MPONG_WARMUP_MAX);
    FUZZ_CHECK(o->timeout_ms >= 1 && o->timeout_ms <= PINGER_TIMEOUT_MAX_MS);
    FUZZ_CHECK(o->interval_ms >= 0 && o->interval_ms <= PINGER_TIMEOUT_MAX_MS);
    FUZZ_CHECK(o->idle_timeout_ms >= 0 && o->rcvbuf_bytes >= 0 && o->sndbuf_bytes >= 0);
    FUZZ_CHECK(!o->json || (!o->announce && !(o->verbose && o->initiator)));
    FUZZ_CHECK(o->out_file == NULL || o->out_file[0] != '\0');
    pinger_config c;
    mpong_pinger_config(o, &c);
    FUZZ_CHECK(c.cycles == (uint64_t)o->cycles && c.warmup == (uint64_t)o->warmup);
    FUZZ_CHECK(c.timeout_ms == o->timeout_ms && c.interval_ms == o->interval_ms);
}

/* See fuzz.h. */
static int offline_host(const char *name, int family, sock_addr *found)
{
    bool v4 = strcmp(name, "h4.test") == 0 || strcmp(name, "h46.test") == 0;
    bool v6 = strcmp(name, "h6.test") == 0 || strcmp(name, "h46.test") == 0;
    cli_error e;
    if (v4 && family != AF_INET6)
        return cli_addr("fake", "10.0.0.7", found, &e) ? 0 : -1;
    if (v6 && family != AF_INET)
        return cli_addr("fake", "fd00::7", found, &e) ? 0 : -1;
    return SOCK_RESOLVE_NO_HOST;
}

/* Interfaces 1 and 2 (lo, eth0) exist; every address is this host's, on
 * no interface known. */
static bool offline_exists(unsigned ifindex)
{
    return ifindex == 1 || ifindex == 2;
}

static bool offline_local(const sock_addr *a, unsigned *ifindex)
{
    (void)a;
    *ifindex = 0;
    return true;
}

static bool offline_broadcast(const sock_addr *a)
{
    (void)a;
    return false;
}

static unsigned offline_interface(const char *name)
{
    return strcmp(name, "eth0") == 0 ? 2 : strcmp(name, "lo") == 0 ? 1 : 0;
}

void fuzz_offline_lookups(void)
{
    cli_lookups.host = offline_host;
    cli_lookups.interface_index = offline_interface;
    cli_lookups.interface_exists = offline_exists;
    cli_lookups.address_is_local = offline_local;
    cli_lookups.subnet_broadcast = offline_broadcast;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_offline_lookups();
    char *argv[MAX_ARGS + 1];
    int argc = split_args(data, size, argv);
    cli_error err;

    argv[0] = name_msend;
    err.text[0] = '\0';
    opts_result r = msend_parse(argc, argv, &msend_first, &err);
    check_error(r, &err);
    if (r == OPTS_RUN)
        check_msend(&msend_first);

    argv[0] = name_mdump;
    err.text[0] = '\0';
    r = mdump_parse(argc, argv, &mdump_first, &err);
    check_error(r, &err);
    if (r == OPTS_RUN)
        check_mdump(&mdump_first);

    argv[0] = name_mpong;
    err.text[0] = '\0';
    r = mpong_parse(argc, argv, &mpong_first, &err);
    check_error(r, &err);
    if (r == OPTS_RUN)
        check_mpong(&mpong_first);

    free_args(argc, argv);
    return 0;
}
