# shellcheck shell=bash
# PostgreSQL helpers: find the server binaries, run them as the cluster owner, start and stop
# clusters that listen on 127.0.0.1 only. Source scripts/lib/common.sh first.
#
# As root the server cannot run as root, so every server binary runs as the `postgres` user
# (runuser) and the cluster directories are chowned to it. As any other user they run as that user.

# The directory holding initdb/pg_ctl: PATH first, then Debian's /usr/lib/postgresql/<newest>/bin.
clv_pg_bindir() {
    local found
    if found=$(command -v initdb 2>/dev/null); then
        dirname "$(readlink -f "$found")"
        return 0
    fi
    found=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
    [ -n "$found" ] || return 1
    dirname "$found"
}

# Runs a command as the cluster owner. `cd /` because postgres may not be allowed into the cwd.
clv_pg_as_owner() {
    if clv_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Runs the PostgreSQL server binary NAME (initdb, pg_ctl, ...) as the cluster owner.
clv_pg() {
    local name=$1 bindir
    shift
    bindir=$(clv_pg_bindir) || clv_die "PostgreSQL server binaries (initdb, pg_ctl) not found"
    clv_pg_as_owner "$bindir/$name" "$@"
}

# Makes DIR (created if missing) private to the cluster owner.
clv_pg_own_dir() {
    mkdir -p "$1"
    if clv_is_root; then
        id postgres >/dev/null 2>&1 || clv_die "running as root needs a 'postgres' user to own the cluster"
        chown postgres:postgres "$1"
    fi
    chmod 700 "$1"
}

# True when the cluster owner can reach (traverse) DIR; every parent must allow it.
clv_pg_can_reach() { clv_pg_as_owner test -x "$1"; }

clv_pg_is_running() { clv_pg pg_ctl status -D "$1" >/dev/null 2>&1; }

# Starts the cluster in PGDATA on 127.0.0.1:PORT, logging to LOGFILE, and waits until it accepts
# connections. Prints the log's tail when it fails.
clv_pg_start() {
    local pgdata=$1 port=$2 logfile=$3
    if ! clv_pg pg_ctl start -D "$pgdata" -l "$logfile" -w -t 60 -s \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"; then
        clv_log "PostgreSQL did not start; the end of $logfile:"
        tail -n 15 "$logfile" >&2 || true
        return 1
    fi
}

# Stops the cluster in PGDATA if it runs. MODE: fast (default) or immediate (throwaway data).
clv_pg_stop() {
    local pgdata=$1 mode=${2:-fast}
    [ -f "$pgdata/postmaster.pid" ] || return 0
    clv_pg pg_ctl stop -D "$pgdata" -m "$mode" -w -t 60 -s || true
}

# --- throwaway clusters: trust auth, no durability, deleted by clv_pg_throwaway_stop -------------
CLV_PG_TMP_DIR=
CLV_PG_TMP_PORT=

# Creates and starts a throwaway cluster on a free loopback port; the superuser is `postgres`
# with trust auth (nothing but local processes can reach 127.0.0.1). Sets CLV_PG_TMP_DIR and
# CLV_PG_TMP_PORT. Pair it with clv_pg_throwaway_stop in an EXIT trap.
clv_pg_throwaway_start() {
    local parent=${TMPDIR:-/tmp} attempt
    CLV_PG_TMP_DIR=$(mktemp -d "$parent/clv-pg.XXXXXX")
    if ! clv_pg_can_reach "$CLV_PG_TMP_DIR"; then
        rmdir "$CLV_PG_TMP_DIR"
        CLV_PG_TMP_DIR=$(mktemp -d /tmp/clv-pg.XXXXXX)
    fi
    clv_pg_own_dir "$CLV_PG_TMP_DIR"
    if ! clv_pg initdb -D "$CLV_PG_TMP_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$CLV_PG_TMP_DIR/initdb.log" 2>&1; then
        cat "$CLV_PG_TMP_DIR/initdb.log" >&2
        return 1
    fi
    cat >>"$CLV_PG_TMP_DIR/data/postgresql.conf" <<'CONF'
# Throwaway cluster (scripts/lib/pg.sh): speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_connections = 200
shared_buffers = 256MB
max_wal_size = 2GB
CONF
    # More settings, e.g. for profiling a benchmark: CLV_PG_EXTRA_CONF="shared_preload_libraries = 'pg_stat_statements'".
    [ -z "${CLV_PG_EXTRA_CONF:-}" ] || printf '%s\n' "$CLV_PG_EXTRA_CONF" >>"$CLV_PG_TMP_DIR/data/postgresql.conf"
    for attempt in 1 2 3 4 5; do
        CLV_PG_TMP_PORT=$(clv_free_port) || return 1
        clv_pg_start "$CLV_PG_TMP_DIR/data" "$CLV_PG_TMP_PORT" "$CLV_PG_TMP_DIR/server.log" && return 0
        # Another process may have taken the port between the check and the bind: try another.
        grep -q 'could not bind\|Address already in use' "$CLV_PG_TMP_DIR/server.log" || return 1
        clv_log "port $CLV_PG_TMP_PORT was taken (try $attempt); trying another"
    done
    return 1
}

clv_pg_throwaway_stop() {
    [ -n "$CLV_PG_TMP_DIR" ] && [ -d "$CLV_PG_TMP_DIR" ] || return 0
    clv_pg_stop "$CLV_PG_TMP_DIR/data" immediate
    rm -rf "$CLV_PG_TMP_DIR"
    CLV_PG_TMP_DIR=
}

# A connection string (Npgsql) for database DB on the throwaway cluster.
clv_pg_throwaway_connection() {
    printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=%s' "$CLV_PG_TMP_PORT" "${1:-postgres}"
}
