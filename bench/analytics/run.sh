#!/usr/bin/env bash
# Dashboard analytics at scale: CDNOW_master ×N (default 40: 942,800 customers, 2.8 M
# transactions) with acquisition channels, countries and monthly spend per channel, ingested
# through the API on loopback; then each segments, cohorts and time-series request is timed cold
# (the first after the ingest, which loads the portfolio facts) and warm (CLV_ANALYTICS_REQUESTS
# sequential requests, default 50: p50, p95, max). Everything listens on 127.0.0.1 and is stopped
# on exit.
#
# Usage: bench/analytics/run.sh [copies]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=../../scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
CLV_ROOT=$root
copies=${1:-40}
requests=${CLV_ANALYTICS_REQUESTS:-50}
master=${CDNOW_MASTER:-$root/../shared/data/cdnow/CDNOW_master.txt}
[ -f "$master" ] || master=/work/shared/data/cdnow/CDNOW_master.txt
out=$root/bench/out
mkdir -p "$out"

CLV_API_PID=
cleanup() {
    trap '' INT TERM
    [ -z "$CLV_API_PID" ] || clv_stop_child "$CLV_API_PID" 30
    clv_pg_throwaway_stop
    rm -f "$out"/analytics-customers-*.json
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

csv=$out/cdnow_x$copies.csv
[ -f "$csv" ] || clv_cdnow_csv "$(readlink -f "$master")" "$copies" "$csv"
awk -v out="$out/analytics-customers" -f "$root/bench/analytics/customers.awk" "$csv"
clv_pg_throwaway_start
psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -c 'create database clv_bench_analytics'
clv_bench_api_start clv_bench_analytics "$out/api-analytics.log"

post() { curl -sS -f -o /dev/null -H 'Content-Type: application/json' -H "X-Api-Key: $CLV_API_KEY" --data-binary "@$2" "$CLV_API_URL$1"; }

start=$EPOCHREALTIME
for body in "$out"/analytics-customers-*.json; do post /api/v1/customers "$body"; done
spend=$out/analytics-spend.json
{
    printf '{"spend":['
    sep=
    for channel in search social email referral affiliate display partner tv podcast; do
        for month in 1997-01 1997-02 1997-03 1997-04 1997-05 1997-06 1997-07 1997-08 1997-09 1997-10 1997-11 1997-12 \
            1998-01 1998-02 1998-03 1998-04 1998-05 1998-06; do
            last=$(date -d "$month-01 +1 month -1 day" +%F)
            printf '%s{"channel":"%s","periodStart":"%s-01","periodEnd":"%s","amount":%d,"currency":"USD"}' \
                "$sep" "$channel" "$month" "$last" $((copies * 2500))
            sep=,
        done
    done
    printf ']}'
} >"$spend"
post /api/v1/acquisition-spend "$spend"
curl -sS -f -o /dev/null -H 'Content-Type: text/csv' -H "X-Api-Key: $CLV_API_KEY" --data-binary "@$csv" "$CLV_API_URL/api/v1/transactions/import"
clv_log "customers, spend and $(($(wc -l <"$csv") - 1)) transactions ingested in $(clv_elapsed "$start" "$EPOCHREALTIME") s"

# Prints cold, then p50 / p95 / max of the warm requests, in ms.
measure() {
    local path=$1 times=$out/analytics-times.txt cold
    cold=$(curl -sS -f -o /dev/null -w '%{time_total}' -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL$path")
    : >"$times"
    for _ in $(seq 1 "$requests"); do
        curl -sS -f -o /dev/null -w '%{time_total}\n' -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL$path" >>"$times"
    done
    sort -n "$times" | awk -v cold="$cold" -v path="$path" '
        { t[NR] = $1 * 1000 }
        END { printf "| `%s` | %.0f | %.1f | %.1f | %.1f |\n", path, cold * 1000, t[int(NR * 0.5 + 0.5)], t[int(NR * 0.95 + 0.5)], t[NR] }'
}

as_of=1998-06-30
echo
echo "| request | cold ms | warm p50 ms | warm p95 ms | warm max ms |"
echo "| --- | --- | --- | --- | --- |"
for path in \
    "/api/v1/segments?by=acquisitionChannel&asOf=$as_of" \
    "/api/v1/segments?by=country&asOf=$as_of" \
    "/api/v1/segments?by=cohort&asOf=$as_of" \
    "/api/v1/segments?by=rfmSegment&asOf=$as_of" \
    "/api/v1/segments?by=clvTier&asOf=$as_of" \
    "/api/v1/segments?by=acquisitionChannel&asOf=$as_of&from=1998-01-01&to=1998-03-31" \
    "/api/v1/cohorts?asOf=$as_of" \
    "/api/v1/cohorts?asOf=$as_of&period=quarter&retention=onOrAfter" \
    "/api/v1/metrics/timeseries?metric=activeCustomers&asOf=$as_of&by=acquisitionChannel" \
    "/api/v1/metrics/timeseries?metric=churnRate&asOf=$as_of" \
    "/api/v1/metrics/timeseries?metric=cac&asOf=$as_of&by=acquisitionChannel" \
    "/api/v1/metrics/summary?asOf=$as_of" \
    "/api/v1/segments?by=acquisitionChannel"; do
    measure "$path"
done
echo
clv_log "API RSS now: $(clv_mb "$(awk '/^VmRSS:/ { print $2 }' "/proc/$CLV_API_PID/status")")"
grep -o 'Loaded portfolio facts[^"]*' "$out/api-analytics.log" | head -n 5 || true
