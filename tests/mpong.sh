#!/usr/bin/env bash
# mpong.sh - mpong between two network namespaces joined by a veth pair
# (A 192.0.2.1, B 192.0.2.2), and against a stand-in of the old mpong
# ($OLD_MPONG, tests/old_mpong.c: the interface page's behaviour):
#   - the whole output, figures masked, and the figures checked against
#     the samples themselves (mean, population std dev, nearest-rank
#     percentiles, histogram buckets);
#   - the old tool's command lines, ours and the old one's side by side in
#     the same roles: the same lines, ours followed by its percentiles and
#     counts; either initiator with either reflector (the old initiator
#     exits with an error when a reply is not its own probe), the Windows
#     payload too;
#   - unicast (-u): the reflector answers whoever sent; IPv6 unicast, and
#     IPv6 multicast on interfaces given by name;
#   - every tenth probe dropped (nftables' numgen): the right counts, within
#     the bound the timeouts give; nothing answered: status 3, no hang;
#   - late replies (the stand-in holding every tenth datagram): counted
#     late, never taken for the current cycle's;
#   - -o, --json, the reflector's bounds (-s, --idle-timeout), Ctrl-C.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mpong_lib.sh"
: "${OLD_MPONG:?OLD_MPONG must name the stand-in of the old mpong (tests/old_mpong.c)}"
need_root_netns
need_cmd nft nftables
need_cmd python3 python3

A=mtpa$$
B=mtpb$$
two_hosts "$A" 192.0.2.1/24 "$B" 192.0.2.2/24
# Multicast without an interface argument leaves by the veth, as by a
# default route.
for ns in "$A" "$B"; do
    ip -n "$ns" route add 224.0.0.0/4 dev "$(ip -n "$ns" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }')"
done
GROUP=239.101.3.20
PORT=12000
in_b() { ip netns exec "$B" "$@"; }

# reflector NS OUT ARGS...: a reflector in the background (REFLECTOR),
# ready once its socket is (waits for the port).
reflector() {
    local ns=$1 out=$2
    shift 2
    spawn "$out" ip netns exec "$ns" "$@"
    REFLECTOR=$SPAWNED
    wait_listening "$ns" udp $((PORT + 1)) 10
}

# ---- ours with ours: the whole output, masked, and its figures.
reflector "$B" "$WORK/r1.out" "$MPONG" --announce -s 20 --warmup 5 "$GROUP" "$PORT" 192.0.2.2
t0=$SECONDS
timeout 30 ip netns exec "$A" "$MPONG" -i -v -s 20 --warmup 5 --histogram "$GROUP" "$PORT" 1 192.0.2.1 \
    > "$WORK/i1.out" 2> "$WORK/i1.err"
expect_status "multicast: initiator" 0 $?
wait_exit "$REFLECTOR" 10
expect_status "multicast: reflector ends after -s and the warm-up" 0 "$STATUS"
mask_results < "$WORK/i1.out" > "$WORK/i1.got"
{
    echo "timestamp RTT (in microseconds):"
    for _ in $(seq 20); do echo "T RTT"; done
    echo "avg RTT A us, std dev D, min RTT N us, max RTT N us"
    echo "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us"
    echo "RTT histogram:"
    echo "BUCKETS"
    echo "20 sent, 20 received, 0 lost, 0 late"
} > "$WORK/i1.want"
expect_same "multicast: initiator's output" "$WORK/i1.want" "$WORK/i1.got"
printf '%s' "${RCVBUF_NOTE:+$RCVBUF_NOTE$'\n'}" > "$WORK/i1.err.want"
expect_same "multicast: stderr" "$WORK/i1.err.want" "$WORK/i1.err"
CHECKS=$((CHECKS + 1))
if [ -z "$RCVBUF_WARNING" ] || [ "$(head -1 "$WORK/i1.out")" = "$RCVBUF_WARNING" ]; then
    pass "multicast: the SO_RCVBUF warning where the kernel's limit asks for it (limit $RMAX)"
