#!/usr/bin/env bash
# win_dump_same.sh DIR - the Windows mdump (DIR/mdump.exe under wine) and the
# Linux mdump ($MDUMP), joined to one multicast group in one namespace,
# receive the same datagrams and must print the same bytes: every dump form
# (-Q0 full, -c compact, -Q1 summary) over every byte value and the lengths
# at the dump's edges. Timestamps are masked. Line ends differ by design:
# the Windows programs write CRLF, as Windows text files and consoles
# expect; every Windows line must end so, and with CR removed the two
# outputs must be identical.
source "$(dirname "$0")/lib.sh"
need_root_netns
WINDOWS=${1:?usage: win_dump_same.sh WIN64_DIR}

NS=mtsame$$
make_netns "$NS"
wine_in "$NS"
GROUP=239.101.3.20
PORT=12000
all_bytes=$(for i in $(seq 0 255); do printf '%02x' "$i"; done)

for form in "-Q0" "-c 20" "-Q1"; do
    tag=${form// /}
    # shellcheck disable=SC2086 # $form is two words for -c
    spawn "$WORK/linux$tag.out" ip netns exec "$NS" "$MDUMP" $form -s "$GROUP" "$PORT" 127.0.0.1
    linux=$SPAWNED
    # shellcheck disable=SC2086 # $form is two words for -c
    spawn "$WORK/windows$tag.out" ip netns exec "$NS" wine "$WINDOWS/mdump.exe" $form -s "$GROUP" "$PORT" 127.0.0.1
    windows=$SPAWNED
    wait_for "$WORK/linux$tag.out" '^Equiv' 10
    wait_for "$WORK/windows$tag.out" '^Equiv' 30
    sleep 0.5 # both joined
    send() { timeout 20 ip netns exec "$NS" "$MSEND" -qq -n1 -p0 "$@" "$GROUP" "$PORT" 1 127.0.0.1; }
    send -P "$all_bytes"
    for len in 1 15 16 17 4096 65507; do send -m "$len"; done
    send -P "$all_bytes$all_bytes" -s 10
    wait_exit "$linux" 20
    expect_status "$form: Linux mdump" 0 "$STATUS"
    wait_exit "$windows" 20
    expect_status "$form: Windows mdump" 0 "$STATUS"

    CHECKS=$((CHECKS + 1))
    lines=$(wc -l < "$WORK/windows$tag.out")
    bare=$(grep -c $'[^\r]$' "$WORK/windows$tag.out")
    if [ "$bare" -eq 0 ] && [ "$lines" -gt 3 ]; then pass "$form: all $lines Windows lines end with CRLF"
    else fail "$form: $bare of $lines Windows lines lack CRLF"; fi

    # Microsecond timestamps (the old Windows mdump had milliseconds: every
    # stamp ended in 000).
    CHECKS=$((CHECKS + 1))
    stamps=$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ' "$WORK/windows$tag.out")
    whole_ms=$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}000 ' "$WORK/windows$tag.out")
    if [ "$stamps" -ge 8 ] && [ "$whole_ms" -lt "$stamps" ]; then
        pass "$form: Windows timestamps have microseconds ($whole_ms of $stamps on a whole ms)"
    else
        fail "$form: Windows timestamps: $whole_ms of $stamps on a whole millisecond"
    fi

    # The two saw the same datagrams; only the times differ.
    mask < "$WORK/linux$tag.out" > "$WORK/linux$tag.masked"
    tr -d '\r' < "$WORK/windows$tag.out" | mask > "$WORK/windows$tag.masked"
    expect_same "$form: Windows dump identical to Linux dump" \
        "$WORK/linux$tag.masked" "$WORK/windows$tag.masked"
done
finish
