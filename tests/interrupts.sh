#!/usr/bin/env bash
# interrupts.sh - Ctrl-C (SIGINT), SIGTERM and SIGHUP at the worst moment: just
# before a program blocks, after it looked at its "interrupted" flag and
# before its wait began. The signal shim ($SIGNAL_SHIM, tests/signal_shim.c)
# raises the signal on the program itself right before its first call
# about to block (after a marker: so many sends or receives done). A
# program whose waits only look at the flag sleeps through it: until a
# datagram, a timeout, or for good. Each must end at once (within the
# bound here) with the signal's status (130, 143) and its usual last lines,
# and the shim must report that the call it signalled ended early (a sleep
# or poll that ran its whole time missed the signal, even where a slice of
# 100 ms bounded the harm). Waits covered: mdump's sleep in recvmmsg and
# its poll (--idle-timeout), its wait for a TCP connection; mpong's
# reflector and initiator (a cycle's wait, the interval's); msend's pause
# between bursts, its --rate wait, a TCP send that has no room, a TCP
# connect that gets no answer. Linux (LD_PRELOAD).
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
: "${MPONG:?MPONG must name the mpong program}"
: "${SIGNAL_SHIM:?SIGNAL_SHIM must name the signal_shim library}"
: "${HOLDPORT:?HOLDPORT must name the holdport test program}"
: "${SENDRAW:?SENDRAW must name the sendraw test program}"
[ "$(uname -s)" = Linux ] || skip "the signal shim is an LD_PRELOAD library (Linux)"
# A sanitized build's runtime comes after the preloaded shim.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
PORT=$(free_port)
BOUND=3 # seconds: a program that slept through the signal is still there

# shimmed NAME SIGNAL MARKER PROGRAM ARGS...: PROGRAM under the shim, in the
# background (SHIMMED its pid); MARKER: sends:N or receives:N (the signal
# comes before the first call about to block after that many), or -; with
# "+room" after it, only before a call that waits for room to send.
shimmed() {
    local name=$1 sig=$2 marker=$3 sends=0 receives=0 on=any
    shift 3
    case $marker in *+room) on=room marker=${marker%+room} ;; esac
    case $marker in
    sends:*) sends=${marker#sends:} ;;
    receives:*) receives=${marker#receives:} ;;
    esac
    rm -f "$WORK/$name.report"
    spawn "$WORK/$name.out" env LD_PRELOAD="$SIGNAL_SHIM" MTOOLS_SIGNAL="$sig" \
        MTOOLS_SIGNAL_AFTER_SENDS="$sends" MTOOLS_SIGNAL_AFTER_RECEIVES="$receives" \
        MTOOLS_SIGNAL_ON="$on" MTOOLS_SIGNAL_REPORT="$WORK/$name.report" "$@"
    SHIMMED=$SPAWNED
}

# ended NAME WANT_STATUS MASK_SED: waits (BOUND) for the shimmed program,
# checks its status, its output (masked by MASK_SED) against $WORK/NAME.want
# and the shim's report: the signalled call ended before its time (or, with
# no time limit, returned at all).
ended() {
    local name=$1 want=$2 masking=$3 call took
    wait_exit "$SHIMMED" "$BOUND"
    expect_status "$name" "$want" "$STATUS"
    drop_behind_note "$WORK/$name.out"
    sed -E "s/\b$PORT\b/PORT/g; s/\b$((PORT + 1))\b/PORT1/g; $masking" "$WORK/$name.out" \
        > "$WORK/$name.got"
    expect_same "$name: output" "$WORK/$name.want" "$WORK/$name.got"
    sed -E 's/ before [a-z_]+ \([^)]*\)$/ before CALL/; s/ \[[0-9]+ ms\]$//' \
        "$WORK/$name.report" > "$WORK/$name.said" 2> /dev/null
    call=$(sed -nE '1s/^SIG[A-Z]+ before ([a-z_]+) .*/\1: /p' "$WORK/$name.report" 2> /dev/null)
    took=$(sed -nE 's/.*\[([0-9]+ ms)\]$/\1/p' "$WORK/$name.report" 2> /dev/null)
    [ -s "$WORK/$name.report" ] || took="no signal raised"
    expect_same "$name: the signalled call ($call${took:-it never returned})" \
        "$WORK/$name.report.want" "$WORK/$name.said"
}

# said SIGNAL OUTCOME NAME: the shim's report to expect, the call masked.
said() { printf 'SIG%s before CALL\nit %s\n' "$1" "$2" > "$WORK/$3.report.want"; }

# ---- mdump

