#!/usr/bin/env bash
# load.sh [SECONDS] - msend at full speed into mdump -Q1 -o file for SECONDS
# (default 60). Every line mdump printed to stdout must be in the file, in
# order (the two are compared whole); the memory and open descriptors of
# both programs, sampled every 2 s, must stay flat.
#
# Flat memory, measured so that a leak shows and a warm-up does not:
#  - the size of the data segment and private mappings (VmData), touched or
#    not, may grow by at most 256 KB after the first 10 s: every leaked
#    allocation adds to it, whichever page it lands on;
#  - resident anonymous memory (RssAnon) may grow by at most 256 KB plus the
#    buffers a program allocates up front and touches only as its load asks
#    for them. mdump's receive buffer (SOCK_RX_SLOTS x SOCK_RX_SLOT_BYTES)
#    fills as deep as the batches a lagging receiver takes, and its output
#    buffer (OUT_BUFFER_BYTES) is written out only when the socket runs dry,
#    so it fills whole on a loaded machine: its pages are touched at any
#    time, not in the first seconds. msend has no such buffer.
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
DURATION=${1:-60}
PORT=$(free_port)
SRC=$(dirname "$0")/../src

# constant NAME: the value of an enum constant "NAME = <number>[ * <number>]"
# in the source, which the programs were built from.
constant() {
    local expr
    expr=$(grep -rhoE "\b$1 = [0-9]+( \* [0-9]+)?" "$SRC" | head -1)
    expr=${expr#*= }
    [ -n "$expr" ] || { fail "no constant $1 in $SRC"; exit 1; }
    echo $((expr))
}
mdump_buffers_kb=$(( ($(constant SOCK_RX_SLOTS) * $(constant SOCK_RX_SLOT_BYTES) +
                      $(constant OUT_BUFFER_BYTES)) / 1024 ))

spawn "$WORK/load.out" "$MDUMP" -Q1 -o "$WORK/load.file" 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10
spawn "$WORK/load.send" "$MSEND" -qq -n 1000000000 -p 0 -m 1400 -u 127.0.0.1 "$PORT"
tx=$SPAWNED
sample() { # PID: "rss_anon_kb data_kb fds"
    local status
    status=$(cat "/proc/$1/status" 2> /dev/null)
    echo "$(awk '/^RssAnon/ { r = $2 } /^VmData/ { d = $2 } END { print r, d }' <<< "$status") $(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2> /dev/null | wc -l)"
}
: > "$WORK/samples"
end=$((SECONDS + DURATION))
while [ "$SECONDS" -lt "$end" ]; do
    sleep 2
    echo "$SECONDS $(sample "$rx") $(sample "$tx")" >> "$WORK/samples"
done
kill -TERM "$tx"
wait_exit "$tx" 10
kill -TERM "$rx"
wait_exit "$rx" 20
expect_status "mdump after SIGTERM" 143 "$STATUS"

CHECKS=$((CHECKS + 1))
lines=$(wc -l < "$WORK/load.out")
if cmp -s "$WORK/load.out" "$WORK/load.file"; then
    pass "stdout and the -o file identical: $lines lines, $(stat -c %s "$WORK/load.out") bytes"
else fail "stdout and the -o file differ (stdout $lines lines, file $(wc -l < "$WORK/load.file"))"; fi
CHECKS=$((CHECKS + 1))
if [ "$lines" -ge $((DURATION * 10000)) ]; then pass "$lines datagrams shown in $DURATION s"
else fail "only $lines lines in $DURATION s"; fi

# Steady: from 10 s on, when both have long been running.
awk '$1 >= 10' "$WORK/samples" > "$WORK/steady"
# name:first column of its samples:KB allocated up front, touched late
for who in mdump:2:$mdump_buffers_kb msend:5:0; do
    IFS=: read -r name col late_kb <<< "$who"
    read -r first_rss max_rss first_data max_data < <(awk -v c="$col" '
        NR == 1 { r = $c; hr = $c; d = $(c + 1); hd = $(c + 1) }
        { if ($c > hr) hr = $c; if ($(c + 1) > hd) hd = $(c + 1) }
        END { print r, hr, d, hd }' "$WORK/steady")
    CHECKS=$((CHECKS + 1))
    if [ -n "$max_data" ] && [ $((max_data - first_data)) -le 256 ]; then
        pass "$name allocated memory flat: VmData $first_data..$max_data KB over $(wc -l < "$WORK/steady") samples"
    else fail "$name allocated memory grew: VmData ${first_data:-?} -> ${max_data:-?} KB"; cat "$WORK/samples" >&2; fi
    CHECKS=$((CHECKS + 1))
    if [ -n "$max_rss" ] && [ $((max_rss - first_rss)) -le $((256 + late_kb)) ]; then
        pass "$name resident memory within its buffers: RssAnon $first_rss..$max_rss KB (up to $((256 + late_kb)) KB more allowed)"
    else fail "$name resident memory grew: RssAnon ${first_rss:-?} -> ${max_rss:-?} KB, more than 256 KB + $late_kb KB of buffers"; cat "$WORK/samples" >&2; fi
    CHECKS=$((CHECKS + 1))
    fds=$(awk -v c=$((col + 2)) '{ print $c }' "$WORK/steady" | sort -u | tr '\n' ' ')
    if [ "$(wc -w <<< "$fds")" -eq 1 ]; then pass "$name descriptors flat: $fds"
    else fail "$name descriptors changed: $fds"; fi
done
cp "$WORK/samples" "${LOAD_SAMPLES:-/dev/null}" 2> /dev/null
finish
