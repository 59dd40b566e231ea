#!/usr/bin/env bash
# install.sh BUILD_DIR - `cmake --install BUILD_DIR --prefix P` into a fresh
# prefix: exactly the expected files land there (the programs and mcheck in
# bin/, a man page and a bash completion for each, README and LICENSE under
# share/doc); the installed programs are the built ones; man finds each
# page; each completion completes; and the installed mcheck runs the
# installed msend and mdump by itself (no --linux-dir), in a private
# network namespace, over its loopback.
source "$(dirname "$0")/lib.sh"
BUILD=${1:?usage: install.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
need_cmd man man-db
P=$WORK/prefix
PACKAGE=msend-mdump

CHECKS=$((CHECKS + 1))
if "${CMAKE:-cmake}" --install "$BUILD" --prefix "$P" > "$WORK/install.log" 2>&1; then
    pass "cmake --install"
else
    fail "cmake --install: $(tail -3 "$WORK/install.log")"
    finish
fi

# Exactly these files, and executable where they are programs.
(cd "$P" && find . -type f | sed 's|^\./||' | sort) > "$WORK/files.got"
sort > "$WORK/files.want" <<END
bin/mcheck
bin/mdump
bin/msend
share/bash-completion/completions/mcheck
share/bash-completion/completions/mdump
share/bash-completion/completions/msend
share/doc/$PACKAGE/LICENSE
share/doc/$PACKAGE/README.md
share/man/man1/mcheck.1
share/man/man1/mdump.1
share/man/man1/msend.1
END
expect_same "the installed files" "$WORK/files.want" "$WORK/files.got"
for f in bin/mcheck bin/mdump bin/msend; do
    CHECKS=$((CHECKS + 1))
    if [ -x "$P/$f" ]; then pass "$f is executable"; else fail "$f is not executable"; fi
done
for f in README.md LICENSE; do
    CHECKS=$((CHECKS + 1))
    if cmp -s "$SRC/$f" "$P/share/doc/$PACKAGE/$f"; then pass "$f installed as it is"
    else fail "share/doc/$PACKAGE/$f differs from $f"; fi
done
for tool in msend mdump; do
    "$P/bin/$tool" --version > "$WORK/$tool.version.got" 2>&1
    "$BUILD/$tool" --version > "$WORK/$tool.version.want" 2>&1
    expect_same "installed $tool --version" "$WORK/$tool.version.want" "$WORK/$tool.version.got"
done

# man finds each page there, and renders its NAME line.
for tool in msend mdump mcheck; do
    CHECKS=$((CHECKS + 1))
    where=$(man -M "$P/share/man" -w "$tool" 2> "$WORK/man.err")
    if [ "$where" = "$P/share/man/man1/$tool.1" ]; then pass "man -w $tool: $where"
    else fail "man -w $tool gave '$where' $(cat "$WORK/man.err")"; fi
    CHECKS=$((CHECKS + 1))
    if LC_ALL=C MANWIDTH=200 MANPAGER=cat man -M "$P/share/man" "$tool" 2> /dev/null | grep -qE "^ +$tool -+ [a-z]"; then
        pass "man $tool renders"
    else fail "man $tool: no NAME line"; fi
done

# complete_with TOOL REPLY WORDS...: completing the last of WORDS with the
# installed completion gives exactly REPLY (its words sorted, joined by
# spaces).
complete_with() {
    local tool=$1 want=$2 got
    shift 2
    # shellcheck disable=SC2016 # expanded by the inner bash
    got=$(bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                   "$(complete -p "$1" | awk "{ print \$3 }")"; printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " "' \
          - "$P/share/bash-completion/completions/$tool" "$tool" "$@" 2>&1)
    CHECKS=$((CHECKS + 1))
    if [ "$got" = "$want" ]; then pass "completion: $tool ${*:2} -> $want"
    else fail "completion: $tool ${*:2} gave '$got', expected '$want'"; fi
}
complete_with msend "--connect-timeout" msend --con
complete_with msend "" msend -b ""
complete_with msend "--rate" msend --ra
complete_with msend "" msend --rate ""
complete_with msend "--interval" msend --in
complete_with msend "--json" msend --j
complete_with msend "--timestamp" msend --ti
complete_with msend "--duration" msend --rate 1k --du
complete_with mdump "--loss-status" mdump --los
complete_with mdump "0 1 2" mdump -Q ""
complete_with mdump "--interval" mdump --int
complete_with mdump "" mdump --interval ""
complete_with mdump "--json" mdump --j
complete_with mdump "$WORK/files.got $WORK/files.want" mdump -o "$WORK/files."
complete_with mcheck "tcp,multicast" mcheck --transports tcp,m
complete_with mcheck "l2w" mcheck --directions = l

# The installed mcheck looks beside itself: alone in a directory, it names
# the msend it did not find there.
mkdir "$WORK/alone"
cp "$P/bin/mcheck" "$WORK/alone/"
(cd / && "$WORK/alone/mcheck" --json) > "$WORK/alone.out" 2>&1
expect_status "mcheck without programs beside it" 1 $?
echo "mcheck: no program $WORK/alone/msend" > "$WORK/alone.want"
expect_same "mcheck without programs beside it: the error" "$WORK/alone.want" "$WORK/alone.out"

# And with them there, it runs them: the three loopback runs pass. From /,
# with a PATH that has no msend, in a namespace of its own.
(cd / && PATH=/usr/sbin:/usr/bin:/sbin:/bin bash "$HERE/private_net.sh" "$P/bin/mcheck" --json --count 20) \
    > "$WORK/mcheck.out" 2>&1
status=$?
if [ "$status" -eq 4 ]; then
    # No namespace to be had: what was checked so far decides, else skipped.
    cat "$WORK/mcheck.out"
    [ "$FAILURES" -eq 0 ] || finish
    skip "the installed mcheck could not be run (the other $CHECKS checks passed)"
fi
expect_status "installed mcheck" 0 "$status"
CHECKS=$((CHECKS + 1))
if grep -q '"passed": 3, "total": 3, "verdict": "PASS"' "$WORK/mcheck.out"; then
    pass "installed mcheck: 3 of 3 loopback runs PASS"
else
    fail "installed mcheck: $(cat "$WORK/mcheck.out")"
fi
finish
