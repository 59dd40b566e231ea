#!/usr/bin/env bash
# e2e_ipv6.sh - IPv6, source-specific multicast, interfaces by name, host
# names and the sender's marks, between hosts in network namespaces:
#
#   S1 (eth9: 10.98.0.1, fd00:98::1) --+
#                                      +-- R (br0: 10.98.0.3, fd00:98::3)
#   S2 (eth9: 10.98.0.2, fd00:98::2) --+
#
# R bridges the two senders' links; its receivers join on br0, named.
#  - IPv6 unicast UDP and TCP (mdump on ::), the sender shown as
#    [fd00:98::1].port;
#  - IPv6 multicast, global (ff15::) and link-local (ff02::) scope, the
#    interface given by name on both sides, the hop limit from the ttl;
#  - SSM include (--source) and exclude (--exclude-source), IPv4 and IPv6:
#    both senders send, only the right one is counted;
#  - host names from the namespace's own /etc/hosts (ip netns exec mounts
#    /etc/netns/NAME/hosts there), --ipv4/--ipv6 choosing for a name that
#    has both;
#  - --loopback off: a receiver on the sender's own host gets nothing,
#    one on R gets everything; --loopback on: both get it;
#  - --dscp: the TOS byte and the traffic class seen on the wire (tcpdump).
#
#   e2e_ipv6.sh [--windows WIN64_DIR]
# With --windows, the same runs with the Windows programs under wine on
# S1 (msend.exe) and on R (mdump.exe); a call wine refuses is named.
source "$(dirname "$0")/lib.sh"
need_root_netns
need_cmd tcpdump tcpdump
WIN64=
[ "${1:-}" = --windows ] && WIN64=${2:?usage: e2e_ipv6.sh [--windows WIN64_DIR]}

S1=mt6s1$$
S2=mt6s2$$
R=mt6r$$
for ns in "$S1" "$S2" "$R"; do make_netns "$ns"; done
rm -rf "/etc/netns/$S1" "/etc/netns/$R"
trap 'cleanup; rm -rf "/etc/netns/$S1" "/etc/netns/$R"' EXIT
ip -n "$R" link add br0 type bridge mcast_snooping 0
ip -n "$R" link set br0 up
n=1
for ns in "$S1" "$S2"; do
    a=m6a$$$n b=m6b$$$n
    ip link add "$a" type veth peer name "$b" || { fail "ip link add veth"; exit 1; }
    ip link set "$a" netns "$ns"
    ip link set "$b" netns "$R"
    ip -n "$ns" link set "$a" name eth9
    ip -n "$ns" addr add "10.98.0.$n/24" dev eth9
    ip -n "$ns" addr add "fd00:98::$n/64" dev eth9 nodad
    ip -n "$ns" link set eth9 up
    ip -n "$R" link set "$b" master br0
    ip -n "$R" link set "$b" up
    n=$((n + 1))
done
ip -n "$R" addr add 10.98.0.3/24 dev br0
ip -n "$R" addr add fd00:98::3/64 dev br0 nodad
# Wait until every IPv6 address can be used (the links' own fe80:: ones too).
for ns in "$S1" "$S2" "$R"; do
    for _ in $(seq 100); do
        ip -n "$ns" -6 addr show tentative | grep -q inet6 || break
        sleep 0.05
    done
done

PORT=12000
SENDER=("$MSEND") RECEIVER=("$MDUMP")
RX_NAME=mdump TX_NAME=msend

# Host names, each namespace its own /etc/hosts.
mkdir -p "/etc/netns/$S1" "/etc/netns/$R"
cat > "/etc/netns/$S1/hosts" <<'END'
127.0.0.1 localhost
10.98.0.3 rx.test
fd00:98::3 rx.test
fd00:98::3 rx6.test
END
cat > "/etc/netns/$R/hosts" <<'END'
127.0.0.1 localhost
10.98.0.1 s1.test
fd00:98::1 s1.test
10.98.0.2 s2.test
fd00:98::2 s2.test
10.98.0.3 me.test
fd00:98::3 me.test
END

