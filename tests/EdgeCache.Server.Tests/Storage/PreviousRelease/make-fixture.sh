#!/usr/bin/env bash
# Writes the data directories that PreviousReleaseDataDirectoryTests starts from: what a release's disk
# tier holds after the proxy (proxy/) and the example handler (worker/) cached a few responses. Run it
# from a checkout of the release to freeze (EDGECACHE_RELEASE_ROOT, default this one) built with
# dotnet build -c Release, then commit the output:
#   tests/EdgeCache.Server.Tests/Storage/PreviousRelease/make-fixture.sh [OUTPUT_DIR]
# The origin listens on a fixed loopback port because cache keys hold the origin's URL; the test points
# its server at the same URL, where nothing listens, so any request that is not a hit fails loudly.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${EDGECACHE_RELEASE_ROOT:-$(cd "$here/../../../.." && pwd)}"
out="${1:-$here/data}"
origin_port=47613
server_port=47614
server="$root/src/EdgeCache.Server/bin/Release/net10.0/EdgeCache.Server.dll"
[ -f "$server" ] || { echo "build the server first: dotnet build $root/src/EdgeCache.Server -c Release" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out"

python3 - "$origin_port" <<'PY' &
import http.server, sys
LARGE = bytes(i % 251 for i in range(300_000))
class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = LARGE if self.path.endswith("/large") else ("body of " + self.path + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream" if self.path.endswith("/large") else "text/plain; charset=utf-8")
        self.send_header("Cache-Control", "public, max-age=315360000")
        self.send_header("ETag", '"' + str(len(body)) + '"')
        self.send_header("Last-Modified", "Tue, 01 Dec 2026 12:00:00 GMT")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("X-Multi", "first")
        self.send_header("X-Multi", "second, with a comma")
        self.send_header("Link", "</a.css>; rel=preload")
        self.send_header("Link", "</b.js>; rel=preload")
        self.send_header("Cache-Tag", "fixture,old-format")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Origin).serve_forever()
PY
origin_pid=$!
trap 'kill $origin_pid 2>/dev/null || true' EXIT

run() { # run DIR EXTRA_ARGS... : start the server, fill, confirm hits, stop it gracefully
    local dir="$1"; shift
    dotnet "$server" --store disk --data-dir "$out/$dir" --origin "http://127.0.0.1:$origin_port/" \
        --listen "http://127.0.0.1:$server_port" --admin-listen none "$@" >"$out/$dir.log" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$server_port/$dir/warm" && break; sleep 0.1; done
    for path in multi large; do
        curl -fs -o /dev/null "http://127.0.0.1:$server_port/$dir/$path"
    done
    for path in multi large; do # the example stores in waitUntil: ask until it answers from the cache
        for _ in $(seq 50); do
            curl -fs -D - -o /dev/null "http://127.0.0.1:$server_port/$dir/$path" | grep -qi '^cf-cache-status: HIT' && break
            sleep 0.1
        done
    done
    kill -TERM $pid && wait $pid || true
    rm -f "$out/$dir.log"
}
run proxy
run worker --handler example
date -u +%Y-%m-%dT%H:%M:%SZ > "$out/written-at.txt"
git -C "$root" rev-parse HEAD > "$out/written-by-commit.txt"
find "$out" -type f | sort
