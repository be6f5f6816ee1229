#!/usr/bin/env bash
# Dashboard analytics at scale, live: CDNOW_master ×N (default 40: 942,800 customers, 2.8 M
# transactions) with acquisition channels, countries and monthly spend per channel, ingested
# through the API on loopback. Then, as a user sees it:
#   1. the first dashboard reads right after the import (issue 11, goal 2), and then the
#      dashboard's value segments, asked as the page asks them;
#   2. a CRM starts posting 10 transactions every 250 ms, and keeps posting to the end; under it,
#      each summary, segments, cohorts and time-series request, for now and as of past days (the
#      last day of a month, and the middle of one), is
#      timed cold and warm (CLV_ANALYTICS_REQUESTS sequential requests, default 50: p50, p95, max;
#      goal 1), then every read of each of goal 1's two classes pooled, the cold ones included
#      (goal_class: the current date's, and past days' or grouped by an attribute); and customer
#      reads are driven by wrk for CLV_CUSTOMER_SECONDS (default 15) with 32, then 8 connections
#      (throughput and p99, if wrk is installed);
#   3. freshness: a new customer's purchase is posted, and the summary is polled until it counts
#      them: the delay from the acknowledgement (goal 4);
#   4. the API's RSS (goal 6), split into anonymous memory, code and shared memory; with the API's
#      metrics on (Clv__Metrics__Enabled=true), also its managed heaps after the last collection;
#      with CLV_BENCH_GCDUMP=FILE (and dotnet-gcdump installed), a heap dump, its largest types, and
#      the RSS after the full collection that taking it runs.
# Everything listens on 127.0.0.1 and is stopped on exit. CLV_API_ROOT runs another checkout's API
# (a baseline) under this script.
#
# Usage: bench/analytics/run.sh [copies]      copies of CDNOW_master (default 40)
#        bench/analytics/run.sh sample        CDNOW_sample instead (2,357 customers), the small
#                                             portfolio the RSS goal compares against
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
if [ "$copies" = sample ]; then
    # CDNOW_sample (master id, sample id, date, CDs, dollars) in CDNOW_master's layout.
    sample=${CDNOW_SAMPLE:-$(dirname "$master")/CDNOW_sample.txt}
    master=$out/cdnow_sample_as_master.txt
    awk 'BEGIN { print "customer_id date number_of_cds dollar_value" } { sub(/\r$/, "") } NF >= 5 { print $1, $3, $4, $5 }' "$sample" >"$master"
    copies=1
    csv=$out/cdnow_sample.csv
    clv_cdnow_csv "$master" 1 "$csv"
fi

CLV_API_PID=
writer_pid=
cleanup() {
    trap '' INT TERM
    [ -z "$writer_pid" ] || { kill "$writer_pid" 2>/dev/null || true; wait "$writer_pid" 2>/dev/null || true; }
    [ -z "$CLV_API_PID" ] || clv_stop_child "$CLV_API_PID" 30
    clv_pg_throwaway_stop
    rm -f "$out"/analytics-customers-*.json
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

csv=${csv:-$out/cdnow_x$copies.csv}
[ -f "$csv" ] || clv_cdnow_csv "$(readlink -f "$master")" "$copies" "$csv"
awk -v out="$out/analytics-customers" -f "$root/bench/analytics/customers.awk" "$csv"
# CLV_BENCH_PGSS=1: pg_stat_statements on, its top statements in bench/out/analytics-pgss.txt at the end.
[ -z "${CLV_BENCH_PGSS:-}" ] || export CLV_PG_EXTRA_CONF="shared_preload_libraries = 'pg_stat_statements'"
clv_pg_throwaway_start
psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -c 'create database clv_bench_analytics'
[ -z "${CLV_BENCH_PGSS:-}" ] || psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -d clv_bench_analytics -c 'create extension pg_stat_statements'
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

get_time() { curl -sS -f -o /dev/null -w '%{time_total}' -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL$1"; }

echo
echo "First dashboard reads right after the import (ms):"
for path in "/api/v1/segments?by=acquisitionChannel" "/api/v1/metrics/summary" "/api/v1/cohorts"; do
    printf '| `%s` | %.0f |\n' "$path" "$(awk -v t="$(get_time "$path")" 'BEGIN { print t * 1000 }')"
done
# Then the dashboard's value segments as the page asks them: tiers and RFM segments at once, as of
# the latest purchase day (its default day), with the figures it shows. Every customer is read for
# them, so they come after the reads above on the page.
latest=$(curl -sS -f -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL/api/v1/customers?sort=lastPurchaseAt&direction=desc&pageSize=1" |
    sed -E 's/.*"lastPurchaseAt":"([0-9-]{10}).*/\1/')
fields=customers,customerEquity,predictedCustomerEquity,avgHistoricalClv,revenueShare
value_paths=("/api/v1/segments?by=clvTier&asOf=$latest&period=month&fields=$fields" "/api/v1/segments?by=rfmSegment&asOf=$latest&period=month&fields=$fields")
value_pids=()
for i in 0 1; do
    get_time "${value_paths[$i]}" >"$out/analytics-value-$i.txt" &
    value_pids+=($!)
done
wait "${value_pids[@]}"
for i in 0 1; do
    printf '| `%s` (the two at once) | %.0f |\n' "${value_paths[$i]}" "$(awk -v t="$(cat "$out/analytics-value-$i.txt")" 'BEGIN { print t * 1000 }')"
done

# CLV_BENCH_HOLD=1: stop here and keep the API and PostgreSQL up for profiling, until interrupted.
if [ -n "${CLV_BENCH_HOLD:-}" ]; then
    clv_log "holding: API $CLV_API_URL (X-Api-Key: $CLV_API_KEY), PostgreSQL 127.0.0.1:$CLV_PG_TMP_PORT database clv_bench_analytics; interrupt to stop"
    while :; do sleep 3600 & wait $!; done
fi

# A CRM posting 10 purchases of known customers every 250 ms, from now to the end of the run.
writes=$out/analytics-writes.txt
: >"$writes"
clv_bench_writer "$writes" 23570 &
writer_pid=$!

# Goal 1's two classes of reads: for the current date (p95 within 200 ms), and as of a past day or
# grouped by a customer attribute (country, cohort, attribute:...; p95 within 2 s).
goal_class() {
    case $1 in
        *asOf=* | *by=country* | *by=cohort* | *by=attribute:*) echo past-or-attribute ;;
        *) echo current ;;
    esac
}

