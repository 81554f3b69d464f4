#!/usr/bin/env bash
# hit-counts.sh: one wrk run against URL and, for the given server processes, per request: CPU (user and system
# apart, from /proc/<pid>/stat) and context switches (voluntary, i.e. a thread blocked and was woken, and
# involuntary, i.e. preempted; summed over the processes' threads from /proc/<pid>/task/*/status). For comparing a
# server's wake-ups per hit with nginx's (pass the master and worker pids) or with another setting of itself;
# threads that exit during the run are not counted. Run it alternately against the targets (docs/performance.md,
# "Session 12: hits at 1 KB and 100 KB").
#
# Usage: bench/hit-counts.sh URL CONNS DUR PID...      (needs wrk)
# Output: URL c=CONNS load=L req/s=R cpu_us=C user=U sys=S vcs=V ivcs=I   (µs and switches per request)
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: bench/hit-counts.sh URL CONNS DUR PID..." >&2; exit 2; }
url=$1 conns=$2 dur=$3
shift 3
pids=("$@")
TICK=$(getconf CLK_TCK)
field() { local s=0 p; for p in "${pids[@]}"; do s=$((s + $(awk -v f="$1" '{print $f}' "/proc/$p/stat"))); done; echo "$s"; }
switches() { local s=0 p; for p in "${pids[@]}"; do s=$((s + $(cat /proc/"$p"/task/*/status 2>/dev/null | awk -v k="$1" '$1 == k {x += $2} END {print x + 0}'))); done; echo "$s"; }
u0=$(field 14) s0=$(field 15) v0=$(switches voluntary_ctxt_switches:) i0=$(switches nonvoluntary_ctxt_switches:)
load=$(cut -d' ' -f1 /proc/loadavg)
res=$(wrk -t1 -c"$conns" -d"${dur}s" "$url")
u1=$(field 14) s1=$(field 15) v1=$(switches voluntary_ctxt_switches:) i1=$(switches nonvoluntary_ctxt_switches:)
n=$(awk '/requests in/ {print $1}' <<<"$res")
awk -v url="$url" -v c="$conns" -v l="$load" -v n="$n" -v d="$dur" -v k="$TICK" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v v=$((v1 - v0)) -v i=$((i1 - i0)) \
  'BEGIN {printf "%s c=%s load=%s req/s=%.0f cpu_us=%.1f user=%.1f sys=%.1f vcs=%.2f ivcs=%.2f\n", url, c, l, n / d, (u + s) / k * 1e6 / n, u / k * 1e6 / n, s / k * 1e6 / n, v / n, i / n}'
