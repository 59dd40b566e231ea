#!/usr/bin/env bash
# e2e_loopback.sh - msend -> mdump over TCP and UDP on 127.0.0.1, comparing
# the whole output of both programs (timestamps and ports masked), and the
# runtime errors a user meets: connection refused, port in use, nobody
# listening on a UDP port.
source "$(dirname "$0")/lib.sh"
own_loopback "$@"

# pair NAME PROTO "MDUMP ARGS" "MSEND ARGS": runs mdump (which must end by
# itself: -s, or EOF for TCP), then msend; leaves NAME.dump and NAME.send.
pair() {
    local name=$1 proto=$2 dump_args=$3 send_args=$4
    # shellcheck disable=SC2086 # the arguments are word lists
    spawn "$WORK/$name.dump" "$MDUMP" $dump_args
    local dump_pid=$SPAWNED
    wait_listening "" "$proto" "$PORT" 10 || return
    # shellcheck disable=SC2086 # $send_args: a word list
    timeout 20 "$MSEND" $send_args > "$WORK/$name.send" 2>&1
    expect_status "$name: msend" 0 $?
    drop_behind_note "$WORK/$name.send"
    wait_exit "$dump_pid" 10
    expect_status "$name: mdump" 0 "$STATUS"
}

# expect FILE: compares that output in $WORK (masked) with stdin.
expect() {
    mask < "$WORK/$1" > "$WORK/$1.got"
    cat > "$WORK/$1.want"
    expect_same "$1" "$WORK/$1.want" "$WORK/$1.got"
}

