#!/usr/bin/env bash
# mcheck_limits.sh - what mcheck refuses before it runs anything, and what
# it says where it cannot go on, in a namespace of its own (loopback mode):
#   - a run whose sending alone (--count x --pause) would take longer than
#     mcheck allows is refused, not left to run for minutes past --timeout;
#   - a source-specific multicast group (232/8), which mdump cannot join
#     without a source, is refused;
#   - outside WSL, the Windows programs cannot run without --windows-run
#     (there is no WSL interop), and one address given without the other
#     is named as the missing one;
#   - inside WSL (faked) with its interop off (no binfmt_misc entry, or
#     one disabled; WSL 2 without the socket WSL_INTEROP names) neither:
#     the cause and what to do in one line, not rows of "command not
#     found"; with interop on, or a --windows-run prefix, the run goes on;
#   - empty list items, a --linux-dir or --windows-dir that is no
#     directory and a --linux-run or --windows-run command that is not
#     found are usage errors; a command not found behind a prefix that is
#     (status 127) is said as such in the row;
#   - stdout that refuses a write (/dev/full): ERROR: write stdout, status
#     1, for the table, the JSON, --help and --version;
#   - the JSON's first line names all six addresses and groups, null for
#     the family not run.
source "$(dirname "$0")/lib.sh"
: "${MPONG:?MPONG must name the mpong program}"
need_root_netns
MCHECK=$(cd "$(dirname "$0")/.." && pwd)/mcheck
BIN=$(dirname "$MSEND")
NS=mtmlm$$
make_netns "$NS"
in_ns() { timeout 60 ip netns exec "$NS" "$@"; }

# refused NAME ERROR_LINE ARGS...: mcheck_refused here.
refused() { mcheck_refused "$NS" "$BIN" "$@"; }

# ---- the sending time is bounded: 1000000 messages 1 ms apart would be
# 1000 s per run, whatever --timeout says.
t0=$SECONDS
refused send-too-long "mcheck: --count 1000000 with --pause 1: 1000 s of sending per run, more than the 600 s a run may send for; send fewer messages or pause less" \
    --transports udp --count 1000000 --pause 1 --timeout 2
refused send-too-long-default-pause "mcheck: --count 200000 with --pause 5: 1000 s of sending per run, more than the 600 s a run may send for; send fewer messages or pause less" \
    --transports udp --count 200000
CHECKS=$((CHECKS + 1))
if [ $((SECONDS - t0)) -le 5 ]; then pass "send-too-long: refused at once"
else fail "send-too-long: took $((SECONDS - t0)) s"; fi
# At the bound itself: accepted (its first wait fails at once here, the
# port being held, so nothing is sent).
ip netns exec "$NS" perl -e 'use Socket;
    socket(U, PF_INET, SOCK_DGRAM, 0) && bind(U, pack_sockaddr_in(12000, INADDR_ANY)) or die "holder: $!\n";
    print "holding\n"; $| = 1; sleep 60' > "$WORK/holder.out" 2>&1 &
holder=$!
PIDS+=("$holder")
wait_for "$WORK/holder.out" '^holding' 5
in_ns "$MCHECK" --linux-dir "$BIN" --transports udp --count 600000 --pause 1 --timeout 2 > "$WORK/at-bound.out" 2>&1
expect_status "sending at the bound" 1 $?
CHECKS=$((CHECKS + 1))
if grep -q '^udp        loopback        FAIL        0 .* receiver: bind 0.0.0.0:12000: Address already in use$' "$WORK/at-bound.out"
then pass "sending at the bound: accepted, the row made"
else fail "sending at the bound: $(cat "$WORK/at-bound.out")"; fi
kill "$holder"
wait "$holder" 2> /dev/null

# ---- a source-specific group: refused before anything runs.
refused group-ssm "mcheck: --group '232.1.1.1': a source-specific multicast group (232.0.0.0/8), joined only with a source; mcheck joins without one: give a group outside 232/8" \
    --group 232.1.1.1
refused group-ssm-edge "mcheck: --group '232.255.255.255': a source-specific multicast group (232.0.0.0/8), joined only with a source; mcheck joins without one: give a group outside 232/8" \
    --group 232.255.255.255 --transports multicast

# ---- outside WSL: the Windows programs need a --windows-run prefix, and
# both addresses are needed (neither is found outside WSL).
mkdir -p "$WORK/win"
cp "$MSEND" "$WORK/win/msend.exe"
cp "$MDUMP" "$WORK/win/mdump.exe"
cp "$MPONG" "$WORK/win/mpong.exe"
refused no-interop "mcheck: the Windows programs ($WORK/win/*.exe) cannot run here: this is not WSL, whose interop runs .exe files; give --windows-run CMD, the command that runs them (e.g. --windows-run wine)" \
    --windows-dir "$WORK/win" --windows-addr 127.0.0.1 --linux-addr 127.0.0.1

