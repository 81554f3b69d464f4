#!/usr/bin/env bash
# send-methods.sh: the kernel's CPU per response for five ways of putting the same body on a loopback socket
# (bench/send-methods/sendbench.c: copy with sendmsg, sendfile from a memfd, vmsplice + splice from anonymous
# memory or from a memfd mapping, sendfile from a page-cache file), one single-threaded C server per way, wrk -t1
# against each in turn, the order rotated each round, server CPU (utime + stime from /proc) over responses.
# It answers "would a zero-copy send of a memory-tier body pay at this size on this kernel" without .NET's noise.
# Mode 5 (not in the default MODES) is vmsplice from an anonymous mapping marked MADV_HUGEPAGE.
#
# Usage: bench/send-methods.sh              (needs gcc and wrk)
# Knobs (env): SIZE (body bytes, 102400), MODES ("0 1 2 3 4"), ROUNDS (5), DUR (s per run, 4), CONNS (32),
#   PORT_BASE (18400: mode m listens on PORT_BASE + m), OUT (/tmp/edgecache-send-methods; the body file for
#   mode 4 is written there, so it is on whatever filesystem OUT is on).
# Results: $OUT/results.tsv and a table of medians on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${SIZE:-102400}" MODES="${MODES:-0 1 2 3 4}" ROUNDS="${ROUNDS:-5}" DUR="${DUR:-4}" CONNS="${CONNS:-32}"
PORT_BASE="${PORT_BASE:-18400}" OUT="${OUT:-/tmp/edgecache-send-methods}"
for tool in gcc wrk; do command -v "$tool" >/dev/null || { echo "send-methods.sh: $tool is missing" >&2; exit 2; }; done
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -o "$OUT/sendbench" "$ROOT/bench/send-methods/sendbench.c"
head -c "$SIZE" /dev/zero | tr '\0' x >"$OUT/body"
cat "$OUT/body" >/dev/null   # in the page cache
declare -A PID NAME=([0]=copy [1]=memfd-sendfile [2]=vmsplice [3]=vmsplice-memfd [4]=file-sendfile [5]=vmsplice-huge)
trap 'for m in "${!PID[@]}"; do kill "${PID[$m]}" 2>/dev/null || true; done' EXIT
for m in $MODES; do
  "$OUT/sendbench" $((PORT_BASE + m)) "$m" "$SIZE" "$OUT/body" &
  PID[$m]=$!
done
sleep 0.5
for m in $MODES; do
  got=$(curl -fs "http://127.0.0.1:$((PORT_BASE + m))/" | wc -c)
  [ "$got" = "$SIZE" ] || { echo "send-methods.sh: mode $m sent $got bytes, not $SIZE" >&2; exit 1; }
  wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$((PORT_BASE + m))/" >/dev/null
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
printf "round\tmode\treq/s\tcpu_us_per_resp\tload\n" >"$OUT/results.tsv"
read -ra order <<<"$MODES"
for r in $(seq "$ROUNDS"); do
  for i in "${!order[@]}"; do
    m=${order[$(((i + r) % ${#order[@]}))]}
    load=$(cut -d' ' -f1 /proc/loadavg)
    before=$(cpu "${PID[$m]}")
    res=$(wrk -t1 -c"$CONNS" -d"${DUR}s" "http://127.0.0.1:$((PORT_BASE + m))/")
    after=$(cpu "${PID[$m]}")
    reqs=$(awk '/requests in/ {print $1}' <<<"$res")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
    us=$(awk -v d=$((after - before)) -v n="$reqs" -v k="$TICK" 'BEGIN {printf "%.1f", d / k * 1e6 / n}')
    printf "%s\t%s\t%s\t%s\t%s\n" "$r" "${NAME[$m]}" "$rps" "$us" "$load" | tee -a "$OUT/results.tsv"
  done
done
python3 - "$OUT/results.tsv" "SIZE=$SIZE CONNS=$CONNS" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
print(f"\nmedians of {max(int(r[0]) for r in rows)} rounds, {sys.argv[2]}, load {min(float(r[4]) for r in rows):.0f}-{max(float(r[4]) for r in rows):.0f}")
print("| send | req/s | CPU us/response | per round |\n|---|---:|---:|---|")
for name in dict.fromkeys(r[1] for r in rows):
    mine = [r for r in rows if r[1] == name]
    print(f"| {name} | {statistics.median(float(r[2]) for r in mine):.0f} | {statistics.median(float(r[3]) for r in mine):.1f} | {', '.join(r[3] for r in mine)} |")
PY
