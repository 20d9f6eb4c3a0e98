#!/usr/bin/env bash
# Installs the Debian packages the build needs (when missing) and builds vote-server in Release.
#   scripts/setup.sh [build-dir]       (default: build)
#   scripts/setup.sh --deps-only       only the packages
# Environment: VOTE_WERROR=ON makes warnings fatal (CI does this), OFF not; unset, a build
# directory keeps its setting (new ones: OFF); VOTE_CLANG=ON also installs
# clang 14 with its sanitizer and libFuzzer runtimes (the sanitizer and fuzz stages need them);
# VOTE_BROWSER=ON also installs Chromium and node (the browser stage).
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
          libqrencode-dev openssl iproute2
          # packaging (cmake/vote_install.cmake): sd_notify, man pages, the .deb's dependencies
          # (and its tests: systemd-analyze, man and groff, zsh -n)
          libsystemd-dev help2man dpkg-dev systemd man-db zsh)
[ "${VOTE_CLANG:-OFF}" != ON ] || packages+=(clang-14 libclang-rt-14-dev llvm-14)
# VOTE_BROWSER=ON: the browser test's (scripts/browser-test.sh): Debian's Chromium, and node with
# npm unless some node is installed already (a nodejs package that bundles npm included).
if [ "${VOTE_BROWSER:-OFF}" = ON ]; then
  packages+=(chromium fonts-dejavu-core)
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
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
# promtool lints the /metrics scrape in the integration tests (tests/CMakeLists.txt finds it in
# PATH or here). Not the prometheus package installed, which would start a daemon: its .deb unpacked.
promdir=$root/.cache/prometheus
if ! command -v promtool >/dev/null && [ ! -x "$promdir/usr/bin/promtool" ]; then
  (mkdir -p "$promdir" && cd "$promdir" && apt-get download -qq prometheus >/dev/null &&
    dpkg -x prometheus_*.deb . && rm -f prometheus_*.deb) ||
    echo "setup: could not unpack promtool; the metrics lint in the integration tests is skipped"
fi
[ "$deps_only" = 0 ] || exit 0

# VOTE_WERROR unset keeps what the build directory has (OFF in a new one): the demo run after a
# CI-style build must not reconfigure it and rebuild everything.
werror=()
[ -z "${VOTE_WERROR:-}" ] || werror=(-DVOTE_WERROR="$VOTE_WERROR")
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${werror[@]}" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