# Masks the time and the sender's port: "TS [fd00:98::1].PORT 9 bytes";
# a link-local sender (its address made from its MAC) as [fe80::%].
mask6() {
    tr -d '\r' | mask | sed -E -e 's/^(TS \[[0-9a-f:%]+\])\.[0-9]+ /\1.PORT /' \
        -e 's/^TS \[fe80::[0-9a-f:]+%[0-9]+\]\.PORT /TS [fe80::%].PORT /'
}

# run_rx NAME NS ARGS...: starts the receiver (-Q1 -s, 5 s idle timeout)
# and waits for its Equiv line; RX is its pid.
run_rx() {
    local name=$1 ns=$2
    shift 2
    spawn "$WORK/$name.rx" ip netns exec "$ns" "${RECEIVER[@]}" -Q1 -s --idle-timeout 10s "$@"
    RX=$SPAWNED
    wait_for "$WORK/$name.rx" '^Equiv' 10
}

# run_tx NAME NS ARGS...: msend -n2 -p100 -s100 ARGS, which must end 0.
run_tx() {
    local name=$1 ns=$2
    shift 2
    timeout 20 ip netns exec "$ns" "${SENDER[@]}" -n2 -p100 -s100 "$@" > "$WORK/$name.tx.raw" 2>&1
    expect_status "$name: $TX_NAME" 0 $?
    tr -d '\r' < "$WORK/$name.tx.raw" > "$WORK/$name.tx"
}

# expect_run NAME FROM "MDUMP ARGS" "MSEND ARGS": the receiver's whole
# output (every datagram from FROM) and the sender's, after both ended.
expect_run() {
    local name=$1 from=$2 rx_args=$3 tx_args=$4 equiv
    wait_exit "$RX" 10
    expect_status "$name: $RX_NAME" 0 "$STATUS"
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
    expect_same "$name: $TX_NAME's output" "$WORK/$name.tx.want" "$WORK/$name.tx"
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
    mask6 < "$WORK/$name.rx" | grep -v '^WARNING: tried to set SO_RCVBUF' > "$WORK/$name.got"
    expect_same "$name: $RX_NAME's output" "$WORK/$name.want" "$WORK/$name.got"
}

# pair NAME FROM RX_NS "MDUMP ARGS" TX_NS "MSEND ARGS"
pair() {
    local name=$1 from=$2 rx_ns=$3 rx_args=$4 tx_ns=$5 tx_args=$6
    # shellcheck disable=SC2086 # word lists
    run_rx "$name" "$rx_ns" $rx_args || return
    # shellcheck disable=SC2086
    run_tx "$name" "$tx_ns" $tx_args
    expect_run "$name" "$from" "$rx_args" "$tx_args"
}

# filtered NAME FROM "MDUMP ARGS" "MSEND ARGS" OTHER_NS: the unwanted
# sender (OTHER_NS, the same arguments, its 'stat' included: mdump -s
# would end there had it got it) sends first, then S1; mdump must show
# S1's datagrams only.
filtered() {
    local name=$1 from=$2 rx_args=$3 tx_args=$4 other=$5
    # shellcheck disable=SC2086
    run_rx "$name" "$R" $rx_args || return
    # (the other sender: always the Linux one)
    local sender=("${SENDER[@]}")
    SENDER=("$MSEND")
    # shellcheck disable=SC2086
    run_tx "$name-other" "$other" $tx_args
    SENDER=("${sender[@]}")
    # shellcheck disable=SC2086
    run_tx "$name" "$S1" $tx_args
    if wine_gap "$name" "$WORK/$name.rx"; then
        wait_exit "$RX" 10
        # msend.exe's side still shown, to the Linux mdump.
        local receiver=("${RECEIVER[@]}")
        RECEIVER=("$MDUMP")
        filtered "$name-linux-rx" "$from" "$rx_args" "$tx_args" "$other"
        RECEIVER=("${receiver[@]}")
        return
    fi
    expect_run "$name" "$from" "$rx_args" "$tx_args"
}

