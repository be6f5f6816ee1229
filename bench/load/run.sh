#!/usr/bin/env bash
# Read load on loopback: CDNOW_master x1 (23,570 customers) ingested through the API, then wrk
# (Debian package `wrk`) drives customer reads, list pages and the summary for a bounded time each
# and prints throughput and latency percentiles. Everything it starts listens on 127.0.0.1 and is
# stopped on exit.
#
# Usage: bench/load/run.sh            CLV_LOAD_SECONDS (default 20), CLV_LOAD_CONNECTIONS (default 32),
#                                     CLV_WARM_UP_SECONDS (default 20)
#        bench/load/run.sh --soak     a mixed read/write soak instead (bench/load/mixed.lua: nine in
#                                     ten requests read a customer, one posts 5 new transactions) for
#                                     CLV_SOAK_SECONDS (default 300) with CLV_LOAD_CONNECTIONS; prints
#                                     the error counts and the API's RSS every 10 s, and exits non-zero
#                                     on any non-2xx answer or socket error
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=../../scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
CLV_ROOT=$root
command -v wrk >/dev/null || clv_die "wrk is not installed (apt-get install wrk)"
master=${CDNOW_MASTER:-$root/../shared/data/cdnow/CDNOW_master.txt}
[ -f "$master" ] || master=/work/shared/data/cdnow/CDNOW_master.txt
seconds=${CLV_LOAD_SECONDS:-20}
connections=${CLV_LOAD_CONNECTIONS:-32}
out=$root/bench/out
mkdir -p "$out"

soak=0
[ "${1:-}" = "--soak" ] && soak=1

CLV_API_PID=
sampler=
cleanup() {
    trap '' INT TERM
    [ -z "$sampler" ] || { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; }
    [ -z "$CLV_API_PID" ] || clv_stop_child "$CLV_API_PID" 30
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

clv_cdnow_csv "$(readlink -f "$master")" 1 "$out/cdnow_x1.csv"
clv_pg_throwaway_start
# The per-key rate limit (10,000/s by default) is above any one endpoint here but the summary's, which
# it would answer with 429s: this measures what the service serves, so lift it.
export Clv__RateLimit__RequestsPerSecond=1000000 Clv__RateLimit__BurstLimit=1000000
psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -c 'create database clv_bench_load'
clv_bench_api_start clv_bench_load "$out/api-load.log"
export CLV_API_KEY
curl -sS -o /dev/null --data-binary "@$out/cdnow_x1.csv" -H 'Content-Type: text/csv' -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL/api/v1/transactions/import"

load() {
    local label=$1 script=$2
    echo
    echo "== $label: wrk -t2 -c$connections -d${seconds}s --latency"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$root/bench/load/$script" "$CLV_API_URL" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
}

# A warm-up, so the figures are of a running service rather than of JIT compilation: tiered
# compilation with dynamic PGO needs tens of seconds of load on two busy cores before the hot
# paths run optimized code (with 5 s, a customer read cost the API half as much again).
wrk -t2 -c8 -d"${CLV_WARM_UP_SECONDS:-20}s" -s "$root/bench/load/customer.lua" "$CLV_API_URL" >/dev/null

if [ "$soak" = 1 ]; then
    soak_seconds=${CLV_SOAK_SECONDS:-300}
    rss=$out/soak-rss.txt
    : >"$rss"
    clv_sample_rss_series "$CLV_API_PID" "$rss" 10 &
    sampler=$!
    echo
    echo "== soak: wrk -t2 -c$connections -d${soak_seconds}s --latency -s mixed.lua"
    wrk -t2 -c"$connections" -d"${soak_seconds}s" --timeout 10s --latency -s "$root/bench/load/mixed.lua" "$CLV_API_URL" | tee "$out/soak-wrk.txt" |
        grep -E 'Requests/sec|Latency|50%|90%|99%|^requests'
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=
    echo "== API RSS (seconds MB), every 10 s:"
    awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' "$rss" | paste -sd ' ' | fold -s -w 100
    awk '{ kb[NR] = $2 } END {
        n = NR; k = (n >= 12 ? 6 : 1); a = 0; b = 0
        for (i = 1; i <= k; i++) { a += kb[i]; b += kb[n - k + i] }
        printf "RSS: first minute mean %.0f MB, last minute mean %.0f MB\n", a / k / 1024, b / k / 1024 }' "$rss"
    grep -q '^requests .*, non-2xx/3xx 0, connect errors 0, read errors 0, write errors 0, timeouts 0$' "$out/soak-wrk.txt" ||
        clv_die "the soak saw errors (see above)"
    exit 0
fi
load "customer reads (random customer)" customer.lua
CLV_PATH="/api/v1/customers?pageSize=100" load "list pages (100 by historical CLV)" get.lua
CLV_PATH="/api/v1/metrics/summary" load "portfolio summary" get.lua
CLV_PATH="/api/v1/segments?by=rfmSegment" load "segment reads (by RFM segment)" get.lua
CLV_PATH="/api/v1/metrics/timeseries?metric=activeCustomers" load "time-series reads (active customers per month)" get.lua
