#include "vote/sim/rng.hpp"

namespace vote::sim {

std::uint64_t rng::below(std::uint64_t n) {
  // Rejection sampling: unbiased and the same on every platform.
  const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  std::uint64_t x = gen_();
  while (x >= limit) x = gen_();
  return x % n;
}

std::int64_t rng::between(std::int64_t lo, std::int64_t hi) {
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  if (span == 0) return static_cast<std::int64_t>(gen_());  // the whole int64 range
  return lo + static_cast<std::int64_t>(below(span));
}

double rng::unit() {
  return static_cast<double>(gen_() >> 11) * 0x1.0p-53;
}

bool rng::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return unit() < p;
}

}  // namespace vote::sim
