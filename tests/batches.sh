#!/usr/bin/env bash
# batches.sh - mdump's reading in batches, where what it says may lag or
# overcount what it did:
# - a receiver that never finds its socket empty (busy_shim: every read
#   brings all it asked for) writes each --interval line out when its
#   interval ends, not when the socket runs dry or its buffer fills;
# - a batch that a stat cuts short (-s: the stat, then more datagrams in
#   the same read) counts only the datagrams handled, in --summary's line
#   and --json's end object: as many as were shown, and their bytes;
# - Ctrl-C in a -p pause counts the datagrams shown (-p reads one a call).
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
: "${SENDRAW:?SENDRAW must name the sendraw test program}"
: "${BUSY_SHIM:?BUSY_SHIM must name the busy_shim library}"
PORT=$(free_port)

# ---- --interval lines from a receiver kept busy.
INTERVAL_MS=500 LINES=5 LATE_MS=1000

# stamp_lines: each line of stdin with the time it was read (ms) first.
stamp_lines() {
    local line t
    while IFS= read -r line; do
        t=${EPOCHREALTIME/[.,]/}
        printf '%s %s\n' $((t / 1000)) "$line"
    done
}

mkfifo "$WORK/busy.pipe"
# stdout a pipe, read as it comes; the shim keeps the socket full for 6 s
# from the first datagram (longer than the checks need: Ctrl-C ends it).
env --default-signal=INT,TERM LD_PRELOAD="$BUSY_SHIM" MTOOLS_BUSY_MS=6000 \
    "$MDUMP" -q --interval ${INTERVAL_MS}ms 0.0.0.0 "$PORT" > "$WORK/busy.pipe" 2> "$WORK/busy.err" &
busy=$!
PIDS+=("$busy")
stamp_lines < "$WORK/busy.pipe" > "$WORK/busy.stamped" &
reader=$!
PIDS+=("$reader")
if wait_listening "" udp "$PORT" 10; then
    t0=$(now_ms) # the interval clock starts after this, with the datagram
    timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" text:busy
    wait_lines "$WORK/busy.stamped" ' interval ' "$LINES" 5
    kill -INT "$busy"
    wait_exit "$busy" 10
    expect_status "mdump kept busy: Ctrl-C" 130 "$STATUS"
    wait_exit "$reader" 10
    # Each interval's line, read by its end + LATE_MS (from before the
    # datagram that started the clock).
    for ((i = 1; i <= LINES; i++)); do
        end_ms=$((i * INTERVAL_MS))
        name=$(printf 'interval %d.%03d-%d.%03d s' $(((end_ms - INTERVAL_MS) / 1000)) \
            $(((end_ms - INTERVAL_MS) % 1000)) $((end_ms / 1000)) $((end_ms % 1000)))
        read_ms=$(grep -m1 " $name " "$WORK/busy.stamped" | cut -d' ' -f1)
        CHECKS=$((CHECKS + 1))
        if [ -z "$read_ms" ]; then
            fail "mdump kept busy: no line '$name'"
        elif [ $((read_ms - t0)) -le $((end_ms + LATE_MS)) ]; then
            pass "mdump kept busy: '$name' read $((read_ms - t0)) ms after the first datagram went"
        else
            fail "mdump kept busy: '$name' read $((read_ms - t0)) ms after the first datagram went, want at most $((end_ms + LATE_MS))"
        fi
    done
    # What they say, the measured figures masked: the shim's messages are
    # numbered 0, 1, 2, ... without a gap.
    for ((i = 1; i <= LINES; i++)); do
        end_ms=$((i * INTERVAL_MS))
        printf 'interval %d.%03d-%d.%03d s 0.0.0.0 from 127.0.0.1.PORT: N msgs, R msgs/s, B Mbit/s, lost 0, dup 0, reordered 0\n' \
            $(((end_ms - INTERVAL_MS) / 1000)) $(((end_ms - INTERVAL_MS) % 1000)) \
            $((end_ms / 1000)) $((end_ms % 1000))
    done > "$WORK/busy.want"
    grep ' interval ' "$WORK/busy.stamped" | head -n "$LINES" | cut -d' ' -f2- |
        sed -E 's/\.[0-9]+: [0-9]+ msgs, [0-9]+ msgs\/s, [0-9.]+ Mbit\/s,/.PORT: N msgs, R msgs\/s, B Mbit\/s,/' \
        > "$WORK/busy.got"
    expect_same "mdump kept busy: the interval lines" "$WORK/busy.want" "$WORK/busy.got"
    CHECKS=$((CHECKS + 1))
    if grep -qE '^busy_shim: [1-9][0-9]* datagrams made up$' "$WORK/busy.err"; then
        pass "mdump kept busy: every read was full ($(tail -n 1 "$WORK/busy.err"))"
    else fail "mdump kept busy: the shim made up no datagram: $(cat "$WORK/busy.err")"; fi
fi

# ---- A batch cut short by a stat: one test's echo, three messages and
# its stat, then the next test's echo and two messages, sent while mdump
# is stopped so that one read takes them all.
SEND=(echo:20 msgs:0-2 "text:stat 3" echo:20 msgs:0-1)

