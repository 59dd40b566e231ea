#!/usr/bin/env bash
# bad_input.sh - every bad command line in bad_input.tsv is refused the same
# way: exit status 2, nothing on stdout, exactly the expected error line and
# the usage line on stderr, and no socket opened, connected or sent on (run
# under strace). Also -h/--help and --version, which succeed.
#
# Needs MSEND, MDUMP and MPONG (the programs' paths) and strace.
set -u
# LeakSanitizer cannot work under ptrace (strace, below); the other suites
# and valgrind cover leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

failures=0
checked=0

if [[ -z "${MSEND:-}" || -z "${MDUMP:-}" || -z "${MPONG:-}" ]]; then
    echo "FAIL: set MSEND, MDUMP and MPONG to the programs' paths"
    exit 1
fi
for bin in "$MSEND" "$MDUMP" "$MPONG"; do
    if [[ ! -x "$bin" ]]; then
        echo "FAIL: not an executable: $bin"
        exit 1
    fi
done
if ! command -v strace >/dev/null 2>&1; then
    # Status 4: skipped (ctest's SKIP_RETURN_CODE), not failed.
    echo "SKIP: needs strace, to show nothing was sent; not installed (Debian package strace; scripts/setup installs it)"
    exit 4
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
table="$here/bad_input.tsv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

traced=(socket connect sendto sendmsg sendmmsg)
strace_filter="trace=$(IFS=,; echo "${traced[*]}")"
traced_call_re="(^|[^a-z_])($(IFS='|'; echo "${traced[*]}"))\("

# run <bin> <args...>: runs it bounded in time under strace; sets rc and
# leaves $work/out, $work/err and $work/trace.
run() {
    rm -f "$work/out" "$work/err" "$work/trace"
    timeout 10 strace -f -qq -e "$strace_filter" -o "$work/trace" \
        "$@" >"$work/out" 2>"$work/err"
    rc=$?
}

# The trace must exist (strace ran) and hold none of the traced calls.
check_nothing_sent() {
    local what=$1
    if [[ ! -f "$work/trace" ]]; then
        fail "$what: strace wrote no trace (did it run?)"
        return
    fi
    if grep -Eq "$traced_call_re" "$work/trace"; then
        fail "$what: made a network call:"
        grep -E "$traced_call_re" "$work/trace" | head -5 | sed 's/^/    /'
    fi
}

# First line of each tool's usage, as the program prints it.
usage_line() {
    case $1 in
    msend) echo "usage: msend [-1|2|3|4|5] [-b burst_count] [-d] [-h] [-l loops] [-m msg_len] [-n num_bursts] [-P payload] [-p pause] [-q] [-S Sndbuf_size] [-s stat_pause] [-t | -u] [--connect-timeout time] [--summary] [--rate R [--duration time]] [--interval time] [--json] [--timestamp] [--ipv4 | --ipv6] [--loopback on|off] [--dscp dscp] [--version] group port [ttl] [interface]" ;;
    mdump) echo "usage: mdump [-h] [-o ofile] [-c compact_dump] [-p pause_ms[/loops]] [-Q Quiet_lvl] [-q] [-r rcvbuf_size] [-s] [-t] [-v] [--idle-timeout time] [--accept-timeout time] [--loss-status] [--summary] [--interval time] [--json] [--ipv4 | --ipv6] [--source addr]... [--exclude-source addr]... [--version] group[,group...|+count] port [interface]" ;;
    mpong) echo "usage: mpong [-h] [-i] [-o ofile] [-r rcvbuf_size] [-S Sndbuf_size] [-s samples] [-u] [-v] [--timeout time] [--interval time] [--warmup cycles] [--histogram] [--json] [--idle-timeout time] [--announce] [--version] group port [ttl] [interface]" ;;
    esac
}