else fail "multicast: no '$RCVBUF_WARNING' line first"; fi
check_figures "multicast" "$WORK/i1.out"
unwarned < "$WORK/r1.out" > "$WORK/r1.got"
printf '%s\n' "Reflecting datagrams to $GROUP:$((PORT + 1)) back to $GROUP:$PORT" \
    "25 datagrams reflected" > "$WORK/r1.want"
expect_same "multicast: reflector's output (--announce)" "$WORK/r1.want" "$WORK/r1.got"
# The -v times are the sends' since the first measured one, ascending.
CHECKS=$((CHECKS + 1))
if awk '/^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9] / { t = $1 + 0; if (NR > 2 && t < last) bad = 1; if (!seen++ && $1 != "0.000000") bad = 1; last = t }
        END { exit bad }' "$WORK/i1.out"; then pass "multicast: sample times from 0.000000, ascending"
else fail "multicast: sample times: $(grep -m3 -E '^[0-9]+\.' "$WORK/i1.out" | tr '\n' ' ')"; fi

# ---- the old command lines: the stand-in and ours in the same role, with
# the other side the other program; ours prints the old lines, then its own.
# compare_old NAME "OPTIONS" "A's POSITIONALS" "B's POSITIONALS": the
# initiator in A, the reflector in B, given the same options.
compare_old() {
    local name=$1 opts=$2 pos_a=$3 pos_b=$4
    # shellcheck disable=SC2086 # word lists
    reflector "$B" "$WORK/$name.rold" "$OLD_MPONG" $opts $pos_b
    # shellcheck disable=SC2086
    timeout 30 ip netns exec "$A" "$MPONG" -i $opts $pos_a > "$WORK/$name.ours" 2> "$WORK/$name.ours.err"
    expect_status "$name: ours, with the old reflector" 0 $?
    kill "$REFLECTOR"
    wait_exit "$REFLECTOR" 10
    # shellcheck disable=SC2086
    reflector "$B" "$WORK/$name.rours" "$MPONG" $opts $pos_b
    # shellcheck disable=SC2086
    timeout 30 ip netns exec "$A" "$OLD_MPONG" -i $opts $pos_a > "$WORK/$name.old" 2> "$WORK/$name.old.err"
    expect_status "$name: the old one, with our reflector" 0 $?
    kill "$REFLECTOR" 2> /dev/null
    wait_exit "$REFLECTOR" 10
    mask_results < "$WORK/$name.old" > "$WORK/$name.want"
    printf '%s\n' "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us" \
        "$(sed -nE 's/.*-s ([0-9]+).*/\1 sent, \1 received, 0 lost, 0 late/p' <<< " $opts")" >> "$WORK/$name.want"
    mask_results < "$WORK/$name.ours" > "$WORK/$name.got"
    expect_same "$name: ours prints the old lines, then its own" "$WORK/$name.want" "$WORK/$name.got"
    case " $opts " in *" -v "*) check_figures "$name: ours" "$WORK/$name.ours" ;; esac
    # The reflectors: the same lines (ours' NOTEs on stderr apart).
    unwarned < "$WORK/$name.rold" > "$WORK/$name.rold.got"
    unwarned < "$WORK/$name.rours" | grep -v '^NOTE: ' > "$WORK/$name.rours.got"
    expect_same "$name: the reflectors print the same" "$WORK/$name.rold.got" "$WORK/$name.rours.got"
}
compare_old plain "-s 50" "$GROUP $PORT" "$GROUP $PORT"
compare_old verbose "-v -s 30" "$GROUP $PORT 1 192.0.2.1" "$GROUP $PORT 1 192.0.2.2"
compare_old buffers "-r 0 -S 0 -s 10 -v" "$GROUP $PORT 3 192.0.2.1" "$GROUP $PORT 3 192.0.2.2"
# A receive buffer beyond the system's limit: the same WARNING on stdout
# from both (and ours says on stderr what was granted), the reflectors too.
compare_old warning "-r 2147483647 -s 10" "$GROUP $PORT" "$GROUP $PORT"
printf '%s\n' "NOTE: Linux granted $RMAX bytes (getsockopt reports twice that) and gives at most 1073741823: ask for at most that, with sysctl -w net.core.rmem_max=1073741823" \
    > "$WORK/warning.err.want"
