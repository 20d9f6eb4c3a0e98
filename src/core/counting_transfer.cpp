// The transfer methods (docs/counting.md "irv", "stv"): ballots sit in piles with their
// highest-ranked continuing candidate and move on when that candidate is eliminated (irv, stv)
// or has a surplus to pass on (stv). Only the moved ballots are looked at, so a count costs one
// pass over the marks plus the rounds' bookkeeping.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "vote/core/counting.hpp"
#include "vote/core/invariant.hpp"

namespace vote::counting::detail {
namespace {

// 128-bit products for the surplus transfer values (GCC and Clang; -Wpedantic wants the marker).
__extension__ typedef unsigned __int128 wide;

enum class standing : std::uint8_t { continuing, elected, eliminated };

// Where every ballot sits. Invariant: totals[c] == Σ weight·value of pile[c] for a continuing
// candidate (and an elected one until its surplus moves); `exhausted` holds the rest that left.
struct piles {
  const ballot_box& box;
  std::vector<standing> status;
  std::vector<std::vector<std::uint32_t>> pile;  // ballots by the candidate they sit with
  std::vector<std::uint32_t> at;                 // ballot -> index into marks of its candidate
  std::vector<std::uint32_t> value;              // stv: per-unit value of the ballot; irv: 1
  std::vector<std::uint64_t> totals;
  std::uint64_t exhausted = 0;

  piles(const ballot_box& b, std::uint32_t unit)
      : box(b),
        status(b.candidates, standing::continuing),
        pile(b.candidates),
        at(b.size()),
        value(b.size(), unit),
        totals(b.candidates, 0) {
    for (std::uint32_t i = 0; i < box.size(); ++i) {
      at[i] = box.offsets[i];
      place(i);
    }
  }

  std::uint64_t worth(std::uint32_t i) const { return box.weights[i] * value[i]; }

  // Puts ballot i with the first continuing candidate at or after at[i], or exhausts it.
  void place(std::uint32_t i) {
    const std::uint32_t end = box.offsets[i + 1];
    while (at[i] < end && status[box.marks[at[i]]] != standing::continuing) ++at[i];
    if (at[i] == end) {
      exhausted += worth(i);
      return;
    }
    const std::uint16_t c = box.marks[at[i]];
    pile[c].push_back(i);
    totals[c] += worth(i);
  }

  // Moves every ballot of c on, each first revalued by `revalue`; c must not be continuing.
  template <typename F>
  void pass_on(std::uint32_t c, F revalue) {
    std::vector<std::uint32_t> moving = std::move(pile[c]);
    pile[c].clear();
    for (const std::uint32_t i : moving) {
      value[i] = revalue(value[i]);
      ++at[i];
      place(i);
    }
  }

  void eliminate(std::uint32_t c) {
    status[c] = standing::eliminated;
    pass_on(c, [](std::uint32_t v) { return v; });
    totals[c] = 0;
  }

  std::vector<std::uint32_t> continuing() const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t c = 0; c < status.size(); ++c) {
      if (status[c] == standing::continuing) out.push_back(c);
    }
    return out;
  }
};

// The candidates of `among` whose total is lowest (or highest), in candidate order.
std::vector<std::uint32_t> extreme(const std::vector<std::uint64_t>& totals,
                                   const std::vector<std::uint32_t>& among, bool lowest) {
  std::vector<std::uint32_t> out;
  for (const std::uint32_t c : among) {
    if (!out.empty() && totals[c] != totals[out.front()]) {
      if ((totals[c] < totals[out.front()]) != lowest) continue;
      out.clear();
    }
    out.push_back(c);
  }
  return out;
}

// Picks the lowest (elimination) or highest (surplus) of `among` by this round's totals; a tie
// looks back through the earlier rounds, then takes the last listed (lowest) or first (highest).
// Records the tie in `r`.
std::uint32_t choose(const std::vector<round>& earlier, const std::vector<std::uint32_t>& among,
                     bool lowest, round& r) {
  std::vector<std::uint32_t> level = extreme(r.totals, among, lowest);
  if (level.size() == 1) return level.front();
  r.tied = level;
  for (auto k = earlier.rbegin(); k != earlier.rend(); ++k) {
    level = extreme(k->totals, level, lowest);
    if (level.size() == 1) {
      r.tie_note = "earlier round";
      return level.front();
    }
  }
  r.tie_note = "registration order";
  return lowest ? level.back() : level.front();
}

