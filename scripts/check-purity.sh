#!/usr/bin/env bash
# Fails when a pure layer (vote_core, vote_wire) includes anything but the standard library,
# nlohmann/json and the pure layers themselves (STYLE.md 3, DESIGN.md §3).
set -euo pipefail
root=${1:-$(dirname "$0")/..}
bad=$(grep -HnE '^\s*#\s*include\s*[<"]' \
        "$root"/include/vote/core/*.hpp "$root"/src/core/*.cpp \
        "$root"/include/vote/wire/*.hpp "$root"/src/wire/*.cpp 2>/dev/null |
      grep -vE '#\s*include\s*<[a-z_0-9]+>' |
      grep -vE '#\s*include\s*[<"](nlohmann/|vote/core/|vote/wire/)' || true)
if [ -n "$bad" ]; then
  echo "error: a pure layer includes a non-standard header:" >&2
  echo "$bad" >&2
  exit 1
fi