expect_same "warning: ours' NOTE on stderr" "$WORK/warning.err.want" "$WORK/warning.ours.err"
for f in warning.ours warning.rold; do
    CHECKS=$((CHECKS + 1))
    if grep -qx "WARNING: tried to set SO_RCVBUF to 2147483647, only got $((RMAX * 2))" "$WORK/$f"; then
        pass "warning: the SO_RCVBUF line ($f)"
    else fail "warning: no SO_RCVBUF line in $f: $(head -2 "$WORK/$f")"; fi
done

# The old Windows initiator's 8-byte payload, reflected unchanged.
reflector "$B" "$WORK/win.r" "$MPONG" -s 10 "$GROUP" "$PORT" 192.0.2.2
timeout 30 ip netns exec "$A" "$OLD_MPONG" -i -W -s 10 "$GROUP" "$PORT" 1 192.0.2.1 > "$WORK/win.out" 2>&1
expect_status "the old Windows payload (8 bytes)" 0 $?
wait_exit "$REFLECTOR" 10
expect_status "the old Windows payload: our reflector ends after 10 + 20" 0 "$STATUS"
mask_results < "$WORK/win.out" > "$WORK/win.got"
echo "avg RTT A us, std dev D, min RTT N us, max RTT N us" > "$WORK/win.want"
expect_same "the old Windows payload: its line" "$WORK/win.want" "$WORK/win.got"

# ---- unicast: the reflector answers whoever sent, at its port.
reflector "$B" "$WORK/u.r" "$MPONG" -u --announce -s 10 --warmup 2 0.0.0.0 "$PORT"
timeout 30 ip netns exec "$A" "$MPONG" -i -u -s 10 --warmup 2 192.0.2.2 "$PORT" 64 192.0.2.1 \
    > "$WORK/u.out" 2>&1
expect_status "unicast: initiator" 0 $?
wait_exit "$REFLECTOR" 10
expect_status "unicast: reflector" 0 "$STATUS"
mask_results < "$WORK/u.out" > "$WORK/u.got"
printf '%s\n' "avg RTT A us, std dev D, min RTT N us, max RTT N us" \
    "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us" \
    "10 sent, 10 received, 0 lost, 0 late" > "$WORK/u.want"
expect_same "unicast: initiator's output" "$WORK/u.want" "$WORK/u.got"
printf '%s\n' "Reflecting datagrams to 0.0.0.0:$((PORT + 1)) back to each sender" \
    "12 datagrams reflected" > "$WORK/u.r.want"
unwarned < "$WORK/u.r" > "$WORK/u.r.got"
expect_same "unicast: reflector's output" "$WORK/u.r.want" "$WORK/u.r.got"
# A reflector on its own address; an initiator at another port answered
# at that port.
reflector "$B" "$WORK/u2.r" "$MPONG" -u -s 5 --warmup 0 192.0.2.2 "$PORT"
timeout 30 ip netns exec "$A" "$MPONG" -i -u -s 5 --warmup 0 192.0.2.2 "$PORT" > "$WORK/u2.out" 2>&1
expect_status "unicast to the reflector's own address" 0 $?
wait_exit "$REFLECTOR" 10
expect_status "unicast: reflector on its own address" 0 "$STATUS"
tail -1 "$WORK/u2.out" > "$WORK/u2.got"
echo "5 sent, 5 received, 0 lost, 0 late" > "$WORK/u2.want"
expect_same "unicast to the reflector's own address: the counts" "$WORK/u2.want" "$WORK/u2.got"

# ---- IPv6: unicast to the reflector's address, and multicast on an
# interface given by its name.
veth_a=$(ip -n "$A" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }')
veth_b=$(ip -n "$B" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }')
ip -n "$A" addr add fd00::1/64 dev "$veth_a" nodad
ip -n "$B" addr add fd00::2/64 dev "$veth_b" nodad
reflector "$B" "$WORK/u6.r" "$MPONG" -u --announce -s 10 --warmup 2 :: "$PORT"
timeout 30 ip netns exec "$A" "$MPONG" -i -u -s 10 --warmup 2 fd00::2 "$PORT" 64 fd00::1 \
    > "$WORK/u6.out" 2>&1
