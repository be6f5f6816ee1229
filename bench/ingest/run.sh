#!/usr/bin/env bash
# Ingest benchmark: CDNOW_master x10 through the API's CSV import, against psql \copy of the same
# CSV into a plain indexed table on the same PostgreSQL. Prints rows/s for both and their ratio,
# the API process's peak RSS during the import and its range over the import's thirds, the rows
# stored, and the age of the oldest transaction open meanwhile, among writers (chunks commit on
# their own) and among readers (the background ranking's snapshot).
# CLV_BENCH_COPIES=425 imports 10,017,250 new customers (29.6 M rows, a 1.8 GB file).
#
# Usage: bench/ingest/run.sh [--raw-only] [CDNOW_master.txt]
#   CDNOW_MASTER      the source file when no argument is given
#                     (default: shared/data/cdnow/CDNOW_master.txt beside the repository)
#   CLV_BENCH_COPIES  how many copies of the file to import (default 10)
#   CLV_INGEST_WARM_UPS  small imports that warm the API up before the timed one (default 40; 0: cold)
#   --raw-only        skip the API: measure psql \copy alone
# Everything it starts (a throwaway PostgreSQL cluster, the API) listens on 127.0.0.1 only and
# is stopped on exit. The CSV, the API log and the response go to bench/out/.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=../../scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
CLV_ROOT=$root

raw_only=false
master=
for arg in "$@"; do
    case $arg in
        --raw-only) raw_only=true ;;
        -*) clv_die "unknown option $arg (usage: $0 [--raw-only] [CDNOW_master.txt])" ;;
        *) master=$arg ;;
    esac
done
if [ -z "$master" ]; then
    master=${CDNOW_MASTER:-$root/../shared/data/cdnow/CDNOW_master.txt}
    [ -f "$master" ] || master=/work/shared/data/cdnow/CDNOW_master.txt
fi
[ -f "$master" ] || clv_die "CDNOW master file not found: $master (pass it as an argument or CDNOW_MASTER)"
master=$(readlink -f "$master")
copies=${CLV_BENCH_COPIES:-10}

out=$root/bench/out
mkdir -p "$out"
csv=$out/cdnow_x$copies.csv

