#!/usr/bin/env bash
# Customer profile benchmark: CDNOW_master ×N's customers (default 10: 235,700) as bench/analytics
# writes them (channel, country, no acquiredAt), 10,000 per POST /api/v1/customers, posted in turn
# to a fresh database, then the same batches again, as a CRM resending its customer list, and once
# more while a CRM posts purchases of those customers (bench/analytics' writer). Prints each
# round's seconds and the data version after it (a resend that changes nothing bumps none), and
# the purchases' latencies.
#
# Usage: bench/profiles/run.sh [CDNOW_master.txt]
#   CDNOW_MASTER      the source file when no argument is given (default: as bench/ingest/run.sh)
#   CLV_BENCH_COPIES  how many copies of the file (default 10)
#   CLV_API_ROOT      another checkout whose API to run (a baseline), under this script
# Everything it starts (a throwaway PostgreSQL cluster, the API) listens on 127.0.0.1 only and is
# stopped on exit. The bodies and the API log go to bench/out/.
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

master=$(clv_cdnow_master "${1:-}")
copies=${CLV_BENCH_COPIES:-10}

out=$root/bench/out
mkdir -p "$out"
csv=$out/cdnow_x$copies.csv
api_pid=
writer_pid=
cleanup() {
    trap '' INT TERM
    [ -z "$writer_pid" ] || { kill "$writer_pid" 2>/dev/null || true; wait "$writer_pid" 2>/dev/null || true; }
    [ -z "$api_pid" ] || clv_stop_child "$api_pid" 30
    clv_pg_throwaway_stop
    rm -f "$out"/profiles-bench-*.json
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -f "$csv" ] || clv_cdnow_csv "$master" "$copies" "$csv"
awk -v out="$out/profiles-bench" -f "$root/bench/analytics/customers.awk" "$csv"
clv_pg_throwaway_start
psql_bench() { psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q "$@"; }
psql_bench -c 'create database clv_bench_profiles'
clv_bench_api_start clv_bench_profiles "$out/profiles-bench-api.log"
api_pid=$CLV_API_PID

echo
echo "Profiles of CDNOW_master x$copies, 10,000 per request ($CLV_API_URL)"
post_all() {
    local round=$1 t0=$EPOCHREALTIME body
    for body in "$out"/profiles-bench-*.json; do
        curl -sS -f -o /dev/null --max-time 600 -H 'Content-Type: application/json' -H "X-Api-Key: $CLV_API_KEY" \
            --data-binary "@$body" "$CLV_API_URL/api/v1/customers" || clv_die "POST /api/v1/customers failed ($body)"
    done
    printf '  %-48s %8.3f s   data version %s\n' "$round" "$(clv_elapsed "$t0" "$EPOCHREALTIME")" \
        "$(psql_bench -d clv_bench_profiles -tA -c 'select version from data_version')"
}
post_all "first post (every customer created)"
post_all "the same again (a CRM's resend)"

# The resend once more, while a CRM posts 10 purchases of the first copy's customers every 250 ms
# (bench/analytics' writer): how long those writes take while the profiles are written.
writes=$out/profiles-bench-writes.txt
: >"$writes"
clv_bench_writer "$writes" 23570 &
writer_pid=$!
post_all "the same again, while purchases are posted"
kill "$writer_pid" 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
writer_pid=
printf '  '
clv_bench_writes_summary "$writes"
