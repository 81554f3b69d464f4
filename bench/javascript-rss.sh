#!/usr/bin/env bash
# javascript-rss.sh: a large origin body through `edgecache --worker`, and the server's peak memory.
# Issue 16: a 1 GB body returned by the worker, and the same body through response.clone() + cache.put,
# pass with the server's RSS under 300 MB (bodies the script does not read are piped in C#).
#
# Starts on 127.0.0.1 a node origin that streams SIZE_MB of bytes (Content-Length, Cache-Control: max-age=60),
# then, for each worker, edgecache --store memory in front of it; curl downloads the body through the worker
# and the script prints the bytes received and the server's VmHWM (peak RSS) and VmRSS.
#   pass-through: export default { fetch(r) { return fetch(r).then(o => new Response(o.body, o)); } }
#   example:      ../shared/reference/cache-api-example.js (clone() + waitUntil(cache.put(...)))
# Usage: bench/javascript-rss.sh   (SIZE_MB=1024; SKIP_PUBLISH=1 OUT=dir reuses a build; PORT_BASE=38500)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
OUT="${OUT:-/tmp/edgecache-js-load}"
SIZE_MB="${SIZE_MB:-1024}"
PORT_BASE="${PORT_BASE:-38500}"
ORIGIN_PORT=$PORT_BASE
EDGE_PORT=$((PORT_BASE + 1))
WORK="$(mktemp -d)"

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT" >&2
fi

cat >"$WORK/origin.js" <<'JS'
const http = require('http');
const size = Number(process.env.SIZE_MB) * 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 120);
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'cache-control': 'max-age=60' });
  let sent = 0;
  const pump = () => {
    while (sent < size) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
      sent += part.length;
      if (!res.write(part)) { res.once('drain', pump); return; }
    }
    res.end();
  };
  pump();
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
JS
cat >"$WORK/pass-through.js" <<'JS'
export default { async fetch(request) { const origin = await fetch(request); return new Response(origin.body, origin); } };
JS

SIZE_MB=$SIZE_MB PORT=$ORIGIN_PORT node "$WORK/origin.js" >/dev/null 2>&1 &
ORIGIN_PID=$!
trap 'kill $ORIGIN_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
sleep 1

run() {
  local name=$1 script=$2
  dotnet "$OUT/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" --listen "http://127.0.0.1:$EDGE_PORT" \
    --store memory --admin-listen none --worker "$script" >/dev/null 2>&1 &
  local pid=$!
  # Wait for the port (a request would fetch the whole body once more).
  for _ in $(seq 1 120); do (exec 3<>"/dev/tcp/127.0.0.1/$EDGE_PORT") 2>/dev/null && break; sleep 0.5; done
  local bytes
  bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$EDGE_PORT/big")
  sleep 1
  printf '%-13s %6s MB body: received %s bytes, VmHWM %s, VmRSS %s\n' "$name" "$SIZE_MB" "$bytes" \
    "$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")" "$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$pid/status")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run pass-through "$WORK/pass-through.js"
run example "$SHARED/reference/cache-api-example.js"
