#!/usr/bin/env bash
# soak.sh: three edgecache nodes (each its own disk tier) sharing a three-master Redis Cluster, in front of an
# origin whose every body carries Repr-Digest / Content-Digest, under mixed traffic and a schedule of faults.
# The driver (bench/EdgeCache.Soak) verifies every byte, and writes summary.md and chart.svg.
#
# Usage:  bench/soak.sh                 # 10 minutes
#         bench/soak.sh --minutes 1     # what .ci/run does (bench/soak-ci.sh)
# Knobs (env): OUT (results, default bench/soak-results), WORK (scratch, default a temporary folder),
#   PORT_BASE (default 21000: Redis 21000-21002 with cluster buses 31000-31002, below the ephemeral range and clear of the test cluster's 27000-27002; origin 21100, nodes 21201-21203, admin 21211-21213),
#   CLUSTER_BUS_OFFSET (default 10000: each Redis node's cluster bus is its port plus this; a smaller one keeps a run
#   inside a narrow port range), CONCURRENCY (default 12), OBJECTS (default 2000), SKIP_PUBLISH=1 (reuse $WORK/server), NOTE (a line for the summary),
#   FAIL_ON_LATE_PURGE=false (purged content served beyond the promise is then a figure, not a failure; it fails by default).
# Needs redis-server / redis-cli; root for the tmpfs under node 3 (without it the disk-full fault is skipped).
# Loopback only; every process it starts is stopped on exit, the tmpfs unmounted, $WORK removed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MINUTES=10
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    __fault) shift; FAULT_MODE=1; break ;;
    *) echo "unknown argument $1 (use --minutes N)" >&2; exit 2 ;;
  esac
done

B="${PORT_BASE:-21000}"

# Each node's memory tier, and its RSS budget derived from the settings that bound what a node holds in memory: the
# tier (MEMORY_MB); fills in flight buffered whole, up to a quarter of the tier each (the server's MaxBufferedObjectSize),
# four at once; the disk tier's write-behind queue when full (4096 rows with bodies of up to 16 KB inline: 64 MB); Redis
# values in flight, up to the tier's 8 MB object limit, four at once (32 MB). The GC keeps up to half as much again as
# garbage between full collections (GCConserveMemory=9 compacts at about 10% fragmentation; the large-object heap is
# collected only with gen2); the runtime, mapped assemblies, SQLite and sockets take about 100 MB (85 MB at start).
MEMORY_MB="${MEMORY_MB:-64}"
RSS_BUDGET_MB=$(( (MEMORY_MB + MEMORY_MB + 64 + 32) * 3 / 2 + 100 ))
REDIS_PORTS=($B $((B + 1)) $((B + 2)))
ORIGIN_PORT=$((B + 100))
NODE_PORTS=($((B + 201)) $((B + 202)) $((B + 203)))
ADMIN_PORTS=($((B + 211)) $((B + 212)) $((B + 213)))

start_node() { # index (0-based)
  local i=$1
  nohup dotnet "$WORK/server/EdgeCache.Server.dll" --origin "http://127.0.0.1:$ORIGIN_PORT" \
    --listen "http://127.0.0.1:${NODE_PORTS[$i]}" --admin-listen "http://127.0.0.1:${ADMIN_PORTS[$i]}" \
    --store tiered --memory-size "${MEMORY_MB}MB" --disk-size "$(cat "$WORK/node$i.disk-size")" --data-dir "$WORK/node$i/data" \
    --redis "127.0.0.1:${REDIS_PORTS[0]},127.0.0.1:${REDIS_PORTS[1]},127.0.0.1:${REDIS_PORTS[2]}" \
    >>"$WORK/node$i.log" 2>&1 &
  echo $! >"$WORK/node$i.pid"
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:${ADMIN_PORTS[$i]}/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "soak: node $((i + 1)) did not come up" >&2; return 1
}

