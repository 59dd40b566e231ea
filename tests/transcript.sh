#!/usr/bin/env bash
# transcript.sh - the six runs of the Windows/WSL2 transcript, replayed.
#
# transcript.txt (beside this script) holds a session of the old tools
# between Windows (192.0.2.10/24) and its WSL2 VM (192.0.2.200/24): TCP, UDP
# and multicast, each in both directions. This test reads the commands and
# their output from that file, builds the two hosts as network namespaces
# joined by a veth pair with the same addresses, runs the same commands
# there, and compares: msend's lines exactly, mdump's lines but for
# timestamps and ports.
#
#   transcript.sh                  Linux programs ($MSEND, $MDUMP) on both sides
#   transcript.sh --windows DIR    DIR/msend.exe and DIR/mdump.exe under wine on
#                                  the Windows side (their CRLF line ends are
#                                  checked, then compared as lines)
#
# Both files are compared as a terminal shows them: tabs expanded, trailing
# blanks dropped, as in the transcript (the raw layout is pinned by the unit
# tests). mdump's SO_RCVBUF warning depends on the kernel's limit, so the
# expectation carries it when, and as, this kernel would print it.
source "$(dirname "$0")/lib.sh"
need_root_netns

TRANSCRIPT=${TRANSCRIPT:-$(dirname "$0")/transcript.txt}
[ -r "$TRANSCRIPT" ] || { echo "FAIL: cannot read $TRANSCRIPT" >&2; exit 1; }
WIN_NS=mtwin$$
WSL_NS=mtwsl$$
WIN_MSEND=$MSEND
WIN_MDUMP=$MDUMP
WINDOWS=
if [ "${1:-}" = --windows ]; then
    WINDOWS=$2
    WIN_MSEND="wine $WINDOWS/msend.exe"
    WIN_MDUMP="wine $WINDOWS/mdump.exe"
    need_cmd wine wine
fi

# Split the transcript into runs: run<k>.{mdump,msend}.{cmd,side,expected}.
awk -v dir="$WORK" '
    /^(TCP|UDP|Multicast), / { run++; print $0 > (dir "/run" run ".title"); next }
    collecting {
        if ($0 == "^C") { collecting = 0; next }
        print > file
        if ($0 == "EOF" || $0 ~ /^ERROR:/) collecting = 0
        next
    }
    run && /^(C:> |\$ )(\.\/)?(mdump|msend) / {
        side = ($0 ~ /^C:>/) ? "win" : "wsl"
        cmd = $0; sub(/^(C:> |\$ )(\.\/)?/, "", cmd)
        tool = (cmd ~ /^mdump/) ? "mdump" : "msend"
        base = dir "/run" run "." tool
        print cmd > (base ".cmd"); print side > (base ".side")
        file = base ".expected"; printf "" > file
        collecting = 1
    }
' "$TRANSCRIPT"
runs=$(find "$WORK" -maxdepth 1 -name 'run*.title' | wc -l)
[ "$runs" -eq 6 ] || { echo "FAIL: found $runs runs in the transcript, expected 6" >&2; exit 1; }

two_hosts "$WIN_NS" 192.0.2.10/24 "$WSL_NS" 192.0.2.200/24
[ -n "$WINDOWS" ] && wine_in "$WIN_NS"

ns_of() { if [ "$1" = win ]; then echo "$WIN_NS"; else echo "$WSL_NS"; fi; }
program() { # side tool
    if [ "$1" = win ]; then
        if [ "$2" = msend ]; then echo "$WIN_MSEND"; else echo "$WIN_MDUMP"; fi
    else
        if [ "$2" = msend ]; then echo "$MSEND"; else echo "$MDUMP"; fi
    fi
}

# As a terminal shows it: tabs expanded, trailing blanks gone, CRLF as LF.
render() { tr -d '\r' | expand -t 8 | sed -E 's/[[:space:]]+$//'; }

# The Windows programs end every line with CRLF, as Windows text does.
check_crlf() { # name file side
    [ "$3" = win ] && [ -n "$WINDOWS" ] || return 0
    CHECKS=$((CHECKS + 1))
    local bare
    bare=$(grep -c $'[^\r]$' "$2")
    if [ "$bare" -eq 0 ] && [ -s "$2" ]; then pass "$1: every line ends with CRLF"
    else fail "$1: $bare lines without CRLF"; fi
}

# The SO_RCVBUF warning this kernel gives for mdump's default 4194304, and
# the NOTE that follows it on stderr (not in the transcript: new).
rcvbuf_warning() { # ns
    local max
    max=$(ip netns exec "$1" cat /proc/sys/net/core/rmem_max)
    if [ "$max" -lt 4194304 ]; then
        echo "WARNING: tried to set SO_RCVBUF to 4194304, only got $((max * 2))"
        echo "NOTE: Linux granted $max bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.rmem_max=4194304"
    fi
}

