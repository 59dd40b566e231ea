#!/usr/bin/env bash
# mcheck_hints.sh - what mcheck concludes where a run cannot be made or
# fails, whole outputs compared (first-ms and rtt-us masked), in namespaces
# of its own:
#   - over loopback with an ff00::/8 route on lo, whether lo delivers IPv6
#     multicast is probed: where it does not (told apart here by a python3
#     socket pair), the multicast6 row is SKIP with why, not FAIL;
#   - every run skipped: verdict SKIP, status 3 (not "FAIL - 0 of 0");
#   - --json names the addresses and group the runs used (::1 and the IPv6
#     group with --family 6);
#   - over loopback the hints name this machine's firewall, not options
#     loopback refuses (--linux-addr) or the Windows side (a connection
#     timed out, nothing arrived, lo down); lo down names lo once, for
#     the network unreachable and for mdump refusing 127.0.0.1 alike;
#   - a program refusing its command line (status 2): an older build is
#     suggested only for an option it does not know; an address that is
#     not this host's (lo down; a --linux-addr of another host, between
#     two sides) names the address, anything else the row's own line;
#   - between two sides (WSL's mirrored mode faked; the Windows side's
#     programs are the Linux ones under their .exe names): multicast6 rows
#     get the multicast hints in IPv6 terms, and a round trip without a
#     reply gets the firewall rule for mpong.exe; --family 6 runs without
#     an IPv4 default route; a first-ms from two
#     clocks that differ (time zones apart) is '-', with why, not a figure.
source "$(dirname "$0")/lib.sh"
: "${MPONG:?MPONG must name the mpong program}"
need_root_netns
need_cmd python3 python3
need_cmd nft nftables
MCHECK=$(cd "$(dirname "$0")/.." && pwd)/mcheck
BIN=$(dirname "$MSEND")
RUN=(--linux-dir "$BIN" --count 20 --pause 5)
HEAD='transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail'
mask() { # the first-ms and rtt-us figures
    awk '/^(tcp|udp|multicast)6? / && substr($0, 60, 9) ~ /[0-9]$/ { $0 = substr($0, 1, 59) "       MS" substr($0, 69) }
         /^(tcp|udp|multicast)6? / && substr($0, 70, 7) ~ /[0-9]$/ { $0 = substr($0, 1, 69) "     US" substr($0, 77) }
         { print }'
}

# ---- lo with an IPv6 multicast route: mcheck probes whether it delivers.
LO=mtmhl$$
make_netns "$LO"
ip -n "$LO" -6 route add multicast ff00::/8 dev lo table local
# The test's own answer: a datagram to the group on lo, joined on lo.
# shellcheck disable=SC2016 # python, not shell
delivers=$(timeout 10 ip netns exec "$LO" python3 -c '
import socket, struct
g = "ff15::101:3:10"
r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
r.bind(("::", 12100))
r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, g) + struct.pack("@I", 1))
r.settimeout(1.0)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
try:
    s.sendto(b"probe", (g, 12100, 0, 1))
    r.recv(100)
    print("yes")
except OSError:
    print("no")')
t0=$SECONDS
timeout 60 ip netns exec "$LO" "$MCHECK" "${RUN[@]}" --timeout 3 --family 6 --transports udp,multicast \
    > "$WORK/probe.out" 2> "$WORK/probe.err"
expect_status "lo probed ($delivers)" 0 $?
mask < "$WORK/probe.out" > "$WORK/probe.got"
if [ "$delivers" = no ]; then
    row6="multicast6 loopback        SKIP        0         0       -         -       -  -          lo carries no IPv6 multicast here (3 probe datagrams to ff15::101:3:10 on ::1 did not arrive within 1 s)"
    verdict="verdict: PASS - all 1 runs got through"
else
    row6="multicast6 loopback        PASS       20        20     0.0        MS      US  lo"
    verdict="verdict: PASS - all 2 runs got through"
