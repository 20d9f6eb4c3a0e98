#!/usr/bin/env bash
# Long fuzzing sessions with libFuzzer (docs/testing.md "Fuzzing").
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--merge] [target...]
#     --seconds N  wall-clock seconds per target (default 300)
#     --jobs J     targets fuzzed at once (default: number of cores)
#     --merge      afterwards, merge what each run found into tests/fuzz/corpus/<target>
#                  (libFuzzer -merge=1 keeps only inputs that add coverage; commit the result)
#     target...    any of the targets in tests/fuzz/CMakeLists.txt (default: all)
# Environment: VOTE_FUZZ_BUILD_DIR (default build-asan, the build of scripts/test.sh's asan
# stage), VOTE_SETUP=0 skips the package check.
# Each run fuzzes a working copy of the committed corpus (build-asan/fuzz-work/<target>), so the
# tree changes only with --merge. A crash, leak, timeout or violated property leaves its input in
# build-asan/fuzz-work/<target>/artifacts/ and makes the script exit 1; replay it with
#   build-asan/tests/fuzz/fuzz_<target> <artifact>
# The summary prints, per target, the executions, the CPU seconds spent and the corpus growth.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VOTE_FUZZ_BUILD_DIR:-$root/build-asan}
seconds=300
jobs=$(nproc)
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds needs a whole number" >&2; exit 2 ;; esac
case "$jobs" in ''|*[!0-9]*|0) echo "fuzz.sh: --jobs needs a number above 0" >&2; exit 2 ;; esac

all=$(sed -n '/^set(vote_fuzz_targets/,/)/p' "$root/tests/fuzz/CMakeLists.txt" |
      tr -d '()' | sed 's/set//; s/vote_fuzz_targets//' | tr -s ' \n' ' ')
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<< "$all"
for t in "${targets[@]}"; do
  case " $all " in *" $t "*) ;; *) echo "fuzz.sh: no target '$t' (have:$all)" >&2; exit 2 ;; esac
done

[ "${VOTE_SETUP:-1}" = 0 ] || VOTE_CLANG=ON "$root/scripts/setup.sh" --deps-only
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DVOTE_FUZZ=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

work=$build/fuzz-work
run_one() {
  local t=$1 dir=$work/$1
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$root/tests/fuzz/corpus/$t/"* "$dir/corpus/"
  local start_files
  start_files=$(ls "$dir/corpus" | wc -l)
  local status=0 TIMEFORMAT='%U %S'
  # -timeout: one input taking 10 s is a finding; -rss_limit_mb bounds a runaway allocation.
  { time "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
      "$dir/corpus" >"$dir/log" 2>&1 || status=$?; } 2>"$dir/cpu"
  echo "$status" >"$dir/status"
  local runs cpu end_files
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  cpu=$(awk '{printf "%.0f", $1 + $2}' "$dir/cpu" 2>/dev/null || echo "?")
  end_files=$(ls "$dir/corpus" | wc -l)
  if [ "$status" -eq 0 ]; then
    printf '%-10s ok     runs %-10s cpu-s %-6s corpus %s -> %s\n' "$t" "${runs:-?}" "$cpu" \
      "$start_files" "$end_files" >"$dir/summary"
  else
    printf '%-10s FAILED (exit %s) see %s/log and %s/artifacts\n' "$t" "$status" "$dir" "$dir" \
      >"$dir/summary"
  fi
}

echo "fuzz.sh: ${#targets[@]} targets, ${seconds}s each, $jobs at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
done
wait
failed=0
for t in "${targets[@]}"; do
  cat "$work/$t/summary"
  [ "$(cat "$work/$t/status")" = 0 ] || failed=1
done

if [ "$merge" = 1 ]; then
  for t in "${targets[@]}"; do
    "$build/tests/fuzz/fuzz_$t" -merge=1 "$root/tests/fuzz/corpus/$t" "$work/$t/corpus" \
      >"$work/$t/merge.log" 2>&1
    echo "merged $t: $(ls "$root/tests/fuzz/corpus/$t" | wc -l) files in tests/fuzz/corpus/$t"
  done
fi
exit "$failed"
