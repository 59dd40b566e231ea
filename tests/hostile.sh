#!/usr/bin/env bash
# hostile.sh - traffic msend never sends, thrown at a running mdump on
# loopback: random datagrams of every size, malformed 'stat' and 'echo'
# datagrams, -v with short and non-hex sequence numbers, TCP streams cut
# and merged at awkward places, a peer that resets, one that says nothing,
# a second connection while one is active, and super-datagrams of more
# segments than GRO merges. mdump must keep running (or
# end as documented), count right, and print only well-formed lines.
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
: "${SENDRAW:?SENDRAW must name the sendraw test program}"
PORT=$(free_port)

# ---- 200 random datagrams, 0 to 65507 bytes, full dump: every line is a
# header, a dump line or a meaning line; the headers give the lengths sent.
spawn "$WORK/random.out" "$MDUMP" -s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10
timeout 60 "$SENDRAW" udp 127.0.0.1 "$PORT" random:200:7 > "$WORK/random.lens"
timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" text:"stat 200"
wait_exit "$rx" 30
expect_status "random datagrams: mdump ends at the stat" 0 "$STATUS"
CHECKS=$((CHECKS + 1))
bad=$(grep -cvE '^([0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} 127\.0\.0\.1\.[0-9]+ [0-9]+ bytes:|([0-9a-f]{2} |   ){16}'$'\t''.{16}|Equiv cmd line: .*|200 msgs sent, 200 received \(not including .stat.\)|0\.000000% loss)$' "$WORK/random.out")
if [ "$bad" -eq 0 ]; then pass "random datagrams: all $(wc -l < "$WORK/random.out") lines well formed"
else fail "random datagrams: $bad lines not well formed"; grep -vE '^[0-9]' "$WORK/random.out" | head -3 >&2; fi
grep -oE ' [0-9]+ bytes:$' "$WORK/random.out" | head -200 | tr -dc '0-9\n' > "$WORK/random.got"
expect_same "random datagrams: each one's length" "$WORK/random.lens" "$WORK/random.got"
awk '{ n++; b += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
     END { printf "random datagrams: %d sent, %d bytes, lengths %d to %d\n", n, b, lo, hi }' "$WORK/random.lens"
CHECKS=$((CHECKS + 1))
# Each datagram: a header and len/16 + 1 dump lines; then the Equiv line,
# and the stat's header, dump line and two result lines.
want_lines=$(awk '{ n += int($1 / 16) + 2 } END { print n + 1 + 4 }' "$WORK/random.lens")
if [ "$(wc -l < "$WORK/random.out")" -eq "$want_lines" ]; then pass "random datagrams: $want_lines lines, as the lengths give"
else fail "random datagrams: $(wc -l < "$WORK/random.out") lines, expected $want_lines"; fi

# ---- What each odd datagram means, at -q (the meaning lines only).
spawn "$WORK/odd.out" "$MDUMP" -q --idle-timeout 2s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10
timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" \
    text:"Message 0" text:"stat " text:"stat abc" text:"stat -1" \
    text:"stat 99999999999999999999" text:"stat 3" text:"stat 0" \
    text:"echo " text:"echo no NUL here" echo:65507 hex:0d0a1b5b324a text:"stat 1" \
    text:"Message x" text:"Message y" text:"stat 1" sleep:100
