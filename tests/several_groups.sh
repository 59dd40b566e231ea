#!/usr/bin/env bash
# several_groups.sh - one mdump receiving three groups at once (a range and
# a list: 239.7.7.1+2,239.7.7.9), each on a socket of its own and all
# waited on together (sock_wait_readable_any), between two network
# namespaces joined by a veth pair (nothing leaves the machine):
#   - msend sends 2 messages to 239.7.7.9, then 5 to 239.7.7.1, then 3 to
#     239.7.7.2 (each with its echo and stat): every datagram is shown, in
#     order, each stat counts its own group's messages, and the summary
#     gives each group its own count, none lost; the wait then ends at the
#     idle timeout (status 3), about its time after the last datagram;
#   - a second mdump on the same groups with no time limit, 3 messages to
#     239.7.7.2 shown: Ctrl-C (SIGINT) ends its wait at once (status 130),
#     the two idle groups named in its summary; with the Windows program,
#     before that, a unicast datagram to the port, which reaches one of its
#     three sockets only: that socket is read (the datagram dropped, not
#     shown or counted), nothing left queued.
#
#   several_groups.sh                 the mdump under test is $MDUMP
#   several_groups.sh --windows DIR   it is DIR/mdump.exe under wine (there
#                                     the wait is a select over the three
#                                     sockets in slices of 100 ms, the
#                                     console's Ctrl-C looked at between)
# The sender is always the Linux msend.
source "$(dirname "$0")/lib.sh"
need_root_netns

TX=mgtx$$
RX=mgrx$$
two_hosts "$TX" 192.0.2.1/24 "$RX" 192.0.2.2/24

UNDER_TEST=("$MDUMP")
WINDOWS=
START_SECONDS=10
# How late the program may end after its time is up or a signal came
# (the Linux wait wakes at the signal itself).
LATE_MS=1000
if [ "${1:-}" = --windows ]; then
    WINDOWS=${2:?usage: several_groups.sh [--windows WIN64_DIR]}
    wine_in "$RX"
    UNDER_TEST=(wine "$WINDOWS/mdump.exe")
    START_SECONDS=60
    # The Windows wait looks at the flag every 100 ms; wine turns SIGINT
    # into the console's Ctrl-C on a thread of its own, and wine's calls go
    # through its server on a machine that may be busy: 2 s.
    LATE_MS=2000
fi
PORT=12000
LIST=239.7.7.1+2,239.7.7.9
IDLE_S=2

# start NAME ARGS...: the receiver under test in RX; waits until its Equiv
# line is out (written once every group is joined) or it has ended.
start() {
    local name=$1
    shift
    spawn "$WORK/$name.out" ip netns exec "$RX" "${UNDER_TEST[@]}" "$@"
    RX_PID=$SPAWNED
    wait_started "$name" "$WORK/$name.out" "$RX_PID" "$START_SECONDS"
}

# send GROUP COUNT: msend from TX, COUNT messages and a stat to GROUP.
send() {
    timeout 20 ip netns exec "$TX" "$MSEND" -qq -n"$2" -p0 -b1 -s50 "$1" "$PORT" 1 192.0.2.1
    expect_status "msend $2 messages to $1" 0 $?
}

# equiv GROUP COUNT: the command line send's echo carries.
equiv() {
    echo "msend -b1 -m0 -n$2 -p0 -qq -s50 -S65536 $1 $PORT 1 192.0.2.1"
}

