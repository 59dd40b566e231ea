# shellcheck shell=bash
# lib.sh - shared helpers of the scripted tests (sourced, not run).
#
# Tests compare exact output: only timestamps and ephemeral ports are
# masked. Every wait is bounded, every process and namespace a test
# creates is removed on exit, and traffic goes only to loopback or to
# namespaces the test made itself.

set -u
: "${MSEND:?MSEND must name the msend program}"
: "${MDUMP:?MDUMP must name the mdump program}"

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/mtools-$TEST_NAME.XXXXXX")
FAILURES=0
CHECKS=0
NETNS_CREATED=()
PIDS=()

cleanup() {
    local pid ns
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for ns in "${NETNS_CREATED[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    FAILURES=$((FAILURES + 1))
    echo "FAIL: $*" >&2
}

pass() {
    echo "ok: $*"
}

# Replaces "HH:MM:SS.uuuuuu" with TS and the port after an address
# ("A.B.C.D.port N bytes") with PORT.
mask() {
    sed -E -e 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} /TS /' \
           -e 's/^(TS [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+ /\1.PORT /'
}

# expect_same NAME EXPECTED_FILE ACTUAL_FILE
expect_same() {
    CHECKS=$((CHECKS + 1))
    if cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1: output differs (- expected, + actual)"
        diff -u "$2" "$3" | head -60 >&2
    fi
}

# expect_status NAME WANT GOT
expect_status() {
    CHECKS=$((CHECKS + 1))
    if [ "$2" = "$3" ]; then pass "$1: exit status $3"; else fail "$1: exit status $3, expected $2"; fi
}

# wait_for FILE PATTERN SECONDS: until a line of FILE matches (grep -E).
wait_for() {
    local deadline=$((SECONDS + $3))
    while ! grep -qE -- "$2" "$1" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "timed out after $3 s waiting for /$2/ in $(basename "$1")"
            return 1
        fi
        sleep 0.05
    done
}

# wait_lines FILE PATTERN COUNT SECONDS: until at least COUNT lines of FILE
# match (grep -E).
wait_lines() {
    local deadline=$((SECONDS + $4)) n
    while n=$(grep -cE -- "$2" "$1" 2>/dev/null); [ "${n:-0}" -lt "$3" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "timed out after $4 s waiting for $3 lines /$2/ in $(basename "$1") (${n:-0} seen)"
            return 1
        fi
        sleep 0.05
    done
}

# spawn OUT [ip netns exec NS] PROGRAM ARGS...: starts it in the background
# with stdout and stderr to OUT; SPAWNED is its pid. A background job of a
# script starts with Ctrl-C (SIGINT) ignored: give it back its default, as
# from a terminal.
spawn() {
    local out=$1
    shift
    in_background "$@" > "$out" 2>&1
}

# spawn_apart OUT ERR [ip netns exec NS] PROGRAM ARGS...: spawn, with
# stderr to ERR: for stdout that is parsed (JSON), where a line of stderr
# has no place.
spawn_apart() {
    local out=$1 err=$2
    shift 2
    in_background "$@" > "$out" 2> "$err"
}

# in_background [ip netns exec NS] PROGRAM ARGS...: spawn's start, with
# this call's stdout and stderr.
in_background() {
    if [ "$1" = ip ]; then
        "${@:1:4}" env --default-signal=INT,TERM "${@:5}" &
    else
        env --default-signal=INT,TERM "$@" &
    fi
    SPAWNED=$!
    PIDS+=("$SPAWNED")
}

# BEHIND_NOTE: the NOTE msend prints on stderr once it is on schedule
# again after falling more than 100 ms behind it (README, "An even rate"),
# its figures as patterns (extended regular expression, not anchored). A
# machine busy with other work stalls msend that long now and then, so any
# run with a schedule may print it; tests that do not look for it remove
# it with drop_behind_note, and compare the rest exactly.
BEHIND_NOTE='NOTE: msend fell [0-9]+\.[0-9]{3} s \([0-9]+ messages?\) behind its schedule: it moved the schedule on by that much, without a burst to catch up'

# drop_behind_note FILE...: removes that NOTE, with its line end (LF or
# CRLF), from each FILE in place, wherever it stands: a line of stderr, or
# within stdout's text where the two share a file (msend writes out
# stdout's line so far, then the NOTE: "....NOTE: ...\n..Pausing" becomes
# "......Pausing", as without it). Says in the test's log what it removed;
# everything else stays, to be compared.
drop_behind_note() {
    local f n
    for f in "$@"; do
        n=$(grep -cE -- "$BEHIND_NOTE" "$f" 2> /dev/null)
        [ "${n:-0}" -gt 0 ] || continue
        echo "note: $(basename "$f"): msend fell behind its schedule $n time(s) (a busy machine): that NOTE left out"
        sed -i -z -E "s/$BEHIND_NOTE\r?\n//g" "$f"
    done
}

# wait_exit PID SECONDS: sets STATUS to the process's exit status, or kills
# it, fails and sets 124.
# shellcheck disable=SC2034 # STATUS is read by the tests that source this
wait_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill -9 "$pid" 2>/dev/null
            fail "process $pid still running after $2 s"
            wait "$pid" 2>/dev/null
            STATUS=124
            return
        fi
        sleep 0.05
    done
    wait "$pid" 2>/dev/null
    STATUS=$?
}

# now_ms: this shell's clock in milliseconds.
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

# wait_started NAME FILE PID SECONDS: until the program PID, writing into
# FILE, has printed its Equiv line (it is bound then) or has ended; fails
# (status 1) after SECONDS.
wait_started() {
    local deadline=$((SECONDS + $4))
    while ! grep -q '^Equiv cmd line' "$2" 2>/dev/null; do
        kill -0 "$3" 2>/dev/null || return 0
        if [ "$SECONDS" -ge "$deadline" ]; then fail "$1: not started after $4 s"; return 1; fi
        sleep 0.05
    done
}

# expect_ctrl_c NAME PID WHAT BOUND_MS: PID is still running; SIGINT to it
# (wine turns it into the console's Ctrl-C) ends it with 130 within BOUND_MS
# (killed after 10 s).
expect_ctrl_c() {
    local name=$1 pid=$2 signal_ms took_ms
    CHECKS=$((CHECKS + 1))
    if kill -0 "$pid" 2>/dev/null; then pass "$name: still running before the signal"
    else fail "$name: ended before the signal"; fi
    signal_ms=$(now_ms)
    kill -INT "$pid"
    wait_exit "$pid" 10
    took_ms=$(($(now_ms) - signal_ms))
    expect_status "$name: $3 after Ctrl-C" 130 "$STATUS"
    CHECKS=$((CHECKS + 1))
    if [ "$took_ms" -le "$4" ]; then pass "$name: ended $took_ms ms after the signal"
    else fail "$name: ended $took_ms ms after the signal, want at most $4"; fi
}

# wait_listening [NETNS] PROTO PORT SECONDS: until a socket is bound there.
wait_listening() {
    local ns=$1 proto=$2 port=$3 deadline=$((SECONDS + $4)) flag
    if [ "$proto" = tcp ]; then flag=-ltn; else flag=-lun; fi
    while :; do
        if [ -n "$ns" ]; then
            ip netns exec "$ns" ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q . && return 0
        else
            ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q . && return 0
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "nothing listening on $proto port $port after $4 s"
            return 1
        fi
        sleep 0.05
    done
}

# own_loopback "$@": as root, runs this test again in a network namespace
# of its own that has only loopback, up, so the ports it picks cannot meet
# another test's or program's on this machine (tests run side by side,
# other people's included). Called before anything is started. Without
# root: the machine's loopback, and free_port's random ports.
own_loopback() {
    if [ -n "${MTOOLS_OWN_LOOPBACK:-}" ] || [ "$(id -u)" != 0 ] || ! unshare -n true 2> /dev/null; then
        return 0
    fi
    rm -rf "$WORK"
    trap - EXIT
    export MTOOLS_OWN_LOOPBACK=1
    # shellcheck disable=SC2016 # expanded by the inner shell
    exec unshare -n sh -c 'ip link set lo up && exec bash "$@"' - "$0" "$@"
}

# wait_unbound [NETNS] PROTO PORT SECONDS: until no socket is bound there
# (a listener closed).
wait_unbound() {
    local ns=$1 proto=$2 port=$3 deadline=$((SECONDS + $4)) flag
    if [ "$proto" = tcp ]; then flag=-ltn; else flag=-lun; fi
    while if [ -n "$ns" ]; then ip netns exec "$ns" ss -H "$flag" "sport = :$port"
          else ss -H "$flag" "sport = :$port"; fi 2>/dev/null | grep -q .; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "still listening on $proto port $port after $4 s"
            return 1
        fi
        sleep 0.05
    done
}

# A free port on loopback for this run, so parallel tests do not collide.
free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 20000))
        if ! ss -Htuan "sport = :$port" | grep -q .; then echo "$port"; return; fi
    done
    echo 29999
}

