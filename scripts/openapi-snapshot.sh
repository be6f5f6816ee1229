#!/usr/bin/env bash
# Rewrites src/Clv.Dashboard/openapi.json, the snapshot of the OpenAPI document the API serves,
# from which the dashboard's typed client is generated (docs/dashboard.md). Run it after any change
# to the API's contract; OpenApiSnapshotTests fails until the snapshot matches the served document.
#
# Builds src/Clv.Api (Release; --no-build skips it), starts it on a free loopback port over a
# throwaway PostgreSQL cluster (or ConnectionStrings__Clv when set), fetches
# /swagger/v1/swagger.json, and stops both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=lib/pg.sh
. "$root/scripts/lib/pg.sh"

snapshot=$root/src/Clv.Dashboard/openapi.json
api_dll=$root/src/Clv.Api/bin/Release/net10.0/Clv.Api.dll

api_pid=
cleanup() {
    [ -z "$api_pid" ] || clv_stop_child "$api_pid" 20
    clv_pg_throwaway_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${1:-}" != --no-build ]; then
    clv_log "Building src/Clv.Api (Release)"
    dotnet build "$root/src/Clv.Api" -c Release -nologo -v quiet
fi
[ -f "$api_dll" ] || clv_die "$api_dll is missing; run without --no-build"

if [ -z "${ConnectionStrings__Clv:-}" ]; then
    clv_pg_bindir >/dev/null ||
        clv_die "PostgreSQL server binaries not found; install PostgreSQL 15 or set ConnectionStrings__Clv"
    clv_pg_throwaway_start
    export ConnectionStrings__Clv
    ConnectionStrings__Clv=$(clv_pg_throwaway_connection)
fi

port=$(clv_free_port)
log=$(mktemp "${TMPDIR:-/tmp}/clv-openapi.XXXXXX.log")
# The document does not depend on the environment or settings but for Swagger being on (the default).
ASPNETCORE_ENVIRONMENT=Production Database__MigrateOnStartup=true Clv__Http__SwaggerEnabled=true \
    Clv__Http__SwaggerRequiresApiKey=false Auth__BootstrapAdminKey="clv_$(clv_random_token)" \
    dotnet "$api_dll" --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
api_pid=$!
if ! clv_wait_http_ok "http://127.0.0.1:$port/health/live" 90 "$api_pid"; then
    cat "$log" >&2
    clv_die "the API did not start"
fi

tmp=$(mktemp "$snapshot.XXXXXX")
if ! curl -fsS "http://127.0.0.1:$port/swagger/v1/swagger.json" -o "$tmp"; then
    rm -f "$tmp"
    clv_die "could not fetch the OpenAPI document"
fi
mv "$tmp" "$snapshot"
rm -f "$log"
clv_log "Wrote $snapshot ($(wc -c <"$snapshot") bytes)"
