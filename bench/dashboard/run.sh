#!/usr/bin/env bash
# Dashboard benchmark: the time from navigation to a fully drawn /dashboard (body[data-ready],
# set when every widget has rendered), on CDNOW_master x1 (23,570 customers) with three
# acquisition channels, their spend and one model run with a holdout, in headless Chromium.
# Goal (issue 13): within 1.5 s. The first load computes every analytics answer; the later ones
# (within Clv:Analytics:MaxStalenessSeconds) are served the kept answers, as a dashboard refresh is.
#
# Usage: bench/dashboard/run.sh [CDNOW_master.txt]
#   CDNOW_MASTER       the source file when no argument is given
#   CLV_BENCH_LOADS    page loads to time (default 5)
#   CLV_BENCH_REQUESTS 1 to print each API request's start, end and connection wait per load
#   CLV_CHROMIUM       the browser (default /usr/bin/chromium)
#   CLV_BENCH_HOLD     1 keeps the API and PostgreSQL up after the loads, for profiling, until interrupted
#   CLV_API_READYTORUN 1 to run the API published ReadyToRun instead of the build (scripts/lib/bench.sh)
# Everything it starts listens on 127.0.0.1 and is stopped on exit; output goes to bench/out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=../../scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
# shellcheck source=../../scripts/lib/dashboard.sh
. "$root/scripts/lib/dashboard.sh"
CLV_ROOT=$root

master=${1:-${CDNOW_MASTER:-$root/../shared/data/cdnow/CDNOW_master.txt}}
[ -f "$master" ] || master=/work/shared/data/cdnow/CDNOW_master.txt
[ -f "$master" ] || clv_die "CDNOW master file not found (pass it as an argument or CDNOW_MASTER)"
loads=${CLV_BENCH_LOADS:-5}
chromium=${CLV_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || clv_die "no browser at $chromium (apt-get install chromium, or set CLV_CHROMIUM)"
out=$root/bench/out
mkdir -p "$out"
csv=$out/cdnow_x1.csv

CLV_API_PID=
cleanup() {
    trap '' INT TERM
    [ -z "$CLV_API_PID" ] || clv_stop_child "$CLV_API_PID" 30
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The page, and Playwright (its driver and playwright-core ship in the Microsoft.Playwright package
# the dashboard tests build with; no browser is downloaded).
clv_dashboard_build "$root"
clv_log "Building tests/Clv.Dashboard.Tests (Release) for its Playwright driver"
dotnet build "$root/tests/Clv.Dashboard.Tests" -c Release -nologo -v quiet
playwright=$root/tests/Clv.Dashboard.Tests/bin/Release/net10.0/.playwright
[ -x "$playwright/node/linux-x64/node" ] || clv_die "Playwright's driver not found under $playwright"

[ -f "$csv" ] || { clv_log "Writing CDNOW_master x1 as an import CSV"; clv_cdnow_csv "$(readlink -f "$master")" 1 "$csv"; }
clv_pg_throwaway_start
psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -c 'create database clv_bench_dashboard'
clv_bench_api_start clv_bench_dashboard "$out/api-dashboard.log"
api=(-sS --fail-with-body --max-time 600 -H "X-Api-Key: $CLV_API_KEY")

clv_log "Loading: transactions, channels, spend"
t0=$EPOCHREALTIME
curl "${api[@]}" -o /dev/null --data-binary "@$csv" -H 'Content-Type: text/csv' "$CLV_API_URL/api/v1/transactions/import"
t1=$EPOCHREALTIME
# Customers spread over three channels by their number; at most 10,000 profiles a request.
tail -n +2 "$csv" | cut -d, -f2 | sort -u | awk -F- '{ print $0, ($2 % 3 == 0 ? "paid_search" : $2 % 3 == 1 ? "referral" : "email") }' |
    split -l 10000 - "$out/dashboard-customers."
for part in "$out"/dashboard-customers.*; do
    awk 'BEGIN { printf "{\"customers\":[" } { printf "%s{\"externalId\":\"%s\",\"acquisitionChannel\":\"%s\"}", (NR > 1 ? "," : ""), $1, $2 } END { print "]}" }' "$part" |
        curl "${api[@]}" -o /dev/null -H 'Content-Type: application/json' --data-binary @- "$CLV_API_URL/api/v1/customers"
    rm -f "$part"
done
t2=$EPOCHREALTIME
# The import's customers moved to their channels afterwards (three batches of up to 10,000): each
# customer's history moves between channels in the group rollup.
clv_log "Imported in $(clv_elapsed "$t0" "$t1") s; channels of the imported customers posted in $(clv_elapsed "$t1" "$t2") s"
spend='{"spend":['
for month in 01 02 03; do
    last=$(date -d "1997-$month-01 +1 month -1 day" +%F)
    spend+="{\"channel\":\"paid_search\",\"periodStart\":\"1997-$month-01\",\"periodEnd\":\"$last\",\"amount\":120000,\"currency\":\"USD\"},"
    spend+="{\"channel\":\"referral\",\"periodStart\":\"1997-$month-01\",\"periodEnd\":\"$last\",\"amount\":25000,\"currency\":\"USD\"},"
    spend+="{\"channel\":\"email\",\"periodStart\":\"1997-$month-01\",\"periodEnd\":\"$last\",\"amount\":8000,\"currency\":\"USD\"},"
done
curl "${api[@]}" -o /dev/null -H 'Content-Type: application/json' -d "${spend%,}]}" "$CLV_API_URL/api/v1/acquisition-spend"

clv_log "Model run (calibration to 1997-09-30, as of 1998-06-30)"
location=$(curl "${api[@]}" -o /dev/null -w '%header{location}' -H 'Content-Type: application/json' \
    -d '{"calibrationEnd":"1997-09-30","asOf":"1998-06-30","models":["bgnbd","gammagamma"]}' "$CLV_API_URL/api/v1/model-runs")
for _ in $(seq 1 600); do
    status=$(curl "${api[@]}" "$CLV_API_URL$location" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' | head -1)
    [ "$status" = succeeded ] || [ "$status" = failed ] && break
    sleep 0.5
done
[ "$status" = succeeded ] || clv_die "the model run ended $status"
read_key=$(curl "${api[@]}" -H 'Content-Type: application/json' -d '{"name":"bench","scopes":["read"]}' "$CLV_API_URL/api/v1/api-keys" |
    sed -n 's/.*"key":"\([^"]*\)".*/\1/p')

clv_log "Timing $loads page loads"
echo
echo "Dashboard on CDNOW_master x1, $(nproc) cores, $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD)"
CLV_BENCH_URL=$CLV_API_URL/dashboard/ CLV_BENCH_KEY=$read_key CLV_BENCH_LOADS=$loads CLV_BENCH_REQUESTS=${CLV_BENCH_REQUESTS:-0} CLV_CHROMIUM=$chromium \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$playwright/node/linux-x64/node" "$root/bench/dashboard/measure.mjs" "$playwright/package/index.mjs"

# CLV_BENCH_HOLD=1: keep the API and PostgreSQL up after the loads for profiling, until interrupted.
if [ -n "${CLV_BENCH_HOLD:-}" ]; then
    clv_log "holding: API $CLV_API_URL (X-Api-Key: $CLV_API_KEY, read key $read_key), PostgreSQL 127.0.0.1:$CLV_PG_TMP_PORT database clv_bench_dashboard, its log $CLV_PG_TMP_DIR/server.log; interrupt to stop"
    while :; do sleep 3600 & wait $!; done
fi
