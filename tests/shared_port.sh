#!/usr/bin/env bash
# shared_port.sh - receivers side by side on one port, as the old tools ran
# them (README: port 12000 for UDP and multicast alike). On a host of its
# own (a namespace, 192.0.2.2, joined to a sender at 192.0.2.1):
#  - a unicast mdump and a multicast mdump share the port, in either start
#    order, and each gets only its own traffic;
#  - mdump shares with another application that allows it (SO_REUSEADDR)
#    and is refused, with the system's reason, by one that does not;
#  - two unicast mdumps: both start; Linux hands each unicast datagram to
#    one socket only (the one bound last);
#  - two TCP listeners on one port are still refused; a TCP listener and a
#    UDP receiver on the same port number do not meet.
source "$(dirname "$0")/lib.sh"
: "${HOLDPORT:?HOLDPORT must name the holdport test program}"
need_root_netns

declare -A PID
RX=mtsprx$$
TX=mtsptx$$
two_hosts "$RX" 192.0.2.2/24 "$TX" 192.0.2.1/24
PORT=12000
GROUP=239.8.8.2

# start NAME ARGS...: mdump in the receiver's namespace; waits until it is
# bound (it writes its Equiv line then) or has ended. PID[NAME] is its pid.
start() {
    local name=$1
    shift
    spawn "$WORK/$name.out" ip netns exec "$RX" "$MDUMP" "$@"
    PID[$name]=$SPAWNED
    wait_started "$name" "$WORK/$name.out" "${PID[$name]}" 10
}

# send ARGS...: msend from the sender's namespace, quietly, 3 messages and a stat.
send() {
    timeout 20 ip netns exec "$TX" "$MSEND" -qq -n3 -p20 -s100 "$@"
    expect_status "msend $*" 0 $?
}

# expect NAME STATUS LINES...: the receiver NAME ended with STATUS and printed LINES.
expect() {
    local name=$1 status=$2
    shift 2
    wait_exit "${PID[$name]}" 10
    expect_status "$name" "$status" "$STATUS"
    printf '%s\n' "$@" > "$WORK/$name.want"
    expect_same "$name: output" "$WORK/$name.want" "$WORK/$name.out"
}

mcast_equiv="msend -b1 -m0 -n3 -p20 -qq -s100 -S65536 $GROUP $PORT 2 192.0.2.1"
ucast_equiv="msend -b1 -m0 -n3 -p20 -qq -s100 -S65536 -u 192.0.2.2 $PORT"
stats=("3 msgs sent, 3 received (not including 'stat')" "0.000000% loss")

# ---- A unicast and a multicast mdump, in both start orders: both run, the
# multicast one gets the group's datagrams, the unicast one the unicast.
for order in unicast-first multicast-first; do
    if [ $order = unicast-first ]; then
        start "$order-u" -q -s 0.0.0.0 $PORT
        start "$order-m" -q -s $GROUP $PORT 192.0.2.2
    else
        start "$order-m" -q -s $GROUP $PORT 192.0.2.2
        start "$order-u" -q -s 0.0.0.0 $PORT
    fi
    send $GROUP $PORT 2 192.0.2.1
    send -u 192.0.2.2 $PORT
    expect "$order-m" 0 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s $GROUP $PORT 192.0.2.2" \
        "echo sender equiv cmd: $mcast_equiv" "${stats[@]}"
    expect "$order-u" 0 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 $PORT" \
        "echo sender equiv cmd: $ucast_equiv" "${stats[@]}"
done

# ---- Another application holding the port with SO_REUSEADDR: mdump joins
# it, unicast and multicast. Without SO_REUSEADDR it keeps the port, and
# mdump says why it cannot start.
spawn "$WORK/app.out" ip netns exec "$RX" "$HOLDPORT" udp 0.0.0.0 $PORT reuse 20
app=$SPAWNED
wait_for "$WORK/app.out" '^bound$' 10
start with-app-u -q -s 0.0.0.0 $PORT
start with-app-m -q -s $GROUP $PORT 192.0.2.2
send $GROUP $PORT 2 192.0.2.1
send -u 192.0.2.2 $PORT
expect with-app-m 0 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s $GROUP $PORT 192.0.2.2" \
    "echo sender equiv cmd: $mcast_equiv" "${stats[@]}"
expect with-app-u 0 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 $PORT" \
    "echo sender equiv cmd: $ucast_equiv" "${stats[@]}"
kill "$app"; wait_exit "$app" 5

spawn "$WORK/plain.out" ip netns exec "$RX" "$HOLDPORT" udp 0.0.0.0 $PORT plain 20
app=$SPAWNED
wait_for "$WORK/plain.out" '^bound$' 10
start plain-app-u -q 0.0.0.0 $PORT
expect plain-app-u 1 "Equiv cmd line: mdump -p0 -Q2 -r4194304 0.0.0.0 $PORT" \
    "ERROR: bind 0.0.0.0:$PORT: Address already in use"
start plain-app-m -q $GROUP $PORT 192.0.2.2
expect plain-app-m 1 "Equiv cmd line: mdump -p0 -Q2 -r4194304 $GROUP $PORT 192.0.2.2" \
    "ERROR: bind $GROUP:$PORT: Address already in use"
kill "$app"; wait_exit "$app" 5

# ---- Two unicast mdumps: both run. A unicast datagram goes to one socket
# only, on Linux the one bound last.
start first-u -Q1 --idle-timeout 2s 0.0.0.0 $PORT
start second-u -Q1 --idle-timeout 2s 0.0.0.0 $PORT
timeout 10 ip netns exec "$TX" "$SENDRAW" udp 192.0.2.2 $PORT text:"to one"
expect_status "sendraw to 192.0.2.2" 0 $?
wait_exit "${PID[first-u]}" 10
expect_status "first-u" 3 "$STATUS"
wait_exit "${PID[second-u]}" 10
expect_status "second-u" 3 "$STATUS"
mask < "$WORK/first-u.out" > "$WORK/first-u.got"
printf '%s\n' "Equiv cmd line: mdump -p0 -Q1 -r4194304 0.0.0.0 $PORT" \
    "TIMEOUT: nothing received for 2 s" > "$WORK/first-u.want"
expect_same "first-u: the unicast datagram went to the other" "$WORK/first-u.want" "$WORK/first-u.got"
mask < "$WORK/second-u.out" > "$WORK/second-u.got"
printf '%s\n' "Equiv cmd line: mdump -p0 -Q1 -r4194304 0.0.0.0 $PORT" \
    "TS 192.0.2.1.PORT 6 bytes" "TIMEOUT: nothing received for 2 s" > "$WORK/second-u.want"
expect_same "second-u: the unicast datagram, to the one bound last" "$WORK/second-u.want" "$WORK/second-u.got"

# ---- TCP: a second listener on the port is refused; UDP beside it runs.
start tcp-first -q -t --accept-timeout 5s 0.0.0.0 $PORT
start tcp-second -q -t 0.0.0.0 $PORT
expect tcp-second 1 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -t 0.0.0.0 $PORT" \
    "ERROR: bind 0.0.0.0:$PORT: Address already in use"
start udp-beside -q -s 0.0.0.0 $PORT
send -u 192.0.2.2 $PORT
expect udp-beside 0 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 $PORT" \
    "echo sender equiv cmd: $ucast_equiv" "${stats[@]}"
expect tcp-first 3 "Equiv cmd line: mdump -p0 -Q2 -r4194304 -t 0.0.0.0 $PORT" \
    "TIMEOUT: no connection for 5 s"
finish