# bytes GROUP COUNT: the bytes send sends: the echo ("echo sender equiv
# cmd: " and a NUL), each "Message <k>", the "stat <count>".
bytes() {
    local e k n
    e=$(equiv "$1" "$2")
    n=$((${#e} + 24 + 5 + ${#2}))
    for ((k = 0; k < $2; k++)); do n=$((n + 8 + ${#k})); done
    echo "$n"
}

# sent GROUP COUNT: what mdump -Q1 shows of what send sent (masked).
sent() {
    local equiv k
    equiv=$(equiv "$1" "$2")
    echo "TS 192.0.2.1.PORT $((${#equiv} + 24)) bytes"
    echo "echo sender equiv cmd: $equiv"
    for ((k = 0; k < $2; k++)); do echo "TS 192.0.2.1.PORT $((8 + ${#k})) bytes"; done
    echo "TS 192.0.2.1.PORT $((5 + ${#2})) bytes"
    echo "$2 msgs sent, $2 received (not including 'stat')"
    echo "0.000000% loss"
}

# total GROUP COUNT: --summary's line for what send sent to GROUP (masked).
total() {
    echo "mdump: $1 from 192.0.2.1.PORT: $2 msgs in T s, R msgs/s, M Mbit/s, lost 0, dup 0, reordered 0, highest $(($2 - 1))"
}

# got NAME: the receiver's output, masked (timestamps, ports, the measured
# figures; the Windows program's CRLF as LF).
got() {
    tr -d '\r' < "$WORK/$1.out" | mask |
        sed -E -e 's/ from 192\.0\.2\.1\.[0-9]+:/ from 192.0.2.1.PORT:/' \
               -e 's/ in [0-9.]+ s, [0-9]+ msgs\/s, [0-9.]+ Mbit\/s/ in T s, R msgs\/s, M Mbit\/s/' \
               -e 's/, [0-9.]+ s from first to last message: [0-9]+ messages\/s, [0-9]+\.[0-9]{3} Mbit\/s$/, T s from first to last message: R messages\/s, M Mbit\/s/' \
        > "$WORK/$1.got"
}

# ---- Each group its own messages, then the idle timeout.
# Each msend only once the one before is shown whole: a receiver that is
# late (wine's calls go through its server) and finds two groups waiting
# reads them in the list's order, not in the order they came.
start idle -Q1 --summary --idle-timeout "${IDLE_S}s" "$LIST" "$PORT" 192.0.2.2
send 239.7.7.9 2
wait_lines "$WORK/idle.out" '^0\.000000% loss' 1 10
send 239.7.7.1 5
wait_lines "$WORK/idle.out" '^0\.000000% loss' 2 10
send 239.7.7.2 3
last_ms=$(now_ms)
wait_exit "$RX_PID" $((IDLE_S + 10))
took_ms=$(($(now_ms) - last_ms))
expect_status "idle: mdump ends at its idle timeout" 3 "$STATUS"
# 16 datagrams: each group's echo, messages and stat.
{
    echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 $LIST $PORT 192.0.2.2"
    sent 239.7.7.9 2
    sent 239.7.7.1 5
    sent 239.7.7.2 3
    echo "TIMEOUT: nothing received for $IDLE_S s"
    echo "mdump: 16 datagrams, $(($(bytes 239.7.7.9 2) + $(bytes 239.7.7.1 5) + $(bytes 239.7.7.2 3))) bytes, 10 messages, T s from first to last message: R messages/s, M Mbit/s"
    total 239.7.7.9 2
    total 239.7.7.1 5
    total 239.7.7.2 3
} > "$WORK/idle.want"
got idle
expect_same "idle: every datagram shown, each group's own counts" "$WORK/idle.want" "$WORK/idle.got"
# The idle time runs from the last datagram read, the stat, which was sent
# before msend returned: not sooner than the idle time after that return
# (less 100 ms for the two clocks' rounding), and not much later.
CHECKS=$((CHECKS + 1))
if [ "$took_ms" -ge $((IDLE_S * 1000 - 100)) ] && [ "$took_ms" -le $((IDLE_S * 1000 + LATE_MS)) ]; then
    pass "idle: ended $took_ms ms after the last msend (idle timeout $IDLE_S s)"
else
    fail "idle: ended $took_ms ms after the last msend, want $((IDLE_S * 1000 - 100)) to $((IDLE_S * 1000 + LATE_MS))"
fi

# ---- No time limit: Ctrl-C ends the wait over the three sockets.
start ctrl-c -Q1 --summary "$LIST" "$PORT" 192.0.2.2
if [ -n "$WINDOWS" ]; then
    # The Windows program binds its three sockets to any address at the
    # port, and each group's datagram reaches all three (there the sockets
    # are all readable together). A unicast datagram to the port reaches
    # one of them only: the wait must name that one, to be read and
    # dropped, not left queued while the program spins or sleeps. (On
    # Linux each socket is bound to its group: no socket takes it.)
    CHECKS=$((CHECKS + 1))
    n=$(ip netns exec "$RX" ss -H -u -a -n "sport = :$PORT" | wc -l)
    if [ "$n" = 3 ]; then pass "ctrl-c: three sockets bound at the port"
    else fail "ctrl-c: $n sockets bound at the port, want 3"; fi
    # shellcheck disable=SC2016 # expanded by the inner shell
    timeout 5 ip netns exec "$TX" bash -c 'printf "not for a group" > "/dev/udp/192.0.2.2/$1"' - "$PORT"
    expect_status "ctrl-c: a unicast datagram to the port sent" 0 $?
    sleep 0.3
    deadline=$((SECONDS + 3))
    while q=$(ip netns exec "$RX" ss -H -u -a -n "sport = :$PORT" | awk '{ q += $2 } END { print q + 0 }')
          [ "$q" != 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.05
    done
    CHECKS=$((CHECKS + 1))
    if [ "$q" = 0 ]; then pass "ctrl-c: the unicast datagram read from its socket (nothing queued)"
    else fail "ctrl-c: $q bytes still queued at the port after 3 s: the socket the datagram came to was not read"; fi
fi
send 239.7.7.2 3
# Every datagram in, and the program back in its wait.
wait_for "$WORK/ctrl-c.out" '^0\.000000% loss' 10
sleep 0.5
expect_ctrl_c ctrl-c "$RX_PID" mdump "$LATE_MS"
{
    echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 $LIST $PORT 192.0.2.2"
    sent 239.7.7.2 3
    echo "mdump: 5 datagrams, $(bytes 239.7.7.2 3) bytes, 3 messages, T s from first to last message: R messages/s, M Mbit/s"
    total 239.7.7.2 3
    echo "mdump: 239.7.7.1: nothing received"
    echo "mdump: 239.7.7.9: nothing received"
} > "$WORK/ctrl-c.want"
got ctrl-c
expect_same "ctrl-c: the one group's datagrams, the idle ones named" "$WORK/ctrl-c.want" "$WORK/ctrl-c.got"
finish
