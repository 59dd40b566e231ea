/* msend_opts.c - msend's options, presets and Equiv line. */
#include "msend/msend_opts.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "engine/sender.h"

const char msend_usage[] =
    "usage: msend [-1|2|3|4|5] [-b burst_count] [-d] [-h] [-l loops] "
    "[-m msg_len] [-n num_bursts] [-P payload] [-p pause] [-q] "
    "[-S Sndbuf_size] [-s stat_pause] [-t | -u] [--connect-timeout time] [--summary] "
    "[--rate R [--duration time]] [--interval time] [--json] [--timestamp] "
    "[--ipv4 | --ipv6] [--loopback on|off] [--dscp dscp] [--version] "
    "group port [ttl] [interface]\n";

const char msend_help[] =
    "msend - send test traffic: multicast, unicast UDP (-u) or TCP (-t)\n"
    "\n"
    "usage: msend [options] group port [ttl] [interface]\n"
    "\n"
    "  group        multicast group, or with -u/-t the destination address\n"
    "               (a host, or a broadcast address with -u): IPv4, IPv6\n"
    "               (fe80::1%eth0 with its zone) or a host name\n"
    "  port         destination port, 1-65535\n"
    "  ttl          multicast time to live (IPv6: hop limit), 0-255\n"
    "               (default 2); with -u/-t the unicast one, 1-255\n"
    "               (default: the system's); with -u to a group the\n"
    "               multicast one\n"
    "  interface    interface to send multicast from: one of its addresses,\n"
    "               its name (eth0) or index; with -u/-t the local address\n"
    "               to send from\n"
    "\n"
    "  -1 .. -5     standard tests (preset options, overridable after them):\n"
    "               -1  600 x 20-byte messages, 1 a second (-q)\n"
    "               -2  5 x 5000-byte messages, 1 a second (-q)\n"
    "               -3  50 bursts of 100 x 8192 bytes, 100 ms apart (-q)\n"
    "               -4  1 burst of 5000 x 20 bytes (-q)\n"
    "               -5  1 burst of 50000 x 800 bytes, system SO_SNDBUF (-q)\n"
    "  -b count     messages per burst (default 1)\n"
    "  -d           sequence numbers in decimal (default hex)\n"
    "  -h, --help   this help\n"
    "  -l loops     run the whole test this many times (default 1)\n"
    "  -m bytes     message length, 0-65507; 0 = the \"Message <n>\" text\n"
    "  -n count     bursts to send; 0 = forever (default 0)\n"
    "  -P hex       payload as hex digits (even count); sets the length\n"
    "  -p ms        pause from one burst's start to the next (default 1000)\n"
    "  -q           one '.' per burst; -qq prints nothing\n"
    "  -S bytes     SO_SNDBUF; 0 = system default (default 65536)\n"
    "  -s ms        pause, then send a 'stat' datagram; 0 = none (default)\n"
    "  -t           TCP: group is the receiver's address\n"
    "  -u           unicast UDP: group is the receiver's address\n"
    "  --connect-timeout time\n"
    "               give up a TCP connect after this long: ms, or seconds\n"
    "               with an s (\"5s\"); default: the system's (minutes)\n"
    "  --summary    after each test, how many messages and bytes went, and\n"
    "               how fast (on stderr), also after Ctrl-C\n"
    "  --rate R     an even rate instead of bursts: R messages a second\n"
    "               (\"50000\", \"50k\", \"1.5M\") or payload bits a second\n"
    "               (\"200Mbit\", \"1Gbit\"; needs -m or -P); -n x -b messages\n"
    "               in all (-n 0: until Ctrl-C); not with -p\n"
    "  --duration time\n"
    "               with --rate: rate x time messages, sent in that time\n"
    "               (longer after a stall; not with -n or -b)\n"
    "  --interval time\n"
    "               a line every interval: messages, msgs/s, Mbit/s\n"
    "  --json       JSON Lines on stdout instead of the text: one object\n"
    "               at the start, each interval and the end\n"
    "  --timestamp  the send time in each message, after its text, for\n"
    "               mdump's jitter and one-way delay (needs room: -m)\n"
    "  --ipv4       with a host name that has both families: its IPv4 one\n"
    "  --ipv6       with a host name that has both families: its IPv6 one\n"
    "  --loopback on|off\n"
    "               multicast back to this host's own receivers (default:\n"
    "               the system's, on)\n"
    "  --dscp dscp  DiffServ code point 0-63 (IPv4 TOS, IPv6 traffic class)\n"
    "  --version    print the version\n"
    "\n"
    "Forever (-n 0) with -b over 50 or -p under 100 is refused (without\n"
    "--rate). Times: ms, or seconds with an s (\"5s\").\n"
    "A send that fails on the way (no route, address gone, link down) is\n"
    "said once on stderr, counted, and the schedule goes on.\n"
    "Exit status: 0 done, 1 network or system error (stdout's too), 2 bad\n"
    "command line, 5 done, but some datagrams could not be sent (stderr says\n"
    "which); 130 after Ctrl-C (143 after SIGTERM, 129 after SIGHUP), 141\n"
    "stdout's reader gone.\n";

