#!/usr/bin/env bash
# Model-run benchmark: CDNOW_master x40 (942,800 customers, 2,786,360 transactions) ingested through
# the API, then one complete model run (read the summaries, fit BG/NBD and Gamma-Gamma, predict
# every customer, COPY and swap), timed by the run's own stage timings and by the wall clock, with
# the API's peak RSS during the run.
#
# Usage: bench/model-run/run.sh [CDNOW_master.txt]
#   CDNOW_MASTER      the source file when no argument is given
#   CLV_BENCH_COPIES  copies of the file (default 40)
#   CLV_BENCH_RUN     the model-run request body (default: bgnbd + gammagamma as of 1998-06-30, weeks)
#   CLV_BENCH_RUN2    a second body to compare, on the same import and warm API: after the two runs above,
#                     it and the first body run twice more, alternating (e.g. without intervals)
#   CLV_BENCH_HOLD    1 keeps the API and PostgreSQL up after the runs, for profiling
# Everything it starts listens on 127.0.0.1 and is stopped on exit; output goes to bench/out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=../../scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
CLV_ROOT=$root

master=$(clv_cdnow_master "${1:-}")
copies=${CLV_BENCH_COPIES:-40}
body=${CLV_BENCH_RUN:-'{"asOf":"1998-06-30","timeUnit":"weeks","models":["bgnbd","gammagamma"]}'}
out=$root/bench/out
mkdir -p "$out"
csv=$out/cdnow_x$copies.csv

CLV_API_PID=
sampler_pid=
cleanup() {
    trap '' INT TERM
    [ -z "$sampler_pid" ] || clv_stop_child "$sampler_pid" 2
    [ -z "$CLV_API_PID" ] || clv_stop_child "$CLV_API_PID" 30
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -f "$csv" ] || { clv_log "Writing $copies copies of $master"; clv_cdnow_csv "$(readlink -f "$master")" "$copies" "$csv"; }
rows=$(($(wc -l <"$csv") - 1))
clv_pg_throwaway_start
psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -c 'create database clv_bench_model'
clv_bench_api_start clv_bench_model "$out/api-model.log"
api=(-sS --max-time 3600 -H "X-Api-Key: $CLV_API_KEY")

clv_log "Ingesting $rows rows through the CSV import"
t0=$EPOCHREALTIME
curl "${api[@]}" -o "$out/import-response.json" --data-binary "@$csv" -H 'Content-Type: text/csv' "$CLV_API_URL/api/v1/transactions/import"
t1=$EPOCHREALTIME
clv_log "Imported in $(clv_elapsed "$t0" "$t1") s"

# Starts a run, polls it every 50 ms to its end, and prints its figures. The first run of a fresh
# process also pays for JIT compilation of the hot paths, so two runs are reported.
model_run() {
    local label=$1 body=${2:-$body} t0 t1 location status rss_before
    clv_log "Starting the $label model run: $body"
    clv_sample_peak_rss "$CLV_API_PID" "$out/model-peak-rss-kb" &
    sampler_pid=$!
    rss_before=$(awk '/^VmRSS:/ { print $2 }' "/proc/$CLV_API_PID/status")
    t0=$EPOCHREALTIME
    location=$(curl "${api[@]}" -o /dev/null -w '%header{location}' -H 'Content-Type: application/json' -d "$body" "$CLV_API_URL/api/v1/model-runs")
    while :; do
        curl "${api[@]}" -o "$out/model-run.json" "$CLV_API_URL$location"
        status=$(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' "$out/model-run.json" | head -1)
        [ "$status" = succeeded ] || [ "$status" = failed ] && break
        sleep 0.05
    done
    t1=$EPOCHREALTIME
    clv_stop_child "$sampler_pid" 2
    sampler_pid=
    echo
    echo "$label model run on CDNOW_master x$copies ($rows transactions): $status in $(clv_elapsed "$t0" "$t1") s wall (request to succeeded, polled every 50 ms)"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  customers:", r.get("customers")); print("  durationSeconds:", r.get("durationSeconds")); print("  timings:", json.dumps(r.get("timings"))); [print("  %s: %s ll=%s iterations=%s" % (k, json.dumps(v["parameters"]), v["logLikelihood"], v["iterations"])) for k, v in (r.get("models") or {}).items()]; print("  error:", r.get("error")) if r.get("error") else None' "$out/model-run.json"
    echo "  API RSS: $(clv_mb "$rss_before") before the run, peak $(clv_mb "$(cat "$out/model-peak-rss-kb")") during it (sampled every 0.2 s)"
    [ "$status" = succeeded ]
}

model_run "First (the first of the process, started at once after the import)"
model_run "Second (warm)"
if [ -n "${CLV_BENCH_RUN2:-}" ]; then
    model_run "Third (warm, second body)" "$CLV_BENCH_RUN2"
    model_run "Fourth (warm)"
    model_run "Fifth (warm, second body)" "$CLV_BENCH_RUN2"
    model_run "Sixth (warm)"
fi

# CLV_BENCH_HOLD=1: keep the API and PostgreSQL up after the runs for profiling, until interrupted.
if [ -n "${CLV_BENCH_HOLD:-}" ]; then
    clv_log "holding: API $CLV_API_URL (X-Api-Key: $CLV_API_KEY), PostgreSQL 127.0.0.1:$CLV_PG_TMP_PORT database clv_bench_model; interrupt to stop"
    while :; do sleep 3600 & wait $!; done
fi
