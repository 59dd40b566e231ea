#!/usr/bin/env bash
# error_texts.sh LINUX64_DIR WIN64_DIR - the socket errors the programs
# report read the same on every build: the glibc build (MSEND, MDUMP), the
# shipped static musl programs (LINUX64_DIR) and the Windows programs
# under wine (WIN64_DIR), in English and in glibc's words, as the README
# shows them (musl says "Operation timed out", "Network unreachable";
# Windows words its own, in the system's language). Each case is made in a
# namespace, and each build's error line compared with the one expected.
source "$(dirname "$0")/lib.sh"
: "${SENDRAW:?SENDRAW must name the sendraw program}"
need_root_netns
LINUX64=${1:?usage: error_texts.sh LINUX64_DIR WIN64_DIR}
WIN64=${2:?usage: error_texts.sh LINUX64_DIR WIN64_DIR}

A=mtera$$
B=mterb$$
two_hosts "$A" 10.99.0.1/24 "$B" 10.99.0.2/24
# Routes that answer for themselves: "unreachable" and "prohibit".
ip -n "$A" route add unreachable 203.0.113.0/24
ip -n "$A" route add prohibit 198.18.0.0/24
# Every Windows program runs in A, where its wineserver is.
wine_in "$A"
PORT=12000

# program BUILD NAME: sets cmd to the command running NAME of that build.
program() {
    case $1 in
        glibc) cmd=("$([ "$2" = msend ] && echo "$MSEND" || echo "$MDUMP")") ;;
        musl) cmd=("$LINUX64/$2") ;;
        windows) cmd=(wine "$WIN64/$2.exe") ;;
    esac
}

# each NAME WANT PROGRAM ARGS...: runs PROGRAM (msend or mdump) of every
# build in $BUILDS in A; each must exit 1 with exactly WANT on stderr.
BUILDS="glibc musl windows"
each() {
    local name=$1 want=$2 prog=$3 build
    shift 3
    for build in $BUILDS; do
        program "$build" "$prog"
        timeout 30 ip netns exec "$A" "${cmd[@]}" "$@" > "$WORK/$name.$build.out" 2> "$WORK/$name.$build.err"
        expect_status "$name ($build)" 1 $?
        echo "$want" > "$WORK/$name.want"
        tr -d '\r' < "$WORK/$name.$build.err" > "$WORK/$name.$build.got"
        expect_same "$name ($build): the error line" "$WORK/$name.want" "$WORK/$name.$build.got"
    done
}

each refused "ERROR: connect 10.99.0.2:$PORT: Connection refused" \
    msend -n1 -t 10.99.0.2 "$PORT"
each unreachable "ERROR: connect 198.51.100.1:$PORT: Network is unreachable" \
    msend -n1 -u 198.51.100.1 "$PORT"
each no-route "ERROR: connect 203.0.113.1:$PORT: No route to host" \
    msend -n1 -u 203.0.113.1 "$PORT"
each prohibited "ERROR: connect 198.18.0.1:$PORT: Permission denied" \
    msend -n1 -u 198.18.0.1 "$PORT"
# An interface address that is not this host's is no socket error but a
# usage error (status 2), worded the same by every build, before any
# socket is opened.
for build in $BUILDS; do
    program "$build" msend
    timeout 30 ip netns exec "$A" "${cmd[@]}" -n1 239.1.2.3 "$PORT" 1 10.99.0.99 \
        > "$WORK/not-local.$build.out" 2> "$WORK/not-local.$build.err"
    expect_status "not-local ($build)" 2 $?
    echo "msend: interface '10.99.0.99': not an address of this host (an interface is one of its addresses, names or indexes)" \
        > "$WORK/not-local.want"
    tr -d '\r' < "$WORK/not-local.$build.err" | head -n 1 > "$WORK/not-local.$build.got"
    expect_same "not-local ($build): the error line" "$WORK/not-local.want" "$WORK/not-local.$build.got"
done

# More sources for one group than Linux takes on a socket (10 by default,
# net.ipv4.igmp_max_msf): the error, and a NOTE that names the limit. (wine
# lacks the source-specific joins: Linux builds only.)
sources=()
for n in $(seq 101 111); do sources+=(--source "10.99.0.$n"); done
BUILDS="glibc musl" each sources-cap "$(printf '%s\n' \
    "ERROR: join 232.1.2.3 from 10.99.0.111 on 10.99.0.1: No buffer space available" \
    "NOTE: the system took 10 sources for one group and no more (Linux: sysctl net.ipv4.igmp_max_msf, 10 by default; net.ipv6.mld_max_msf, 64)")" \
    mdump --idle-timeout 1s "${sources[@]}" 232.1.2.3 "$PORT" 10.99.0.1

# SYNs dropped at the receiver: msend gives up after --connect-timeout.
nft_drop "$B" input tcp dport "$PORT"
each timed-out "ERROR: connect 10.99.0.2:$PORT: Connection timed out" \
    msend -n1 --connect-timeout 1s -t 10.99.0.2 "$PORT"
ip netns exec "$B" nft delete table inet mtfault

# A TCP port already listened on.
spawn "$WORK/holder.out" ip netns exec "$A" "$MDUMP" -t 0.0.0.0 "$PORT"
holder=$SPAWNED
wait_listening "$A" tcp "$PORT" 10
each in-use "ERROR: bind 0.0.0.0:$PORT: Address already in use" mdump -t 0.0.0.0 "$PORT"
kill "$holder"
wait_exit "$holder" 10

# A sender that resets its connection. (wine hands a Windows program a
# reset as the end of the stream: Linux builds only.)
for build in glibc musl; do
    program "$build" mdump
    spawn "$WORK/reset.$build.out" ip netns exec "$A" "${cmd[@]}" -q -t 0.0.0.0 "$PORT"
    rx=$SPAWNED
    wait_listening "$A" tcp "$PORT" 20
    ip netns exec "$A" "$SENDRAW" tcp 127.0.0.1 "$PORT" "text:Message 0" sleep:200 reset
    wait_exit "$rx" 20
    expect_status "reset ($build)" 1 "$STATUS"
    CHECKS=$((CHECKS + 1))
    line=$(tr -d '\r' < "$WORK/reset.$build.out" | grep '^ERROR')
    if [ "$line" = "ERROR: recv: Connection reset by peer" ]; then pass "reset ($build): $line"
    else fail "reset ($build): '$line'"; fi
done
finish