enum { LONG_HELP = 256, LONG_VERSION, LONG_CONNECT_TIMEOUT, LONG_SUMMARY, LONG_RATE,
       LONG_DURATION, LONG_INTERVAL, LONG_JSON, LONG_TIMESTAMP };

static const cli_long msend_longs[] = {
    {"help", false, LONG_HELP},
    {"version", false, LONG_VERSION},
    {"connect-timeout", true, LONG_CONNECT_TIMEOUT},
    {"summary", false, LONG_SUMMARY},
    {"rate", true, LONG_RATE},
    {"duration", true, LONG_DURATION},
    {"interval", true, LONG_INTERVAL},
    {"json", false, LONG_JSON},
    {"timestamp", false, LONG_TIMESTAMP},
    PROG_LONGS_FAMILY,
    PROG_LONGS_SENDER,
    {NULL, false, 0},
};

typedef struct preset {
    int burst_count, msg_len, num_bursts, pause_ms, stat_pause_ms, sndbuf_bytes;
} preset;

static const preset presets[5] = {
    {1, 20, 600, 1000, 2000, 65536},
    {1, 5000, 5, 1000, 2000, 65536},
    {100, 8192, 50, 100, 2000, 65536},
    {5000, 20, 1, 1000, 2000, 65536},
    {50000, 800, 1, 1000, 2000, 0},
};

static void apply_preset(msend_opts *o, int k)
{
    const preset *p = &presets[k - 1];
    o->preset = k;
    o->burst_count = p->burst_count;
    o->msg_len = p->msg_len;
    o->num_bursts = p->num_bursts;
    o->pause_ms = p->pause_ms;
    o->stat_pause_ms = p->stat_pause_ms;
    o->sndbuf_bytes = p->sndbuf_bytes;
    o->sndbuf_from_preset = true;
    o->quiet = 1;
}

static void set_defaults(msend_opts *o)
{
    memset(o, 0, offsetof(msend_opts, payload));
    o->burst_count = 1;
    o->loops = 1;
    o->pause_ms = 1000;
    o->sndbuf_bytes = 65536;
    o->ttl = 2;
    o->transport = MSEND_MULTICAST;
}

/* --rate and --duration: what they replace must not be typed too; the
 * rate in messages a second; --duration's count as -n (with -b 1). */
static bool rate_rules(msend_opts *o, bool pause_typed, bool bursts_typed,
                       bool burst_count_typed, cli_error *err)
{
    if (!o->has_rate) {
        if (o->duration_ms > 0) {
            cli_fail(err, "--duration '%s': only with --rate (the time to send at that "
                     "rate); without it -n and -p set how long msend sends",
                     o->duration_text);
            return false;
        }
        return true;
    }
    const char *text = o->rate_given.text;
    if (pause_typed) {
        cli_fail(err, "--rate '%s': the messages go evenly at that rate, so -p (the "
                 "pause between bursts) has no use; leave -p out", text);
        return false;
    }
    if (o->rate_given.unit == RATE_BITS && o->msg_len == 0) {
        cli_fail(err, "--rate '%s': a rate in bits needs messages of one length; give "
                 "-m (or -P)", text);
        return false;
    }
    if (!rate_messages_per_second("--rate", &o->rate_given, (size_t)o->msg_len,
                                  &o->rate_msgs_per_s, err))
        return false;
    if (o->duration_ms == 0)
        return true;
    if (bursts_typed || burst_count_typed) {
        cli_fail(err, "--duration '%s': it gives the number of messages (rate x "
                 "time); leave %s out", o->duration_text,
                 bursts_typed && burst_count_typed ? "-n and -b" : bursts_typed ? "-n" : "-b");
        return false;
    }
    uint64_t count = rate_count_in_ms(o->rate_msgs_per_s, o->duration_ms);
    if (count < 1) {
        cli_fail(err, "--duration '%s' at --rate '%s': not one message; give a longer "
                 "--duration or a higher --rate", o->duration_text, text);
        return false;
    }
    o->num_bursts = (long long)count; /* at most 10^9/s x 2^31 ms: fits */
    o->burst_count = 1;
    return true;
}

