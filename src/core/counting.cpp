// Counting methods (include/vote/core/counting.hpp, docs/counting.md): names, ballot shape
// checks, the one-step methods (plurality, approval, score) and tally()'s dispatch. The
// multi-round methods live in counting_star.cpp, counting_transfer.cpp (irv, stv) and
// counting_schulze.cpp.
#include "vote/core/counting.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vote/core/invariant.hpp"

namespace vote::counting {
namespace {

constexpr std::array<std::string_view, 7> method_names{"plurality", "approval", "irv", "schulze",
                                                       "stv",       "score",    "star"};

bool known(method m) noexcept {
  return static_cast<std::size_t>(m) < method_names.size();
}

std::string quoted(const std::vector<std::string>& names, std::uint16_t c) {
  return "'" + names[c] + "'";
}

std::string no_marks_reason(method m) {
  if (m == method::plurality) return "a plurality ballot marks exactly one candidate (got 0)";
  if (m == method::approval) return "the ballot approves no candidate";
  if (is_ranked(m)) return "the ranking lists no candidate";
  return "the ballot scores no candidate";
}

std::string twice_reason(method m, const std::string& who) {
  if (m == method::approval) return "the ballot approves " + who + " twice";
  if (is_ranked(m)) return "the ranking lists " + who + " twice";
  return "the ballot scores " + who + " twice";
}

// The first mark (in ballot order) that repeats an earlier one, if any.
std::optional<std::uint16_t> first_repeat(const std::vector<std::uint16_t>& marks) {
  for (std::size_t k = 1; k < marks.size(); ++k) {
    if (std::find(marks.begin(), marks.begin() + static_cast<std::ptrdiff_t>(k), marks[k]) !=
        marks.begin() + static_cast<std::ptrdiff_t>(k)) {
      return marks[k];
    }
  }
  return std::nullopt;
}

// tally()'s precondition on the box itself: consistent arrays, every mark a candidate.
bool well_formed(const settings& s, const ballot_box& box) {
  if (box.offsets.empty() || box.offsets.front() != 0) return false;
  if (box.offsets.back() != box.marks.size() || box.weights.size() != box.size()) return false;
  if (is_scored(s.how) && box.scores.size() != box.marks.size()) return false;
  if (!std::is_sorted(box.offsets.begin(), box.offsets.end())) return false;
  return std::all_of(box.marks.begin(), box.marks.end(),
                     [&](std::uint16_t m) { return m < box.candidates; });
}

// plurality and approval: every mark adds the weight; score: weight times score.
void count_one_step(const settings& s, const ballot_box& box, count& c) {
  c.totals.assign(box.candidates, 0);
  const bool scored = s.how == method::score;
  for (std::size_t i = 0; i < box.size(); ++i) {
    const std::uint64_t w = box.weights[i];
    for (std::uint32_t k = box.offsets[i]; k < box.offsets[i + 1]; ++k) {
      c.totals[box.marks[k]] += scored ? w * box.scores[k] : w;
    }
  }
  const std::uint64_t top = *std::max_element(c.totals.begin(), c.totals.end());
  std::vector<std::uint32_t> level;
  for (std::uint32_t x = 0; x < box.candidates; ++x) {
    if (c.totals[x] == top) level.push_back(x);
  }
  detail::settle(c, std::move(level), s.ties);
}

}  // namespace

std::string_view to_string(method m) noexcept {
  return known(m) ? method_names[static_cast<std::size_t>(m)] : std::string_view("unknown");
}

std::optional<method> method_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i < method_names.size(); ++i) {
    if (method_names[i] == name) return static_cast<method>(i);
  }
  return std::nullopt;
}

bool is_ranked(method m) noexcept {
  return m == method::irv || m == method::schulze || m == method::stv;
}

bool is_scored(method m) noexcept {
  return m == method::score || m == method::star;
}

void ballot_box::add(const std::vector<std::uint16_t>& ballot_marks, std::uint64_t weight,
                     const std::vector<std::uint16_t>& ballot_scores) {
  marks.insert(marks.end(), ballot_marks.begin(), ballot_marks.end());
  scores.insert(scores.end(), ballot_scores.begin(), ballot_scores.end());
  weights.push_back(weight);
  offsets.push_back(static_cast<std::uint32_t>(marks.size()));
}

std::string check_ballot(const settings& s, const std::vector<std::string>& names,
                         const std::vector<std::uint16_t>& ballot_marks,
                         const std::vector<std::uint16_t>& ballot_scores) {
  if (!known(s.how)) return "unknown counting method";
  const bool scored = is_scored(s.how);
  if (!scored && !ballot_scores.empty()) {
    return "a " + std::string(to_string(s.how)) + " ballot takes no scores";
  }
  if (ballot_marks.empty()) return no_marks_reason(s.how);
  if (s.how == method::plurality && ballot_marks.size() != 1) {
    return "a plurality ballot marks exactly one candidate (got " +
           std::to_string(ballot_marks.size()) + ")";
  }
  if (scored && ballot_scores.size() != ballot_marks.size()) {
    return "the ballot has " + std::to_string(ballot_scores.size()) + " scores for " +
           std::to_string(ballot_marks.size()) + " candidates";
  }
  for (const std::uint16_t m : ballot_marks) {
    if (m >= names.size()) {
      return "candidate number " + std::to_string(m) + " does not exist (there are " +
             std::to_string(names.size()) + " candidates)";
    }
  }
  if (const auto repeat = first_repeat(ballot_marks)) {
    return twice_reason(s.how, quoted(names, *repeat));
  }
  for (std::size_t k = 0; scored && k < ballot_marks.size(); ++k) {
    if (ballot_scores[k] > s.max_score) {
      return "a score for " + quoted(names, ballot_marks[k]) + " must be between 0 and " +
             std::to_string(s.max_score) + " (got " + std::to_string(ballot_scores[k]) + ")";
    }
  }
  return "";
}

count tally(const settings& s, const ballot_box& box) {
  count c;
  if (!VOTE_INVARIANT(known(s.how) && well_formed(s, box),
                      "tally() needs a well-formed ballot box of a known method")) {
    return c;
  }
  for (const std::uint64_t w : box.weights) c.total_weight += w;
  if (box.candidates == 0) return c;
  switch (s.how) {
    case method::plurality:
    case method::approval:
    case method::score:
      count_one_step(s, box, c);
      break;
    case method::star:
      detail::count_star(s, box, c);
      break;
    case method::irv:
      detail::count_irv(s, box, c);
      break;
    case method::stv:
      detail::count_stv(s, box, c);
      break;
    case method::schulze:
      detail::count_schulze(s, box, c);
      break;
  }
  return c;
}

namespace detail {

std::vector<std::uint64_t> first_preferences(const ballot_box& box) {
  std::vector<std::uint64_t> totals(box.candidates, 0);
  for (std::size_t i = 0; i < box.size(); ++i) {
    if (box.offsets[i] < box.offsets[i + 1]) totals[box.marks[box.offsets[i]]] += box.weights[i];
  }
  return totals;
}

void settle(count& c, std::vector<std::uint32_t> level, tie_rule rule) {
  if (level.size() == 1) {
    c.winners = std::move(level);
    return;
  }
  c.tie = true;
  if (rule == tie_rule::first_listed && !level.empty()) c.winners = {level.front()};
  c.tied = std::move(level);
}

}  // namespace detail
}  // namespace vote::counting