wait_exit "$rx" 10
expect_status "odd datagrams: mdump ends at its idle time" 3 "$STATUS"
long_echo="echo $(printf '%65502s' '' | tr ' ' a)"
cat > "$WORK/odd.want" <<END
Equiv cmd line: mdump -p0 -Q2 -r4194304 0.0.0.0 $PORT
WARNING: ignoring 'stat' without a valid count: 'stat abc'
WARNING: ignoring 'stat' without a valid count: 'stat -1'
WARNING: ignoring 'stat' without a valid count: 'stat 99999999999999999999'
3 msgs sent, 2 received (not including 'stat')
33.333333% loss
0 msgs sent, 0 received (not including 'stat')
0.000000% loss
echo no NUL here
$long_echo
1 msgs sent, 1 received (not including 'stat')
0.000000% loss
1 msgs sent, 2 received (not including 'stat')
-100.000000% loss
TIMEOUT: nothing received for 2 s
END
# (compared without showing the 65507-character line on failure)
CHECKS=$((CHECKS + 1))
if cmp -s "$WORK/odd.want" "$WORK/odd.out"; then pass "odd datagrams: what mdump makes of them"
else fail "odd datagrams: output differs"; diff "$WORK/odd.want" "$WORK/odd.out" | cut -c1-120 >&2; fi

# ---- Super-datagrams of 128 segments (more than a NIC's GRO merges):
# every segment counts, however many arrive in one receive.
spawn "$WORK/gso.out" "$MDUMP" -q -s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10
timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" gso:40:128:10 sleep:200 text:"stat 5120"
wait_exit "$rx" 10
expect_status "gso: mdump ends at the stat" 0 "$STATUS"
cat > "$WORK/gso.want" <<END
Equiv cmd line: mdump -p0 -Q2 -r4194304 -s 0.0.0.0 $PORT
5120 msgs sent, 5120 received (not including 'stat')
0.000000% loss
END
expect_same "gso: 40 x 128 segments, all counted" "$WORK/gso.want" "$WORK/gso.out"

# ---- -v: short datagrams, non-hex and missing numbers, a gap.
spawn "$WORK/seq.out" "$MDUMP" -q -v -s 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10
timeout 10 "$SENDRAW" udp 127.0.0.1 "$PORT" text:"Message 0" text:"M" text:"Message" \
    text:"Message " text:"Message zz" hex:4d65737361676520350001ff text:"Message 6" \
    text:"Message 1" hex:4d657373616765201b5b324a text:"stat 9"