start_origin() {
  nohup dotnet "$WORK/soak/EdgeCache.Soak.dll" origin "$ORIGIN_PORT" "$WORK/origin-state.json" >>"$WORK/origin.log" 2>&1 &
  echo $! >"$WORK/origin.pid"
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$ORIGIN_PORT/__version?id=1" 2>/dev/null && return 0; sleep 0.1; done
  echo "soak: origin did not come up" >&2; return 1
}

start_redis() { # port
  local port=$1
  mkdir -p "$WORK/redis/$port"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$WORK/redis/$port" \
    --cluster-enabled yes --cluster-config-file "$WORK/redis/$port/nodes.conf" --cluster-port "$((port + ${CLUSTER_BUS_OFFSET:-10000}))" \
    --logfile "$WORK/redis/$port.log" --daemonize yes
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
}

wait_cluster() { for _ in $(seq 200); do redis-cli -p "${REDIS_PORTS[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && return 0; sleep 0.1; done; return 1; }

# Faults, run by the driver at their time as: soak.sh __fault NAME ARGS (WORK exported).
if [ "${FAULT_MODE:-0}" = 1 ]; then
  case "$1" in
    kill-node) # N (1-based): SIGKILL, 5 s down, restart
      i=$(($2 - 1)); kill -9 "$(cat "$WORK/node$i.pid")" 2>/dev/null || true; sleep 5; start_node "$i" ;;
    restart-redis) # PORT: a master goes away (its data with it) and comes back with its slots
      redis-cli -p "$2" shutdown nosave >/dev/null 2>&1 || true; sleep 3; start_redis "$2"; wait_cluster ;;
    stop-origin) # SECONDS
      kill -9 "$(cat "$WORK/origin.pid")" 2>/dev/null || true; sleep "$2"; start_origin ;;
    slow-origin) # MS SECONDS
      curl -sf -X POST "http://127.0.0.1:$ORIGIN_PORT/__slow?ms=$2&seconds=$3" >/dev/null; sleep "$3" ;;
    fill-disk) # SECONDS: fill node 3's tmpfs, hold, free
      [ -f "$WORK/node2.tmpfs" ] || { echo "no tmpfs: skipped" >&2; exit 0; }
      dd if=/dev/zero of="$WORK/node2/filler" bs=1M 2>/dev/null || true; sleep "$2"; rm -f "$WORK/node2/filler" ;;
    *) echo "unknown fault $1" >&2; exit 2 ;;
  esac
  exit $?
fi

