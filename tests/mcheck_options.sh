#!/usr/bin/env bash
# mcheck_options.sh - mcheck's own input and lifetime, in a namespace of
# its own (loopback mode): numbers with leading zeros and empty lists are
# refused (they once ran nothing and still said PASS); WSL 1 and bridged
# mode are refused without addresses; programs in a
# directory whose path has a space run; Ctrl-C ends mcheck at once, with
# status 130, and leaves no program of its behind.
source "$(dirname "$0")/lib.sh"
need_root_netns
MCHECK=$(cd "$(dirname "$0")/.." && pwd)/mcheck
NS=mtmck$$
make_netns "$NS"
SPACED="$WORK/dir with space"
mkdir -p "$SPACED"
cp "$MSEND" "$MDUMP" "$SPACED/"

# refused NAME ERROR_LINE ARGS...: exit 2, exactly that line and the hint.
refused() {
    local name=$1 line=$2
    shift 2
    timeout 20 ip netns exec "$NS" "$MCHECK" --linux-dir "$SPACED" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
    expect_status "$name" 2 $?
    printf '%s\n' "$line" "Try 'mcheck --help'." > "$WORK/$name.want"
    expect_same "$name: stderr" "$WORK/$name.want" "$WORK/$name.err"
    CHECKS=$((CHECKS + 1))
    if [ -s "$WORK/$name.out" ]; then fail "$name: printed on stdout"; else pass "$name: nothing on stdout"; fi
}
refused pause-octal "mcheck: --pause '08': write it without leading zeros" --pause 08
refused count-zero-lead "mcheck: --count '010': write it without leading zeros" --count 010
refused port-zero-lead "mcheck: --port '012000': write it without leading zeros" --port 012000
refused transports-empty "mcheck: --transports: the list is empty" --transports ,
refused directions-empty "mcheck: --directions: the list is empty" --directions ,

# WSL modes where the default gateway is not Windows (WSL 1, bridged): a
# clear refusal instead of testing the LAN's router. The kernel name and
# wslinfo are faked in a mount namespace; nothing is sent.
mkdir -p "$WORK/fake/bin"
echo 4.4.0-19041-Microsoft > "$WORK/fake/wsl1"
echo 5.15.167.4-microsoft-standard-WSL2 > "$WORK/fake/wsl2"
printf '#!/bin/sh\necho bridged\n' > "$WORK/fake/bin/wslinfo"
chmod +x "$WORK/fake/bin/wslinfo"
for mode in wsl1 bridged; do
    if [ $mode = wsl1 ]; then os=wsl1 path=$PATH; else os=wsl2 path=$WORK/fake/bin:$PATH; fi
    timeout 20 unshare -mn sh -c 'mount --bind "$1" /proc/sys/kernel/osrelease && PATH=$2 exec "$3"' \
        - "$WORK/fake/$os" "$path" "$MCHECK" > "$WORK/$mode.out" 2> "$WORK/$mode.err"
    expect_status "wsl mode $mode" 2 $?
    printf '%s\n' "mcheck: WSL networking mode '$mode': the Windows address cannot be found; give --windows-addr and --linux-addr" \
        "Try 'mcheck --help'." > "$WORK/$mode.want"
    expect_same "wsl mode $mode: stderr" "$WORK/$mode.want" "$WORK/$mode.err"
done

# Programs under a path with a space: all three loopback runs pass.
timeout 60 ip netns exec "$NS" "$MCHECK" --linux-dir "$SPACED" --count 20 --json > "$WORK/spaced.json" 2> "$WORK/spaced.err"
expect_status spaced-path 0 $?
CHECKS=$((CHECKS + 1))
if grep -q '"passed": 3, "total": 3, "verdict": "PASS"' "$WORK/spaced.json"; then pass "spaced-path: 3 of 3 PASS"
else fail "spaced-path: $(cat "$WORK/spaced.json" "$WORK/spaced.err")"; fi

# Ctrl-C in the middle of a long run (3000 messages 5 ms apart: 15 s).
ip netns exec "$NS" env --default-signal=INT,TERM "$MCHECK" --linux-dir "$SPACED" --count 3000 --pause 5 \
    > "$WORK/int.out" 2> "$WORK/int.err" &
mc=$!
PIDS+=("$mc")
# (mcheck prints its table at the end: wait for msend to be sending.)
for _ in $(seq 200); do
    ip netns pids "$NS" | xargs -r ps -o comm= -p | grep -qx msend && break
    sleep 0.05
done
sleep 1
kill -INT "$mc"
t0=$SECONDS
wait "$mc"
expect_status ctrl-c 130 $?
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 2 ]; then pass "ctrl-c: ended within 2 s"; else fail "ctrl-c: took $((SECONDS - t0)) s"; fi
sleep 0.5
CHECKS=$((CHECKS + 1))
left=$(ip netns pids "$NS")
if [ -z "$left" ]; then pass "ctrl-c: no program left running"
else fail "ctrl-c: left running: $(ps -o pid=,args= -p "$(tr '\n' ',' <<< "$left" | sed 's/,$//')")"; fi
finish
