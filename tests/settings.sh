#!/usr/bin/env bash
# settings.sh - every socket setting the programs ask for is checked, and
# when the system keeps less, a warning says what was asked and what was
# granted, and for buffers a second line how to raise the limit.
#
#  - Buffers: Linux stores twice the size granted and caps the request at
#    net.core.rmem_max / wmem_max first, so a request between the cap and
#    twice the cap used to pass unnoticed (getsockopt's figure is larger
#    than the request). Run against this kernel's caps (read, never
#    changed: they are not per network namespace on every kernel), and with
#    the cap of the field report (212992, -r 300000) emulated by a shim
#    that makes getsockopt report what such a kernel would (425984).
#  - IP_MULTICAST_TTL, IP_MULTICAST_IF and SO_REUSEADDR taken but kept
#    otherwise (an emulated system, by the shim): warned.
# The old warning line stays where the old tools printed it (mdump: stdout
# and -o; msend: stderr); the NOTE goes to stderr.
source "$(dirname "$0")/lib.sh"
: "${OPTION_SHIM:?OPTION_SHIM must name the option shim library}"
need_root_netns
# The shim is preloaded before a sanitizer's runtime in those builds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

RX=mtsetrx$$
TX=mtsettx$$
two_hosts "$RX" 192.0.2.2/24 "$TX" 192.0.2.1/24
PORT=12000
G=239.7.7.7
rmem_max=$(cat /proc/sys/net/core/rmem_max)
wmem_max=$(cat /proc/sys/net/core/wmem_max)
echo "this kernel: net.core.rmem_max $rmem_max, net.core.wmem_max $wmem_max"

# mdump_case NAME STATUS [env ...] MDUMP-ARGS...: runs mdump in RX (bounded
# by its --idle-timeout); NAME.out and NAME.err are its stdout and stderr.
mdump_case() {
    local name=$1 want=$2
    shift 2
    timeout 20 ip netns exec "$RX" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
    expect_status "$name" "$want" $?
}

# msend_case NAME [env ...] MSEND-ARGS...: one message from TX, no receiver
# needed (multicast); NAME.out and NAME.err.
msend_case() {
    local name=$1
    shift
    timeout 20 ip netns exec "$TX" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
    expect_status "$name" 0 $?
}

# same NAME FILE < WANT: FILE (in $WORK, without the shim's own line) is WANT.
same() {
    grep -v '^option_shim: ' "$WORK/$2" > "$WORK/$2.got"
    cat > "$WORK/$2.want"
    expect_same "$1" "$WORK/$2.want" "$WORK/$2.got"
}

# ---- SO_RCVBUF on this kernel: one and a half times the cap. Granted:
# the cap; getsockopt: twice the cap, more than asked.
want=$((rmem_max + rmem_max / 2))
mdump_case rcvbuf 3 "$MDUMP" -q -r $want --idle-timeout 1s 0.0.0.0 $PORT
same "mdump -r $want: stdout" rcvbuf.out <<END
Equiv cmd line: mdump -p0 -Q2 -r$want 0.0.0.0 $PORT
WARNING: tried to set SO_RCVBUF to $want, only got $((rmem_max * 2))
TIMEOUT: nothing received for 1 s
END
same "mdump -r $want: stderr" rcvbuf.err <<END
NOTE: Linux granted $rmem_max bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.rmem_max=$want
END

# At the cap: nothing to say. One over: said.
mdump_case rcvbuf-at-cap 3 "$MDUMP" -q -r "$rmem_max" --idle-timeout 1s 0.0.0.0 $PORT
same "mdump -r at the cap: stdout" rcvbuf-at-cap.out <<END
Equiv cmd line: mdump -p0 -Q2 -r$rmem_max 0.0.0.0 $PORT
TIMEOUT: nothing received for 1 s
END
same "mdump -r at the cap: stderr" rcvbuf-at-cap.err < /dev/null
over=$((rmem_max + 1))
mdump_case rcvbuf-over 3 "$MDUMP" -q -r $over --idle-timeout 1s -t 0.0.0.0 $PORT
same "mdump -t -r one over the cap: stdout" rcvbuf-over.out <<END
Equiv cmd line: mdump -p0 -Q2 -r$over -t 0.0.0.0 $PORT
WARNING: tried to set SO_RCVBUF to $over, only got $((rmem_max * 2))
TIMEOUT: no connection for 1 s
END
same "mdump -t -r one over the cap: stderr" rcvbuf-over.err <<END
NOTE: Linux granted $rmem_max bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.rmem_max=$over
END

