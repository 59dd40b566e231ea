#!/usr/bin/env bash
# network_changes.sh - a long msend run meets the network changing under
# it, as laptops, VPNs and WSL do: the sender's address replaced (a DHCP
# renewal, roaming), the address gone for a while, the route gone for a
# moment, the link down and up, the receiving host gone (ICMP host
# unreachable). msend says so once on stderr, keeps its schedule, counts
# what could not be sent and says so at the end (exit status 5 then, 0 when
# everything went); the receiver's 'stat' agrees. Errors that cannot heal
# still end it (a TCP reset: faults.sh). Two namespaces joined by a veth
# pair; every wait bounded.
#
#   network_changes.sh [--windows WIN64_DIR]
# With --windows, the gaps of route and link again with msend.exe under
# wine (wine 8 does not let a connected socket choose a new source address
# after a zero-address connect, so the address cases are Linux-only).
# shellcheck disable=SC2317 # the changes below are called by name
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
: "${FAULT_SHIM:?FAULT_SHIM must name the fault_shim library}"
need_root_netns
WIN64=
[ "${1:-}" = --windows ] && WIN64=${2:?usage: network_changes.sh [--windows WIN64_DIR]}
SENDER=("$MSEND")

TX=mtnctx$$
RX=mtncrx$$
two_hosts "$TX" 10.99.0.1/24 "$RX" 10.99.0.2/24
veth_of() { ip -n "$1" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }'; }
TXDEV=$(veth_of "$TX")
# As on hosts run by systemd: when the old address goes, the new one on the
# same link stays (the kernel's default would remove it with the old one).
ip netns exec "$TX" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
# Multicast without an interface argument follows the routing table.
ip -n "$TX" route add 224.0.0.0/4 dev "$TXDEV"
PORT=12000
GROUP=239.99.0.7

# Changes made once the receiver has shown 3 messages (sent 1.0, 1.5 and
# 2.0 s after msend started); the next is due 0.5 s later.
change_address() { # a new address on the link, then the old one goes
    ip -n "$TX" addr add 10.99.0.3/24 dev "$TXDEV"
    ip -n "$TX" addr del 10.99.0.1/24 dev "$TXDEV"
}
restore_address() {
    ip -n "$TX" addr flush dev "$TXDEV"
    ip -n "$TX" addr add 10.99.0.1/24 dev "$TXDEV"
    ip -n "$TX" route replace 224.0.0.0/4 dev "$TXDEV"
}
address_gap() { # the address gone for 1.2 s, then another one (and the
    # routes that went with the old one back, as a DHCP client sets them)
    ip -n "$TX" addr del 10.99.0.1/24 dev "$TXDEV"
    sleep 1.2
    ip -n "$TX" addr add 10.99.0.3/24 dev "$TXDEV"
    ip -n "$TX" route replace 224.0.0.0/4 dev "$TXDEV"
}
route_gap() { # the route to the receiver gone for 1.2 s
    ip -n "$TX" route del 10.99.0.0/24 dev "$TXDEV"
    sleep 1.2
    ip -n "$TX" route add 10.99.0.0/24 dev "$TXDEV" src 10.99.0.1
}
link_gap() { # the sender's link down for 1.2 s
    ip -n "$TX" link set "$TXDEV" down
    sleep 1.2
    ip -n "$TX" link set "$TXDEV" up
    ip -n "$TX" route replace 224.0.0.0/4 dev "$TXDEV"
}

