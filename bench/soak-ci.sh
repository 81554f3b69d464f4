#!/usr/bin/env bash
# soak-ci.sh: the 60-second soak (bench/soak.sh --minutes 1) for .ci/run. Fails on any lost, corrupt or truncated
# response, RSS or disk over budget, or a fault that did not run; prints the summary. Purged content served beyond
# the promise is a figure until the full run meets it (FAIL_ON_LATE_PURGE=true makes it fail: docs/reliability.md).
# Bounded: the soak itself is killed after 8 minutes (publish included).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$(mktemp -d /tmp/edgecache-soak-ci.XXXXXX)}"
export OUT CONCURRENCY="${CONCURRENCY:-8}"
timeout -k 20 480 bash "$ROOT/bench/soak.sh" --minutes "${SOAK_MINUTES:-1}"
status=$?
[ $status -eq 124 ] && echo "soak: timed out"
exit $status
