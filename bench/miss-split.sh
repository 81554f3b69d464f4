#!/usr/bin/env bash
# miss-split.sh: where the CPU of a 1 KB miss goes (proxy, origin, wrk), for nginx proxy_cache and one or
# more EdgeCache builds against the same origin, interleaved round by round.
#
# The anchors' miss case (../shared/bench/anchors.sh, run by bench/load.sh) puts the proxy, its origin (nginx,
# 2 workers) and wrk on the same 2 cores, so miss req/s is bounded by the CPU of all three. This script uses
# the anchors' own origin and nginx proxy_cache configurations (copied below, so a fresh WORK is made per run)
# and reads utime+stime from /proc for the proxy and the origin, and wrk's own from /usr/bin/time, per round.
#
# Usage: BUILDS="base=/tmp/h4-base-out new=/tmp/h4-new-out" bench/miss-split.sh
# Knobs (env): BUILDS (label=publish-dir pairs, default "edgecache=/tmp/edgecache-load"), WITH_NGINX (1: include
#   nginx proxy_cache, default 1), PORT_BASE (24100: origin, +1 nginx, +2.. the builds), WARM (s of misses per
#   target before round 1, default 10), DUR (s per round, 5), ROUNDS (5), CONNS (32), WORK (default a fresh
#   mktemp dir; never reuse one: nginx's cache directory from an earlier run makes its misses dear), STORE
#   (memory; left out for a build whose ARGS_<label> names its own --store), ENV_<label> (NAME=VALUE words
#   for that build's server only), ARGS_<label> (more command-line arguments for it, e.g. "--memory-size 32MB"
#   or "--store tiered"), CEILING (a publish dir of ../shared/bench/ceiling, e.g. from
#   `dotnet publish -c Release -o DIR` there: adds the anchors' bare-Kestrel "ceiling" as a target, a plain
#   HttpClient fetch of the origin per request under /fetch/1k.bin, the floor of a C# miss; default none; its
#   environment ENV_ceiling).
# Output: one line per target and round, then medians: req/s, CPU µs per miss of proxy / origin / wrk / total.
set -euo pipefail
export LC_ALL=C
BUILDS="${BUILDS:-edgecache=/tmp/edgecache-load}"
CEILING="${CEILING:-}" WITH_NGINX="${WITH_NGINX:-1}" PORT_BASE="${PORT_BASE:-24100}" WARM="${WARM:-10}" DUR="${DUR:-5}" ROUNDS="${ROUNDS:-5}"
CONNS="${CONNS:-32}" STORE="${STORE:-memory}"
WORK="${WORK:-$(mktemp -d /tmp/miss-split.XXXXXX)}"
mkdir -p "$WORK/www" "$WORK/conf" "$WORK/logs" "$WORK/nginx-cache" "$WORK/nginx-tmp"
chmod 755 "$WORK" "$WORK/www"; chmod 777 "$WORK/nginx-cache" "$WORK/nginx-tmp"
head -c 1024 /dev/urandom >"$WORK/www/1k.bin"; chmod 644 "$WORK/www/1k.bin"
P_ORIGIN=$PORT_BASE P_NGINX=$((PORT_BASE + 1))

common() { printf 'worker_processes auto;\nerror_log %s/logs/%s-error.log warn;\npid %s/%s.pid;\nevents { worker_connections 8192; }\n' "$WORK" "$1" "$WORK" "$1"; }
temps() { local t; for t in client_body proxy fastcgi uwsgi scgi; do printf '  %s_temp_path %s/nginx-tmp/%s-%s;\n' "$t" "$WORK" "$1" "$t"; done; }
# the anchors' origin: sendfile, keep-alive, one access-log line per request (as there)
cat >"$WORK/conf/origin.conf" <<EOF
$(common origin)
http {
$(temps origin)
  access_log $WORK/logs/origin-access.log;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 75s;
  open_file_cache max=64 inactive=60s;
  types { application/octet-stream bin; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$P_ORIGIN backlog=4096;
    root $WORK/www;
    location / { add_header Cache-Control "public, max-age=3600"; }
  }
}
EOF
cat >"$WORK/conf/nginx-cache.conf" <<EOF
$(common nginx)
http {
$(temps nginx)
  access_log off;
  sendfile on; tcp_nopush off; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 75s;
  open_file_cache max=10000 inactive=60s;
  open_file_cache_valid 30s;
  proxy_cache_path $WORK/nginx-cache levels=1:2 keys_zone=edge:64m max_size=2g inactive=60m use_temp_path=off;
  upstream origin { server 127.0.0.1:$P_ORIGIN; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$P_NGINX backlog=4096 reuseport;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache edge;
      proxy_cache_key \$request_uri;
      proxy_cache_valid 200 60m;
      proxy_cache_lock on;
      proxy_buffers 16 64k;
      add_header X-Cache \$upstream_cache_status;
    }
  }
}
EOF
cat >"$WORK/unique.lua" <<'EOF'
local n = 0
local tag = nil
request = function()
  if tag == nil then tag = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000)) end
  n = n + 1
  return wrk.format("GET", wrk.path .. "?u=" .. tag .. "-" .. n)
end
EOF