/* -l x -n x -b, the messages of the run, at most ULLONG_MAX: every count
 * of them (a test's in JSON's start and in its 'stat', the run's in the
 * end object, the message numbers) fits 64 bits. (As a time: 2^64
 * messages take 584 years at a billion a second; -n 0 is the way to send
 * until stopped.) */
static bool count_rules(const msend_opts *o, cli_error *err)
{
    unsigned long long bursts = (unsigned long long)o->num_bursts;
    unsigned long long per_burst = (unsigned long long)o->burst_count; /* >= 1 */
    unsigned long long loops = (unsigned long long)o->loops;            /* >= 1 */
    if (bursts <= ULLONG_MAX / per_burst && bursts * per_burst <= ULLONG_MAX / loops)
        return true;
    if (o->loops > 1)
        cli_fail(err, "-l %d x -n %lld x -b %d: more messages than msend can count; "
                 "-l x -n x -b must be at most %llu (-n 0 sends until stopped)",
                 o->loops, o->num_bursts, o->burst_count, ULLONG_MAX);
    else
        cli_fail(err, "-n %lld x -b %d: more messages than msend can count; -n x -b "
                 "must be at most %llu (-n 0 sends until stopped)",
                 o->num_bursts, o->burst_count, ULLONG_MAX);
    return false;
}

unsigned long long msend_test_messages(const msend_opts *o)
{
    return (unsigned long long)o->num_bursts * (unsigned long long)o->burst_count;
}

/* --timestamp: the send time goes after the "Message <n>" text, in -m's
 * room; UDP only (mdump reads no send times from a TCP stream). */
/* A test's last message number (numbers start again at each test):
 * the longest text. ULLONG_MAX for -n 0 (forever). */
static unsigned long long last_number(const msend_opts *o)
{
    return o->num_bursts > 0 ? msend_test_messages(o) - 1 : ULLONG_MAX;
}

bool msend_numbers_cut(const msend_opts *o, unsigned long long *first_cut, size_t *need)
{
    if (o->transport == MSEND_TCP || o->payload_len > 0 || o->msg_len == 0)
        return false;
    sender_config c;
    memset(&c, 0, sizeof c);
    c.decimal = o->decimal;
    *need = sender_message_len(&c, last_number(o));
    if ((size_t)o->msg_len >= *need)
        return false;
    /* The first number with more digits than -m leaves room for after
     * "Message ": base^(room) when room >= 1, else 0 (every one). */
    size_t prefix = sender_message_len(&c, 0) - 1;
    unsigned long long k = 0;
    if ((size_t)o->msg_len > prefix) {
        k = 1;
        for (size_t room = (size_t)o->msg_len - prefix; room > 0; room--)
            k *= o->decimal ? 10u : 16u;
    }
    *first_cut = k;
    /* Forever: a cut that comes only after 2^32 messages (71 min at
     * 1 M/s) is not worth a word. */
    return o->num_bursts > 0 || k <= MSEND_CUT_FOREVER_MAX;
}

static bool timestamp_rules(const msend_opts *o, cli_error *err)
{
    if (!o->timestamp)
        return true;
    if (o->payload_len > 0) {
        cli_fail(err, "--timestamp: the -P payload replaces the 'Message <n>' text, "
                 "after which the send time goes; leave -P out");
        return false;
    }
    if (o->transport == MSEND_TCP) {
        cli_fail(err, "--timestamp: over TCP (-t) mdump counts messages only and reads "
                 "no send times; use UDP (-u) or multicast");
        return false;
    }
    unsigned long long last = last_number(o);
    sender_config c;
    memset(&c, 0, sizeof c);
    c.decimal = o->decimal;
    size_t need = sender_timestamp_len(&c, last);
    if ((size_t)o->msg_len < need) {
        char text[48];
        c.msg_len = 0;
        size_t n = sender_message(&c, (uint8_t *)text, last);
        text[n] = '\0';
        cli_fail(err, "--timestamp: -m %d has no room for the send time after the "
                 "text (up to '%s'), its NUL and 'ts <microseconds>'; give -m %zu or more",
                 o->msg_len, text, need);
        return false;
    }
    return true;
}

/* The destination against the transport: a group for multicast, a
 * host's address for TCP, an address to send to with -u or -t, from a
 * local address of this host. */
