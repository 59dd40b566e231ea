#!/usr/bin/env bash
# setup_list.sh - the README names one list of packages to install, and it
# is the one scripts/setup installs: the indented line after the README's
# "`scripts/setup` installs" must equal `scripts/setup --list`.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
readme=$(awk '/^`scripts\/setup` installs/ { found = 1; next }
              found && /^    [^ ]/ { sub(/^ +/, ""); print; exit }' "$SRC/README.md")
script=$("$SRC/scripts/setup" --list)
if [ -n "$readme" ] && [ "$readme" = "$script" ]; then
    echo "ok: the README's list is scripts/setup's: $script"
else
    echo "FAIL: the README lists '$readme', scripts/setup installs '$script'" >&2
    exit 1
fi
