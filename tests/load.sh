#!/usr/bin/env bash
# load.sh [SECONDS] - msend at full speed into mdump -Q1 -o file for SECONDS
# (default 60). Every line mdump printed to stdout must be in the file, in
# order (the two are compared whole); memory and open descriptors of both
# programs, sampled every 2 s, must stay flat after the first seconds.
source "$(dirname "$0")/lib.sh"
DURATION=${1:-60}
PORT=$(free_port)

spawn "$WORK/load.out" "$MDUMP" -Q1 -o "$WORK/load.file" 0.0.0.0 "$PORT"
rx=$SPAWNED
wait_listening "" udp "$PORT" 10
spawn "$WORK/load.send" "$MSEND" -qq -n 1000000000 -p 0 -m 1400 -u 127.0.0.1 "$PORT"
tx=$SPAWNED
sample() { # PID: "rss_kb fds"
    echo "$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2> /dev/null) $(ls "/proc/$1/fd" 2> /dev/null | wc -l)"
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

# Flat: after the first 10 s, RSS within 256 KB of its value then, and the
# descriptor counts unchanged.
awk -v from=10 '$1 >= from' "$WORK/samples" > "$WORK/steady"
for who in mdump:2 msend:4; do
    name=${who%%:*} col=${who#*:}
    CHECKS=$((CHECKS + 1))
    read -r first_rss min_rss max_rss < <(awk -v c="$col" 'NR == 1 { f = $c; lo = $c; hi = $c }
        { if ($c < lo) lo = $c; if ($c > hi) hi = $c } END { print f, lo, hi }' "$WORK/steady")
    if [ -n "$max_rss" ] && [ $((max_rss - first_rss)) -le 256 ]; then
        pass "$name memory flat: RSS $min_rss..$max_rss KB over $(wc -l < "$WORK/steady") samples"
    else fail "$name memory grew: RSS $first_rss -> $max_rss KB"; cat "$WORK/samples" >&2; fi
    CHECKS=$((CHECKS + 1))
    fds=$(awk -v c=$((col + 1)) '{ print $c }' "$WORK/steady" | sort -u | tr '\n' ' ')
    if [ "$(wc -w <<< "$fds")" -eq 1 ]; then pass "$name descriptors flat: $fds"
    else fail "$name descriptors changed: $fds"; fi
done
cp "$WORK/samples" "${LOAD_SAMPLES:-/dev/null}" 2> /dev/null
finish
