# shellcheck shell=bash
# Helpers shared by the benchmarks in bench/: timing, memory sampling and starting the API.
# Source after common.sh and pg.sh.

# Seconds between two $EPOCHREALTIME readings, and rows per second.
clv_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
clv_per_second() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
clv_mb() { awk -v kb="$1" 'BEGIN { printf "%.0f MB", kb / 1024 }'; }

# The VmRSS of PID with its parts: anonymous memory (the managed heaps, native allocations, thread
# stacks) and files mapped (the runtime's and the API's code, ICU), as /proc/PID/status splits it.
clv_rss_parts() {
    awk '/^VmRSS:/ { t = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } /^RssShmem:/ { m = $2 }
        END { printf "%.0f MB (anonymous %.0f MB, files %.0f MB, shared %.0f MB)", t / 1024, a / 1024, f / 1024, m / 1024 }' "/proc/$1/status"
}

# Sets CLV_RSS_KB to the VmRSS (kB) of PID; fails once PID is gone. The samplers below run beside
# what they measure, so they read /proc with builtins: an awk per sample cost the measured import
# a process start five times a second.
clv_read_rss() {
    local key value _
    CLV_RSS_KB=
    while read -r key value _; do
        if [ "$key" = VmRSS: ]; then
            CLV_RSS_KB=$value
            return 0
        fi
    done 2>/dev/null <"/proc/$1/status" || return 1
    return 1
}

# Writes the highest VmRSS (kB) of PID to FILE every 0.2 s, until PID exits or this is killed.
clv_sample_peak_rss() {
    local pid=$1 file=$2 peak=0
    while clv_read_rss "$pid"; do
        if [ "$CLV_RSS_KB" -gt "$peak" ]; then
            peak=$CLV_RSS_KB
            printf '%s\n' "$peak" >"$file"
        fi
        sleep 0.2
    done
}

# Writes "write-seconds read-seconds" to FILE once this is killed (TERM) or the cluster stops: the
# age of the oldest transaction open on DATABASE of the throwaway cluster that has written (holds a
# transaction id), and of the oldest that has only read (a background ranking's snapshot, say),
# the most of each seen, checked every second. What bounds a long import's units of work (each
# chunk commits on its own) shows in the first. One psql session asks every second (\watch), so
# the check starts no process and no backend while the benchmark runs.
clv_sample_longest_transactions() {
    local database=$1 file=$2 psql_pid
    printf '0 0\n' >"$file"
    printf '%s\n' "select coalesce(max(extract(epoch from clock_timestamp() - xact_start)) filter (where backend_xid is not null), 0)::numeric(10, 1),
            coalesce(max(extract(epoch from clock_timestamp() - xact_start)) filter (where backend_xid is null), 0)::numeric(10, 1)
        from pg_stat_activity where datname = '$database' and backend_type = 'client backend'" '\watch 1' |
        psql -h 127.0.0.1 -p "$CLV_PG_TMP_PORT" -U postgres -X -qtA -F ' ' -d postgres >"$file.samples" 2>/dev/null &
    psql_pid=$!
    trap 'kill "$psql_pid" 2>/dev/null; clv_most_of_samples "$file"; exit 0' TERM
    wait "$psql_pid" || true
    clv_most_of_samples "$file"
}

# The most of each column of FILE.samples ("write read" lines), written to FILE.
clv_most_of_samples() {
    awk 'NF == 2 { if ($1 > w) w = $1; if ($2 > r) r = $2 } END { printf "%s %s\n", w + 0, r + 0 }' "$1.samples" >"$1" 2>/dev/null || true
    rm -f "$1.samples"
}

# Appends "seconds VmRSS-kB" of PID to FILE every INTERVAL seconds, until PID exits or this is killed.
clv_sample_rss_series() {
    local pid=$1 file=$2 interval=$3 start=$SECONDS
    while clv_read_rss "$pid"; do
        printf '%s %s\n' "$((SECONDS - start))" "$CLV_RSS_KB" >>"$file"
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

# The CDNOW master file's path: ARG when given, else CDNOW_MASTER, else shared/data/cdnow beside
# the repository (or under /work/shared); dies when there is none.
clv_cdnow_master() {
    local master=${1:-${CDNOW_MASTER:-$CLV_ROOT/../shared/data/cdnow/CDNOW_master.txt}}
    [ -f "$master" ] || master=/work/shared/data/cdnow/CDNOW_master.txt
    [ -f "$master" ] || clv_die "CDNOW master file not found: $master (pass it as an argument or CDNOW_MASTER)"
    readlink -f "$master"
}

# A CRM posting 10 purchases of random customers c1-00001 .. c1-CUSTOMERS (CDNOW's first copy)
# every 250 ms until killed, appending each batch's HTTP status and seconds to OUT. Run it in the
# background against CLV_API_URL and CLV_API_KEY. It builds each batch with bash's builtins, so
# that it forks curl alone: with a date and a printf forked per transaction, it took a third of a
# core itself, from the two the API and PostgreSQL share.
clv_bench_writer() {
    local out=$1 customers=$2 n=0 body sep i customer now
    while :; do
        n=$((n + 1))
        TZ=UTC printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
        body='{"transactions":['
        sep=
        for i in 0 1 2 3 4 5 6 7 8 9; do
            printf -v customer 'c1-%05d' $((RANDOM % customers + 1))
            body+="$sep{\"externalId\":\"live-$BASHPID-$n-$i\",\"customerExternalId\":\"$customer\",\"occurredAt\":\"$now\",\"type\":\"purchase\",\"amount\":12.5,\"currency\":\"USD\"}"
            sep=,
        done
        body+=']}'
        curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' -H "X-Api-Key: $CLV_API_KEY" \
            --data-binary "$body" "$CLV_API_URL/api/v1/transactions" >>"$out" || true
        sleep 0.25
    done
}

# The batches clv_bench_writer wrote to OUT: how many, p50 / p95 / max seconds in ms, and how many failed.
clv_bench_writes_summary() {
    sort -k2 -n "$1" | awk '{ t[NR] = $2 * 1000; if ($1 !~ /^2/) bad++ } END { printf "Writes: %d batches of 10, p50 %.0f ms, p95 %.0f ms, max %.0f ms, non-2xx %d\n", NR, t[int(NR * 0.5 + 0.5)], t[int(NR * 0.95 + 0.5)], t[NR], bad + 0 }'
}
