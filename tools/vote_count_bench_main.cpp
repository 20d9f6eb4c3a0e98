// vote-count-bench: how long vote::counting::tally() takes on N random ballots
// (docs/counting.md). Generates seeded random rankings (full or truncated, weight 1) over C
// candidates, derives the plurality, approval and scored boxes from them, and prints the median
// tally time of each method over --runs. Numbers only: it never asserts timing.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include <CLI/CLI.hpp>
#include <iostream>

#include "vote/cli/command_line.hpp"
#include "vote/core/counting.hpp"

namespace {

namespace vc = vote::counting;

struct boxes {
  vc::ballot_box ranked, plurality, approval, scored;
};

// Ranking k of a ballot scores max(0, 5 - k); approval takes the first half (at least one).
boxes generate(std::uint32_t ballots, std::uint32_t candidates, std::uint64_t seed) {
  boxes b;
  for (vc::ballot_box* box : {&b.ranked, &b.plurality, &b.approval, &b.scored}) {
    box->candidates = candidates;
  }
  std::mt19937_64 rng(seed);
  std::vector<std::uint16_t> order(candidates);
  std::vector<std::uint16_t> scores;
  for (std::uint32_t i = 0; i < ballots; ++i) {
    std::iota(order.begin(), order.end(), std::uint16_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    const std::uint32_t len = rng() % 2 == 0 ? candidates : 1 + rng() % candidates;
    const std::vector<std::uint16_t> marks(order.begin(), order.begin() + len);
    scores.clear();
    for (std::uint32_t k = 0; k < len; ++k) {
      scores.push_back(static_cast<std::uint16_t>(k < 5 ? 5 - k : 0));
    }
    b.ranked.add(marks, 1);
    b.plurality.add({marks.front()}, 1);
    b.approval.add({marks.begin(), marks.begin() + (len + 1) / 2}, 1);
    b.scored.add(marks, 1, scores);
  }
  return b;
}

double median_ms(const vc::settings& s, const vc::ballot_box& box, int runs, std::size_t& winners) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const vc::count c = vc::tally(s, box);
    const auto end = std::chrono::steady_clock::now();
    winners = c.winners.size();
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time tally() of every counting method on seeded random ballots.",
               "vote-count-bench"};
  std::uint32_t ballots = 1'000'000;
  std::uint32_t candidates = 10;
  std::uint32_t seats = 3;
  std::uint64_t seed = 1;
  int runs = 3;
  app.add_option("--ballots", ballots, "number of ballots")->capture_default_str();
  app.add_option("--candidates", candidates, "number of candidates")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  app.add_option("--seats", seats, "stv seats")->check(CLI::Range(1, 999))->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_option("--runs", runs, "runs per method (the median is printed)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  if (auto rc = vote::cli::parse(app, argc, argv, std::cout, std::cerr)) return *rc;

  const boxes b = generate(ballots, candidates, seed);
  std::printf("ballots %u candidates %u seats %u seed %llu runs %d\n", ballots, candidates, seats,
              static_cast<unsigned long long>(seed), runs);
  struct row {
    vc::method how;
    const vc::ballot_box* box;
  };
  for (const row r : {row{vc::method::irv, &b.ranked}, row{vc::method::schulze, &b.ranked},
                      row{vc::method::stv, &b.ranked}, row{vc::method::plurality, &b.plurality},
                      row{vc::method::approval, &b.approval}, row{vc::method::score, &b.scored},
                      row{vc::method::star, &b.scored}}) {
    const vc::settings s{.how = r.how, .seats = r.how == vc::method::stv ? seats : 1};
    std::size_t winners = 0;
    const double ms = median_ms(s, *r.box, runs, winners);
    std::printf("%-9s %10.3f ms  winners %zu\n", vc::to_string(r.how).data(), ms, winners);
  }
  return 0;
}