# One socket, no time limit: it sleeps inside recvmmsg (MSG_WAITFORONE),
# which no poll precedes. A datagram first, then the signal as it goes
# back to sleep: the datagram is written out, then mdump ends.
shimmed recvmmsg INT receives:1 "$MDUMP" -Q1 --summary 0.0.0.0 "$PORT"
wait_listening "" udp "$PORT" 10
wait_for "$WORK/recvmmsg.out" '^Equiv' 10
"$SENDRAW" udp 127.0.0.1 "$PORT" text:hello
printf '%s\n' "Equiv cmd line: mdump -p0 -Q1 -r4194304 0.0.0.0 PORT" \
    "TS 127.0.0.1.SPORT 5 bytes" \
    "mdump: 1 datagrams, 5 bytes, 1 messages, T s from first to last message: R messages/s, M Mbit/s" \
    "mdump: 0.0.0.0 from 127.0.0.1.SPORT: 1 msgs in T s, R msgs/s, M Mbit/s, no sequence numbers" \
    > "$WORK/recvmmsg.want"
said INT returned recvmmsg
ended recvmmsg 130 's/^[0-9:.]{15} /TS /; s/127\.0\.0\.1\.[0-9]+/127.0.0.1.SPORT/;
    s/[0-9.]+ s from first to last message: [0-9.]+ messages\/s, [0-9]+\.[0-9]{3} Mbit/T s from first to last message: R messages\/s, M Mbit/;
    s/in [0-9.]+ s, [0-9.]+ msgs\/s, [0-9.]+ Mbit/in T s, R msgs\/s, M Mbit/'

# A time limit: it waits in poll. SIGTERM.
shimmed idle TERM - "$MDUMP" --json --idle-timeout 30s 0.0.0.0 "$PORT"
printf '%s\n' '{"event": "start", "program": "mdump", "version": "V", "equiv": "mdump -p0 -Q2 -r4194304 0.0.0.0 PORT", "transport": "udp", "groups": ["0.0.0.0"], "port": PORT, "interface": null, "interval_s": null}' \
    '{"event": "end", "status": 143, "reason": "interrupted", "datagrams": 0, "bytes": 0, "messages": 0, "lost": 0, "untracked": 0, "groups": [{"group": "0.0.0.0", "streams": 0, "messages": 0, "lost": 0, "duplicates": 0, "reordered": 0}]}' \
    > "$WORK/idle.want"
said TERM "ended before its time" idle
ended idle 143 's/"version": "[^"]*"/"version": "V"/'

# TCP: the wait for a connection.
shimmed accept INT - "$MDUMP" -t 0.0.0.0 "$PORT"
echo "Equiv cmd line: mdump -p0 -Q0 -r4194304 -t 0.0.0.0 PORT" > "$WORK/accept.want"
said INT returned accept
ended accept 130 ''

# stdout a pipe whose reader reads nothing: the dump of one datagram of
# 60000 bytes (about 270 KB of text) fills it, and the wait for room there
# must end on the signal (it was a write blocked inside the C library, for
# as long as the reader lived). The -o file still gets all of it (what an
# mdump whose stdout is a file prints), and a NOTE says stdout did not.
spawn "$WORK/stall-ref.out" "$MDUMP" --idle-timeout 1s 0.0.0.0 "$PORT"
ref=$SPAWNED
wait_listening "" udp "$PORT" 10
"$SENDRAW" udp 127.0.0.1 "$PORT" fill:60000:A
wait_exit "$ref" 10
expect_status "stall: the reference mdump (idle timeout)" 3 "$STATUS"
# stalled_dump NAME STDOUT OFILE: that dump by mdump -o OFILE > STDOUT,
# one of them $WORK/NAME.fifo (made here; its reader never reads), Ctrl-C
# raised before the first wait for room; its status in STATUS.
stalled_dump() {
    local name=$1 out=$2 file=$3
    mkfifo "$WORK/$name.fifo"
    # shellcheck disable=SC2217 # the reader: it opens the pipe and never reads
    sleep 60 < "$WORK/$name.fifo" &
    PIDS+=("$!")
    rm -f "$WORK/$name.report"
    env --default-signal=INT,TERM LD_PRELOAD="$SIGNAL_SHIM" MTOOLS_SIGNAL=INT \
        MTOOLS_SIGNAL_AFTER_RECEIVES=1 MTOOLS_SIGNAL_ON=room MTOOLS_SIGNAL_REPORT="$WORK/$name.report" \
        "$MDUMP" -o "$file" 0.0.0.0 "$PORT" > "$out" 2> "$WORK/$name.err" &
    SHIMMED=$!
    PIDS+=("$SHIMMED")
    wait_listening "" udp "$PORT" 10
    "$SENDRAW" udp 127.0.0.1 "$PORT" fill:60000:A
    wait_exit "$SHIMMED" "$BOUND"
}
# signalled_call NAME WHAT: the shim raised the signal before a call that
# returned early.
signalled_call() {
    said INT returned "$1"
    sed -E 's/ before [a-z_]+ \([^)]*\)$/ before CALL/; s/ \[[0-9]+ ms\]$//' "$WORK/$1.report" \
        > "$WORK/$1.said" 2> /dev/null
    expect_same "$2" "$WORK/$1.report.want" "$WORK/$1.said"
}
stalled_dump stall "$WORK/stall.fifo" "$WORK/stall.file"
expect_status "stall: mdump, its stdout full" 130 "$STATUS"
stall_mask='s/^[0-9:.]{15} /TS /; s/127\.0\.0\.1\.[0-9]+ /127.0.0.1.SPORT /; s/-o [^ ]+ //'
grep -v '^TIMEOUT: ' "$WORK/stall-ref.out" | sed -E "s/\b$PORT\b/PORT/g; s/ --idle-timeout 1s//; $stall_mask" > "$WORK/stall.want"
sed -E "s/\b$PORT\b/PORT/g; $stall_mask" "$WORK/stall.file" > "$WORK/stall.got"
expect_same "stall: the -o file holds the whole dump" "$WORK/stall.want" "$WORK/stall.got"
echo "NOTE: stdout's reader took nothing for 200 ms after the interrupt: what was left to show there is in the -o file only" \
    > "$WORK/stall.err.want"
