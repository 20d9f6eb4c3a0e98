// vote-state-bench: what a large election state costs in memory, and how long its snapshot takes
// to write and to restore (issue 12, requirement 5; docs/operations.md "Performance").
//
// Builds the state through election_state::apply(), as the log would: --elections elections of
// --voters voters each (ids "voter-<n>"), every voter voting once with a client nonce (a 32-hex
// nonce, as the shipped `vote` sends) and a request id like the CLI's. Then it measures:
//   - the heap the state holds (jemalloc's or glibc's allocated bytes before and after), per voter
//     and net of the ids' bytes (voter ids and request ids);
//   - snapshot(): median time and size; restore(): median time, and the restored state's heap.
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

#include "vote/core/election.hpp"

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

std::string hex32(std::uint64_t n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(n * 0x9E3779B97F4A7C15ULL));
  return buf;
}

struct built {
  vote::election_state state{vote::limits{}};
  std::size_t id_bytes = 0;  // voter ids and request ids held by the state
};

built build(std::uint32_t elections, std::uint32_t voters, std::uint32_t chunk) {
  built b;
  std::int64_t now = 1'000;
  for (std::uint32_t e = 0; e < elections; ++e) {
    const std::string election = "election-" + std::to_string(e);
    for (std::uint32_t first = 0; first < voters; first += chunk) {
      std::vector<std::string> ids;
      for (std::uint32_t i = first; i < std::min(voters, first + chunk); ++i) {
        ids.push_back("voter-" + std::to_string(i));
        b.id_bytes += ids.back().size();
      }
      const bool more = first + chunk < voters;
      vote::command c;
      c.timestamp_ms = ++now;
      if (first == 0) {
        vote::register_cmd r;
        r.election_id = election;
        r.candidates = {"Alice", "Bob", "Carol"};
        r.voters = std::move(ids);
        r.more_voters = more;
        c.request_id = "reg-" + election;
        c.body = std::move(r);
      } else {
        c.request_id = "add-" + election + "-" + std::to_string(first);
        c.body = vote::add_voters_cmd{election, std::move(ids), {}, more};
      }
      if (!b.state.apply(c).ok()) throw std::runtime_error("registration refused");
    }
    static const char* const names[] = {"Alice", "Bob", "Carol"};
    for (std::uint32_t i = 0; i < voters; ++i) {
      vote::command c;
      c.timestamp_ms = ++now;
      c.request_id = "vote-" + hex32(std::uint64_t{e} << 32 | i).substr(0, 24);
      b.id_bytes += c.request_id.size();
      vote::vote_cmd v;
      v.election_id = election;
      v.voter = "voter-" + std::to_string(i);
      v.candidate = names[i % 3];
      v.nonce = hex32(std::uint64_t{e} << 32 | i);
      c.body = std::move(v);
      const vote::outcome o = b.state.apply(c);
      if (!o.ok()) throw std::runtime_error("vote refused: " + o.message);
    }
  }
  return b;
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
  CLI11_PARSE(app, argc, argv);

  const std::size_t heap0 = heap_bytes();
  auto start = std::chrono::steady_clock::now();
  built b = build(elections, voters, chunk);
  const double build_ms = ms_since(start);
  const std::size_t state_heap = heap_bytes() - heap0;
  const double total = double(elections) * voters;
  std::printf("state: %u election(s) x %u voters, all voted; built by apply() in %.0f ms\n",
              elections, voters, build_ms);
  std::printf("heap: %.1f MB = %.1f bytes/voter; ids' bytes %.1f/voter; net of ids %.1f/voter\n",
              state_heap / 1e6, state_heap / total, b.id_bytes / total,
              (double(state_heap) - double(b.id_bytes)) / total);

  std::string bytes;
  const double snap_ms = median_ms(runs, [&] { bytes = b.state.snapshot(); });
  std::printf("snapshot: %.0f ms (median of %d), %.1f MB = %.1f bytes/voter\n", snap_ms, runs,
              bytes.size() / 1e6, bytes.size() / total);

  std::optional<vote::election_state> restored;
  const double restore_ms = median_ms(runs, [&] {
    restored.reset();
    restored = vote::election_state::restore(bytes);
  });
  if (!restored || !(*restored == b.state)) {
    std::fprintf(stderr, "vote-state-bench: the restored state differs from the original\n");
    return 1;
  }
  std::string().swap(bytes);
  b.state = vote::election_state();
  const std::size_t restored_heap = heap_bytes() - heap0;
  std::printf("restore: %.0f ms (median of %d); the restored state's heap %.1f bytes/voter\n",
              restore_ms, runs, restored_heap / total);
  return 0;
}