# wine_gap NAME FILE: under wine, when FILE holds the error of a call that
# wine (8) does not support, says which call and returns 0; otherwise 1
# (and the run is checked as any other).
wine_gap() {
    [ -n "$WIN64" ] || return 1
    local call
    if grep -qE '^ERROR: (join|block source) [0-9.]+ from .*: Invalid argument' "$2"; then
        call="IP_ADD_SOURCE_MEMBERSHIP / IP_BLOCK_SOURCE (taken after MCAST_JOIN_SOURCE_GROUP / MCAST_BLOCK_SOURCE, which wine does not know): wine hands Winsock's ip_mreq_source to Linux unconverted, its source and interface swapped"
    elif grep -qE '^ERROR: join [0-9a-f:]+ from .*: Protocol not available' "$2"; then
        call="MCAST_JOIN_SOURCE_GROUP for IPv6 (IPv6 has no source-specific join of its own to fall back to)"
    elif grep -qE '^ERROR: block source [0-9a-f:]+ from .*: Protocol not available' "$2"; then
        call="MCAST_BLOCK_SOURCE for IPv6"
    elif grep -qE '^ERROR: IPV6_TCLASS for .*: Protocol not available' "$2"; then
        call="IPV6_TCLASS"
    else
        return 1
    fi
    CHECKS=$((CHECKS + 1))
    pass "$1: wine does not support $call"
    echo "WINE-UNSUPPORTED: $1: $call"
    return 0
}

if [ -n "$WIN64" ]; then
    wine_in "$S1"
    # One prefix, one wineserver: R's programs get a prefix of their own,
    # its server started inside R.
    cp -a "$WINEPREFIX" "$WORK/wineprefix-r"
    WINEPREFIX=$WORK/wineprefix-r ip netns exec "$R" wineserver -p 60
    SENDER=(wine "$WIN64/msend.exe") TX_NAME=msend.exe
    RECEIVER=(env "WINEPREFIX=$WORK/wineprefix-r" wine "$WIN64/mdump.exe") RX_NAME=mdump.exe
fi

# ---- IPv6 unicast UDP and TCP
pair udp6 "[fd00:98::1]" "$R" ":: $PORT" "$S1" "-u fd00:98::3 $PORT"
run_rx tcp6 "$R" -t :: "$PORT"
wait_listening "$R" tcp "$PORT" 10
run_tx tcp6 "$S1" -t fd00:98::3 "$PORT"
wait_exit "$RX" 10
expect_status "tcp6: $RX_NAME" 0 "$STATUS"
# (TCP reads may join messages: the lines per read are not compared.)
CHECKS=$((CHECKS + 1))
peers=$(mask6 < "$WORK/tcp6.rx" | grep -E '^TS ' | awk '{ print $2 }' | sort -u)
if [ "$peers" = "[fd00:98::1].PORT" ] && grep -q '^Equiv cmd line: mdump -p0 -Q1 -r4194304 -s -t :: ' "$WORK/tcp6.rx" &&
    tr -d '\r' < "$WORK/tcp6.rx" | grep -qx "2 msgs sent, 2 received (not including 'stat')"; then
    pass "tcp6: every read from [fd00:98::1], 2 of 2 messages"
else
    fail "tcp6: $(cat "$WORK/tcp6.rx")"
fi

# ---- Host names: rx6.test has only IPv6; rx.test both, --ipv6 and
# --ipv4 choose. mdump's sources by name too (below).
pair name6 "[fd00:98::1]" "$R" ":: $PORT" "$S1" "-u rx6.test $PORT"
pair name-ipv6 "[fd00:98::1]" "$R" ":: $PORT" "$S1" "-u --ipv6 rx.test $PORT"
pair name-ipv4 10.98.0.1 "$R" "0.0.0.0 $PORT" "$S1" "-u --ipv4 rx.test $PORT"

