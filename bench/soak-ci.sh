#!/usr/bin/env bash
# soak-ci.sh: the 60-second soak (bench/soak.sh --minutes 1) for .ci/run. Fails on any lost, corrupt or truncated
# response, purged content served beyond the promise (docs/reliability.md), RSS or disk over budget, or a fault that
# did not run; prints the summary. FAIL_ON_LATE_PURGE=false makes late purges a figure only.
# Bounded: the soak itself is killed after 8 minutes (publish included).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$(mktemp -d /tmp/edgecache-soak-ci.XXXXXX)}"
export OUT CONCURRENCY="${CONCURRENCY:-8}"
timeout -k 20 480 bash "$ROOT/bench/soak.sh" --minutes "${SOAK_MINUTES:-1}"
status=$?
[ $status -eq 124 ] && echo "soak: timed out"
exit $status
