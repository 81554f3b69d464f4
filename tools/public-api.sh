#!/usr/bin/env bash
# Adds every public symbol the build reports as undeclared (RS0016) to the project's PublicAPI.Unshipped.txt,
# and every shipped symbol that is gone (RS0017) as a *REMOVED* line (one never shipped just leaves Unshipped), so a deliberate API change is one
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
        added=$(printf '%s\n' "$errors" | grep "error RS0016" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | grep -v '^$' | sort -u || true)
        removed=$(printf '%s\n' "$errors" | grep "error RS0017" | sed -E "s/.*Symbol '(.*)' is part of the declared API.*/\1/" | grep -v '^$' | sort -u || true)
        found="$added$removed"
        [ -n "$found" ] || break
        # A removed symbol that was only ever in Unshipped (never released) just leaves Unshipped; one that
        # shipped is recorded as *REMOVED*.
        printf '%s\n' "$removed" > "$dir/PublicAPI.removed.tmp"
        { awk 'NR == FNR { if ($0 != "") gone[$0] = 1; next }
               ($0 in gone) { kept[$0] = 1; next }
               { print }
               END { for (g in gone) if (!(g in kept)) print "*REMOVED*" g }' "$dir/PublicAPI.removed.tmp" "$dir/PublicAPI.Unshipped.txt"
          printf '%s\n' "$added"; } | grep -v '^#nullable enable$' | grep -v '^$' | sort -u \
            | { echo '#nullable enable'; cat; } > "$dir/PublicAPI.Unshipped.txt.new"
        rm -f "$dir/PublicAPI.removed.tmp"
        mv "$dir/PublicAPI.Unshipped.txt.new" "$dir/PublicAPI.Unshipped.txt"
        echo "$dir: $(printf '%s\n' "$added" | grep -c . || true) symbols added, $(printf '%s\n' "$removed" | grep -c . || true) removed (PublicAPI.Unshipped.txt)"
    done
done
