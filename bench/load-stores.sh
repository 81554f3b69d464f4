#!/usr/bin/env bash
# load-stores.sh: the stores phase of bench/load.sh (run it through load.sh, or alone after one anchors run).
# EdgeCache with --store memory, --store tiered (the embedded default: memory over disk) and --store disk,
# side by side with nginx proxy_cache, interleaved case by case and round by round, on 127.0.0.1 only:
#   hot 1k / 100k / 1m   one object, requested over and over (held in every memory tier)
#   miss 1k              every request a new key (fetched from the origin and stored), after a warm-up
#   set 100k             WORKING_SET distinct 100 KB keys drawn at random: three times the memory tier, so
#                        tiered serves most from its disk tier and memory misses to the origin
#   set 32k              (opt-in, STORE_CASES) SMALL_SET distinct 32 KB keys at random, three times the memory tier
#                        by default: bodies the tiered store's memory tier takes, so its disk hits promote
# Every case prints req/s, server CPU per request (user+sys of the server process / requests: the steadier
# figure on a shared machine), origin requests during the case, and the load average when it started.
# Knobs: see bench/load.sh; BASELINE_OUT (a publish directory of another build) adds base-<store> targets
# for BASELINE_STORES (default tiered), to compare two builds in one interleaved run; BASELINE_ENV (assignments for
# the base targets only, after PRODUCT_ENV) makes them one build with another setting instead, with
# BASELINE_OUT=$OUT, e.g. BASELINE_ENV=EDGECACHE__TIEREDPROMOTION=first-hit. STORE_CASES (default
# "hot 1k|hot 100k|hot 1m|miss 1k|set 100k") picks cases by label, e.g. STORE_CASES="miss 1k". SMALL_SET (default
# 6000 = 192 MB) sizes "set 32k". Reuses $WORK/conf/{origin,nginx-cache}.conf and $OUT/EdgeCache.Server.dll.
set -euo pipefail
export LC_ALL=C
WORK="${WORK:-/tmp/edgecache-load-run}"
OUT="${OUT:-/tmp/edgecache-load}"
STORES="${STORES:-memory tiered disk}"
DUR="${STORE_DUR:-6}"
ROUNDS="${STORE_ROUNDS:-3}"
WARM="${STORE_WARM:-10}"
CONNS="${CONNS:-32}"
MEMORY_SIZE="${MEMORY_SIZE:-64MB}"
WORKING_SET="${WORKING_SET:-2000}"
SMALL_SET="${SMALL_SET:-6000}"
STORE_PORT="${STORE_PORT:-38400}"
S="$WORK/stores"

for f in "$WORK/conf/origin.conf" "$WORK/conf/nginx-cache.conf" "$OUT/EdgeCache.Server.dll"; do
  [ -f "$f" ] || { echo "missing $f: run bench/load.sh with the anchors phase first (or set WORK / OUT)" >&2; exit 2; }
