#!/usr/bin/env bash
# mcheck_rows.sh - what mcheck's rows say and when, over loopback in a
# namespace of its own, whole outputs compared (first-ms and rtt-us
# masked):
#   - the header comes at once, each row's transport and direction as its
#     run starts and the rest as it ends (not all at the end);
#   - a port another program holds: each row fails with the receiver's
#     error, sends nothing into that port, and says 'sent 0';
#   - a receiver that is not ready in time: the same, without waiting on;
#   - a connection refused: 'sent 0', not the number asked for;
#   - a TCP sender stopped midway at the time limit: 'sent' is what went
#     out and 'received' what mdump counted (not its reads), and the row
#     says the sender was stopped, not that a connection timed out; what
#     a --linux-run prefix started beside it is stopped with it;
#   - a receiver, sender, reflector or mpong initiator that ends early
#     or fails without an ERROR line: the row says its exit status and
#     its first line on stderr (a NOTE passed over);
#   - the round trip: a figure for UDP and multicast, '-' for TCP and for
#     failed runs; mpong's probes dropped: the row passes, its rtt-us is
#     '-' and the detail says no reply came, within the bound.
source "$(dirname "$0")/lib.sh"
need_root_netns
MCHECK=$(cd "$(dirname "$0")/.." && pwd)/mcheck
BIN=$(dirname "$MSEND")
NS=mtmrw$$
make_netns "$NS"
in_ns() { ip netns exec "$NS" "$@"; }

# mask: the first-ms and rtt-us figures of each row.
mask() {
    awk '/^(tcp|udp|multicast) / && substr($0, 60, 9) ~ /[0-9]$/ { $0 = substr($0, 1, 59) "       MS" substr($0, 69) }
         /^(tcp|udp|multicast) / && substr($0, 70, 7) ~ /[0-9]$/ { $0 = substr($0, 1, 69) "     US" substr($0, 77) }
         { print }'
}
# counter PROTO: counts what leaves for port 12000 over PROTO, from now on.
counter() {
    if ! { in_ns nft add table inet mtcount &&
           in_ns nft add chain inet mtcount output "{ type filter hook output priority 0; }" &&
           in_ns nft add rule inet mtcount output meta l4proto "$1" th dport 12000 counter; }; then
        fail "nft: no counter"
        exit 1
    fi
}
counted() {
    in_ns nft list chain inet mtcount output | sed -nE 's/.*counter packets ([0-9]+) .*/\1/p'
    in_ns nft delete table inet mtcount
}
# Figures the runs below all share.
RUN=(--linux-dir "$BIN" --count 20 --pause 5)
HEADER="Checking this machine over loopback (127.0.0.1).
transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail"

# ---- rows as they come: the first run is slow (multicast dropped on its
# way in, so mdump waits out its 3 s), the second quick.
in_ns nft add table inet mtfault
in_ns nft add chain inet mtfault input "{ type filter hook input priority 0; }"
in_ns nft add rule inet mtfault input ip daddr 239.101.3.10 drop
spawn "$WORK/stream.out" ip netns exec "$NS" "$MCHECK" "${RUN[@]}" --timeout 3 --transports multicast,udp
mc=$SPAWNED
# snapshot NAME WANT: mcheck's output so far is exactly WANT (no newline
# added), and mcheck is still running.
snapshot() {
    printf '%s' "$2" > "$WORK/$1.want"
    cp "$WORK/stream.out" "$WORK/$1.got"
    expect_same "stream: $1" "$WORK/$1.want" "$WORK/$1.got"
    CHECKS=$((CHECKS + 1))
    if kill -0 "$mc" 2> /dev/null; then pass "stream: $1, while mcheck runs"; else fail "stream: $1 came after mcheck ended"; fi
}
# The header and the first row's start within 2 s (the run takes 3 s).
wait_for "$WORK/stream.out" '^multicast  loopback        $' 2 &&
    snapshot start "$HEADER
multicast  loopback        "
wait_for "$WORK/stream.out" '^udp        loopback        $' 10 &&
    snapshot first-row "$HEADER
multicast  loopback        FAIL       20         0   100.0         -       -  lo         nothing arrived within 3 s
udp        loopback        "
wait_exit "$mc" 20
expect_status stream "1" "$STATUS"
mask < "$WORK/stream.out" > "$WORK/stream.got"
cat > "$WORK/stream.want" <<END
$HEADER
multicast  loopback        FAIL       20         0   100.0         -       -  lo         nothing arrived within 3 s
udp        loopback        PASS       20        20     0.0        MS      US  lo

Likely cause (multicast over loopback, nothing arrived): a firewall on this machine dropping
  UDP to 239.101.3.10 port 12000 (nft list ruleset).

