#!/usr/bin/env bash
# checker.sh WIN64_DIR LINUX64_DIR - mcheck in the Windows/WSL rig: two
# namespaces joined by a veth pair with the transcript's addresses, the
# Windows programs under wine in one, the Linux programs in the other. The
# full matrix must pass; then each injected fault must turn exactly its
# rows to FAIL or LOSS, within the time bound, with exit status 1:
#   - unicast UDP to Linux dropped (nftables): UDP Windows->Linux FAILs;
#   - TCP to Windows dropped: TCP Linux->Windows FAILs (connect timed out);
#   - 20% random loss from Linux to Windows (tc netem where the kernel has
#     it, else nftables' random numbers at Windows' input): UDP and
#     multicast Linux->Windows show LOSS with a plausible percentage, TCP
#     recovers;
#   - no network at all (links down): every row FAILs.
# The round-trip column: a figure for every UDP and multicast row that got
# through (mpong.exe under wine reflecting or initiating), null for TCP and
# for failed rows.
source "$(dirname "$0")/lib.sh"
need_root_netns
need_cmd nft nftables
WIN64=${1:?usage: checker.sh WIN64_DIR LINUX64_DIR}
LINUX64=${2:?usage: checker.sh WIN64_DIR LINUX64_DIR}
MCHECK=$(dirname "$0")/../mcheck

WIN_NS=mtcwin$$
WSL_NS=mtcwsl$$
two_hosts "$WIN_NS" 172.31.0.1/20 "$WSL_NS" 172.31.8.31/20
wine_in "$WIN_NS"
LIMIT=6
veth_of() { ip -n "$1" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }'; }

