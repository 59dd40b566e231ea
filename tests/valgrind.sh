#!/usr/bin/env bash
# valgrind.sh BUILD_DIR TEST... - runs end-to-end test scripts with msend,
# mdump and mpong under valgrind memcheck: each run must report no error and no
# leak (definite or indirect), and the tests must pass as they do without
# it. Prints how many program runs were checked. A test that cannot run
# here (status 4, e.g. not root) is reported; then, if nothing failed, this
# test too ends with status 4: skipped.
set -u
build=$(cd "${1:?usage: valgrind.sh BUILD_DIR TEST...}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind > /dev/null ||
    { echo "SKIP: needs valgrind, which is not installed (Debian package valgrind; scripts/setup installs it)"; exit 4; }
wrap=$(mktemp -d /tmp/mtools-valgrind.XXXXXX)
trap 'rm -rf "$wrap"' EXIT
for tool in msend mdump mpong; do
    # The report on a descriptor of its own, opened here: a --log-file
    # would take the lowest free number, stdout's when a test runs the
    # program with stdout closed, and get the program's output.
    cat > "$wrap/$tool" <<END
#!/bin/sh
exec 9> "$wrap/log.$tool.\$\$"
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
    --log-fd=9 "$build/$tool" "\$@"
END
    chmod +x "$wrap/$tool"
done
failed=0 skipped=
for t in "$@"; do
    MSEND=$wrap/msend MDUMP=$wrap/mdump MPONG=$wrap/mpong SENDRAW=$build/tests/sendraw FAULT_SHIM=$build/tests/libfault_shim.so \
        HOLDPORT=$build/tests/holdport OPTION_SHIM=$build/tests/liboption_shim.so \
        bash "$here/$t" > "$wrap/out.$t" 2>&1
    case $? in
        0) ;;
        4) skipped="$skipped $t"; echo "not run: $t: $(grep -m1 '^SKIP' "$wrap/out.$t")" ;;
        *) failed=1; echo "FAIL: $t under valgrind" >&2; grep -E '^FAIL' "$wrap/out.$t" >&2 || tail -3 "$wrap/out.$t" >&2 ;;
    esac
done
runs=$(find "$wrap" -maxdepth 1 -name 'log.*' | wc -l)
dirty=0
for log in "$wrap"/log.*; do
    [ -s "$log" ] || continue
    dirty=$((dirty + 1))
    echo "valgrind reports in $(basename "$log"):" >&2
    head -30 "$log" >&2
done
echo "valgrind: $runs program runs, $dirty with errors or leaks"
[ "$dirty" -eq 0 ] && [ "$failed" -eq 0 ] || exit 1
if [ -n "$skipped" ]; then
    echo "SKIP: could not run here:$skipped (the others passed under valgrind)"
    exit 4
fi
[ "$runs" -gt 0 ]
