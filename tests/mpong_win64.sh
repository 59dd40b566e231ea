#!/usr/bin/env bash
# mpong_win64.sh WIN64_DIR - the Windows mpong (WIN64_DIR/mpong.exe, under
# wine) and the Linux one ($MPONG: Linux64/mpong in the suite) across two
# namespaces joined by a veth pair, W 192.0.2.10 (wine) and L 192.0.2.200,
# in both roles, over multicast and unicast UDP:
#   - each side's whole output, figures masked (the Windows one's lines end
#     in CRLF), its figures checked against its samples, the counts right;
#   - the probes are the same 32 bytes from either system (the magic
#     counted by nftables on the way);
#   - the Windows initiator times in microseconds (QueryPerformanceCounter),
#     not in the milliseconds of the old Windows tools.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mpong_lib.sh"
need_root_netns
need_cmd nft nftables
WIN64=${1:?usage: mpong_win64.sh WIN64_DIR}
[ -f "$WIN64/mpong.exe" ] || { echo "FAIL: no $WIN64/mpong.exe" >&2; exit 1; }

W=mtpw$$
L=mtpl$$
two_hosts "$W" 192.0.2.10/24 "$L" 192.0.2.200/24
wine_in "$W"
GROUP=239.101.3.21
PORT=12000
WINE_MPONG=(ip netns exec "$W" wine "$WIN64/mpong.exe")
LINUX_MPONG=(ip netns exec "$L" "$MPONG")

# Every probe that crosses the link, by its UDP length (8 + 32) and magic
# "MPNG" at the start of the payload, counted at each side's input.
for ns in "$W" "$L"; do
    if ! { ip netns exec "$ns" nft add table inet mtcount &&
           ip netns exec "$ns" nft add chain inet mtcount input "{ type filter hook input priority 0; }" &&
           ip netns exec "$ns" nft add rule inet mtcount input udp dport $((PORT + 1)) udp length 40 \
               @th,64,32 0x4d504e47 counter; }; then
        fail "nft: no probe counter in $ns"
        exit 1
    fi
done
probes_into() { # NS: the probes counted so far at its input
    ip netns exec "$1" nft list chain inet mtcount input | sed -nE 's/.*counter packets ([0-9]+) .*/\1/p'
}

# The Windows program's lines end in CRLF; compared as lines after that.
check_crlf() { # NAME FILE
    CHECKS=$((CHECKS + 1))
    local bare
    bare=$(grep -c $'[^\r]$' "$2")
    if [ "$bare" -eq 0 ] && [ -s "$2" ]; then pass "$1: every line ends with CRLF"
    else fail "$1: $bare lines without CRLF"; fi
}
lines_of() { tr -d '\r' < "$1"; }

# pair NAME REFLECTOR_SIDE "REFLECTOR ARGS" "INITIATOR ARGS" COUNT: the
# reflector (with --announce, waited for), then the initiator with -v; the
# initiator's output masked against the lines COUNT samples give.
pair() {
    local name=$1 side=$2 rargs=$3 iargs=$4 count=$5 before
    local -a refl init
    if [ "$side" = windows ]; then refl=("${WINE_MPONG[@]}") init=("${LINUX_MPONG[@]}")
    else refl=("${LINUX_MPONG[@]}") init=("${WINE_MPONG[@]}"); fi
    before=$(probes_into "$([ "$side" = windows ] && echo "$W" || echo "$L")")
    # shellcheck disable=SC2086 # word lists
    spawn "$WORK/$name.r" "${refl[@]}" --announce $rargs
    local rpid=$SPAWNED
    wait_for "$WORK/$name.r" '^Reflecting ' 60 || return
    # shellcheck disable=SC2086
    timeout 120 "${init[@]}" -i -v $iargs > "$WORK/$name.i" 2> "$WORK/$name.i.err"
    expect_status "$name: initiator" 0 $?
    wait_exit "$rpid" 30
    expect_status "$name: reflector ends after -s and the warm-up" 0 "$STATUS"
    if [ "$side" = windows ]; then check_crlf "$name: reflector" "$WORK/$name.r"
    else check_crlf "$name: initiator" "$WORK/$name.i"; fi
    lines_of "$WORK/$name.i" | mask_results > "$WORK/$name.got"
    {
        echo "timestamp RTT (in microseconds):"
        for _ in $(seq "$count"); do echo "T RTT"; done
        echo "avg RTT A us, std dev D, min RTT N us, max RTT N us"
        echo "RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us"
        echo "$count sent, $count received, 0 lost, 0 late"
    } > "$WORK/$name.want"
    expect_same "$name: initiator's output" "$WORK/$name.want" "$WORK/$name.got"
    lines_of "$WORK/$name.i" > "$WORK/$name.i.lf"
    check_figures "$name" "$WORK/$name.i.lf"
    lines_of "$WORK/$name.r" | unwarned > "$WORK/$name.r.got"
    printf '%s\n' "$REFLECTING" "$((count + 5)) datagrams reflected" > "$WORK/$name.r.want"
    expect_same "$name: reflector's output" "$WORK/$name.r.want" "$WORK/$name.r.got"
    local after
    after=$(probes_into "$([ "$side" = windows ] && echo "$W" || echo "$L")")
    CHECKS=$((CHECKS + 1))
    if [ $((after - before)) -eq $((count + 5)) ]; then
        pass "$name: $((count + 5)) probes of 32 bytes starting MPNG reached the reflector"
    else fail "$name: $((after - before)) probes of our layout counted, expected $((count + 5))"; fi
}

REFLECTING="Reflecting datagrams to $GROUP:$((PORT + 1)) back to $GROUP:$PORT"
pair multicast-to-windows windows "-s 40 --warmup 5 $GROUP $PORT 192.0.2.10" \
    "-s 40 --warmup 5 $GROUP $PORT 1 192.0.2.200" 40
pair multicast-to-linux linux "-s 40 --warmup 5 $GROUP $PORT 192.0.2.200" \
    "-s 40 --warmup 5 $GROUP $PORT 1 192.0.2.10" 40
REFLECTING="Reflecting datagrams to 0.0.0.0:$((PORT + 1)) back to each sender"
pair unicast-to-windows windows "-u -s 40 --warmup 5 0.0.0.0 $PORT" \
    "-u -s 40 --warmup 5 192.0.2.10 $PORT" 40
pair unicast-to-linux linux "-u -s 40 --warmup 5 0.0.0.0 $PORT" \
    "-u -s 40 --warmup 5 192.0.2.200 $PORT" 40

# The Windows initiator's RTTs in microseconds: not all whole milliseconds.
for name in multicast-to-linux unicast-to-linux; do
    CHECKS=$((CHECKS + 1))
    fine=$(awk '/^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9] [0-9]+$/ && $2 % 1000 != 0 { n++ } END { print n + 0 }' "$WORK/$name.i.lf")
    if [ "$fine" -gt 0 ]; then pass "$name: the Windows initiator's RTTs in microseconds ($fine of 40 not whole ms)"
    else fail "$name: every RTT of the Windows initiator is a whole millisecond"; fi
done
finish
