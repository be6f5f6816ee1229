# shellcheck shell=bash
# Installs the OpenAPI linters (tests/openapi-lint: Redocly CLI, Spectral and the OWASP ruleset)
# that tests/Clv.Api.Tests runs against the served document (docs/api.md, "OpenAPI document").
# Source it after common.sh and call clv_openapi_lint_install ROOT before the tests. Runs npm ci
# (from package-lock.json, no install scripts) only when the lock changed.

clv_openapi_lint_install() {
    local dir=$1/tests/openapi-lint
    command -v npm >/dev/null ||
        clv_die "npm not found: the OpenAPI lint tests need Node.js 20 or later and npm (Debian: apt-get install nodejs npm)"
    if [ -f "$dir/node_modules/.package-lock.json" ] &&
        [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        return 0
    fi
    clv_log "Installing the OpenAPI linters (npm ci in tests/openapi-lint)"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || clv_die "npm ci failed in $dir"
}