fi
cat > "$WORK/probe.want" <<END
Checking this machine over loopback (::1).
$HEAD
udp6       loopback        PASS       20        20     0.0        MS      US  lo
$row6

$verdict
END
expect_same "lo probed (delivers: $delivers): the rows" "$WORK/probe.want" "$WORK/probe.got"
expect_same "lo probed: nothing on stderr" /dev/null "$WORK/probe.err"
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 8 ]; then pass "lo probed: done in $((SECONDS - t0)) s"
else fail "lo probed: took $((SECONDS - t0)) s"; fi
CHECKS=$((CHECKS + 1))
left=$(ip netns pids "$LO")
if [ -z "$left" ]; then pass "lo probed: the probe's programs ended"
else fail "lo probed: left running: $(ps -o args= -p "$(tr '\n' ',' <<< "$left" | sed 's/,$//')")"; fi

# ---- every run skipped (no IPv6 multicast route on lo): verdict SKIP,
# status 3; the JSON names the IPv6 ends and group.
NS=mtmhn$$
make_netns "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns "$MCHECK" "${RUN[@]}" --family 6 --transports multicast > "$WORK/skip.out" 2> "$WORK/skip.err"
expect_status "all skipped" 3 $?
cat > "$WORK/skip.want" <<END
Checking this machine over loopback (::1).
$HEAD
multicast6 loopback        SKIP        0         0       -         -       -  -          lo carries no IPv6 multicast here (no ff00::/8 route on lo)

verdict: SKIP - every run was skipped: nothing could be checked
END
expect_same "all skipped: the rows" "$WORK/skip.want" "$WORK/skip.out"
expect_same "all skipped: nothing on stderr" /dev/null "$WORK/skip.err"
in_ns "$MCHECK" "${RUN[@]}" --family 6 --transports multicast --json > "$WORK/skip.json" 2>&1
expect_status "all skipped, json" 3 $?
cat > "$WORK/skip-json.want" <<END
{"mode": "loopback", "wsl_mode": null, "windows_addr": null, "linux_addr": null, "group": null, "windows_addr6": "::1", "linux_addr6": "::1", "group6": "ff15::101:3:10", "port": 12000, "count": 20,
 "runs": [
  {"transport": "multicast6", "direction": "local", "result": "SKIP", "sent": 0, "received": 0, "loss_pct": null, "first_ms": null, "rtt_us": null, "interface": "-", "detail": "lo carries no IPv6 multicast here (no ff00::/8 route on lo)"}
 ],
 "passed": 0, "total": 0, "verdict": "SKIP"}
END
expect_same "all skipped, json" "$WORK/skip-json.want" "$WORK/skip.json"
# Both families: both ends and both groups, the IPv4 group as given.
in_ns "$MCHECK" "${RUN[@]}" --family both --transports multicast --group 239.1.2.3 --json > "$WORK/both.json" 2>&1
expect_status "both families, json" 0 $?
echo '{"mode": "loopback", "wsl_mode": null, "windows_addr": "127.0.0.1", "linux_addr": "127.0.0.1", "group": "239.1.2.3", "windows_addr6": "::1", "linux_addr6": "::1", "group6": "ff15::101:3:10", "port": 12000, "count": 20,' \
    > "$WORK/both.want"
head -1 "$WORK/both.json" > "$WORK/both.got"
expect_same "both families, json: the addresses and groups" "$WORK/both.want" "$WORK/both.got"

# ---- over loopback, TCP's connection and UDP's datagrams dropped: the
# hints name this machine's firewall (no --linux-addr, no Windows).
in_ns nft add table inet mtfault
in_ns nft add chain inet mtfault input "{ type filter hook input priority 0; }"
in_ns nft add rule inet mtfault input th dport 12000 drop
in_ns "$MCHECK" "${RUN[@]}" --timeout 2 --transports tcp,udp > "$WORK/dropped.out" 2>&1
expect_status "loopback, dropped" 1 $?
cat > "$WORK/dropped.want" <<END
Checking this machine over loopback (127.0.0.1).
$HEAD
tcp        loopback        FAIL        0         0       -         -       -  lo         sender: connection timed out
udp        loopback        FAIL       20         0   100.0         -       -  lo         nothing arrived within 2 s

