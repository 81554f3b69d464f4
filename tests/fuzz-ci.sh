#!/usr/bin/env bash
# fuzz-ci.sh: a short, time-boxed AFL++ run of every fuzz target in tests/EdgeCache.Fuzz (SharpFuzz).
# Exits non-zero when any target crashes (an exception, an invariant broken, a hang past the timeout)
# and prints the reproducers; copy them to tests/EdgeCache.Fuzz/crashes/<target>/ as regression tests.
#
# Usage: tests/fuzz-ci.sh                   # every target, FUZZ_SECONDS (default 8) each
#        FUZZ_SECONDS=600 tests/fuzz-ci.sh rules canonical-target   # a longer look at two
# Knobs (env): FUZZ_SECONDS, FUZZ_WORK (default a temporary folder, removed unless FUZZ_KEEP=1),
#   FUZZ_CORPUS_OUT (a folder to which each target's new queue entries are copied, to grow the corpus).
# Needs afl-fuzz (Debian: apt-get install afl++) and the .NET SDK; installs the sharpfuzz tool
# (SharpFuzz.CommandLine 2.3.0) into the work folder. Loopback and the work folder only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-8}"
WORK="${FUZZ_WORK:-$(mktemp -d /tmp/edgecache-fuzz.XXXXXX)}"
[ "${FUZZ_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }

# The build output, copied: sharpfuzz rewrites the assemblies in place, and dotnet test must keep the plain ones.
dotnet build "$ROOT/tests/EdgeCache.Fuzz/EdgeCache.Fuzz.csproj" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
mkdir -p "$WORK/bin" "$WORK/findings"
cp -r "$ROOT/tests/EdgeCache.Fuzz/bin/Release/net10.0/." "$WORK/bin/"
if [ ! -x "$WORK/tool/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$WORK/tool" >/dev/null
fi
for assembly in EdgeCache.dll EdgeCache.AspNetCore.dll EdgeCache.Server.dll; do
  "$WORK/tool/sharpfuzz" "$WORK/bin/$assembly" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=60000 AFL_QUIET=1 DOTNET_TieredPGO=0
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(dotnet "$WORK/bin/EdgeCache.Fuzz.dll" list)

crashed=0
for target in "${targets[@]}"; do
  out="$WORK/findings/$target"
  rm -rf "$out"
  # -V stops AFL++ after the time box; timeout is the backstop if it cannot start or stop.
  if ! timeout -k 10 $((SECONDS_PER_TARGET + 90)) afl-fuzz -i "$ROOT/tests/EdgeCache.Fuzz/corpus/$target" -o "$out" \
      -V "$SECONDS_PER_TARGET" -t 10000 -m none -- dotnet "$WORK/bin/EdgeCache.Fuzz.dll" run "$target" >"$WORK/$target.log" 2>&1; then
    echo "fuzz: $target: afl-fuzz failed; its log:"; tail -n 30 "$WORK/$target.log"; crashed=1; continue
  fi
  stats="$out/default/fuzzer_stats"
  execs=$(sed -n 's/^execs_done *: *//p' "$stats" 2>/dev/null || echo "?")
  paths=$(sed -n 's/^corpus_count *: *//p' "$stats" 2>/dev/null || echo "?")
  found=$(find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2>/dev/null | sort)
  if [ -n "$found" ]; then
    echo "fuzz: $target: CRASH ($execs runs); reproduce with: dotnet tests/EdgeCache.Fuzz/bin/Release/net10.0/EdgeCache.Fuzz.dll replay $target FILE"
    while IFS= read -r file; do
      echo "  $file: $(head -c 200 "$file" | od -An -c | tr -s ' ' | head -c 300)"
      dotnet "$ROOT/tests/EdgeCache.Fuzz/bin/Release/net10.0/EdgeCache.Fuzz.dll" replay "$target" "$file" 2>&1 | head -n 3 | sed 's/^/    /' || true
    done <<<"$found"
    crashed=1
  else
    echo "fuzz: $target: ok ($execs runs, $paths inputs in the queue, ${SECONDS_PER_TARGET}s)"
  fi
  if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then
    mkdir -p "$FUZZ_CORPUS_OUT/$target" && cp "$out"/default/queue/id* "$FUZZ_CORPUS_OUT/$target/" 2>/dev/null || true
  fi
done
exit "$crashed"