expect_status "IPv6 unicast: initiator" 0 $?
wait_exit "$REFLECTOR" 10
expect_status "IPv6 unicast: reflector" 0 "$STATUS"
mask_results < "$WORK/u6.out" > "$WORK/u6.got"
expect_same "IPv6 unicast: initiator's output" "$WORK/u.want" "$WORK/u6.got"
printf '%s\n' "Reflecting datagrams to [::]:$((PORT + 1)) back to each sender" \
    "12 datagrams reflected" > "$WORK/u6.r.want"
unwarned < "$WORK/u6.r" > "$WORK/u6.r.got"
expect_same "IPv6 unicast: reflector's output" "$WORK/u6.r.want" "$WORK/u6.r.got"
reflector "$B" "$WORK/m6.r" "$MPONG" -s 10 --warmup 2 ff15::101:3:20 "$PORT" "$veth_b"
timeout 30 ip netns exec "$A" "$MPONG" -i -s 10 --warmup 2 ff15::101:3:20 "$PORT" 1 "$veth_a" \
    > "$WORK/m6.out" 2>&1
expect_status "IPv6 multicast on interfaces by name: initiator" 0 $?
wait_exit "$REFLECTOR" 10
expect_status "IPv6 multicast: reflector" 0 "$STATUS"
mask_results < "$WORK/m6.out" > "$WORK/m6.got"
expect_same "IPv6 multicast: initiator's output" "$WORK/u.want" "$WORK/m6.got"

# ---- every tenth probe dropped on its way to the reflector: 120 probes
# (20 warm-up), the 1st, 11th, ... 111th dropped: 10 measured cycles lost.
nft_drop "$B" input udp dport $((PORT + 1)) numgen inc mod 10 0
reflector "$B" "$WORK/loss.r" "$MPONG" --idle-timeout 3s "$GROUP" "$PORT" 192.0.2.2
t0=$SECONDS
timeout 30 ip netns exec "$A" "$MPONG" -i -v -s 100 --timeout 200ms "$GROUP" "$PORT" 1 192.0.2.1 \
    > "$WORK/loss.out" 2>&1
expect_status "10% loss: initiator" 0 $?
took=$((SECONDS - t0))
CHECKS=$((CHECKS + 1))
# 1 s settling, 12 lost cycles of 200 ms, the rest at once.
if [ "$took" -le 6 ]; then pass "10% loss: done in $took s (bound 6 s)"
else fail "10% loss: took $took s"; fi
mask_results < "$WORK/loss.out" | tail -3 > "$WORK/loss.got"
printf '%s\n' "avg RTT A us, std dev D, min RTT N us, max RTT N us" \
    "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us" \
    "100 sent, 90 received, 10 lost, 0 late" > "$WORK/loss.want"
expect_same "10% loss: the counts" "$WORK/loss.want" "$WORK/loss.got"
check_figures "10% loss" "$WORK/loss.out"
# The lost cycles are the 1st, 11th, ... 91st measured (probes 21, 31, ...).
grep -nE '^[0-9]+\.[0-9]{6} lost$' "$WORK/loss.out" | cut -d: -f1 | tr '\n' ' ' > "$WORK/loss.lines"
expect_same "10% loss: which cycles" <(seq 2 10 92 | tr '\n' ' ') "$WORK/loss.lines"
wait_exit "$REFLECTOR" 10
expect_status "10% loss: the reflector ends 3 s after the last probe (--idle-timeout)" 0 "$STATUS"
unwarned < "$WORK/loss.r" > "$WORK/loss.r.got"
expect_same "10% loss: the reflector prints nothing" /dev/null "$WORK/loss.r.got"
in_b nft delete table inet mtfault

# ---- nothing answers: every cycle lost, status 3, within the bound.
t0=$SECONDS
timeout 30 ip netns exec "$A" "$MPONG" -i -s 5 --warmup 2 --timeout 100ms "$GROUP" "$PORT" 1 192.0.2.1 \
    > "$WORK/none.out" 2>&1