# ---- inside WSL with its interop off (faked: tests/lib.sh's fake_wsl),
# the .exe files cannot run either: refused up front, the cause named,
# not a row per run failing with "command not found".
# (Windows programs, which Linux cannot run itself: a DOS header alone.)
mkdir -p "$WORK/pe"
for p in msend mdump mpong; do printf 'MZ' > "$WORK/pe/$p.exe"; chmod +x "$WORK/pe/$p.exe"; done
WSL2=5.15.167.4-microsoft-standard-WSL2
WSL_ARGS=(--windows-addr 127.0.0.1 --linux-addr 127.0.0.1 --transports udp)
TURN_ON="turn it on ('[interop] enabled=true' in /etc/wsl.conf, then wsl --shutdown from Windows) or give --windows-run CMD, the command that runs them"
fake_wsl wsl-interop-off "$WSL2" - socket
MCHECK=$WORK/wsl-interop-off refused wsl-interop-off "mcheck: the Windows programs ($WORK/pe/*.exe) cannot run here: WSL interop is off (no WSLInterop entry in /proc/sys/fs/binfmt_misc); $TURN_ON" \
    --windows-dir "$WORK/pe" "${WSL_ARGS[@]}"
fake_wsl wsl-interop-disabled "$WSL2" disabled socket
MCHECK=$WORK/wsl-interop-disabled refused wsl-interop-disabled "mcheck: the Windows programs ($WORK/pe/*.exe) cannot run here: WSL interop is off (/proc/sys/fs/binfmt_misc/WSLInterop says 'disabled'); $TURN_ON" \
    --windows-dir "$WORK/pe" "${WSL_ARGS[@]}"
fake_wsl wsl1-interop-off 4.4.0-19041-Microsoft - -
MCHECK=$WORK/wsl1-interop-off refused wsl1-interop-off "mcheck: the Windows programs ($WORK/pe/*.exe) cannot run here: WSL interop is off (no WSLInterop entry in /proc/sys/fs/binfmt_misc); $TURN_ON" \
    --windows-dir "$WORK/pe" "${WSL_ARGS[@]}"
# WSL 2's interop runs them through the socket WSL_INTEROP names.
fake_wsl wsl-no-socket "$WSL2" enabled -
MCHECK=$WORK/wsl-no-socket refused wsl-no-socket "mcheck: the Windows programs ($WORK/pe/*.exe) cannot run here: WSL_INTEROP, the socket WSL interop runs them through, is not set (sudo and su drop it); run mcheck from a WSL shell (with sudo: sudo --preserve-env=WSL_INTEROP) or give --windows-run CMD, the command that runs them" \
    --windows-dir "$WORK/pe" "${WSL_ARGS[@]}"
fake_wsl wsl-socket-gone "$WSL2" enabled gone
MCHECK=$WORK/wsl-socket-gone refused wsl-socket-gone "mcheck: the Windows programs ($WORK/pe/*.exe) cannot run here: WSL_INTEROP '$WORK/wsl-socket-gone.wsl/gone', the socket WSL interop runs them through, is not there (its shell has ended: tmux and screen keep an old one); run mcheck from a new WSL shell or give --windows-run CMD, the command that runs them" \
    --windows-dir "$WORK/pe" "${WSL_ARGS[@]}"
# Interop on (the .exe files here are Linux programs, which run as they
# are), or off with a --windows-run prefix: the run goes ahead.
fake_wsl wsl-interop-on "$WSL2" enabled socket
fake_wsl wsl1-interop-on 4.4.0-19041-Microsoft enabled -
for run in wsl-interop-on wsl1-interop-on "wsl-interop-off --windows-run env"; do
    name=${run%% *}
    # shellcheck disable=SC2086 # $run: the fake and its options
    in_ns $WORK/$run --linux-dir "$BIN" --windows-dir "$WORK/win" "${WSL_ARGS[@]}" --directions w2l --count 10 \
        > "$WORK/$name.out" 2> "$WORK/$name.err"
    expect_status "$run: run" 0 $?
    tail -n 1 "$WORK/$name.out" > "$WORK/$name.got"
    echo "verdict: PASS - all 1 runs got through" > "$WORK/$name.want"
    expect_same "$run: the verdict" "$WORK/$name.want" "$WORK/$name.got"
    expect_same "$run: nothing on stderr" /dev/null "$WORK/$name.err"
done

refused only-windows-addr "mcheck: --windows-addr given without --linux-addr: outside WSL mcheck finds neither address; give both" \
    --windows-addr 1.2.3.4
refused only-linux-addr "mcheck: --linux-addr given without --windows-addr: outside WSL mcheck finds neither address; give both" \
    --linux-addr 1.2.3.4 --windows-run wine

# ---- lists, directories and commands.
refused transports-trailing "mcheck: --transports 'tcp,': an empty item in the list (tcp, udp or multicast separated by commas)" --transports tcp,
refused transports-leading "mcheck: --transports ',udp': an empty item in the list (tcp, udp or multicast separated by commas)" --transports ,udp
refused directions-inner "mcheck: --directions 'w2l,,l2w': an empty item in the list (w2l or l2w separated by commas)" \
    --directions w2l,,l2w --windows-addr 10.1.1.1 --linux-addr 10.1.1.2
