#!/usr/bin/env bash
# stalled_sender.sh - msend stopped for 1.5 s midway (SIGSTOP, then
# SIGCONT: as a paused VM, a laptop asleep) does not send everything that
# fell due meanwhile in one burst: its schedule moves on, a NOTE says how
# far behind it was and by how many messages, the count stays the same
# (the run lasts longer), and no interval, msend's or the receiver's,
# holds more than the rate and the 100 ms it catches up (RATE_CATCH_UP_US).
# Twice: --rate 1k, and -p's bursts (10 every 100 ms). Over loopback, in a
# namespace of its own (as root). And lib.sh's drop_behind_note, which the
# other tests use to take a busy machine's NOTE out, takes this one out.
source "$(dirname "$0")/lib.sh"
own_loopback "$@"
need_cmd python3 python3
PORT=$(free_port)
STOP_S=1.5 STOP_MS=1500

NOTE_TEXT='NOTE: msend fell S s (N messages) behind its schedule: it moved the schedule on by that much, without a burst to catch up'

# stalled NAME MSEND_ARGS...: mdump (--json --interval 500ms) and msend
# (--json --interval 500ms, the args) to it; msend stopped for STOP_MS
# once its first interval is out. Leaves NAME.tx (stdout), NAME.err
# (stderr), NAME.rx.
stalled() {
    local name=$1 rx tx
    shift
    spawn "$WORK/$name.rx" "$MDUMP" --json --interval 500ms --idle-timeout 3s 0.0.0.0 "$PORT"
    rx=$SPAWNED
    wait_for "$WORK/$name.rx" '^\{"event": "start"' 10 || return
    wait_listening "" udp "$PORT" 10 || return
    env --default-signal=INT,TERM "$MSEND" --json --interval 500ms "$@" -u 127.0.0.1 "$PORT" \
        > "$WORK/$name.tx" 2> "$WORK/$name.err" &
    tx=$!
    PIDS+=("$tx")
    wait_for "$WORK/$name.tx" '^\{"event": "interval"' 10 || return
    kill -STOP "$tx"
    sleep "$STOP_S"
    kill -CONT "$tx"
    wait_exit "$tx" 20
    expect_status "$name: msend" 0 "$STATUS"
    wait_exit "$rx" 10
    expect_status "$name: mdump (--idle-timeout)" 3 "$STATUS"
}

# judge NAME MESSAGES PER_INTERVAL_MAX STEP: the NOTE (exact, its figures
# masked, then checked: STEP, the messages it moves on by at a time), the
# count, the run's length and every interval. A busy machine may stall
# msend over 100 ms too, before or after the stop: each such stall adds a
# NOTE of its own, smaller than the stop's. So stderr holds that NOTE and
# nothing else, at least once, and the one furthest behind is the stop's.
judge() {
    local name=$1 messages=$2 most=$3 step=$4
    sed -E 's/fell [0-9]+\.[0-9]{3} s \([0-9]+ messages?\)/fell S s (N messages)/' \
        "$WORK/$name.err" | uniq > "$WORK/$name.note"
    echo "$NOTE_TEXT" > "$WORK/$name.note.want"
    expect_same "$name: the NOTE on stderr, nothing else" "$WORK/$name.note.want" "$WORK/$name.note"
    CHECKS=$((CHECKS + 1))
    python3 - "$WORK/$name.err" "$WORK/$name.tx" "$WORK/$name.rx" "$messages" "$most" \
        "$STOP_MS" "$step" << 'END' > "$WORK/$name.check" 2>&1
import json, re, sys
err, tx, rx, messages, most, stop_ms, step = sys.argv[1:4] + [int(a) for a in sys.argv[4:]]
bad = []
notes = [(float(m.group(1)), int(m.group(2)))
         for m in re.finditer(r"fell (\d+\.\d{3}) s \((\d+) messages?\)", open(err).read())]
rate = messages / 4.0
if not notes:
    bad.append("no NOTE with its figures")
else:
    behind, skipped = max(notes)  # the stop's; any other, a busy machine's
    if len(notes) > 1:
        print(f"NOTEs of a busy machine beside it: {notes}")
    print(f"NOTE: behind {behind} s, {skipped} messages")
    # Stopped for stop_ms: about that far behind (less the time to its next
    # message; more on a busy machine), the messages that time's.
    if not stop_ms / 1000 - 0.3 <= behind <= stop_ms / 1000 + 1.0:
        bad.append(f"behind {behind} s, stopped {stop_ms} ms")
    if abs(skipped - behind * rate) > step + 1:
        bad.append(f"{skipped} messages for {behind} s at {rate}/s")
for path, who in ((tx, "msend"), (rx, "mdump")):
    lines = [json.loads(l) for l in open(path) if l.startswith("{")]  # mdump: TIMEOUT too
    intervals = [l for l in lines if l["event"] == "interval"]
    if len(intervals) < 8:
        bad.append(f"{who}: {len(intervals)} intervals")
    for i in intervals:
        if i["messages"] > most:
            bad.append(f"{who}: {i['messages']} messages in {i['start_s']}-{i['end_s']} s "
                       f"(at most {most}: a burst)")
    end = [l for l in lines if l["event"] in ("end", "stream")][-1:] or [{}]
    if end[0].get("messages") != messages:
        bad.append(f"{who}: not {messages} messages: {end[0]}")
    # The count kept: the run lasted about the stop longer than 4 s.
    seconds = end[0].get("seconds", 0)
    if who == "msend" and not 4.0 + stop_ms / 1000 - 0.3 <= seconds <= 4.0 + stop_ms / 1000 + 2:
        bad.append(f"msend: {seconds} s")
    print(f"{who}: at most {max([i['messages'] for i in intervals] or [0])} messages an "
          f"interval, {end[0].get('messages')} in all")
if bad:
    sys.exit("; ".join(bad))
END
    local status=$?
    sed "s/^/$name: /" "$WORK/$name.check"
    if [ "$status" -eq 0 ]; then pass "$name: no burst after the stop, the count kept, the NOTE's figures"
    else fail "$name: see above"; fi
}

# --rate 1k for 4 s: 500 a half second, and what a hiccup of up to 100 ms
# adds (the burst of the stop would add 1500).
stalled rate --rate 1k --duration 4s -m 64
judge rate 4000 600 1

# -p 100 -b 10 -n 40 (4 s): 50 a half second (60 on an edge), and 100 ms
# caught up; the stop's 15 bursts would be 150.
stalled bursts -p 100 -b 10 -n 40 -m 64
judge bursts 400 80 10

# The other tests take this NOTE out of msend's output with lib.sh's
# drop_behind_note, as a busy machine's: it takes out what msend printed
# here, whole, and only that; within stdout's text too (-q's dots, then
# the NOTE, then the rest of the line: as if it had not come).
for name in rate bursts; do
    { echo "a line before"; cat "$WORK/$name.err"; echo "a line after"; } > "$WORK/$name.dropped"
    drop_behind_note "$WORK/$name.dropped"
    printf '%s\n' "a line before" "a line after" > "$WORK/$name.dropped.want"
    expect_same "$name: drop_behind_note takes out this NOTE alone" "$WORK/$name.dropped.want" "$WORK/$name.dropped"
done
{ printf '....'; head -1 "$WORK/rate.err"; echo "..Pausing before sending 'stat'"; } > "$WORK/inline"
drop_behind_note "$WORK/inline"
echo "......Pausing before sending 'stat'" > "$WORK/inline.want"
expect_same "drop_behind_note: the NOTE within stdout's line" "$WORK/inline.want" "$WORK/inline"

finish
