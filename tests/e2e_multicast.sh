#!/usr/bin/env bash
# e2e_multicast.sh - multicast between two network namespaces joined by a
# veth pair (nothing leaves the machine): the full dump, two receivers of
# one group, a receiver of another group on the same port that must see
# nothing, and the errors of joining, choosing an interface and routing.
source "$(dirname "$0")/lib.sh"
need_root_netns
need_cmd nft nftables

TX=mttx$$
RX=mtrx$$
two_hosts "$TX" 192.0.2.1/24 "$RX" 192.0.2.2/24
GROUP=239.101.3.10
OTHER=239.101.3.11
PORT=12000
T=$'\t'

# ---- Two receivers of the group and one of another group, same port.
spawn "$WORK/rx1.out" ip netns exec "$RX" "$MDUMP" -s "$GROUP" "$PORT" 192.0.2.2
rx1=$SPAWNED
spawn "$WORK/rx2.out" ip netns exec "$RX" "$MDUMP" -s -Q1 "$GROUP" "$PORT" 192.0.2.2
rx2=$SPAWNED
spawn "$WORK/other.out" ip netns exec "$RX" "$MDUMP" "$OTHER" "$PORT" 192.0.2.2
other=$SPAWNED
for f in rx1 rx2 other; do wait_for "$WORK/$f.out" '^Equiv' 10; done
sleep 0.2 # the joins are made after the Equiv line is written
timeout 20 ip netns exec "$TX" "$MSEND" -n2 -p100 -s100 "$GROUP" "$PORT" 1 192.0.2.1 \
    > "$WORK/tx.out" 2>&1
expect_status "multicast msend" 0 $?
wait_exit "$rx1" 10
expect_status "receiver 1 ends at the stat (-s)" 0 "$STATUS"
wait_exit "$rx2" 10
expect_status "receiver 2 ends at the stat (-s)" 0 "$STATUS"
kill -INT "$other"
wait_exit "$other" 10
expect_status "receiver of the other group, after Ctrl-C" 130 "$STATUS"

cat > "$WORK/tx.want" <<END
Equiv cmd line: msend -b1 -m0 -n2 -p100 -s100 -S65536 $GROUP $PORT 1 192.0.2.1
Sending 2 bursts of 1 variable-length messages
Sending 9 bytes
Sending 9 bytes
Pausing before sending 'stat'
Sending stat
2 messages sent (not including 'stat')
END
expect_same "multicast msend output" "$WORK/tx.want" "$WORK/tx.out"

equiv="msend -b1 -m0 -n2 -p100 -s100 -S65536 $GROUP $PORT 1 192.0.2.1"
cat > "$WORK/rx1.want" <<END
Equiv cmd line: mdump -p0 -Q0 -r4194304 -s $GROUP $PORT 192.0.2.2
TS 192.0.2.1.PORT 92 bytes:
65 63 68 6f 20 73 65 6e 64 65 72 20 65 71 75 69 ${T}echo sender equi
76 20 63 6d 64 3a 20 6d 73 65 6e 64 20 2d 62 31 ${T}v cmd: msend -b1
20 2d 6d 30 20 2d 6e 32 20 2d 70 31 30 30 20 2d ${T} -m0 -n2 -p100 -
73 31 30 30 20 2d 53 36 35 35 33 36 20 32 33 39 ${T}s100 -S65536 239
2e 31 30 31 2e 33 2e 31 30 20 31 32 30 30 30 20 ${T}.101.3.10 12000 
31 20 31 39 32 2e 30 2e 32 2e 31 00             ${T}1 192.0.2.1.    
echo sender equiv cmd: $equiv
TS 192.0.2.1.PORT 9 bytes:
4d 65 73 73 61 67 65 20 30                      ${T}Message 0       
TS 192.0.2.1.PORT 9 bytes:
4d 65 73 73 61 67 65 20 31                      ${T}Message 1       
TS 192.0.2.1.PORT 6 bytes:
73 74 61 74 20 32                               ${T}stat 2          
2 msgs sent, 2 received (not including 'stat')
0.000000% loss
END
mask < "$WORK/rx1.out" > "$WORK/rx1.got"
expect_same "receiver 1: full dump" "$WORK/rx1.want" "$WORK/rx1.got"

cat > "$WORK/rx2.want" <<END
Equiv cmd line: mdump -p0 -Q1 -r4194304 -s $GROUP $PORT 192.0.2.2
TS 192.0.2.1.PORT 92 bytes
echo sender equiv cmd: $equiv
TS 192.0.2.1.PORT 9 bytes
TS 192.0.2.1.PORT 9 bytes
TS 192.0.2.1.PORT 6 bytes
2 msgs sent, 2 received (not including 'stat')
0.000000% loss
END
mask < "$WORK/rx2.out" > "$WORK/rx2.got"
expect_same "receiver 2: summary lines, same datagrams" "$WORK/rx2.want" "$WORK/rx2.got"