# ---- IPv6 multicast, the interface by name on both sides; the ttl is the
# hop limit (tcpdump on R shows it).
pair ff15 "[fd00:98::1]" "$R" "ff15::98 $PORT br0" "$S1" "ff15::98 $PORT 5 eth9"
# The receiver's interface as a host name (no interface has that name):
# the address of its own it stands for, of the group's family.
pair ff15-ifname "[fd00:98::1]" "$R" "ff15::98 $PORT me.test" "$S1" "ff15::98 $PORT 5 eth9"
# A range of IPv6 groups, the one sent to in the middle of it.
pair ff15-range "[fd00:98::1]" "$R" "ff15::97+3 $PORT br0" "$S1" "ff15::98 $PORT 5 eth9"
pair mcast4-ifname 10.98.0.1 "$R" "239.98.0.5 $PORT me.test" "$S1" "239.98.0.5 $PORT 5 eth9"
# Link-local scope: the sender is S1's link-local address (masked).
pair ff02 "[fe80::%]" "$R" "ff02::1:98 $PORT br0" "$S1" "ff02::1:98 $PORT 1 eth9"

# An IPv6 interface address that is not this host's: a usage error, as a
# name this host does not have.
timeout 20 ip netns exec "$R" "${RECEIVER[@]}" --idle-timeout 2s ff15::98 "$PORT" fd00:98::99 \
    > "$WORK/notlocal6.out" 2> "$WORK/notlocal6.err"
expect_status "notlocal6: $RX_NAME" 2 $?
echo "mdump: interface 'fd00:98::99': not an address of this host (an interface is one of its addresses, names or indexes)" \
    > "$WORK/notlocal6.want"
tr -d '\r' < "$WORK/notlocal6.err" | head -n 1 > "$WORK/notlocal6.got"
expect_same "notlocal6: the error" "$WORK/notlocal6.want" "$WORK/notlocal6.got"

# ---- SSM include and exclude, IPv4 and IPv6: S2 sends first (stat and
# all), then S1; only S1 counted.
filtered ssm4 10.98.0.1 "--source 10.98.0.1 232.1.1.98 $PORT br0" "232.1.1.98 $PORT 2 eth9" "$S2"
filtered ssm6 "[fd00:98::1]" "--source fd00:98::1 ff35::98 $PORT br0" "ff35::98 $PORT 2 eth9" "$S2"
filtered ssm-name "[fd00:98::1]" "--source s1.test ff35::98 $PORT br0" "ff35::98 $PORT 2 eth9" "$S2"
filtered exclude4 10.98.0.1 "--exclude-source 10.98.0.2 239.1.1.98 $PORT br0" "239.1.1.98 $PORT 2 eth9" "$S2"
filtered exclude6 "[fd00:98::1]" "--exclude-source fd00:98::2 ff15::99 $PORT br0" "ff15::99 $PORT 2 eth9" "$S2"

