// STAR voting (docs/counting.md "star"): round 1 adds the scores, round 2 is the automatic runoff
// between the two highest totals.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "vote/core/counting.hpp"

namespace vote::counting::detail {
namespace {

std::vector<std::uint64_t> score_totals(const ballot_box& box) {
  std::vector<std::uint64_t> totals(box.candidates, 0);
  for (std::size_t i = 0; i < box.size(); ++i) {
    for (std::uint32_t k = box.offsets[i]; k < box.offsets[i + 1]; ++k) {
      totals[box.marks[k]] += box.weights[i] * box.scores[k];
    }
  }
  return totals;
}

// Round 1: the finalists are the first two by total descending, then by registration order.
round scoring_round(const std::vector<std::uint64_t>& totals, std::uint32_t& f1,
                    std::uint32_t& f2) {
  std::vector<std::uint32_t> order(totals.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return totals[a] > totals[b]; });
  f1 = order[0];
  f2 = order[1];
  round r{.totals = totals};
  if (order.size() >= 3 && totals[order[1]] == totals[order[2]]) {
    for (std::uint32_t x = 0; x < totals.size(); ++x) {
      if (totals[x] == totals[f2]) r.tied.push_back(x);
    }
    r.tie_note = "registration order";
  }
  for (std::uint32_t x = 0; x < totals.size(); ++x) {
    if (x != f1 && x != f2) r.eliminated.push_back(x);
  }
  return r;
}

round runoff_round(const ballot_box& box, std::uint32_t f1, std::uint32_t f2) {
  round r{.totals = std::vector<std::uint64_t>(box.candidates, 0)};
  for (std::size_t i = 0; i < box.size(); ++i) {
    std::uint16_t s1 = 0;
    std::uint16_t s2 = 0;
    for (std::uint32_t k = box.offsets[i]; k < box.offsets[i + 1]; ++k) {
      if (box.marks[k] == f1) s1 = box.scores[k];
      if (box.marks[k] == f2) s2 = box.scores[k];
    }
    if (s1 > s2) {
      r.totals[f1] += box.weights[i];
    } else if (s2 > s1) {
      r.totals[f2] += box.weights[i];
    } else {
      r.exhausted += box.weights[i];
    }
  }
  return r;
}

}  // namespace

void count_star(const settings& s, const ballot_box& box, count& c) {
  c.totals = score_totals(box);
  if (box.candidates == 1) {
    c.rounds.push_back(round{.totals = c.totals, .elected = {0}});
    c.winners = {0};
    return;
  }
  std::uint32_t f1 = 0;
  std::uint32_t f2 = 0;
  c.rounds.push_back(scoring_round(c.totals, f1, f2));
  round runoff = runoff_round(box, f1, f2);
  if (runoff.totals[f1] != runoff.totals[f2]) {
    c.winners = {runoff.totals[f1] > runoff.totals[f2] ? f1 : f2};
  } else {
    runoff.tied = {std::min(f1, f2), std::max(f1, f2)};
    if (c.totals[f1] != c.totals[f2]) {
      c.winners = {c.totals[f1] > c.totals[f2] ? f1 : f2};
      runoff.tie_note = "total score";
    } else {
      settle(c, runoff.tied, s.ties);
      if (!c.winners.empty()) runoff.tie_note = "registration order";
    }
  }
  runoff.elected = c.winners;
  c.rounds.push_back(std::move(runoff));
}

}  // namespace vote::counting::detail