static bool destination_rules(const msend_opts *o, cli_error *err)
{
    if (o->transport == MSEND_MULTICAST && !sock_addr_is_multicast(&o->pos.group)) {
        cli_fail(err, "group '%s': must be a multicast address (%s); to send to a host "
                 "or a broadcast address use -u (UDP) or -t (TCP)", o->pos.typed[0],
                 sock_addr_family(&o->pos.group) == AF_INET6 ? "ff00::/8"
                                                              : "224.0.0.0 to 239.255.255.255");
        return false;
    }
    if (o->transport == MSEND_TCP && sock_addr_is_multicast(&o->pos.group)) {
        cli_fail(err, "group '%s': a multicast group; TCP (-t) connects to a host's "
                 "address, leave -t out to send multicast", o->pos.typed[0]);
        return false;
    }
    if (o->transport != MSEND_MULTICAST && sock_addr_is_unspecified(&o->pos.group)) {
        cli_fail(err, "group '%s': the unspecified address is no destination; with -u or -t "
                 "the group is the address to send to (a host's, a broadcast address or a "
                 "group)", o->pos.typed[0]);
        return false;
    }
    if (o->transport != MSEND_MULTICAST &&
        !prog_interface_is_address(&o->pos, "with -u or -t it is the local address to send "
                                            "from", err))
        return false;
    if (!prog_interface_local(&o->pos, o->transport == MSEND_MULTICAST ? NULL
                                       : "with -u or -t it is the local address to send from",
                              err))
        return false;
    if (o->pos.net.loopback_given && o->transport != MSEND_MULTICAST) {
        cli_fail(err, "--loopback: only applies to multicast (not with -u or -t)");
        return false;
    }
    return true;
}