# run NAME TRANSPORT CHANGE: mdump -Q1 -s in RX, msend -q -n 8 -p 500
# -s 300 in TX (TRANSPORT: udp, multicast, or multicast-if: with the
# interface argument), CHANGE made after the third message. Leaves
# NAME.rx (masked: NAME.got), NAME.tx, NAME.err, TX_STATUS, RX_STATUS.
run() {
    local name=$1 transport=$2 change=$3 rx_args tx_args
    case $transport in
        udp) rx_args=(0.0.0.0 "$PORT") tx_args=(-u 10.99.0.2 "$PORT") ;;
        multicast) rx_args=("$GROUP" "$PORT" 10.99.0.2) tx_args=("$GROUP" "$PORT") ;;
        multicast-if) rx_args=("$GROUP" "$PORT" 10.99.0.2) tx_args=("$GROUP" "$PORT" 1 10.99.0.1) ;;
    esac
    spawn "$WORK/$name.rx" ip netns exec "$RX" "$MDUMP" -Q1 -s --idle-timeout 8s "${rx_args[@]}"
    local rx=$SPAWNED
    wait_for "$WORK/$name.rx" '^Equiv' 10 || return
    sleep 0.2 # the join follows the Equiv line
    ip netns exec "$TX" timeout 30 "${SENDER[@]}" -q -n 8 -p 500 -s 300 "${tx_args[@]}" \
        > "$WORK/$name.tx.raw" 2> "$WORK/$name.err.raw" &
    local tx=$!
    PIDS+=("$tx")
    local deadline=$((SECONDS + 10))
    until [ "$(grep -c ' 9 bytes$' "$WORK/$name.rx")" -ge 3 ] || [ "$SECONDS" -ge "$deadline" ]; do
        sleep 0.02
    done
    "$change"
    wait_exit "$tx" 30
    TX_STATUS=$STATUS
    wait_exit "$rx" 15
    RX_STATUS=$STATUS
    mask < "$WORK/$name.rx" > "$WORK/$name.got"
    # (Windows programs end their lines with CRLF)
    tr -d '\r' < "$WORK/$name.tx.raw" > "$WORK/$name.tx"
    tr -d '\r' < "$WORK/$name.err.raw" > "$WORK/$name.err"
    drop_behind_note "$WORK/$name.err"
}

# expect_tx NAME TX_ARGS...: msend's stdout, the same whatever happened.
expect_tx() {
    local name=$1
    shift
    cat > "$WORK/$name.tx.want" <<END
Equiv cmd line: msend -b1 -m0 -n8 -p500 -q -s300 -S65536 $*
Sending 8 bursts of 1 variable-length messages
........Pausing before sending 'stat'
Sending stat
8 messages sent (not including 'stat')
END
    expect_same "$name: msend's output" "$WORK/$name.tx.want" "$WORK/$name.tx"
}

# expect_rx NAME FROM_BEFORE FROM_AFTER UNSENT EQUIV_ARGS: the receiver
# saw the echo and the first messages (3, or more on a slow machine) from
# FROM_BEFORE, then the rest of 8 - UNSENT messages (at least 1: sending
# resumed) and the stat from FROM_AFTER.
expect_rx() {
    local name=$1 before=$2 after=$3 unsent=$4 equiv first k
    shift 4
    equiv="msend -b1 -m0 -n8 -p500 -q -s300 -S65536 $*"
    first=$(grep -cxF "TS $before.PORT 9 bytes" "$WORK/$name.got")
    [ "$before" = "$after" ] && first=3 # one address: the split is not seen
    CHECKS=$((CHECKS + 1))
    if [ "$first" -ge 3 ] && [ $((8 - unsent - first)) -ge 1 ]; then
        pass "$name: $first messages before the change, $((8 - unsent - first)) after"
    else fail "$name: $first messages before the change, $unsent not sent"; fi
    {
        sed -n 1p "$WORK/$name.rx" # mdump's Equiv line, checked by e2e tests
        echo "TS $before.PORT $(( ${#equiv} + 24 )) bytes"
        echo "echo sender equiv cmd: $equiv"
        for ((k = 0; k < first; k++)); do echo "TS $before.PORT 9 bytes"; done
        for ((k = 0; k < 8 - unsent - first; k++)); do echo "TS $after.PORT 9 bytes"; done
        echo "TS $after.PORT 6 bytes"
        echo "8 msgs sent, $((8 - unsent)) received (not including 'stat')"
        awk -v u="$unsent" 'BEGIN { printf "%f%% loss\n", u * 100 / 8 }'
    } > "$WORK/$name.want"
    expect_same "$name: the receiver's datagrams and count" "$WORK/$name.want" "$WORK/$name.got"
    expect_status "$name: mdump" 0 "$RX_STATUS"
}

