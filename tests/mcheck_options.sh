#!/usr/bin/env bash
# mcheck_options.sh - mcheck's own input and lifetime, in a namespace of
# its own (loopback mode): numbers with leading zeros and empty lists are
# refused (they once ran nothing and still said PASS); unknown options and
# stray arguments are named as such (they were said to need a value);
# options a run would not use, empty values, repeated list items and TCP
# messages too short to count are refused (the group and the addresses
# with --family 6, whose runs use their own); --version prints the
# programs' version; WSL 1 and bridged mode are refused without addresses
# (with --family 6 they need none: the rows say why nothing runs); programs
# in a directory whose path has a space run; Ctrl-C ends mcheck at once,
# with status 130, and leaves no program of its behind (mpong's too, and
# ones whose exit takes a moment, as a sanitized build's does); a
# --port whose next port mpong cannot use is refused; a missing mpong, or
# a timeout without --foreground, is named.
source "$(dirname "$0")/lib.sh"
: "${EXIT_SHIM:?EXIT_SHIM must name the exit_shim library}"
need_root_netns
MCHECK=$(cd "$(dirname "$0")/.." && pwd)/mcheck
NS=mtmck$$
make_netns "$NS"
SPACED="$WORK/dir with space"
mkdir -p "$SPACED"
cp "$MSEND" "$MDUMP" "$MPONG" "$SPACED/"

# refused NAME ERROR_LINE ARGS...: mcheck_refused here.
refused() { mcheck_refused "$NS" "$SPACED" "$@"; }
refused pause-octal "mcheck: --pause '08': write it without leading zeros" --pause 08
refused count-zero-lead "mcheck: --count '010': write it without leading zeros" --count 010
refused port-zero-lead "mcheck: --port '012000': write it without leading zeros" --port 012000
refused transports-empty "mcheck: --transports: the list is empty" --transports ,
refused family-bad "mcheck: --family '5': must be 4, 6 or both" --family 5
refused family-empty "mcheck: option '--family': the value is empty" --family=
refused directions-empty "mcheck: --directions: the list is empty" --directions ,
refused unknown-long "mcheck: unknown option '--bogus'" --bogus
refused unknown-long-value "mcheck: unknown option '--bogus'" --bogus=1
refused unknown-short "mcheck: unknown option '-x'" -x
refused unknown-before-value "mcheck: unknown option '--prot'" --prot 12000
refused stray-argument "mcheck: unexpected argument '127.0.0.1': mcheck takes only options" 127.0.0.1
refused flag-with-value "mcheck: option '--json' takes no value" --json=yes
refused version-with-value "mcheck: option '--version' takes no value" --version=2
refused missing-value "mcheck: option '--port' needs a value" --port
refused empty-dir "mcheck: option '--linux-dir': the value is empty" --linux-dir ''
refused empty-addr "mcheck: option '--windows-addr': the value is empty" --windows-addr=
refused empty-run "mcheck: option '--windows-run': the value is empty" --windows-run ''
refused transports-twice "mcheck: --transports: 'tcp' is listed twice" --transports tcp,udp,tcp
refused directions-twice "mcheck: --directions: 'l2w' is listed twice" --directions l2w,l2w --windows-addr 10.1.1.1 --linux-addr 10.1.1.2
# Accepted once but never used: over loopback there is no Windows side and
# one direction; without multicast no group or TTL.
refused loopback-directions "mcheck: --directions: not used when checking this machine over loopback" --directions l2w
refused loopback-windows-dir "mcheck: --windows-dir: not used when checking this machine over loopback" --windows-dir "$SPACED"
refused loopback-windows-addr "mcheck: --windows-addr: not used when checking this machine over loopback" --loopback --windows-addr 10.1.1.1
refused loopback-windows-run "mcheck: --windows-run: not used when checking this machine over loopback" --windows-run wine --loopback
refused ttl-no-multicast "mcheck: --ttl: used only by multicast runs, and --transports leaves multicast out" --transports tcp,udp --ttl 3
refused group-no-multicast "mcheck: --group: used only by multicast runs, and --transports leaves multicast out" --group 239.1.1.1 --transports udp
# The IPv6 runs have their own group: an IPv4 one given with --family 6
# would go unused.
refused group-family-6 "mcheck: --group: used only by IPv4 multicast runs, and --family 6 leaves them out (multicast6 uses ff15::101:3:10)" --group 239.1.2.3 --family 6
refused windows-addr-family-6 "mcheck: --windows-addr: used only by IPv4 runs, and --family 6 leaves them out (the IPv6 ends are found, not given)" --family 6 --windows-addr 10.1.1.1 --linux-addr 10.1.1.2
refused linux-addr-family-6 "mcheck: --linux-addr: used only by IPv4 runs, and --family 6 leaves them out (the IPv6 ends are found, not given)" --linux-addr 10.1.1.2 --family 6
# Over TCP, messages under 8 bytes lose the 'Message ' text mdump counts:
# every run would show 100% loss.
# The round trips use the port and the one above it.
refused port-top "mcheck: --port '65535': the round trips use the port and the one above it, so at most 65534 with udp or multicast" --port 65535 --transports udp
refused tcp-size-short "mcheck: --size '7': TCP runs need 0 or 8 bytes and more (mdump counts the 'Message ' text of a TCP stream); or leave tcp out of --transports" --size 7

