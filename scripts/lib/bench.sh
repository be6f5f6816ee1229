# shellcheck shell=bash
# Helpers shared by the benchmarks in bench/: timing, memory sampling and starting the API.
# Source after common.sh and pg.sh.

# Seconds between two $EPOCHREALTIME readings, and rows per second.
clv_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
clv_per_second() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
clv_mb() { awk -v kb="$1" 'BEGIN { printf "%.0f MB", kb / 1024 }'; }

# Writes the highest VmRSS (kB) of PID to FILE every 0.2 s, until PID exits or this is killed.
clv_sample_peak_rss() {
    local pid=$1 file=$2 peak=0 kb
    while kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [ -n "$kb" ]; do
        if [ "$kb" -gt "$peak" ]; then
            peak=$kb
            printf '%s\n' "$peak" >"$file"
        fi
        sleep 0.2
    done
}

# Writes "write-seconds read-seconds" to FILE, checked every second until this is killed: the age
# of the oldest transaction open on DATABASE of the throwaway cluster that has written (holds a
# transaction id), and of the oldest that has only read (a background ranking's snapshot, say),
# the most of each seen. What bounds a long import's units of work (each chunk commits on its
# own) shows in the first.
clv_sample_longest_transactions() {
    local database=$1 file=$2 writes=0 reads=0 ages w r
    while :; do
        ages=$(psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -qtA -F ' ' -d postgres -c "
            select coalesce(max(extract(epoch from clock_timestamp() - xact_start)) filter (where backend_xid is not null), 0)::numeric(10, 1),
                   coalesce(max(extract(epoch from clock_timestamp() - xact_start)) filter (where backend_xid is null), 0)::numeric(10, 1)
            from pg_stat_activity where datname = '$database' and backend_type = 'client backend'") || ages='0 0'
        read -r w r <<<"$ages"
        writes=$(awk -v a="$w" -v b="$writes" 'BEGIN { print (a > b ? a : b) }')
        reads=$(awk -v a="$r" -v b="$reads" 'BEGIN { print (a > b ? a : b) }')
        printf '%s %s\n' "$writes" "$reads" >"$file"
        sleep 1
    done
}

# Appends "seconds VmRSS-kB" of PID to FILE every INTERVAL seconds, until PID exits or this is killed.
clv_sample_rss_series() {
    local pid=$1 file=$2 interval=$3 start=$SECONDS kb
    while kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [ -n "$kb" ]; do
        printf '%s %s\n' "$((SECONDS - start))" "$kb" >>"$file"
        sleep "$interval"
    done
}

# Writes `copies` copies of CDNOW_master as an import CSV (ids unique per copy) to FILE.
clv_cdnow_csv() {
    local master=$1 copies=$2 file=$3 masters=()
    for _ in $(seq 1 "$copies"); do masters+=("$master"); done
    awk -f "$CLV_ROOT/bench/ingest/cdnow-to-csv.awk" "${masters[@]}" >"$file"
}

# Builds the API as scripts/run.sh does (clv_api_build: ReadyToRun unless CLV_API_READYTORUN=0) and
# starts it on a free loopback port against DATABASE of the throwaway cluster. Sets CLV_API_PID,
# CLV_API_URL and CLV_API_KEY; the log goes to LOG.
# CLV_API_ROOT (default this checkout) runs another checkout's API, a baseline, under this script.
clv_bench_api_start() {
    local database=$1 log=$2 port api_root=${CLV_API_ROOT:-$CLV_ROOT} dll
    dll=$(clv_api_build "$api_root")
    CLV_API_KEY=clv_$(clv_random_token)
    local attempt
    for attempt in 1 2 3 4 5; do
        port=$(clv_free_port) || return 1
        CLV_API_URL=http://127.0.0.1:$port
        ConnectionStrings__Clv=$(clv_pg_throwaway_connection "$database") \
            Database__MigrateOnStartup=true \
            Auth__BootstrapAdminKey=$CLV_API_KEY \
            ASPNETCORE_CONTENTROOT=$api_root/src/Clv.Api \
            dotnet "$dll" --urls "$CLV_API_URL" >"$log" 2>&1 &
        CLV_API_PID=$!
        clv_log "API (pid $CLV_API_PID) on $CLV_API_URL, log in ${log#"$CLV_ROOT"/}; waiting for /health/ready"
        clv_wait_http_ok "$CLV_API_URL/health/ready" 120 "$CLV_API_PID" && return 0
        # Another process may have taken the port between the check and the bind: try another.
        grep -q 'address already in use' "$log" || clv_die "the API did not become ready"
        wait "$CLV_API_PID" 2>/dev/null || true
        clv_log "port $port was taken (try $attempt); trying another"
    done
    clv_die "the API did not become ready"
}
