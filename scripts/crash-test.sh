#!/usr/bin/env bash
# Crash safety harness (docs/reliability.md, promise 3). Starts a PostgreSQL cluster with commits
# made durable (synchronous_commit, fsync) and the API in Release on a free loopback port, then
# tests/Clv.CrashHarness sends JSON batches from several writers and CSV imports (chunked and
# atomic), all with unique ids, and records which were acknowledged. Meanwhile this script kills
# the API with SIGKILL at random moments and restarts it, and once, halfway, stops PostgreSQL in
# immediate mode and starts it again. When the writers are done the harness checks that every
# acknowledged request is stored whole, that no batch or CSV chunk is stored in part, that the
# rollups add up, and that no request was answered 500, and that the run tested something: some
# requests were acknowledged and at least one kill caught requests in flight (the driver times every
# request, this script every kill). Exits non-zero when a promise is broken;
# stops everything it started on exit.
#
# Usage: scripts/crash-test.sh [--no-build]     (--no-build: scripts/test.sh has built Release)
#   CLV_CRASH_SECONDS   how long the writers write, roughly (default 45)
#   CLV_CRASH_KILLS     SIGKILLs of the API (default 3; at least 1, or the run fails); PostgreSQL is stopped once besides
#   CLV_CRASH_WRITERS   JSON writers (default 3); one CSV writer runs besides
#   CLV_CRASH_CSV_ROWS  rows per CSV import (default 70000: two chunks of the API's 50,000)
#   CLV_CRASH_LOG       a file to keep the API's log in (it is deleted with the run otherwise)
#   CLV_CRASH_SABOTAGE  1: delete one stored row before verifying, to see the harness fail
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=lib/pg.sh
. "$root/scripts/lib/pg.sh"

seconds=${CLV_CRASH_SECONDS:-45}
kills=${CLV_CRASH_KILLS:-3}
writers=${CLV_CRASH_WRITERS:-3}
csv_rows=${CLV_CRASH_CSV_ROWS:-70000}
api_dll=$root/src/Clv.Api/bin/Release/net10.0/Clv.Api.dll
harness_dll=$root/tests/Clv.CrashHarness/bin/Release/net10.0/Clv.CrashHarness.dll

