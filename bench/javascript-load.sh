#!/usr/bin/env bash
# javascript-load.sh: the reference example through `--worker` (the JavaScript file on Jint), against the same
# example in C# (`--handler example`) and under Cloudflare's workerd (npm miniflare, as ../shared/bench/anchors.sh
# runs it), interleaved in one run so that every target sees the same machine load; with wrk.
#
# Starts the conformance origin (../shared/conformance/origin.js, Node.js 20+) on 127.0.0.1:$ORIGIN_PORT,
# publishes src/EdgeCache.Server in Release (SKIP_PUBLISH=1 reuses $OUT), installs miniflare from the pinned
# tests/EdgeCache.JavaScript.Tests/Differential/package-lock.json (npm ci, once, into $WORK), then runs REPEAT
# rounds of: for each case (hit: one path, every request after the first a hit; miss: a unique query per
# request, so every request goes to the origin and into the cache), for each target: start it, warm WARM s,
# measure DUR s. Prints req/s, p50/p99, the server's CPU time per request (utime + stime of the server and its
# child processes, from /proc: workerd runs as miniflare's child) and RSS, and the load average at the end of
# each measurement. Allocation per request: `dotnet run -c Release --project bench/EdgeCache.Benchmarks --
# js-cpu example-hit` (in process). Results: docs/javascript-workers.md ("Performance").
# WARM is long on purpose: with 3 s the worker was still being tiered up by the JIT during the measurement (the
# ".NET Tiered Compilation" thread alone used ~140 us of CPU per request; Jint has many hot methods), which
# made the worker look two to three times slower than at steady state. On misses 15 s was not enough either (at
# ~1,000 req/s the JIT still compiled 760, 593, 107 methods per 3 s after 15-24 s: dotnet-counters
# dotnet.jit.compiled_methods), so WARM is 30 s.
# ALLOC=1 (default) ends with the in-process allocation per request of a hit (js-cpu, example-hit).
# Knobs (env): DUR (8), WARM (30), CONNS (16), THREADS (2), REPEAT (2), CASES ("hit miss"), ALLOC (1),
#   TARGETS ("worker csharp miniflare"), ORIGIN_PORT (18101; the origin takes 18000-18999 only), PORT (18200), OUT, WORK,
#   WORKERS (1: EdgeCache:WorkerEngines; BASE_WORKERS for `base`).
# A/B of two builds: BASE_OUT=dir (a `dotnet publish` of the other build) and target `base` in TARGETS runs the
# worker from there, interleaved with `worker` from $OUT. BASE_ENV="NAME=value ..." is the environment of `base` and
# of `csharp-base` (the C# handler from BASE_OUT), to A/B a runtime setting.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
OUT="${OUT:-/tmp/edgecache-js-load}"
WORK="${WORK:-/tmp/edgecache-js-load-work}"
DUR="${DUR:-8}" WARM="${WARM:-30}" CONNS="${CONNS:-16}" THREADS="${THREADS:-2}" REPEAT="${REPEAT:-2}"
CASES="${CASES:-hit miss}" TARGETS="${TARGETS:-worker csharp miniflare}"
ORIGIN_PORT="${ORIGIN_PORT:-18101}" PORT="${PORT:-18200}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
command -v node >/dev/null || { echo "node (Node.js 20+) is needed for the origin and miniflare" >&2; exit 2; }
mkdir -p "$WORK"

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT" >&2
fi

case " $TARGETS " in *" miniflare "*)
  if [ ! -d "$WORK/mf/node_modules/miniflare" ]; then
    mkdir -p "$WORK/mf"
    cp "$ROOT/tests/EdgeCache.JavaScript.Tests/Differential/package.json" "$ROOT/tests/EdgeCache.JavaScript.Tests/Differential/package-lock.json" "$WORK/mf/"
    (cd "$WORK/mf" && npm ci --no-audit --no-fund >&2)
  fi
  cp "$SHARED/bench/workerd/run-miniflare.mjs" "$WORK/mf/run-miniflare.mjs" ;;
esac

# wrk: a unique query on every request (the miss case); each thread seeds its own generator.
cat >"$WORK/miss.lua" <<'LUA'
local counter = 0
function setup(thread) thread:set("id", tostring(math.random(1, 1e9))) end
function request()
  counter = counter + 1
  return wrk.format("GET", "/miss?u=" .. id .. "-" .. counter)
