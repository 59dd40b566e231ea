/* mdump_opts.c - mdump's options and Equiv line. */
#include "mdump/mdump_opts.h"

#include <stdio.h>
#include <string.h>

const char mdump_usage[] =
    "usage: mdump [-h] [-o ofile] [-c compact_dump] [-p pause_ms[/loops]] "
    "[-Q Quiet_lvl] [-q] [-r rcvbuf_size] [-s] [-t] [-v] "
    "[--idle-timeout time] [--accept-timeout time] [--loss-status] [--summary] "
    "[--interval time] [--json] [--ipv4 | --ipv6] [--source addr]... "
    "[--exclude-source addr]... [--version] group[,group...|+count] port [interface]\n";

const char mdump_help[] =
    "mdump - receive test traffic and show it: multicast, UDP or TCP (-t)\n"
    "\n"
    "usage: mdump [options] group port [interface]\n"
    "\n"
    "  group        multicast group to join, or 0.0.0.0 (IPv6: ::) for\n"
    "               unicast and TCP; IPv4, IPv6 or a host name; several:\n"
    "               a list (239.1.1.1,239.1.1.5) or a range of count\n"
    "               groups (239.1.1.1+4: .1 to .4), at most 256\n"
    "  port         port to receive on, 1-65535\n"
    "  interface    interface to join the group on: one of its addresses,\n"
    "               its name (eth0) or index; with 0.0.0.0 or :: the one\n"
    "               local address to receive on\n"
    "\n"
    "  -c bytes     one line per datagram showing at most this many bytes;\n"
    "               0 = full dump (default)\n"
    "  -h, --help   this help\n"
    "  -o file      also write everything printed to file\n"
    "  -p ms[/n]    sleep ms after each message, for the first n (0 = all)\n"
    "  -Q level     0 full dump (default), 1 one line per datagram,\n"
    "               2 nothing per datagram\n"
    "  -q           same as -Q2\n"
    "  -r bytes     SO_RCVBUF; 0 = system default (default 4194304)\n"
    "  -s           exit after printing the statistics of a 'stat' datagram\n"
    "  -t           TCP: listen on port (group 0.0.0.0), accept one sender\n"
    "  -v           check the sequence numbers in \"Message <n>\" datagrams\n"
    "  --version    print the version\n"
    "\n"
    "For scripts (times in ms, or in seconds with an s: \"5s\"):\n"
    "  --idle-timeout time    exit (status 3) after this long with nothing\n"
    "                         received, and no connection with -t\n"
    "  --accept-timeout time  with -t, wait this long for the connection\n"
    "                         (default: as --idle-timeout, or forever)\n"
    "  --loss-status          exit status 4 when a 'stat' showed loss, or at\n"
    "                         the end the sequence numbers did\n"
    "  --summary              at exit, datagrams (reads with -t) and bytes\n"
    "                         received, and how fast, and each sender's\n"
    "                         counts and loss (on stderr)\n"
    "  --interval time        a line every interval for each sender:\n"
    "                         msgs/s, Mbit/s, lost, dup, reordered (and\n"
    "                         jitter and delay of msend --timestamp)\n"
    "  --json                 JSON Lines on stdout instead of the text (no\n"
    "                         dump: not with -Q, -c or -v)\n"
    "\n"
    "Addresses:\n"
    "  --ipv4                 a host name's IPv4 address, where it has both\n"
    "  --ipv6                 a host name's IPv6 address, where it has both\n"
    "  --source addr          receive the group only from this sender\n"
    "                         (repeatable; needed for 232.0.0.0/8, ff3x::)\n"
    "  --exclude-source addr  receive the group from all but this sender\n"
    "                         (repeatable)\n"
    "\n"
    "Exit status: 0 done (EOF, or a 'stat' with -s), 1 network or system\n"
    "error, 2 bad command line, 3 timed out, 4 loss (--loss-status); 130\n"
    "after Ctrl-C (143 after SIGTERM, 129 after SIGHUP), 141 stdout's reader\n"
    "gone.\n";

enum { LONG_HELP = 256, LONG_VERSION, LONG_IDLE, LONG_ACCEPT, LONG_LOSS,
       LONG_SUMMARY, LONG_INTERVAL, LONG_JSON };

static const cli_long mdump_longs[] = {
    {"help", false, LONG_HELP},
    {"version", false, LONG_VERSION},
    {"idle-timeout", true, LONG_IDLE},
    {"accept-timeout", true, LONG_ACCEPT},
    {"loss-status", false, LONG_LOSS},
    {"summary", false, LONG_SUMMARY},
    {"interval", true, LONG_INTERVAL},
    {"json", false, LONG_JSON},
    PROG_LONGS_FAMILY,
    PROG_LONGS_SOURCES,
    {NULL, false, 0},
};

