#!/usr/bin/env bash
# Subscription import benchmark: CDNOW_master (23,570 customers) through the transactions' CSV
# import, then one subscription per customer through POST /api/v1/subscriptions/import, each
# started the day before the customer's first purchase (so every one dates its customer's
# acquisition and moves their cells of the group rollup), then the same file again (every item
# unchanged), then the first dashboard read (segments by channel). Prints each step's seconds.
#
# Usage: bench/subscriptions/run.sh [CDNOW_master.txt]
#   CDNOW_MASTER   the source file when no argument is given (default: as bench/ingest/run.sh)
#   CLV_API_ROOT   another checkout whose API to run (a baseline), under this script
# Everything it starts (a throwaway PostgreSQL cluster, the API) listens on 127.0.0.1 only and is
# stopped on exit. The CSVs and the API log go to bench/out/.
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

out=$root/bench/out
mkdir -p "$out"
transactions=$out/subscriptions-bench-transactions.csv
subscriptions=$out/subscriptions-bench-subscriptions.csv

api_pid=
cleanup() {
    trap '' INT TERM
    [ -z "$api_pid" ] || clv_stop_child "$api_pid" 30
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

clv_cdnow_csv "$master" 1 "$transactions"
# One monthly subscription per customer, from 08:00 UTC on the day before their first purchase.
awk -F, 'NR > 1 && (!($2 in first) || $3 < first[$2]) { first[$2] = $3 }
    END {
        print "external_id,customer_external_id,plan,started_at,billing_period,amount,currency"
        for (c in first) {
            split(substr(first[c], 1, 10), d, "-")
            t = mktime(d[1] " " d[2] " " d[3] " 12 00 00") - 86400
            printf "sub-%s,%s,pro,%sT08:00:00Z,month,29.00,USD\n", c, c, strftime("%Y-%m-%d", t, 1)
        }
    }' "$transactions" >"$subscriptions"
clv_log "$(($(wc -l <"$subscriptions") - 1)) subscriptions"

clv_pg_throwaway_start
psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -q -c 'create database clv_bench_subscriptions'
clv_bench_api_start clv_bench_subscriptions "$out/subscriptions-bench-api.log"
api_pid=$CLV_API_PID

# Times one request; fails on a status other than 2xx.
timed() {
    local what=$1 t0 code
    shift
    t0=$EPOCHREALTIME
    code=$(curl -sS -o "$out/subscriptions-bench-response.txt" -w '%{http_code}' --max-time 600 -H "X-Api-Key: $CLV_API_KEY" "$@")
    [[ $code == 2* ]] || { head -c 500 "$out/subscriptions-bench-response.txt" >&2; clv_die "$what: HTTP $code"; }
    printf '  %-58s %8.3f s\n' "$what" "$(clv_elapsed "$t0" "$EPOCHREALTIME")"
}

echo
echo "Subscriptions after CDNOW_master's transactions ($CLV_API_URL)"
timed "transactions import (69,659 rows)" -X POST --upload-file "$transactions" -H 'Content-Type: text/csv' "$CLV_API_URL/api/v1/transactions/import"
timed "subscriptions import, each dating its customer" -X POST --upload-file "$subscriptions" -H 'Content-Type: text/csv' "$CLV_API_URL/api/v1/subscriptions/import"
timed "the same subscriptions again (unchanged)" -X POST --upload-file "$subscriptions" -H 'Content-Type: text/csv' "$CLV_API_URL/api/v1/subscriptions/import"
timed "first read after them: segments by channel" "$CLV_API_URL/api/v1/segments?by=acquisitionChannel"
timed "segments by channel as of 1997-01-31" "$CLV_API_URL/api/v1/segments?by=acquisitionChannel&asOf=1997-01-31"
