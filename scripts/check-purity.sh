#!/usr/bin/env bash
# Fails when a pure layer (vote_core, vote_wire, vote_node_machine, vote_history, vote_sim)
# includes anything but the standard library,
# nlohmann/json, the pure layers themselves and private headers beside them, which are checked
# too (STYLE.md 3, DESIGN.md §3). Two exceptions, each one file and one library that reads no
# clock, file or socket: src/core/credentials.cpp hashes with OpenSSL's libcrypto (SHA-256, HMAC;
# docs/record.md), and src/core/unicode.cpp normalises voter ids to NFC with utf8proc
# (docs/rolls.md).
set -euo pipefail
root=${1:-$(dirname "$0")/..}
bad=$(grep -HnE '^\s*#\s*include\s*[<"]' \
        "$root"/include/vote/core/*.hpp \
        "$root"/src/core/*.cpp "$root"/src/core/*.hpp \
        "$root"/include/vote/wire/*.hpp "$root"/src/wire/*.cpp "$root"/src/wire/*.hpp \
        "$root"/include/vote/sim/*.hpp "$root"/src/sim/*.cpp "$root"/src/sim/*.hpp \
        "$root"/include/vote/node/machine/*.hpp "$root"/src/node/machine/*.cpp \
        "$root"/src/node/machine/*.hpp \
        "$root"/include/vote/history/*.hpp "$root"/src/history/*.cpp 2>/dev/null |
      grep -vE '#\s*include\s*<[a-z_0-9]+>' |
      grep -vE '#\s*include\s*[<"](nlohmann/|vote/core/|vote/wire/|vote/sim/|vote/node/machine/|vote/history/)' |
      grep -vE '#\s*include\s*"[a-z_0-9]+\.hpp"' |  # a private header beside it, checked too
      grep -vE '^[^:]*/src/core/credentials\.cpp:[0-9]+:#\s*include\s*<openssl/(evp|hmac)\.h>' |
      grep -vE '^[^:]*/src/core/unicode\.cpp:[0-9]+:#\s*include\s*<utf8proc\.h>' || true)
if [ -n "$bad" ]; then
  echo "error: a pure layer includes a non-standard header:" >&2
  echo "$bad" >&2
  exit 1
fi