work=$(mktemp -d "${TMPDIR:-/tmp}/clv-crash.XXXXXX")
api_pid=
driver_pid=
cleanup() {
    local status=$?
    trap '' INT TERM
    if clv_is_alive "$driver_pid"; then
        kill -KILL "$driver_pid" 2>/dev/null || true
    fi
    [ -z "$driver_pid" ] || wait "$driver_pid" 2>/dev/null || true
    if clv_is_alive "$api_pid"; then
        kill -KILL "$api_pid" 2>/dev/null || true
    fi
    [ -z "$api_pid" ] || wait "$api_pid" 2>/dev/null || true
    if [ "$status" -ne 0 ] && [ -f "$work/api.log" ]; then
        clv_log "crash harness failed; the end of the API's log:"
        tail -n 30 "$work/api.log" >&2 || true
        # A 500 is a broken promise whose cause is the exception logged with it, maybe long before the end.
        if grep -q 'failed with 500' "$work/api.log"; then
            clv_log "the API's 500s and their exceptions:"
            grep -A 40 'failed with 500' "$work/api.log" | head -n 200 >&2 || true
        fi
    fi
    [ -z "${CLV_CRASH_LOG:-}" ] || cp "$work/api.log" "$CLV_CRASH_LOG" 2>/dev/null || true
    clv_pg_throwaway_stop
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${1:-}" != "--no-build" ]; then
    clv_log "Building src/Clv.Api and tests/Clv.CrashHarness (Release)"
    dotnet build "$root/src/Clv.Api" -c Release -nologo -v quiet
    dotnet build "$root/tests/Clv.CrashHarness" -c Release -nologo -v quiet
fi
if [ ! -f "$api_dll" ] || [ ! -f "$harness_dll" ]; then
    clv_die "build src/Clv.Api and tests/Clv.CrashHarness in Release first"
fi

# Sleeps a random time between LOW and HIGH seconds, in tenths.
random_sleep() {
    local low=$1 high=$2
    sleep "$(awk -v l="$low" -v h="$high" -v r="$RANDOM" 'BEGIN { printf "%.1f", l + (h - l) * r / 32767 }')"
}

clv_pg_throwaway_start
# The throwaway cluster trades durability for speed; this test is about durability.
clv_pg_as_owner sh -c "cat >>'$CLV_PG_TMP_DIR/data/postgresql.conf'" <<'CONF'
# scripts/crash-test.sh: acknowledged commits must survive a crash.
fsync = on
synchronous_commit = on
full_page_writes = on
CONF
clv_pg pg_ctl reload -D "$CLV_PG_TMP_DIR/data" -s
connection=$(clv_pg_throwaway_connection clv_crash)
key=clv_$(clv_random_token)
url=http://127.0.0.1:$(clv_free_port)

start_api() {
    ConnectionStrings__Clv=$connection \
        Database__MigrateOnStartup=true \
        Auth__BootstrapAdminKey=$key \
        ASPNETCORE_CONTENTROOT=$root/src/Clv.Api \
        Serilog__MinimumLevel__Default=Warning \
        dotnet "$api_dll" --urls "$url" >>"$work/api.log" 2>&1 &
    api_pid=$!
    clv_wait_http_ok "$url/health/ready" 120 "$api_pid" || clv_die "the API did not become ready"
}

start_api
clv_log "API (pid $api_pid) on $url; writing for ${seconds}s with $writers JSON writers and one CSV writer ($csv_rows rows per import)"
# The writers stop when told (after the last kill) or, as a safety net, after three times the time.
dotnet "$harness_dll" write "$url" "$key" "$((seconds * 3 + 60))" "$writers" "$csv_rows" "$work/ledger.jsonl" &
driver_pid=$!

# Kills spread over the writing time; PostgreSQL goes down once, after the middle kill.
interval=$((seconds / (kills + 1)))
[ "$interval" -ge 2 ] || interval=2
pg_after=$(((kills + 1) / 2))
: >"$work/kills"
for n in $(seq 1 "$kills"); do
    random_sleep 1 "$interval"
    clv_is_alive "$driver_pid" || clv_die "the harness's writers exited early"
    # The verifier fails the run unless some kill caught requests in flight: it needs the times.
    date +%s%3N >>"$work/kills"
    kill -KILL "$api_pid"
    wait "$api_pid" 2>/dev/null || true
    clv_log "kill $n: SIGKILL to the API; restarting it"
    start_api
    if [ "$n" -eq "$pg_after" ]; then
        random_sleep 1 "$interval"
        clv_log "PostgreSQL: pg_ctl stop -m immediate, then start (crash recovery)"
        clv_pg_stop "$CLV_PG_TMP_DIR/data" immediate
        clv_pg_start "$CLV_PG_TMP_DIR/data" "$CLV_PG_TMP_PORT" "$CLV_PG_TMP_DIR/server.log"
    fi
done

# Some calm writing after the last crash, so the ledger ends with acknowledged requests.
random_sleep 2 "$interval"
touch "$work/ledger.jsonl.stop"
status=0
wait "$driver_pid" || status=$?
driver_pid=
[ "$status" -eq 0 ] || clv_die "the harness's writers failed (exit $status)"
if [ "${CLV_CRASH_SABOTAGE:-0}" = 1 ]; then
    dotnet "$harness_dll" sabotage "$connection"
fi
# The rollups are written with the rows (src/Clv.Data/Rollups/RollupWriter.cs): with no read in
# between, they must add up to the stored transactions.
clv_log "Verifying the database against the ledger"
dotnet "$harness_dll" verify "$connection" "$work/ledger.jsonl" "$work/kills"