Likely cause (connection timed out): a firewall on this machine silently dropping
  the connection to port 12000 (nft list ruleset).

Likely cause (nothing arrived): a firewall on this machine dropping the traffic
  to port 12000 (nft list ruleset).

verdict: FAIL - 0 of 2 runs passed
END
expect_same "loopback, dropped: rows and hints" "$WORK/dropped.want" "$WORK/dropped.out"
in_ns nft delete table inet mtfault
# lo never up (a namespace as made): no route to 127.0.0.1, and mdump
# refuses 127.0.0.1 as its multicast interface (a usage error about this
# host, not about mcheck's command line); the hint names lo, once, not
# the WSL network and not an older build.
DOWN=mtmhd$$
ip netns add "$DOWN" || { fail "ip netns add $DOWN"; exit 1; }
NETNS_CREATED+=("$DOWN")
ip netns exec "$DOWN" "$MCHECK" "${RUN[@]}" --timeout 2 --transports tcp,udp > "$WORK/lo-down.out" 2>&1
expect_status "loopback, lo down" 1 $?
cat > "$WORK/lo-down.want" <<END
Checking this machine over loopback (127.0.0.1).
$HEAD
tcp        loopback        FAIL        0         0       -         -       -  -          sender: network unreachable
udp        loopback        FAIL        0         0       -         -       -  -          sender: network unreachable

Likely cause (network unreachable): lo is down or lacks 127.0.0.1 or ::1
  (ip addr show dev lo).

verdict: FAIL - 0 of 2 runs passed
END
expect_same "loopback, lo down: rows and hint" "$WORK/lo-down.want" "$WORK/lo-down.out"
MDUMP_NOADDR="mdump: interface '127.0.0.1': not an address of this host (an interface is one of its addresses, names or indexes)"
ip netns exec "$DOWN" "$MCHECK" "${RUN[@]}" --timeout 2 --transports multicast > "$WORK/lo-down-m.out" 2>&1
expect_status "loopback, lo down, multicast" 1 $?
cat > "$WORK/lo-down-m.want" <<END
Checking this machine over loopback (127.0.0.1).
$HEAD
multicast  loopback        FAIL        0         0       -         -       -  -          $MDUMP_NOADDR

Likely cause (not an address of this host): lo is down or lacks 127.0.0.1 or ::1
  (ip addr show dev lo).

verdict: FAIL - 0 of 1 runs passed
END
expect_same "loopback, lo down, multicast: row and hint" "$WORK/lo-down-m.want" "$WORK/lo-down-m.out"
ip netns exec "$DOWN" "$MCHECK" "${RUN[@]}" --timeout 2 > "$WORK/lo-down-all.out" 2>&1
expect_status "loopback, lo down, every transport" 1 $?
cat > "$WORK/lo-down-all.want" <<END
Checking this machine over loopback (127.0.0.1).
$HEAD
tcp        loopback        FAIL        0         0       -         -       -  -          sender: network unreachable
udp        loopback        FAIL        0         0       -         -       -  -          sender: network unreachable
multicast  loopback        FAIL        0         0       -         -       -  -          $MDUMP_NOADDR

Likely cause (network unreachable, not an address of this host): lo is down or lacks 127.0.0.1 or ::1
  (ip addr show dev lo).

verdict: FAIL - 0 of 3 runs passed
END
expect_same "loopback, lo down, every transport: rows and one hint" "$WORK/lo-down-all.want" "$WORK/lo-down-all.out"

# ---- a program that refuses its command line (status 2): an option it
# does not know suggests an older build; any other refusal does not, and
# the row gives the program's own line. (The prefix stands in for them.)
# shellcheck disable=SC2016 # the wrapper's own $1 and $@
printf '%s\n' '#!/bin/sh' 'mode=$1' 'shift' 'case $mode:$1 in' \
    "    old:*/mdump) echo \"mdump: unknown option '--loss-status'\" >&2; echo 'usage: mdump [options]' >&2; exit 2 ;;" \
    "    refuses:*/msend) echo \"msend: port '12000': refused here\" >&2; echo 'usage: msend [options]' >&2; exit 2 ;;" \
    'esac' 'exec "$@"' > "$WORK/refuses"
