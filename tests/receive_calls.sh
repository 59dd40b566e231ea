#!/usr/bin/env bash
# receive_calls.sh - the system calls mdump receives with on Linux, seen
# by strace: with one socket and no time limit it sleeps inside the
# receive call (recvmmsg with MSG_WAITFORONE), with no poll and at most one
# empty read per burst; at -Q2 without counts it does not ask for the
# senders' addresses, and where it shows or counts them it does; a
# signal ends it while it sleeps in recvmmsg; with a time limit or stdout
# a pipe it waits in poll as before. The output stays exact throughout.
# And msend's send calls: one per datagram in a standard test (-1 .. -5),
# batches otherwise; its writes to stdout: many lines to a write at a high
# rate, each line before the wait at a slow one, each of -q's dots at once.
source "$(dirname "$0")/lib.sh"
# LeakSanitizer cannot work under ptrace (strace, below); the other suites
# and valgrind cover leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
need_cmd strace strace
[ "$(uname -s)" = Linux ] || skip "recvmmsg and MSG_WAITFORONE are Linux's"
PORT=$(free_port)
BURSTS=5 PER_BURST=40
COUNT=$((BURSTS * PER_BURST))
TRACED=trace=recvmmsg,recvmsg,recvfrom,poll,ppoll,select,pselect6,epoll_wait

# expect NAME CONDITION_TEXT TEST...: a check that TEST (a command) holds.
expect() {
    local name=$1 what=$2
    shift 2
    CHECKS=$((CHECKS + 1))
    if "$@"; then pass "$name: $what"; else fail "$name: not so: $what"; fi
}
# shellcheck disable=SC2317 # called through expect
count() { grep -cE -- "$1" "$2"; }
# shellcheck disable=SC2317
none() { ! grep -qE -- "$1" "$2"; }
# shellcheck disable=SC2317
at_most() { [ "$(count "$1" "$2")" -le "$3" ]; }
# shellcheck disable=SC2317
at_least() { [ "$(count "$1" "$2")" -ge "$3" ]; }

# run NAME MDUMP_ARGS...: mdump under strace, msend's bursts into it, -s
# ends it at the stat; its output (ports and times masked) in
# $WORK/NAME.out, the trace in $WORK/NAME.trace.
run() {
    local name=$1
    shift
    spawn "$WORK/$name.rx" strace -f -qq -e "$TRACED" -o "$WORK/$name.trace" \
        "$MDUMP" "$@" -s 0.0.0.0 "$PORT"
    local rx=$SPAWNED
    wait_listening "" udp "$PORT" 10 || return
    timeout 20 "$MSEND" -qq -n "$BURSTS" -b "$PER_BURST" -p 50 -s 100 -u 127.0.0.1 "$PORT" \
        > "$WORK/$name.tx" 2>&1
    wait_exit "$rx" 10
    expect_status "$name" 0 "$STATUS"
    mask < "$WORK/$name.rx" | sed -E "s/ $PORT\$/ PORT/; s/\.[0-9]+: ([0-9]+ msgs in)/.PORT: \1/" \
        > "$WORK/$name.out"
}

equiv_tx="echo sender equiv cmd: msend -b$PER_BURST -m0 -n$BURSTS -p50 -qq -s100 -S65536 -u 127.0.0.1 PORT"
stat_lines="$COUNT msgs sent, $COUNT received (not including 'stat')
0.000000% loss"

# -q: one socket, no time limit, stdout a file.
run quiet -q
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 PORT" "$equiv_tx" "$stat_lines" \
    > "$WORK/quiet.want"
expect_same "mdump -q: output" "$WORK/quiet.want" "$WORK/quiet.out"
expect "mdump -q" "no poll, select or epoll" none '(poll|select|epoll_wait)\(' "$WORK/quiet.trace"
expect "mdump -q" "sleeps in recvmmsg (MSG_WAITFORONE)" at_least 'recvmmsg\(.*MSG_WAITFORONE' "$WORK/quiet.trace" 2
expect "mdump -q" "at most one empty read per burst (and the first look)" \
    at_most 'EAGAIN' "$WORK/quiet.trace" $((BURSTS + 2))
expect "mdump -q" "never asks for the sender (msg_name NULL)" \
    none 'msg_name=\{' "$WORK/quiet.trace"
expect "mdump -q" "every datagram read by recvmmsg" none '(recvmsg|recvfrom)\(' "$WORK/quiet.trace"

