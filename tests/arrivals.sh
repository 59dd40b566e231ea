#!/usr/bin/env bash
# arrivals.sh - a receiver shows only what it asked for: its group, on its
# interface, at its port. A host with two interfaces (a namespace joined by
# veth pairs to two others):
#
#   side A 192.0.2.2 --- 192.0.2.1 [host] 198.51.100.1 --- 198.51.100.2 side B
#
#  - mdump joined on A and another on B, same group and port, B's side
#    sends: the A receiver shows none of it (by default Linux hands a socket
#    every group any socket of the host joined, from any interface), then
#    A's side sends and it shows that; the same with the join left to the
#    system (its route for multicast leads to A);
#  - another group on the same port, joined by another receiver: not shown;
#  - unicast to the port: not shown by a multicast mdump (the old tools
#    bound the group's address on Linux, so the kernel kept unicast out, as
#    here; on Windows they bound any address and showed it);
#  - a unicast mdump does not show the groups other receivers joined at its
#    port;
#  - where datagrams are dropped one by one (Windows, and the case below),
#    they do not hold off --idle-timeout;
#  - on Linux, once more where IP_MULTICAST_ALL is refused (an injected
#    refusal, as an emulation may give): each datagram's IP_PKTINFO is
#    checked instead, in batches and one at a time (-p); with IP_PKTINFO
#    refused too, a warning says so.
#
#   arrivals.sh                 the mdump under test is $MDUMP
#   arrivals.sh --windows DIR   it is DIR/mdump.exe under wine (bound to any
#                               address, as Windows must: IP_PKTINFO from
#                               WSARecvMsg does the checking; wine passes
#                               it through)
# The other receivers and the senders are always the Linux programs.
source "$(dirname "$0")/lib.sh"
: "${SENDRAW:?SENDRAW must name the sendraw test program}"
need_root_netns
# The shim is preloaded before a sanitizer's runtime in those builds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

HOST=mtarh$$
SIDE_A=mtara$$
SIDE_B=mtarb$$
make_netns "$HOST"
make_netns "$SIDE_A"
make_netns "$SIDE_B"
veth_pair "$SIDE_A" 192.0.2.2/24 "$HOST" 192.0.2.1/24
veth_pair "$SIDE_B" 198.51.100.2/24 "$HOST" 198.51.100.1/24
# Multicast leaves the host by side A when the join names no interface.
ip -n "$HOST" route add 224.0.0.0/4 dev "$(ip -n "$HOST" -o addr show to 192.0.2.1 | awk '{ print $2 }')"

UNDER_TEST=("$MDUMP")
START_SECONDS=10
WINDOWS=
if [ "${1:-}" = --windows ]; then
    WINDOWS=$2
    wine_in "$HOST"
    UNDER_TEST=(wine "$WINDOWS/mdump.exe")
    START_SECONDS=60
fi
PORT=12000
G=239.5.5.5
declare -A PID

# start NAME PROGRAM... : a receiver on the host; waits until it is bound
# (its Equiv line is written then) or has ended.
start() {
    local name=$1
    shift
    spawn "$WORK/$name.out" ip netns exec "$HOST" "$@"
    PID[$name]=$SPAWNED
    wait_started "$name" "$WORK/$name.out" "${PID[$name]}" "$START_SECONDS"
}

# send SIDE ARGS...: msend from that side, 3 messages and a stat.
send() {
    local ns=$1
    shift
    timeout 20 ip netns exec "$ns" "$MSEND" -qq -n3 -p20 -s100 "$@"
    expect_status "msend $*" 0 $?
}

# sent FROM EQUIV...: what mdump -Q1 shows of what send sent (masked).
sent() {
    local from=$1 equiv="msend -b1 -m0 -n3 -p20 -qq -s100 -S65536 ${*:2}"
    echo "TS $from.PORT $((${#equiv} + 24)) bytes"
    echo "echo sender equiv cmd: $equiv"
    printf 'TS %s.PORT 9 bytes\n' "$from" "$from" "$from"
    echo "TS $from.PORT 6 bytes"
    echo "3 msgs sent, 3 received (not including 'stat')"
    echo "0.000000% loss"
}

