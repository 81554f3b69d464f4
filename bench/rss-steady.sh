#!/usr/bin/env bash
# rss-steady.sh: EdgeCache's resident memory at steady state against its memory tier's budget (issue 20:
# RSS <= budget + 100 MB), under unique-key misses and then under hits, for each of several runtime
# settings (GC modes and limits) given as environment assignments.
#
# Starts on 127.0.0.1 an nginx origin serving one BODY-byte file with Cache-Control: public, max-age=3600
# for any query string, and, per setting, `edgecache --store $STORE --memory-size $MEMORY_SIZE` in front of it
# (tiered and disk: a fresh data directory under WORK per setting):
#   misses: MISS_DUR s of wrk -c$CONNS where every request is a new key (all misses that get stored, so the
#           tier fills to its budget and then evicts); with MISS_REQS, until that many misses were answered instead
#           (MISS_DUR is then only the cap): on a loaded machine 30 s may not fill the tier, and steady RSS moves
#           with how far past full it got, so a fixed count compares settings that ran at different rates;
#   hits:   HIT_DUR s of wrk -c$CONNS over HOT keys requested once before (all hits).
# VmRSS is sampled every second; the report gives, per phase, the median of the second half of the samples
# ("steady") and the maximum, the steady RssAnon (RSS less the mapped assembly files), the steady thread
# count, the server's CPU µs per request, and req/s. At the end of each phase WORK/logs/<setting>-<phase>.smaps_rollup
# and .smaps_top (the 40 largest mappings by RSS, anonymous ones summed as [anon]) say where the memory is.
#
# Usage (needs nginx and wrk):
#   bench/rss-steady.sh                      # the default settings list, about 1 minute per setting
#   SETTINGS='default=;server=DOTNET_gcServer=1' bench/rss-steady.sh
#   STORE=tiered SETTINGS='default=;r2r=PUBLISH=/tmp/r2r' SKIP_PUBLISH=1 bench/rss-steady.sh
# A setting's PUBLISH=DIR runs the build published in DIR instead of OUT (A/B of two builds in one run);
# every other assignment goes to the server's environment.
# Knobs (env): SETTINGS (name=ENV ENV...;name=...), STORE (memory), BODY (bytes, 10240), MEMORY_SIZE (64MB), MISS_DUR (30), MISS_REQS,
#   HIT_DUR (15), HOT (500), CONNS (32), PORT_BASE (38450), OUT (publish dir, /tmp/edgecache-load),
#   SKIP_PUBLISH=1, WORK (/tmp/edgecache-rss-steady).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BODY="${BODY:-10240}" MEMORY_SIZE="${MEMORY_SIZE:-64MB}" MISS_DUR="${MISS_DUR:-30}" HIT_DUR="${HIT_DUR:-15}"
HOT="${HOT:-500}" CONNS="${CONNS:-32}" MISS_REQS="${MISS_REQS:-0}" PORT_BASE="${PORT_BASE:-38450}" OUT="${OUT:-/tmp/edgecache-load}"
WORK="${WORK:-/tmp/edgecache-rss-steady}" STORE="${STORE:-memory}"
SETTINGS="${SETTINGS:-default=;conserve=DOTNET_GCConserveMemory=5;server=DOTNET_gcServer=1;server-nodatas=DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0;nonconcurrent=DOTNET_gcConcurrent=0}"
ORIGIN_PORT=$PORT_BASE EDGE_PORT=$((PORT_BASE + 1))

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT" >&2
fi

rm -rf "$WORK"; mkdir -p "$WORK/www" "$WORK/tmp" "$WORK/logs"
head -c "$BODY" /dev/urandom >"$WORK/www/body.bin"
cat >"$WORK/origin.conf" <<CONF
worker_processes 1;
error_log $WORK/logs/origin-error.log warn;
pid $WORK/origin.pid;
events { worker_connections 4096; }
http {
  client_body_temp_path $WORK/tmp/body; proxy_temp_path $WORK/tmp/proxy; fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi; scgi_temp_path $WORK/tmp/scgi;
  access_log off;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$ORIGIN_PORT;
    root $WORK/www;
    location / { add_header Cache-Control "public, max-age=3600"; }
  }
}
CONF
# Every request a new key: the thread id keeps wrk's threads apart, a counter the requests.
cat >"$WORK/unique.lua" <<LUA
local n = 0
local id = 0
local answered = 0
setup = function(thread) id = id + 1; thread:set("id", id) end
request = function()
  n = n + 1
  return wrk.format("GET", "/body.bin?u=" .. (id or 0) .. "-" .. n)
end
response = function()
  answered = answered + 1
  if $MISS_REQS > 0 and answered >= $MISS_REQS then wrk.thread:stop() end
end
LUA
cat >"$WORK/hot.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/body.bin?h=" .. (n % $HOT))
end
LUA

