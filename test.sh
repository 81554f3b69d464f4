#!/usr/bin/env bash
# Runs every test: installs or starts what the tests need (once; quiet when it is already there), builds
# with warnings as errors, runs `dotnet test` in Release and prints "N passed, N failed" as its last line.
# Exits non-zero on any failure. .ci/run calls this same script.
#
#   ./test.sh                           # everything
#   ./test.sh --filter 'Category!=Slow' # extra arguments go to `dotnet test`
#
# What it sets up (Debian/Ubuntu, with apt-get as root or through password-less sudo):
#   chromium (status page test), nodejs + npm (conformance checker, status page test), curl + python3
#   (the getting-started test runs docs/getting-started.md as written), redis-server (the Redis tier's
#   tests also run against a real server and a three-master cluster, started here on free loopback ports
#   and stopped on exit), and the status page test's pinned npm packages (`npm ci`).
# When it cannot install something it says what to install and goes on: the tests that need it then
# fail with their own message (they never skip).
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "test.sh: $*"; }

if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET 10 SDK is not on PATH: install it (https://dotnet.microsoft.com/download) and run ./test.sh again."
  echo "0 passed, 1 failed"
  exit 1
fi

# --- Debian packages --------------------------------------------------------------------------------
need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
[ -x /usr/bin/chromium ] || need_apt+=(chromium) # the status page test drives Debian's Chromium
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v afl-fuzz >/dev/null 2>&1 || need_apt+=(afl++) # tests/fuzz-ci.sh

if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(none); fi
  fi
  if [ "${sudo[0]:-}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
    say "cannot install ${need_apt[*]} (needs apt-get as root or password-less sudo)."
    say "install them yourself, e.g. 'sudo apt-get install -y ${need_apt[*]}'; the tests that need them will fail until then."
  else
    # Another apt-get or dpkg (someone else's install) holds the lock: wait for it rather than fail.
    for _ in $(seq 600); do
      pgrep -x apt-get >/dev/null 2>&1 || pgrep -x dpkg >/dev/null 2>&1 || pgrep -x apt >/dev/null 2>&1 || break
      sleep 1
    done
    say "installing ${need_apt[*]} (apt-get)"
    if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null; }; then
      say "apt-get could not install ${need_apt[*]}; the tests that need them will fail with what is missing."
    fi
  fi
fi

# --- npm packages of the status page test --------------------------------------------------------
# `npm ci` from the lock file, once: a stamp beside node_modules records which lock file it installed.
status_page=tests/EdgeCache.Server.Tests/StatusPage
stamp="$status_page/node_modules/.installed-from-package-lock.json"
if command -v npm >/dev/null 2>&1; then
  if ! cmp -s "$status_page/package-lock.json" "$stamp"; then
    say "npm ci ($status_page)"
    if (cd "$status_page" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
      cp "$status_page/package-lock.json" "$stamp"
    else
      say "npm ci failed in $status_page; the status page test will say what is missing."
    fi
  fi
else
  say "npm is missing: the status page test cannot install playwright-core."
fi

# --- build -----------------------------------------------------------------------------------------
say "build"
if ! dotnet build EdgeCache.slnx -c Release -warnaserror -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

# --- redis-server and a three-master Redis Cluster (loopback, free ports, stopped on exit) ---------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
redis_dir=$(mktemp -d)
redis_ports=()
stop_redis() {
  for port in "${redis_ports[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$redis_dir"
}
trap stop_redis EXIT
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  # Four consecutive free ports (and the cluster bus ports 10000 above them), so parallel runs do not collide.
  for _ in $(seq 50); do
    base=$((20000 + RANDOM % 9000))
    ok=1
    for p in $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 10001)) $((base + 10002)) $((base + 10003)); do
      port_free "$p" || { ok=0; break; }
    done
    [ "$ok" = 1 ] && break
  done
  redis_ports=("$base" $((base + 1)) $((base + 2)) $((base + 3)))
  for port in "${redis_ports[@]}"; do
    mkdir -p "$redis_dir/$port"
    cluster=(); [ "$port" != "$base" ] && cluster=(--cluster-enabled yes --cluster-config-file "$redis_dir/$port/nodes.conf")
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$redis_dir/$port" \
      --logfile "$redis_dir/$port.log" --daemonize yes "${cluster[@]}" >/dev/null
  done
  for port in "${redis_ports[@]}"; do
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  c1=$((base + 1)); c2=$((base + 2)); c3=$((base + 3))
  if redis-cli --cluster create "127.0.0.1:$c1" "127.0.0.1:$c2" "127.0.0.1:$c3" --cluster-replicas 0 --cluster-yes >/dev/null 2>&1; then
    for _ in $(seq 100); do redis-cli -p "$c1" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break; sleep 0.1; done
    export EDGECACHE_TEST_REDIS_CLUSTER="127.0.0.1:$c1,127.0.0.1:$c2,127.0.0.1:$c3"
  else
    say "could not create the Redis cluster on $c1-$c3 (see $redis_dir/*.log); the cluster tests run against Garnet only."
  fi
  export EDGECACHE_TEST_REDIS="127.0.0.1:$base"
else
  say "redis-server is missing: the Redis tests run against the in-process Garnet server only."
fi

# --- test ------------------------------------------------------------------------------------------
results="$PWD/TestResults"
rm -rf "$results"
say "test"
dotnet test EdgeCache.slnx -c Release --no-build --logger "trx" --results-directory "$results" "$@" -- RunConfiguration.TestSessionTimeout=1500000
status=$?

# Fuzzing and the soak (docs/reliability.md): each a script of its own, bounded in time, counted as one
# check each. EDGECACHE_SKIP_SOAK=1 leaves both out (a quicker local run).
passed=0; failed=0
if [ "${EDGECACHE_SKIP_SOAK:-0}" != 1 ] && [ $# -eq 0 ]; then
  say "fuzz (tests/fuzz-ci.sh, about 2 minutes)"
  if timeout -k 10 360 tests/fuzz-ci.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); say "fuzz: FAILED"; fi
  say "soak (bench/soak-ci.sh, 60 seconds of traffic under faults)"
  if bench/soak-ci.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); say "soak: FAILED"; fi
fi

for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner failed without a counted test failure (crash, abort): count it
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  say "no test ran"; failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