expect_same "stall: stderr" "$WORK/stall.err.want" "$WORK/stall.err"
signalled_call stall "stall: the signalled call (the wait for room in stdout)"
grep -q 'before ppoll (no time limit)' "$WORK/stall.report"
expect_status "stall: the call signalled was a wait for room without a time limit" 0 $?

# The same with the -o file a FIFO whose reader reads nothing (-o
# >(gzip > x.gz) and a gzip that stopped): it was written by the C
# library, a write that the first signal only cut short and the second
# turned into "ERROR: write ...: Interrupted system call", status 1.
# stdout, a file, gets all of it, and the NOTE says the -o file did not.
stalled_dump ostall "$WORK/ostall.out" "$WORK/ostall.fifo"
expect_status "stall: mdump, its -o FIFO full" 130 "$STATUS"
sed -E "s/\b$PORT\b/PORT/g; $stall_mask" "$WORK/ostall.out" > "$WORK/ostall.got"
expect_same "stall: stdout holds the whole dump" "$WORK/stall.want" "$WORK/ostall.got"
echo "NOTE: the reader of $WORK/ostall.fifo took nothing for 200 ms after the interrupt: what was left to write there is on stdout only" \
    > "$WORK/ostall.err.want"
expect_same "stall, -o FIFO: stderr" "$WORK/ostall.err.want" "$WORK/ostall.err"
signalled_call ostall "stall, -o FIFO: the signalled call (the wait for room in it)"

# stdout a terminal that takes nothing (Ctrl-S, a pty nobody reads): the
# write blocked in the terminal took part of the dump when SIGTERM came,
# and the next write blocked again with no signal to come; mdump ran on
# until a second one. The pty's reader here never reads.
python3 - "$MDUMP" "$PORT" "$SENDRAW" "$WORK/tty" << 'END'
import os, pty, signal, subprocess, sys, time
mdump, port, sendraw, base = sys.argv[1:5]
master, slave = pty.openpty()
err = open(base + ".err", "wb")
p = subprocess.Popen([mdump, "0.0.0.0", port], stdin=subprocess.DEVNULL, stdout=slave,
                     stderr=err, restore_signals=True)
os.close(slave)
time.sleep(0.5)
subprocess.run([sendraw, "udp", "127.0.0.1", port, "fill:60000:A"], check=True)
time.sleep(0.5)
# The dump is far more than a pty holds: mdump is blocked writing it.
print("wchan:", open("/proc/%d/wchan" % p.pid).read(), file=open(base + ".wchan", "w"))
p.send_signal(signal.SIGTERM)
t0 = time.monotonic()
try:
    status = p.wait(timeout=3)
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    status = "still running 3 s after SIGTERM"
open(base + ".status", "w").write("%s %s\n" % (status, "in time" if time.monotonic() - t0 < 2 else "late"))
os.close(master)
END
echo "143 in time" > "$WORK/tty.status.want"
expect_same "stall, a terminal that takes nothing: mdump ends on the first SIGTERM, 143" \
    "$WORK/tty.status.want" "$WORK/tty.status"
echo "NOTE: stdout's reader took nothing for 200 ms after the interrupt: what was left to show there was not written" \
    > "$WORK/tty.err.want"
expect_same "stall, a terminal that takes nothing: stderr" "$WORK/tty.err.want" "$WORK/tty.err"

# ---- mpong

