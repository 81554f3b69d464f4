#!/usr/bin/env bash
# javascript-load.sh: the reference example's hit path through `--worker` (the JavaScript file on Jint)
# against the same example in C# (`--handler example`), interleaved in one run, with wrk.
#
# Starts the conformance origin (../shared/conformance/origin.js, Node.js 20+) on 127.0.0.1:$ORIGIN_PORT,
# publishes src/EdgeCache.Server in Release (SKIP_PUBLISH=1 reuses $OUT), then runs, REPEAT times in
# turn: edgecache --worker ../shared/reference/cache-api-example.js, and edgecache --handler example,
# each warmed for WARM s and measured for DUR s on one path (every request after the first is a hit).
# Prints req/s, p50/p99 and RSS per run. Results: docs/javascript-workers.md ("Performance").
# Knobs (env): DUR (8), WARM (3), CONNS (16), THREADS (2), REPEAT (2), ORIGIN_PORT (18101), PORT (18200), OUT.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
OUT="${OUT:-/tmp/edgecache-js-load}"
DUR="${DUR:-8}" WARM="${WARM:-3}" CONNS="${CONNS:-16}" THREADS="${THREADS:-2}" REPEAT="${REPEAT:-2}"
ORIGIN_PORT="${ORIGIN_PORT:-18101}" PORT="${PORT:-18200}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
command -v node >/dev/null || { echo "node (Node.js 20+) is needed for the origin" >&2; exit 2; }

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT" >&2
fi

node "$SHARED/conformance/origin.js" --port "$ORIGIN_PORT" >/dev/null 2>&1 &
ORIGIN_PID=$!
trap 'kill $ORIGIN_PID 2>/dev/null || true' EXIT
sleep 1

run() {
  local name=$1; shift
  dotnet "$OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$PORT" \
    --store memory --admin-listen none "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/hit" && break; sleep 0.5; done
  wrk -t"$THREADS" -c"$CONNS" -d"${WARM}s" "http://127.0.0.1:$PORT/hit" >/dev/null 2>&1
  local result
  result=$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:$PORT/hit" 2>&1)
  printf '%-8s %10s req/s  p50 %-9s p99 %-9s RSS %s KB\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$result")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$result")" "$(awk '$1 == "99%" {print $2}' <<<"$result")" \
    "$(ps -o rss= -p "$pid" | tr -d ' ')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for _ in $(seq 1 "$REPEAT"); do
  run worker --worker "$SHARED/reference/cache-api-example.js"
  run csharp --handler example
done