# -Q1 shows the sender: it is asked for in every call that returned data.
run shown -Q1
expect "mdump -Q1" "asks for the sender in each message" none 'msg_name=NULL' "$WORK/shown.trace"
expect "mdump -Q1" "shows it" at_least '^TS 127\.0\.0\.1\.PORT [0-9]+ bytes$' "$WORK/shown.out" "$COUNT"
expect "mdump -Q1" "no poll" none '(poll|select|epoll_wait)\(' "$WORK/shown.trace"

# -q --summary counts per sender: it is asked for.
run summary -q --summary
expect "mdump -q --summary" "asks for the sender" none 'msg_name=NULL' "$WORK/summary.trace"
expect "mdump -q --summary" "counts it" at_least \
    "^mdump: 0\.0\.0\.0 from 127\.0\.0\.1\.PORT: $COUNT msgs in " "$WORK/summary.out" 1

# A time limit: the wait is poll's, as before.
run idle -q --idle-timeout 10s
expect "mdump -q --idle-timeout" "waits in poll" at_least 'poll\(' "$WORK/idle.trace" 1
expect "mdump -q --idle-timeout" "never waits in recvmmsg" none 'MSG_WAITFORONE' "$WORK/idle.trace"
expect_same "mdump -q --idle-timeout: output" "$WORK/quiet.want" "$WORK/idle.out"

# A signal while mdump sleeps in recvmmsg ends it at once, as from poll.
for sig in INT TERM; do
    spawn "$WORK/sig-$sig.rx" "$MDUMP" -q 0.0.0.0 "$PORT"
    rx=$SPAWNED
    wait_listening "" udp "$PORT" 10 || continue
    wait_for "$WORK/sig-$sig.rx" '^Equiv' 10 || continue
    sleep 0.2 # into the receive call
    t0=$(date +%s%N)
    kill -"$sig" "$rx"
    wait_exit "$rx" 5
    ms=$((($(date +%s%N) - t0) / 1000000))
    want=130
    [ "$sig" = TERM ] && want=143
    expect_status "SIG$sig while waiting" "$want" "$STATUS"
    expect "SIG$sig while waiting" "ended within 1 s ($ms ms)" [ "$ms" -lt 1000 ]
done

# stdout a pipe: poll watches its reader too, so the wait stays poll's.
# shellcheck disable=SC2016 # the inner shell expands them
spawn "$WORK/pipe.rx" bash -c 'strace -f -qq -e "$1" -o "$2" "$3" -q -s 0.0.0.0 "$4" | cat' \
    pipe "$TRACED" "$WORK/pipe.trace" "$MDUMP" "$PORT"
rx=$SPAWNED
if wait_listening "" udp "$PORT" 10; then
    timeout 20 "$MSEND" -qq -n "$BURSTS" -b "$PER_BURST" -p 50 -s 100 -u 127.0.0.1 "$PORT" \
        > "$WORK/pipe.tx" 2>&1
    wait_exit "$rx" 10
    expect_status "stdout a pipe" 0 "$STATUS"
    expect "stdout a pipe" "waits in poll" at_least 'poll\(' "$WORK/pipe.trace" 1
    expect "stdout a pipe" "never waits in recvmmsg" none 'MSG_WAITFORONE' "$WORK/pipe.trace"
    mask < "$WORK/pipe.rx" | sed -E "s/ $PORT\$/ PORT/" > "$WORK/pipe.out"
    expect_same "stdout a pipe: output" "$WORK/quiet.want" "$WORK/pipe.out"
fi

# msend_traced NAME CALLS MSEND_ARGS...: msend under strace (CALLS, as
# strace's trace=) into mdump -q -s, its stdout a pipe: its output in
# $WORK/NAME.tx, the trace in $WORK/NAME.trace, mdump's in $WORK/NAME.rx.
msend_traced() {
    local name=$1 calls=$2
    shift 2
    spawn "$WORK/$name.rx" "$MDUMP" -q -s 0.0.0.0 "$PORT"
    local rx=$SPAWNED
    wait_listening "" udp "$PORT" 10 || return 1
    timeout 60 strace -f -qq -e "trace=$calls" -o "$WORK/$name.trace" \
        "$MSEND" "$@" -u 127.0.0.1 "$PORT" 2> "$WORK/$name.err" | cat > "$WORK/$name.tx"
    expect_status "$name: msend" 0 "${PIPESTATUS[0]}"
    wait_exit "$rx" 10
    expect_status "$name: mdump" 0 "$STATUS"
}