# ---- --loopback: a receiver on S1 itself hears S1's multicast only with
# loopback on (it ends at the 'stat'); with it off, it is still listening
# when R has had everything, and then times out having heard nothing. R
# hears it either way.
for mode in off on; do
    for group in 239.1.1.97 ff15::97; do
        name=loop-$mode-${group%%:*}
        spawn "$WORK/$name.self" ip netns exec "$S1" "$MDUMP" -Q1 -s --idle-timeout 8s "$group" "$PORT" eth9
        self=$SPAWNED
        wait_for "$WORK/$name.self" '^Equiv' 10
        run_rx "$name" "$R" "$group" "$PORT" br0
        run_tx "$name" "$S1" --loopback "$mode" "$group" "$PORT" 2 eth9
        wait_exit "$RX" 10
        expect_status "$name: $RX_NAME on R" 0 "$STATUS"
        listening=no
        ! kill -0 "$self" 2> /dev/null || listening=yes
        wait_exit "$self" 15
        CHECKS=$((CHECKS + 1))
        got=$(grep -c ' bytes$' "$WORK/$name.self")
        if [ "$mode" = off ] && [ "$listening" = yes ] && [ "$STATUS" = 3 ] && [ "$got" = 0 ]; then
            pass "$name: the sender's own host heard nothing (still listening when R had all)"
        elif [ "$mode" = on ] && [ "$STATUS" = 0 ] && [ "$got" = 4 ]; then
            pass "$name: the sender's own host heard all 4 datagrams"
        else
            fail "$name: the sender's own host: status $STATUS, listening after R: $listening, $got datagrams: $(cat "$WORK/$name.self")"
        fi
    done
done

# ---- --dscp on the wire: TOS 0xb8 (EF, 46) and traffic class 0xb8, the
# hop limit 5 from the ttl; without --dscp, 0.
ip netns exec "$R" tcpdump -l -n -v -i br0 udp port "$PORT" > "$WORK/dscp.cap" 2> "$WORK/dscp.tcpdump" &
dump=$!
PIDS+=("$dump")
wait_for "$WORK/dscp.tcpdump" 'listening on' 10
want6=4
for group in 239.1.1.96 ff15::96; do
    name=dscp-${group%%:*}
    timeout 20 ip netns exec "$S1" "${SENDER[@]}" -qq -n2 -p100 -s100 --dscp 46 "$group" "$PORT" 5 eth9 \
        > "$WORK/$name.tx" 2>&1
    st=$?
    if wine_gap "$name" "$WORK/$name.tx"; then want6=0; continue; fi
    expect_status "$name: $TX_NAME" 0 "$st"
done
timeout 20 ip netns exec "$S1" "${SENDER[@]}" -qq -n2 -p100 -s100 239.1.1.95 "$PORT" 5 eth9 > /dev/null 2>&1
expect_status "no dscp: $TX_NAME" 0 $?
# -u to a group (sent from S1's address): the ttl typed is the multicast
# one, the only one such a datagram goes with.
timeout 20 ip netns exec "$S1" "${SENDER[@]}" -qq -u -n2 -p100 -s100 239.1.1.94 "$PORT" 6 10.98.0.1 \
    > "$WORK/u-group.tx" 2>&1
expect_status "-u to a group: $TX_NAME" 0 $?
wait_lines "$WORK/dscp.cap" ' (IP|IP6) \(' $((12 + want6)) 10
sleep 0.2 # nothing more is to come: a stray one would show
kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
CHECKS=$((CHECKS + 1))
n4=$(grep -c 'IP (tos 0xb8, ttl 5,' "$WORK/dscp.cap")
n6=$(grep -cE 'IP6 \(class 0xb8, (flowlabel 0x[0-9a-f]+, )?hlim 5,' "$WORK/dscp.cap")
n0=$(grep -c 'IP (tos 0x0, ttl 5,' "$WORK/dscp.cap")
nu=$(grep -c 'IP (tos 0x0, ttl 6,' "$WORK/dscp.cap")
all=$(grep -cE '(IP|IP6) \(' "$WORK/dscp.cap")
if [ "$n4" = 4 ] && [ "$n6" = "$want6" ] && [ "$n0" = 4 ] && [ "$nu" = 4 ] && [ "$all" = $((12 + want6)) ]; then
    pass "dscp: 4 IPv4 datagrams with TOS 0xb8 and TTL 5, $want6 IPv6 with class 0xb8 and hop limit 5, 4 unmarked; -u to a group: 4 with TTL 6"
else
    fail "dscp: $n4 IPv4, $n6 IPv6 marked, $n0 unmarked, $nu sent with -u at TTL 6 of $all; the capture: $(cat "$WORK/dscp.cap")"
fi
finish