chmod +x "$WORK/refuses"
in_ns "$MCHECK" "${RUN[@]}" --timeout 2 --transports udp --linux-run "$WORK/refuses old" > "$WORK/old.out" 2>&1
expect_status "an older mdump" 1 $?
cat > "$WORK/old.want" <<END
Checking this machine over loopback (127.0.0.1).
$HEAD
udp        loopback        FAIL        0         0       -         -       -  lo         mdump: unknown option '--loss-status'

A program did not know an option mcheck gave it: an older msend/mdump?
  Use the ones next to mcheck (Linux64/, Win64/) or rebuild them (scripts/build-binaries).

verdict: FAIL - 0 of 1 runs passed
END
expect_same "an older mdump: row and hint" "$WORK/old.want" "$WORK/old.out"
in_ns "$MCHECK" "${RUN[@]}" --timeout 2 --transports udp --linux-run "$WORK/refuses refuses" > "$WORK/cmdline.out" 2>&1
expect_status "msend refuses" 1 $?
cat > "$WORK/cmdline.want" <<END
Checking this machine over loopback (127.0.0.1).
$HEAD
udp        loopback        FAIL        0         0       -         -       -  lo         msend: port '12000': refused here

A program refused the command line mcheck gave it, for the reason in its row:
  check mcheck's options it came from (--group, --port, --windows-addr, --linux-addr).

verdict: FAIL - 0 of 1 runs passed
END
expect_same "msend refuses: row and hint" "$WORK/cmdline.want" "$WORK/cmdline.out"

# ---- WSL's mirrored mode faked (kernel name, wslinfo and interop, in a
# mount namespace): both sides in one namespace on one veth address, its default
# routes to a second namespace standing for the LAN's router. The Windows
# side's programs are the Linux ones under their .exe names.
HOST=mtmhh$$
LAN=mtmhr$$
two_hosts "$HOST" 10.78.0.2/24 "$LAN" 10.78.0.1/24
ip -n "$HOST" route add default via 10.78.0.1
DEV=$(ip -n "$HOST" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }')
LAN_DEV=$(ip -n "$LAN" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }')
DEVCOL=$(printf '%-10s' "$DEV")   # the interface column
ip -n "$HOST" addr add fd00:78::2/64 dev "$DEV" nodad
ip -n "$LAN" addr add fd00:78::1/64 dev "$LAN_DEV" nodad
ip -n "$HOST" -6 route add default via fd00:78::1 dev "$DEV"
WIN="$WORK/win dir"
mkdir -p "$WIN" "$WORK/mirrored"
cp "$MSEND" "$WIN/msend.exe"
cp "$MDUMP" "$WIN/mdump.exe"
cp "$MPONG" "$WIN/mpong.exe"
# shellcheck disable=SC2016 # the fake's own $1
printf '#!/bin/sh\n[ "$1" = --networking-mode ] && echo mirrored\n' > "$WORK/mirrored/wslinfo"
chmod +x "$WORK/mirrored/wslinfo"
# (Interop on: the .exe files here are Linux programs, which run as they are.)
fake_wsl wsl-mirrored 5.15.167.4-microsoft-standard-WSL2 enabled socket "$WORK/mirrored:$PATH"
as_wsl() { # ARGS...: mcheck ARGS in $HOST as in WSL 2's mirrored mode
    timeout 120 ip netns exec "$HOST" "$WORK/wsl-mirrored" --windows-dir "$WIN" "${RUN[@]}" "$@"
}
# The IPv6 group's datagrams dropped on their way in: the multicast
# hints, in IPv6's terms (no IPv4 options, no rp_filter), not the unicast
# ones (hostAddressLoopback, --linux-addr).
ip netns exec "$HOST" nft add table inet mtfault
ip netns exec "$HOST" nft add chain inet mtfault input "{ type filter hook input priority 0; }"
ip netns exec "$HOST" nft add rule inet mtfault input ip6 daddr ff15::101:3:10 drop
as_wsl --timeout 2 --family 6 --transports multicast > "$WORK/m6.out" 2> "$WORK/m6.err"
expect_status "mirrored multicast6 dropped" 1 $?
cat > "$WORK/m6.want" <<END
Checking Windows 10.78.0.2 <-> Linux 10.78.0.2, IPv6 fd00:78::2 <-> fd00:78::2 (WSL mirrored mode).
$HEAD
multicast6 Windows->Linux  FAIL       20         0   100.0         -       -  $DEVCOL nothing arrived within 2 s
multicast6 Linux->Windows  FAIL       20         0   100.0         -       -  $DEVCOL nothing arrived within 2 s