verdict: FAIL - 1 of 2 runs passed
END
expect_same "stream: the whole output" "$WORK/stream.want" "$WORK/stream.got"
in_ns nft delete table inet mtfault

# ---- the port held by another program (TCP and UDP, neither shared): no
# row sends into it; each fails at once with mdump's error.
ip netns exec "$NS" perl -e 'use Socket;
    socket(T, PF_INET, SOCK_STREAM, 0) && bind(T, pack_sockaddr_in(12000, INADDR_ANY)) && listen(T, 5) &&
    socket(U, PF_INET, SOCK_DGRAM, 0) && bind(U, pack_sockaddr_in(12000, INADDR_ANY)) or die "holder: $!\n";
    print "holding\n"; $| = 1; sleep 60' > "$WORK/holder.out" 2>&1 &
holder=$!
PIDS+=("$holder")
wait_for "$WORK/holder.out" '^holding' 5
counter '{ tcp, udp }'
t0=$SECONDS
in_ns "$MCHECK" "${RUN[@]}" --timeout 5 > "$WORK/held.out" 2> "$WORK/held.err"
expect_status "port held" 1 $?
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 4 ]; then pass "port held: done in $((SECONDS - t0)) s"
else fail "port held: took $((SECONDS - t0)) s: it waited for a receiver that had failed"; fi
cat > "$WORK/held.want" <<END
$HEADER
tcp        loopback        FAIL        0         0       -         -       -  lo         receiver: bind 0.0.0.0:12000: Address already in use
udp        loopback        FAIL        0         0       -         -       -  lo         receiver: bind 0.0.0.0:12000: Address already in use
multicast  loopback        FAIL        0         0       -         -       -  lo         receiver: bind 239.101.3.10:12000: Address already in use

The receiver could not start: see its error (port in use? joining the group?).
  mcheck sends nothing in a run whose receiver is not ready.

verdict: FAIL - 0 of 3 runs passed
END
expect_same "port held: the rows" "$WORK/held.want" "$WORK/held.out"
expect_same "port held: nothing on stderr" /dev/null "$WORK/held.err"
CHECKS=$((CHECKS + 1))
n=$(counted)
if [ "$n" = 0 ]; then pass "port held: nothing sent to port 12000"; else fail "port held: $n packets sent into the held port"; fi
# The same in JSON: sent 0, no loss figure.
in_ns "$MCHECK" "${RUN[@]}" --timeout 5 --transports udp --json > "$WORK/held.json" 2>&1
expect_status "port held, json" 1 $?
printf '%s\n' '  {"transport": "udp", "direction": "local", "result": "FAIL", "sent": 0, "received": 0, "loss_pct": null, "first_ms": null, "rtt_us": null, "interface": "lo", "detail": "receiver: bind 0.0.0.0:12000: Address already in use"}' \
    > "$WORK/held-json.want"
grep '"transport"' "$WORK/held.json" > "$WORK/held-json.got"
expect_same "port held, json: the row" "$WORK/held-json.want" "$WORK/held-json.got"
kill "$holder"
wait "$holder" 2> /dev/null

# ---- a receiver that does not get ready within the time limit (its start
# delayed by a wrapper): nothing is sent, and mcheck does not wait on.
# shellcheck disable=SC2016 # the wrapper's own $1 and $@
printf '#!/bin/sh\ncase $1 in */mdump) sleep 30 ;; esac\nexec "$@"\n' > "$WORK/slow-start"
chmod +x "$WORK/slow-start"
counter udp
t0=$SECONDS
in_ns "$MCHECK" "${RUN[@]}" --timeout 2 --transports udp --linux-run "$WORK/slow-start" > "$WORK/late.out" 2>&1
expect_status "receiver late" 1 $?
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 4 ]; then pass "receiver late: done in $((SECONDS - t0)) s"
else fail "receiver late: took $((SECONDS - t0)) s"; fi
cat > "$WORK/late.want" <<END
$HEADER
udp        loopback        FAIL        0         0       -         -       -  lo         receiver: not ready within 2 s

The receiver could not start: see its error (port in use? joining the group?).
  mcheck sends nothing in a run whose receiver is not ready.

verdict: FAIL - 0 of 1 runs passed
END
expect_same "receiver late: the row" "$WORK/late.want" "$WORK/late.out"
CHECKS=$((CHECKS + 1))
n=$(counted)
if [ "$n" = 0 ]; then pass "receiver late: nothing sent"; else fail "receiver late: $n datagrams sent before the receiver was ready"; fi
CHECKS=$((CHECKS + 1))
left=$(ip netns pids "$NS")
if [ -z "$left" ]; then pass "receiver late: the delayed receiver was stopped"
else fail "receiver late: left running: $(ps -o args= -p "$(tr '\n' ',' <<< "$left" | sed 's/,$//')")"; fi