# --version: what the programs print, under mcheck's name; nothing else.
for prog in "$MSEND" "$(dirname "$0")/../Linux64/msend"; do
    timeout 20 "$MCHECK" --version > "$WORK/version.out" 2> "$WORK/version.err"
    expect_status "--version" 0 $?
    "$prog" --version | sed 's/^msend /mcheck /' > "$WORK/version.want"
    expect_same "--version: the version $prog prints" "$WORK/version.want" "$WORK/version.out"
    expect_same "--version: nothing on stderr" /dev/null "$WORK/version.err"
done
# Installed without VERSION beside it: the msend beside it tells; with
# neither, a clear error.
mkdir -p "$WORK/installed"
cp "$MCHECK" "$MSEND" "$WORK/installed/"
timeout 20 "$WORK/installed/mcheck" --version > "$WORK/installed.out" 2>&1
expect_status "--version, installed" 0 $?
"$MSEND" --version | sed 's/^msend /mcheck /' > "$WORK/installed.want"
expect_same "--version, installed: msend's version" "$WORK/installed.want" "$WORK/installed.out"
rm "$WORK/installed/msend"
timeout 20 "$WORK/installed/mcheck" --version > "$WORK/installed.out" 2>&1
expect_status "--version, alone" 1 $?
echo "mcheck: no VERSION file or msend beside $WORK/installed/mcheck" > "$WORK/installed.want"
expect_same "--version, alone: the error" "$WORK/installed.want" "$WORK/installed.out"
# --help: the usage on stdout, status 0, whatever follows.
timeout 20 "$MCHECK" --help --bogus > "$WORK/help.out" 2> "$WORK/help.err"
expect_status "--help" 0 $?
CHECKS=$((CHECKS + 1))
if [ "$(head -1 "$WORK/help.out")" = "usage: mcheck [options]" ] && grep -q -- '^  --version ' "$WORK/help.out" &&
    [ ! -s "$WORK/help.err" ]; then pass "--help: usage on stdout, --version listed"
else fail "--help: $(head -1 "$WORK/help.out") $(cat "$WORK/help.err")"; fi