# The reflector: with nothing to reflect it waits without a time limit
# (a signal it slept through left it there for days). SIGTERM.
shimmed reflector TERM - "$MPONG" --announce -u 127.0.0.1 "$PORT"
printf '%s\n' "Reflecting datagrams to 127.0.0.1:PORT1 back to each sender" \
    "0 datagrams reflected" > "$WORK/reflector.want"
said TERM "ended before its time" reflector
ended reflector 143 ''
# The same with --json: the object's status is the exit status, as the
# initiator's, beside why it ended.
shimmed reflector-json TERM - "$MPONG" --json -u 127.0.0.1 "$PORT"
echo '{"role": "reflector", "transport": "udp", "address": "127.0.0.1", "port": PORT, "status": 143, "reflected": 0, "not_reflected": 0, "ended": "interrupted"}' \
    > "$WORK/reflector-json.want"
said TERM "ended before its time" reflector-json
ended reflector-json 143 ''

# The initiator, nobody answering: a cycle's wait (20 s).
shimmed cycle INT - "$MPONG" -i -u --timeout 20s 127.0.0.1 "$PORT"
printf '%s\n' "no RTT samples" "0 sent, 0 received, 0 lost, 0 late" > "$WORK/cycle.want"
said INT "ended before its time" cycle
ended cycle 130 ''

# The same, SIGTERM, with --json: the object says the run was stopped,
# with its status and the cycles asked for.
shimmed cycle-json TERM - "$MPONG" -i -u --json -s 50 --timeout 20s 127.0.0.1 "$PORT"
echo '{"role": "initiator", "transport": "udp", "address": "127.0.0.1", "port": PORT, "status": 143, "stopped": true, "cycles": 50, "warmup": 20, "timeout_ms": 20000, "interval_ms": 0, "sent": 0, "received": 0, "lost": 0, "late": 0, "not_sent": 0, "duplicates": 0, "strays": 0, "rtt_us": null, "percentiles_of": 0}' \
    > "$WORK/cycle-json.want"
said TERM "ended before its time" cycle-json
ended cycle-json 143 ''

# The initiator with a reflector: after the first reply, the wait for the
# next cycle (--interval 20s).
spawn "$WORK/partner.out" "$MPONG" -u 127.0.0.1 "$PORT"
partner=$SPAWNED
wait_listening "" udp $((PORT + 1)) 10
shimmed interval INT receives:1 "$MPONG" -i -u -v --warmup 0 -s 3 --interval 20s 127.0.0.1 "$PORT"
printf '%s\n' "timestamp RTT (in microseconds):" "T RTT" \
    "avg RTT X us, std dev X, min RTT X us, max RTT X us" \
    "RTT percentiles: p50 X us, p90 X us, p99 X us, p99.9 X us, max X us" \
    "1 sent, 1 received, 0 lost, 0 late" > "$WORK/interval.want"
said INT "ended before its time" interval
ended interval 130 's/^[0-9.]+ [0-9]+$/T RTT/; s/(RTT|dev|p50|p90|p99|p99\.9|max) [0-9.]+/\1 X/g'
# The same with --json: 1 of the 3 cycles asked for, stopped (130).
shimmed interval-json INT receives:1 "$MPONG" -i -u --json --warmup 0 -s 3 --interval 20s 127.0.0.1 "$PORT"
echo '{"role": "initiator", "transport": "udp", "address": "127.0.0.1", "port": PORT, "status": 130, "stopped": true, "cycles": 3, "warmup": 0, "timeout_ms": 1000, "interval_ms": 20000, "sent": 1, "received": 1, "lost": 0, "late": 0, "not_sent": 0, "duplicates": 0, "strays": 0, "rtt_us": X, "percentiles_of": 1}' \
    > "$WORK/interval-json.want"
said INT "ended before its time" interval-json
ended interval-json 130 's/"rtt_us": \{[^}]*\}/"rtt_us": X/'
kill "$partner" 2> /dev/null
wait "$partner" 2> /dev/null

# ---- msend (its interrupts are caught with --json, --interval or --summary)

# A figure that must not be 0: the time of the messages sent before the
# stop, and rates when some went.
NZ='([0-9]*[1-9][0-9]*\.[0-9]+|[0-9]+\.[0-9]*[1-9][0-9]*)'

spawn "$WORK/rx.out" "$MDUMP" -q 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10

# The pause between bursts: the signal after the echo and the first burst.
# One message: no time from the first to the last, no rate.
shimmed pause INT sends:2 "$MSEND" --json -n 3 -b 1 -p 2000 -u 127.0.0.1 "$PORT"
printf '%s\n' '{"event": "start", "program": "msend", "version": "V", "equiv": "msend -b1 -m0 -n3 -p2000 -s0 -S65536 -u 127.0.0.1 PORT", "transport": "udp", "destination": "127.0.0.1", "port": PORT, "messages": 3, "loops": 1, "rate_msgs_per_s": null, "interval_s": null, "timestamp": false}' \
    '{"event": "end", "status": 130, "stopped": true, "tests": 1, "messages": 1, "bytes": 9, "seconds": 0.000000, "msgs_per_s": 0.000, "bits_per_s": 0.000, "unsent_messages": 0, "unsent_echoes": 0, "unsent_stats": 0, "refused": 0, "filtered": 0}' \
    > "$WORK/pause.want"
