#!/usr/bin/env bash
# Builds the solution in Release and runs every test project under tests/, the API tests a second
# time against customer-partitioned tables (docs/scale-out.md), and the short form of the crash
# harness (scripts/crash-test.sh), then prints
#   Total: N passed, N failed, N skipped
# as the last line. Exits non-zero when the build or any test fails.
#
# PostgreSQL for the integration tests, first available of:
#   1. CLV_TEST_CONNECTION, if set (a superuser/createdb connection string to database postgres);
#   2. a throwaway cluster started here from the local server binaries, deleted on exit;
#   3. nothing: the tests fall back to Testcontainers (needs Docker).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=lib/dashboard.sh
. "$root/scripts/lib/dashboard.sh"
# shellcheck source=lib/openapi-lint.sh
. "$root/scripts/lib/openapi-lint.sh"

results=$(mktemp -d "${TMPDIR:-/tmp}/clv-test-results.XXXXXX")
cleanup() {
    clv_pg_throwaway_stop
    rm -rf "$results"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints "passed failed skipped" from a TRX file's <Counters .../>. xUnit's skipped tests count
# in "total" but in no other counter, so skipped is what is neither passed nor failed.
trx_counts() {
    sed -n 's/.*<Counters \(.*\)\/>.*/\1/p' "$1" | awk '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] = kv[2] }
    } END {
        failed = c["failed"] + c["error"] + c["timeout"] + c["aborted"]
        skipped = c["total"] - c["passed"] - failed
        print c["passed"] + 0, failed + 0, (skipped > 0 ? skipped : 0)
    }'
}

# The dashboard's tests (tests/Clv.Dashboard.Tests) drive Debian's Chromium; Playwright never
# downloads a browser here. No browser is a failure, not a skip.
export CLV_CHROMIUM=${CLV_CHROMIUM:-/usr/bin/chromium}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
[ -x "$CLV_CHROMIUM" ] ||
    clv_die "no browser at $CLV_CHROMIUM: the dashboard tests need Chromium (apt-get install chromium, or set CLV_CHROMIUM to its executable; .ci/run installs it)"

clv_dashboard_build "$root"
clv_openapi_lint_install "$root"
clv_log "Building Clv.sln (Release)"
dotnet build "$root/Clv.sln" -c Release -nologo -v minimal

if [ -n "${CLV_TEST_CONNECTION:-}" ]; then
    clv_log "Integration tests use CLV_TEST_CONNECTION"
elif clv_pg_bindir >/dev/null; then
    clv_pg_throwaway_start
    CLV_TEST_CONNECTION=$(clv_pg_throwaway_connection)
    export CLV_TEST_CONNECTION
    clv_log "Integration tests use a throwaway PostgreSQL on 127.0.0.1:$CLV_PG_TMP_PORT"
else
    clv_log "No PostgreSQL server binaries: integration tests fall back to Testcontainers (needs Docker)"
fi

passed=0 failed=0 skipped=0 status=0
# Runs one test project, as NAME, with the environment assignments that follow; adds its counts.
run_tests() {
    local project=$1 name=$2 p f s
    shift 2
    # A test that hangs is aborted instead of eating CI's time limit.
    if ! env "$@" dotnet test "$project" -c Release --no-build -nologo -v minimal \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
        --blame-hang-timeout "${CLV_TEST_HANG_TIMEOUT:-15m}" --blame-hang-dump-type none; then
        status=1
    fi
    if [ -f "$results/$name.trx" ]; then
        read -r p f s < <(trx_counts "$results/$name.trx")
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    else
        clv_log "$name produced no test results"
        status=1
    fi
}

for project in "$root"/tests/*/*.csproj; do
    grep -q '<IsTestProject>true</IsTestProject>' "$project" || continue # e.g. the crash harness's driver
    name=$(basename "$project" .csproj)
    clv_log "Testing $name"
    run_tests "$project" "$name"
done

# The API tests once more against a schema whose customer-keyed tables are hash-partitioned by
# customer id (docs/scale-out.md, "Simulated here"): PostgreSQL then enforces Citus's rule that
# every key and conflict target includes the customer id. CLV_TEST_PARTITIONED=0 skips the pass.
if [ "${CLV_TEST_PARTITIONED:-1}" != 0 ]; then
    clv_log "Testing Clv.Api.Tests against customer-partitioned tables (Database:CustomerPartitions=4)"
    run_tests "$root/tests/Clv.Api.Tests/Clv.Api.Tests.csproj" Clv.Api.Tests.partitioned Database__CustomerPartitions=4
fi

# The crash harness (docs/reliability.md, promise 3) in its short form: it kills the API and stops
# PostgreSQL, so it needs the server binaries and runs on a cluster of its own. It counts as one test.
if [ "${CLV_TEST_CRASH:-1}" = 0 ]; then
    clv_log "Crash harness skipped (CLV_TEST_CRASH=0)"
    skipped=$((skipped + 1))
elif ! clv_pg_bindir >/dev/null; then
    clv_log "Crash harness skipped: it needs the PostgreSQL server binaries"
    skipped=$((skipped + 1))
elif "$root/scripts/crash-test.sh" --no-build; then
    passed=$((passed + 1))
else
    clv_log "Crash harness FAILED"
    failed=$((failed + 1))
fi

[ "$failed" -eq 0 ] || status=1
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit "$status"