# one_port NAME: every datagram came from one source port (the sender
# kept its port through the change: one flow for the receiver).
one_port() {
    CHECKS=$((CHECKS + 1))
    local ports
    ports=$(grep -oE '^[0-9:.]+ [0-9.]+ ' "$WORK/$1.rx" | awk '{ n = split($2, a, "."); print a[n] }' | sort -u | wc -l)
    if [ "$ports" -eq 1 ]; then pass "$1: one source port throughout"
    else fail "$1: $ports source ports"; fi
}

# unsent_of NAME: how many messages msend says it could not send (0 when
# it says nothing).
unsent_of() {
    sed -nE 's/^WARNING: ([0-9]+) of 8 messages to .* could not be sent \(.*\)$/\1/p' "$WORK/$1.err"
}

# ---- Gaps: what falls in them cannot be sent; msend counts it, exits 5,
# and the receiver's count agrees. Then sending resumes by itself.
gap() { # NAME TRANSPORT CHANGE FROM_AFTER
    local name=$1 transport=$2 change=$3 after=$4 dest=10.99.0.2 args unsent
    run "$name" "$transport" "$change"
    case $transport in
        udp) args="-u 10.99.0.2 $PORT" ;;
        multicast) args="$GROUP $PORT" dest=$GROUP ;;
        multicast-if) args="$GROUP $PORT 1 10.99.0.1" dest=$GROUP ;;
    esac
    expect_status "$name: msend" 5 "$TX_STATUS"
    # shellcheck disable=SC2086 # $args: a word list
    expect_tx "$name" $args
    unsent=$(unsent_of "$name")
    CHECKS=$((CHECKS + 1))
    # 1.2 s without a path, a message every 0.5 s: 2 or 3 fall in it (4
    # when the machine is slow to run the change).
    if [ -n "$unsent" ] && [ "$unsent" -ge 2 ] && [ "$unsent" -le 4 ]; then
        pass "$name: $unsent messages could not be sent"
    else fail "$name: msend counted '${unsent}' messages not sent: $(cat "$WORK/$name.err")"; fi
    {
        echo "WARNING: send to $dest:$PORT failed (Network is unreachable); still sending"
        echo "WARNING: ${unsent:-?} of 8 messages to $dest:$PORT could not be sent (Network is unreachable)"
    } > "$WORK/$name.err.want"
    expect_same "$name: the trouble said once, the count at the end" "$WORK/$name.err.want" "$WORK/$name.err"
    # shellcheck disable=SC2086 # $args: a word list
    expect_rx "$name" 10.99.0.1 "$after" "${unsent:-0}" $args
}
if [ -n "$WIN64" ]; then
    wine_in "$TX"
    SENDER=(wine "$WIN64/msend.exe")
    gap win-route-gap-udp udp route_gap 10.99.0.1
    one_port win-route-gap-udp
    gap win-link-gap-udp udp link_gap 10.99.0.1
    one_port win-link-gap-udp
    finish
fi

# ---- The sender's address replaced (the field report): nothing is lost.
# msend fails once (Network is unreachable), connects again from the new
# address, sends the datagram again and carries on.
for transport in udp multicast; do
    name=address-$transport
    dest=10.99.0.2
    [ "$transport" = multicast ] && dest=$GROUP
    run "$name" "$transport" change_address
    expect_status "$name: msend" 0 "$TX_STATUS"
    if [ "$transport" = udp ]; then args="-u 10.99.0.2 $PORT"; else args="$GROUP $PORT"; fi
    # shellcheck disable=SC2086 # a word list
    expect_tx "$name" $args
    echo "WARNING: send to $dest:$PORT failed (Network is unreachable); still sending" > "$WORK/$name.err.want"
    expect_same "$name: the trouble said once" "$WORK/$name.err.want" "$WORK/$name.err"
    # shellcheck disable=SC2086 # $args: a word list
    expect_rx "$name" 10.99.0.1 10.99.0.3 0 $args
    one_port "$name"
    restore_address
done