# Prints cold, then the count and p50 / p95 / max of the warm requests, in ms: at most
# CLV_ANALYTICS_REQUESTS of them, for at most CLV_MEASURE_SECONDS (default 20) per request. Every
# read, the cold one too, goes into its goal class's pool (all_times).
all_times=$out/analytics-all-times.txt
: >"$all_times"
measure() {
    local path=$1 times=$out/analytics-times.txt cold started=$SECONDS class
    class=$(goal_class "$path")
    cold=$(get_time "$path")
    : >"$times"
    for _ in $(seq 1 "$requests"); do
        curl -sS -f -o /dev/null -w '%{time_total}\n' -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL$path" >>"$times"
        [ $((SECONDS - started)) -lt "${CLV_MEASURE_SECONDS:-20}" ] || break
    done
    { echo "$class $cold"; awk -v class="$class" '{ print class, $1 }' "$times"; } >>"$all_times"
    sort -n "$times" | awk -v cold="$cold" -v path="$path" '
        { t[NR] = $1 * 1000 }
        END { printf "| `%s` | %.0f | %d | %.1f | %.1f | %.1f |\n", path, cold * 1000, NR, t[int(NR * 0.5 + 0.5)], t[int(NR * 0.95 + 0.5)], t[NR] }'
}

as_of=1998-06-30
# A day that ends no period: the cells answer it corrected for the customers who bought since.
mid=1998-06-15
echo
echo "Under a CRM posting 10 transactions every 250 ms:"
echo
echo "| request | cold ms | warm n | warm p50 ms | warm p95 ms | warm max ms |"
echo "| --- | --- | --- | --- | --- | --- |"
for path in \
    "/api/v1/metrics/summary" \
    "/api/v1/segments?by=acquisitionChannel" \
    "/api/v1/segments?by=rfmSegment" \
    "/api/v1/cohorts" \
    "/api/v1/metrics/timeseries?metric=activeCustomers&by=acquisitionChannel&from=1997-01-01" \
    "/api/v1/metrics/timeseries?metric=churnRate&from=1997-01-01" \
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
    "/api/v1/metrics/summary?asOf=$mid" \
    "/api/v1/segments?by=acquisitionChannel&asOf=$mid" \
    "/api/v1/cohorts?asOf=$mid" \
    "/api/v1/metrics/timeseries?metric=churnRate&asOf=$mid"; do
    measure "$path"
done

# Goal 1 over every read above, the first (cold) ask of each question included.
echo
for class in current past-or-attribute; do
    awk -v class="$class" '$1 == class { print $2 * 1000 }' "$all_times" | sort -n | awk -v class="$class" '
        { t[NR] = $1; if ($1 > 2000) slow++ }
        END { if (NR) printf "All %s reads, cold and warm: %d, p50 %.1f ms, p95 %.1f ms, max %.0f ms, over 2 s: %d\n", class, NR, t[int(NR * 0.5 + 0.5)], t[int(NR * 0.95 + 0.5)], t[NR], slow + 0 }'