EDGE_PID="" SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  [ -n "$EDGE_PID" ] && kill "$EDGE_PID" 2>/dev/null || true
  [ -f "$WORK/origin.pid" ] && kill "$(cat "$WORK/origin.pid")" 2>/dev/null || true
}
trap cleanup EXIT
nginx -c "$WORK/origin.conf" -p "$WORK"

TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$EDGE_PID/stat"; }
# VmRSS and RssAnon (the process's own memory; the rest of RSS is mapped assembly files, shared and reclaimable).
sample() { while kill -0 "$EDGE_PID" 2>/dev/null; do awk '$1 == "VmRSS:" {r = $2} $1 == "RssAnon:" {a = $2} $1 == "Threads:" {t = $2} END {printf "%.0f %.0f %d\n", r / 1024, a / 1024, t}' "/proc/$EDGE_PID/status"; sleep 1; done; }
# phase NAME DURATION SCRIPT -> "steady_rss max_rss steady_anon steady_threads cpu_us_per_req req_per_s"
phase() {
  local samples="$WORK/logs/$1.rss" before after res reqs rps
  sample >"$samples" & SAMPLER=$!
  before=$(cpu)
  res=$(wrk -t1 -c"$CONNS" -d"$2s" --timeout 10s -s "$3" "http://127.0.0.1:$EDGE_PORT")
  after=$(cpu)
  # Where the resident memory is, at the end of the phase: the rollup, then the largest mappings by RSS.
  cat "/proc/$EDGE_PID/smaps_rollup" >"$WORK/logs/$1.smaps_rollup" 2>/dev/null || true
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anon]" : $6)} $1 == "Rss:" {rss[name] += $2} END {for (n in rss) printf "%8d kB %s\n", rss[n], n}' \
    "/proc/$EDGE_PID/smaps" 2>/dev/null | sort -rn | head -40 >"$WORK/logs/$1.smaps_top" || true
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
  reqs=$(awk '/requests in/ {print $1}' <<<"$res"); rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
  python3 - "$samples" "$((after - before))" "$reqs" "$TICK" "$rps" <<'PY'
import statistics, sys
rows = [[int(v) for v in x.split()] for x in open(sys.argv[1]) if x.strip()]
s, a, t = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
steady = statistics.median(s[len(s) // 2:]) if s else 0
anon = statistics.median(a[len(a) // 2:]) if a else 0
threads = statistics.median(t[len(t) // 2:]) if t else 0
print(f"{steady:.0f}\t{max(s) if s else 0}\t{anon:.0f}\t{threads:.0f}\t{int(sys.argv[2]) / int(sys.argv[4]) * 1e6 / max(1, int(sys.argv[3])):.1f}\t{float(sys.argv[5]):.0f}")
PY
}

printf "setting\tenv\tmiss_rss_steady_mib\tmiss_rss_max_mib\tmiss_anon_steady_mib\tmiss_threads\tmiss_cpu_us\tmiss_rps\thit_rss_steady_mib\thit_rss_max_mib\thit_anon_steady_mib\thit_threads\thit_cpu_us\thit_rps\n" | tee "$WORK/results.tsv"
IFS=';' read -ra LIST <<<"$SETTINGS"
for entry in "${LIST[@]}"; do
  name="${entry%%=*}" envs="" dir="$OUT"
  for assignment in ${entry#*=}; do
    case "$assignment" in PUBLISH=*) dir="${assignment#PUBLISH=}" ;; *) envs="$envs $assignment" ;; esac
  done
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  # shellcheck disable=SC2086
  env $envs dotnet "$dir/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$EDGE_PORT" \
    --store "$STORE" --memory-size "$MEMORY_SIZE" --data-dir "$WORK/data" --admin-listen none >"$WORK/logs/$name.log" 2>&1 &
  EDGE_PID=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$EDGE_PORT/body.bin?u=warmup" 2>/dev/null && break; sleep 0.2; done
  miss=$(phase "$name-miss" "$MISS_DUR" "$WORK/unique.lua")
  for k in $(seq 0 $((HOT - 1))); do printf 'url = "http://127.0.0.1:%s/body.bin?h=%s"\noutput = "/dev/null"\n' "$EDGE_PORT" "$k"; done | curl -fsS -K - 2>/dev/null || true
  hit=$(phase "$name-hit" "$HIT_DUR" "$WORK/hot.lua")
  printf "%s\t%s\t%s\t%s\n" "$name" "${entry#*=}" "$miss" "$hit" | tee -a "$WORK/results.tsv"
  kill "$EDGE_PID"; wait "$EDGE_PID" 2>/dev/null || true; EDGE_PID=""
done
echo "STORE=$STORE BODY=$BODY MEMORY_SIZE=$MEMORY_SIZE MISS_DUR=$MISS_DUR HIT_DUR=$HIT_DUR CONNS=$CONNS; load average $(cut -d' ' -f1-3 /proc/loadavg); goal: RSS <= budget + 100 MB"