static bool parse_pause(mdump_opts *o, const char *text, cli_error *err)
{
    /* "ms" or "ms/count"; the error quotes what was typed. */
    char ms_text[32];
    const char *slash = strchr(text, '/');
    size_t ms_len = slash ? (size_t)(slash - text) : strlen(text);
    cli_error part;
    bool ok = ms_len < sizeof ms_text;
    if (ok) {
        memcpy(ms_text, text, ms_len);
        ms_text[ms_len] = '\0';
        ok = cli_int("-p", ms_text, 0, 2147483647, &o->pause_ms, &part);
    }
    o->pause_count = 0;
    if (ok && slash)
        ok = cli_int("-p", slash + 1, 0, 2147483647, &o->pause_count, &part);
    if (!ok)
        cli_fail(err, "-p (pause ms[/count]) '%s': must be a pause of 0 to "
                 "2147483647 ms, optionally followed by /count (0 to "
                 "2147483647)", text);
    return ok;
}

/* The positionals, then the rules that join them to the options. */
static bool parse_positionals(mdump_opts *o, const cli_scan *s, cli_error *err)
{
    if (!prog_positionals_parse_list(s, false, &o->pos, o->groups, MDUMP_GROUPS_MAX,
                                     &o->group_count, err))
        return false;
    bool unicast = sock_addr_is_unspecified(&o->pos.group);
    if (o->group_count > 1) {
        for (size_t i = 0; i < o->group_count; i++) {
            char shown[SOCK_ADDR_TEXT];
            sock_addr_format(&o->groups[i], SOCK_ADDR_HOST, shown);
            if (!sock_addr_is_multicast(&o->groups[i])) {
                cli_fail(err, "group '%s': %s is not a multicast address; a list or "
                         "range holds multicast groups only (%s)", o->pos.typed[0], shown,
                         sock_addr_family(&o->groups[i]) == AF_INET6
                             ? "ff00::/8" : "224.0.0.0 to 239.255.255.255");
                return false;
            }
            /* Each source-specific group, as a single one, only from the
             * sources named. */
            if (sock_addr_is_ssm(&o->groups[i]) &&
                (o->pos.net.source_count == 0 || o->pos.net.exclude)) {
                cli_fail(err, "group '%s': %s is a source-specific group (%s), received "
                         "only from the sources named: give them with --source",
                         o->pos.typed[0], shown,
                         sock_addr_family(&o->groups[i]) == AF_INET6 ? "ff3x::/16"
                                                                     : "232.0.0.0/8");
                return false;
            }
        }
        unicast = false;
    }
    if (o->accept_timeout_ms > 0 && !o->tcp) {
        cli_fail(err, "--accept-timeout: only applies to TCP (-t)");
        return false;
    }
    bool ipv6 = sock_addr_family(&o->pos.group) == AF_INET6;
    if (o->tcp && !unicast) {
        cli_fail(err, "group '%s': with -t the group must be %s (TCP "
                 "listens on the port)", o->pos.typed[0], ipv6 ? ":: or 0.0.0.0" : "0.0.0.0");
        return false;
    }
    if (!unicast && !sock_addr_is_multicast(&o->pos.group)) {
        cli_fail(err, "group '%s': must be a multicast address (%s), or %s for unicast",
                 o->pos.typed[0], ipv6 ? "ff00::/8" : "224.0.0.0 to 239.255.255.255",
                 ipv6 ? "::" : "0.0.0.0");
        return false;
    }
    if (unicast && !prog_interface_is_address(&o->pos, "with group 0.0.0.0 or :: it is "
                                                       "the local address to receive on", err))
        return false;
    char rule[320];
    snprintf(rule, sizeof rule, "with group %s it is the local address to receive on",
             o->pos.typed[0]);
    if (!prog_interface_local(&o->pos, unicast ? rule : NULL, err))
        return false;
    return prog_sources_check(&o->pos, err);
}

/* --json: nothing but JSON on stdout, so nothing per datagram. */
static bool json_rules(mdump_opts *o, bool quiet_typed, cli_error *err)
{
    if (!o->json)
        return true;
    if (o->compact_bytes > 0) {
        cli_fail(err, "--json: stdout carries only JSON objects, so no line per "
                 "datagram (-c %d); leave it out", o->compact_bytes);
        return false;
    }
    if (quiet_typed && o->quiet_level < 2) {
        cli_fail(err, "--json: stdout carries only JSON objects, so no line per "
                 "datagram (-Q %d); leave it out", o->quiet_level);
        return false;
    }
    if (o->verify_seq) {
        cli_fail(err, "--json: stdout carries only JSON objects, and the counts of "
                 "each sender (lost, duplicates, reordered) replace -v's lines; "
                 "leave -v out");
        return false;
    }
    o->quiet_level = 2;
    return true;
}