done

echo
if command -v wrk >/dev/null; then
    seconds=${CLV_CUSTOMER_SECONDS:-15}
    # Where the CPU goes meanwhile: one snapshot of top, halfway through.
    (sleep $((seconds / 2)); top -b -n 1 -w 200 | head -20 >"$out/analytics-top.txt") &
    # 32 connections saturate the two cores (the p99 is then mostly their queue: Little's law);
    # 8 still do, and show the latency at that rate (docs/benchmarks.md, "Read load").
    for connections in 32 8; do
        CLV_API_KEY=$CLV_API_KEY wrk -t2 -c$connections -d"${seconds}s" --latency -s "$root/bench/load/customer.lua" "$CLV_API_URL" >"$out/analytics-wrk-$connections.txt" 2>&1 || true
        awk -v c=$connections '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } /Non-2xx/ { bad = $5 } END { printf "Customer reads under the writes, %d connections: %s/s, p99 %s, non-2xx %s\n", c, rps, p99, bad + 0 }' "$out/analytics-wrk-$connections.txt"
    done
else
    echo "Customer reads: wrk is not installed (apt-get install wrk)"
fi

echo
echo "Freshness: from a new customer's acknowledged purchase to the summary counting them (s):"
for n in 1 2 3; do
    before=$(curl -sS -f -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL/api/v1/metrics/summary" | sed -E 's/.*"customers":([0-9]+).*/\1/')
    body="{\"transactions\":[{\"externalId\":\"fresh-$n\",\"customerExternalId\":\"fresh-customer-$n\",\"occurredAt\":\"$(date -u +%FT%TZ)\",\"type\":\"purchase\",\"amount\":10,\"currency\":\"USD\"}]}"
    curl -sS -f -o /dev/null -H 'Content-Type: application/json' -H "X-Api-Key: $CLV_API_KEY" --data-binary "$body" "$CLV_API_URL/api/v1/transactions"
    acknowledged=$EPOCHREALTIME
    while :; do
        now=$(curl -sS -f -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL/api/v1/metrics/summary" | sed -E 's/.*"customers":([0-9]+).*/\1/')
        [ "$now" -gt "$before" ] && break
        [ "$(clv_elapsed "$acknowledged" "$EPOCHREALTIME" | cut -d. -f1)" -lt 60 ] || { echo "not seen within 60 s"; break; }
        sleep 0.1
    done
    echo "  $(clv_elapsed "$acknowledged" "$EPOCHREALTIME")"
done

kill "$writer_pid" 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
writer_pid=
echo
clv_bench_writes_summary "$writes"
clv_log "API RSS now: $(clv_rss_parts "$CLV_API_PID")"
# With the API's metrics on (Clv__Metrics__Enabled=true in the environment; they cost each request a
# little, so runs compared should all have them or none): what the managed heaps held after the last
# collection, per generation, and the memory the collector kept committed then.
if [ "${Clv__Metrics__Enabled:-}" = true ]; then
    clv_log "managed heaps after the last collection: $(curl -sS -f -H "X-Api-Key: $CLV_API_KEY" "$CLV_API_URL/metrics" | awk '
        /^dotnet_gc_last_collection_heap_size_bytes\{/ { match($0, /gc_heap_generation="[^"]*"/); heap += $NF; parts = parts sprintf("%s %.0f MB, ", substr($0, RSTART + 20, RLENGTH - 21), $NF / 1048576) }
        /^dotnet_gc_last_collection_memory_committed_size_bytes/ { committed = $NF }
        END { printf "%.0f MB (%scommitted %.0f MB)", heap / 1048576, parts, committed / 1048576 }')"
fi
# CLV_BENCH_GCDUMP=FILE (with dotnet-gcdump installed, a developer's tool): a heap dump of the API.
# Taking it runs a full, blocking collection, so the RSS after it tells memory still live from
# garbage that no full collection had reclaimed yet; the dump's largest types say what is live.
if [ -n "${CLV_BENCH_GCDUMP:-}" ]; then
    dotnet-gcdump collect -p "$CLV_API_PID" -o "$CLV_BENCH_GCDUMP" >/dev/null
    clv_log "API RSS after a full collection: $(clv_rss_parts "$CLV_API_PID")"
    dotnet-gcdump report "$CLV_BENCH_GCDUMP" 2>/dev/null | head -25
fi
[ -z "${CLV_BENCH_PGSS:-}" ] || psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -d clv_bench_analytics -c "
    SELECT round(total_exec_time::numeric) AS ms, calls, round((total_exec_time / calls)::numeric, 1) AS per_call, left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 30" >"$out/analytics-pgss.txt"