opts_result msend_parse(int argc, char **argv, msend_opts *o, cli_error *err)
{
    cli_scan s;
    bool tcp = false, udp = false, msg_len_given = false;
    /* typed, not set by a preset: what --rate and --duration replace */
    bool pause_typed = false, bursts_typed = false, burst_count_typed = false;
    set_defaults(o);
    cli_scan_init(&s, argc, argv, "12345b:dhl:m:n:P:p:qS:s:tu", msend_longs);
    for (;;) {
        int opt = cli_next(&s, err);
        bool ok = true;
        long long n = 0;
        switch (opt) {
        case 0:
            goto scanned;
        case -1:
            return OPTS_BAD;
        case '1': case '2': case '3': case '4': case '5':
            apply_preset(o, opt - '0');
            msg_len_given = false; /* the preset's -m replaced the typed one */
            pause_typed = bursts_typed = burst_count_typed = false;
            break;
        case 'b':
            ok = cli_int("-b (messages per burst)", s.value, 1, 2147483647,
                         &o->burst_count, err);
            burst_count_typed = true;
            break;
        case 'd':
            o->decimal = true;
            break;
        case 'h':
        case LONG_HELP:
            return OPTS_HELP;
        case LONG_VERSION:
            return OPTS_VERSION;
        case 'l':
            ok = cli_int("-l (loops)", s.value, 1, 2147483647, &o->loops, err);
            break;
        case 'm':
            ok = cli_int("-m (message length)", s.value, 0, MSEND_MAX_MSG_LEN,
                         &o->msg_len, err);
            msg_len_given = true;
            break;
        case 'n':
            ok = cli_number("-n (number of bursts)", s.value, 0,
                            9223372036854775807LL, &n, err);
            o->num_bursts = n;
            bursts_typed = true;
            break;
        case 'P':
            ok = cli_hex("-P (payload)", s.value, o->payload, sizeof o->payload,
                         &o->payload_len, err);
            break;
        case 'p':
            ok = cli_int("-p (pause ms)", s.value, 0, 2147483647, &o->pause_ms,
                         err);
            pause_typed = true;
            break;
        case 'q':
            if (o->quiet < 2)
                o->quiet++;
            break;
        case 'S':
            ok = cli_int("-S (SO_SNDBUF bytes)", s.value, 0, 2147483647,
                         &o->sndbuf_bytes, err);
            o->sndbuf_from_preset = false;
            break;
        case 's':
            ok = cli_int("-s (stat pause ms)", s.value, 0, 2147483647,
                         &o->stat_pause_ms, err);
            break;
        case 't':
            tcp = true;
            o->transport = MSEND_TCP;
            break;
        case 'u':
            udp = true;
            o->transport = MSEND_UDP;
            break;
        case LONG_SUMMARY:
            o->summary = true;
            break;
        case LONG_CONNECT_TIMEOUT:
            ok = cli_duration_ms("--connect-timeout", s.value, 1, 2147483647,
                                 &o->connect_timeout_ms, err);
            break;
        case LONG_RATE:
            ok = rate_parse("--rate", s.value, &o->rate_given, err);
            o->has_rate = true;
            break;
        case LONG_DURATION:
            ok = cli_duration_ms("--duration", s.value, 1, 2147483647, &o->duration_ms,
                                 err);
            o->duration_text = s.value;
            break;
        case LONG_INTERVAL:
            ok = cli_duration_ms("--interval", s.value, 10, 2147483647, &o->interval_ms,
                                 err);
            break;
        case LONG_JSON:
            o->json = true;
            break;
        case LONG_TIMESTAMP:
            o->timestamp = true;
            break;
        default:
            ok = prog_option(&o->pos, opt, s.value, err);
            break;
        }
        if (!ok)
            return OPTS_BAD;
    }
scanned:
    if (tcp && udp) {
        cli_fail(err, "-t and -u: choose one transport, TCP (-t) or unicast UDP (-u)");
        return OPTS_BAD;
    }
    if (!prog_positionals_parse(&s, true, &o->pos, err))
        return OPTS_BAD;
    if (o->pos.has_ttl)
        o->ttl = o->pos.ttl;
    if (o->payload_len > 0) {
        if (msg_len_given && o->msg_len != (int)o->payload_len) {
            cli_fail(err, "-m %d: the -P payload is %zu %s; leave -m out or "
                     "make it match", o->msg_len, o->payload_len,
                     o->payload_len == 1 ? "byte" : "bytes");
            return OPTS_BAD;
        }
        o->msg_len = (int)o->payload_len;
    }
    if (o->decimal && o->payload_len > 0) {
        cli_fail(err, "-d: the -P payload replaces the 'Message <n>' text, so "
                 "there are no sequence numbers to write in decimal; leave -d out");
        return OPTS_BAD;
    }
    /* With -u to a group the ttl is the multicast one, where 0 (this host
     * only) is a ttl like the others. */
    bool unicast_ttl = o->transport == MSEND_TCP ||
                       (o->transport == MSEND_UDP && !sock_addr_is_multicast(&o->pos.group));
    if (unicast_ttl && o->pos.has_ttl && o->ttl == 0) {
        cli_fail(err, "ttl '%s': with -u or -t it is the unicast time to live, "
                 "which must be from 1 to 255", o->pos.typed[2]);
        return OPTS_BAD;
    }
    /* count_rules first: the numbers of timestamp_rules come from it. */
    if (!rate_rules(o, pause_typed, bursts_typed, burst_count_typed, err) ||
        !count_rules(o, err) || !timestamp_rules(o, err))
        return OPTS_BAD;
    if (o->num_bursts == 0 && o->loops > 1) {
        cli_fail(err, "-l %d: -n 0 sends until Ctrl-C, so the test is never "
                 "repeated; give -n a number of bursts", o->loops);
        return OPTS_BAD;
    }
    if (o->connect_timeout_ms > 0 && o->transport != MSEND_TCP) {
        cli_fail(err, "--connect-timeout %d: only applies to TCP (-t)",
                 o->connect_timeout_ms);
        return OPTS_BAD;
    }
    if (!destination_rules(o, err))
        return OPTS_BAD;
    if (!o->has_rate && o->num_bursts == 0 && (o->burst_count > 50 || o->pause_ms < 100)) {
        cli_fail(err, "Danger - heavy traffic chosen with infinite num bursts. "
                 "(-n 0, the default, sends forever: it needs -b 50 or less "
                 "and -p 100 or more)");
        return OPTS_BAD;
    }
    return OPTS_RUN;
}

size_t msend_equiv(const msend_opts *o, int system_sndbuf, char *buf, size_t cap)
{
    /* -5 shows the size it leaves the buffer at; a typed -S 0 shows 0. */
    int sndbuf_shown = o->sndbuf_bytes == 0 && o->sndbuf_from_preset
                           ? system_sndbuf : o->sndbuf_bytes;
    static const char *const quiet_text[] = {" ", " -q ", " -qq "};
    static const char *const transport_text[] = {" ", " -u ", " -t "};
    /* cppcheck-suppress ctunullpointer ; snprintf(NULL, 0, ...) measures */
    int n = snprintf(buf, cap, "msend -b%d%s-m%d -n%lld -p%d%s-s%d -S%d%s",
                     o->burst_count, o->decimal ? " -d " : " ", o->msg_len,
                     o->num_bursts, o->pause_ms, quiet_text[o->quiet],
                     o->stat_pause_ms, sndbuf_shown,
                     transport_text[o->transport]);
    size_t len = prog_net_equiv(&o->pos, buf, cap, n > 0 ? (size_t)n : 0);
    return cli_append_words(buf, cap, len, o->pos.typed, o->pos.count);
}