gap address-gap-udp udp address_gap 10.99.0.3
restore_address
gap address-gap-multicast multicast address_gap 10.99.0.3
restore_address
gap route-gap-udp udp route_gap 10.99.0.1
one_port route-gap-udp
gap link-gap-udp udp link_gap 10.99.0.1
one_port link-gap-udp
gap link-gap-multicast-if multicast-if link_gap 10.99.0.1
one_port link-gap-multicast-if

# ---- This host's firewall dropping the sends for 1.2 s (EPERM): said
# once, counted, exit 5; the receiver's count agrees.
firewall_gap() {
    nft_drop "$TX" output udp dport "$PORT"
    sleep 1.2
    ip netns exec "$TX" nft delete table inet mtfault
}
run firewall-gap udp firewall_gap
expect_status "firewall-gap: msend" 5 "$TX_STATUS"
expect_tx firewall-gap -u 10.99.0.2 "$PORT"
dropped=$(sed -nE 's/^WARNING: ([0-9]+) datagrams to .* dropped by this host.s firewall$/\1/p' "$WORK/firewall-gap.err")
CHECKS=$((CHECKS + 1))
if [ -n "$dropped" ] && [ "$dropped" -ge 2 ] && [ "$dropped" -le 4 ]; then pass "firewall-gap: $dropped dropped"
else fail "firewall-gap: $(cat "$WORK/firewall-gap.err")"; fi
printf '%s\n' "WARNING: sends to 10.99.0.2:$PORT dropped by this host's firewall (Operation not permitted); still sending" \
    "WARNING: ${dropped:-?} datagrams to 10.99.0.2:$PORT dropped by this host's firewall" > "$WORK/firewall-gap.err.want"
expect_same "firewall-gap: said once, counted at the end" "$WORK/firewall-gap.err.want" "$WORK/firewall-gap.err"
expect_rx firewall-gap 10.99.0.1 10.99.0.1 "${dropped:-0}" -u 10.99.0.2 "$PORT"

# ---- TCP rides out a short gap by itself (it sends again): all arrive.
spawn "$WORK/tcp.rx" ip netns exec "$RX" "$MDUMP" -q -t --idle-timeout 10s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "$RX" tcp "$PORT" 10
ip netns exec "$TX" timeout 30 "$MSEND" -qq -n 8 -p 500 -s 300 -t 10.99.0.2 "$PORT" \
    > "$WORK/tcp.tx" 2>&1 &
tx=$!
PIDS+=("$tx")
sleep 2.1
link_gap
wait_exit "$tx" 30
expect_status "tcp, link down 1.2 s: msend" 0 "$STATUS"
wait_exit "$rx" 15
expect_status "tcp, link down 1.2 s: mdump" 0 "$STATUS"
drop_behind_note "$WORK/tcp.tx"
printf '%s\n' "echo sender equiv cmd: msend -b1 -m0 -n8 -p500 -qq -s300 -S65536 -t 10.99.0.2 $PORT" \
    "8 msgs sent, 8 received (not including 'stat')" "0.000000% loss" EOF > "$WORK/tcp.want"
grep -v '^Equiv' "$WORK/tcp.rx" > "$WORK/tcp.got"
expect_same "tcp, link down 1.2 s: every message arrived" "$WORK/tcp.want" "$WORK/tcp.got"
: > "$WORK/tcp.tx.want"
expect_same "tcp, link down 1.2 s: msend says nothing" "$WORK/tcp.tx.want" "$WORK/tcp.tx"

# ---- A firewall at the receiver that rejects with ICMP "host
# prohibited" (firewalld's default): each rejection fails a later send
# with "No route to host". msend says so once and keeps its schedule; the
# datagrams went (the firewall dropped them): exit 0.
if ! { ip netns exec "$RX" nft add table inet mtreject &&
     ip netns exec "$RX" nft add chain inet mtreject input "{ type filter hook input priority 0; }" &&
     ip netns exec "$RX" nft add rule inet mtreject input udp dport "$PORT" reject with icmp type host-prohibited; }; then
    fail "nft: could not add the reject rule"
