#!/usr/bin/env bash
# interrupts_win64.sh WIN64_DIR - Ctrl-C ends msend.exe (under wine) while
# it is stuck on TCP: a receiver that stopped reading (the Linux mdump
# asleep for 100 s after its first read, small buffers on both sides), so
# that no room to send comes back; and a connect that gets no answer (a
# listener that never accepts, its backlog full). Winsock has no per-call
# "do not block" flag and a blocking call does not notice the console's
# Ctrl-C handler, which only sets a flag: the program must not be inside
# one then. The same holds for its own lines written into a stdout pipe
# whose reader reads nothing. As in tests/interrupts.sh for the Linux
# programs, each run must end within BOUND_MS of the signal (SIGINT, which
# wine turns into the console's Ctrl-C event) with status 130 and its usual
# last lines (--json: the end object; --interval: the interval and total
# lines; stdout full: the NOTE that says so).
# Everything runs on the loopback of a namespace of its own.
source "$(dirname "$0")/lib.sh"
: "${HOLDPORT:?HOLDPORT must name the holdport test program}"
need_root_netns
WIN64=${1:?usage: interrupts_win64.sh WIN64_DIR}
[ -f "$WIN64/msend.exe" ] || { echo "FAIL: no $WIN64/msend.exe" >&2; exit 1; }

NS=mtiw$$
make_netns "$NS"
wine_in "$NS"
PORT=12000
# The Windows waits look at the flag every 100 ms; wine's own start of
# the console's handler and its exit take some more.
BOUND_MS=2000

# send_queue: the bytes queued in msend.exe's connection (its Send-Q), or
# nothing while it has none.
send_queue() {
    ip netns exec "$NS" ss -Htn state established "( dport = :$PORT )" | awk '{ print $2 }'
}

# ctrl_c NAME PID MASK_SED: SIGINT to PID; it must end with 130 within
# BOUND_MS, its output (CRLF dropped, masked by MASK_SED) the same as
# $WORK/NAME.want.
ctrl_c() {
    local name=$1 pid=$2 masking=$3
    expect_ctrl_c "$name" "$pid" msend.exe "$BOUND_MS"
    tr -d '\r' < "$WORK/$name.out" | sed -E "s/\b$PORT\b/PORT/g; $masking" > "$WORK/$name.got"
    expect_same "$name: output" "$WORK/$name.want" "$WORK/$name.got"
}

