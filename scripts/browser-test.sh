#!/usr/bin/env bash
# The voters' pages in headless Chromium against three loopback vote-servers
# (tests/browser/browser_test.mjs; docs/testing.md). Needs the build (build/bin), node and
# Chromium (Debian: apt-get install chromium nodejs npm).
#   scripts/browser-test.sh
# puppeteer-core (pinned in tests/browser/package-lock.json) is installed into
# .cache/browser/node_modules on first use, or again when the lock file changes.
# Without Chromium or node it prints "skipped: ..." and exits 0, unless VOTE_REQUIRE_BROWSER=1
# (then 1). Environment: CHROMIUM (the browser binary), VOTE_BIN_DIR (default build/bin),
# VOTE_ARTIFACTS (screenshots; default build/artifacts/browser).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

skip() {
  if [ "${VOTE_REQUIRE_BROWSER:-0}" = 1 ]; then
    echo "browser test: $1 (VOTE_REQUIRE_BROWSER=1)" >&2
    exit 1
  fi
  echo "skipped: $1"
  exit 0
}

chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$c" >/dev/null; then
      chromium=$(command -v "$c")
      break
    fi
  done
fi
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then skip "no chromium"; fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then skip "no node"; fi

modules=$root/.cache/browser
if [ ! -d "$modules/node_modules/puppeteer-core" ] ||
  ! cmp -s "$root/tests/browser/package-lock.json" "$modules/package-lock.json"; then
  echo "browser test: installing puppeteer-core into $modules"
  mkdir -p "$modules"
  cp "$root/tests/browser/package.json" "$root/tests/browser/package-lock.json" "$modules/"
  # The browser is Debian's: puppeteer must not download one.
  (cd "$modules" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi

export CHROMIUM=$chromium
export VOTE_BROWSER_MODULES=$modules/node_modules
exec node "$root/tests/browser/browser_test.mjs"
