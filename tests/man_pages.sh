#!/usr/bin/env bash
# man_pages.sh - the man pages (man/*.1, mdoc): `mandoc -T lint` finds
# nothing at warning level or above, and each page documents every option
# its program's --help lists (as an item of its option list). Needs MSEND,
# MDUMP, MPONG (the programs' paths) and mandoc; without mandoc: skipped
# (status 4).
set -u
: "${MSEND:?MSEND must name the msend program}"
: "${MDUMP:?MDUMP must name the mdump program}"
: "${MPONG:?MPONG must name the mpong program}"
SRC=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v mandoc > /dev/null; then
    echo "SKIP: needs mandoc, which is not installed (Debian package mandoc; scripts/setup installs it)"
    exit 4
fi
checks=0 failures=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

for tool in msend mdump mpong mcheck; do
    page=$SRC/man/$tool.1
    checks=$((checks + 1))
    if lint=$(mandoc -T lint -W warning "$page" 2>&1) && [ -z "$lint" ]; then
        echo "ok: $tool.1: mandoc -T lint -W warning finds nothing"
    else
        fail "$tool.1: mandoc -T lint: $lint"
    fi

    case $tool in
        msend) help=$("$MSEND" --help) ;;
        mdump) help=$("$MDUMP" --help) ;;
        mpong) help=$("$MPONG" --help) ;;
        mcheck) help=$("$SRC/mcheck" --help) ;;
    esac
    # The options --help lists: the first words of its indented lines
    # ("  -b count", "  -h, --help", "  -1 .. -5", "               -1  600 x").
    options=$(grep -oE '^ +-[-A-Za-z0-9]+(, --[a-z-]+)?( \.\. -[0-9])?' <<< "$help" |
              tr ',' ' ' | tr -s ' ' '\n' | grep -E '^-' | sort -u)
    checks=$((checks + 1))
    if [ "$(wc -l <<< "$options")" -ge 5 ]; then
        echo "ok: $tool --help lists $(wc -l <<< "$options") options"
    else
        fail "$tool --help: found only '$options' as options"
    fi
    # The page as a terminal shows it; an option's item starts its line
    # ("-b burst_count", "-h, --help").
    text=$(mandoc -T ascii "$page" | sed 's/.\x08//g')
    for opt in $options; do
        checks=$((checks + 1))
        if grep -qE -- "^ +(-[A-Za-z0-9], )?$opt( |,|$)" <<< "$text"; then
            :
        else
            fail "$tool.1 does not document $opt (no item for it)"
        fi
    done
done
echo "man_pages: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