# ---- the connection refused (a reset answers the SYN): nothing was sent.
in_ns nft add table inet mtfault
in_ns nft add chain inet mtfault input "{ type filter hook input priority 0; }"
in_ns nft add rule inet mtfault input tcp dport 12000 tcp flags syn reject with tcp reset
in_ns "$MCHECK" "${RUN[@]}" --timeout 5 --transports tcp > "$WORK/refused.out" 2>&1
expect_status "refused" 1 $?
cat > "$WORK/refused.want" <<END
$HEADER
tcp        loopback        FAIL        0         0       -         -       -  lo         sender: connection refused

Likely cause (connection refused): nothing listening on port 12000 at the receiver,
  or a firewall rejecting it; check that no other program holds the port.

verdict: FAIL - 0 of 1 runs passed
END
expect_same "refused: the row" "$WORK/refused.want" "$WORK/refused.out"
in_ns nft delete table inet mtfault

# ---- a TCP sender stalled midway: after 300 kB every segment to the
# receiver is dropped, msend blocks with its buffers full and is stopped at
# the time limit (2 s to wait + 2 s of messages + 1 = 5 s). Its prefix
# leaves a child of its own running beside it: that is stopped too.
in_ns nft add table inet mtfault
in_ns nft add chain inet mtfault input "{ type filter hook input priority 0; }"
in_ns nft add rule inet mtfault input tcp dport 12000 quota over 300 kbytes drop
# shellcheck disable=SC2016 # the wrapper's own $1 and $@
printf '#!/bin/sh\ncase $1 in */msend) sleep 60 & ;; esac\nexec "$@"\n' > "$WORK/with-child"
chmod +x "$WORK/with-child"
in_ns "$MCHECK" --linux-dir "$BIN" --count 200 --pause 2 --size 65507 --timeout 2 --transports tcp \
    --linux-run "$WORK/with-child" > "$WORK/stalled.out" 2>&1
expect_status "stalled" 1 $?
in_ns nft delete table inet mtfault
CHECKS=$((CHECKS + 1))
left=$(ip netns pids "$NS")
if [ -z "$left" ]; then pass "stalled: the sender's prefix's child was stopped with it"
else fail "stalled: left running: $(ps -o args= -p "$(tr '\n' ',' <<< "$left" | sed 's/,$//')")"; fi
row=$(grep '^tcp ' "$WORK/stalled.out")
read -r _ _ _ sent received _ <<< "$row"
CHECKS=$((CHECKS + 1))
# 300 kB hold 4 messages of 65507 bytes; the buffers take a few more.
if [ "$sent" -gt 0 ] && [ "$sent" -lt 200 ] && [ "$received" -ge 1 ] && [ "$received" -le "$sent" ] &&
   [ "$received" -le 5 ]; then
    pass "stalled: sent $sent (of 200 asked), received $received"
else fail "stalled: sent '$sent', received '$received': $row"; fi
# The row with its figures masked.
sed -E 's/^(tcp        loopback        FAIL  ) [ 0-9]{6} [ 0-9]{9} [ .0-9]{7} [ 0-9]{9}/\1   SENT  RECEIVED   LOSS%        MS/' \
    "$WORK/stalled.out" > "$WORK/stalled.got"
cat > "$WORK/stalled.want" <<END
$HEADER
tcp        loopback        FAIL     SENT  RECEIVED   LOSS%        MS       -  lo         sender: stopped at the time limit (5 s)

Likely cause (sender stopped at the time limit): the receiver stopped taking the
  data (a TCP connection whose packets are dropped midway), or a stuck program.

verdict: FAIL - 0 of 1 runs passed
END
expect_same "stalled: the row" "$WORK/stalled.want" "$WORK/stalled.got"

# ---- a program that ends early, or fails, without an ERROR line: the
# row carries its first line on stderr (not its stdout, not a NOTE), not
# only its exit status. The prefix stands in for the failing program.
# shellcheck disable=SC2016 # the wrapper's own $1 and $@
printf '%s\n' '#!/bin/sh' 'mode=$1' 'shift' 'case $mode:$1 in' \
    '    receiver-early:*/mdump) echo "a line on stdout"; echo "mdump: cannot start here" >&2; exit 1 ;;' \
    '    receiver-late:*/mdump) echo "Equiv cmd line: mdump"; sleep 2; echo "mdump: gave up" >&2; exit 1 ;;' \
    '    sender:*/msend) echo "NOTE: a note first" >&2; echo "msend: lost its way" >&2; exit 1 ;;' \
    '    initiator:*/mpong) case " $* " in *" -i "*) echo "mpong: the initiator broke" >&2; exit 1 ;; esac ;;' \
    '    reflector:*/mpong) case " $* " in *" --announce "*) echo "Reflecting datagrams"; echo "ERROR: the reflector broke" >&2; exit 1 ;; esac ;;' \
    'esac' 'exec "$@"' > "$WORK/fails"