# skip REASON: this test cannot run on this machine, which is no failure:
# says why and exits with 4, the status registered with ctest as "skipped"
# (SKIP_RETURN_CODE; 4 as in the Linux kernel's selftests).
skip() {
    echo "SKIP: $*"
    exit 4
}

# need_cmd PROGRAM PACKAGE: skips the test unless PROGRAM is installed.
need_cmd() {
    command -v "$1" > /dev/null ||
        skip "needs $1, which is not installed (Debian package $2; scripts/setup installs it)"
}

need_root_netns() {
    [ "$(id -u)" = 0 ] || skip "needs root: it builds its own hosts in network namespaces"
    need_cmd ip iproute2
    unshare -n true 2> /dev/null ||
        skip "cannot create a network namespace here (unshare -n fails: a container without CAP_SYS_ADMIN?)"
}

# make_netns NAME: a namespace with loopback up, removed on exit.
# mcheck_refused NS DIR NAME ERROR_LINE ARGS...: $MCHECK in namespace NS
# with --linux-dir DIR and ARGS exits 2 with exactly that line and the hint
# on stderr, and nothing on stdout.
mcheck_refused() {
    local ns=$1 dir=$2 name=$3 line=$4
    shift 4
    timeout 20 ip netns exec "$ns" "$MCHECK" --linux-dir "$dir" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
    expect_status "$name" 2 $?
    printf '%s\n' "$line" "Try 'mcheck --help'." > "$WORK/$name.want"
    expect_same "$name: stderr" "$WORK/$name.want" "$WORK/$name.err"
    expect_same "$name: nothing on stdout" /dev/null "$WORK/$name.out"
}

