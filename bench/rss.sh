#!/usr/bin/env bash
# rss.sh: EdgeCache's resident memory with N cached 1 KB objects (issue 8: with 100 000, at most
# twice the bytes cached plus 100 MB, i.e. about 300 MB).
#
# Starts on 127.0.0.1 an nginx origin serving one 1 KB file with Cache-Control: public, max-age=3600
# for any query string, and `edgecache --store memory` in front of it; wrk then requests
# /1k.bin?u=0 .. /1k.bin?u=N-1 once each (N distinct keys, all misses that get stored), and the script
# prints the origin request count, a hit check on the first key, and the server's VmRSS and VmHWM.
#
# Usage (needs nginx and wrk, e.g. after bench/load.sh installed them):
#   bench/rss.sh                  # N=100000, publishes src/EdgeCache.Server to $OUT first
#   N=20000 SKIP_PUBLISH=1 bench/rss.sh
# wrk stops its thread after N answers but reports the whole -d duration (WRK_DUR, default 60 s).
# Knobs (env): N, WRK_DUR, PORT_BASE (default 38400, uses +0 and +1), OUT (default /tmp/edgecache-load), WORK.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-100000}"
PORT_BASE="${PORT_BASE:-38400}"
OUT="${OUT:-/tmp/edgecache-load}"
WORK="${WORK:-/tmp/edgecache-rss-run}"
ORIGIN_PORT=$PORT_BASE
EDGE_PORT=$((PORT_BASE + 1))

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT" >&2
fi

rm -rf "$WORK"; mkdir -p "$WORK/www" "$WORK/tmp" "$WORK/logs"
head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
cat >"$WORK/origin.conf" <<CONF
worker_processes 1;
error_log $WORK/logs/origin-error.log warn;
pid $WORK/origin.pid;
events { worker_connections 4096; }
http {
  client_body_temp_path $WORK/tmp/body; proxy_temp_path $WORK/tmp/proxy; fastcgi_temp_path $WORK/tmp/fcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi; scgi_temp_path $WORK/tmp/scgi;
  access_log $WORK/logs/origin-access.log;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$ORIGIN_PORT;
    root $WORK/www;
    location / { add_header Cache-Control "public, max-age=3600"; }
  }
}
CONF
cat >"$WORK/distinct.lua" <<LUA
local n, sent, done = $N, 0, 0
request = function()
  local path = "/1k.bin?u=" .. (sent % n)
  sent = sent + 1
  return wrk.format("GET", path)
end
response = function()
  done = done + 1
  if done >= n then wrk.thread:stop() end
end
LUA

EDGE_PID=""
cleanup() {
  [ -n "$EDGE_PID" ] && kill "$EDGE_PID" 2>/dev/null || true
  [ -f "$WORK/origin.pid" ] && kill "$(cat "$WORK/origin.pid")" 2>/dev/null || true
}
trap cleanup EXIT

nginx -c "$WORK/origin.conf" -p "$WORK"
dotnet "$OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$EDGE_PORT" \
  --store memory --admin-listen none >"$WORK/logs/edgecache.log" 2>&1 &
EDGE_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$EDGE_PORT/1k.bin?u=warmup" 2>/dev/null && break
  sleep 0.2
done
rss() { awk -v k="$1" '$1 == k":" {printf "%.0f", $2 / 1024}' "/proc/$EDGE_PID/status"; }
echo "RSS before: $(rss VmRSS) MiB"

wrk -t1 -c32 -d"${WRK_DUR:-60}s" --timeout 10s -s "$WORK/distinct.lua" "http://127.0.0.1:$EDGE_PORT" | sed -n '/requests in/p;/Non-2xx/p;/Socket errors/p'
sleep 2
origin=$(wc -l <"$WORK/logs/origin-access.log")
status=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$EDGE_PORT/1k.bin?u=0" | tr -d '\r' | awk -F': ' 'tolower($1) == "cf-cache-status" {print $2}')
echo "objects requested: $N; origin requests (incl. warm-up): $origin; /1k.bin?u=0 now: $status"
echo "RSS after: $(rss VmRSS) MiB; peak (VmHWM): $(rss VmHWM) MiB; goal: <= $(( (2 * N * 1024) / 1048576 + 100 )) MiB"