# cut_short NAME MDUMP_ARGS...: mdump -s ARGS, the datagrams above in one
# batch; its stdout in NAME.out, stderr in NAME.err (times and ports
# masked).
cut_short() {
    local name=$1 rx
    shift
    spawn "$WORK/$name.raw" "$MDUMP" -s "$@" 0.0.0.0 "$PORT"
    rx=$SPAWNED
    wait_listening "" udp "$PORT" 10 || return
    kill -STOP "$rx"
    timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" "${SEND[@]}"
    kill -CONT "$rx"
    wait_exit "$rx" 10
    expect_status "$name: ends at the stat" 0 "$STATUS"
    grep -v '^mdump: ' "$WORK/$name.raw" | mask > "$WORK/$name.out"
    grep '^mdump: ' "$WORK/$name.raw" |
        sed -E -e 's/[0-9]+\.[0-9]+ s from first to last message: [0-9]+ messages\/s, [0-9]+\.[0-9]{3} Mbit\/s/T s from first to last message: R messages\/s, B Mbit\/s/' \
               -e 's/from 127\.0\.0\.1\.[0-9]+: 3 msgs in [0-9.]+ s, [0-9]+ msgs\/s, [0-9.]+ Mbit\/s/from 127.0.0.1.PORT: 3 msgs in T s, R msgs\/s, B Mbit\/s/' \
        > "$WORK/$name.err"
}

cut_short summary -Q1 --summary
printf '%s\n' "Equiv cmd line: mdump -p0 -Q1 -r4194304 -s 0.0.0.0 $PORT" \
    "TS 127.0.0.1.PORT 20 bytes" "echo aaaaaaaaaaaaaaa" \
    "TS 127.0.0.1.PORT 9 bytes" "TS 127.0.0.1.PORT 9 bytes" "TS 127.0.0.1.PORT 9 bytes" \
    "TS 127.0.0.1.PORT 6 bytes" \
    "3 msgs sent, 3 received (not including 'stat')" "0.000000% loss" > "$WORK/summary.want"
expect_same "stat and more in one batch: what was shown" "$WORK/summary.want" "$WORK/summary.out"
# The count and bytes --summary gives are those of the datagrams shown.
shown=$(grep -c '^TS .* bytes$' "$WORK/summary.out")
shown_bytes=$(awk '/^TS .* bytes$/ { n += $3 } END { print n + 0 }' "$WORK/summary.out")
printf '%s\n' "mdump: $shown datagrams, $shown_bytes bytes, 3 messages, T s from first to last message: R messages/s, B Mbit/s" \
    "mdump: 0.0.0.0 from 127.0.0.1.PORT: 3 msgs in T s, R msgs/s, B Mbit/s, lost 0, dup 0, reordered 0, highest 2" \
    > "$WORK/summary.err.want"
expect_same "stat and more in one batch: --summary counts what was shown ($shown datagrams, $shown_bytes bytes)" \
    "$WORK/summary.err.want" "$WORK/summary.err"

cut_short json --json
echo '{"event": "end", "status": 0, "reason": "stat", "datagrams": 5, "bytes": 53, "messages": 3, "lost": 0, "untracked": 0, "groups": [{"group": "0.0.0.0", "streams": 1, "messages": 3, "lost": 0, "duplicates": 0, "reordered": 0}]}' \
    > "$WORK/json.want"
tail -n 1 "$WORK/json.out" > "$WORK/json.got"
expect_same "stat and more in one batch: --json's end object" "$WORK/json.want" "$WORK/json.got"

# ---- Ctrl-C in a -p pause: each datagram is taken when handled, so the
# one shown is the one counted, the rest left in the socket. Only the echo
# came: the sender's line has the counts of a numbered stream with nothing
# yet, not "no sequence numbers" (which says its messages carry none).
spawn "$WORK/pause.raw" "$MDUMP" -Q1 -p 5000 --summary 0.0.0.0 "$PORT"
rx=$SPAWNED
if wait_listening "" udp "$PORT" 10; then
    timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" "${SEND[@]}"
    wait_for "$WORK/pause.raw" '^echo a' 10
    kill -INT "$rx"
    wait_exit "$rx" 10
    expect_status "Ctrl-C in a -p pause" 130 "$STATUS"
    mask < "$WORK/pause.raw" |
        sed -E -e 's/[0-9]+\.[0-9]+ s from first to last message: [0-9]+ messages\/s, [0-9]+\.[0-9]{3} Mbit\/s/T s from first to last message: R messages\/s, B Mbit\/s/' \
               -e 's/from 127\.0\.0\.1\.[0-9]+:/from 127.0.0.1.PORT:/' > "$WORK/pause.out"
    printf '%s\n' "Equiv cmd line: mdump -p5000 -Q1 -r4194304 0.0.0.0 $PORT" \
        "TS 127.0.0.1.PORT 20 bytes" "echo aaaaaaaaaaaaaaa" \
        "mdump: 1 datagrams, 20 bytes, 0 messages, T s from first to last message: R messages/s, B Mbit/s" \
        "mdump: 0.0.0.0 from 127.0.0.1.PORT: 0 msgs in 0.000 s, 0 msgs/s, 0.000 Mbit/s, lost 0, dup 0, reordered 0" \
        > "$WORK/pause.want"
    expect_same "Ctrl-C in a -p pause: the datagram shown is the one counted" "$WORK/pause.want" "$WORK/pause.out"
fi

finish