api_pid=
sampler_pid=
series_pid=
xact_pid=
cleanup() {
    trap '' INT TERM
    [ -z "$sampler_pid" ] || clv_stop_child "$sampler_pid" 2
    [ -z "$series_pid" ] || clv_stop_child "$series_pid" 2
    [ -z "$xact_pid" ] || clv_stop_child "$xact_pid" 2
    [ -z "$api_pid" ] || clv_stop_child "$api_pid" 30
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

clv_log "Writing $copies copies of $master to ${csv#"$root"/}"
clv_cdnow_csv "$master" "$copies" "$csv"
rows=$(($(wc -l <"$csv") - 1))
clv_log "$rows rows, $(du -h "$csv" | cut -f1)"

clv_pg_throwaway_start
psql_bench() { psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_bench -d postgres -c 'create database clv_bench_api' -c 'create database clv_bench_raw'
clv_log "PostgreSQL on 127.0.0.1:$CLV_PG_TMP_PORT"

api_status=skipped
if ! $raw_only; then
    clv_bench_api_start clv_bench_api "$out/api.log"
    api_pid=$CLV_API_PID api_url=$CLV_API_URL api_key=$CLV_API_KEY

    # A running service has served requests before. Tiered compilation optimizes a method once it
    # has been called 30 times, and an import calls its per-chunk code only once or twice per
    # writer, so a single warm-up import leaves most of the write path unoptimized (the JIT then
    # took a fifth of the API's CPU during the timed import). Warm up with CLV_INGEST_WARM_UPS
    # (default 40; 0 for a cold service) imports of 2,000 rows of other ids, then read once.
    warm_ups=${CLV_INGEST_WARM_UPS:-40}
    clv_log "Warming up the API with $warm_ups imports of 2,000 rows of other ids"
    for k in $(seq 1 "$warm_ups"); do
        awk -F, -v k="$k" 'NR == 1 { print; next } NR > 2001 { exit } { $1 = "warm" k "-" $1; $2 = "warm" k "-" $2; print }' OFS=, "$csv" >"$out/warm-up.csv"
        curl -fsS -o /dev/null --max-time 600 --data-binary "@$out/warm-up.csv" -H 'Content-Type: text/csv' -H "X-Api-Key: $api_key" \
            "$api_url/api/v1/transactions/import" || clv_die "warm-up import $k failed"
    done
    if [ "$warm_ups" -gt 0 ]; then
        curl -fsS -o /dev/null --max-time 600 -H "X-Api-Key: $api_key" "$api_url/api/v1/customers?pageSize=1" || clv_die "the warm-up read failed"
        sleep 2 # tiered compilation finishes in the background
    fi

    clv_log "Importing through POST /api/v1/transactions/import"
    clv_sample_peak_rss "$api_pid" "$out/api-peak-rss-kb" &
    sampler_pid=$!
    : >"$out/api-rss-series.txt"
    clv_sample_rss_series "$api_pid" "$out/api-rss-series.txt" 5 &
    series_pid=$!
    echo 0 0 >"$out/longest-transactions-s"
    clv_sample_longest_transactions clv_bench_api "$out/longest-transactions-s" &
    xact_pid=$!
    t0=$EPOCHREALTIME
    # --upload-file streams the file (--data-binary reads it all into memory first: out of memory
    # at x425), with -X POST for the method.
    rm -f "$out/api-response.txt"
    http_code=$(curl -sS -o "$out/api-response.txt" -w '%{http_code}' --max-time 3600 \
        -X POST --upload-file "$csv" -H 'Content-Type: text/csv' -H "X-Api-Key: $api_key" \
        "$api_url/api/v1/transactions/import") || http_code=000
    t1=$EPOCHREALTIME
    clv_stop_child "$sampler_pid" 2
    clv_stop_child "$series_pid" 2
    clv_stop_child "$xact_pid" 2
    sampler_pid= series_pid= xact_pid=
    read -r longest_write longest_read <"$out/longest-transactions-s"
    api_seconds=$(clv_elapsed "$t0" "$t1")
    api_peak_kb=$(cat "$out/api-peak-rss-kb" 2>/dev/null || echo 0)
    api_hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$api_pid/status" 2>/dev/null || echo 0)
    if [[ $http_code == 2* ]]; then
        api_status=ok
    else
        api_status="failed: HTTP $http_code, response in bench/out/api-response.txt"
        clv_log "API import $api_status"
        head -c 500 "$out/api-response.txt" >&2 || true
        echo >&2
    fi
    # What a user does next is part of the flow: the first list read and the first dashboard read
    # after the import, timed at once, so that work moved out of the import shows here.
    t0=$EPOCHREALTIME
    curl -fsS -o /dev/null --max-time 600 -H "X-Api-Key: $api_key" "$api_url/api/v1/customers?pageSize=1" || clv_die "the read after the import failed"
    list_seconds=$(clv_elapsed "$t0" "$EPOCHREALTIME")
    t0=$EPOCHREALTIME
    curl -fsS -o /dev/null --max-time 600 -H "X-Api-Key: $api_key" "$api_url/api/v1/segments?by=acquisitionChannel" || clv_die "the dashboard read after the import failed"
    dashboard_seconds=$(clv_elapsed "$t0" "$EPOCHREALTIME")
    read -r stored_customers stored_transactions <<<"$(psql_bench -d clv_bench_api -tA -c 'select count(*) from customers' -c 'select count(*) from transactions' | paste -sd ' ')"
    clv_stop_child "$api_pid" 30
    api_pid=
fi

clv_log "Loading the same CSV with psql \\copy into raw_tx"
psql_bench -d clv_bench_raw <<'SQL'
create table raw_tx (
    external_id text unique,
    customer_external_id text,
    occurred_at timestamptz,
    type text,
    amount numeric(19, 4),
    currency char(3)
);
create index on raw_tx (customer_external_id, occurred_at);
SQL
t0=$EPOCHREALTIME
psql_bench -d clv_bench_raw -c "\\copy raw_tx from '$csv' with (format csv, header true)"
t1=$EPOCHREALTIME
raw_seconds=$(clv_elapsed "$t0" "$t1")
loaded=$(psql_bench -d clv_bench_raw -tA -c 'select count(*) from raw_tx')
[ "$loaded" -eq "$rows" ] || clv_die "raw_tx holds $loaded rows, expected $rows"
raw_rate=$(clv_per_second "$rows" "$raw_seconds")

echo
echo "Ingest of $rows rows (CDNOW_master x$copies)"
if [ "$api_status" = ok ]; then
    api_rate=$(clv_per_second "$rows" "$api_seconds")
    printf '  API import:   %8.3f s %10s rows/s   peak RSS %s (sampled), VmHWM %s\n' \
        "$api_seconds" "$api_rate" "$(clv_mb "$api_peak_kb")" "$(clv_mb "$api_hwm_kb")"
    printf '  first list read after it: %.3f s; then the first dashboard read (segments): %.3f s\n' "$list_seconds" "$dashboard_seconds"
    printf '  stored: %s customers, %s transactions\n' "$stored_customers" "$stored_transactions"
    printf '  the oldest transaction open during the import: %s s among writers, %s s among readers\n' "$longest_write" "$longest_read"
    # The series' first, middle and last thirds: flat when no unit of work grows with the import.
    printf '  API RSS during the import, every 5 s (bench/out/api-rss-series.txt): %s\n' "$(awk '
        { kb[NR] = $2 }
        END {
            if (NR < 3) {
                for (i = 1; i <= NR; i++) printf "%s%.0f MB", (i > 1 ? ", " : ""), kb[i] / 1024
                exit
            }
            for (p = 0; p < 3; p++) {
                lo = 0; hi = 0
                for (i = int(p * NR / 3) + 1; i <= int((p + 1) * NR / 3); i++) {
                    if (lo == 0 || kb[i] < lo) lo = kb[i]
                    if (kb[i] > hi) hi = kb[i]
                }
                printf "%sthird %d %.0f-%.0f MB", (p ? "; " : ""), p + 1, lo / 1024, hi / 1024
            }
        }' "$out/api-rss-series.txt")"
else
    printf '  API import:   %s\n' "$api_status"
fi
printf '  psql \\copy:   %8.3f s %10s rows/s\n' "$raw_seconds" "$raw_rate"
if [ "$api_status" = ok ]; then
    printf '  ratio api/raw (rows/s): %s\n' "$(awk -v a="$api_rate" -v r="$raw_rate" 'BEGIN { printf "%.2f", a / r }')"
fi
[ "$api_status" = ok ] || [ "$api_status" = skipped ]
