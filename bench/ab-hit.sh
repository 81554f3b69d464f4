#!/usr/bin/env bash
# ab-hit.sh: the proxy's hit path (1 KB bodies unless SIZE says otherwise) of two builds, A (a git commit, default: main's first parent) and
# B (the working tree), interleaved in one run: wrk -t1 -c32 against each in turn, REPEAT times, with the
# server's CPU time per request read from /proc. Loopback only; bounded by REPEAT x DUR.
#
# Usage: bench/ab-hit.sh [COMMIT_A]          (needs wrk: apt-get install wrk; node for the origin)
# Knobs (env): DUR (s per run, 6), REPEAT (5), CONNS (32), PORT_BASE (18180), OUT (/tmp/edgecache-ab),
#   SIZE (body bytes, 1024), STORE (memory; tiered and disk get a data directory under $OUT),
#   STORE_A / STORE_B (each build's store, default $STORE: one build against two stores with A=HEAD),
#   ENV_A / ENV_B (NAME=VALUE settings for that build's server only, space-separated, e.g.
#   ENV_B="EDGECACHE__MEMORYFILETHRESHOLD=64KB": one build against another setting with A=HEAD),
#   SKIP_PUBLISH=1 (reuse $OUT/a and $OUT/b), RESTART=1 (start each server afresh for each of its runs, with WARM
#   seconds of wrk first, default 10: so that a difference cannot come from one server process's state for its
#   lifetime, its thread pool or its JIT, rather than from its build; docs/performance.md, session 11).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
A="${1:-HEAD~1}"
DUR="${DUR:-6}" REPEAT="${REPEAT:-5}" CONNS="${CONNS:-32}" PORT_BASE="${PORT_BASE:-18180}" OUT="${OUT:-/tmp/edgecache-ab}"
SIZE="${SIZE:-1024}" STORE="${STORE:-memory}"
declare -A STORES=([a]="${STORE_A:-$STORE}" [b]="${STORE_B:-$STORE}") ENVS=([a]="${ENV_A:-}" [b]="${ENV_B:-}")
command -v wrk >/dev/null || { echo "ab-hit.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }
mkdir -p "$OUT"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  rm -rf "$OUT/src-a" && git -C "$ROOT" worktree add -f --detach "$OUT/src-a" "$A" >/dev/null
  dotnet publish "$OUT/src-a/src/EdgeCache.Server" -c Release -o "$OUT/a" >/dev/null
  git -C "$ROOT" worktree remove --force "$OUT/src-a"
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT/b" >/dev/null
fi

ORIGIN_PORT=$PORT_BASE
node -e "
const body = 'x'.repeat($SIZE);
require('http').createServer((q, s) => { s.writeHead(200, {'Content-Type': 'text/plain', 'Cache-Control': 'public, max-age=86400', 'Content-Length': body.length}); s.end(body); })
  .listen($ORIGIN_PORT, '127.0.0.1');" &
declare -A PID PORT
PORT[a]=$((PORT_BASE + 1)); PORT[b]=$((PORT_BASE + 2))
RESTART="${RESTART:-0}" WARM="${WARM:-10}"
start() {
  local t=$1 data=()
  if [ "${STORES[$t]}" != memory ]; then rm -rf "$OUT/data-$t"; data=(--data-dir "$OUT/data-$t"); fi
  # shellcheck disable=SC2086 # ENV_A / ENV_B are lists of NAME=VALUE words
  env ${ENVS[$t]} dotnet "$OUT/$t/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:${PORT[$t]}" --store "${STORES[$t]}" "${data[@]}" --admin-listen none >>"$OUT/$t.log" 2>&1 &
  PID[$t]=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:${PORT[$t]}/1k" >/dev/null && break; sleep 0.1; done
}
warm() { wrk -t1 -c"$CONNS" -d"$2s" "http://127.0.0.1:${PORT[$1]}/1k" >/dev/null; }   # warm-up (JIT)
stop() { kill "${PID[$1]}" 2>/dev/null || true; wait "${PID[$1]}" 2>/dev/null || true; }
: >"$OUT/a.log"; : >"$OUT/b.log"
if [ "$RESTART" != 1 ]; then
  for t in a b; do start "$t"; done
  for t in a b; do warm "$t" 2; done
fi
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, clock ticks
TICK=$(getconf CLK_TCK)
printf "run\tbuild\treq/s\tcpu_us_per_req\tp99_ms\n" | tee "$OUT/results.tsv"
for r in $(seq "$REPEAT"); do
  for t in a b; do
    if [ "$RESTART" = 1 ]; then start "$t"; warm "$t" "$WARM"; fi
    before=$(cpu "${PID[$t]}")
    res=$(wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:${PORT[$t]}/1k")
    after=$(cpu "${PID[$t]}")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
    reqs=$(awk '/requests in/ {print $1}' <<<"$res")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$res")
    us=$(awk -v d=$((after - before)) -v n="$reqs" -v k="$TICK" 'BEGIN {printf "%.1f", d / k * 1e6 / n}')
    printf "%s\t%s\t%s\t%s\t%s\n" "$r" "$t" "$rps" "$us" "$p99" | tee -a "$OUT/results.tsv"
    if [ "$RESTART" = 1 ]; then stop "$t"; fi
  done
done
python3 - "$OUT/results.tsv" "$A" "SIZE=$SIZE STORE A=${STORES[a]} B=${STORES[b]} ENV A=${ENVS[a]:-none} B=${ENVS[b]:-none} CONNS=$CONNS RESTART=$RESTART, load average $(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
m = lambda t, i: statistics.median(float(r[i]) for r in rows if r[1] == t)
print(f"\nA = {sys.argv[2]}, B = working tree; medians of {len(rows)//2} interleaved runs; {sys.argv[3]}")
print("| build | req/s | CPU us/req | p99 ms |\n|---|---:|---:|---:|")
for t in "ab":
    print(f"| {t.upper()} | {m(t,2):.0f} | {m(t,3):.1f} | {m(t,4):.2f} |")
print(f"| B / A | {m('b',2)/m('a',2):.2f} | {m('b',3)/m('a',3):.2f} | {m('b',4)/m('a',4):.2f} |")
PY
