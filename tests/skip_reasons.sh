#!/usr/bin/env bash
# skip_reasons.sh LOG - after ctest's run (CTEST_CUSTOM_POST_TEST), prints
# the reason each skipped test gave, from the log ctest is writing
# (Testing/Temporary/LastTest.log.tmp; the output of a skipped test is not
# shown otherwise): "skipped NAME: REASON". Nothing when none was skipped,
# or when there is no such log.
set -u
[ -r "${1:-}" ] || exit 0
awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
     /^SKIP: / { sub(/^SKIP: /, ""); print "skipped " name ": " $0 }' "$1"
exit 0