Likely causes (multicast6, nothing arrived):
  - the multicast interface: in WSL mirrored mode both sides join and send on the interface
    with the IPv6 default route (the one whose global address mcheck found);
  - a WSL kernel without IPv6 multicast, or an interface that does not carry it;
  - a firewall dropping UDP to ff15::101:3:10 port 12000.

Likely cause (multicast6 to Windows): Windows Firewall blocks inbound traffic to mdump.exe.
  Allow it (administrator prompt), ticking public networks too (the WSL adapter is public):
    netsh advfirewall firewall add rule name="mdump" dir=in action=allow program="$WIN/mdump.exe" enable=yes

verdict: FAIL - 0 of 2 runs passed
END
expect_same "mirrored multicast6 dropped: rows and hints" "$WORK/m6.want" "$WORK/m6.out"
expect_same "mirrored multicast6 dropped: nothing on stderr" /dev/null "$WORK/m6.err"
ip netns exec "$HOST" nft delete table inet mtfault
# A --linux-addr this host does not have: mdump (w2l) and msend (l2w)
# refuse it as their interface; the hint names the addresses given, not
# an older build.
as_wsl --timeout 2 --transports multicast --linux-addr 10.78.0.9 > "$WORK/noaddr.out" 2> "$WORK/noaddr.err"
expect_status "mirrored, --linux-addr not this host's" 1 $?
cat > "$WORK/noaddr.want" <<END
Checking Windows 10.78.0.2 <-> Linux 10.78.0.9 (WSL mirrored mode).
$HEAD
multicast  Windows->Linux  FAIL        0         0       -         -       -  $DEVCOL mdump: interface '10.78.0.9': not an address of this host (an interface is one of its addresses, names or indexes)
multicast  Linux->Windows  FAIL        0         0       -         -       -  $DEVCOL msend: interface '10.78.0.9': not an address of this host (an interface is one of its addresses, names or indexes)

Likely cause (not an address of this host): a side does not have the address mcheck
  gave its program as the interface: check --windows-addr and --linux-addr (ip addr; ipconfig).

verdict: FAIL - 0 of 2 runs passed
END
expect_same "mirrored, --linux-addr not this host's: rows and hint" "$WORK/noaddr.want" "$WORK/noaddr.out"
expect_same "mirrored, --linux-addr not this host's: nothing on stderr" /dev/null "$WORK/noaddr.err"
# mpong's probes dropped (port 12001), msend's messages through: the rows
# pass without a round trip, and the hint names mpong.exe's firewall rule.
ip netns exec "$HOST" nft add table inet mtfault
ip netns exec "$HOST" nft add chain inet mtfault input "{ type filter hook input priority 0; }"
ip netns exec "$HOST" nft add rule inet mtfault input udp dport 12001 drop
as_wsl --timeout 3 --transports udp > "$WORK/rtt.out" 2> "$WORK/rtt.err"
expect_status "mirrored, no round trip" 0 $?
mask < "$WORK/rtt.out" > "$WORK/rtt.got"
cat > "$WORK/rtt.want" <<END
Checking Windows 10.78.0.2 <-> Linux 10.78.0.2 (WSL mirrored mode).
$HEAD
udp        Windows->Linux  PASS       20        20     0.0        MS       -  $DEVCOL round trip: no reply in 20 tries
udp        Linux->Windows  PASS       20        20     0.0        MS       -  $DEVCOL round trip: no reply in 20 tries