# msend's send calls: a standard test sends each datagram in a call of its
# own, as the old msend did (its bursts leave no denser than the old
# tool's); the same options typed out send the burst in batches.
# send_calls NAME MSEND_ARGS...: traced, every message must arrive.
send_calls() {
    local name=$1
    shift
    msend_traced "$name" sendmmsg,sendmsg,sendto "$@" || return
    printf '%s\n' "5000 msgs sent, 5000 received (not including 'stat')" "0.000000% loss" \
        > "$WORK/$name.want"
    tail -n 2 "$WORK/$name.rx" > "$WORK/$name.got"
    expect_same "$name: every message arrived" "$WORK/$name.want" "$WORK/$name.got"
}
one_message='sendmsg\(.*iov_base="Message [0-9a-f]+(\\0)*", iov_len=20\}\].* = 20$'
send_calls preset -4
expect "msend -4" "5000 messages, each in a sendmsg of its own" \
    [ "$(count "$one_message" "$WORK/preset.trace")" -eq 5000 ]
expect "msend -4" "no sendmmsg" none 'sendmmsg\(' "$WORK/preset.trace"
send_calls typed -b5000 -m20 -n1 -p1000 -q -s2000 -S65536
expect "msend -b5000 -m20 (no preset)" "the burst in batches: under 100 calls" \
    [ "$(count '^[0-9]+ +send(mmsg|msg|to)\(' "$WORK/typed.trace")" -lt 100 ]

# msend's lines on stdout: at a high rate many go in one write (before,
# every message's line was a write of its own: 4000+ here); at a human
# pace each is written before the wait for the next burst.
# write_calls NAME MSEND_ARGS...: traced, its writes and sends.
write_calls() {
    local name=$1
    shift
    msend_traced "$name" write,sendmmsg,sendmsg,sendto "$@" -s 100
}
LINES_N=4000
write_calls lines -m 20 --rate 20k -n "$LINES_N"
expect "msend --rate 20k: output" "a 'Sending 20 bytes' line per message" \
    [ "$(count '^Sending 20 bytes$' "$WORK/lines.tx")" -eq "$LINES_N" ]
expect "msend --rate 20k: output" "then the count" \
    [ "$(tail -n 1 "$WORK/lines.tx")" = "$LINES_N messages sent (not including 'stat')" ]
expect "msend --rate 20k" "its $LINES_N lines in under $((LINES_N / 4)) writes" \
    [ "$(count '^[0-9]+ +write\(1,' "$WORK/lines.trace")" -lt $((LINES_N / 4)) ]
# -q's dots are each written as they are made (scripts count them when
# a sender is stopped midway).
write_calls dots -q -m 20 --rate 20k -n "$LINES_N"
expect "msend -q --rate 20k: output" "a dot per message" \
    [ "$(sed -n 3p "$WORK/dots.tx")" = "$(printf '%*s' "$LINES_N" '' | tr ' ' .)Pausing before sending 'stat'" ]
expect "msend -q --rate 20k" "each of its $LINES_N dots in a write of its own" \
    [ "$(count '^[0-9]+ +write\(1, "\.", 1\)' "$WORK/dots.trace")" -eq "$LINES_N" ]
# -p 0 has no waits between bursts: the lines still come as they are made,
# in writes before the end (at least 3 here), many to a write.
write_calls unpaced -m 20 -p 0 -b 10 -n 20000
expect "msend -p 0: output" "a line per burst" \
    [ "$(count '^Sending burst of 10 msgs$' "$WORK/unpaced.tx")" -eq 20000 ]
expect "msend -p 0" "lines written on the way: 3 or more writes before the last" \
    at_least '^[0-9]+ +write\(1, "Sending burst of 10 msgs\\n' "$WORK/unpaced.trace" 3
expect "msend -p 0" "its 20000 lines in under 5000 writes" \
    [ "$(count '^[0-9]+ +write\(1,' "$WORK/unpaced.trace")" -lt 5000 ]
# -p 300: each message's line is written before the next message goes.
# shellcheck disable=SC2317 # called through expect
line_before_next() {
    grep -E '^[0-9]+ +(write\(1,|send(mmsg|msg|to)\()' "$1" |
        awk '/write\(1,.*Sending 20 bytes/ { if (sent) shown++ }
             /send(mmsg|msg|to)\(.*Message/ { if (sent && !shown) bad++; sent++; shown = 0 }
             END { exit !(sent == 3 && bad == 0) }'
}
write_calls paced -m 20 -n 3 -p 300
expect "msend -p 300" "each line written before the next message is sent" \
    line_before_next "$WORK/paced.trace"
expect "msend -p 300: output" "3 lines" [ "$(count '^Sending 20 bytes$' "$WORK/paced.tx")" -eq 3 ]

finish
