#!/usr/bin/env bash
# e2e_addresses.sh - the addresses a user types, each used: broadcast
# destinations (a subnet's, 255.255.255.255) in both directions; with -u
# and -t the interface argument as the address to send from and the ttl as
# the unicast time to live; mdump's interface with group 0.0.0.0 as the
# one address received on; an interface that is not this host's refused
# as a usage error, and so is a subnet's broadcast address as a source
# (mdump's --source, the address to send from, receive or join on). Two
# namespaces joined by a veth pair.
#
#   e2e_addresses.sh [--windows WIN64_DIR]
# With --windows, the broadcast cases again with the Windows programs under
# wine on A's side. (Not the source address: wine binds a UDP socket given
# an address to that address's device instead, and the route picks the
# source there.)
source "$(dirname "$0")/lib.sh"
need_root_netns
WIN64=
[ "${1:-}" = --windows ] && WIN64=${2:?usage: e2e_addresses.sh [--windows WIN64_DIR]}
SENDER=("$MSEND") RECEIVER=("$MDUMP")

A=mtada$$
B=mtadb$$
two_hosts "$A" 10.99.0.1/24 "$B" 10.99.0.2/24
veth_of() { ip -n "$1" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }'; }
ip -n "$A" addr add 10.99.0.11/24 dev "$(veth_of "$A")"
ip -n "$B" addr add 10.99.0.12/24 dev "$(veth_of "$B")"
PORT=12000

# send_recv NAME RX_NS "MDUMP ARGS" TX_NS "MSEND ARGS": mdump -Q1 -s first,
# then msend -n2 -p100 -s100; both must end with status 0. Leaves NAME.rx
# (masked: NAME.got) and NAME.tx.
send_recv() {
    local name=$1 rx_ns=$2 rx_args=$3 tx_ns=$4 tx_args=$5
    # shellcheck disable=SC2086 # word lists
    spawn "$WORK/$name.rx" ip netns exec "$rx_ns" "${RECEIVER[@]}" -Q1 -s --idle-timeout 5s $rx_args
    local rx=$SPAWNED
    wait_for "$WORK/$name.rx" '^Equiv' 10 || return
    # shellcheck disable=SC2086 # $tx_args: a word list
    timeout 20 ip netns exec "$tx_ns" "${SENDER[@]}" -n2 -p100 -s100 $tx_args > "$WORK/$name.tx.raw" 2>&1
    expect_status "$name: msend" 0 $?
    wait_exit "$rx" 10
    expect_status "$name: mdump" 0 "$STATUS"
    # (Windows programs end their lines with CRLF)
    tr -d '\r' < "$WORK/$name.tx.raw" > "$WORK/$name.tx"
    tr -d '\r' < "$WORK/$name.rx" | mask > "$WORK/$name.got"
}