end
LUA

node "$SHARED/conformance/origin.js" --port "$ORIGIN_PORT" >/dev/null 2>&1 &
ORIGIN_PID=$!
trap 'kill $ORIGIN_PID 2>/dev/null || true' EXIT
sleep 1

# utime + stime (clock ticks) of a process and all its descendants.
tree_cpu() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" 2>/dev/null || true); do
    [ -r "/proc/$pid/stat" ] || continue
    if [ "$pid" != "$1" ]; then total=$((total + $(tree_cpu "$pid"))); continue; fi
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
tree_rss_kb() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" 2>/dev/null || true); do
    [ -r "/proc/$pid/status" ] || continue
    if [ "$pid" != "$1" ]; then total=$((total + $(tree_rss_kb "$pid"))); continue; fi
    total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status")))
  done
  echo "$total"
}

start() {
  case "$1" in
    worker) EDGECACHE__WORKERENGINES="${WORKERS:-1}" dotnet "$OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$PORT" \
              --store memory --admin-listen none --worker "$SHARED/reference/cache-api-example.js" >/dev/null 2>&1 & ;;
    base) env ${BASE_ENV:-} EDGECACHE__WORKERENGINES="${BASE_WORKERS:-${WORKERS:-1}}" dotnet "$BASE_OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$PORT" \
              --store memory --admin-listen none --worker "$SHARED/reference/cache-api-example.js" >/dev/null 2>&1 & ;;
    csharp-base) env ${BASE_ENV:-} dotnet "$BASE_OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$PORT" \
              --store memory --admin-listen none --handler example >/dev/null 2>&1 & ;;
    csharp) dotnet "$OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$PORT" \
              --store memory --admin-listen none --handler example >/dev/null 2>&1 & ;;
    miniflare) (cd "$WORK/mf" && PORT=$PORT ORIGIN="http://127.0.0.1:$ORIGIN_PORT" WORKER="$SHARED/reference/cache-api-example.js" \
              exec node run-miniflare.mjs >/dev/null 2>&1) & ;;
  esac
  echo $!
}

printf '%-6s %-10s %10s %9s %9s %12s %9s %s\n' case target req/s p50 p99 cpu_us/req RSS_MB load
TICK=$(getconf CLK_TCK)
for _ in $(seq 1 "$REPEAT"); do
  for case_ in $CASES; do
    for target in $TARGETS; do
      pid=$(start "$target")
      for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/hit" && break; sleep 0.5; done
      if [ "$case_" = hit ]; then args=("http://127.0.0.1:$PORT/hit"); else args=(-s "$WORK/miss.lua" "http://127.0.0.1:$PORT/"); fi
      wrk -t"$THREADS" -c"$CONNS" -d"${WARM}s" "${args[@]}" >/dev/null 2>&1
      before=$(tree_cpu "$pid")
      result=$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency "${args[@]}" 2>&1)
      after=$(tree_cpu "$pid")
      requests=$(awk '/requests in/ {print $1}' <<<"$result")
      printf '%-6s %-10s %10s %9s %9s %12s %9s %s\n' "$case_" "$target" \
        "$(awk '/Requests\/sec/ {print $2}' <<<"$result")" \
        "$(awk '$1 == "50%" {print $2}' <<<"$result")" "$(awk '$1 == "99%" {print $2}' <<<"$result")" \
        "$(awk -v d=$((after - before)) -v n="$requests" -v t="$TICK" 'BEGIN {printf "%.0f", d / t * 1e6 / n}')" \
        "$(( $(tree_rss_kb "$pid") / 1024 ))" "$(cut -d' ' -f1 /proc/loadavg)"
      pkill -P "$pid" 2>/dev/null || true
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      sleep 1
    done
  done
done

if [ "${ALLOC:-1}" = 1 ]; then
  echo "# allocation per request in process (js-cpu: the reference example's hit, and a one-line worker):"
  dotnet run -c Release --project "$ROOT/bench/EdgeCache.Benchmarks" -- js-cpu example-hit 10000 | tail -1
  dotnet run -c Release --project "$ROOT/bench/EdgeCache.Benchmarks" -- js-cpu trivial 10000 | tail -1
fi