# expect NAME STATUS < WANT: the receiver ended so and printed WANT (masked;
# the Windows program's CRLF as LF). Not in a pipeline: it counts checks.
expect() {
    wait_exit "${PID[$1]}" 20
    expect_status "$1" "$2" "$STATUS"
    cat > "$WORK/$1.want"
    tr -d '\r' < "$WORK/$1.out" | grep -v '^option_shim: ' | mask > "$WORK/$1.got"
    expect_same "$1: output" "$WORK/$1.want" "$WORK/$1.got"
}

# ---- The same group and port joined on A and on B; B's side sends, then A's.
PAUSE=0 # the -p of the receiver under test
two_interfaces() { # NAME [ENV...]: the receiver on A run under env ENV
    local name=$1 equiv_a="-p$PAUSE -Q1 -r4194304 -s $G $PORT 192.0.2.1"
    shift
    start "$name-a" env "$@" "${UNDER_TEST[@]}" -Q1 -s $G $PORT 192.0.2.1
    start "$name-b" "$MDUMP" -q -s $G $PORT 198.51.100.1
    send "$SIDE_B" $G $PORT 2 198.51.100.2
    wait_exit "${PID[$name-b]}" 10
    expect_status "$name-b: got B's traffic" 0 "$STATUS"
    send "$SIDE_A" $G $PORT 2 192.0.2.2
    expect "$name-a" 0 < <(echo "Equiv cmd line: mdump $equiv_a"; sent 192.0.2.2 $G $PORT 2 192.0.2.2)
}
two_interfaces joined-on-a

# The join left to the system: it joins on A (the multicast route).
join_any() { # NAME [ENV...]
    local name=$1
    shift
    start "$name-a" env "$@" "${UNDER_TEST[@]}" -Q1 -s $G $PORT
    start "$name-b" "$MDUMP" -q -s $G $PORT 198.51.100.1
    send "$SIDE_B" $G $PORT 2 198.51.100.2
    wait_exit "${PID[$name-b]}" 10
    expect_status "$name-b: got B's traffic" 0 "$STATUS"
    send "$SIDE_A" $G $PORT 2 192.0.2.2
    expect "$name-a" 0 < <(echo "Equiv cmd line: mdump -p$PAUSE -Q1 -r4194304 -s $G $PORT"; sent 192.0.2.2 $G $PORT 2 192.0.2.2)
}
join_any any