# The largest request: Linux gives at most 1073741823 bytes, whatever the
# sysctl says, so no limit grants it: the NOTE says the most there is, and
# the sysctl that gives it (here the limit is less).
mdump_case rcvbuf-largest 3 "$MDUMP" -q -r 2147483647 --idle-timeout 1s 0.0.0.0 $PORT
same "mdump -r 2147483647: stderr" rcvbuf-largest.err <<END
NOTE: Linux granted $rmem_max bytes (getsockopt reports twice that) and gives at most 1073741823: ask for at most that, with sysctl -w net.core.rmem_max=1073741823
END

# ---- The field report: rmem_max 212992, mdump -r 300000 (getsockopt
# 425984, as that kernel reports), with -o: the file gets the old line.
mdump_case report 3 env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION=1:8:425984 \
    "$MDUMP" -q -o "$WORK/report.file" -r 300000 --idle-timeout 1s $G $PORT 192.0.2.2
same "field report, mdump -r 300000: stdout" report.out <<END
Equiv cmd line: mdump -o $WORK/report.file -p0 -Q2 -r300000 $G $PORT 192.0.2.2
WARNING: tried to set SO_RCVBUF to 300000, only got 425984
TIMEOUT: nothing received for 1 s
END
same "field report, mdump -r 300000: stderr" report.err <<END
NOTE: Linux granted 212992 bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.rmem_max=300000
END
same "field report, mdump -r 300000: the -o file" report.file < "$WORK/report.out.want"

# ---- SO_SNDBUF, msend -S: on this kernel, then as the field report's.
want=$((wmem_max + wmem_max / 2))
equiv="msend -b1 -m0 -n1 -p0 -s0 -S$want $G $PORT 2 192.0.2.1"
msend_case sndbuf "$MSEND" -S $want -n1 -p0 $G $PORT 2 192.0.2.1
same "msend -S $want: stdout" sndbuf.out <<END
Equiv cmd line: $equiv
Sending 1 bursts of 1 variable-length messages
Sending 9 bytes
1 messages sent
END
same "msend -S $want: stderr" sndbuf.err <<END
WARNING: tried to set SO_SNDBUF to $want, only got $((wmem_max * 2))
NOTE: Linux granted $wmem_max bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.wmem_max=$want
END
msend_case sndbuf-report env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION=1:7:425984 \
    "$MSEND" -q -S 300000 -n1 -p0 $G $PORT 2 192.0.2.1
same "field report, msend -S 300000: stderr" sndbuf-report.err <<END
WARNING: tried to set SO_SNDBUF to 300000, only got 425984
NOTE: Linux granted 212992 bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.wmem_max=300000
END
# -qq prints nothing at all, warnings included (as the old tool).
msend_case sndbuf-qq "$MSEND" -qq -S $want -n1 -p0 $G $PORT 2 192.0.2.1
same "msend -qq -S $want: stderr" sndbuf-qq.err < /dev/null

# ---- Settings kept otherwise (IPPROTO_IP 0: IP_MULTICAST_IF 32,
# IP_MULTICAST_TTL 33; SOL_SOCKET 1: SO_REUSEADDR 2).
msend_case ttl env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION=0:33:1 \
    "$MSEND" -q -n1 -p0 $G $PORT 15 192.0.2.1
same "IP_MULTICAST_TTL kept lower: stderr" ttl.err <<END
WARNING: tried to set IP_MULTICAST_TTL to 15, only got 1
END
msend_case interface env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION=0:32:0 \
    "$MSEND" -q -n1 -p0 $G $PORT 2 192.0.2.1
same "IP_MULTICAST_IF kept otherwise: stderr" interface.err <<END
WARNING: tried to set IP_MULTICAST_IF to 192.0.2.1, got 0.0.0.0
END
mdump_case reuse 3 env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION=1:2:0 \
    "$MDUMP" -q -r 65536 --idle-timeout 1s $G $PORT 192.0.2.2
same "SO_REUSEADDR kept off (UDP): stdout" reuse.out <<END
Equiv cmd line: mdump -p0 -Q2 -r65536 $G $PORT 192.0.2.2
WARNING: tried to set SO_REUSEADDR to 1, only got 0
TIMEOUT: nothing received for 1 s
END
mdump_case reuse-tcp 3 env LD_PRELOAD="$OPTION_SHIM" MTOOLS_KEEP_OPTION=1:2:0 \
    "$MDUMP" -q -r 65536 --idle-timeout 1s -t 0.0.0.0 $PORT
same "SO_REUSEADDR kept off (TCP listener): stdout" reuse-tcp.out <<END
Equiv cmd line: mdump -p0 -Q2 -r65536 -t 0.0.0.0 $PORT
WARNING: tried to set SO_REUSEADDR to 1, only got 0
TIMEOUT: no connection for 1 s
END
finish
