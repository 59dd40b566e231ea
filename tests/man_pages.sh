#!/usr/bin/env bash
# man_pages.sh - the man pages (man/*.1, mdoc): `mandoc -T lint` finds
# nothing at warning level or above, and each page documents every option
# its program's --help lists (as an item of its option list), and the same
# exit statuses as --help (exit_statuses). Needs MSEND,
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

# exit_statuses TOOL HELP PAGE_TEXT: the paragraph of --help that begins
# "Exit status:" (its last) names the same statuses as the page's EXIT
# STATUS section (every number in each: 130 and the 143 of SIGTERM
# alike), and is filled: no line of it could have taken the next line's
# first word within the help's widest line.
exit_statuses() {
    local tool=$1 help=$2 text=$3 paragraph in_help in_page width early
    paragraph=$(sed -n '/^Exit status:/,/^$/p' <<< "$help")
    in_help=$(grep -oE '\b[0-9]+\b' <<< "$paragraph" | sort -un | tr '\n' ' ')
    in_page=$(awk '/^EXIT STATUS/ { on = 1; next } on && /^[A-Z]/ { on = 0 } on' <<< "$text" |
              grep -oE '\b[0-9]+\b' | sort -un | tr '\n' ' ')
    checks=$((checks + 1))
    if [ -n "$in_help" ] && [ "$in_help" = "$in_page" ]; then
        echo "ok: $tool --help and $tool.1 list the exit statuses $in_help"
    else
        fail "$tool --help lists the exit statuses '$in_help', $tool.1 '$in_page'"
    fi
    width=$(awk '{ if (length($0) > w) w = length($0) } END { print w }' <<< "$help")
    early=$(awk -v w="$width" 'NR > 1 && $0 != "" { split($0, f, " ");
                if (length(prev) + 1 + length(f[1]) <= w) print "\"" prev "\" (then \"" f[1] "\")" }
                { prev = $0 }' <<< "$paragraph")
    checks=$((checks + 1))
    if [ -z "$early" ]; then
        echo "ok: $tool --help: its exit statuses fill their lines (up to $width columns)"
    else
        fail "$tool --help: an exit-status line ends early: $early"
    fi
}

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
    [ "$tool" = mcheck ] && continue
    exit_statuses "$tool" "$help" "$text"
done
echo "man_pages: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
