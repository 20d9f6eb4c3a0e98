#!/usr/bin/env bash
# Sets up, builds and runs every test (ctest labels unit, sim, integration, cluster; the netns
# cluster tests need root and skip without it).
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L unit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VOTE_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" "$build"
cd "$build"
ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@"