said INT "ended before its time" pause
ended pause 130 's/"version": "[^"]*"/"version": "V"/'

# --rate: the wait for the next message's time, after the second message
# (due 0.5 s after the first): the totals cover those 0.5 s.
shimmed rate INT sends:3 "$MSEND" --interval 1s --rate 2 -u 127.0.0.1 "$PORT"
printf '%s\n' "Equiv cmd line: msend -b1 -m0 -n0 -p1000 -s0 -S65536 -u 127.0.0.1 PORT" \
    "Sending 9 bytes" "Sending 9 bytes" \
    "interval A-B s to 127.0.0.1:PORT: 2 msgs, R msgs/s, 0.000 Mbit/s" \
    "total to 127.0.0.1:PORT: 2 msgs in T s, R msgs/s, 0.000 Mbit/s" > "$WORK/rate.want"
said INT "ended before its time" rate
ended rate 130 's/^interval [0-9.]+-[0-9.]+ s/interval A-B s/; s/in 0\.[5-9][0-9]{2} s,/in T s,/;
    s/ [1-9][0-9]* msgs\/s,/ R msgs\/s,/'
kill "$rx" 2> /dev/null
wait "$rx" 2> /dev/null

# TCP, a receiver that stopped reading (mdump -p: 100 s after each read,
# small buffers on both sides): after the echo, the first wait for room to
# send (the first burst's 512 KB do not fit). The counts are what the
# socket took before the signal (as much as its room held: the
# kernel's), the part of a message cut short among the bytes.
spawn "$WORK/slow.out" "$MDUMP" -t -r 4096 -p 100000 0.0.0.0 "$PORT"
slow=$SPAWNED
wait_listening "" tcp "$PORT" 10
shimmed send INT sends:1+room "$MSEND" --json -t -S 4096 -n 1 -b 200000 -m 8000 127.0.0.1 "$PORT"
printf '%s\n' '{"event": "start", "program": "msend", "version": "V", "equiv": "msend -b200000 -m8000 -n1 -p1000 -s0 -S4096 -t 127.0.0.1 PORT", "transport": "tcp", "destination": "127.0.0.1", "port": PORT, "messages": 200000, "loops": 1, "rate_msgs_per_s": null, "interval_s": null, "timestamp": false}' \
    '{"event": "end", "status": 130, "stopped": true, "tests": 1, "messages": N, "bytes": B, "seconds": S, "msgs_per_s": R, "bits_per_s": R, "unsent_messages": 0, "unsent_echoes": 0, "unsent_stats": 0, "refused": 0, "filtered": 0}' \
    > "$WORK/send.want"
said INT returned send
ended send 130 's/"version": "[^"]*"/"version": "V"/; s/"seconds": [0-9]+\.[0-9]{6}/"seconds": S/;
    s/"messages": [0-9]+, "bytes": [0-9]+,/"messages": N, "bytes": B,/; s/_per_s": [0-9]+\.[0-9]{3}/_per_s": R/g'
kill "$slow" 2> /dev/null
wait "$slow" 2> /dev/null

# The same stalled send with --interval: each interval is told when it
# ends, 0 messages while none went whole (they came all at once when room
# came, or never); then Ctrl-C, and the total.
spawn "$WORK/slow.out" "$MDUMP" -t -r 4096 -p 100000 0.0.0.0 "$PORT"
slow=$SPAWNED
wait_listening "" tcp "$PORT" 10
spawn "$WORK/stallint.out" "$MSEND" --interval 300ms -t -S 4096 -n 1 -b 200000 -m 8000 127.0.0.1 "$PORT"
stallint=$SPAWNED
wait_lines "$WORK/stallint.out" '^interval ' 3 5
expect_ctrl_c "stalled send, --interval" "$stallint" "msend" 1000
printf '%s\n' "Equiv cmd line: msend -b200000 -m8000 -n1 -p1000 -s0 -S4096 -t 127.0.0.1 PORT" \
    "Sending 1 bursts of 200000 8000-byte messages" "Sending burst of 200000 msgs" \
    "interval 0.000-0.300 s to 127.0.0.1:PORT: 0 msgs, 0 msgs/s, 0.000 Mbit/s" \
    "interval 0.300-0.600 s to 127.0.0.1:PORT: 0 msgs, 0 msgs/s, 0.000 Mbit/s" \
    "interval 0.600-0.900 s to 127.0.0.1:PORT: 0 msgs, 0 msgs/s, 0.000 Mbit/s" > "$WORK/stallint.want"