# WSL modes where the default gateway is not Windows (WSL 1, bridged): a
# clear refusal instead of testing the LAN's router. The kernel name,
# wslinfo and interop (on) are faked in a mount namespace; nothing is sent.
mkdir -p "$WORK/fake/bin"
printf '#!/bin/sh\necho bridged\n' > "$WORK/fake/bin/wslinfo"
chmod +x "$WORK/fake/bin/wslinfo"
fake_wsl wsl1 4.4.0-19041-Microsoft enabled -
fake_wsl bridged 5.15.167.4-microsoft-standard-WSL2 enabled socket "$WORK/fake/bin:$PATH"
for mode in wsl1 bridged; do
    timeout 20 unshare -n "$WORK/$mode" > "$WORK/$mode.out" 2> "$WORK/$mode.err"
    expect_status "wsl mode $mode" 2 $?
    printf '%s\n' "mcheck: WSL networking mode '$mode': the Windows address cannot be found; give --windows-addr and --linux-addr" \
        "Try 'mcheck --help'." > "$WORK/$mode.want"
    expect_same "wsl mode $mode: stderr" "$WORK/$mode.want" "$WORK/$mode.err"
    # --family 6 asks for no addresses (it could not use them): each row
    # says why there is no IPv6 run; nothing checked, status 3.
    timeout 20 unshare -n "$WORK/$mode" --family 6 --transports udp --linux-dir "$SPACED" \
        > "$WORK/$mode-6.out" 2> "$WORK/$mode-6.err"
    expect_status "wsl mode $mode, --family 6" 3 $?
    printf '%s\n' "Checking Windows <-> Linux (WSL $mode mode)." \
        "transport  direction       result   sent  received   loss%  first-ms  rtt-us  interface  detail" \
        "udp6       Windows->Linux  SKIP        0         0       -         -       -  -          WSL $mode mode offers no IPv6 between Windows and Linux (mirrored mode does)" \
        "udp6       Linux->Windows  SKIP        0         0       -         -       -  -          WSL $mode mode offers no IPv6 between Windows and Linux (mirrored mode does)" \
        "" "verdict: SKIP - every run was skipped: nothing could be checked" > "$WORK/$mode-6.want"
    expect_same "wsl mode $mode, --family 6: the rows" "$WORK/$mode-6.want" "$WORK/$mode-6.out"
    expect_same "wsl mode $mode, --family 6: nothing on stderr" /dev/null "$WORK/$mode-6.err"
done

# Programs under a path with a space: all three loopback runs pass.
timeout 60 ip netns exec "$NS" "$MCHECK" --linux-dir "$SPACED" --count 20 --json > "$WORK/spaced.json" 2> "$WORK/spaced.err"
expect_status spaced-path 0 $?
CHECKS=$((CHECKS + 1))
if grep -q '"passed": 3, "total": 3, "verdict": "PASS"' "$WORK/spaced.json"; then pass "spaced-path: 3 of 3 PASS"
else fail "spaced-path: $(cat "$WORK/spaced.json" "$WORK/spaced.err")"; fi

# none_left NAME: no program left in the namespace, waiting up to 3 s for
# the stopped ones to exit.
none_left() {
    local left
    left=$(ip netns pids "$NS")
    for _ in $(seq 60); do
        [ -z "$left" ] && break
        sleep 0.05
        left=$(ip netns pids "$NS")
    done
    CHECKS=$((CHECKS + 1))
    if [ -z "$left" ]; then pass "$1: no program left running"
    else fail "$1: left running: $(ps -o pid=,args= -p "$(tr '\n' ',' <<< "$left" | sed 's/,$//')")"; fi
}

# Ctrl-C in the middle of a long run (3000 messages 5 ms apart: 15 s).
ip netns exec "$NS" env --default-signal=INT,TERM "$MCHECK" --linux-dir "$SPACED" --count 3000 --pause 5 \
    > "$WORK/int.out" 2> "$WORK/int.err" &
mc=$!
PIDS+=("$mc")
# (Wait for msend to be sending.)
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
# Up to 3 s for the stopped programs to exit (a sanitized build checks
# for leaks on the way out), well within their own 10 s bounds.
none_left ctrl-c

