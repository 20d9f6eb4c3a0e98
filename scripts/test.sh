#!/usr/bin/env bash
# Sets up, builds and runs every test, in stages (docs/testing.md "What CI runs"):
#   main   g++ Release (build/): every ctest label: unit, sim, integration, cluster (the netns
#          cluster tests need root and skip without it) and fuzz (each target replays its corpus)
#   package  the .deb of build/ (cpack -G DEB), installed with apt on this machine, checked
#          (binaries, user, directories, conffiles, systemd-analyze verify of the units), then
#          purged: scripts/check-package.sh (root or sudo; starts no server)
#   browser  the voters' pages in Debian's headless Chromium (puppeteer-core from npm) against
#          three loopback servers of build/: scripts/browser-test.sh; screenshots in
#          build/artifacts/browser/ (installs chromium and nodejs when missing)
#   asan   clang 14, AddressSanitizer + UndefinedBehaviorSanitizer + libFuzzer instrumentation
#          (build-asan/): the unit, integration and fuzz labels, a thirtieth of the simulation seeds,
#          then every fuzz target for VOTE_FUZZ_SECONDS (default 10) from its corpus
#   tsan   clang 14, ThreadSanitizer (build-tsan/): the threaded parts' unit tests (log writer
#          and storage, node, net)
#
#   scripts/test.sh                      every stage
#   scripts/test.sh [ctest arguments...] the main stage only, with these arguments (-L unit, ...)
# Environment: VOTE_STAGES="main package browser asan tsan" picks stages; VOTE_BUILD_DIR moves build/;
# VOTE_WERROR=ON makes warnings fatal (CI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VOTE_BUILD_DIR:-$root/build}
stages=${VOTE_STAGES:-main package browser asan tsan}
[ $# -eq 0 ] || stages=main
jobs=$(nproc)
timings=()
# The targets a sanitizer stage builds (gtest_discover_tests leaves a <suite>_NOT_BUILT
# placeholder for the others, which the stages exclude).
unit_suites="core_unit_tests wire_unit_tests storage_unit_tests net_unit_tests node_unit_tests
             client_unit_tests lab_unit_tests cli_unit_tests"

stage_time() {  # name, start seconds
  timings+=("$(printf '%-5s %4d s' "$1" $(($(date +%s) - $2)))")
}

# clang builds of the given targets in $1 with the given cmake options.
clang_build() {
  local dir=$1 targets=$2
  shift 2
  local werror=()  # as in setup.sh: unset keeps the directory's setting
  [ -z "${VOTE_WERROR:-}" ] || werror=(-DVOTE_WERROR="$VOTE_WERROR")
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 "${werror[@]}" "$@" >/dev/null
  # shellcheck disable=SC2086
  cmake --build "$dir" --parallel "$jobs" --target $targets
}

case " $stages " in *" asan "*|*" tsan "*) export VOTE_CLANG=ON ;; esac

for stage in $stages; do
  start=$(date +%s)
  case "$stage" in
    main)
      "$root/scripts/setup.sh" "$build"
      (cd "$build" && ctest --output-on-failure --timeout 600 -j "$jobs" "$@")
      ;;
    package)
      "$root/scripts/setup.sh" "$build"  # nothing to do after main
      "$root/scripts/check-package.sh" "$build"
      ;;
    browser)
      VOTE_BROWSER=ON "$root/scripts/setup.sh" "$build"  # the packages; the build is done
      VOTE_BIN_DIR=$build/bin VOTE_ARTIFACTS=$build/artifacts/browser \
        "$root/scripts/browser-test.sh"
      ;;
    asan)
      "$root/scripts/setup.sh" --deps-only
      dir=$root/build-asan
      clang_build "$dir" "$unit_suites integration_tests sim_tests fuzz_all" -DVOTE_FUZZ=ON
      # halt_on_error: the first report fails the test; detect_leaks: LeakSanitizer too.
      export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0
      export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/ubsan.supp
      (cd "$dir" && ctest --output-on-failure --timeout 900 -j "$jobs" -L 'unit|integration|fuzz' \
        -E _NOT_BUILT)
      (cd "$dir" && VOTE_SIM_STRIDE=30 ctest --output-on-failure --timeout 900 -j "$jobs" -L sim \
        -E _NOT_BUILT)
      VOTE_SETUP=0 VOTE_FUZZ_BUILD_DIR=$dir "$root/scripts/fuzz.sh" \
        --seconds "${VOTE_FUZZ_SECONDS:-10}"
      unset ASAN_OPTIONS UBSAN_OPTIONS
      ;;
    tsan)
      "$root/scripts/setup.sh" --deps-only
      dir=$root/build-tsan
      clang_build "$dir" "storage_unit_tests node_unit_tests net_unit_tests" \
        -DVOTE_SANITIZE=thread
      export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
      (cd "$dir" && ctest --output-on-failure --timeout 900 -j "$jobs" -L unit -E _NOT_BUILT)
      unset TSAN_OPTIONS
      ;;
    *) echo "test.sh: unknown stage '$stage' (main, package, browser, asan, tsan)" >&2; exit 2 ;;
  esac
  stage_time "$stage" "$start"
done
printf 'test.sh: stage times:\n'
printf '  %s\n' "${timings[@]}"
