#!/usr/bin/env bash
# Runs the API (Release, published ReadyToRun: scripts/lib/common.sh, clv_api_build) on http://127.0.0.1:5080 with migrations applied at start.
# Arguments are passed to the API, e.g. ./scripts/run.sh --urls http://127.0.0.1:6000
#
# Without ConnectionStrings__Clv it runs a private PostgreSQL cluster under .data/postgres
# (CLV_DATA_DIR moves .data), listening on 127.0.0.1:${CLV_PG_PORT:-55433}, created on the first
# run and reused after. Ctrl-C or TERM stops the API and that cluster; so does the API exiting.
# See docs/operations.md.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$root/scripts/lib/common.sh"
# shellcheck source=lib/pg.sh
. "$root/scripts/lib/pg.sh"
# shellcheck source=lib/dashboard.sh
. "$root/scripts/lib/dashboard.sh"

data_dir=${CLV_DATA_DIR:-$root/.data}
pg_port=${CLV_PG_PORT:-55433}
default_urls=http://127.0.0.1:5080

pgdata=
api_pid=
shutdown() {
    trap '' INT TERM
    [ -z "$api_pid" ] || clv_stop_child "$api_pid" 30
    if [ -n "$pgdata" ]; then
        clv_log "Stopping PostgreSQL"
        clv_pg_stop "$pgdata" fast
    fi
}
trap shutdown EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -d "$data_dir" ]; then
    mkdir -p "$data_dir"
    # Secrets in here are mode 600; as root the postgres user must still get through to the cluster.
    if clv_is_root; then chmod 711 "$data_dir"; else chmod 700 "$data_dir"; fi
fi
data_dir=$(cd "$data_dir" && pwd)

# One run per data directory: a second one would reuse, then stop, the first one's cluster.
# Children get `9>&-` so a server outliving a killed run does not keep the lock.
exec 9>"$data_dir/run.lock"
flock -n 9 || clv_die "another scripts/run.sh is using $data_dir"

# Prints the directory that holds the cluster (data/ and server.log), creating it the first time.
# As root, when the postgres user cannot reach $data_dir (a clone under /root, say), the cluster
# lives in /var/lib/clv/<name> instead and $data_dir/postgres is a symlink to it.
cluster_root() {
    local link=$data_dir/postgres target
    if [ ! -e "$link" ]; then
        if clv_is_root && ! clv_pg_can_reach "$data_dir"; then
            target=/var/lib/clv/$(basename "$root")-$(printf '%s' "$data_dir" | sha256sum | cut -c1-8)
            clv_log "postgres cannot reach $data_dir; keeping the cluster in $target (linked from $link)"
            mkdir -p /var/lib/clv
            clv_pg_own_dir "$target"
            ln -s "$target" "$link"
        else
            clv_pg_own_dir "$link"
        fi
    fi
    target=$(readlink -f "$link")
    clv_pg_can_reach "$target" ||
        clv_die "the postgres user cannot reach $target; set CLV_DATA_DIR to a directory it can reach, e.g. CLV_DATA_DIR=/var/tmp/clv"
    printf '%s\n' "$target"
}

# Creates the cluster with the `clv` role as its superuser, password auth (scram-sha-256) only.
init_cluster() {
    local dir=$1 password=$2 pwfile
    clv_log "Creating a PostgreSQL cluster in $dir"
    pwfile=$(mktemp "$dir/.pwfile.XXXXXX")
    printf '%s\n' "$password" >"$pwfile"
    clv_is_root && chown postgres "$pwfile"
    if ! clv_pg initdb -D "$dir/data" -U clv --pwfile="$pwfile" --auth-host=scram-sha-256 \
        --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        rm -f "$pwfile"
        cat "$dir/initdb.log" >&2
        clv_die "initdb failed"
    fi
    rm -f "$pwfile"
    cat >>"$dir/data/postgresql.conf" <<'CONF'
# scripts/run.sh: TCP on loopback only, no Unix socket.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
CONF
}

