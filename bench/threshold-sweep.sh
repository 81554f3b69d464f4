#!/usr/bin/env bash
# threshold-sweep.sh: memory-tier hits at several body sizes against several MemoryFileThreshold settings of
# one build, with nginx proxy_cache measured in the same run: every (size, target) pair runs once per round,
# wrk -t1 -c$CONNS, the target order rotated each round, server CPU per request read from /proc (nginx: master
# and workers). Loopback only; bounded by ROUNDS x SIZES x (THRESHOLDS + nginx) x DUR.
#
# Usage: bench/threshold-sweep.sh                (needs wrk, nginx and node; publishes the working tree)
# Knobs (env): THRESHOLDS ("16KB 32KB 64KB 128KB 1MB", one EdgeCache server each, --store memory),
#   SIZES (body bytes, "16384 32768 65536 102400 262144"), NGINX (1: include nginx proxy_cache), DUR (s per
#   run, 5), ROUNDS (3), CONNS (32), PORT_BASE (18300: origin, +1 nginx, +10.. EdgeCache), OUT (/tmp/edgecache-sweep),
#   SKIP_PUBLISH=1 (reuse $OUT/pub), EXTRA_ENV (NAME=VALUE words for every EdgeCache server), WARM (s of wrk
#   per target before the first round, 20: a .NET server is still compiling its hit path to tier 1 for the first
#   ten seconds or so under load, 15 % of its CPU in the JIT in a profile 3 s in, none 40 s in).
# Results: $OUT/results.tsv and a markdown table of medians (CPU us/req, req/s) on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THRESHOLDS="${THRESHOLDS:-16KB 32KB 64KB 128KB 1MB}" SIZES="${SIZES:-16384 32768 65536 102400 262144}"
NGINX="${NGINX:-1}" DUR="${DUR:-5}" WARM="${WARM:-20}" ROUNDS="${ROUNDS:-3}" CONNS="${CONNS:-32}"
PORT_BASE="${PORT_BASE:-18300}" OUT="${OUT:-/tmp/edgecache-sweep}" EXTRA_ENV="${EXTRA_ENV:-}"
for tool in wrk node curl; do command -v "$tool" >/dev/null || { echo "threshold-sweep.sh: $tool is missing" >&2; exit 2; }; done
[ "$NGINX" != 1 ] || command -v nginx >/dev/null || { echo "threshold-sweep.sh: nginx is missing (NGINX=0 skips it)" >&2; exit 2; }
mkdir -p "$OUT"
declare -A PID PORT
descendants() { local p=$1 c; echo "$p"; for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do descendants "$c"; done; }
cleanup() { local n p; for n in "${!PID[@]}"; do for p in $(descendants "${PID[$n]}"); do kill "$p" 2>/dev/null || true; done; done; }
trap cleanup EXIT
if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT/pub" >/dev/null
fi

# The origin answers /<n> with n bytes, cacheable for a day.
ORIGIN_PORT=$PORT_BASE
node -e "
const bodies = new Map();
require('http').createServer((q, s) => {
  const n = parseInt(q.url.slice(1), 10) || 1024;
  if (!bodies.has(n)) bodies.set(n, Buffer.alloc(n, 'x'));
  s.writeHead(200, {'Content-Type': 'application/octet-stream', 'Cache-Control': 'public, max-age=86400', 'Content-Length': n});
  s.end(bodies.get(n));
}).listen($ORIGIN_PORT, '127.0.0.1');" &
PID[origin]=$!

TARGETS=()
if [ "$NGINX" = 1 ]; then
  W="$OUT/nginx"; rm -rf "$W"; mkdir -p "$W/cache" "$W/tmp" "$W/logs"; chmod 777 "$W/cache" "$W/tmp"
  PORT[nginx]=$((PORT_BASE + 1))
  # The anchors' nginx proxy_cache (../shared/bench/anchors.sh), on this script's ports.
  cat >"$W/nginx.conf" <<EOF