fi
ip netns exec "$TX" timeout 30 "$MSEND" -q -n 8 -p 200 -u 10.99.0.2 "$PORT" \
    > "$WORK/reject.tx" 2> "$WORK/reject.err"
expect_status "rejected by the receiver's firewall: msend" 0 $?
drop_behind_note "$WORK/reject.err"
echo "WARNING: send to 10.99.0.2:$PORT failed (No route to host); still sending" > "$WORK/reject.err.want"
expect_same "rejected by the receiver's firewall: said once" "$WORK/reject.err.want" "$WORK/reject.err"
printf '%s\n' "Equiv cmd line: msend -b1 -m0 -n8 -p200 -q -s0 -S65536 -u 10.99.0.2 $PORT" \
    "Sending 8 bursts of 1 variable-length messages" "........8 messages sent" > "$WORK/reject.tx.want"
expect_same "rejected by the receiver's firewall: msend's output" "$WORK/reject.tx.want" "$WORK/reject.tx"
ip netns exec "$RX" nft delete table inet mtreject

# ---- The echo and the stat failing too (injected on loopback, where the
# order of sends is known): counted and named at the end, even with -qq.
LPORT=$(free_port)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
# shim NAME AFTER UNREACH MDUMP_ARGS...: mdump, then msend -qq -n 3 -p 100
# -s 100 with sends AFTER+1 .. AFTER+UNREACH failing (Network is
# unreachable). Leaves NAME.rx (masked: NAME.got), NAME.err, TX_STATUS,
# RX_STATUS.
shim() {
    local name=$1 after=$2 unreach=$3
    shift 3
    spawn "$WORK/$name.rx" "$MDUMP" "$@" 0.0.0.0 "$LPORT"
    local rx=$SPAWNED
    wait_for "$WORK/$name.rx" '^Equiv' 10 || return
    MTOOLS_FAULT_AFTER=$after MTOOLS_FAULT_ENETUNREACH=$unreach LD_PRELOAD=$FAULT_SHIM \
        timeout 20 "$MSEND" -qq -n 3 -p 100 -s 100 -u 127.0.0.1 "$LPORT" \
        > "$WORK/$name.tx" 2> "$WORK/$name.err"
    TX_STATUS=$?
    drop_behind_note "$WORK/$name.err"
    wait_exit "$rx" 10
    RX_STATUS=$STATUS
    mask < "$WORK/$name.rx" > "$WORK/$name.got"
}
lequiv="msend -b1 -m0 -n3 -p100 -qq -s100 -S65536 -u 127.0.0.1 $LPORT"

# The echo's send fails, and again after connecting again: not sent.
shim echo-lost 0 2 -Q1 -s
expect_status "echo not sent: msend" 5 "$TX_STATUS"
printf '%s\n' "WARNING: the echo datagram to 127.0.0.1:$LPORT could not be sent (Network is unreachable)" \
    "fault_shim: 2 failures injected" > "$WORK/echo-lost.err.want"
expect_same "echo not sent: said at the end" "$WORK/echo-lost.err.want" "$WORK/echo-lost.err"
{
    echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 -s 0.0.0.0 $LPORT"
    sed -n '/^WARNING: tried to set SO_RCVBUF/p' "$WORK/echo-lost.rx"
    for _ in 1 2 3; do echo "TS 127.0.0.1.PORT 9 bytes"; done
    echo "TS 127.0.0.1.PORT 6 bytes"
    echo "3 msgs sent, 3 received (not including 'stat')"
    echo "0.000000% loss"
} > "$WORK/echo-lost.want"
expect_same "echo not sent: the messages and the stat arrive" "$WORK/echo-lost.want" "$WORK/echo-lost.got"
expect_status "echo not sent: mdump" 0 "$RX_STATUS"