# ---- Another group on the same port and interface, joined by another
# receiver: not shown.
start group-a "${UNDER_TEST[@]}" -Q1 -s $G $PORT 192.0.2.1
start group-other "$MDUMP" -q -s 239.5.5.6 $PORT 192.0.2.1
send "$SIDE_A" 239.5.5.6 $PORT 2 192.0.2.2
send "$SIDE_A" $G $PORT 2 192.0.2.2
expect group-a 0 < <(echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 -s $G $PORT 192.0.2.1"; sent 192.0.2.2 $G $PORT 2 192.0.2.2)
wait_exit "${PID[group-other]}" 10
expect_status "group-other: got its own traffic" 0 "$STATUS"

# ---- Unicast to the port of a multicast mdump (alone on it): not shown.
start to-port "${UNDER_TEST[@]}" -Q1 -s $G $PORT 192.0.2.1
timeout 10 ip netns exec "$SIDE_A" "$SENDRAW" udp 192.0.2.1 $PORT text:"unicast to the port"
expect_status "sendraw to 192.0.2.1" 0 $?
send "$SIDE_A" $G $PORT 2 192.0.2.2
expect to-port 0 < <(echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 -s $G $PORT 192.0.2.1"; sent 192.0.2.2 $G $PORT 2 192.0.2.2)

# ---- A unicast mdump beside a multicast one: it shows the unicast only.
start unicast "${UNDER_TEST[@]}" -Q1 -s 0.0.0.0 $PORT
start unicast-group "$MDUMP" -q -s $G $PORT 192.0.2.1
send "$SIDE_A" $G $PORT 2 192.0.2.2
send "$SIDE_A" -u 192.0.2.1 $PORT
expect unicast 0 < <(echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 -s 0.0.0.0 $PORT"; sent 192.0.2.2 -u 192.0.2.1 $PORT)
wait_exit "${PID[unicast-group]}" 10
expect_status "unicast-group: got its own traffic" 0 "$STATUS"

# ---- Datagrams dropped unseen do not count as received: while B's side
# sends (its receiver shows the echo first, so the traffic is flowing
# before the receiver on A starts), the receiver on A still ends after its
# idle time.
idle_while_dropping() { # NAME [ENV...]
    local name=$1
    shift
    start "$name-b" "$MDUMP" -q $G $PORT 198.51.100.1
    spawn "$WORK/$name.send" ip netns exec "$SIDE_B" "$MSEND" -qq -n300 -p100 $G $PORT 2 198.51.100.2
    local sender=$SPAWNED
    wait_for "$WORK/$name-b.out" '^echo sender' 30
    start "$name-a" env "$@" "${UNDER_TEST[@]}" -Q1 --idle-timeout 2s $G $PORT 192.0.2.1
    expect "$name-a" 3 <<END
Equiv cmd line: mdump -p$PAUSE -Q1 -r4194304 $G $PORT 192.0.2.1
TIMEOUT: nothing received for 2 s
END
    CHECKS=$((CHECKS + 1))
    if kill -0 "$sender" 2> /dev/null; then pass "$name: ended while B's side was still sending"
    else fail "$name: B's datagrams held off the idle timeout until B's side stopped"; fi
    kill "$sender" 2> /dev/null
    wait_exit "$sender" 10
    kill -INT "${PID[$name-b]}"
    wait_exit "${PID[$name-b]}" 10
    expect_status "$name-b: ended by Ctrl-C" 130 "$STATUS"
}
[ -n "$WINDOWS" ] && idle_while_dropping idle

# ---- Linux without IP_MULTICAST_ALL (IPPROTO_IP 0, IP_MULTICAST_ALL 49):
# IP_PKTINFO checked per datagram, batched and one at a time.
if [ -z "$WINDOWS" ]; then
    : "${OPTION_SHIM:?OPTION_SHIM must name the option shim library}"
    two_interfaces no-mcast-all LD_PRELOAD="$OPTION_SHIM" MTOOLS_REFUSE_OPTION=0:49
    join_any no-mcast-all-any LD_PRELOAD="$OPTION_SHIM" MTOOLS_REFUSE_OPTION=0:49
    idle_while_dropping no-mcast-all-idle LD_PRELOAD="$OPTION_SHIM" MTOOLS_REFUSE_OPTION=0:49
    CHECKS=$((CHECKS + 1))
    if grep -qx 'option_shim: 1 refused, 0 kept less' "$WORK/no-mcast-all-a.out"; then
        pass "no-mcast-all: IP_MULTICAST_ALL was refused"
    else fail "no-mcast-all: the refusal was not injected"; fi
    # Neither IP_MULTICAST_ALL nor IP_PKTINFO (8): mdump says what it cannot do.
    start unchecked env LD_PRELOAD="$OPTION_SHIM" MTOOLS_REFUSE_OPTION=0:49,0:8 \
        "$MDUMP" -Q1 --idle-timeout 1s $G $PORT 192.0.2.1
    expect unchecked 3 <<END
Equiv cmd line: mdump -p0 -Q1 -r4194304 $G $PORT 192.0.2.1
WARNING: cannot check where datagrams arrive (Protocol not available); at port $PORT other groups' or interfaces' datagrams may show
TIMEOUT: nothing received for 1 s
END
    PAUSE=1
    UNDER_TEST=("$MDUMP" "-p$PAUSE")
    two_interfaces no-mcast-all-one LD_PRELOAD="$OPTION_SHIM" MTOOLS_REFUSE_OPTION=0:49
fi
finish
