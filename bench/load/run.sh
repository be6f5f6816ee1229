#!/usr/bin/env bash
# Read load on loopback: CDNOW_master x1 (23,570 customers) ingested through the API, then wrk
# (Debian package `wrk`) drives customer reads, list pages and the summary for a bounded time each
# and prints throughput and latency percentiles. Everything it starts listens on 127.0.0.1 and is
# stopped on exit.
#
# Usage: bench/load/run.sh            CLV_LOAD_SECONDS (default 20), CLV_LOAD_CONNECTIONS (default 32)
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

CLV_API_PID=
cleanup() {
    trap '' INT TERM
    [ -z "$CLV_API_PID" ] || clv_stop_child "$CLV_API_PID" 30
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

clv_cdnow_csv "$(readlink -f "$master")" 1 "$out/cdnow_x1.csv"
clv_pg_throwaway_start
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

# A short warm-up, so the figures are of a running service rather than of JIT compilation.
wrk -t2 -c8 -d5s -s "$root/bench/load/customer.lua" "$CLV_API_URL" >/dev/null
load "customer reads (random customer)" customer.lua
CLV_PATH="/api/v1/customers?pageSize=100" load "list pages (100 by historical CLV)" get.lua
CLV_PATH="/api/v1/metrics/summary" load "portfolio summary" get.lua
