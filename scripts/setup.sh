#!/usr/bin/env bash
# Installs the Debian packages the build needs (when missing) and builds vote-server in Release.
#   scripts/setup.sh [build-dir]       (default: build)
#   scripts/setup.sh --deps-only       only the packages
# Environment: VOTE_WERROR=ON makes warnings fatal (CI does this); VOTE_CLANG=ON also installs
# clang 14 with its sanitizer and libFuzzer runtimes (the sanitizer and fuzz stages need them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps_only=0
if [ "${1:-}" = "--deps-only" ]; then
  deps_only=1
  shift
fi
build=${1:-$root/build}

packages=(cmake ninja-build g++ pkg-config libboost1.81-dev libcli11-dev nlohmann-json3-dev
          libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libssl-dev libutf8proc-dev libjemalloc-dev
          openssl iproute2)
[ "${VOTE_CLANG:-OFF}" != ON ] || packages+=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ "$deps_only" = 0 ] || exit 0

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DVOTE_WERROR="${VOTE_WERROR:-OFF}" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