OUT="${OUT:-$ROOT/bench/soak-results}"
export WORK="${WORK:-$(mktemp -d /tmp/edgecache-soak.XXXXXX)}"
cleanup() {
  set +e
  for i in 0 1 2; do [ -f "$WORK/node$i.pid" ] && kill "$(cat "$WORK/node$i.pid")" 2>/dev/null; done
  [ -f "$WORK/origin.pid" ] && kill "$(cat "$WORK/origin.pid")" 2>/dev/null
  [ -n "${SAMPLER:-}" ] && kill "$SAMPLER" 2>/dev/null
  for port in "${REDIS_PORTS[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1; done
  sleep 1
  for i in 0 1 2; do [ -f "$WORK/node$i.pid" ] && kill -9 "$(cat "$WORK/node$i.pid")" 2>/dev/null; done
  [ -f "$WORK/node2.tmpfs" ] && umount "$WORK/node2" 2>/dev/null
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

if [ "${SKIP_PUBLISH:-0}" != 1 ] || [ ! -f "$WORK/server/EdgeCache.Server.dll" ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$WORK/server" -nologo -v q >/dev/null
fi
dotnet publish "$ROOT/bench/EdgeCache.Soak" -c Release -o "$WORK/soak" -nologo -v q >/dev/null

for port in "${REDIS_PORTS[@]}"; do start_redis "$port"; done
redis-cli --cluster create "127.0.0.1:${REDIS_PORTS[0]}" "127.0.0.1:${REDIS_PORTS[1]}" "127.0.0.1:${REDIS_PORTS[2]}" --cluster-replicas 0 --cluster-yes >/dev/null
wait_cluster

# Node 3's disk tier on a 96 MB tmpfs with a 64 MB budget, so the fill-disk fault can take the rest.
disk_budgets=()
for i in 0 1 2; do
  mkdir -p "$WORK/node$i"
  echo 256MB >"$WORK/node$i.disk-size"
done
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=96m tmpfs "$WORK/node2" 2>/dev/null; then
  touch "$WORK/node2.tmpfs"; echo 64MB >"$WORK/node2.disk-size"
else
  echo "soak: no tmpfs (not root?): node 3's disk tier is on the normal disk and the fill-disk fault is skipped" >&2
fi
for i in 0 1 2; do mkdir -p "$WORK/node$i/data"; disk_budgets+=("$(sed 's/MB//' "$WORK/node$i.disk-size")"); done

start_origin
for i in 0 1 2; do start_node "$i"; done

# Resources every 5 s: epoch, node, RSS (kB), open fds, disk tier bytes.
( while true; do
    now=$(date +%s.%N)
    for i in 0 1 2; do
      pid=$(cat "$WORK/node$i.pid" 2>/dev/null) || continue
      rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) || rss=
      fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
      disk=$(du -sb "$WORK/node$i/data" 2>/dev/null | cut -f1)
      [ -n "$rss" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$now" "$((i + 1))" "$rss" "$fds" "${disk:-0}" >>"$WORK/resources.tsv"
    done
    sleep 5
  done ) &
SAMPLER=$!

# The fault schedule, as fractions of the run (the same faults in a 1-minute run, closer together).
total=$(awk "BEGIN {print $MINUTES * 60}")
at() { awk "BEGIN {printf \"%.0f\", $total * $1}"; }
self="bash $ROOT/bench/soak.sh __fault"
{
  printf '%s\tslow-origin\t%s slow-origin 2000 10\n' "$(at 0.08)" "$self"
  printf '%s\tkill-node-2\t%s kill-node 2\n' "$(at 0.20)" "$self"
  printf '%s\trestart-redis-master\t%s restart-redis %s\n' "$(at 0.34)" "$self" "${REDIS_PORTS[1]}"
  printf '%s\torigin-stop\t%s stop-origin 10\n' "$(at 0.48)" "$self"
  printf '%s\tfill-disk-node-3\t%s fill-disk 15\n' "$(at 0.62)" "$self"
  printf '%s\tconnection-flood\tflood 10\n' "$(at 0.76)"
  printf '%s\tkill-node-1\t%s kill-node 1\n' "$(at 0.88)" "$self"
} >"$WORK/faults.tsv"
# The slow origin is an origin fault too (its failures are the origin's): the driver reads names starting "origin-".
sed -i 's/\tslow-origin\t/\torigin-slow\t/' "$WORK/faults.tsv"

mkdir -p "$OUT"
nodes=$(printf 'http://127.0.0.1:%s,' "${NODE_PORTS[@]}"); admins=$(printf 'http://127.0.0.1:%s,' "${ADMIN_PORTS[@]}")
status=0
timeout -k 30 $(awk "BEGIN {printf \"%.0f\", $total + 300}") dotnet "$WORK/soak/EdgeCache.Soak.dll" drive \
  --nodes "${nodes%,}" --admins "${admins%,}" --origin "http://127.0.0.1:$ORIGIN_PORT" --minutes "$MINUTES" \
  --concurrency "${CONCURRENCY:-12}" --objects "${OBJECTS:-2000}" --faults "$WORK/faults.tsv" --resources "$WORK/resources.tsv" \
  --out "$OUT" --disk-budgets-mb "$(IFS=,; echo "${disk_budgets[*]}")" --note "${NOTE:-}" \
  --rss-budget-mb "$RSS_BUDGET_MB" --fail-on-late-purge "${FAIL_ON_LATE_PURGE:-true}" || status=$?
cp "$WORK/resources.tsv" "$WORK/faults.tsv" "$OUT/" 2>/dev/null || true
for i in 0 1 2; do tail -n 200 "$WORK/node$i.log" >"$OUT/node$((i + 1)).log.tail" 2>/dev/null || true; done
exit "$status"
