#!/usr/bin/env bash
# Prediction intervals, acceptance by simulation (issue 14, section 4): 200 cohorts of 4,000 customers drawn
# from known BG/NBD and Gamma-Gamma parameters, each fitted and bootstrapped with 200 draws; the 90% intervals
# must hold each true parameter, and the customer equity the true parameters give, in 90% ± 5 points of them.
# The suite runs the same test on 40 cohorts (PredictionIntervalCoverageTests); this is the full count, which
# takes several minutes on two cores. Pure computation: no database, nothing listens.
#
# Usage: bench/intervals/run.sh            CLV_COVERAGE_DATA_SETS overrides the 200 cohorts
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CLV_COVERAGE_DATA_SETS=${CLV_COVERAGE_DATA_SETS:-200}
dotnet test "$root/tests/Clv.Analytics.Tests" -c Release \
    --filter "FullyQualifiedName~PredictionIntervalCoverageTests" \
    --logger "console;verbosity=detailed" 2>&1 | grep -E "data sets|^ +[a-z]+: [0-9]+/|Passed!|Failed!|Actual"
