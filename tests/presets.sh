#!/usr/bin/env bash
# presets.sh - the five standard multicast tests (-1 .. -5) end to end,
# between two namespaces joined by a veth pair: msend's whole output, and
# what mdump -q -s reports (the echo naming the test, the counts, the loss).
# -1 runs ten minutes, so it is checked up to its Equiv line and first
# datagrams. -5 is also run over TCP, which cannot drop any of its 50000.
# msend's NOTE of a busy machine (it fell behind its schedule) is left out
# of its output.
source "$(dirname "$0")/lib.sh"
need_root_netns

TX=mtptx$$
RX=mtprx$$
two_hosts "$TX" 192.0.2.1/24 "$RX" 192.0.2.2/24
GROUP=239.101.3.10
PORT=12000
T=$'\t'

# The -S value -5 shows: the system's default send buffer for the socket.
udp_default=$(ip netns exec "$TX" cat /proc/sys/net/core/wmem_default)
tcp_default=$(ip netns exec "$TX" cat /proc/sys/net/ipv4/tcp_wmem | awk '{ print $2 }')

# preset K MSGS BURSTS SIZE "SEND_EXTRA" "DUMP_EXTRA" SNDBUF
preset() {
    local k=$1 count=$2 bursts=$3 size=$4 send_extra=$5 dump_extra=$6 sndbuf=$7
    local name="preset-$k${send_extra:+ $send_extra}"
    local dest="$GROUP $PORT 1 192.0.2.1" proto=udp
    if [ -n "$send_extra" ]; then dest="192.0.2.2 $PORT"; proto=tcp; fi
    # shellcheck disable=SC2086 # $dump_extra: a word list
    spawn "$WORK/rx$k.out" ip netns exec "$RX" "$MDUMP" -q -s $dump_extra
    local rx=$SPAWNED
    wait_listening "$RX" "$proto" "$PORT" 10 || return
    sleep 0.2
    # shellcheck disable=SC2086 # $send_extra and $dest: word lists
    timeout 60 ip netns exec "$TX" "$MSEND" -$k $send_extra $dest > "$WORK/tx$k.out" 2>&1
    expect_status "$name: msend" 0 $?
    drop_behind_note "$WORK/tx$k.out"
    wait_exit "$rx" 20
    expect_status "$name: mdump ends at the stat" 0 "$STATUS"

    local b=${PRESET_B[$k]} m=$size n=${PRESET_N[$k]} p=${PRESET_P[$k]}
    local equiv="msend -b$b -m$m -n$n -p$p -q -s2000 -S$sndbuf ${send_extra:+$send_extra }$dest"
    {
        [ "$sndbuf" -lt 65536 ] && echo "NOTE: system default SO_SNDBUF only $sndbuf (65536 preferred)"
        echo "Equiv cmd line: $equiv"
        echo "Sending $n bursts of $b $m-byte messages"
        printf '%*s' "$bursts" '' | tr ' ' '.'
        echo "Pausing before sending 'stat'"
        echo "Sending stat"
        echo "$count messages sent (not including 'stat')"
    } > "$WORK/tx$k.want"
    expect_same "$name: msend output" "$WORK/tx$k.want" "$WORK/tx$k.out"
    {
        echo "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s $dump_extra"
        echo "echo test $k, sender equiv cmd $equiv"
        echo "$count msgs sent, $count received (not including 'stat')"
        echo "0.000000% loss"
        # With -s mdump ends at the statistics, over TCP too (no EOF line,
        # though the count of the 'stat' ends where the stream does).
    } > "$WORK/rx$k.want"
    expect_same "$name: mdump report" "$WORK/rx$k.want" "$WORK/rx$k.out"
}

PRESET_B=(0 1 1 100 5000 50000)
PRESET_N=(0 600 5 50 1 1)
PRESET_P=(0 1000 1000 100 1000 1000)

preset 2 5 5 5000 "" "$GROUP $PORT 192.0.2.2" 65536
preset 3 5000 50 8192 "" "$GROUP $PORT 192.0.2.2" 65536
preset 4 5000 1 20 "" "$GROUP $PORT 192.0.2.2" 65536
preset 5 50000 1 800 "" "$GROUP $PORT 192.0.2.2" "$udp_default"
preset 5 50000 1 800 "-t" "-t 0.0.0.0 $PORT" "$tcp_default"

# ---- -1: ten minutes long; its Equiv line, the echo and the first two
# 20-byte messages, then Ctrl-C.
spawn "$WORK/rx1.out" ip netns exec "$RX" "$MDUMP" "$GROUP" "$PORT" 192.0.2.2
rx=$SPAWNED
wait_for "$WORK/rx1.out" '^Equiv' 10
sleep 0.2
spawn "$WORK/tx1.out" ip netns exec "$TX" "$MSEND" -1 "$GROUP" "$PORT" 1 192.0.2.1
tx=$SPAWNED
wait_for "$WORK/rx1.out" 'Message 1' 15
kill -INT "$tx"
wait_exit "$tx" 10
kill -INT "$rx"
wait_exit "$rx" 10
drop_behind_note "$WORK/tx1.out"
equiv="msend -b1 -m20 -n600 -p1000 -q -s2000 -S65536 $GROUP $PORT 1 192.0.2.1"
printf 'Equiv cmd line: %s\nSending 600 bursts of 1 20-byte messages\n..' "$equiv" > "$WORK/tx1.want"
expect_same "preset-1: msend output up to Ctrl-C" "$WORK/tx1.want" "$WORK/tx1.out"
{
    echo "Equiv cmd line: mdump -p0 -Q0 -r4194304 $GROUP $PORT 192.0.2.2"
    echo "TS 192.0.2.1.PORT $(( 30 + ${#equiv} + 1 )) bytes:"
    text="echo test 1, sender equiv cmd $equiv"
    printf '%s\0' "$text" | od -An -v -tx1 -w16 | sed 's/^ //; s/$/ /' > "$WORK/hex"
    printf '%s\0' "$text" | tr '\0' '.' | fold -w16 > "$WORK/chars"
    paste -d "$T" "$WORK/hex" "$WORK/chars" | awk -F"$T" '{ printf "%-48s\t%-16s\n", $1, $2 }'
    [ $(( (${#text} + 1) % 16 )) -eq 0 ] && printf '%48s\t%16s\n' '' ''
    echo "$text"
    for k in 0 1; do
        echo "TS 192.0.2.1.PORT 20 bytes:"
        printf '4d 65 73 73 61 67 65 20 3%d 00 00 00 00 00 00 00 \tMessage %d.......\n' $k $k
        printf '00 00 00 00 %36s\t....%12s\n' '' ''
    done
} > "$WORK/rx1.want"
mask < "$WORK/rx1.out" > "$WORK/rx1.got"
expect_same "preset-1: echo and first messages" "$WORK/rx1.want" "$WORK/rx1.got"
finish