expect_status "no reflector" 3 $?
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 4 ]; then pass "no reflector: done in $((SECONDS - t0)) s"
else fail "no reflector: took $((SECONDS - t0)) s"; fi
printf '%s\n' "no RTT samples" "5 sent, 0 received, 5 lost, 0 late" > "$WORK/none.want"
unwarned < "$WORK/none.out" > "$WORK/none.got"
expect_same "no reflector: the output" "$WORK/none.want" "$WORK/none.got"

# ---- late replies: the stand-in holds every tenth datagram 300 ms (the
# 10th and 20th probes: cycles 9 and 19), the cycles are 50 ms apart and
# wait 100 ms: each held reply comes some cycles later, is counted late,
# and no cycle takes it for its own.
# The checks below hold to the millisecond, which a stall of a loaded
# machine (hundreds of ms seen) can upset in one run: a run that misses
# them is tried again, up to three runs, and the checks then judge the last.
late_ok() {
    local span
    span=$(awk '/^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9] / { t = $1 } END { print t }' "$WORK/late.out")
    [ "$1" -eq 0 ] && grep -qx '28 sent, 26 received, 2 lost, 2 late' "$WORK/late.out" &&
        awk -v s="$span" 'BEGIN { exit !(s >= 1.45 && s < 1.46) }'
}
for attempt in 1 2 3; do
    reflector "$B" "$WORK/late.r" "$OLD_MPONG" -D 300 -E 10 "$GROUP" "$PORT" 1 192.0.2.2
    sleep 1 # the stand-in's settling: nothing counted before it reflects
    timeout 30 ip netns exec "$A" "$MPONG" -i -v -s 28 --warmup 0 --interval 50 --timeout 100ms \
        "$GROUP" "$PORT" 1 192.0.2.1 > "$WORK/late.out" 2>&1
    late_status=$?
    kill "$REFLECTOR"
    wait_exit "$REFLECTOR" 10
    if late_ok "$late_status"; then break; fi
    echo "late: run $attempt missed its figures, tried again"
done
expect_status "late: initiator" 0 "$late_status"
mask_results < "$WORK/late.out" | tail -3 > "$WORK/late.got"
printf '%s\n' "avg RTT A us, std dev D, min RTT N us, max RTT N us" \
    "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us" \
    "28 sent, 26 received, 2 lost, 2 late" > "$WORK/late.want"
expect_same "late: counted late, not as replies" "$WORK/late.want" "$WORK/late.got"
grep -nE '^[0-9]+\.[0-9]{6} lost$' "$WORK/late.out" | cut -d: -f1 | tr '\n' ' ' > "$WORK/late.lines"
expect_same "late: cycles 9 and 19 lost" <(printf '11 21 ') "$WORK/late.lines"
check_figures "late" "$WORK/late.out"
# Each cycle's RTT is its own reply's: none near the 300 ms hold.
CHECKS=$((CHECKS + 1))
max=$(awk '/^max RTT|^avg RTT/ { print $14 }' "$WORK/late.out")
if [ "${max:-999999}" -lt 50000 ]; then pass "late: the largest RTT is $max us"
else fail "late: an RTT of $max us: a late reply taken for a cycle's"; fi
# The cycles keep their schedule: 25 intervals of 50 ms and the two lost
# cycles' waits of 100 ms, waking late not adding up.
span=$(awk '/^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9] / { t = $1 } END { print t }' "$WORK/late.out")
CHECKS=$((CHECKS + 1))
if awk -v s="$span" 'BEGIN { exit !(s >= 1.45 && s < 1.46) }'; then
    pass "late: the last cycle sent at $span s (25 x 50 ms + 2 x 100 ms)"
else fail "late: the last cycle sent at $span s, expected 1.45"; fi

# ---- -o: the results with every sample, -v or not; --json on stdout, the
# reflector's too.
reflector "$B" "$WORK/o.r" "$MPONG" -s 10 --warmup 1 --json "$GROUP" "$PORT" 192.0.2.2
timeout 30 ip netns exec "$A" "$MPONG" -i -s 10 --warmup 1 --histogram --json -o "$WORK/o.file" \
    "$GROUP" "$PORT" 1 192.0.2.1 > "$WORK/o.json" 2> "$WORK/o.err"