for k in $(seq 1 6); do
    title=$(cat "$WORK/run$k.title")
    read -r -a dump_args < "$WORK/run$k.mdump.cmd"
    read -r -a send_args < "$WORK/run$k.msend.cmd"
    dump_side=$(cat "$WORK/run$k.mdump.side")
    send_side=$(cat "$WORK/run$k.msend.side")
    dump_ns=$(ns_of "$dump_side")
    send_ns=$(ns_of "$send_side")
    out_dump="$WORK/run$k.mdump.out"
    out_send="$WORK/run$k.msend.out"
    port=${dump_args[-2]}
    proto=udp
    case " ${dump_args[*]} " in *" -t "*) proto=tcp ;; esac

    # Start the receiver, then the sender, as in the transcript.
    read -r -a dump_cmd <<< "$(program "$dump_side" mdump)"
    read -r -a send_cmd <<< "$(program "$send_side" msend)"
    spawn "$out_dump" ip netns exec "$dump_ns" "${dump_cmd[@]}" "${dump_args[@]:1}"
    dump_pid=$SPAWNED
    wait_listening "$dump_ns" "$proto" "$port" 10 || continue
    spawn "$out_send" ip netns exec "$send_ns" "${send_cmd[@]}" "${send_args[@]:1}"
    send_pid=$SPAWNED

    # Three messages, then end it the way the transcript's run ended. The
    # sender is stopped (SIGSTOP) as soon as the third is in and its third
    # line is out, so that however long the ending takes here (a sanitized
    # mdump's exit, a busy machine), it sends and says nothing more: the
    # Ctrl-C it gets is taken before it runs again (SIGCONT).
    wait_for "$out_dump" 'Message 2' 15
    wait_lines "$out_send" '^Sending 9 bytes' 3 15
    kill -STOP "$send_pid"
    ctrl_c_sender() { kill -INT "$send_pid" 2>/dev/null; kill -CONT "$send_pid" 2>/dev/null; }
    if grep -q '^ERROR: recv: Connection reset by peer' "$WORK/run$k.mdump.expected"; then
        # The Windows sender's exit reset the connection: reset it here.
        ip netns exec "$send_ns" ss -K dst "${send_args[-2]}" dport = "$port" > /dev/null 2>&1
        wait_exit "$dump_pid" 10
        expect_status "$title: mdump after the reset" 1 "$STATUS"
        ctrl_c_sender
        wait_exit "$send_pid" 10
    elif grep -qx 'EOF' "$WORK/run$k.mdump.expected"; then
        ctrl_c_sender
        wait_exit "$send_pid" 10
        wait_exit "$dump_pid" 10
        expect_status "$title: mdump at EOF" 0 "$STATUS"
    else
        ctrl_c_sender
        wait_exit "$send_pid" 10
        kill -INT "$dump_pid"
        wait_exit "$dump_pid" 10
        expect_status "$title: mdump after Ctrl-C" 130 "$STATUS"
    fi

    # msend: its lines exactly (but a busy machine's NOTE).
    drop_behind_note "$out_send"
    render < "$out_send" > "$WORK/got.msend"
    render < "$WORK/run$k.msend.expected" > "$WORK/want.msend"
    expect_same "$title: msend lines" "$WORK/want.msend" "$WORK/got.msend"
    check_crlf "$title: msend" "$out_send" "$send_side"
    check_crlf "$title: mdump" "$out_dump" "$dump_side"

    # mdump: timestamps and ports masked; the warning as this kernel has it.
    warning=$(rcvbuf_warning "$dump_ns")
    render < "$WORK/run$k.mdump.expected" | grep -v '^WARNING: tried to set SO_RCVBUF' |
        awk -v w="$warning" 'NR == 2 && w != "" { print w } { print }' | mask > "$WORK/want.mdump"
    render < "$out_dump" | mask > "$WORK/got.mdump"
    expect_same "$title: mdump lines" "$WORK/want.mdump" "$WORK/got.mdump"
    # The echo datagram's length is what the transcript shows (80/81/94/93).
    want_len=$(grep -m1 -oE ' [0-9]+ bytes:' "$WORK/run$k.mdump.expected")
    got_len=$(grep -m1 -oE ' [0-9]+ bytes:' "$out_dump")
    CHECKS=$((CHECKS + 1))
    if [ -n "$want_len" ] && [ "$want_len" = "$got_len" ]; then pass "$title: echo of$got_len"
    else fail "$title: echo of$got_len, transcript has$want_len"; fi
done
finish
