#!/usr/bin/env bash
# The ingest benchmark (bench/ingest/run.sh) N times in a row, each on a cluster of its own, and the
# median of its ratios (API import rows/s over psql \copy rows/s). One run's ratio moves by a tenth
# between runs on these machines, as much as the goal's margin; the median of five is what
# docs/benchmarks.md compares with the goal (0.5).
#
# Usage: bench/ingest/pairs.sh [N] [CDNOW_master.txt]     N defaults to 5
#   Every variable of run.sh applies (CLV_BENCH_COPIES, CLV_INGEST_WARM_UPS, CDNOW_MASTER).
#   Each run's output goes to bench/out/ingest-run-K.txt.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
. "$root/scripts/lib/common.sh"

runs=${1:-5}
shift || true
[[ $runs =~ ^[1-9][0-9]*$ ]] || clv_die "N must be a positive whole number, not '$runs' (usage: $0 [N] [CDNOW_master.txt])"
out=$root/bench/out
mkdir -p "$out"

summary=$out/ingest-runs.txt
: >"$summary"
for k in $(seq 1 "$runs"); do
    clv_log "run $k of $runs"
    log=$out/ingest-run-$k.txt
    "$root/bench/ingest/run.sh" "$@" >"$log" 2>&1 || { tail -n 20 "$log" >&2; clv_die "run $k failed (bench/out/ingest-run-$k.txt)"; }
    import=$(sed -n 's/^  API import: *\([0-9.]*\) s.*/\1/p' "$log")
    raw=$(sed -n 's/^  psql \\copy: *\([0-9.]*\) s.*/\1/p' "$log")
    ratio=$(sed -n 's/^  ratio api\/raw (rows\/s): \([0-9.]*\)$/\1/p' "$log")
    [ -n "$import" ] && [ -n "$raw" ] && [ -n "$ratio" ] || clv_die "run $k printed no ratio (bench/out/ingest-run-$k.txt)"
    printf '%s %s %s %s\n' "$k" "$import" "$raw" "$ratio" | tee -a "$summary" >&2
done

echo
echo "Ingest, $runs runs (bench/out/ingest-run-K.txt):"
printf '| run | API import s | psql \\copy s | ratio |\n| --- | --- | --- | --- |\n'
awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$summary"
sort -n -k4 "$summary" | awk '{ r[NR] = $4 } END {
    m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "median ratio %.2f (range %.2f-%.2f; goal 0.5 or more)\n", m, r[1], r[NR]
}'
