#!/usr/bin/env bash
# private_net.sh CMD ARGS... - runs CMD in a network namespace of its own
# that has only loopback, up, so a check over 127.0.0.1 meets nothing else
# on the machine (and nothing leaves it). As root: a new network namespace;
# otherwise one inside a user namespace, where the kernel allows that.
# Where neither can be made, the test is skipped: status 4 (ctest's
# SKIP_RETURN_CODE) and the reason. Otherwise CMD's own status.
set -u
[ $# -gt 0 ] || { echo "usage: private_net.sh CMD ARGS..." >&2; exit 2; }
if ! command -v ip > /dev/null; then
    echo "SKIP: needs ip, which is not installed (Debian package iproute2; scripts/setup installs it)"
    exit 4
fi
if [ "$(id -u)" = 0 ] && unshare -n true 2> /dev/null; then
    how=(unshare -n)
elif unshare -rn true 2> /dev/null; then
    how=(unshare -rn)
else
    echo "SKIP: cannot create a network namespace here (not root, and no user namespaces)"
    exit 4
fi
# shellcheck disable=SC2016 # expanded by the inner shell
exec "${how[@]}" sh -c 'ip link set lo up && exec "$@"' - "$@"
