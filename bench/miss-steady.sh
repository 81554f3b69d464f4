#!/usr/bin/env bash
# miss-steady.sh: the miss path (every request a new key, fetched from the origin and stored) after a
# warm-up, for EdgeCache, nginx proxy_cache and the bare Kestrel app's plain HttpClient fetch.
#
# The shared anchors script measures misses in one short case that no target has warmed up for; a .NET
# server spends that case partly compiling its miss path (tier-0 code, then tier-1 with dynamic PGO).
# This script warms every target's miss path first (WARM seconds of misses), then measures DUR seconds,
# ROUNDS times, the targets interleaved, and prints the medians and EdgeCache's ratios.
#
# It reuses what bench/load.sh (the anchors script) left in its WORK directory: the nginx configurations
# (origin and proxy_cache) and the ceiling app's build. Run bench/load.sh first.
#
# Usage:
#   bench/miss-steady.sh                 # WARM=20 DUR=8 ROUNDS=3, about 4 minutes
# Knobs (env): WORK (default /tmp/edgecache-load-run), OUT (EdgeCache publish dir, default
#   /tmp/edgecache-load), WARM, DUR, ROUNDS, CONNS (default 32), EDGE_PORT (default 38390), CEIL_PORT (38391).
set -euo pipefail
WORK="${WORK:-/tmp/edgecache-load-run}"
OUT="${OUT:-/tmp/edgecache-load}"
WARM="${WARM:-20}"
DUR="${DUR:-8}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
EDGE_PORT="${EDGE_PORT:-38390}"
CEIL_PORT="${CEIL_PORT:-38391}"

for f in "$WORK/conf/origin.conf" "$WORK/conf/nginx-cache.conf" "$WORK/build/ceiling/Ceiling.dll" "$OUT/EdgeCache.Server.dll"; do
  [ -f "$f" ] || { echo "missing $f: run bench/load.sh first (or set WORK / OUT)" >&2; exit 2; }
done
ORIGIN_PORT=$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/conf/origin.conf" | head -1)
NGINX_PORT=$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/conf/nginx-cache.conf" | head -1)
ORIGIN="http://127.0.0.1:$ORIGIN_PORT"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

nginx -c "$WORK/conf/origin.conf" -g 'daemon off;' & PIDS+=($!)
nginx -c "$WORK/conf/nginx-cache.conf" -g 'daemon off;' & PIDS+=($!)
PORT=$CEIL_PORT ORIGIN=$ORIGIN dotnet "$WORK/build/ceiling/Ceiling.dll" >/dev/null 2>&1 & PIDS+=($!)
dotnet "$OUT/EdgeCache.Server.dll" --origin "$ORIGIN" --listen "http://127.0.0.1:$EDGE_PORT" --store memory --admin-listen none >/dev/null 2>&1 & PIDS+=($!)

declare -A URL=(
  [edgecache]="http://127.0.0.1:$EDGE_PORT/1k.bin"
  [nginx]="http://127.0.0.1:$NGINX_PORT/1k.bin"
  [ceiling]="http://127.0.0.1:$CEIL_PORT/fetch/1k.bin"
)
TARGETS=(edgecache nginx ceiling)
for t in "${TARGETS[@]}"; do
  for _ in $(seq 100); do curl -fsS -o /dev/null --max-time 2 "${URL[$t]}" 2>/dev/null && break; sleep 0.2; done
done

LUA="$WORK/miss-steady.lua"
cat >"$LUA" <<'LUA'
local n = 0
local tag = nil
request = function()
  if tag == nil then tag = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000)) end
  n = n + 1
  return wrk.format("GET", wrk.path .. "?s=" .. tag .. "-" .. n)
end
LUA

for t in "${TARGETS[@]}"; do
  echo "warming $t for ${WARM}s" >&2
  timeout $((WARM + 20)) wrk -t1 -c"$CONNS" -d"${WARM}s" -s "$LUA" "${URL[$t]}" >/dev/null 2>&1
done

RESULTS="$WORK/miss-steady.tsv"; : >"$RESULTS"
for r in $(seq "$ROUNDS"); do
  # rotate the order each round
  order=("${TARGETS[@]:$(( (r - 1) % 3 ))}" "${TARGETS[@]:0:$(( (r - 1) % 3 ))}")
  for t in "${order[@]}"; do
    out=$(timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s "$LUA" "${URL[$t]}" 2>&1)
    rps=$(echo "$out" | awk '/^Requests\/sec:/{printf "%.0f", $2}')
    p99=$(echo "$out" | awk '/^ +99%/{print $2}')
    errs=$(echo "$out" | awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}')
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$rps" "$p99" "$errs" | tee -a "$RESULTS" >&2
  done
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for r, t, rps, p99, errs in rows:
    by.setdefault(t, []).append(float(rps))
med = {t: statistics.median(v) for t, v in by.items()}
print("\n## Misses after warm-up (median of rounds, req/s)\n")
print("| target | req/s (median) | rounds |")
print("|---|---:|---|")
for t in ("edgecache", "nginx", "ceiling"):
    print(f"| {t} | {med[t]:.0f} | {', '.join(f'{x:.0f}' for x in by[t])} |")
print(f"\nedgecache / nginx: {med['edgecache'] / med['nginx']:.2f} (goal >= 1.5); edgecache / ceiling (plain HttpClient fetch): {med['edgecache'] / med['ceiling']:.2f}")
PY