Likely cause (round trip, no reply): Windows Firewall blocks inbound traffic to mpong.exe
  (mdump.exe's rule does not cover it), or a firewall passes port 12000 but not 12001.
  Allow mpong.exe (administrator prompt), ticking public networks too (the WSL adapter is public):
    netsh advfirewall firewall add rule name="mpong" dir=in action=allow program="$WIN/mpong.exe" enable=yes

verdict: PASS - all 2 runs got through
END
expect_same "mirrored, no round trip: rows and hint" "$WORK/rtt.want" "$WORK/rtt.got"
expect_same "mirrored, no round trip: nothing on stderr" /dev/null "$WORK/rtt.err"
ip netns exec "$HOST" nft delete table inet mtfault
# IPv6 alone (no IPv4 default route): --family 6 needs no IPv4 ends, and
# the header names the IPv6 ones the runs use.
ip -n "$HOST" route del default
as_wsl --timeout 3 --family 6 --transports udp > "$WORK/v6only.out" 2> "$WORK/v6only.err"
expect_status "mirrored, IPv6 alone" 0 $?
mask < "$WORK/v6only.out" > "$WORK/v6only.got"
cat > "$WORK/v6only.want" <<END
Checking Windows fd00:78::2 <-> Linux fd00:78::2 (WSL mirrored mode).
$HEAD
udp6       Windows->Linux  PASS       20        20     0.0        MS      US  $DEV
udp6       Linux->Windows  PASS       20        20     0.0        MS      US  $DEV

verdict: PASS - all 2 runs got through
END
expect_same "mirrored, IPv6 alone: the rows" "$WORK/v6only.want" "$WORK/v6only.got"
expect_same "mirrored, IPv6 alone: nothing on stderr" /dev/null "$WORK/v6only.err"
ip -n "$HOST" route add default via 10.78.0.1
# first-ms of a Linux->Windows run compares Linux's clock with the
# Windows side's local time: with the two sides' time zones 5 hours apart
# (either way) it shows '-' and says why, not 0 or 5 hours.
for zone in UTC+5 UTC-5; do
    TZ=UTC as_wsl --transports udp --directions l2w --windows-run "env TZ=$zone" > "$WORK/tz.out" 2> "$WORK/tz.err"
    expect_status "windows in $zone" 0 $?
    mask < "$WORK/tz.out" > "$WORK/tz.got"
    cat > "$WORK/tz.want" <<END
Checking Windows 10.78.0.2 <-> Linux 10.78.0.2 (WSL mirrored mode).
$HEAD
udp        Linux->Windows  PASS       20        20     0.0         -      US  $DEVCOL first-ms: the two sides' clocks or time zones differ

verdict: PASS - all 1 runs got through
END
    expect_same "windows in $zone: the row" "$WORK/tz.want" "$WORK/tz.got"
    expect_same "windows in $zone: nothing on stderr" /dev/null "$WORK/tz.err"
done
# The same time zone: a figure.
TZ=UTC as_wsl --transports udp --directions l2w --windows-run "env TZ=UTC" > "$WORK/tz.out" 2>&1
expect_status "windows in UTC too" 0 $?
mask < "$WORK/tz.out" > "$WORK/tz.got"
cat > "$WORK/tz.want" <<END
Checking Windows 10.78.0.2 <-> Linux 10.78.0.2 (WSL mirrored mode).
$HEAD
udp        Linux->Windows  PASS       20        20     0.0        MS      US  $DEV

verdict: PASS - all 1 runs got through
END
expect_same "windows in UTC too: the row" "$WORK/tz.want" "$WORK/tz.got"
finish
