#!/usr/bin/env bash
# fallbacks.sh - the optional kernel features (sendmmsg, recvmmsg,
# UDP_SEGMENT, UDP_GRO) refused at run time, as an old kernel, a seccomp
# filter or WSL 1 refuses them (injected by the fault shim): msend and
# mdump fall back to the plain calls without a word and every datagram
# arrives, the receiver's output exactly what it is without the fault.
# Each refusal is injected once: after it the feature is not asked again.
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
: "${FAULT_SHIM:?FAULT_SHIM must name the fault_shim library}"
PORT=$(free_port)
# A sanitizer runtime wants to be loaded first; the shim goes first here.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

BURSTS=4 PER_BURST=50
COUNT=$((BURSTS * PER_BURST))

# compact TEXT LEN: mdump -c 20's line for a datagram of LEN bytes, TEXT
# and NULs after it.
compact() {
    local text=$1 len=$2 hex="" shown="" byte i shown_len=$(( $2 < 20 ? $2 : 20 ))
    for ((i = 0; i < shown_len; i++)); do
        if [ "$i" -lt "${#text}" ]; then
            printf -v byte '%02x ' "'${text:i:1}"
            hex+=$byte shown+=${text:i:1}
        else
            hex+="00 " shown+=.
        fi
    done
    echo "TS 127.0.0.1.PORT $len bytes: $hex:$shown"
}
# expected LEN: what mdump -c 20 must print when msend sends -m LEN: the
# echo, every message in order, the stat.
expected() {
    local len=$1 k text equiv
    equiv="msend -b$PER_BURST -m$len -n$BURSTS -p100 -qq -s100 -S65536 -u 127.0.0.1 $PORT"
    echo "Equiv cmd line: mdump -p0 -Q0 -r0 -s 0.0.0.0 $PORT"
    compact "echo sender equiv cmd: $equiv" $(( ${#equiv} + 24 ))
    echo "echo sender equiv cmd: $equiv"
    for ((k = 0; k < COUNT; k++)); do
        printf -v text 'Message %x' "$k"
        compact "$text" "$([ "$len" = 0 ] && echo "${#text}" || echo "$len")"
    done
    compact "stat $COUNT" $(( ${#COUNT} + 5 ))
    echo "$COUNT msgs sent, $COUNT received (not including 'stat')"
    echo "0.000000% loss"
}

# run NAME LEN SIDE VARIABLE=ERRNO: one run of -m LEN messages with the
# fault injected into SIDE (msend or mdump); the receiver's whole output,
# the sender's silence (but a busy machine's NOTE), both exit statuses and
# how often the shim refused are checked.
run() {
    local name=$1 len=$2 side=$3 fault=$4 rx_env=() tx_env=()
    if [ "$side" = mdump ]; then rx_env=(env "$fault" LD_PRELOAD="$FAULT_SHIM")
    else tx_env=(env "$fault" LD_PRELOAD="$FAULT_SHIM"); fi
    spawn "$WORK/$name.rx" "${rx_env[@]}" "$MDUMP" -c 20 -r 0 -s 0.0.0.0 "$PORT"
    local rx=$SPAWNED
    wait_for "$WORK/$name.rx" '^Equiv' 10 || return
    timeout 20 "${tx_env[@]}" "$MSEND" -qq -n "$BURSTS" -b "$PER_BURST" -p 100 -m "$len" -s 100 \
        -u 127.0.0.1 "$PORT" > "$WORK/$name.tx" 2>&1
    expect_status "$name: msend" 0 $?
    wait_exit "$rx" 10
    expect_status "$name: mdump" 0 "$STATUS"
    # The shim's own line goes to the side it is in; the rest is the dump.
    grep '^fault_shim: ' "$WORK/$name.$([ "$side" = mdump ] && echo rx || echo tx)" > "$WORK/$name.shim"
    echo "fault_shim: 1 failures injected" > "$WORK/$name.shim.want"
    expect_same "$name: refused once, then not asked again" "$WORK/$name.shim.want" "$WORK/$name.shim"
    grep -v '^fault_shim: ' "$WORK/$name.tx" > "$WORK/$name.tx.rest"
    drop_behind_note "$WORK/$name.tx.rest"
    : > "$WORK/$name.tx.want"
    expect_same "$name: msend says nothing" "$WORK/$name.tx.want" "$WORK/$name.tx.rest"
    grep -v '^fault_shim: ' "$WORK/$name.rx" | mask > "$WORK/$name.got"
    expected "$len" > "$WORK/$name.want"
    expect_same "$name: all $COUNT messages arrive, in order" "$WORK/$name.want" "$WORK/$name.got"
}

# Datagrams of 300 bytes go one per message in a sendmmsg (no segments);
# "Message <n>" alone (-m 0) goes as runs of equal lengths, super-datagrams
# (UDP_SEGMENT), several in one sendmmsg; 20 bytes as one super-datagram a
# burst.
for e in ENOSYS EINVAL EOPNOTSUPP EPERM; do
    run "sendmmsg-$e" 300 msend "MTOOLS_FAULT_SENDMMSG=$e"
    run "sendmmsg-segments-$e" 0 msend "MTOOLS_FAULT_SENDMMSG=$e"
    run "recvmmsg-$e" 300 mdump "MTOOLS_FAULT_RECVMMSG=$e"
done
for e in ENOPROTOOPT EINVAL; do
    run "udp-segment-option-$e" 20 msend "MTOOLS_FAULT_UDP_SEGMENT=$e"
    run "udp-gro-option-$e" 20 mdump "MTOOLS_FAULT_UDP_GRO=$e"
done
for e in EINVAL EIO; do
    run "segmented-send-$e" 20 msend "MTOOLS_FAULT_SEGMENT_SEND=$e"
done
finish