sed -E "s/\b$PORT\b/PORT/g" "$WORK/stallint.out" | head -6 > "$WORK/stallint.got"
expect_same "stalled send, --interval: the intervals told while it waited" "$WORK/stallint.want" "$WORK/stallint.got"
# The total: the messages that went whole before the stop (those of the
# write cut short too), however many the socket's room took.
tail -1 "$WORK/stallint.out" |
    sed -E "s/\b$PORT\b/PORT/g; s/: [0-9]+ msgs in [0-9.]+ s, [0-9]+ msgs\/s, [0-9.]+ Mbit/: N msgs in T s, R msgs\/s, M Mbit/" \
    > "$WORK/stallint.last"
echo "total to 127.0.0.1:PORT: N msgs in T s, R msgs/s, M Mbit/s" > "$WORK/stallint.lastwant"
expect_same "stalled send, --interval: the total" "$WORK/stallint.lastwant" "$WORK/stallint.last"
kill "$slow" 2> /dev/null
wait "$slow" 2> /dev/null

# TCP, the receiver stopped (SIGSTOP) while msend sends 60000-byte
# messages four to a write: Ctrl-C comes while a write waits for room,
# part of it taken. --summary and --json's end tell the same messages and
# bytes: the bytes the socket took (--summary counted the whole write,
# --json none of it). Let go on, the receiver reads exactly those bytes
# and the echo's.
spawn "$WORK/cutrx.out" "$MDUMP" -q -t --summary 0.0.0.0 "$PORT"
cutrx=$SPAWNED
wait_listening "" tcp "$PORT" 10
kill -STOP "$cutrx"
spawn "$WORK/cut.out" "$MSEND" --summary --json -n 50000 -b 10 -p 0 -m 60000 -qq -t 127.0.0.1 "$PORT"
cut=$SPAWNED
# send_queue: msend's bytes queued on its connection (ss's Send-Q).
send_queue() { ss -Htn state established "dport = :$PORT" 2> /dev/null | awk '{ print $2; exit }'; }
queued=0 deadline=$((SECONDS + 10))
while now=$(send_queue); [ "${now:-0}" = 0 ] || [ "$now" != "$queued" ]; do
    [ "$SECONDS" -ge "$deadline" ] && break
    queued=${now:-0}
    sleep 0.3