echo "Equiv cmd line: mdump -p0 -Q0 -r4194304 $OTHER $PORT 192.0.2.2" > "$WORK/other.want"
expect_same "receiver of another group on the same port sees nothing" \
    "$WORK/other.want" "$WORK/other.out"

# ---- A 65507-byte datagram (the largest) and a 16-byte one: the dump
# layout at its edges, through fragmentation on the veth.
spawn "$WORK/big.out" ip netns exec "$RX" "$MDUMP" -s "$GROUP" "$PORT" 192.0.2.2
big=$SPAWNED
wait_for "$WORK/big.out" '^Equiv' 10
sleep 0.2
timeout 20 ip netns exec "$TX" "$MSEND" -qq -m 65507 -n1 -s100 "$GROUP" "$PORT" 1 192.0.2.1
expect_status "msend -m 65507" 0 $?
wait_exit "$big" 10
expect_status "mdump of the largest datagram" 0 "$STATUS"
{
    printf '4d 65 73 73 61 67 65 20 30 00 00 00 00 00 00 00 \tMessage 0.......\n'
    for _ in $(seq 2 4094); do
        printf '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \t................\n'
    done
    printf '00 00 00 %39s\t...%13s\n' '' ''
} > "$WORK/big.want"
awk '/^[0-9][0-9]:[0-9][0-9]:.* 65507 bytes:$/ { on = 1; next }
     /^[0-9][0-9]:[0-9][0-9]:/ { on = 0 } on' \
    "$WORK/big.out" > "$WORK/big.got"
expect_same "65507-byte datagram: 4095 dump lines" "$WORK/big.want" "$WORK/big.got"

# ---- Errors: each one line naming the operation, the address and the
# system's reason, exit status 1.
LONE=mtlone$$
make_netns "$LONE" # loopback only: no route to anything, nothing can leave
timeout 10 ip netns exec "$LONE" "$MDUMP" "$GROUP" "$PORT" > "$WORK/join.out" 2>&1
expect_status "join without a multicast route" 1 $?
cat > "$WORK/join.want" <<END
Equiv cmd line: mdump -p0 -Q0 -r4194304 $GROUP $PORT
ERROR: join $GROUP on any interface: No such device
END
expect_same "join without a multicast route" "$WORK/join.want" "$WORK/join.out"

# An interface address that is not this host's: a usage error (as an
# unknown name), before any socket.
timeout 10 ip netns exec "$TX" "$MSEND" -n1 "$GROUP" "$PORT" 1 192.0.2.99 > "$WORK/if.out" 2>&1
expect_status "interface that is not this host's" 2 $?
cat > "$WORK/if.want" <<END
msend: interface '192.0.2.99': not an address of this host (an interface is one of its addresses, names or indexes)
END
head -n 1 "$WORK/if.out" > "$WORK/if.got"
expect_same "interface that is not this host's" "$WORK/if.want" "$WORK/if.got"

timeout 10 ip netns exec "$LONE" "$MSEND" -n1 -u 198.51.100.1 "$PORT" > "$WORK/route.out" 2>&1
expect_status "no route to the destination" 1 $?
cat > "$WORK/route.want" <<END
Equiv cmd line: msend -b1 -m0 -n1 -p1000 -s0 -S65536 -u 198.51.100.1 $PORT
ERROR: connect 198.51.100.1:$PORT: Network is unreachable
END
expect_same "no route to the destination" "$WORK/route.want" "$WORK/route.out"
# A TCP connect the network never answers (SYNs dropped): msend gives up
# after --connect-timeout.
nft_drop "$RX" input tcp dport "$PORT"
t0=$SECONDS
timeout 20 ip netns exec "$TX" "$MSEND" -n1 --connect-timeout 1s -t 192.0.2.2 "$PORT" > "$WORK/cto.out" 2>&1
expect_status "connect timeout" 1 $?
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 3 ]; then pass "connect timeout: gave up within 3 s"; else fail "connect timeout: took $((SECONDS - t0)) s"; fi
cat > "$WORK/cto.want" <<END
Equiv cmd line: msend -b1 -m0 -n1 -p1000 -s0 -S65536 -t 192.0.2.2 $PORT
ERROR: connect 192.0.2.2:$PORT: Connection timed out
END
expect_same "connect timeout" "$WORK/cto.want" "$WORK/cto.out"
finish
