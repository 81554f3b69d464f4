#!/usr/bin/env bash
# Adds every public symbol the build reports as undeclared (RS0016) to the project's PublicAPI.Unshipped.txt,
# and every shipped symbol that is gone (RS0017) as a *REMOVED* line, so a deliberate API change is one
# command and a reviewed diff:
#   tools/public-api.sh [PROJECT_DIR ...]     default: every library under src/
# Review the diff: a symbol that should not be public is made internal instead. At a release, the
# Unshipped lines move to PublicAPI.Shipped.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(src/EdgeCache src/EdgeCache.Redis src/EdgeCache.AspNetCore src/EdgeCache.JavaScript)
for dir in "${projects[@]}"; do
    for _ in 1 2 3; do
        errors=$(dotnet build "$dir" -c Release -nologo -clp:ErrorsOnly 2>&1 | grep "\[$root/$dir/" || true)
        found=$( { printf '%s\n' "$errors" | grep "error RS0016" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/"
                   printf '%s\n' "$errors" | grep "error RS0017" | sed -E "s/.*Symbol '(.*)' is part of the declared API.*/*REMOVED*\1/"; } | grep -v '^$' | sort -u || true)
        [ -n "$found" ] || break
        { cat "$dir/PublicAPI.Unshipped.txt"; printf '%s\n' "$found"; } | grep -v '^#nullable enable$' | sort -u \
            | { echo '#nullable enable'; cat; } > "$dir/PublicAPI.Unshipped.txt.new"
        mv "$dir/PublicAPI.Unshipped.txt.new" "$dir/PublicAPI.Unshipped.txt"
        echo "$dir: $(printf '%s\n' "$found" | wc -l) symbols added to PublicAPI.Unshipped.txt"
    done
done
