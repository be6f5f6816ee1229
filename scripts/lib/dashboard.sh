# shellcheck shell=bash
# Builds the dashboard (src/Clv.Dashboard, docs/dashboard.md) into src/Clv.Dashboard/dist, which
# the API's build copies beside it and serves at /dashboard. Source it after common.sh and call
# clv_dashboard_build ROOT before building the API. Does nothing when dist/ is newer than every
# input; installs the npm packages (npm ci, from package-lock.json) only when the lock changed.

clv_dashboard_build() {
    local dir=$1/src/Clv.Dashboard newest
    command -v npm >/dev/null ||
        clv_die "npm not found: the dashboard is built with Node.js 20 or later and npm (Debian: apt-get install nodejs npm)"
    if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
        [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        clv_log "Installing the dashboard's npm packages (npm ci)"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || clv_die "npm ci failed in $dir"
    fi
    newest=$(find "$dir/src" "$dir/openapi.json" "$dir/package-lock.json" "$dir/build.mjs" "$dir/tsconfig.json" \
        -path "$dir/src/generated" -prune -o -type f -newer "$dir/dist/index.html" -print -quit 2>/dev/null || true)
    if [ -f "$dir/dist/index.html" ] && [ -z "$newest" ]; then
        return 0
    fi
    clv_log "Building the dashboard (npm run build)"
    (cd "$dir" && npm run build --silent) || clv_die "the dashboard's build failed (src/Clv.Dashboard; see above)"
}