refused linux-dir-missing "mcheck: --linux-dir '$WORK/none': no such directory" --linux-dir "$WORK/none"
refused linux-dir-file "mcheck: --linux-dir '$MSEND': not a directory" --linux-dir "$MSEND"
refused windows-dir-missing "mcheck: --windows-dir '$WORK/none': no such directory" \
    --windows-dir "$WORK/none" --windows-addr 127.0.0.1 --linux-addr 127.0.0.1 --windows-run env
refused linux-run-missing "mcheck: --linux-run 'mtools-no-such-command -x': command 'mtools-no-such-command' not found" \
    --linux-run 'mtools-no-such-command -x'
: > "$WORK/not-executable"
refused windows-run-not-executable "mcheck: --windows-run '$WORK/not-executable': command '$WORK/not-executable' not executable" \
    --windows-dir "$WORK/win" --windows-addr 127.0.0.1 --linux-addr 127.0.0.1 --windows-run "$WORK/not-executable"
# Found, but what it runs is not (status 127): the row says so.
in_ns "$MCHECK" --linux-dir "$BIN" --transports udp --linux-run 'env mtools-no-such-command' > "$WORK/127.out" 2> "$WORK/127.err"
expect_status "command not found behind the prefix" 1 $?
cat > "$WORK/127.want" <<END
Checking this machine over loopback (127.0.0.1).
transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail
udp        loopback        FAIL        0         0       -         -       -  -          receiver: command not found (exit status 127)

A program could not be run (exit status 127: command not found, 126: not executable):
  check --linux-run and --windows-run, and the programs' directories.

verdict: FAIL - 0 of 1 runs passed
END
expect_same "command not found behind the prefix: the row" "$WORK/127.want" "$WORK/127.out"

# ---- a reflector that does not start: the round trip's note says what it
# said (it said only "did not start").
# shellcheck disable=SC2016 # the wrapper's own $1 and $@
printf '#!/bin/sh\ncase "$1" in *mpong) echo "mpong: refused here"; exit 2 ;; esac\nexec "$@"\n' \
    > "$WORK/no-mpong"
chmod +x "$WORK/no-mpong"
in_ns "$MCHECK" --linux-dir "$BIN" --transports udp --count 5 --linux-run "$WORK/no-mpong" \
    > "$WORK/no-mpong.out" 2>&1
expect_status "reflector refused: mcheck" 0 $?
grep -q ' round trip: the reflector did not start (mpong: refused here)$' "$WORK/no-mpong.out"
expect_status "reflector refused: the note says what it said" 0 $?

# ---- stdout refusing every write: one ERROR line, status 1.
refused_stdout() { # NAME ARGS...
    local name=$1
    shift
    in_ns "$MCHECK" "$@" > /dev/full 2> "$WORK/$name.err"
    expect_status "$name into /dev/full" 1 $?
    echo "ERROR: write stdout: No space left on device" > "$WORK/$name.want"
    expect_same "$name into /dev/full: stderr" "$WORK/$name.want" "$WORK/$name.err"
}
refused_stdout table --linux-dir "$BIN" --transports tcp --count 5
refused_stdout json --linux-dir "$BIN" --transports tcp --count 5 --json
refused_stdout help --help
refused_stdout version --version
CHECKS=$((CHECKS + 1))
left=$(ip netns pids "$NS")
if [ -z "$left" ]; then pass "write stdout: no program left running"
else fail "write stdout: left running: $(ps -o args= -p "$(tr '\n' ',' <<< "$left" | sed 's/,$//')")"; fi

# ---- the JSON's first line: every member, null for the family not run.
in_ns "$MCHECK" --linux-dir "$BIN" --transports udp --count 5 --json > "$WORK/v4.json" 2>&1
expect_status "json, --family 4" 0 $?
echo '{"mode": "loopback", "wsl_mode": null, "windows_addr": "127.0.0.1", "linux_addr": "127.0.0.1", "group": "239.101.3.10", "windows_addr6": null, "linux_addr6": null, "group6": null, "port": 12000, "count": 5,' \
    > "$WORK/v4.want"
head -1 "$WORK/v4.json" > "$WORK/v4.got"
expect_same "json, --family 4: the addresses and groups" "$WORK/v4.want" "$WORK/v4.got"
in_ns "$MCHECK" --linux-dir "$BIN" --transports udp --count 5 --json --family 6 > "$WORK/v6.json" 2>&1
expect_status "json, --family 6" 0 $?
echo '{"mode": "loopback", "wsl_mode": null, "windows_addr": null, "linux_addr": null, "group": null, "windows_addr6": "::1", "linux_addr6": "::1", "group6": "ff15::101:3:10", "port": 12000, "count": 5,' \
    > "$WORK/v6.want"
head -1 "$WORK/v6.json" > "$WORK/v6.got"
expect_same "json, --family 6: the addresses and groups" "$WORK/v6.want" "$WORK/v6.got"
finish