done
ORIGIN_PORT=$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/conf/origin.conf" | head -1)
NGINX_PORT=$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/conf/nginx-cache.conf" | head -1)
ORIGIN="http://127.0.0.1:$ORIGIN_PORT"
rm -rf "$S" "$WORK/nginx-cache"/*; mkdir -p "$S/logs"
[ -f "$WORK/www/32k.bin" ] || head -c 32768 /dev/urandom >"$WORK/www/32k.bin"
: >"$WORK/logs/origin-access.log"

declare -A PID URLBASE
cleanup() { for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

nginx -c "$WORK/conf/origin.conf" -g 'daemon off;' >"$S/logs/origin.log" 2>&1 & PID[origin]=$!
nginx -c "$WORK/conf/nginx-cache.conf" -g 'daemon off;' >"$S/logs/nginx.log" 2>&1 & PID[nginx]=$!
URLBASE[nginx]="http://127.0.0.1:$NGINX_PORT"
TARGETS=(nginx)
port=$STORE_PORT
for store in $STORES; do
  name="ec-$store"
  # shellcheck disable=SC2086 # PRODUCT_ENV is a list of assignments
  env ${PRODUCT_ENV:-} dotnet "$OUT/EdgeCache.Server.dll" --origin "$ORIGIN" --listen "http://127.0.0.1:$port" --store "$store" \
    --memory-size "$MEMORY_SIZE" --disk-size 4GB --data-dir "$S/data-$store" --admin-listen none >"$S/logs/$name.log" 2>&1 &
  PID[$name]=$!
  URLBASE[$name]="http://127.0.0.1:$port"
  TARGETS+=("$name")
  port=$((port + 1))
done
# Optional: the same stores from another build (e.g. main), for before/after in one interleaved run.
if [ -n "${BASELINE_OUT:-}" ]; then
  for store in ${BASELINE_STORES:-tiered}; do
    name="base-$store"
    # shellcheck disable=SC2086
    env ${PRODUCT_ENV:-} ${BASELINE_ENV:-} dotnet "$BASELINE_OUT/EdgeCache.Server.dll" --origin "$ORIGIN" --listen "http://127.0.0.1:$port" --store "$store" \
      --memory-size "$MEMORY_SIZE" --disk-size 4GB --data-dir "$S/data-base-$store" --admin-listen none >"$S/logs/$name.log" 2>&1 &
    PID[$name]=$!
    URLBASE[$name]="http://127.0.0.1:$port"
    TARGETS+=("$name")
    port=$((port + 1))
  done
fi
for t in "${TARGETS[@]}"; do
  for _ in $(seq 200); do curl -fsS -o /dev/null --max-time 2 "${URLBASE[$t]}/1k.bin" 2>/dev/null && break; sleep 0.25; done
done

cat >"$S/unique.lua" <<'LUA'
local n, tag = 0, nil
request = function()
  if tag == nil then tag = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000)) end
  n = n + 1
  return wrk.format("GET", wrk.path .. "?m=" .. tag .. "-" .. n)
end
LUA
cat >"$S/set.lua" <<LUA
math.randomseed(os.time())
request = function() return wrk.format("GET", wrk.path .. "?k=" .. math.random(1, $WORKING_SET)) end
LUA
cat >"$S/small-set.lua" <<LUA
math.randomseed(os.time())
request = function() return wrk.format("GET", wrk.path .. "?k=" .. math.random(1, $SMALL_SET)) end
LUA

descendants() { local c; echo "$1"; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do descendants "$c"; done; }
cpu_ticks() { # user+sys clock ticks of a process and its descendants (nginx's workers)
  local t=0 p v
  for p in $(descendants "$1"); do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}'); t=$((t + ${v:-0}))
  done
  echo "$t"
}
origin_lines() { wc -l <"$WORK/logs/origin-access.log"; }
RESULTS="$S/results.tsv"; : >"$RESULTS"
run() { # target label path [lua] [record]
  local t=$1 label=$2 path=$3 lua=${4:-} record=${5:-1} out c0 c1 o0 o1 load reqs rps
  load=$(cut -d' ' -f1 /proc/loadavg); c0=$(cpu_ticks "${PID[$t]}"); o0=$(origin_lines)
  if [ -n "$lua" ]; then
    out=$(timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 10s -s "$lua" "${URLBASE[$t]}$path" 2>&1)
  else
    out=$(timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 10s "${URLBASE[$t]}$path" 2>&1)
  fi
  c1=$(cpu_ticks "${PID[$t]}"); o1=$(origin_lines)
  [ "$record" = 1 ] || return 0
  reqs=$(echo "$out" | awk '/requests in/{print $1; exit}')
  rps=$(echo "$out" | awk '/^Requests\/sec:/{printf "%.0f", $2; exit}')
  errs=$(echo "$out" | awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}')
  cpu=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v r="${reqs:-0}" 'BEGIN{ if (r > 0) printf "%.1f", t / hz * 1e6 / r; else print "NA" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$label" "${rps:-NA}" "$cpu" "$((o1 - o0))" "$errs" "$load" >>"$RESULTS"
  printf '%-10s %-10s %8s req/s  cpu %7s us/req  origin %6s  errs %s  load %s\n' "$t" "$label" "${rps:-NA}" "$cpu" "$((o1 - o0))" "$errs" "$load" >&2
}

SELECTED="|${STORE_CASES:-hot 1k|hot 100k|hot 1m|miss 1k|set 100k}|"
# Warm-up (not recorded): the hot objects, the miss path, and one pass over the working set.
for t in "${TARGETS[@]}"; do
  for o in 1k 100k 1m; do for _ in 1 2 3; do curl -fsS -o /dev/null --max-time 10 "${URLBASE[$t]}/$o.bin"; done; done
  DUR=$WARM run "$t" warm /1k.bin "$S/unique.lua" 0
  case "$SELECTED" in *"|hot "*) for o in 1k 100k 1m; do DUR=2 run "$t" warm "/$o.bin" "" 0; done ;; esac
  case "$SELECTED" in *"|set 100k|"*) DUR=$WARM run "$t" warm /100k.bin "$S/set.lua" 0 ;; esac
  case "$SELECTED" in *"|set 32k|"*) DUR=$WARM run "$t" warm /32k.bin "$S/small-set.lua" 0 ;; esac
done
echo "warm-up done; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

CASES=()
for c in "hot 1k|/1k.bin|" "hot 100k|/100k.bin|" "hot 1m|/1m.bin|" "miss 1k|/1k.bin|$S/unique.lua" "set 100k|/100k.bin|$S/set.lua" "set 32k|/32k.bin|$S/small-set.lua"; do
  case "$SELECTED" in *"|${c%%|*}|"*) CASES+=("$c") ;; esac
done
n=${#TARGETS[@]}
for ((r = 0; r < ROUNDS; r++)); do
  for ((ci = 0; ci < ${#CASES[@]}; ci++)); do
    IFS='|' read -r label path lua <<<"${CASES[$ci]}"
    for ((i = 0; i < n; i++)); do
      t=${TARGETS[$(((i + r + ci) % n))]}
      run "$t" "$label" "$path" "$lua"
    done
  done
done
for t in "${TARGETS[@]}"; do
  rss=0; for p in $(descendants "${PID[$t]}"); do v=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null); rss=$((rss + ${v:-0})); done
  printf '%s\t%s\n' "$t" "$rss" >>"$S/rss.tsv"
done

echo
echo "## Stores against nginx proxy_cache ($(date -u '+%Y-%m-%d %H:%M UTC'); wrk -t1 -c$CONNS -d${DUR}s, $ROUNDS rounds interleaved; memory tier $MEMORY_SIZE; working set $WORKING_SET x 100 KB)"
python3 - "$RESULTS" "$S/rss.tsv" "${TARGETS[@]}" <<'PY'
import statistics, sys
res, rssf, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
R, cases = {}, []
for line in open(res):
    t, case, rps, cpu, orig, errs, load = line.rstrip("\n").split("\t")
    if case not in cases:
        cases.append(case)
    R.setdefault((t, case), []).append((rps, cpu, orig, errs, load))
def f(x):
    try:
        return float(x)
    except ValueError:
        return None
def med(t, c, i):
    v = [f(r[i]) for r in R.get((t, c), []) if f(r[i])]
    return statistics.median(v) if v else None
def runs(t, c, i):
    return ", ".join(r[i] for r in R.get((t, c), []))
print("\nMedian req/s (the rounds in brackets) and CPU us per request (median)\n")
print("| case | " + " | ".join(f"{t} req/s | {t} CPU us" for t in targets) + " |")
print("|---|" + "---:|---:|" * len(targets))
for c in cases:
    cells = []
    for t in targets:
        rps, cpu = med(t, c, 0), med(t, c, 1)
        cells.append(f"{rps:.0f} ({runs(t, c, 0)})" if rps else "-")
        cells.append(f"{cpu:.0f}" if cpu else "-")
    print(f"| {c} | " + " | ".join(cells) + " |")
ec = [t for t in targets if t != "nginx"]
print("\nRatios to nginx (req/s: > 1 serves more; CPU: < 1 is cheaper), and tiered / memory\n")
print("| case | " + " | ".join(f"{t} req/s | {t} CPU" for t in ec) + (" | tiered / memory req/s |" if "ec-tiered" in ec and "ec-memory" in ec else " |"))
print("|---|" + "---:|---:|" * len(ec) + ("---:|" if "ec-tiered" in ec and "ec-memory" in ec else ""))
for c in cases:
    cells = []
    for t in ec:
        a, b = med(t, c, 0), med("nginx", c, 0)
        cells.append(f"{a / b:.2f}" if a and b else "-")
        a, b = med(t, c, 1), med("nginx", c, 1)
        cells.append(f"{a / b:.2f}" if a and b else "-")
    if "ec-tiered" in ec and "ec-memory" in ec:
        a, b = med("ec-tiered", c, 0), med("ec-memory", c, 0)
        cells.append(f"{a / b:.2f}" if a and b else "-")
    print(f"| {c} | " + " | ".join(cells) + " |")
print("\nChecks: origin requests during the case (hot: ~0) / errors, per round; load average at the start of each run\n")
print("| case | " + " | ".join(targets) + " |")
print("|---|" + "---|" * len(targets))
for c in cases:
    print(f"| {c} | " + " | ".join("; ".join(f"{r[2]}/{r[3]} @{r[4]}" for r in R.get((t, c), [])) for t in targets) + " |")
rss = dict(l.split() for l in open(rssf) if l.strip())
print("\nRSS at the end (MiB): " + ", ".join(f"{t} {int(rss[t]) / 1024:.0f}" for t in targets if t in rss))
PY