done
expect_ctrl_c "cut-short write" "$cut" "msend" 1000
summary=$(sed -nE 's/^msend: ([0-9]+) messages, ([0-9]+) bytes in .*/\1 \2/p' "$WORK/cut.out")
json=$(sed -nE 's/^\{"event": "end", .*"messages": ([0-9]+), "bytes": ([0-9]+),.*/\1 \2/p' "$WORK/cut.out")
expect_same_text() { printf '%s\n' "$2" > "$WORK/same.want"; printf '%s\n' "$3" > "$WORK/same.got"; expect_same "$1" "$WORK/same.want" "$WORK/same.got"; }
expect_same_text "cut-short write: --summary's messages and bytes are --json's" "$json" "$summary"
kill -CONT "$cutrx"
wait_exit "$cutrx" 10
expect_status "cut-short write: the receiver, let go on (EOF)" 0 "$STATUS"
equiv=$(sed -nE 's/^\{"event": "start", .*"equiv": "([^"]*)".*/\1/p' "$WORK/cut.out")
echo_bytes=$((${#equiv} + 24)) # "echo sender equiv cmd: ", the Equiv line, its NUL
received=$(sed -nE 's/^mdump: [0-9]+ reads, ([0-9]+) bytes, .*/\1/p' "$WORK/cutrx.out")
expect_same_text "cut-short write: the receiver read the bytes msend told and the echo's" \
    "$((${json#* } + echo_bytes))" "$received"

# msend's own lines into a pipe whose reader reads nothing ("Sending 9
# bytes" for each of 20000 a second fill it within a second): Ctrl-C ends
# it while it waits for room there.
spawn "$WORK/mstall.rx" "$MDUMP" -q 0.0.0.0 "$PORT"
mstall_rx=$SPAWNED
wait_listening "" udp "$PORT" 10
mkfifo "$WORK/mstall.fifo"
# shellcheck disable=SC2217 # the reader: it opens the pipe and never reads
sleep 60 < "$WORK/mstall.fifo" &
PIDS+=("$!")
env --default-signal=INT,TERM "$MSEND" --interval 1s --rate 20k -u 127.0.0.1 "$PORT" \
    > "$WORK/mstall.fifo" 2> "$WORK/mstall.err" &
mstall=$!
PIDS+=("$mstall")
sleep 2
expect_ctrl_c "msend, stdout full" "$mstall" "msend" 1000
drop_behind_note "$WORK/mstall.err"
echo "NOTE: stdout's reader took nothing for 200 ms after the interrupt: what was left to show there was not written" \
    > "$WORK/mstall.err.want"
expect_same "msend, stdout full: stderr" "$WORK/mstall.err.want" "$WORK/mstall.err"
kill "$mstall_rx" 2> /dev/null
wait "$mstall_rx" 2> /dev/null

# TCP, no answer to the connect: a listener that never accepts, its
# backlog (1) full with two connections, drops further SYNs.
spawn "$WORK/holder.out" "$HOLDPORT" tcp 127.0.0.1 "$PORT" plain 20
holder=$SPAWNED
wait_for "$WORK/holder.out" '^bound$' 10
exec 3<> "/dev/tcp/127.0.0.1/$PORT" 4<> "/dev/tcp/127.0.0.1/$PORT"
shimmed connect INT - "$MSEND" --json -t -n 1 -b 1 127.0.0.1 "$PORT"
printf '%s\n' '{"event": "start", "program": "msend", "version": "V", "equiv": "msend -b1 -m0 -n1 -p1000 -s0 -S65536 -t 127.0.0.1 PORT", "transport": "tcp", "destination": "127.0.0.1", "port": PORT, "messages": 1, "loops": 1, "rate_msgs_per_s": null, "interval_s": null, "timestamp": false}' \
    '{"event": "end", "status": 130, "stopped": true, "tests": 0, "messages": 0, "bytes": 0, "seconds": 0.000000, "msgs_per_s": 0.000, "bits_per_s": 0.000, "unsent_messages": 0, "unsent_echoes": 0, "unsent_stats": 0, "refused": 0, "filtered": 0}' \
    > "$WORK/connect.want"
said INT returned connect
ended connect 130 's/"version": "[^"]*"/"version": "V"/'
exec 3>&- 4>&-
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null

# ---- each program's end on SIGINT, SIGTERM and SIGHUP: what it writes
# when a run ends (msend's --summary line, also without --json or
# --interval; the JSON end objects; mdump's --summary; mpong's results),
# then 128 + the signal's number: SIGHUP (129) ends a run as SIGTERM does.
spawn "$WORK/endrx.out" "$MDUMP" -q 0.0.0.0 "$PORT"
endrx=$SPAWNED
wait_listening "" udp "$PORT" 10
json_mask='s/"version": "[^"]*"/"version": "V"/; s/"seconds": '"$NZ"'/"seconds": S/;
    s/"msgs_per_s": '"$NZ"'/"msgs_per_s": R/; s/"bits_per_s": '"$NZ"'/"bits_per_s": B/'
for sig in INT TERM HUP; do
    case $sig in INT) status=130 ;; TERM) status=143 ;; *) status=129 ;; esac
    # msend --summary alone: the signal after the echo and two messages,
    # in the pause before the third (1 s: a machine busy elsewhere does
    # not make msend fall behind and send the third at once; the bound
    # counts the 2 s before the signal).
    shimmed "summary-$sig" "$sig" sends:3 "$MSEND" --summary -qq -p 1000 -u 127.0.0.1 "$PORT"
    echo "msend: 2 messages, 18 bytes in S s: R messages/s, M Mbit/s" > "$WORK/summary-$sig.want"
    said "$sig" "ended before its time" "summary-$sig"
    BOUND=8 ended "summary-$sig" "$status" 's/in '"$NZ"' s: [1-9][0-9]* messages\/s, [0-9]+\.[0-9] Mbit/in S s: R messages\/s, M Mbit/'
    # msend --json, likewise.
    shimmed "json-$sig" "$sig" sends:3 "$MSEND" --json -u 127.0.0.1 "$PORT"
    printf '%s\n' '{"event": "start", "program": "msend", "version": "V", "equiv": "msend -b1 -m0 -n0 -p1000 -s0 -S65536 -u 127.0.0.1 PORT", "transport": "udp", "destination": "127.0.0.1", "port": PORT, "messages": null, "loops": 1, "rate_msgs_per_s": null, "interval_s": null, "timestamp": false}' \
        '{"event": "end", "status": '"$status"', "stopped": true, "tests": 1, "messages": 2, "bytes": 18, "seconds": S, "msgs_per_s": R, "bits_per_s": B, "unsent_messages": 0, "unsent_echoes": 0, "unsent_stats": 0, "refused": 0, "filtered": 0}' \
        > "$WORK/json-$sig.want"
    said "$sig" "ended before its time" "json-$sig"
    BOUND=8 ended "json-$sig" "$status" "$json_mask"
    # mdump --json --summary: one datagram, then the signal.
    shimmed "mdump-$sig" "$sig" receives:1 "$MDUMP" --json --summary 0.0.0.0 "$((PORT + 1))"
    wait_listening "" udp "$((PORT + 1))" 10
    "$SENDRAW" udp 127.0.0.1 "$((PORT + 1))" text:hello
    printf '%s\n' '{"event": "start", "program": "mdump", "version": "V", "equiv": "mdump -p0 -Q2 -r4194304 0.0.0.0 PORT1", "transport": "udp", "groups": ["0.0.0.0"], "port": PORT1, "interface": null, "interval_s": null}' \
        '{"event": "stream", "group": "0.0.0.0", "source": "127.0.0.1", "source_port": SPORT, "messages": 1, "bytes": 5, "seconds": 0.000000, "msgs_per_s": 0.000, "bits_per_s": 0.000, "lost": null, "duplicates": null, "reordered": null, "stray": null, "restarts": null, "highest": null, "unnumbered": 1, "jitter_us": null, "delay_min_us": null, "delay_avg_us": null, "delay_max_us": null, "clocks_disagree": null}' \
        '{"event": "end", "status": '"$status"', "reason": "interrupted", "datagrams": 1, "bytes": 5, "messages": 1, "lost": 0, "untracked": 0, "groups": [{"group": "0.0.0.0", "streams": 1, "messages": 1, "lost": 0, "duplicates": 0, "reordered": 0}]}' \
        "mdump: 1 datagrams, 5 bytes, 1 messages, 0.000000 s from first to last message: 0 messages/s, 0.000 Mbit/s" \
        "mdump: 0.0.0.0 from 127.0.0.1.SPORT: 1 msgs in 0.000 s, 0 msgs/s, 0.000 Mbit/s, no sequence numbers" \
        > "$WORK/mdump-$sig.want"
    said "$sig" returned "mdump-$sig"
    ended "mdump-$sig" "$status" 's/"version": "[^"]*"/"version": "V"/; s/"source_port": [0-9]+/"source_port": SPORT/;
        s/127\.0\.0\.1\.[0-9]+/127.0.0.1.SPORT/'
    # mpong: the initiator's --json object, nobody answering; the
    # reflector's --announce line.
    shimmed "initiator-$sig" "$sig" - "$MPONG" -i -u --json -s 50 --timeout 20s 127.0.0.1 "$((PORT + 1))"
    echo '{"role": "initiator", "transport": "udp", "address": "127.0.0.1", "port": PORT1, "status": '"$status"', "stopped": true, "cycles": 50, "warmup": 20, "timeout_ms": 20000, "interval_ms": 0, "sent": 0, "received": 0, "lost": 0, "late": 0, "not_sent": 0, "duplicates": 0, "strays": 0, "rtt_us": null, "percentiles_of": 0}' \
        > "$WORK/initiator-$sig.want"
    said "$sig" "ended before its time" "initiator-$sig"
    ended "initiator-$sig" "$status" ''
    shimmed "reflector-$sig" "$sig" - "$MPONG" --announce -u 127.0.0.1 "$((PORT + 2))"
    printf '%s\n' "Reflecting datagrams to 127.0.0.1:PORT3 back to each sender" \
        "0 datagrams reflected" > "$WORK/reflector-$sig.want"
    said "$sig" "ended before its time" "reflector-$sig"
    ended "reflector-$sig" "$status" "s/\\b$((PORT + 3))\\b/PORT3/"