chmod +x "$WORK/fails"
# ended MODE STATUS DETAIL: mcheck over UDP with the prefix in MODE exits
# with STATUS, its row's result and detail DETAIL ('PASS ...' with a round
# trip's note, the figures masked).
ended() {
    in_ns "$MCHECK" "${RUN[@]}" --timeout 2 --transports udp --linux-run "$WORK/fails $1" > "$WORK/$1.out" 2> "$WORK/$1.err"
    expect_status "ends early ($1)" "$2" $?
    mask < "$WORK/$1.out" > "$WORK/$1.got"
    printf '%s\n' "$HEADER" "$3" > "$WORK/$1.want"
    sed -n '1,3p' "$WORK/$1.got" > "$WORK/$1.rows"
    expect_same "ends early ($1): the row" "$WORK/$1.want" "$WORK/$1.rows"
    expect_same "ends early ($1): nothing on stderr" /dev/null "$WORK/$1.err"
}
ended receiver-early 1 'udp        loopback        FAIL        0         0       -         -       -  lo         receiver: ended before it was ready (exit status 1): mdump: cannot start here'
ended receiver-late 1 'udp        loopback        FAIL       20         0   100.0         -       -  lo         receiver: ended with exit status 1: mdump: gave up'
ended sender 1 'udp        loopback        FAIL        0         0       -         -       -  lo         sender: exited with status 1: msend: lost its way'
ended initiator 0 'udp        loopback        PASS       20        20     0.0        MS       -  lo         round trip: mpong failed (exit status 1): mpong: the initiator broke'
ended reflector 0 'udp        loopback        PASS       20        20     0.0        MS       -  lo         round trip: no reply in 20 tries; the reflector ended (exit status 1): ERROR: the reflector broke'

# ---- the round trip: every row of a clean run, then mpong's probes (to
# port 12001) dropped while msend's messages pass.
in_ns "$MCHECK" "${RUN[@]}" --timeout 3 > "$WORK/rtt.out" 2>&1
expect_status "rtt: clean" 0 $?
mask < "$WORK/rtt.out" > "$WORK/rtt.got"
cat > "$WORK/rtt.want" <<END
$HEADER
tcp        loopback        PASS       20        20     0.0        MS       -  lo
udp        loopback        PASS       20        20     0.0        MS      US  lo
multicast  loopback        PASS       20        20     0.0        MS      US  lo

verdict: PASS - all 3 runs got through
END
expect_same "rtt: clean, the rows" "$WORK/rtt.want" "$WORK/rtt.got"
in_ns "$MCHECK" "${RUN[@]}" --timeout 3 --transports udp --json > "$WORK/rtt.json" 2>&1
CHECKS=$((CHECKS + 1))
if grep -qE '"first_ms": [0-9]+, "rtt_us": [1-9][0-9]*, "interface": "lo"' "$WORK/rtt.json"; then
    pass "rtt: the JSON's rtt_us is a figure"
else fail "rtt: JSON $(grep transport "$WORK/rtt.json")"; fi
in_ns nft add table inet mtfault
in_ns nft add chain inet mtfault input "{ type filter hook input priority 0; }"
in_ns nft add rule inet mtfault input udp dport 12001 drop
t0=$SECONDS
in_ns "$MCHECK" "${RUN[@]}" --timeout 3 --transports udp > "$WORK/noreply.out" 2>&1
expect_status "rtt: no reply (the row still passes)" 0 $?
CHECKS=$((CHECKS + 1))
# The messages, then 25 probes of 200 ms.
if [ $((SECONDS - t0)) -le 10 ]; then pass "rtt: no reply, done in $((SECONDS - t0)) s"
else fail "rtt: no reply, took $((SECONDS - t0)) s"; fi
mask < "$WORK/noreply.out" > "$WORK/noreply.got"
cat > "$WORK/noreply.want" <<END
$HEADER
udp        loopback        PASS       20        20     0.0        MS       -  lo         round trip: no reply in 20 tries

verdict: PASS - all 1 runs got through
END
expect_same "rtt: no reply, the row" "$WORK/noreply.want" "$WORK/noreply.got"
in_ns nft delete table inet mtfault
finish