# Ctrl-C while mpong measures (its probes dropped, so it waits 25 x 200 ms).
ip netns exec "$NS" nft add table inet mtfault
ip netns exec "$NS" nft add chain inet mtfault input "{ type filter hook input priority 0; }"
ip netns exec "$NS" nft add rule inet mtfault input udp dport 12001 drop
# ctrl_c_round_trip NAME [MCHECK OPTIONS...]: mcheck stopped with Ctrl-C
# while both mpongs run; it ends at once, with 130, and leaves nothing
# running.
ctrl_c_round_trip() {
    local name=$1 mc measuring=''
    shift
    ip netns exec "$NS" env --default-signal=INT,TERM "$MCHECK" --linux-dir "$SPACED" --count 20 \
        --transports udp "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
    mc=$!
    PIDS+=("$mc")
    for _ in $(seq 200); do
        [ "$(ip netns pids "$NS" | xargs -r ps -o comm= -p | grep -cx mpong)" -eq 2 ] && measuring=1 && break
        sleep 0.05
    done
    CHECKS=$((CHECKS + 1))
    if [ -n "$measuring" ]; then pass "$name: both mpongs running"
    else fail "$name: mpong's reflector and initiator never ran together"; fi
    sleep 0.5
    kill -INT "$mc"
    t0=$SECONDS
    wait "$mc"
    expect_status "$name" 130 $?
    CHECKS=$((CHECKS + 1))
    if [ $((SECONDS - t0)) -le 2 ]; then pass "$name: ended within 2 s"
    else fail "$name: took $((SECONDS - t0)) s"; fi
    # A stopped program may take a moment to exit (a sanitized build checks
    # for leaks on the way out): up to 3 s, well within the reflector's own
    # 10 s idle bound, so one left running is still caught.
    none_left "$name"
}
ctrl_c_round_trip "ctrl-c in the round trip"
# Again with every program's exit held 0.5 s after the rest, as a sanitized
# build's leak check holds it. That check ptrace-stops the program: a
# SIGCONT arriving meanwhile cancels the stop, and the program waits for it
# for good. timeout, unless run with --foreground, sends one after each
# stop signal it passes on: none may reach the programs.
cp "$EXIT_SHIM" "$WORK/exit_shim.so"
: > "$WORK/sigcont.log"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ctrl_c_round_trip "ctrl-c, slow exits" \
    --linux-run "env LD_PRELOAD=$WORK/exit_shim.so MTOOLS_EXIT_DELAY_MS=500 MTOOLS_SIGNAL_LOG=$WORK/sigcont.log"
expect_same "ctrl-c, slow exits: no SIGCONT reached a program" /dev/null "$WORK/sigcont.log"
ip netns exec "$NS" nft delete table inet mtfault

# A directory with msend and mdump but no mpong: named, before any run.
mkdir -p "$WORK/two"
cp "$MSEND" "$MDUMP" "$WORK/two/"
timeout 20 ip netns exec "$NS" "$MCHECK" --linux-dir "$WORK/two" > "$WORK/two.out" 2>&1
expect_status "no mpong" 1 $?
echo "mcheck: no program $WORK/two/mpong" > "$WORK/two.want"
expect_same "no mpong: the error" "$WORK/two.want" "$WORK/two.out"
# A timeout without --foreground (busybox's): named, before any run.
mkdir -p "$WORK/old-timeout"
printf '#!/bin/sh\necho "timeout: unrecognized option: foreground" >&2\nexit 1\n' > "$WORK/old-timeout/timeout"
chmod +x "$WORK/old-timeout/timeout"
timeout 20 ip netns exec "$NS" env PATH="$WORK/old-timeout:$PATH" "$MCHECK" --linux-dir "$SPACED" > "$WORK/old-timeout.out" 2>&1
expect_status "timeout without --foreground" 1 $?
echo "mcheck: needs setsid (util-linux) and a timeout with --foreground (GNU coreutils)" > "$WORK/old-timeout.want"
expect_same "timeout without --foreground: the error" "$WORK/old-timeout.want" "$WORK/old-timeout.out"
finish