# expect_pair NAME FROM "MDUMP ARGS" "MSEND ARGS": the outputs of a
# send_recv run: msend's in full, mdump's with every datagram from FROM.
expect_pair() {
    local name=$1 from=$2 rx_args=$3 tx_args=$4 equiv
    equiv="msend -b1 -m0 -n2 -p100 -s100 -S65536 $tx_args"
    cat > "$WORK/$name.tx.want" <<END
Equiv cmd line: $equiv
Sending 2 bursts of 1 variable-length messages
Sending 9 bytes
Sending 9 bytes
Pausing before sending 'stat'
Sending stat
2 messages sent (not including 'stat')
END
    expect_same "$name: msend's output" "$WORK/$name.tx.want" "$WORK/$name.tx"
    cat > "$WORK/$name.want" <<END
Equiv cmd line: mdump -p0 -Q1 -r4194304 -s $rx_args
TS $from.PORT $(( ${#equiv} + 24 )) bytes
echo sender equiv cmd: $equiv
TS $from.PORT 9 bytes
TS $from.PORT 9 bytes
TS $from.PORT 6 bytes
2 msgs sent, 2 received (not including 'stat')
0.000000% loss
END
    grep -v '^WARNING: tried to set SO_RCVBUF' "$WORK/$name.got" > "$WORK/$name.got2"
    expect_same "$name: mdump's output" "$WORK/$name.want" "$WORK/$name.got2"
}

# run_pair NAME FROM RX_NS "MDUMP ARGS" TX_NS "MSEND ARGS"
run_pair() {
    send_recv "$1" "$3" "$4" "$5" "$6"
    expect_pair "$1" "$2" "$4" "$6"
}

if [ -n "$WIN64" ]; then
    wine_in "$A"
    ip -n "$B" route add default dev "$(veth_of "$B")"
    SENDER=(wine "$WIN64/msend.exe")
    run_pair win-subnet-a2b 10.99.0.1 "$B" "0.0.0.0 $PORT" "$A" "-u 10.99.0.255 $PORT"
    run_pair win-limited-a2b 10.99.0.1 "$B" "0.0.0.0 $PORT" "$A" "-u 255.255.255.255 $PORT 1 10.99.0.1"
    SENDER=("$MSEND") RECEIVER=(wine "$WIN64/mdump.exe")
    run_pair win-subnet-b2a 10.99.0.2 "$A" "0.0.0.0 $PORT" "$B" "-u 10.99.0.255 $PORT"
    run_pair win-limited-b2a 10.99.0.2 "$A" "0.0.0.0 $PORT" "$B" "-u 255.255.255.255 $PORT"
    finish
fi

# ---- Broadcast destinations, both directions (the old tools said
# "Permission denied": SO_BROADCAST was never set).
run_pair subnet-a2b 10.99.0.1 "$B" "0.0.0.0 $PORT" "$A" "-u 10.99.0.255 $PORT"
run_pair subnet-b2a 10.99.0.2 "$A" "0.0.0.0 $PORT" "$B" "-u 10.99.0.255 $PORT"
# 255.255.255.255 leaves by the interface given (its address is bound),
run_pair limited-a2b 10.99.0.1 "$B" "0.0.0.0 $PORT" "$A" "-u 255.255.255.255 $PORT 1 10.99.0.1"
# or by the default route.
ip -n "$B" route add default dev "$(veth_of "$B")"
run_pair limited-b2a 10.99.0.2 "$A" "0.0.0.0 $PORT" "$B" "-u 255.255.255.255 $PORT"

# ---- With -u and -t the interface is the address to send from.
run_pair source-udp 10.99.0.11 "$B" "0.0.0.0 $PORT" "$A" "-u 10.99.0.2 $PORT 64 10.99.0.11"
spawn "$WORK/source-tcp.rx" ip netns exec "$B" "$MDUMP" -Q1 -t --idle-timeout 5s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "$B" tcp "$PORT" 10
timeout 20 ip netns exec "$A" "$MSEND" -qq -n2 -p100 -t 10.99.0.2 "$PORT" 64 10.99.0.11 > "$WORK/source-tcp.tx" 2>&1
expect_status "source-tcp: msend" 0 $?
wait_exit "$rx" 10
expect_status "source-tcp: mdump" 0 "$STATUS"
CHECKS=$((CHECKS + 1))
peers=$(grep -oE '^[0-9:.]+ [0-9.]+ ' "$WORK/source-tcp.rx" | awk '{ sub(/\.[0-9]+$/, "", $2); print $2 }' | sort -u)
if [ "$peers" = 10.99.0.11 ]; then pass "source-tcp: the connection came from 10.99.0.11"
else fail "source-tcp: it came from '$peers'"; fi

# An interface that is not an address of this host: a usage error, as an
# interface name this host does not have (exit 2, the error then the usage
# line), nothing sent and nothing printed before it.
for t in -u -t; do
    timeout 10 ip netns exec "$A" "$MSEND" -n1 "$t" 10.99.0.2 "$PORT" 2 10.99.0.99 > "$WORK/notlocal$t.out" 2>&1
    expect_status "msend $t, interface not local" 2 $?
    echo "msend: interface '10.99.0.99': not an address of this host (with -u or -t it is the local address to send from)" \
        > "$WORK/notlocal$t.want"
    head -n 1 "$WORK/notlocal$t.out" > "$WORK/notlocal$t.got"
    expect_same "msend $t, interface not local: the error" "$WORK/notlocal$t.want" "$WORK/notlocal$t.got"
done

# ---- With -u and -t a typed ttl is the unicast time to live. The
# receiver's firewall lets in only packets that arrive with TTL 7.
if ! { ip netns exec "$B" nft add table inet mtttl &&
     ip netns exec "$B" nft add chain inet mtttl input "{ type filter hook input priority 0; }" &&
     ip netns exec "$B" nft add rule inet mtttl input ip saddr 10.99.0.1 ip ttl != 7 drop; }; then
    fail "nft: could not add the TTL rule"
fi
run_pair ttl-udp 10.99.0.1 "$B" "0.0.0.0 $PORT" "$A" "-u 10.99.0.2 $PORT 7"
spawn "$WORK/ttl-tcp.rx" ip netns exec "$B" "$MDUMP" -q -s -t --idle-timeout 5s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "$B" tcp "$PORT" 10
timeout 20 ip netns exec "$A" "$MSEND" -qq -n2 -p100 -s100 --connect-timeout 3s -t 10.99.0.2 "$PORT" 7 \
    > "$WORK/ttl-tcp.tx" 2>&1
expect_status "ttl-tcp: msend" 0 $?
wait_exit "$rx" 10
expect_status "ttl-tcp: mdump" 0 "$STATUS"
CHECKS=$((CHECKS + 1))
if grep -qx "2 msgs sent, 2 received (not including 'stat')" "$WORK/ttl-tcp.rx"; then pass "ttl-tcp: arrived with TTL 7"
else fail "ttl-tcp: $(cat "$WORK/ttl-tcp.rx")"; fi
# Without the ttl, the system's default (64) is used: dropped.
spawn "$WORK/ttl-none.rx" ip netns exec "$B" "$MDUMP" -q --idle-timeout 2s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_for "$WORK/ttl-none.rx" '^Equiv' 10
timeout 20 ip netns exec "$A" "$MSEND" -qq -n2 -p100 -u 10.99.0.2 "$PORT" > /dev/null 2>&1
wait_exit "$rx" 10
expect_status "no ttl typed: nothing passes the TTL 7 rule (mdump times out)" 3 "$STATUS"
ip netns exec "$B" nft delete table inet mtttl

# ---- mdump with group 0.0.0.0: the interface is the one address it
# receives on. Sent to B's other address first: refused (nothing bound
# there); then to the interface's: received.
spawn "$WORK/rxif.rx" ip netns exec "$B" "$MDUMP" -Q1 -s --idle-timeout 5s 0.0.0.0 "$PORT" 10.99.0.12
rx=$SPAWNED
wait_for "$WORK/rxif.rx" '^Equiv' 10
# (mdump -s would end at this run's stat if it saw it: its output below
# holds the second run's datagrams only.)
timeout 20 ip netns exec "$A" "$MSEND" -qq -n2 -p100 -s100 -u 10.99.0.2 "$PORT" > /dev/null 2>&1
expect_status "mdump on 10.99.0.12, sent to 10.99.0.2: msend" 0 $?
timeout 20 ip netns exec "$A" "$MSEND" -n2 -p100 -s100 -u 10.99.0.12 "$PORT" > "$WORK/rxif.tx" 2>&1
expect_status "mdump on 10.99.0.12: msend" 0 $?
wait_exit "$rx" 10
expect_status "mdump on 10.99.0.12: mdump" 0 "$STATUS"
mask < "$WORK/rxif.rx" > "$WORK/rxif.got"
expect_pair rxif 10.99.0.1 "0.0.0.0 $PORT 10.99.0.12" "-u 10.99.0.12 $PORT"
for t in "" -t; do
    label="mdump${t:+ $t} 0.0.0.0, interface not local"
    # shellcheck disable=SC2086 # $t: an option or nothing
    timeout 10 ip netns exec "$B" "$MDUMP" $t 0.0.0.0 "$PORT" 10.99.0.99 > "$WORK/rxnotlocal$t.out" 2> "$WORK/rxnotlocal$t.err"
    expect_status "$label" 2 $?
    echo "mdump: interface '10.99.0.99': not an address of this host (with group 0.0.0.0 it is the local address to receive on)" \
        > "$WORK/rxnotlocal$t.want"
    head -n 1 "$WORK/rxnotlocal$t.err" > "$WORK/rxnotlocal$t.got"
    expect_same "$label: the error" "$WORK/rxnotlocal$t.want" "$WORK/rxnotlocal$t.got"
    CHECKS=$((CHECKS + 1))
    if [ -s "$WORK/rxnotlocal$t.out" ]; then fail "$label: stdout not empty"; else pass "$label: nothing on stdout"; fi
done

# ---- A subnet's broadcast address is no source, as 255.255.255.255 is
# none: not a sender's (--source, --exclude-source), nor the address to
# send from, receive on or join on. A's subnets: 10.99.0.0/24 (its veth)
# and 127.0.0.0/8 (lo). Each a usage error, before any socket is opened
# (traced where strace is installed).
# broadcast_refused NAME ERROR_LINE PROGRAM ARGS...: in A, status 2,
# nothing on stdout, ERROR_LINE and the usage line on stderr.
broadcast_refused() {
    local name=$1 line=$2 program=$3 tracer=()
    shift 3
    command -v strace > /dev/null && tracer=(strace -f -qq -e trace=socket -o "$WORK/$name.trace")
    # (LeakSanitizer cannot work under ptrace.)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout 5 \
        ip netns exec "$A" "${tracer[@]}" "$program" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
    expect_status "$name" 2 $?
    echo "$line" > "$WORK/$name.want"
    head -n 1 "$WORK/$name.err" > "$WORK/$name.got"
    expect_same "$name: the error" "$WORK/$name.want" "$WORK/$name.got"
    CHECKS=$((CHECKS + 1))
    if [ "$(wc -l < "$WORK/$name.err")" -eq 2 ] && sed -n 2p "$WORK/$name.err" | grep -q "^usage: ${line%%:*} "; then
        pass "$name: the usage line after it"
    else fail "$name: stderr: $(cat "$WORK/$name.err")"; fi
    expect_same "$name: nothing on stdout" /dev/null "$WORK/$name.out"
    if [ ${#tracer[@]} -gt 0 ]; then expect_same "$name: no socket opened" /dev/null "$WORK/$name.trace"; fi
}
SOURCE_RULE="a source is the unicast address of a sender, not the broadcast address of one of this host's subnets"
NOT_UNICAST="the broadcast address of one of this host's subnets, not a unicast address of this host"
broadcast_refused source-subnet "mdump: --source '10.99.0.255': $SOURCE_RULE" \
    "$MDUMP" --source 10.99.0.255 232.1.1.1 "$PORT"
broadcast_refused exclude-source-subnet "mdump: --exclude-source '10.99.0.255': $SOURCE_RULE" \
    "$MDUMP" --exclude-source 10.99.0.255 239.1.1.1 "$PORT"
broadcast_refused source-lo "mdump: --source '127.255.255.255': $SOURCE_RULE" \
    "$MDUMP" --source 127.255.255.255 239.1.1.1 "$PORT"
broadcast_refused udp-from-subnet "msend: interface '10.99.0.255': $NOT_UNICAST (with -u or -t it is the local address to send from)" \
    "$MSEND" -n1 -u 10.99.0.2 "$PORT" 2 10.99.0.255
broadcast_refused tcp-from-lo "msend: interface '127.255.255.255': $NOT_UNICAST (with -u or -t it is the local address to send from)" \
    "$MSEND" -n1 -t 10.99.0.2 "$PORT" 2 127.255.255.255
broadcast_refused multicast-from-subnet "msend: interface '10.99.0.255': $NOT_UNICAST (an interface is one of its addresses, names or indexes)" \
    "$MSEND" -n1 239.1.1.1 "$PORT" 2 10.99.0.255
broadcast_refused receive-on-lo "mdump: interface '127.255.255.255': $NOT_UNICAST (with group 0.0.0.0 it is the local address to receive on)" \
    "$MDUMP" 0.0.0.0 "$PORT" 127.255.255.255
broadcast_refused tcp-receive-on-subnet "mdump: interface '10.99.0.255': $NOT_UNICAST (with group 0.0.0.0 it is the local address to receive on)" \
    "$MDUMP" -t 0.0.0.0 "$PORT" 10.99.0.255
broadcast_refused join-on-subnet "mdump: interface '10.99.0.255': $NOT_UNICAST (an interface is one of its addresses, names or indexes)" \
    "$MDUMP" 239.1.1.1 "$PORT" 10.99.0.255
broadcast_refused reflect-on-subnet "mpong: group '10.99.0.255': $NOT_UNICAST (with unicast it is the local address to use)" \
    "$MPONG" -u 10.99.0.255 "$PORT"
broadcast_refused reflect-on-lo "mpong: interface '127.255.255.255': $NOT_UNICAST (with -u it is the local address to use)" \
    "$MPONG" 0.0.0.0 "$PORT" 127.255.255.255
broadcast_refused ping-from-lo "mpong: interface '127.255.255.255': $NOT_UNICAST (with -u it is the local address to use)" \
    "$MPONG" -i -u 10.99.0.2 "$PORT" 2 127.255.255.255
# As 255.255.255.255, which no subnet owns.
broadcast_refused udp-from-limited "msend: interface '255.255.255.255': the broadcast address, not a unicast address of this host (with -u or -t it is the local address to send from)" \
    "$MSEND" -n1 -u 10.99.0.2 "$PORT" 2 255.255.255.255
finish
