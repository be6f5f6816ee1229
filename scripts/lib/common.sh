# shellcheck shell=bash
# Small helpers shared by scripts/*.sh and bench/*: messages, secrets, processes, HTTP waits.
# Source it; it defines functions only and changes no shell options.

clv_log() { printf '==> %s\n' "$*" >&2; }

clv_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

clv_is_root() { [ "$(id -u)" -eq 0 ]; }

# 32 random bytes as 43 base64url characters: safe inside a connection string or a header.
clv_random_token() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# Prints the secret kept in FILE, creating it (mode 600) with PREFIX + a random token the first time.
clv_secret_file() {
    local file=$1 prefix=${2:-}
    if [ ! -s "$file" ]; then
        (umask 077 && printf '%s%s\n' "$prefix" "$(clv_random_token)" >"$file")
    fi
    chmod 600 "$file"
    head -n 1 "$file"
}

clv_is_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Sends TERM to PID (a child of this shell), waits up to TIMEOUT seconds, then KILLs it.
clv_stop_child() {
    local pid=$1 timeout=${2:-20} waited=0
    clv_is_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    while clv_is_alive "$pid" && [ "$waited" -lt $((timeout * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if clv_is_alive "$pid"; then
        clv_log "process $pid ignored TERM for ${timeout}s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Polls URL until it answers 200. Fails after TIMEOUT seconds, or at once if PID (optional) exits.
clv_wait_http_ok() {
    local url=$1 timeout=$2 pid=${3:-} deadline=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ -n "$pid" ] && ! clv_is_alive "$pid"; then
            clv_log "process $pid exited before $url answered"
            return 1
        fi
        if curl -fsS -o /dev/null --max-time 5 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.5
    done
    clv_log "$url did not answer 200 within ${timeout}s"
    return 1
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
clv_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a loopback port in 20000-29999 that nothing listens on right now. The range lies below
# Linux's ephemeral ports (32768-60999), which the machine's own outgoing connections (wrk's, the
# API's to PostgreSQL) take as their local ports: a port there could be busy without a listener.
clv_free_port() {
    local port attempt
    for attempt in $(seq 1 50); do
        port=$((20000 + RANDOM % 10000))
        if ! clv_port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    clv_log "no free loopback port found after $attempt tries"
    return 1
}

# Builds the API of the checkout ROOT (Release) as scripts/run.sh and the benchmarks start it, and
# prints the path of its Clv.Api.dll. Published ReadyToRun for this machine's runtime: its code and
# its packages' are compiled ahead of time, so a freshly started process spends its first requests
# answering rather than compiling (docs/benchmarks.md, "ReadyToRun"). CLV_API_READYTORUN=0 builds it
# with `dotnet build` instead, compiled at first call.
clv_api_build() {
    local root=$1 out
    if [ "${CLV_API_READYTORUN:-1}" = 0 ]; then
        clv_log "Building $root/src/Clv.Api (Release)"
        dotnet build "$root/src/Clv.Api" -c Release -nologo -v quiet >&2
        printf '%s\n' "$root/src/Clv.Api/bin/Release/net10.0/Clv.Api.dll"
        return
    fi
    out=$root/src/Clv.Api/bin/Release/net10.0/readytorun
    clv_log "Publishing $root/src/Clv.Api (Release, ReadyToRun)"
    dotnet publish "$root/src/Clv.Api" -c Release --use-current-runtime --self-contained false \
        -p:PublishReadyToRun=true -o "$out" -nologo -v quiet >&2
    printf '%s\n' "$out/Clv.Api.dll"
}