# check NAME WANT_STATUS "ROWS": runs mcheck --json; ROWS lists every run as
# transport/direction=RESULT (e.g. "udp/w2l=FAIL tcp/w2l=PASS ...").
check() {
    local name=$1 want_status=$2 rows=$3 t0=$SECONDS
    "$MCHECK" --json --timeout "$LIMIT" --count 200 --pause 2 \
        --windows-addr 172.31.0.1 --linux-addr 172.31.8.31 \
        --windows-dir "$WIN64" --linux-dir "$LINUX64" \
        --windows-run "ip netns exec $WIN_NS wine" --linux-run "ip netns exec $WSL_NS" \
        > "$WORK/$name.json" 2> "$WORK/$name.err"
    local status=$? took=$((SECONDS - t0))
    expect_status "$name" "$want_status" "$status"
    CHECKS=$((CHECKS + 1))
    # Six runs, each bounded by about twice LIMIT (connect or first datagram,
    # then sending; 200 messages 2 ms apart), with wine's start-up.
    if [ "$took" -le $((6 * (2 * LIMIT + 3))) ]; then pass "$name: done in $took s"
    else fail "$name: took $took s, over the bound"; fi
    local row
    for row in $rows; do
        local tr=${row%%/*} dir=${row#*/}
        local want=${dir#*=}
        dir=${dir%%=*}
        CHECKS=$((CHECKS + 1))
        local line got
        line=$(grep "\"transport\": \"$tr\", \"direction\": \"$dir\"" "$WORK/$name.json")
        got=$(sed -E 's/.*"result": "([A-Z]+)".*/\1/' <<< "$line")
        if [ "$got" = "$want" ]; then pass "$name: $tr $dir $got"
        else fail "$name: $tr $dir is ${got:-missing}, expected $want: $line"; fi
    done
    CHECKS=$((CHECKS + 1))
    local runs
    runs=$(grep -c '"transport":' "$WORK/$name.json")
    if [ "$runs" -eq 6 ]; then pass "$name: 6 rows"; else fail "$name: $runs rows"; cat "$WORK/$name.err" >&2; fi
}
row_field() { # name transport direction field
    grep "\"transport\": \"$2\", \"direction\": \"$3\"" "$WORK/$1.json" |
        sed -E "s/.*\"$4\": (\"[^\"]*\"|[^,}]*).*/\\1/"
}

# rtt_rows NAME "ROWS": each row's rtt_us is as said: a figure (N) or
# null ("transport/direction=N ...").
rtt_rows() {
    local name=$1 row got
    for row in $2; do
        local tr=${row%%/*} dir=${row#*/}
        local want=${dir#*=}
        dir=${dir%%=*}
        got=$(row_field "$name" "$tr" "$dir" rtt_us)
        CHECKS=$((CHECKS + 1))
        if { [ "$want" = N ] && [[ $got =~ ^[1-9][0-9]*$ ]]; } || [ "$got" = "$want" ]; then
            pass "$name: $tr $dir rtt_us $got"
        else fail "$name: $tr $dir rtt_us is '$got', expected ${want/N/a figure}"; fi
    done
}

ALL_PASS="tcp/w2l=PASS tcp/l2w=PASS udp/w2l=PASS udp/l2w=PASS multicast/w2l=PASS multicast/l2w=PASS"
check clean 0 "$ALL_PASS"
# The round trips, mpong.exe under wine on one side: over UDP and
# multicast, in each direction.
rtt_rows clean "tcp/w2l=null tcp/l2w=null udp/w2l=N udp/l2w=N multicast/w2l=N multicast/l2w=N"
CHECKS=$((CHECKS + 1))
if grep -q '"verdict": "PASS"' "$WORK/clean.json"; then pass "clean: verdict PASS"; else fail "clean: verdict"; fi
# Every row names the Linux side's interface: its veth, in its namespace.
CHECKS=$((CHECKS + 1))
rows_on_veth=$(grep -c "\"interface\": \"$(veth_of "$WSL_NS")\", " "$WORK/clean.json")
if [ "$rows_on_veth" -eq 6 ]; then pass "clean: every row on the Linux side's $(veth_of "$WSL_NS")"
else fail "clean: $rows_on_veth rows name the Linux side's veth: $(grep '"interface"' "$WORK/clean.json")"; fi

# Unicast UDP to the Linux side dropped.
nft_drop "$WSL_NS" input ip daddr 172.31.8.31 udp dport 12000
check udp-dropped 1 "tcp/w2l=PASS tcp/l2w=PASS udp/w2l=FAIL udp/l2w=PASS multicast/w2l=PASS multicast/l2w=PASS"
# No round trip is tried for a failed run; from Linux to Windows the
# reflections come back to port 12000 at Linux, dropped too: the row passes
# (the messages got through) and says that no reply came.
rtt_rows udp-dropped "udp/w2l=null udp/l2w=null multicast/l2w=N"
CHECKS=$((CHECKS + 1))
if [ "$(row_field udp-dropped udp l2w detail)" = '"round trip: no reply in 20 tries"' ]; then
    pass "udp-dropped: udp l2w says its round trip got no reply"
else fail "udp-dropped: udp l2w detail $(row_field udp-dropped udp l2w detail)"; fi
CHECKS=$((CHECKS + 1))
if [ "$(row_field udp-dropped udp w2l detail)" = "\"nothing arrived within $LIMIT s\"" ]; then
    pass "udp-dropped: the row says nothing arrived"
else fail "udp-dropped: detail $(row_field udp-dropped udp w2l detail)"; fi
ip netns exec "$WSL_NS" nft delete table inet mtfault

# TCP to the Windows side dropped: the connect times out.
nft_drop "$WIN_NS" input tcp dport 12000
check tcp-blocked 1 "tcp/w2l=PASS tcp/l2w=FAIL udp/w2l=PASS udp/l2w=PASS multicast/w2l=PASS multicast/l2w=PASS"
CHECKS=$((CHECKS + 1))
if [ "$(row_field tcp-blocked tcp l2w detail)" = '"sender: connection timed out"' ]; then
    pass "tcp-blocked: the row says the connection timed out"
else fail "tcp-blocked: detail $(row_field tcp-blocked tcp l2w detail)"; fi
ip netns exec "$WIN_NS" nft delete table inet mtfault

# 20% random loss on the way from Linux to Windows.
if ip netns exec "$WSL_NS" tc qdisc add dev "$(veth_of "$WSL_NS")" root netem loss 20% 2> /dev/null; then
    undo_loss() { ip netns exec "$WSL_NS" tc qdisc del dev "$(veth_of "$WSL_NS")" root; }
else
    # This kernel has no sch_netem: draw the loss with nftables instead.
    nft_drop "$WIN_NS" input ip saddr 172.31.8.31 numgen random mod 100 "<" 20
    undo_loss() { ip netns exec "$WIN_NS" nft delete table inet mtfault; }
fi
check netem-loss 1 "tcp/w2l=PASS tcp/l2w=PASS udp/w2l=PASS udp/l2w=LOSS multicast/w2l=PASS multicast/l2w=LOSS"
# Lossy rows still get their round trip: a lost probe costs its cycle.
rtt_rows netem-loss "udp/l2w=N multicast/l2w=N"
for tr in udp multicast; do
    CHECKS=$((CHECKS + 1))
    loss=$(row_field netem-loss "$tr" l2w loss_pct)
    if awk -v l="$loss" 'BEGIN { exit !(l >= 8 && l <= 35) }'; then pass "netem-loss: $tr loss $loss% (20% injected)"
    else fail "netem-loss: $tr loss $loss%, not near the 20% injected"; fi
done
undo_loss

# No network at all.
ip -n "$WSL_NS" link set "$(veth_of "$WSL_NS")" down
ip -n "$WIN_NS" link set "$(veth_of "$WIN_NS")" down
check no-network 1 "tcp/w2l=FAIL tcp/l2w=FAIL udp/w2l=FAIL udp/l2w=FAIL multicast/w2l=FAIL multicast/l2w=FAIL"
rtt_rows no-network "udp/w2l=null udp/l2w=null multicast/w2l=null multicast/l2w=null"
CHECKS=$((CHECKS + 1))
if grep -q '"verdict": "FAIL"' "$WORK/no-network.json"; then pass "no-network: verdict FAIL"; else fail "no-network: verdict"; fi
finish
