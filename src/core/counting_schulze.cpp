// Condorcet–Schulze (docs/counting.md "schulze"): pairwise preferences, winning-votes strengths,
// widest paths by Floyd–Warshall.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "vote/core/counting.hpp"

namespace vote::counting::detail {
namespace {

using matrix = std::vector<std::vector<std::uint64_t>>;

// pairwise[i][j] = weight ranking i above j. A ballot ranking r0, r1, ... puts r_a above every
// candidate but r0..r_a: add w to r_a's whole row, then take it back from the earlier r_b. The
// unsigned sums wrap in between and are exact at the end.
matrix pairwise_preferences(const ballot_box& box) {
  const std::size_t n = box.candidates;
  std::vector<std::uint64_t> row_all(n, 0);
  std::vector<std::uint64_t> back(n * n, 0);
  for (std::size_t i = 0; i < box.size(); ++i) {
    const std::uint64_t w = box.weights[i];
    const std::uint16_t* r = box.marks.data() + box.offsets[i];
    const std::uint32_t len = box.offsets[i + 1] - box.offsets[i];
    for (std::uint32_t a = 0; a < len; ++a) {
      row_all[r[a]] += w;
      std::uint64_t* row = back.data() + r[a] * n;
      for (std::uint32_t b = 0; b < a; ++b) row[r[b]] -= w;
    }
  }
  matrix d(n, std::vector<std::uint64_t>(n, 0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j) d[i][j] = row_all[i] + back[i * n + j];
    }
  }
  return d;
}

matrix widest_paths(const matrix& d) {
  const std::size_t n = d.size();
  matrix p(n, std::vector<std::uint64_t>(n, 0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j && d[i][j] > d[j][i]) p[i][j] = d[i][j];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      for (std::size_t k = 0; k < n; ++k) {
        if (k != i && k != j) p[j][k] = std::max(p[j][k], std::min(p[j][i], p[i][k]));
      }
    }
  }
  return p;
}

}  // namespace

void count_schulze(const settings& s, const ballot_box& box, count& c) {
  c.totals = first_preferences(box);
  c.pairwise = pairwise_preferences(box);
  c.strongest = widest_paths(c.pairwise);
  const matrix& p = c.strongest;
  std::vector<std::uint32_t> best;
  for (std::uint32_t x = 0; x < box.candidates; ++x) {
    bool beaten = false;
    for (std::uint32_t y = 0; y < box.candidates && !beaten; ++y) {
      beaten = y != x && p[x][y] < p[y][x];
    }
    if (!beaten) best.push_back(x);
  }
  settle(c, std::move(best), s.ties);
}

}  // namespace vote::counting::detail