expect_status "-o and --json" 0 $?
wait_exit "$REFLECTOR" 10
o_reflector=$STATUS
mask_results < "$WORK/o.file" > "$WORK/o.got"
{
    echo "timestamp RTT (in microseconds):"
    for _ in $(seq 10); do echo "T RTT"; done
    echo "avg RTT A us, std dev D, min RTT N us, max RTT N us"
    echo "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us"
    echo "RTT histogram:"
    echo "BUCKETS"
    echo "10 sent, 10 received, 0 lost, 0 late"
} > "$WORK/o.want"
expect_same "-o: the file holds the samples and the results" "$WORK/o.want" "$WORK/o.got"
check_figures "-o" "$WORK/o.file"
printf '%s' "${RCVBUF_WARNING:+$RCVBUF_WARNING$'\n'$RCVBUF_NOTE$'\n'}" > "$WORK/o.err.want"
expect_same "--json: stderr (the warning there, not on stdout)" "$WORK/o.err.want" "$WORK/o.err"
CHECKS=$((CHECKS + 1))
if json=$(python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, "%d lines" % len(lines)
j = json.loads(lines[0])
assert (j["role"], j["transport"], j["address"], j["port"]) == ("initiator", "multicast", sys.argv[2], 12000), j
assert (j["sent"], j["received"], j["lost"], j["late"], j["warmup"]) == (10, 10, 0, 0, 1), j
# a finished run: its status, not stopped, the cycles asked for
assert (j["status"], j["stopped"], j["cycles"]) == (0, False, 10), j
r = j["rtt_us"]
assert r["min"] <= r["p50"] <= r["p90"] <= r["p99"] <= r["p99.9"] <= r["max"], r
assert sum(b["count"] for b in j["histogram"]) == 10, j["histogram"]
# the same figures as the text in the file
text = open(sys.argv[3]).read()
assert "max RTT %d us" % r["max"] in text and "p50 %d us" % r["p50"] in text, (r, text)
print("ok")' "$WORK/o.json" "$GROUP" "$WORK/o.file" 2>&1); then pass "--json: one object, its figures the file's"
else fail "--json: $json"; fi
# The reflector's object: its exit status (as the initiator's: 0, it
# ended after -s and the warm-up) beside why it ended, every member exact.
expect_status "--json: the reflector" 0 "$o_reflector"
unwarned < "$WORK/o.r" > "$WORK/o.r.json"
CHECKS=$((CHECKS + 1))
if json=$(python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, "%d lines" % len(lines)
j = json.loads(lines[0])
want = {"role": "reflector", "transport": "multicast", "address": sys.argv[2], "port": 12000,
        "status": 0, "reflected": 11, "not_reflected": 0, "ended": "count"}
assert j == want, j
assert list(j) == list(want), list(j)
print("ok")' "$WORK/o.r.json" "$GROUP" 2>&1); then pass "--json: the reflector's object, its status 0"
else fail "--json: the reflector: $json"; fi

# ---- the reflector's bounds and Ctrl-C.
t0=$SECONDS
timeout 20 ip netns exec "$B" "$MPONG" --idle-timeout 500ms "$GROUP" "$PORT" > "$WORK/idle.out" 2>&1
expect_status "reflector: nothing received" 3 $?
echo "TIMEOUT: nothing received for 500 ms" > "$WORK/idle.want"
unwarned < "$WORK/idle.out" > "$WORK/idle.got"
expect_same "reflector: nothing received, the line" "$WORK/idle.want" "$WORK/idle.got"
timeout 20 ip netns exec "$B" "$MPONG" --json --idle-timeout 1s -u 0.0.0.0 "$PORT" > "$WORK/idle.json" 2>&1
expect_status "reflector --json: nothing received" 3 $?
echo '{"role": "reflector", "transport": "udp", "address": "0.0.0.0", "port": 12000, "status": 3, "reflected": 0, "not_reflected": 0, "ended": "idle"}' \
    > "$WORK/idle.json.want"
unwarned < "$WORK/idle.json" > "$WORK/idle.json.got"
expect_same "reflector --json: the object" "$WORK/idle.json.want" "$WORK/idle.json.got"
# Probes that come but whose reflections this host's firewall refuses
# (EPERM): no "TIMEOUT: nothing received" (it said so, and ended 3, as if
# the probes never came), status 5, and stderr says what failed.
nft_drop "$B" output udp sport $((PORT + 1))
spawn "$WORK/unsent.r" ip netns exec "$B" "$MPONG" --announce --idle-timeout 1s -u 0.0.0.0 "$PORT"
pid=$SPAWNED
wait_listening "$B" udp $((PORT + 1)) 10
timeout 20 ip netns exec "$A" "$MPONG" -i -u -s 3 --warmup 0 --timeout 100ms 192.0.2.2 "$PORT" \
    > "$WORK/unsent.i" 2>&1
expect_status "reflections refused: the initiator" 3 $?
wait_exit "$pid" 10
expect_status "reflections refused: the reflector" 5 "$STATUS"
in_b nft delete table inet mtfault
unwarned < "$WORK/unsent.r" > "$WORK/unsent.got"
printf '%s\n' "Reflecting datagrams to 0.0.0.0:$((PORT + 1)) back to each sender" \
    "WARNING: a reflection to each sender could not be sent (Operation not permitted); still reflecting" \
    "0 datagrams reflected" "WARNING: 3 of 3 reflections to each sender could not be sent" \
    > "$WORK/unsent.want"
expect_same "reflections refused: what the reflector says" "$WORK/unsent.want" "$WORK/unsent.got"
unwarned < "$WORK/unsent.i" > "$WORK/unsent.i.got"
printf '%s\n' "no RTT samples" "3 sent, 0 received, 3 lost, 0 late" > "$WORK/unsent.i.want"
expect_same "reflections refused: the initiator's counts" "$WORK/unsent.i.want" "$WORK/unsent.i.got"
spawn "$WORK/int.out" ip netns exec "$A" "$MPONG" -i -s 1000 --timeout 100ms "$GROUP" "$PORT" 1 192.0.2.1
pid=$SPAWNED
sleep 1.6
kill -INT "$pid"
wait_exit "$pid" 5
expect_status "initiator after Ctrl-C" 130 "$STATUS"
unwarned < "$WORK/int.out" | sed -E 's/^[0-9]+ sent, 0 received, [0-9]+ lost, 0 late$/N sent, 0 received, N lost, 0 late/' > "$WORK/int.got"
printf '%s\n' "no RTT samples" "N sent, 0 received, N lost, 0 late" > "$WORK/int.want"
expect_same "initiator after Ctrl-C: the results so far" "$WORK/int.want" "$WORK/int.got"
# ---- settings the system keeps otherwise (emulated by the option shim:
# IPPROTO_IP 0: IP_MULTICAST_IF 32, IP_MULTICAST_TTL 33; SOL_SOCKET 1:
# SO_REUSEADDR 2): warned on stdout, as the old tool's warnings were.
# settings_case NAME KEEP ARGS... WARNING: the reflector, idle after 300 ms.
settings_case() {
    local name=$1 keep=$2 warning=${*: -1}
    timeout 20 ip netns exec "$B" env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION="$keep" \
        "$MPONG" --idle-timeout 300ms "${@:3:$#-3}" > "$WORK/$name.out" 2> /dev/null
    expect_status "$name" 3 $?
    unwarned < "$WORK/$name.out" > "$WORK/$name.got"
    printf '%s\n' "$warning" "TIMEOUT: nothing received for 300 ms" > "$WORK/$name.want"
    expect_same "$name: the warning" "$WORK/$name.want" "$WORK/$name.got"
}
if [ -n "${OPTION_SHIM:-}" ]; then
    settings_case ttl-kept 0:33:1 "$GROUP" "$PORT" 15 192.0.2.2 \
        "WARNING: tried to set IP_MULTICAST_TTL to 15, only got 1"
    settings_case interface-kept 0:32:0 "$GROUP" "$PORT" 192.0.2.2 \
        "WARNING: tried to set IP_MULTICAST_IF to 192.0.2.2, got 0.0.0.0"
    settings_case reuse-kept 1:2:0 -u 0.0.0.0 "$PORT" \
        "WARNING: tried to set SO_REUSEADDR to 1, only got 0"
else
    fail "OPTION_SHIM is not set: the settings kept otherwise are not checked"
fi
finish