declare -A PID PORT URLPATH
ALL=()
cleanup() { local p; for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for port in $(seq "$P_ORIGIN" $((P_ORIGIN + 2 + $(wc -w <<<"$BUILDS")))); do
  ! ss -ltnH "sport = :$port" | grep -q . || { echo "port $port is in use (set PORT_BASE)" >&2; exit 2; }
done
nginx -c "$WORK/conf/origin.conf" -g 'daemon off;' >"$WORK/logs/origin.log" 2>&1 & PID[origin]=$!
if [ "$WITH_NGINX" = 1 ]; then
  nginx -c "$WORK/conf/nginx-cache.conf" -g 'daemon off;' >"$WORK/logs/nginx.log" 2>&1 & PID[nginx]=$!
  PORT[nginx]=$P_NGINX; ALL+=(nginx)
fi
i=2
for b in $BUILDS; do
  label=${b%%=*} dir=${b#*=} envname="ENV_$label" argsname="ARGS_$label"
  # Each build its own data directory in WORK: without one, tiered and disk servers all opened ./edgecache-data of
  # the caller's directory, one SQLite index and one set of body files written by every build at once, kept across runs.
  PORT[$label]=$((PORT_BASE + i)); i=$((i + 1))
  # An ARGS_<label> that names its own --store wins: the server refuses a second --store, so STORE is left out.
  storeargs=(--store "$STORE")
  case " ${!argsname:-} " in *" --store "*) storeargs=() ;; esac
  # shellcheck disable=SC2086 # ENV_<label> is a list of NAME=VALUE words
  env ${!envname:-} dotnet "$dir/EdgeCache.Server.dll" --origin "http://127.0.0.1:$P_ORIGIN" \
    --listen "http://127.0.0.1:${PORT[$label]}" "${storeargs[@]}" --data-dir "$WORK/data-$label" --admin-listen none \
    ${!argsname:-} >"$WORK/logs/$label.log" 2>&1 &
  PID[$label]=$!; ALL+=("$label")
done
if [ -n "$CEILING" ]; then
  PORT[ceiling]=$((PORT_BASE + i)); URLPATH[ceiling]=/fetch/1k.bin
  env ${ENV_ceiling:-} PORT="${PORT[ceiling]}" ORIGIN="http://127.0.0.1:$P_ORIGIN" dotnet "$CEILING/Ceiling.dll" >"$WORK/logs/ceiling.log" 2>&1 &
  PID[ceiling]=$!; ALL+=(ceiling)
fi
for t in "${ALL[@]}"; do
  for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:${PORT[$t]}${URLPATH[$t]:-/1k.bin}" && break; sleep 0.2; done
done

descendants() { local p=$1 c; echo "$p"; for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do descendants "$c"; done; }
ticks() { local t=0 p v; for p in $(descendants "$1"); do
  v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}'); t=$((t + ${v:-0})); done; echo "$t"; }
HZ=$(getconf CLK_TCK)
for t in "${ALL[@]}"; do
  echo "warming $t ${WARM}s" >&2
  timeout $((WARM + 20)) wrk -t1 -c"$CONNS" -d"${WARM}s" -s "$WORK/unique.lua" "http://127.0.0.1:${PORT[$t]}${URLPATH[$t]:-/1k.bin}" >/dev/null 2>&1
done

RES="$WORK/split.tsv"; : >"$RES"
printf 'round\ttarget\treq/s\tproxy_us\torigin_us\twrk_us\ttotal_us\terrors\tload\n' >&2
for r in $(seq "$ROUNDS"); do
  n=${#ALL[@]} k=$(( (r - 1) % n ))
  for t in "${ALL[@]:$k}" "${ALL[@]:0:$k}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    p0=$(ticks "${PID[$t]}") o0=$(ticks "${PID[origin]}")
    out=$(/usr/bin/time -f 'WRKCPU %U %S' timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 10s \
      -s "$WORK/unique.lua" "http://127.0.0.1:${PORT[$t]}${URLPATH[$t]:-/1k.bin}" 2>&1)
    p1=$(ticks "${PID[$t]}") o1=$(ticks "${PID[origin]}")
    reqs=$(awk '/requests in/{print $1; exit}' <<<"$out")
    rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2; exit}' <<<"$out")
    errs=$(awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}' <<<"$out")
    wrk_s=$(awk '/^WRKCPU/{print $2 + $3}' <<<"$out")
    line=$(awk -v r="$r" -v t="$t" -v rps="$rps" -v n="$reqs" -v p=$((p1 - p0)) -v o=$((o1 - o0)) -v w="$wrk_s" \
      -v hz="$HZ" -v e="$errs" -v l="$load" 'BEGIN {
        pu = p / hz * 1e6 / n; ou = o / hz * 1e6 / n; wu = w * 1e6 / n
        printf "%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s", r, t, rps, pu, ou, wu, pu + ou + wu, e, l }')
    echo "$line" | tee -a "$RES" >&2
  done
done
python3 - "$RES" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
targets = list(dict.fromkeys(r[1] for r in rows))
med = lambda t, i: statistics.median(float(r[i]) for r in rows if r[1] == t)
loads = [float(r[8]) for r in rows]
print(f"\nmedians of {len(rows) // len(targets)} rounds; load average {min(loads):.1f}-{max(loads):.1f}\n")
print("| target | req/s | proxy µs/miss | origin µs/miss | wrk µs/miss | total µs/miss |")
print("|---|---:|---:|---:|---:|---:|")
for t in targets:
    print(f"| {t} | {med(t, 2):.0f} | {med(t, 3):.1f} | {med(t, 4):.1f} | {med(t, 5):.1f} | {med(t, 6):.1f} |")
PY
echo "work dir: $WORK" >&2