# fake_wsl NAME KERNEL INTEROP SOCKET [PATH]: $WORK/NAME, a command that
# runs $MCHECK with its arguments as inside WSL, in a mount namespace of
# its own: /proc/sys/kernel/osrelease says KERNEL (4.4.0-19041-Microsoft:
# WSL 1; 5.15.167.4-microsoft-standard-WSL2); /proc/sys/fs/binfmt_misc
# holds WSL's interop entry, WSLInterop, saying INTEROP ("enabled",
# "disabled"), or none ("-": interop turned off in /etc/wsl.conf);
# WSL_INTEROP names a socket ("socket", as WSL 2 sets it), a path with
# none ("gone") or is not set ("-"); PATH: mcheck's (a fake wslinfo first).
fake_wsl() {
    local name=$1 dir=$WORK/$1.wsl env=(env)
    mkdir -p "$dir/binfmt_misc"
    echo "$2" > "$dir/osrelease"
    if [ "$3" != - ]; then
        printf '%s\n' "$3" "interpreter /init" "flags: PF" "offset 0" "magic 4d5a" > "$dir/binfmt_misc/WSLInterop"
    fi
    case $4 in
        socket) need_cmd python3 python3
                python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$dir/interop" ||
                    { fail "fake_wsl: no socket made"; exit 1; }
                env+=(WSL_INTEROP="$dir/interop") ;;
        gone) env+=(WSL_INTEROP="$dir/gone") ;;
        *) env+=(-u WSL_INTEROP) ;;
    esac
    env+=(PATH="${5:-$PATH}" "$MCHECK")
    # shellcheck disable=SC2016 # the inner sh's arguments
    printf '#!/usr/bin/env bash\nexec unshare -m sh -c %q - %q %s "$@"\n' \
        'mount --bind "$1/osrelease" /proc/sys/kernel/osrelease && mount --bind "$1/binfmt_misc" /proc/sys/fs/binfmt_misc && shift && exec "$@"' \
        "$dir" "$(printf '%q ' "${env[@]}")" > "$WORK/$name"
    chmod +x "$WORK/$name"
}