# The echo's send fails once: connected again, it goes; all arrive.
shim echo-late 0 1 -Q1 -s
expect_status "echo sent at the second try: msend" 0 "$TX_STATUS"
echo "fault_shim: 1 failures injected" > "$WORK/echo-late.err.want"
expect_same "echo sent at the second try: -qq says nothing" "$WORK/echo-late.err.want" "$WORK/echo-late.err"
{
    echo "Equiv cmd line: mdump -p0 -Q1 -r4194304 -s 0.0.0.0 $LPORT"
    sed -n '/^WARNING: tried to set SO_RCVBUF/p' "$WORK/echo-late.rx"
    echo "TS 127.0.0.1.PORT $(( ${#lequiv} + 24 )) bytes"
    echo "echo sender equiv cmd: $lequiv"
    for _ in 1 2 3; do echo "TS 127.0.0.1.PORT 9 bytes"; done
    echo "TS 127.0.0.1.PORT 6 bytes"
    echo "3 msgs sent, 3 received (not including 'stat')"
    echo "0.000000% loss"
} > "$WORK/echo-late.want"
expect_same "echo sent at the second try: everything arrives" "$WORK/echo-late.want" "$WORK/echo-late.got"

# The stat's send (the 5th) fails twice: the receiver never gets its count
# and says so when its --idle-timeout ends it.
shim stat-lost 4 2 -Q1 -s --idle-timeout 2s
expect_status "stat not sent: msend" 5 "$TX_STATUS"
printf '%s\n' "WARNING: the 'stat' datagram to 127.0.0.1:$LPORT could not be sent (Network is unreachable)" \
    "fault_shim: 2 failures injected" > "$WORK/stat-lost.err.want"
expect_same "stat not sent: said at the end" "$WORK/stat-lost.err.want" "$WORK/stat-lost.err"
expect_status "stat not sent: mdump times out" 3 "$RX_STATUS"

# A queue that stays full (ENOBUFS) is waited on for 1 s per datagram, then
# the datagram is counted as not sent: the schedule goes on.
spawn "$WORK/busy.rx" "$MDUMP" -q --idle-timeout 6s 0.0.0.0 "$LPORT"
busy_rx=$SPAWNED
wait_for "$WORK/busy.rx" '^Equiv' 10
t0=$SECONDS
MTOOLS_FAULT_ENOBUFS=100000000 LD_PRELOAD=$FAULT_SHIM \
    timeout 20 "$MSEND" -qq -n 2 -p 100 -u 127.0.0.1 "$LPORT" > "$WORK/busy.tx" 2> "$WORK/busy.err"
expect_status "queue full for good: msend" 5 $?
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 7 ]; then pass "queue full for good: ended after $((SECONDS - t0)) s"
else fail "queue full for good: took $((SECONDS - t0)) s"; fi
grep -v '^fault_shim: ' "$WORK/busy.err" > "$WORK/busy.err.got"
printf '%s\n' "WARNING: the echo datagram to 127.0.0.1:$LPORT could not be sent (No buffer space available)" \
    "WARNING: 2 of 2 messages to 127.0.0.1:$LPORT could not be sent (No buffer space available)" \
    > "$WORK/busy.err.want"
expect_same "queue full for good: counted" "$WORK/busy.err.want" "$WORK/busy.err.got"
kill "$busy_rx" 2> /dev/null

# ---- mcheck reads the count of what msend could not send (status 5) as
# the reason of a row that failed, as it reads msend's errors.
MCHECK=$(dirname "$0")/../mcheck
ip netns exec "$TX" "$MCHECK" --json --loopback --transports udp,multicast --timeout 3 \
    --linux-dir "$(dirname "$MSEND")" \
    --linux-run "env LD_PRELOAD=$FAULT_SHIM MTOOLS_FAULT_ENETUNREACH=100000000" \
    > "$WORK/mcheck.json" 2> "$WORK/mcheck.err"
expect_status "mcheck, nothing can be sent" 1 $?
for t in udp multicast; do
    CHECKS=$((CHECKS + 1))
    if grep -q "\"transport\": \"$t\".*\"result\": \"FAIL\".*\"detail\": \"sender: network unreachable\"" "$WORK/mcheck.json"; then
        pass "mcheck, nothing can be sent: $t row FAIL, sender: network unreachable"
    else fail "mcheck, nothing can be sent: $t row: $(grep "\"$t\"" "$WORK/mcheck.json")"; fi
done
finish