# The dump's hex column for a text: "xx " per byte.
hexof() { printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' ' ' | sed 's/^ //'; }

PORT=$(free_port)
T=$'\t'
B48=$(printf '%48s' '')  # a dump line's hex column with no bytes
E16=$(printf '%16s' '')  # its empty text column

# ---- UDP, full dump, every line checked; the -o file gets every line too
# (the old mdump left the dump's header lines out of it).
pair udp udp "-o $WORK/udp.file -s 0.0.0.0 $PORT" "-n3 -p100 -s200 -u 127.0.0.1 $PORT"
expect udp.send <<END
Equiv cmd line: msend -b1 -m0 -n3 -p100 -s200 -S65536 -u 127.0.0.1 $PORT
Sending 3 bursts of 1 variable-length messages
Sending 9 bytes
Sending 9 bytes
Sending 9 bytes
Pausing before sending 'stat'
Sending stat
3 messages sent (not including 'stat')
END
equiv="msend -b1 -m0 -n3 -p100 -s200 -S65536 -u 127.0.0.1 $PORT"
expect udp.dump <<END
Equiv cmd line: mdump -o $WORK/udp.file -p0 -Q0 -r4194304 -s 0.0.0.0 $PORT
TS 127.0.0.1.PORT 80 bytes:
65 63 68 6f 20 73 65 6e 64 65 72 20 65 71 75 69 ${T}echo sender equi
76 20 63 6d 64 3a 20 6d 73 65 6e 64 20 2d 62 31 ${T}v cmd: msend -b1
20 2d 6d 30 20 2d 6e 33 20 2d 70 31 30 30 20 2d ${T} -m0 -n3 -p100 -
73 32 30 30 20 2d 53 36 35 35 33 36 20 2d 75 20 ${T}s200 -S65536 -u 
31 32 37 2e 30 2e 30 2e 31 20 $(hexof "$PORT")00 ${T}127.0.0.1 $PORT.
$B48$T$E16
echo sender equiv cmd: $equiv
TS 127.0.0.1.PORT 9 bytes:
4d 65 73 73 61 67 65 20 30                      ${T}Message 0       
TS 127.0.0.1.PORT 9 bytes:
4d 65 73 73 61 67 65 20 31                      ${T}Message 1       
TS 127.0.0.1.PORT 9 bytes:
4d 65 73 73 61 67 65 20 32                      ${T}Message 2       
TS 127.0.0.1.PORT 6 bytes:
73 74 61 74 20 33                               ${T}stat 3          
3 msgs sent, 3 received (not including 'stat')
0.000000% loss
END
mask < "$WORK/udp.file" > "$WORK/udp.file.got"
expect_same "udp: the -o file holds every line, headers included" "$WORK/udp.dump.want" "$WORK/udp.file.got"

# ---- TCP, quiet sender, summary receiver, two loops: message numbers
# restart, each loop has its echo and stat; EOF ends mdump.
pair tcp tcp "-t -Q1 0.0.0.0 $PORT" "-q -l2 -n2 -p50 -s100 -t 127.0.0.1 $PORT"
expect tcp.send <<END
Equiv cmd line: msend -b1 -m0 -n2 -p50 -q -s100 -S65536 -t 127.0.0.1 $PORT
Sending 2 bursts of 1 variable-length messages
..Pausing before sending 'stat'
Sending stat
2 messages sent (not including 'stat')
Sending 2 bursts of 1 variable-length messages
..Pausing before sending 'stat'
Sending stat
2 messages sent (not including 'stat')
END
equiv="msend -b1 -m0 -n2 -p50 -q -s100 -S65536 -t 127.0.0.1 $PORT"
# The second echo follows the first stat at once, so TCP may deliver both in
# one read: which reads there are is up to TCP, what they mean is not.
mask < "$WORK/tcp.dump" | grep -v '^TS ' > "$WORK/tcp.meaning"
expect tcp.meaning <<END
Equiv cmd line: mdump -p0 -Q1 -r4194304 -t 0.0.0.0 $PORT
echo sender equiv cmd: $equiv
2 msgs sent, 2 received (not including 'stat')
0.000000% loss
echo sender equiv cmd: $equiv
2 msgs sent, 2 received (not including 'stat')
0.000000% loss
EOF
END
CHECKS=$((CHECKS + 1))
bytes=$(mask < "$WORK/tcp.dump" | awk '/^TS / { n += $3 } END { print n }')
want_bytes=$(( 2 * (${#equiv} + 24 + 9 + 9 + 6) ))
if [ "$bytes" = "$want_bytes" ]; then pass "tcp: summary lines count all $bytes bytes"
else fail "tcp: summary lines count $bytes bytes, expected $want_bytes"; fi

# ---- Fixed-length messages in bursts, decimal numbers, -v (which reads
# hex, so decimal 10 shows as a jump to 0x10, after which 11 is in order), a
# 12-byte compact dump, and -o.
pair fixed udp "-s -v -c12 -o $WORK/fixed.file 0.0.0.0 $PORT" \
    "-b6 -d -m 20 -n2 -p10 -s100 -u 127.0.0.1 $PORT"
expect fixed.send <<END
Equiv cmd line: msend -b6 -d -m20 -n2 -p10 -s100 -S65536 -u 127.0.0.1 $PORT
Sending 2 bursts of 6 20-byte messages
Sending burst of 6 msgs
Sending burst of 6 msgs
Pausing before sending 'stat'
Sending stat
12 messages sent (not including 'stat')
END
equiv="msend -b6 -d -m20 -n2 -p10 -s100 -S65536 -u 127.0.0.1 $PORT"
{
    echo "Equiv cmd line: mdump -o $WORK/fixed.file -p0 -Q0 -r4194304 -s -v 0.0.0.0 $PORT"
    echo "TS 127.0.0.1.PORT $(( ${#equiv} + 24 )) bytes: 65 63 68 6f 20 73 65 6e 64 65 72 20 :echo sender "
    echo "echo sender equiv cmd: $equiv"
    for k in 0 1 2 3 4 5 6 7 8 9; do
        echo "TS 127.0.0.1.PORT 20 bytes: 4d 65 73 73 61 67 65 20 3$k 00 00 00 :Message $k..."
    done
    echo "TS 127.0.0.1.PORT 20 bytes: 4d 65 73 73 61 67 65 20 31 30 00 00 :Message 10.."
    echo "Expected seq a (hex), got 10"
    echo "TS 127.0.0.1.PORT 20 bytes: 4d 65 73 73 61 67 65 20 31 31 00 00 :Message 11.."
    echo "TS 127.0.0.1.PORT 7 bytes: 73 74 61 74 20 31 32 :stat 12"
    echo "12 msgs sent, 12 received (not including 'stat')"
    echo "0.000000% loss"
} > "$WORK/fixed.want"
mask < "$WORK/fixed.dump" > "$WORK/fixed.got"
expect_same "fixed.dump" "$WORK/fixed.want" "$WORK/fixed.got"
mask < "$WORK/fixed.file" > "$WORK/fixed.file.got"
expect_same "fixed: the -o file holds the same lines" "$WORK/fixed.want" "$WORK/fixed.file.got"

# ---- -P payload and -qq (msend prints nothing); mdump -q prints only what
# the datagrams mean; -p 5/2 pauses after the first two.
pair payload udp "-q -s -p 5/2 0.0.0.0 $PORT" "-qq -P 0001feff -n4 -p0 -b1 -s100 -u 127.0.0.1 $PORT"
expect payload.send < /dev/null
expect payload.dump <<END
Equiv cmd line: mdump -p5/2 -Q2 -r4194304 -s 0.0.0.0 $PORT
echo sender equiv cmd: msend -b1 -m4 -n4 -p0 -qq -s100 -S65536 -u 127.0.0.1 $PORT
4 msgs sent, 4 received (not including 'stat')
0.000000% loss
END

# ---- -m shorter than the numbered text: sent cut, as the old msend did
# ('Message 10' to 'Message 13' go as 'Message 1'), and said on stderr,
# for a receiver then counts those as duplicates. -m 10 holds 'Message 13'
# (no room for the NUL, none needed); TCP counts messages only.
summary_line() { # the per-sender --summary line, port and figures masked
    grep '^mdump: 0.0.0.0 from ' "$WORK/$1" |
        sed -E 's/from 127\.0\.0\.1\.[0-9]+: (.*) msgs in [0-9.]+ s, [0-9]+ msgs\/s, [0-9.]+ Mbit\/s/from 127.0.0.1.PORT: \1 msgs/'
}
sent_lines() { # sent_lines M TRANSPORT [NOTE]: msend -q's lines for 20 M-byte messages
    echo "Equiv cmd line: msend -b20 -m$1 -n1 -p0 -q -s100 -S65536 $2 127.0.0.1 $PORT"
    [ -z "${3:-}" ] || echo "$3"
    echo "Sending 1 bursts of 20 $1-byte messages"
    echo ".Pausing before sending 'stat'"
    echo "Sending stat"
    echo "20 messages sent (not including 'stat')"
}
pair cut udp "-q -s --summary 0.0.0.0 $PORT" "-q -m 9 -n 1 -b 20 -p0 -s100 -u 127.0.0.1 $PORT"
sent_lines 9 -u "NOTE: -m 9 cuts the number in 'Message 10' and later: a receiver reads cut numbers as duplicates and loss (-m 10 holds them all)" | expect cut.send
summary_line cut.dump > "$WORK/cut.counts"
expect cut.counts <<END
mdump: 0.0.0.0 from 127.0.0.1.PORT: 20 msgs, lost 0, dup 4, reordered 0, highest f
END
pair whole udp "-q -s --summary 0.0.0.0 $PORT" "-q -m 10 -n 1 -b 20 -p0 -s100 -u 127.0.0.1 $PORT"
sent_lines 10 -u | expect whole.send
summary_line whole.dump > "$WORK/whole.counts"
expect whole.counts <<END
mdump: 0.0.0.0 from 127.0.0.1.PORT: 20 msgs, lost 0, dup 0, reordered 0, highest 13
END
pair cut-tcp tcp "-q -s -t 0.0.0.0 $PORT" "-q -m 9 -n 1 -b 20 -p0 -s100 -t 127.0.0.1 $PORT"
sent_lines 9 -t | expect cut-tcp.send

# ---- Runtime errors: one line naming what failed, where, and why; exit 1.
timeout 10 "$MSEND" -n1 -t 127.0.0.1 "$PORT" > "$WORK/refused.out" 2>&1
expect_status "connection refused" 1 $?
expect refused.out <<END
Equiv cmd line: msend -b1 -m0 -n1 -p1000 -s0 -S65536 -t 127.0.0.1 $PORT
ERROR: connect 127.0.0.1:$PORT: Connection refused
END
# The port held by a program that does not share it (no SO_REUSEADDR;
# another mdump would share, see shared_port.sh).
: "${HOLDPORT:?HOLDPORT must name the holdport test program}"
spawn "$WORK/holder.out" "$HOLDPORT" udp 0.0.0.0 "$PORT" plain 20
holder=$SPAWNED
wait_for "$WORK/holder.out" '^bound$' 10
timeout 10 "$MDUMP" 0.0.0.0 "$PORT" > "$WORK/inuse.out" 2>&1
expect_status "port in use" 1 $?
expect inuse.out <<END
Equiv cmd line: mdump -p0 -Q0 -r4194304 0.0.0.0 $PORT
ERROR: bind 0.0.0.0:$PORT: Address already in use
END
kill "$holder"
wait_exit "$holder" 10
expect_status "the other program, ended" 143 "$STATUS"

# ---- UDP to a port where nothing listens: the old tools never noticed;
# ours says so once, counts it, and carries on.
timeout 20 "$MSEND" -n3 -p20 -u 127.0.0.1 "$PORT" > "$WORK/unreach.out" 2> "$WORK/unreach.err"
expect_status "udp to a closed port" 0 $?
drop_behind_note "$WORK/unreach.err"
expect unreach.out <<END
Equiv cmd line: msend -b1 -m0 -n3 -p20 -s0 -S65536 -u 127.0.0.1 $PORT
Sending 3 bursts of 1 variable-length messages
Sending 9 bytes
Sending 9 bytes
Sending 9 bytes
3 messages sent
END
expect unreach.err <<END
WARNING: 127.0.0.1:$PORT answered 'port unreachable' (no receiver yet?); still sending
WARNING: 3 sends to 127.0.0.1:$PORT were refused (port unreachable)
END
# ---- Bounded waits for scripts: --idle-timeout, --accept-timeout (exit 3,
# within the time given), --loss-status (exit 4 when a stat shows loss).
bounded() { # NAME WANT_STATUS TIMEOUT_MS MDUMP_ARGS...
    local name=$1 want=$2 limit=$3 t0 t_equiv took after_equiv
    shift 3
    t0=$(now_ms)
    spawn "$WORK/$name" "$MDUMP" "$@"
    local pid=$SPAWNED
    # Its clock starts as it prints the Equiv line and waits: what comes
    # before (valgrind's start, seconds on a busy machine) is not timed.
    wait_for "$WORK/$name" '^Equiv cmd line' 20
    t_equiv=$(now_ms)
    wait_exit "$pid" 20
    took=$(($(now_ms) - t0)) after_equiv=$(($(now_ms) - t_equiv))
    expect_status "$name" "$want" "$STATUS"
    # Never before the time given (timed from the start, which is earlier
    # than its clock's), and at most 1 s after it (timed from the Equiv
    # line, which is seen later than it is printed).
    CHECKS=$((CHECKS + 1))
    if [ "$took" -ge "$limit" ] && [ "$after_equiv" -le $((limit + 1000)) ]; then
        pass "$name: ended after $took ms, $after_equiv ms after its Equiv line"
    else fail "$name: ended after $took ms, $after_equiv ms after its Equiv line; expected $limit to $((limit + 1000)) ms"; fi
}
bounded idle.out 3 1500 --idle-timeout 1500 0.0.0.0 "$PORT"
expect idle.out <<END
Equiv cmd line: mdump -p0 -Q0 -r4194304 0.0.0.0 $PORT
TIMEOUT: nothing received for 1500 ms
END
bounded accept.out 3 1000 -t --accept-timeout 1s --idle-timeout 9s 0.0.0.0 "$PORT"
expect accept.out <<END
Equiv cmd line: mdump -p0 -Q0 -r4194304 -t 0.0.0.0 $PORT
TIMEOUT: no connection for 1 s
END
# Traffic that stops: the idle time counts from the last datagram. Until
# msend's echo has arrived (msend may take seconds to start under valgrind
# on a busy machine), a datagram every 0.5 s keeps mdump from timing out
# first (-q shows nothing for it).
spawn "$WORK/stops.out" "$MDUMP" -q --idle-timeout 3s 0.0.0.0 "$PORT"
stops=$SPAWNED
wait_listening "" udp "$PORT" 10
( deadline=$((SECONDS + 30))
  while ! grep -q '^echo sender' "$WORK/stops.out" && [ "$SECONDS" -lt "$deadline" ]; do
      printf x > "/dev/udp/127.0.0.1/$PORT"
      sleep 0.5
  done ) &
keepalive=$!
PIDS+=("$keepalive")
timeout 20 "$MSEND" -qq -n3 -p10 -u 127.0.0.1 "$PORT"
wait "$keepalive"
wait_exit "$stops" 10
expect_status "idle after traffic" 3 "$STATUS"
expect stops.out <<END
Equiv cmd line: mdump -p0 -Q2 -r4194304 0.0.0.0 $PORT
echo sender equiv cmd: msend -b1 -m0 -n3 -p10 -qq -s0 -S65536 -u 127.0.0.1 $PORT
TIMEOUT: nothing received for 3 s
END
# A stat that reports more sent than arrived: 5 claimed, 3 sent.
spawn "$WORK/loss.out" "$MDUMP" -q -s --loss-status 0.0.0.0 "$PORT"
lossy=$SPAWNED
wait_listening "" udp "$PORT" 10
timeout 20 "$MSEND" -qq -n3 -p10 -u 127.0.0.1 "$PORT"
printf 'stat 5' > "/dev/udp/127.0.0.1/$PORT"
wait_exit "$lossy" 10
expect_status "--loss-status with loss" 4 "$STATUS"
expect loss.out <<END
Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 $PORT
echo sender equiv cmd: msend -b1 -m0 -n3 -p10 -qq -s0 -S65536 -u 127.0.0.1 $PORT
5 msgs sent, 3 received (not including 'stat')
40.000000% loss
END

# ---- -S 0: the system's send buffer is kept (SO_SNDBUF never set) and the
# Equiv line, printed and on the wire, shows -S0 as typed (the old tool
# passed 0 to SO_SNDBUF). LeakSanitizer cannot run under strace.
spawn "$WORK/s0.dump" "$MDUMP" -q -s 0.0.0.0 "$PORT"
s0=$SPAWNED
wait_listening "" udp "$PORT" 10
timeout 20 strace -f -qq -e trace=setsockopt -o "$WORK/s0.trace" \
    env ASAN_OPTIONS=detect_leaks=0 "$MSEND" -S 0 -n1 -p10 -s10 -u 127.0.0.1 "$PORT" \
    > "$WORK/s0.send" 2> /dev/null
expect_status "-S 0: msend" 0 $?
wait_exit "$s0" 10
expect_status "-S 0: mdump" 0 "$STATUS"
expect s0.send <<END
Equiv cmd line: msend -b1 -m0 -n1 -p10 -s10 -S0 -u 127.0.0.1 $PORT
Sending 1 bursts of 1 variable-length messages
Sending 9 bytes
Pausing before sending 'stat'
Sending stat
1 messages sent (not including 'stat')
END
expect s0.dump <<END
Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 $PORT
echo sender equiv cmd: msend -b1 -m0 -n1 -p10 -s10 -S0 -u 127.0.0.1 $PORT
1 msgs sent, 1 received (not including 'stat')
0.000000% loss
END
CHECKS=$((CHECKS + 1))
if grep -q 'setsockopt(' "$WORK/s0.trace" && ! grep -q SO_SNDBUF "$WORK/s0.trace"; then
    pass "-S 0: SO_SNDBUF left at the system's default"
else fail "-S 0: $(grep SO_SNDBUF "$WORK/s0.trace" || echo 'no setsockopt traced')"; fi
finish
