#!/usr/bin/env bash
# checker_mirrored.sh WIN64_DIR LINUX64_DIR - mcheck in WSL's mirrored
# networking mode, where Windows and Linux share the host's interfaces and
# addresses: both sides in one namespace (the Windows programs under wine
# beside the Linux ones, on the same veth address), its default route to a
# second namespace standing for the LAN's router. The kernel name and
# wslinfo are faked as WSL 2 has them (a mount namespace; nothing else
# changes). mcheck must run every row on the shared interface: TCP and UDP
# to the shared address, multicast out of that interface and looped back
# to the other side (the router's namespace counts the datagrams that left
# by it), and say which interface each row used. Also: without wslinfo,
# mirrored mode is known by the loopback0 link WSL adds for it; and in NAT
# mode, a --windows-run prefix no longer keeps mcheck from finding the
# addresses (the default gateway is Windows).
source "$(dirname "$0")/lib.sh"
need_root_netns
WIN64=${1:?usage: checker_mirrored.sh WIN64_DIR LINUX64_DIR}
LINUX64=${2:?usage: checker_mirrored.sh WIN64_DIR LINUX64_DIR}
MCHECK=$(cd "$(dirname "$0")/.." && pwd)/mcheck

HOST=mtmhost$$   # Windows and Linux, mirrored
LAN=mtmlan$$     # the LAN's router
two_hosts "$HOST" 10.79.0.2/24 "$LAN" 10.79.0.1/24
ip -n "$HOST" route add default via 10.79.0.1
wine_in "$HOST"
veth_of() { ip -n "$1" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }'; }
DEV=$(veth_of "$HOST")

# A WSL 2 kernel name; wslinfo saying what --networking-mode is.
echo 5.15.167.4-microsoft-standard-WSL2 > "$WORK/osrelease"
fake_wslinfo() { # MODE: a directory with a wslinfo that reports MODE
    mkdir -p "$WORK/$1"
    # shellcheck disable=SC2016 # the fake's own $1
    printf '#!/bin/sh\n[ "$1" = --networking-mode ] && echo %s\n' "$1" > "$WORK/$1/wslinfo"
    chmod +x "$WORK/$1/wslinfo"
}
fake_wslinfo mirrored
fake_wslinfo nat
# as_wsl NS PATH ARGS...: mcheck ARGS in namespace NS as in WSL 2, with PATH.
as_wsl() {
    local ns=$1 path=$2
    shift 2
    # shellcheck disable=SC2016 # the inner sh's arguments
    timeout 200 ip netns exec "$ns" unshare -m sh -c \
        'mount --bind "$1" /proc/sys/kernel/osrelease && PATH=$2 && shift 2 && exec "$@"' \
        - "$WORK/osrelease" "$path" "$MCHECK" "$@"
}
PROGRAMS=(--windows-dir "$WIN64" --linux-dir "$LINUX64" --count 20 --pause 2 --timeout 6)
mask() { # the first-ms and rtt-us figures
    awk '/^(tcp|udp|multicast)6? / && substr($0, 60, 9) ~ /[0-9]$/ { $0 = substr($0, 1, 59) "       MS" substr($0, 69) }
         /^(tcp|udp|multicast)6? / && substr($0, 70, 7) ~ /[0-9]$/ { $0 = substr($0, 1, 69) "     US" substr($0, 77) }
         { print }'
}

# The router counts the multicast datagrams that reach it over the link:
# to port 12000 (msend's, and mpong's reflections) and to 12001 (mpong's
# probes).
ip netns exec "$LAN" nft add table inet mtcount
ip netns exec "$LAN" nft add chain inet mtcount prerouting "{ type filter hook prerouting priority 0; }"
ip netns exec "$LAN" nft add rule inet mtcount prerouting ip daddr 239.101.3.10 udp dport 12000 counter
ip netns exec "$LAN" nft add rule inet mtcount prerouting ip daddr 239.101.3.10 udp dport 12001 counter
multicast_seen() { # the counts at ports 12000 and 12001, space-separated
    ip netns exec "$LAN" nft list chain inet mtcount prerouting |
        sed -nE 's/.*counter packets ([0-9]+) .*/\1/p' | paste -sd ' '
}