make_netns() {
    ip netns del "$1" 2>/dev/null
    ip netns add "$1" || { fail "ip netns add $1"; exit 1; }
    NETNS_CREATED+=("$1")
    ip -n "$1" link set lo up
}

# veth_pair NS1 ADDR1/LEN NS2 ADDR2/LEN: joins two namespaces.
veth_pair() {
    local a=v${RANDOM}a b=v${RANDOM}b
    ip link add "$a" type veth peer name "$b" || { fail "ip link add veth"; exit 1; }
    ip link set "$a" netns "$1"
    ip link set "$b" netns "$3"
    ip -n "$1" addr add "$2" dev "$a"
    ip -n "$3" addr add "$4" dev "$b"
    ip -n "$1" link set "$a" up
    ip -n "$3" link set "$b" up
}

# wine_in NS: runs Windows programs under wine inside namespace NS. Each
# wine prefix has one wineserver, which owns the sockets of its programs, so
# a private prefix (a copy of a template made once: wine's first start is
# slow) gets its server started inside NS.
wine_in() {
    need_cmd wine wine
    export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
    local template=${MTOOLS_WINE_TEMPLATE:-$HOME/.cache/mtools/wine-template}
    if [ ! -f "$template/system.reg" ]; then
        mkdir -p "$(dirname "$template")"
        WINEPREFIX=$template wineboot -i > /dev/null 2>&1
        WINEPREFIX=$template wineserver -w
    fi
    cp -a "$template" "$WORK/wineprefix"
    export WINEPREFIX=$WORK/wineprefix
    ip netns exec "$1" wineserver -p 60
}

# nft_drop NS HOOK MATCH...: drops packets matching MATCH (nft syntax) at
# HOOK (input or output) inside namespace NS.
nft_drop() {
    local ns=$1 hook=$2
    shift 2
    if ! { ip netns exec "$ns" nft add table inet mtfault &&
           ip netns exec "$ns" nft add chain inet mtfault "$hook" "{ type filter hook $hook priority 0; }" &&
           ip netns exec "$ns" nft add rule inet mtfault "$hook" "$@" drop; }; then
        fail "nft: could not drop '$*' at $hook in $ns"
        exit 1
    fi
}

# two_hosts NS1 ADDR1/LEN NS2 ADDR2/LEN: two namespaces joined by a veth pair.
two_hosts() {
    make_netns "$1"
    make_netns "$3"
    veth_pair "$@"
}

finish() {
    echo "$TEST_NAME: $CHECKS checks, $FAILURES failed"
    [ "$FAILURES" -eq 0 ]
    exit
}

# Every test here waits for sockets with ss.
need_cmd ss iproute2