// Candidates by total descending, level totals in registration order.
void by_total(std::vector<std::uint32_t>& cs, const std::vector<std::uint64_t>& totals) {
  std::stable_sort(cs.begin(), cs.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return totals[a] > totals[b]; });
}

void elect(piles& p, std::vector<std::uint32_t> who, std::uint32_t& open, round& r, count& c) {
  by_total(who, p.totals);
  for (const std::uint32_t x : who) {
    if (open == 0) return;  // never: at most `seats` candidates can hold a quota
    p.status[x] = standing::elected;
    r.elected.push_back(x);
    c.winners.push_back(x);
    --open;
  }
}

// STV's electing steps 2 and 3; true when the count is finished.
bool elect_stv(piles& p, std::uint64_t quota, std::uint32_t& open, round& r, count& c) {
  std::vector<std::uint32_t> reached;
  for (const std::uint32_t x : p.continuing()) {
    if (p.totals[x] >= quota) reached.push_back(x);
  }
  elect(p, std::move(reached), open, r, c);
  if (open == 0) return true;
  std::vector<std::uint32_t> rest = p.continuing();
  if (rest.size() > open) return false;
  elect(p, std::move(rest), open, r, c);
  return true;
}

}  // namespace

void count_irv(const settings& s, const ballot_box& box, count& c) {
  c.totals = first_preferences(box);
  if (box.candidates >= 2 && c.total_weight == 0) {
    std::vector<std::uint32_t> all(box.candidates);
    std::iota(all.begin(), all.end(), 0U);
    settle(c, std::move(all), s.ties);
    return;
  }
  piles p(box, 1);
  for (;;) {
    round r{.totals = p.totals, .exhausted = p.exhausted};
    const std::vector<std::uint32_t> in = p.continuing();
    std::uint64_t sum = 0;
    for (const std::uint32_t x : in) sum += p.totals[x];
    for (const std::uint32_t x : in) {
      if (2 * p.totals[x] > sum || in.size() == 1) r.elected = {x};
    }
    if (!r.elected.empty()) {
      c.winners = r.elected;
      c.rounds.push_back(std::move(r));
      return;
    }
    const std::uint32_t out = choose(c.rounds, in, true, r);
    r.eliminated = {out};
    c.rounds.push_back(std::move(r));
    p.eliminate(out);
  }
}

void count_stv(const settings& s, const ballot_box& box, count& c) {
  c.totals = first_preferences(box);
  if (!VOTE_INVARIANT(c.total_weight <= std::numeric_limits<std::uint64_t>::max() / stv_scale,
                      "stv needs total weight * stv_scale below 2^64")) {
    c = count{.total_weight = c.total_weight};
    return;
  }
  c.quota = (c.total_weight / (std::uint64_t{s.seats} + 1) + 1) * stv_scale;
  if (s.seats == 0) return;
  if (s.seats < box.candidates && c.total_weight == 0) {
    c.tie = true;
    c.tied.resize(box.candidates);
    std::iota(c.tied.begin(), c.tied.end(), 0U);
    if (s.ties == tie_rule::first_listed)
      c.winners.assign(c.tied.begin(), c.tied.begin() + s.seats);
    return;
  }
  piles p(box, static_cast<std::uint32_t>(stv_scale));
  std::uint32_t open = s.seats;
  std::vector<bool> transferred(box.candidates, false);
  for (;;) {
    round r{.totals = p.totals, .exhausted = p.exhausted};
    if (elect_stv(p, c.quota, open, r, c)) {
      c.rounds.push_back(std::move(r));
      return;
    }
    std::vector<std::uint32_t> surplus;
    for (std::uint32_t x = 0; x < box.candidates; ++x) {
      if (p.status[x] == standing::elected && !transferred[x] && p.totals[x] > c.quota) {
        surplus.push_back(x);
      }
    }
    if (!surplus.empty()) {
      const std::uint32_t from = choose(c.rounds, surplus, false, r);
      r.transferred = {from};
      c.rounds.push_back(std::move(r));
      const std::uint64_t total = p.totals[from];
      const std::uint64_t excess = total - c.quota;
      p.pass_on(from, [&](std::uint32_t v) {
        return static_cast<std::uint32_t>(static_cast<wide>(v) * excess / total);
      });
      p.totals[from] = c.quota;
      transferred[from] = true;
      continue;
    }
    const std::uint32_t out = choose(c.rounds, p.continuing(), true, r);
    r.eliminated = {out};
    c.rounds.push_back(std::move(r));
    p.eliminate(out);
  }
}

}  // namespace vote::counting::detail
