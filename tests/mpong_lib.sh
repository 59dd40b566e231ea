# shellcheck shell=bash
# mpong_lib.sh - what the mpong tests share (sourced after lib.sh): the
# masks of mpong's result lines, and a check of its figures against its
# own samples.
: "${MPONG:?MPONG must name the mpong program}"

# mpong's default receive buffer (1 MiB) beyond this kernel's limit: the
# WARNING and NOTE each run gives (the old tool compared without the
# doubling: it warned only below half of that). Left out of the compared
# outputs; the first run checks them.
RMAX=$(cat /proc/sys/net/core/rmem_max)
RCVBUF_WARNING='' RCVBUF_NOTE=''
if [ "$RMAX" -lt 1048576 ]; then
    RCVBUF_WARNING="WARNING: tried to set SO_RCVBUF to 1048576, only got $((RMAX * 2))"
    RCVBUF_NOTE="NOTE: Linux granted $RMAX bytes (getsockopt reports twice that); raise its limit with: sysctl -w net.core.rmem_max=1048576"
fi
# unwarned: the lines without the default buffer's WARNING and NOTE.
unwarned() {
    if [ -n "$RCVBUF_WARNING" ]; then grep -vxF -e "$RCVBUF_WARNING" -e "$RCVBUF_NOTE"; else cat; fi
}
# mask: the figures of the result lines; histogram rows as one BUCKETS
# line.
mask_results() {
    unwarned | sed -E -e 's/^[0-9]+\.[0-9]{6} [0-9]+$/T RTT/' \
           -e 's/^[0-9]+\.[0-9]{6} lost$/T lost/' \
           -e 's/^avg RTT [0-9]+\.[0-9]{6} us, std dev [0-9]+\.[0-9]{6}, min RTT [0-9]+ us, max RTT [0-9]+ us$/avg RTT A us, std dev D, min RTT N us, max RTT N us/' \
           -e 's/^RTT percentiles: p50 [0-9]+ us, p90 [0-9]+ us, p99 [0-9]+ us, p99\.9 [0-9]+ us, max [0-9]+ us$/RTT percentiles: p50 N us, p90 N us, p99 N us, p99.9 N us, max N us/' \
           -e 's/^ *[0-9]+ - +[0-9]+ us +[0-9]+ +[0-9]+\.[0-9]{2}% #+$/BUCKET/' |
        awk '$0 == "BUCKET" { if (last != "BUCKET") print "BUCKETS"; last = $0; next } { last = $0; print }'
}

# figures_ok FILE: the figures printed in FILE are those of its sample
# lines: prints what differs, nothing when all agree.
figures_ok() {
    awk '
        /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9] [0-9]+$/ { n++; v[n] = $2 + 0; sum += $2 }
        /^avg RTT / { avg = $3; sd = $7; sub(/,/, "", sd); mn = $10; mx = $14 }
        /^RTT percentiles: / { p50 = $4; p90 = $7; p99 = $10; p999 = $13; pmax = $16 }
        /^ *[0-9]+ - *[0-9]+ us / { hist[$1] = $5 + 0; hn += $5 }
        function rank(ppm) { r = int((ppm * n + 999999) / 1000000); return r < 1 ? 1 : r }
        END {
            if (n == 0) { print "no samples"; exit }
            mean = sum / n
            for (i = 1; i <= n; i++) ss += (v[i] - mean) ^ 2
            if (sprintf("%f", mean) != avg) print "avg " avg " != " sprintf("%f", mean)
            d = sqrt(ss / n) - sd; if (d < -0.001 || d > 0.001) print "std dev " sd " != " sqrt(ss / n)
            # sort the samples (insertion sort: few of them)
            for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
            if (v[1] != mn) print "min " mn " != " v[1]
            if (v[n] != mx || v[n] != pmax) print "max " mx "/" pmax " != " v[n]
            if (p50 != v[rank(500000)]) print "p50 " p50 " != " v[rank(500000)]
            if (p90 != v[rank(900000)]) print "p90 " p90 " != " v[rank(900000)]
            if (p99 != v[rank(990000)]) print "p99 " p99 " != " v[rank(990000)]
            if (p999 != v[rank(999000)]) print "p99.9 " p999 " != " v[rank(999000)]
            if (hn > 0) {
                if (hn != n) print "histogram holds " hn " of " n
                for (i = 1; i <= n; i++) {
                    lo = 0; for (e = 1; e <= v[i]; ) { lo = e; e = (substr(e, 1, 1) == "2") ? e * 5 / 2 : e * 2 }
                    got[lo]++
                }
                for (b in got) if (got[b] != hist[b]) print "bucket " b ": " hist[b] " != " got[b]
            }
        }' "$1"
}

# check_figures NAME FILE: figures_ok, as a check.
check_figures() {
    local diff
    diff=$(figures_ok "$2")
    CHECKS=$((CHECKS + 1))
    if [ -z "$diff" ]; then pass "$1: the figures are the samples'"
    else fail "$1: $diff"; fi
}