done

# msend --summary stopped in the pause after the echo: its line, no
# message sent.
shimmed summary-echo INT sends:1 "$MSEND" --summary -qq -u 127.0.0.1 "$PORT"
echo "msend: 0 messages, 0 bytes in 0.000000 s: 0 messages/s, 0.0 Mbit/s" > "$WORK/summary-echo.want"
said INT "ended before its time" summary-echo
ended summary-echo 130 ''

# SIGHUP ignored when msend started (nohup): it stays so, and the run
# goes on to its end.
rm -f "$WORK/nohup.report"
env --ignore-signal=HUP LD_PRELOAD="$SIGNAL_SHIM" MTOOLS_SIGNAL=HUP MTOOLS_SIGNAL_AFTER_SENDS=2 \
    MTOOLS_SIGNAL_REPORT="$WORK/nohup.report" "$MSEND" --summary -qq -n 2 -u 127.0.0.1 "$PORT" \
    > "$WORK/nohup.out" 2>&1 &
SHIMMED=$!
PIDS+=("$SHIMMED")
echo "msend: 2 messages, 18 bytes in S s: R messages/s, M Mbit/s" > "$WORK/nohup.want"
said HUP "ran its whole time" nohup
BOUND=8 ended nohup 0 's/in '"$NZ"' s: [1-9][0-9]* messages\/s, [0-9]+\.[0-9] Mbit/in S s: R messages\/s, M Mbit/'
kill "$endrx" 2> /dev/null
wait "$endrx" 2> /dev/null

finish