start_local_database() {
    local dir password
    clv_pg_bindir >/dev/null ||
        clv_die "PostgreSQL server binaries not found; install PostgreSQL 15 or set ConnectionStrings__Clv"
    dir=$(cluster_root)
    if [ -f "$dir/data/PG_VERSION" ]; then
        [ -s "$data_dir/pg-password" ] ||
            clv_die "$data_dir/pg-password is missing; delete $dir to start over with an empty database"
        password=$(clv_secret_file "$data_dir/pg-password")
    else
        password=$(clv_secret_file "$data_dir/pg-password")
        init_cluster "$dir" "$password"
    fi

    pgdata=$dir/data
    if clv_pg_is_running "$pgdata"; then
        # Left behind by a run that was killed outright (we hold the lock); stopped when this run ends.
        pg_port=$(sed -n 4p "$pgdata/postmaster.pid")
        clv_log "Reusing the PostgreSQL already running from $pgdata on port $pg_port"
    else
        ! clv_port_in_use "$pg_port" ||
            clv_die "port $pg_port is in use; choose another with CLV_PG_PORT"
        clv_log "Starting PostgreSQL on 127.0.0.1:$pg_port (log: $dir/server.log)"
        clv_pg_start "$pgdata" "$pg_port" "$dir/server.log" 9>&- || clv_die "PostgreSQL did not start"
    fi

    export PGPASSWORD=$password
    if [ -z "$(psql -h 127.0.0.1 -p "$pg_port" -U clv -d postgres -XqtA \
        -c "select 1 from pg_database where datname = 'clv'")" ]; then
        clv_log "Creating database clv"
        psql -h 127.0.0.1 -p "$pg_port" -U clv -d postgres -Xq -c 'create database clv'
    fi
    unset PGPASSWORD
    export ConnectionStrings__Clv="Host=127.0.0.1;Port=$pg_port;Database=clv;Username=clv;Password=$password"
}

# The first URL the API will listen on: --urls from the arguments, else ASPNETCORE_URLS.
listen_url() {
    local urls=$ASPNETCORE_URLS previous=
    for arg in "$@"; do
        case $arg in --urls=*) urls=${arg#--urls=} ;; esac
        [ "$previous" != --urls ] || urls=$arg
        previous=$arg
    done
    urls=${urls%%;*}
    # A wildcard host is not something a browser can open.
    printf '%s\n' "$urls" | sed -E 's#://(\*|\+|0\.0\.0\.0|\[::\])#://localhost#; s#/$##'
}

clv_dashboard_build "$root"
api_dll=$(clv_api_build "$root")

if [ -z "${ConnectionStrings__Clv:-}" ]; then
    start_local_database
else
    clv_log "Using the database in ConnectionStrings__Clv"
fi

if [ -z "${Auth__BootstrapAdminKey:-}" ]; then
    Auth__BootstrapAdminKey=$(clv_secret_file "$data_dir/admin-key" clv_)
fi
export Auth__BootstrapAdminKey
export Database__MigrateOnStartup=true
export ASPNETCORE_URLS=${ASPNETCORE_URLS:-$default_urls}
# As under `dotnet run`: the project folder is the content root, so its appsettings*.json apply.
export ASPNETCORE_CONTENTROOT=${ASPNETCORE_CONTENTROOT:-$root/src/Clv.Api}

url=$(listen_url "$@")
cat >&2 <<MSG

  Dashboard:        $url/dashboard
  Swagger UI:       $url/swagger
  Health:           $url/health/ready
  Admin API key:    $Auth__BootstrapAdminKey   (header X-Api-Key)

MSG

dotnet "$api_dll" "$@" 9>&- &
api_pid=$!
status=0
wait "$api_pid" || status=$?
api_pid=
clv_log "The API exited with status $status"
exit "$status"
