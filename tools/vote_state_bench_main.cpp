// vote-state-bench: what a large election state costs in memory, and how long its snapshot takes
// to write and to restore (issue 12, requirement 5; docs/operations.md "Performance").
//
// Builds the state through election_state::apply(), as the log would (vote::lab::
// make_synthetic_state): --elections elections of --voters voters each, every voter voting once
// with a client nonce and a CLI-like request id. Then it measures:
//   - the heap the state holds (jemalloc's or glibc's allocated bytes before and after), per voter
//     and net of the ids' bytes (voter ids and request ids);
//   - snapshot(): median time and size; restore(): median time, and the restored state's heap;
//     with --v3 the same for the version-3 JSON of releases before issue 12, first.
// Numbers only: it never asserts timing. Runs the same against any commit's vote_core, so a
// format change is measured as a before/after pair.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <iostream>

#include "vote/cli/command_line.hpp"
#include "vote/core/election.hpp"
#include "vote/lab/restart_bench.hpp"

namespace {

// Bytes glibc's allocator has handed out and not taken back (arena and mmapped blocks). The tool
// is linked without jemalloc so that this is the whole heap.
std::size_t heap_bytes() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

template <typename F>
double median_ms(int runs, F&& f) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(ms_since(start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Measure a large election state: heap per voter, snapshot and restore times.",
               "vote-state-bench"};
  std::uint32_t elections = 1;
  std::uint32_t voters = 1'000'000;
  std::uint32_t chunk = 100'000;
  int runs = 3;
  app.add_option("--elections", elections, "number of elections")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--voters", voters, "voters per election, every one of whom votes")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--chunk", chunk, "voters per registration chunk")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--runs", runs, "runs of snapshot and restore (the median is printed)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  bool v3 = false;
  app.add_flag("--v3", v3,
               "also time the version-3 JSON snapshot of releases before issue 12 (a before/after "
               "pair on the same state)");
  if (auto rc = vote::cli::parse(app, argc, argv, std::cout, std::cerr)) return *rc;

  const std::size_t heap0 = heap_bytes();
  auto start = std::chrono::steady_clock::now();
  vote::lab::synthetic_state b = vote::lab::make_synthetic_state(elections, voters, chunk, 1'000);
  const double build_ms = ms_since(start);
  const std::size_t state_heap = heap_bytes() - heap0;
  const double total = double(elections) * voters;
  std::printf("state: %u election(s) x %u voters, all voted; built by apply() in %.0f ms\n",
              elections, voters, build_ms);
  std::printf("heap: %.1f MB = %.1f bytes/voter; ids' bytes %.1f/voter; net of ids %.1f/voter\n",
              state_heap / 1e6, state_heap / total, b.id_bytes / total,
              (double(state_heap) - double(b.id_bytes)) / total);

  std::string bytes;
  std::optional<vote::election_state> restored;
  // Times snapshot (with `write`) and restore; false when the restored state differs.
  const auto measure = [&](const char* what, auto write) {
    const double snap_ms = median_ms(runs, [&] { bytes = write(); });
    std::printf("%s snapshot: %.0f ms (median of %d), %.1f MB = %.1f bytes/voter\n", what, snap_ms,
                runs, bytes.size() / 1e6, bytes.size() / total);
    const double restore_ms = median_ms(runs, [&] {
      restored.reset();
      restored = vote::election_state::restore(bytes);
    });
    std::printf("%s restore: %.0f ms (median of %d)\n", what, restore_ms, runs);
    return restored && *restored == b.state;
  };
  if (v3 && !measure("version-3 JSON", [&] { return b.state.snapshot_v3(); })) {
    std::fprintf(stderr, "vote-state-bench: the restored state differs from the original\n");
    return 1;
  }
  if (!measure("version-4", [&] { return b.state.snapshot(); })) {
    std::fprintf(stderr, "vote-state-bench: the restored state differs from the original\n");
    return 1;
  }
  std::string().swap(bytes);
  b.state = vote::election_state();
  const std::size_t restored_heap = heap_bytes() - heap0;
  std::printf("the restored state's heap: %.1f bytes/voter\n", restored_heap / total);
  return 0;
}