wait_exit "$rx" 10
expect_status "-v: mdump ends at the stat" 0 "$STATUS"
cat > "$WORK/seq.want" <<END
Equiv cmd line: mdump -p0 -Q2 -r4194304 -s -v 0.0.0.0 $PORT
Expected seq 1 (hex), got 
Expected seq 2 (hex), got 
Expected seq 3 (hex), got 
Expected seq 4 (hex), got zz
Expected seq 7 (hex), got 1
Expected seq 2 (hex), got .[2J
9 msgs sent, 9 received (not including 'stat')
0.000000% loss
END
expect_same "-v: every odd sequence number reported, none read past its end" "$WORK/seq.want" "$WORK/seq.out"

# ---- TCP: a stat split across reads, and one merged with messages.
tcp_case() { # NAME WANT_STATUS MDUMP_ARGS -- SENDRAW ITEMS
    local name=$1 want=$2 dump_args=()
    shift 2
    while [ "$1" != -- ]; do dump_args+=("$1"); shift; done
    shift
    spawn "$WORK/$name.out" "$MDUMP" -q "${dump_args[@]}" -t 0.0.0.0 "$PORT"
    local dump_pid=$SPAWNED
    wait_listening "" tcp "$PORT" 10
    timeout 10 "$SENDRAW" tcp 127.0.0.1 "$PORT" "$@" 2> "$WORK/$name.send"
    wait_exit "$dump_pid" 10
    expect_status "$name: mdump" "$want" "$STATUS"
}
tcp_case split 0 -s -- text:"Message 0" sleep:100 text:"Message 1" sleep:100 text:"st" sleep:100 text:"at 2"
# With -s mdump ends right after the statistics: no EOF line, though the
# count ran to the end of the stream and the close ended it.
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s -t 0.0.0.0 $PORT" \
    "2 msgs sent, 2 received (not including 'stat')" "0.000000% loss" > "$WORK/split.want"
expect_same "tcp: a stat split across reads" "$WORK/split.want" "$WORK/split.out"

# The stat and the sender's close in one write: still no EOF line.
tcp_case closed 0 -s -- text:"Message 0Message 1stat 2"
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s -t 0.0.0.0 $PORT" \
    "2 msgs sent, 2 received (not including 'stat')" "0.000000% loss" > "$WORK/closed.want"
expect_same "tcp -s: a stat at the close, no EOF" "$WORK/closed.want" "$WORK/closed.out"

# A stat with more after it in the same read: -s ends at the stat.
tcp_case more 0 -s -- text:"Message 0stat 1Message 0Message 1" sleep:300 text:"stat 2"
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -s -t 0.0.0.0 $PORT" \
    "1 msgs sent, 1 received (not including 'stat')" "0.000000% loss" > "$WORK/more.want"
expect_same "tcp -s: ends at the first stat" "$WORK/more.want" "$WORK/more.out"

tcp_case merged 0 -v -- text:"echo sender equiv cmd: msend"$'\x01'"x" hex:00 \
    text:"Message 0Message 1Message 2stat 3echo again"$'\x01' hex:00 text:"Message 0Message 1" sleep:100 text:"stat 2"
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -t -v 0.0.0.0 $PORT" \
    "echo sender equiv cmd: msend.x" "3 msgs sent, 3 received (not including 'stat')" "0.000000% loss" \
    "echo again." "2 msgs sent, 2 received (not including 'stat')" "0.000000% loss" EOF > "$WORK/merged.want"
expect_same "tcp: stats and echoes merged with messages" "$WORK/merged.want" "$WORK/merged.out"

# ---- TCP: a peer that resets mid-stream; one that connects and says nothing.
tcp_case reset 1 -- text:"Message 0" sleep:200 reset
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -t 0.0.0.0 $PORT" \
    "ERROR: recv: Connection reset by peer" > "$WORK/reset.want"
expect_same "tcp: reset by the peer" "$WORK/reset.want" "$WORK/reset.out"

tcp_case silent 3 --idle-timeout 1s -- sleep:3000
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -t 0.0.0.0 $PORT" \
    "TIMEOUT: nothing received for 1 s" > "$WORK/silent.want"
expect_same "tcp: a peer that sends nothing" "$WORK/silent.want" "$WORK/silent.out"

# ---- TCP: a second connection while one is active is refused; the first
# carries on to its EOF.
spawn "$WORK/second.out" "$MDUMP" -q -t 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" tcp "$PORT" 10
spawn "$WORK/first.send" "$SENDRAW" tcp 127.0.0.1 "$PORT" text:"Message 0" sleep:3000 text:"Message 1stat 2"
first=$SPAWNED
# mdump closes its listener once it has accepted the first.
wait_unbound "" tcp "$PORT" 10
timeout 10 "$SENDRAW" tcp 127.0.0.1 "$PORT" text:"Message 9" > "$WORK/second.send" 2>&1
expect_status "tcp: a second connection" 1 $?
echo "sendraw: connect: Connection refused" > "$WORK/second.send.want"
expect_same "tcp: the second connection is refused" "$WORK/second.send.want" "$WORK/second.send"
CHECKS=$((CHECKS + 1))
if kill -0 "$first" 2> /dev/null; then pass "tcp: refused while the first connection was still open"
else fail "tcp: the first connection had ended before the second was tried"; fi
wait_exit "$first" 10
wait_exit "$rx" 10
expect_status "tcp: the first connection to its end" 0 "$STATUS"
printf '%s\n' "Equiv cmd line: mdump -p0 -Q2 -r4194304 -t 0.0.0.0 $PORT" \
    "2 msgs sent, 2 received (not including 'stat')" "0.000000% loss" EOF > "$WORK/second.want"
expect_same "tcp: the first sender's stream unharmed" "$WORK/second.want" "$WORK/second.out"
finish
