// The one source of randomness of a simulation run (DESIGN.md §9, STYLE.md 2, 7).
//
// Every random choice of a run (network delays, drops, fault schedule, client think times, the
// seeds handed to the cores) is drawn from one std::mt19937_64 seeded with the run's seed, in a
// fixed order, so a seed replays the run exactly. The bounded draws are written here instead of
// using <random>'s distributions, whose output is implementation-defined: a seed must replay the
// same run with any standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace vote::sim {

class rng {
 public:
  explicit rng(std::uint64_t seed) : gen_(seed) {}

  // A raw 64-bit draw (used to seed the cores' own generators).
  std::uint64_t next() { return gen_(); }
  // Uniform in [0, n); n must be > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform in [lo, hi] (inclusive); requires lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // True with probability p (p <= 0: never, p >= 1: always, and no draw is spent then).
  bool chance(double p);
  // Uniform in [0, 1).
  double unit();

  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(below(items.size()))];
  }
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[static_cast<std::size_t>(below(i))]);
    }
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace vote::sim