# ---- mirrored mode, as wslinfo reports it: the whole matrix.
as_wsl "$HOST" "$WORK/mirrored:$PATH" --windows-run wine "${PROGRAMS[@]}" > "$WORK/mirrored.out" 2> "$WORK/mirrored.err"
expect_status mirrored 0 $?
mask < "$WORK/mirrored.out" > "$WORK/mirrored.got"
cat > "$WORK/mirrored.want" <<END
Checking Windows 10.79.0.2 <-> Linux 10.79.0.2 (WSL mirrored mode).
transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail
tcp        Windows->Linux  PASS       20        20     0.0        MS       -  $DEV
tcp        Linux->Windows  PASS       20        20     0.0        MS       -  $DEV
udp        Windows->Linux  PASS       20        20     0.0        MS      US  $DEV
udp        Linux->Windows  PASS       20        20     0.0        MS      US  $DEV
multicast  Windows->Linux  PASS       20        20     0.0        MS      US  $DEV
multicast  Linux->Windows  PASS       20        20     0.0        MS      US  $DEV

verdict: PASS - all 6 runs got through
END
expect_same "mirrored: the table" "$WORK/mirrored.want" "$WORK/mirrored.got"
expect_same "mirrored: nothing on stderr" /dev/null "$WORK/mirrored.err"
# Each multicast run: the echo, 20 messages and the stat, then mpong's 25
# probes and their 25 reflections, out of the shared interface (not
# loopback's 127.0.0.1, which never leaves).
CHECKS=$((CHECKS + 1))
seen=$(multicast_seen)
if [ "$seen" = "94 50" ]; then pass "mirrored: the 2 x (22 + 25) and 2 x 25 multicast datagrams went out on $DEV"
else fail "mirrored: $seen multicast datagrams reached the router at ports 12000 and 12001, expected 94 50"; fi

# ---- --family 6 in mirrored mode: the shared interface's global IPv6
# address (the one with the IPv6 default route) for both sides.
LAN_DEV=$(veth_of "$LAN")
ip -n "$HOST" addr add fd00:79::2/64 dev "$DEV" nodad
ip -n "$LAN" addr add fd00:79::1/64 dev "$LAN_DEV" nodad
ip -n "$HOST" -6 route add default via fd00:79::1 dev "$DEV"
as_wsl "$HOST" "$WORK/mirrored:$PATH" --windows-run wine "${PROGRAMS[@]}" --family 6 \
    > "$WORK/mirrored6.out" 2> "$WORK/mirrored6.err"
expect_status "mirrored, --family 6" 0 $?
mask < "$WORK/mirrored6.out" > "$WORK/mirrored6.got"
cat > "$WORK/mirrored6.want" <<END
Checking Windows 10.79.0.2 <-> Linux 10.79.0.2, IPv6 fd00:79::2 <-> fd00:79::2 (WSL mirrored mode).
transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail
tcp6       Windows->Linux  PASS       20        20     0.0        MS       -  $DEV
tcp6       Linux->Windows  PASS       20        20     0.0        MS       -  $DEV
udp6       Windows->Linux  PASS       20        20     0.0        MS      US  $DEV
udp6       Linux->Windows  PASS       20        20     0.0        MS      US  $DEV
multicast6 Windows->Linux  PASS       20        20     0.0        MS      US  $DEV
multicast6 Linux->Windows  PASS       20        20     0.0        MS      US  $DEV

verdict: PASS - all 6 runs got through
END
expect_same "mirrored, --family 6: the table" "$WORK/mirrored6.want" "$WORK/mirrored6.got"
expect_same "mirrored, --family 6: nothing on stderr" /dev/null "$WORK/mirrored6.err"

# ---- mirrored mode without wslinfo (WSL before 2.0.4): the loopback0 link.
# (A veth pair: dummy links need a module this kernel may not have.)
ip -n "$HOST" link add loopback0 type veth peer name lb0peer
as_wsl "$HOST" "$PATH" --windows-run wine "${PROGRAMS[@]}" --transports multicast --json \
    > "$WORK/loopback0.json" 2> "$WORK/loopback0.err"