# The strace filter must see what a real run does, or "nothing sent" would
# pass for the wrong reason: one datagram to the discard port on loopback.
run "$MSEND" -qq -u -n 1 -p 0 127.0.0.1 9
if ! grep -Eq '(^|[^a-z_])socket\(' "$work/trace" ||
    ! grep -Eq '(^|[^a-z_])(connect|sendto|sendmsg|sendmmsg)\(' "$work/trace"; then
    fail "control: strace did not record msend's socket and send calls"
    sed 's/^/    /' "$work/trace" | head -10
fi

lineno=0
while IFS= read -r line || [[ -n "$line" ]]; do
    lineno=$((lineno + 1))
    [[ -z "$line" || "$line" == \#* ]] && continue
    tabs=${line//[^$'\t']/}
    if [[ ${#tabs} -ne 2 ]]; then
        fail "bad_input.tsv:$lineno: want 3 tab-separated fields: $line"
        continue
    fi
    tool=${line%%$'\t'*}
    rest=${line#*$'\t'}
    argtext=${rest%%$'\t'*}
    expected=${rest#*$'\t'}
    case $tool in
    msend) bin=$MSEND ;;
    mdump) bin=$MDUMP ;;
    mpong) bin=$MPONG ;;
    *)
        fail "bad_input.tsv:$lineno: unknown tool '$tool'"
        continue
        ;;
    esac
    args=()
    if [[ -n "$argtext" ]]; then
        IFS=' ' read -r -a args <<<"$argtext"
        for i in "${!args[@]}"; do
            [[ "${args[i]}" == "<EMPTY>" ]] && args[i]=""
        done
    fi
    what="bad_input.tsv:$lineno: $tool $argtext"
    checked=$((checked + 1))

    run "$bin" "${args[@]}"
    [[ $rc -eq 2 ]] || fail "$what: exit status $rc, want 2"
    [[ ! -s "$work/out" ]] || fail "$what: stdout not empty: $(head -c 200 "$work/out")"
    want=$(printf '%s\n%s\n' "$expected" "$(usage_line "$tool")")
    got=$(cat "$work/err"; echo x)
    got=${got%x}
    if [[ "$got" != "$want"$'\n' ]]; then
        fail "$what: stderr differs"
        echo "    want: $expected"
        echo "    got:  $(head -n 1 "$work/err")"
        echo "    ($(wc -l <"$work/err") lines in all; second: $(sed -n 2p "$work/err" | head -c 60))"
    fi
    check_nothing_sent "$what"
done <"$table"

if [[ $checked -lt 45 ]]; then
    fail "only $checked rows in bad_input.tsv; want at least 45"
fi

# Help and version: exit 0, stdout only, and nothing sent either.
for tool in msend mdump mpong; do
    case $tool in msend) bin=$MSEND ;; mdump) bin=$MDUMP ;; mpong) bin=$MPONG ;; esac
    for opt in -h --help; do
        checked=$((checked + 1))
        run "$bin" "$opt"
        [[ $rc -eq 0 ]] || fail "$tool $opt: exit status $rc, want 0"
        [[ ! -s "$work/err" ]] || fail "$tool $opt: stderr not empty: $(head -c 200 "$work/err")"
        [[ -s "$work/out" ]] || fail "$tool $opt: no help on stdout"
        [[ "$(head -c 8 "$work/out")" == "$tool - " ]] ||
            fail "$tool $opt: help starts '$(head -n 1 "$work/out")', want '$tool - ...'"
        check_nothing_sent "$tool $opt"
    done
    checked=$((checked + 1))
    run "$bin" --version
    [[ $rc -eq 0 ]] || fail "$tool --version: exit status $rc, want 0"
    [[ ! -s "$work/err" ]] || fail "$tool --version: stderr not empty"
    got=$(cat "$work/out"; echo x)
    [[ "$got" == "$tool 1.0.0"$'\n'x ]] ||
        fail "$tool --version: printed '${got%x}', want '$tool 1.0.0'"
    check_nothing_sent "$tool --version"
done

echo "bad_input: $checked command lines checked, $failures failures"
[[ $failures -eq 0 ]]