worker_processes auto;
error_log $W/logs/error.log warn;
pid $W/nginx.pid;
events { worker_connections 8192; }
http {
  client_body_temp_path $W/tmp/body; proxy_temp_path $W/tmp/proxy; fastcgi_temp_path $W/tmp/fcgi;
  uwsgi_temp_path $W/tmp/uwsgi; scgi_temp_path $W/tmp/scgi;
  access_log off;
  sendfile on; tcp_nopush off; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 75s;
  open_file_cache max=10000 inactive=60s; open_file_cache_valid 30s;
  proxy_cache_path $W/cache levels=1:2 keys_zone=edge:64m max_size=2g inactive=60m use_temp_path=off;
  upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${PORT[nginx]} backlog=4096 reuseport;
    location / {
      proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache edge; proxy_cache_key \$request_uri; proxy_cache_valid 200 60m; proxy_cache_lock on;
      proxy_buffers 16 64k; add_header X-Cache \$upstream_cache_status;
    }
  }
}
EOF
  nginx -c "$W/nginx.conf" -g 'daemon off;' >"$W/logs/stdout.log" 2>&1 &
  PID[nginx]=$!
  TARGETS+=(nginx)
fi
i=0
for th in $THRESHOLDS; do
  t="t$th"; PORT[$t]=$((PORT_BASE + 10 + i)); i=$((i + 1))
  # shellcheck disable=SC2086 # EXTRA_ENV is a list of NAME=VALUE words
  env $EXTRA_ENV EDGECACHE__MEMORYFILETHRESHOLD="$th" dotnet "$OUT/pub/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" \
    --listen "http://127.0.0.1:${PORT[$t]}" --store memory --admin-listen none >"$OUT/$t.log" 2>&1 &
  PID[$t]=$!
  TARGETS+=("$t")
done
for t in "${TARGETS[@]}"; do
  for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:${PORT[$t]}/1024" && break; sleep 0.1; done
  for s in $SIZES; do curl -fs -o /dev/null "http://127.0.0.1:${PORT[$t]}/$s"; curl -fs -o /dev/null "http://127.0.0.1:${PORT[$t]}/$s"; done
  wrk -t1 -c"$CONNS" -d"${WARM}s" "http://127.0.0.1:${PORT[$t]}/${SIZES%% *}" >/dev/null   # warm-up (JIT)
done

tree_cpu() { local t=0 p v; for p in $(descendants "$1"); do v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}'); t=$((t + ${v:-0})); done; echo "$t"; }
TICK=$(getconf CLK_TCK)
printf "round\tsize\ttarget\treq_s\tcpu_us_per_req\tp99_ms\tload\n" | tee "$OUT/results.tsv"
n=${#TARGETS[@]}
for r in $(seq "$ROUNDS"); do
  for s in $SIZES; do
    for k in $(seq 0 $((n - 1))); do
      t=${TARGETS[$(( (k + r) % n ))]}
      load=$(cut -d' ' -f1 /proc/loadavg)
      before=$(tree_cpu "${PID[$t]}")
      res=$(wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:${PORT[$t]}/$s")
      after=$(tree_cpu "${PID[$t]}")
      rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$res")
      reqs=$(awk '/requests in/ {print $1}' <<<"$res")
      p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$res")
      if grep -q "Non-2xx\|Socket errors" <<<"$res"; then echo "warning: $t $s: $(grep -E 'Non-2xx|Socket errors' <<<"$res")" >&2; fi
      us=$(awk -v d=$((after - before)) -v n="$reqs" -v k="$TICK" 'BEGIN {printf "%.1f", d / k * 1e6 / n}')
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$r" "$s" "$t" "$rps" "$us" "$p99" "$load" | tee -a "$OUT/results.tsv"
    done
  done
done
python3 - "$OUT/results.tsv" "CONNS=$CONNS DUR=$DUR ROUNDS=$ROUNDS, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
sizes = list(dict.fromkeys(r[1] for r in rows)); targets = list(dict.fromkeys(r[2] for r in rows))
med = lambda s, t, i: statistics.median(float(r[i]) for r in rows if r[1] == s and r[2] == t)
loads = [float(r[6]) for r in rows]
print(f"\nMedians, CPU us/req (req/s); {sys.argv[2]}; load at the runs' starts {min(loads):.1f}-{max(loads):.1f}")
print("| size | " + " | ".join(targets) + " |\n|---|" + "---:|" * len(targets))
for s in sizes:
    print(f"| {int(s)//1024} KB | " + " | ".join(f"{med(s,t,4):.1f} ({med(s,t,3):,.0f})" for t in targets) + " |")
PY
