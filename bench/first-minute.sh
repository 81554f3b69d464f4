#!/usr/bin/env bash
# first-minute.sh: the miss path's first minute after start (issue 20: JIT settings, ReadyToRun). Per setting and
# pass, starts a fresh `edgecache --store $STORE` behind an nginx origin (one BODY-byte file, Cache-Control:
# public, max-age=3600, for any query string), times start to the first answered request, then runs WINDOWS
# back-to-back windows of WINDOW s of wrk -t1 -c$CONNS where every request is a new key, and prints per window
# req/s and the server's CPU µs per miss (utime+stime over the requests wrk completed). Settings are run in
# turn within each pass (A, B, A, B), so neighbours' load falls on both alike.
#
# Usage (needs nginx and wrk):
#   bench/first-minute.sh
#   SETTINGS='jit=PUBLISH=/tmp/jit;r2r=PUBLISH=/tmp/r2r' SKIP_PUBLISH=1 bench/first-minute.sh
# A setting's PUBLISH=DIR runs the build published in DIR instead of OUT; every other assignment goes to the
# server's environment (DOTNET_TieredPGO=0 and the like).
# Knobs (env): SETTINGS (name=ENV ENV...;name=...), STORE (memory), BODY (bytes, 1024), WINDOWS (6), WINDOW (8),
#   PASSES (2), CONNS (32), PORT_BASE (38470), OUT (publish dir, /tmp/edgecache-load), SKIP_PUBLISH=1,
#   WORK (/tmp/edgecache-first-minute).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BODY="${BODY:-1024}" WINDOWS="${WINDOWS:-6}" WINDOW="${WINDOW:-8}" PASSES="${PASSES:-2}" CONNS="${CONNS:-32}"
PORT_BASE="${PORT_BASE:-38470}" OUT="${OUT:-/tmp/edgecache-load}" WORK="${WORK:-/tmp/edgecache-first-minute}"
STORE="${STORE:-memory}" SETTINGS="${SETTINGS:-default=}"
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
# Every request a new key, across windows too (the window number is in the key).
cat >"$WORK/unique.lua" <<'LUA'
local n = 0
local w = os.getenv("WINDOW_ID") or "0"
request = function()
  n = n + 1
  return wrk.format("GET", "/body.bin?w=" .. w .. "-" .. n)
end
LUA

EDGE_PID=""
cleanup() {
  [ -n "$EDGE_PID" ] && kill "$EDGE_PID" 2>/dev/null || true
  [ -f "$WORK/origin.pid" ] && kill "$(cat "$WORK/origin.pid")" 2>/dev/null || true
}
trap cleanup EXIT
nginx -c "$WORK/origin.conf" -p "$WORK"

TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$EDGE_PID/stat"; }

printf "setting\tpass\tstart_ms\tfirst_rss_mib\twindows (req/s / cpu us per miss)\n" | tee "$WORK/results.tsv"
IFS=';' read -ra LIST <<<"$SETTINGS"
for pass in $(seq 1 "$PASSES"); do
  for entry in "${LIST[@]}"; do
    name="${entry%%=*}" envs="" dir="$OUT"
    for assignment in ${entry#*=}; do
      case "$assignment" in PUBLISH=*) dir="${assignment#PUBLISH=}" ;; *) envs="$envs $assignment" ;; esac
    done
    rm -rf "$WORK/data"; mkdir -p "$WORK/data"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    env $envs dotnet "$dir/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$EDGE_PORT" \
      --store "$STORE" --data-dir "$WORK/data" --admin-listen none >"$WORK/logs/$name-$pass.log" 2>&1 &
    EDGE_PID=$!
    until curl -fsS -o /dev/null "http://127.0.0.1:$EDGE_PORT/body.bin?first" 2>/dev/null; do
      kill -0 "$EDGE_PID" 2>/dev/null || { echo "$name: server exited" >&2; exit 1; }
      sleep 0.02
    done
    start_ms=$((($(date +%s%N) - t0) / 1000000))
    first_rss=$(awk '$1 == "VmRSS:" {printf "%.0f", $2 / 1024}' "/proc/$EDGE_PID/status")
    line=""
    for w in $(seq 1 "$WINDOWS"); do
      before=$(cpu)
      res=$(WINDOW_ID="$pass$w" wrk -t1 -c"$CONNS" -d"${WINDOW}s" --timeout 10s -s "$WORK/unique.lua" "http://127.0.0.1:$EDGE_PORT")
      after=$(cpu)
      reqs=$(awk '/requests in/ {print $1}' <<<"$res"); rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$res")
      line="$line $rps/$(awk -v c=$((after - before)) -v t="$TICK" -v r="$reqs" 'BEGIN {printf "%.0f", c / t * 1e6 / (r > 0 ? r : 1)}')"
    done
    printf "%s\t%s\t%s\t%s\t%s\n" "$name" "$pass" "$start_ms" "$first_rss" "${line# }" | tee -a "$WORK/results.tsv"
    kill "$EDGE_PID"; wait "$EDGE_PID" 2>/dev/null || true; EDGE_PID=""
  done
done
echo "STORE=$STORE BODY=$BODY WINDOWS=$WINDOWS x ${WINDOW}s CONNS=$CONNS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