expect_status "mirrored by loopback0" 0 $?
ip -n "$HOST" link del loopback0
sed -E -e 's/"first_ms": [0-9]+/"first_ms": MS/' -e 's/"rtt_us": [0-9]+/"rtt_us": US/' "$WORK/loopback0.json" > "$WORK/loopback0.got"
cat > "$WORK/loopback0.want" <<END
{"mode": "pair", "wsl_mode": "mirrored", "windows_addr": "10.79.0.2", "linux_addr": "10.79.0.2", "group": "239.101.3.10", "windows_addr6": null, "linux_addr6": null, "group6": null, "port": 12000, "count": 20,
 "runs": [
  {"transport": "multicast", "direction": "w2l", "result": "PASS", "sent": 20, "received": 20, "loss_pct": 0.0, "first_ms": MS, "rtt_us": US, "interface": "$DEV", "detail": ""},
  {"transport": "multicast", "direction": "l2w", "result": "PASS", "sent": 20, "received": 20, "loss_pct": 0.0, "first_ms": MS, "rtt_us": US, "interface": "$DEV", "detail": ""}
 ],
 "passed": 2, "total": 2, "verdict": "PASS"}
END
expect_same "mirrored by loopback0: the JSON" "$WORK/loopback0.want" "$WORK/loopback0.got"
expect_same "mirrored by loopback0: nothing on stderr" /dev/null "$WORK/loopback0.err"
CHECKS=$((CHECKS + 1))
seen=$(multicast_seen)
if [ "$seen" = "188 100" ]; then pass "mirrored by loopback0: 2 x (22 + 25) and 2 x 25 more multicast datagrams went out on $DEV"
else fail "mirrored by loopback0: $seen multicast datagrams in all at ports 12000 and 12001, expected 188 100"; fi

# ---- NAT mode with the Windows side behind a --windows-run prefix: Linux
# in a namespace of its own whose default gateway is Windows.
WSL=mtmwsl$$
make_netns "$WSL"
veth_pair "$HOST" 172.31.0.1/20 "$WSL" 172.31.8.31/20
ip -n "$WSL" route add default via 172.31.0.1
WSL_DEV=$(veth_of "$WSL")
as_wsl "$WSL" "$WORK/nat:$PATH" --windows-run "ip netns exec $HOST wine" "${PROGRAMS[@]}" --transports udp \
    > "$WORK/nat.out" 2> "$WORK/nat.err"
expect_status nat 0 $?
mask < "$WORK/nat.out" > "$WORK/nat.got"
cat > "$WORK/nat.want" <<END
Checking Windows 172.31.0.1 <-> Linux 172.31.8.31 (WSL nat mode).
transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail
udp        Windows->Linux  PASS       20        20     0.0        MS      US  $WSL_DEV
udp        Linux->Windows  PASS       20        20     0.0        MS      US  $WSL_DEV

verdict: PASS - all 2 runs got through
END
expect_same "nat: the table" "$WORK/nat.want" "$WORK/nat.got"
expect_same "nat: nothing on stderr" /dev/null "$WORK/nat.err"
# NAT mode offers no IPv6 between the two: --family both skips those rows,
# saying why, outside the verdict.
as_wsl "$WSL" "$WORK/nat:$PATH" --windows-run "ip netns exec $HOST wine" "${PROGRAMS[@]}" --transports udp \
    --family both > "$WORK/nat6.out" 2> "$WORK/nat6.err"
expect_status "nat, --family both" 0 $?
mask < "$WORK/nat6.out" > "$WORK/nat6.got"
cat > "$WORK/nat6.want" <<END
Checking Windows 172.31.0.1 <-> Linux 172.31.8.31 (WSL nat mode).
transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail
udp        Windows->Linux  PASS       20        20     0.0        MS      US  $WSL_DEV
udp        Linux->Windows  PASS       20        20     0.0        MS      US  $WSL_DEV
udp6       Windows->Linux  SKIP        0         0       -         -       -  -          WSL nat mode offers no IPv6 between Windows and Linux (mirrored mode does)
udp6       Linux->Windows  SKIP        0         0       -         -       -  -          WSL nat mode offers no IPv6 between Windows and Linux (mirrored mode does)

verdict: PASS - all 2 runs got through
END
expect_same "nat, --family both: the table" "$WORK/nat6.want" "$WORK/nat6.got"
expect_same "nat, --family both: nothing on stderr" /dev/null "$WORK/nat6.err"
finish
