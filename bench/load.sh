#!/usr/bin/env bash
# load.sh: EdgeCache's proxy hit path under load, side by side with nginx, Varnish, YARP + OutputCache
# and a bare Kestrel app (the "ceiling"), interleaved in one run, and the ratios that issue 8 sets goals on.
#
# It publishes src/EdgeCache.Server in Release, then runs the shared anchors script
# (../shared/bench/anchors.sh relative to the repository, or $ANCHORS) with EdgeCache as the product:
#   edgecache --origin $ORIGIN --listen http://127.0.0.1:$PORT --store memory --admin-listen none
# and prints, per case, edgecache's req/s over each anchor's, its p99 over nginx's, and RSS.
#
# Usage (as root: the anchors script installs wrk, nginx and varnish with apt-get when missing):
#   bench/load.sh                      # 3 repeats of the 1 KB case, 6 s per case (about 6 minutes)
#   DUR=5 REPEAT=1 bench/load.sh       # a quick look
# Knobs (env): everything anchors.sh reads (DUR, MISS_DUR, CONNS, REPEAT, BASE_PORT, WORK, ...),
#   TARGETS (default "nginx ceiling yarp varnish"), OUT (publish dir, default /tmp/edgecache-load),
#   ANCHORS (path to anchors.sh), SKIP_PUBLISH=1 (reuse $OUT), PRODUCT_ENV (environment assignments for
#   EdgeCache only, e.g. PRODUCT_ENV='DOTNET_gcServer=0'; the .NET anchors keep their own settings).
#   PHASES (default "anchors stores"): which parts run. "stores" compares --store memory, tiered and disk
#   with nginx proxy_cache (see stores phase below); it needs the nginx configurations an anchors run left
#   in $WORK, so the first run must include "anchors".
# Stores phase knobs: STORES (default "memory tiered disk"), STORE_DUR (s per case, default 6), STORE_ROUNDS
#   (default 3: every case runs once per round, all targets interleaved, the order rotated), STORE_WARM (s of
#   misses before the first round, default 10), MEMORY_SIZE (the memory tier of every EdgeCache, default
#   64MB), WORKING_SET (distinct 100 KB keys of the large-working-set case, default 2000 = 200 MB, three times
#   the memory tier), STORE_PORT (first EdgeCache port, default 38400).
# Single runs on a shared 2-core machine vary by up to 25%: read the ratios within one run.
# Give every run its own WORK: a run that reuses the previous run's WORK left nginx's 1 KB misses at 1.1 ms of
# CPU each (1.4k req/s against 13-19k with a fresh WORK, session 8), which flatters every ratio against nginx.
# The anchors' miss case runs cold (nothing warms a miss path first); bench/miss-steady.sh measures misses
# after a warm-up, reusing what this script leaves in $WORK. Results: docs/performance.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ANCHORS="${ANCHORS:-$ROOT/../shared/bench/anchors.sh}"
OUT="${OUT:-/tmp/edgecache-load}"
export WORK="${WORK:-/tmp/edgecache-load-run}"
export TARGETS="${TARGETS:-nginx ceiling yarp varnish}"
export PRODUCT_NAME=edgecache

if [ ! -x "$ANCHORS" ] && [ ! -f "$ANCHORS" ]; then
  echo "anchors script not found at $ANCHORS (set ANCHORS=/path/to/anchors.sh)" >&2
  exit 2
fi

if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  dotnet publish "$ROOT/src/EdgeCache.Server" -c Release -o "$OUT" >&2
fi

PHASES="${PHASES:-anchors stores}"
case " $PHASES " in *" anchors "*) ;; *) SKIP_ANCHORS=1 ;; esac
if [ "${SKIP_ANCHORS:-0}" != 1 ]; then
export PRODUCT_CMD="${PRODUCT_ENV:-} dotnet '$OUT/EdgeCache.Server.dll' --origin \$ORIGIN --listen http://127.0.0.1:\$PORT --store memory --admin-listen none"
bash "$ANCHORS"

echo
echo "## EdgeCache against the anchors (same run)"
python3 - "$WORK/results.tsv" "$WORK/rss.tsv" <<'PY'
import statistics, sys
res, rssf = sys.argv[1], sys.argv[2]
R, cases = {}, []
for line in open(res):
    p = line.rstrip("\n").split("\t")
    if len(p) < 10:
        continue
    t, case = p[0], p[1]
    if case not in cases:
        cases.append(case)
    R[(t, case)] = p
def num(x):
    try:
        v = float(x)
        return v if v > 0 else None
    except ValueError:
        return None
def metric(t, case, i):
    return num(R[(t, case)][i]) if (t, case) in R else None
reps = [c for c in cases if c.startswith("1k c") and " r" in c]
groups = ([("1k c32 (median of repeats)", reps)] if reps else []) + [(c, [c]) for c in cases if c not in reps]
def med(t, names, i):
    v = [x for x in (metric(t, c, i) for c in names) if x]
    return statistics.median(v) if v else None
anchors = [t for t in ["nginx", "varnish", "yarp", "ceiling"] if any(k[0] == t for k in R)]
print("\nReq/s ratio edgecache / anchor (>= 1.0 means EdgeCache serves more; goal: >= 1.0 nginx, varnish, yarp and >= 0.9 ceiling on hits, >= 1.5 nginx on misses)\n")
print("| case | " + " | ".join(anchors) + " | p99 edgecache / nginx (goal <= 1.0) |")
print("|---|" + "---:|" * (len(anchors) + 1))
for label, names in groups:
    e = med("edgecache", names, 2)
    cells = []
    for a in anchors:
        b = med(a, names, 2)
        cells.append(f"{e / b:.2f}" if e and b else "-")
    ep, np_ = med("edgecache", names, 4), med("nginx", names, 4)
    cells.append(f"{ep / np_:.2f} ({ep:.2f} / {np_:.2f} ms)" if ep and np_ else "-")
    print(f"| {label} | " + " | ".join(cells) + " |")
rss = {}
for line in open(rssf):
    p = line.split()
    if len(p) >= 3:
        rss[(p[0], p[1])] = int(p[2])
targets = ["edgecache"] + anchors
print("\nRSS (MiB, whole process tree)\n")
print("| when | " + " | ".join(targets) + " |")
print("|---|" + "---:|" * len(targets))
for when in ("after-hits", "end"):
    print(f"| {when} | " + " | ".join(f"{rss[(t, when)] / 1024:.0f}" if (t, when) in rss else "-" for t in targets) + " |")
PY
fi

case " $PHASES " in *" stores "*) ;; *) exit 0 ;; esac
exec bash "$ROOT/bench/load-stores.sh"