opts_result mdump_parse(int argc, char **argv, mdump_opts *o, cli_error *err)
{
    cli_scan s;
    bool quiet_typed = false;
    memset(o, 0, sizeof *o);
    o->rcvbuf_bytes = 4194304;
    cli_scan_init(&s, argc, argv, "c:ho:p:Q:qr:stv", mdump_longs);
    for (;;) {
        int opt = cli_next(&s, err);
        bool ok = true;
        switch (opt) {
        case 0:
            return parse_positionals(o, &s, err) && json_rules(o, quiet_typed, err)
                       ? OPTS_RUN
                       : OPTS_BAD;
        case -1:
            return OPTS_BAD;
        case 'c':
            ok = cli_int("-c (compact dump bytes)", s.value, 0, 65535,
                         &o->compact_bytes, err);
            break;
        case 'h':
        case LONG_HELP:
            return OPTS_HELP;
        case LONG_VERSION:
            return OPTS_VERSION;
        case 'o':
            ok = cli_output_file(s.value, &o->out_file, err);
            break;
        case 'p':
            ok = parse_pause(o, s.value, err);
            break;
        case 'Q':
            ok = cli_int("-Q (quiet level)", s.value, 0, 2, &o->quiet_level, err);
            quiet_typed = true;
            break;
        case 'q':
            o->quiet_level = 2;
            quiet_typed = true;
            break;
        case 'r':
            ok = cli_int("-r (SO_RCVBUF bytes)", s.value, 0, 2147483647,
                         &o->rcvbuf_bytes, err);
            break;
        case 's':
            o->exit_on_stat = true;
            break;
        case 't':
            o->tcp = true;
            break;
        case 'v':
            o->verify_seq = true;
            break;
        case LONG_IDLE:
            ok = cli_duration_ms("--idle-timeout", s.value, 1, 2147483647,
                                 &o->idle_timeout_ms, err);
            break;
        case LONG_ACCEPT:
            ok = cli_duration_ms("--accept-timeout", s.value, 1, 2147483647,
                                 &o->accept_timeout_ms, err);
            break;
        case LONG_LOSS:
            o->loss_status = true;
            break;
        case LONG_SUMMARY:
            o->summary = true;
            break;
        case LONG_INTERVAL:
            ok = cli_duration_ms("--interval", s.value, 10, 2147483647, &o->interval_ms,
                                 err);
            break;
        case LONG_JSON:
            o->json = true;
            break;
        default:
            ok = prog_option(&o->pos, opt, s.value, err);
            break;
        }
        if (!ok)
            return OPTS_BAD;
    }
}

size_t mdump_equiv(const mdump_opts *o, char *buf, size_t cap)
{
    char pause[32];
    if (o->pause_count > 0)
        snprintf(pause, sizeof pause, "%d/%d", o->pause_ms, o->pause_count);
    else
        snprintf(pause, sizeof pause, "%d", o->pause_ms);
    /* cppcheck-suppress ctunullpointer ; snprintf(NULL, 0, ...) measures */
    int n = snprintf(buf, cap, "mdump %s%s%s-p%s -Q%d -r%d %s%s%s",
                     o->out_file ? "-o " : "", o->out_file ? o->out_file : "",
                     o->out_file ? " " : "", pause, o->quiet_level,
                     o->rcvbuf_bytes, o->exit_on_stat ? "-s " : "",
                     o->tcp ? "-t " : "", o->verify_seq ? "-v " : "");
    size_t len = prog_net_equiv(&o->pos, buf, cap, n > 0 ? (size_t)n : 0);
    return cli_append_words(buf, cap, len, o->pos.typed, o->pos.count);
}

bool mdump_tracks_streams(const mdump_opts *o)
{
    return o->interval_ms > 0 || o->json || o->summary || o->loss_status;
}

void mdump_receiver_config(const mdump_opts *o, receiver_config *c)
{
    memset(c, 0, sizeof *c);
    c->json = o->json;
    c->quiet_level = o->quiet_level;
    c->compact_bytes = o->compact_bytes;
    c->verify_seq = o->verify_seq;
    c->exit_on_stat = o->exit_on_stat;
}