# stalled NAME ARGS...: msend.exe ARGS sending 200000 messages of 8000 bytes
# over TCP with a 4 KiB send buffer to a receiver that reads once, then
# sleeps: once the buffers on both sides are full (its Send-Q stays), the
# sender waits for room that does not come. SENDER: its pid.
stalled() {
    local name=$1 deadline queued
    shift
    spawn "$WORK/$name.rx" ip netns exec "$NS" "$MDUMP" -t -r 4096 -p 100000 0.0.0.0 "$PORT"
    RECEIVER=$SPAWNED
    wait_listening "$NS" tcp "$PORT" 10
    spawn "$WORK/$name.out" ip netns exec "$NS" wine "$WIN64/msend.exe" "$@" \
        -t -S 4096 -n 1 -b 200000 -m 8000 127.0.0.1 "$PORT"
    SENDER=$SPAWNED
    deadline=$((SECONDS + 20))
    while queued=$(send_queue); [ "${queued:-0}" -eq 0 ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "$name: nothing queued in msend.exe's connection after 20 s"
            break
        fi
        sleep 0.1
    done
    # Into its wait (or, where the call blocks, into send) for good.
    sleep 0.5
}

# done_receiving: the receiver of the last stalled run, ended.
done_receiving() {
    kill "$RECEIVER" 2> /dev/null
    wait "$RECEIVER" 2> /dev/null
    wait_unbound "$NS" tcp "$PORT" 10
}

# ---- A TCP send with no room: --json.
stalled send-json --json
printf '%s\n' '{"event": "start", "program": "msend", "version": "V", "equiv": "msend -b200000 -m8000 -n1 -p1000 -s0 -S4096 -t 127.0.0.1 PORT", "transport": "tcp", "destination": "127.0.0.1", "port": PORT, "messages": 200000, "loops": 1, "rate_msgs_per_s": null, "interval_s": null, "timestamp": false}' \
    '{"event": "end", "status": 130, "stopped": true, "tests": 1, "messages": N, "bytes": B, "seconds": S, "msgs_per_s": R, "bits_per_s": R, "unsent_messages": 0, "unsent_echoes": 0, "unsent_stats": 0, "refused": 0, "filtered": 0}' \
    > "$WORK/send-json.want"
# The counts: what the socket took before the stop (as much as its room
# held: the system's), the part of a message cut short among the bytes.
ctrl_c send-json "$SENDER" 's/"version": "[^"]*"/"version": "V"/; s/"seconds": [0-9]+\.[0-9]{6}/"seconds": S/;
    s/"messages": [0-9]+, "bytes": [0-9]+,/"messages": N, "bytes": B,/; s/_per_s": [0-9]+\.[0-9]{3}/_per_s": R/g'
done_receiving

# ---- The same with --interval: its lines (an interval longer than the
# run: none ends before the signal; the part under way is told when a
# message went whole before it, which the socket's room decides).
stalled send-interval --interval 60s
printf '%s\n' "Equiv cmd line: msend -b200000 -m8000 -n1 -p1000 -s0 -S4096 -t 127.0.0.1 PORT" \
    "Sending 1 bursts of 200000 8000-byte messages" \
    "Sending burst of 200000 msgs" \
    "total to 127.0.0.1:PORT: N msgs in T s, R msgs/s, M Mbit/s" > "$WORK/send-interval.want"
ctrl_c send-interval "$SENDER" '/^interval 0\.000-[0-9.]+ s to 127\.0\.0\.1:PORT: [0-9]+ msgs, /d;
    s/: [0-9]+ msgs in [0-9.]+ s, [0-9]+ msgs\/s, [0-9.]+ Mbit/: N msgs in T s, R msgs\/s, M Mbit/'
done_receiving

# ---- msend.exe's own lines into a pipe whose reader reads nothing
# ("Sending 9 bytes" for each of 20000 a second): Ctrl-C ends it while it
# waits for room there, the reader given 200 ms, and a NOTE says what
# became of the rest. (A WriteFile into a full pipe does not end on
# Ctrl-C: wine's CancelSynchronousIo finds nothing to cancel in one to a
# pipe of the Linux side, as here.)
spawn "$WORK/mstall.rx" ip netns exec "$NS" "$MDUMP" 0.0.0.0 "$PORT"
mstall_rx=$SPAWNED
wait_listening "$NS" udp "$PORT" 10
mkfifo "$WORK/mstall.fifo"
# shellcheck disable=SC2217 # the reader: it opens the pipe and never reads
sleep 60 < "$WORK/mstall.fifo" &
mstall_reader=$!
PIDS+=("$mstall_reader")
ip netns exec "$NS" env --default-signal=INT,TERM wine "$WIN64/msend.exe" \
    --interval 1s --rate 20k -u 127.0.0.1 "$PORT" > "$WORK/mstall.fifo" 2> "$WORK/mstall.err" &
mstall=$!
PIDS+=("$mstall")
# Sending (its first datagram received), then full: 20000 lines a second
# fill the pipe and the program's 512 KiB buffer within 2 s.
wait_for "$WORK/mstall.rx" '^[0-9:.]+ 127[.]0[.]0[.]1[.]' 20
sleep 3
expect_ctrl_c "msend.exe, stdout full" "$mstall" msend.exe "$BOUND_MS"
# wine's sockets send about 10k datagrams a second, and a line per message
# into a pipe costs more: msend.exe may fall behind 20k/s by more than
# RATE_CATCH_UP_US and say so once (the figures masked; the line exact).
moved='NOTE: msend fell S s (N messages) behind its schedule: it moved the schedule on by that much, without a burst to catch up'
tr -d '\r' < "$WORK/mstall.err" |
    sed -E "s/^NOTE: msend fell [0-9]+[.][0-9]{3} s [(][0-9]+ messages[)] behind (its schedule: it moved the schedule on by that much, without a burst to catch up)\$/NOTE: msend fell S s (N messages) behind \\1/" \
    > "$WORK/mstall.err.got"
{
    ! grep -qF "$moved" "$WORK/mstall.err.got" || echo "$moved"
    echo "NOTE: stdout's reader took nothing for 200 ms after the interrupt: what was left to show there was not written"
} > "$WORK/mstall.err.want"
expect_same "msend.exe, stdout full: stderr" "$WORK/mstall.err.want" "$WORK/mstall.err.got"
kill "$mstall_rx" "$mstall_reader" 2> /dev/null
wait "$mstall_rx" "$mstall_reader" 2> /dev/null

# ---- A TCP connect with no answer: a listener that never accepts, its
# backlog (1) full with two connections, drops further SYNs.
spawn "$WORK/holder.out" ip netns exec "$NS" "$HOLDPORT" tcp 127.0.0.1 "$PORT" plain 60
holder=$SPAWNED
wait_for "$WORK/holder.out" '^bound$' 10
ip netns exec "$NS" bash -c "exec 3<> /dev/tcp/127.0.0.1/$PORT 4<> /dev/tcp/127.0.0.1/$PORT; sleep 60" &
held=$!
PIDS+=("$held")
sleep 0.5
spawn "$WORK/connect.out" ip netns exec "$NS" wine "$WIN64/msend.exe" --json -t -n 1 -b 1 127.0.0.1 "$PORT"
sender=$SPAWNED
wait_for "$WORK/connect.out" '"event": "start"' 20
sleep 1 # into the wait for the connect's outcome
printf '%s\n' '{"event": "start", "program": "msend", "version": "V", "equiv": "msend -b1 -m0 -n1 -p1000 -s0 -S65536 -t 127.0.0.1 PORT", "transport": "tcp", "destination": "127.0.0.1", "port": PORT, "messages": 1, "loops": 1, "rate_msgs_per_s": null, "interval_s": null, "timestamp": false}' \
    '{"event": "end", "status": 130, "stopped": true, "tests": 0, "messages": 0, "bytes": 0, "seconds": 0.000000, "msgs_per_s": 0.000, "bits_per_s": 0.000, "unsent_messages": 0, "unsent_echoes": 0, "unsent_stats": 0, "refused": 0, "filtered": 0}' \
    > "$WORK/connect.want"
ctrl_c connect "$sender" 's/"version": "[^"]*"/"version": "V"/'
kill "$held" "$holder" 2> /dev/null
wait "$held" "$holder" 2> /dev/null

finish
