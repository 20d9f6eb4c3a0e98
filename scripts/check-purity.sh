#!/usr/bin/env bash
# Fails when a pure layer (vote_core, vote_wire) includes anything but the standard library,
# nlohmann/json, the pure layers themselves and private headers beside them, which are checked
# too (STYLE.md 3, DESIGN.md §3).
set -euo pipefail
root=${1:-$(dirname "$0")/..}
bad=$(grep -HnE '^\s*#\s*include\s*[<"]' \
        "$root"/include/vote/core/*.hpp "$root"/include/vote/core/detail/*.hpp \
        "$root"/src/core/*.cpp "$root"/src/core/*.hpp \
        "$root"/include/vote/wire/*.hpp "$root"/src/wire/*.cpp "$root"/src/wire/*.hpp \
        "$root"/include/vote/sim/*.hpp "$root"/src/sim/*.cpp "$root"/src/sim/*.hpp 2>/dev/null |
      grep -vE '#\s*include\s*<[a-z_0-9]+>' |
      grep -vE '#\s*include\s*[<"](nlohmann/|vote/core/|vote/wire/|vote/sim/)' |
      grep -vE '#\s*include\s*"[a-z_0-9]+\.hpp"' || true)  # a private header beside it, checked too
if [ -n "$bad" ]; then
  echo "error: a pure layer includes a non-standard header:" >&2
  echo "$bad" >&2
  exit 1
fi
