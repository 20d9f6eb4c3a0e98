// vote-verify's recount of every method (include/vote/verify/count.hpp), from docs/counting.md.
#include "vote/verify/count.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>

namespace vote::verify {
namespace {

using cand = std::uint32_t;
__extension__ typedef unsigned __int128 u128;  // STV transfers: 64 x 64 bits, then a division

std::vector<cand> all_candidates(std::size_t n) {
  std::vector<cand> out(n);
  std::iota(out.begin(), out.end(), cand{0});
  return out;
}

// docs/counting.md "The tie rule" on the level set `t` (candidate order).
void apply_tie_rule(const count_settings& s, std::vector<cand> t, count_result& out) {
  std::sort(t.begin(), t.end());
  out.tie = true;
  out.tied = t;
  out.winners.clear();
  if (s.first_listed && !t.empty()) out.winners = {t.front()};
}

// plurality, approval, score: the highest total wins; a level top is the tie rule.
void highest_total(const count_settings& s, count_result& out) {
  const std::size_t n = out.totals.size();
  if (n == 0) return;
  const std::uint64_t top = *std::max_element(out.totals.begin(), out.totals.end());
  std::vector<cand> t;
  for (cand c = 0; c < n; ++c) {
    if (out.totals[c] == top) t.push_back(c);
  }
  if (t.size() == 1) {
    out.winners = t;
  } else {
    apply_tie_rule(s, t, out);
  }
}

bool valid(const count_ballots& b, std::size_t k) {
  return b.marks[k] < b.candidates;
}

std::uint64_t score_at(const count_ballots& b, std::size_t k) {
  return k < b.scores.size() ? b.scores[k] : 0;
}

// Per ballot, each candidate's score (0 when unscored), for the runoff: only f1 and f2 matter.
std::uint64_t score_of(const count_ballots& b, std::size_t i, cand c) {
  for (std::size_t k = b.offsets[i]; k < b.offsets[i + 1]; ++k) {
    if (b.marks[k] == c) return score_at(b, k);
  }
  return 0;
}

void count_first_step(const count_settings& s, const count_ballots& b, count_result& out) {
  const std::size_t n = b.candidates;
  out.totals.assign(n, 0);
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::uint64_t w = b.weights[i];
    out.total_weight += w;
    const std::size_t begin = b.offsets[i], end = b.offsets[i + 1];
    if (is_scored(s.method)) {
      for (std::size_t k = begin; k < end; ++k) {
        if (valid(b, k)) out.totals[b.marks[k]] += w * score_at(b, k);
      }
    } else if (s.method == count_method::approval) {
      for (std::size_t k = begin; k < end; ++k) {
        if (valid(b, k)) out.totals[b.marks[k]] += w;
      }
    } else {  // plurality, ranked: the first mark
      for (std::size_t k = begin; k < end; ++k) {
        if (valid(b, k)) {
          out.totals[b.marks[k]] += w;
          break;
        }
      }
    }
  }
}

// --- star ----------------------------------------------------------------------------------

void count_star(const count_settings& s, const count_ballots& b, count_result& out) {
  const std::size_t n = b.candidates;
  if (n == 0) return;
  count_round r1;
  r1.totals = out.totals;
  if (n == 1) {
    r1.elected = {0};
    out.winners = {0};
    out.rounds.push_back(std::move(r1));
    return;
  }
  std::vector<cand> order = all_candidates(n);
  std::stable_sort(order.begin(), order.end(),
                   [&](cand x, cand y) { return out.totals[x] > out.totals[y]; });
  const cand f1 = order[0], f2 = order[1];
  if (n >= 3 && out.totals[order[1]] == out.totals[order[2]]) {
    for (cand c = 0; c < n; ++c) {
      if (out.totals[c] == out.totals[order[1]]) r1.tied.push_back(c);
    }
    r1.tie_note = "registration order";
  }
  for (cand c = 0; c < n; ++c) {
    if (c != f1 && c != f2) r1.eliminated.push_back(c);
  }
  out.rounds.push_back(std::move(r1));

  count_round r2;
  r2.totals.assign(n, 0);
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::uint64_t a = score_of(b, i, f1), z = score_of(b, i, f2);
    if (a > z) {
      r2.totals[f1] += b.weights[i];
    } else if (z > a) {
      r2.totals[f2] += b.weights[i];
    } else {
      r2.exhausted += b.weights[i];
    }
  }
  if (r2.totals[f1] != r2.totals[f2]) {
    out.winners = {r2.totals[f1] > r2.totals[f2] ? f1 : f2};
  } else {
    r2.tied = {std::min(f1, f2), std::max(f1, f2)};
    if (out.totals[f1] != out.totals[f2]) {
      out.winners = {out.totals[f1] > out.totals[f2] ? f1 : f2};
      r2.tie_note = "total score";
    } else {
      apply_tie_rule(s, {f1, f2}, out);
      if (s.first_listed) r2.tie_note = "registration order";
    }
  }
  r2.elected = out.winners;
  out.rounds.push_back(std::move(r2));
}

// --- irv and stv: ballots sitting with candidates -------------------------------------------

enum class standing : std::uint8_t { continuing, elected, eliminated };

// Which ballots sit with which candidate, each ballot's position in its ranking.
struct piles {
  const count_ballots& b;
  std::vector<standing> state;
  std::vector<std::size_t> cursor;             // per ballot: index into marks of its current mark
  std::vector<std::vector<std::uint32_t>> at;  // per candidate: the ballots sitting with it

  explicit piles(const count_ballots& ballots)
      : b(ballots), state(ballots.candidates, standing::continuing), at(ballots.candidates) {
    cursor.resize(b.size());
    for (std::size_t i = 0; i < b.size(); ++i) cursor[i] = b.offsets[i];
  }

  // Moves ballot i to its highest-ranked continuing candidate at or after its cursor; returns
  // that candidate, or nullopt when it is exhausted.
  std::optional<cand> seat(std::size_t i) {
    for (std::size_t& k = cursor[i]; k < b.offsets[i + 1]; ++k) {
      const cand c = b.marks[k];
      if (c < b.candidates && state[c] == standing::continuing) {
        at[c].push_back(static_cast<std::uint32_t>(i));
        return c;
      }
    }
    return std::nullopt;
  }

  std::size_t continuing() const {
    return static_cast<std::size_t>(std::count(state.begin(), state.end(), standing::continuing));
  }
};

// The elimination (irv, stv) among the continuing candidates with the lowest total in `totals`:
// ties broken by the lowest total in earlier rounds, then the candidate listed last.
cand eliminate_lowest(const piles& p, const std::vector<std::uint64_t>& totals, count_round& round,
                      const std::vector<count_round>& earlier) {
  std::vector<cand> low;
  for (cand c = 0; c < totals.size(); ++c) {
    if (p.state[c] != standing::continuing) continue;
    if (low.empty() || totals[c] < totals[low.front()]) {
      low = {c};
    } else if (totals[c] == totals[low.front()]) {
      low.push_back(c);
    }
  }
  if (low.size() == 1) return low.front();
  round.tied = low;
  for (std::size_t k = earlier.size(); k-- > 0;) {
    const auto& t = earlier[k].totals;
    std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
    for (const cand c : low) least = std::min(least, t[c]);
    std::erase_if(low, [&](cand c) { return t[c] != least; });
    if (low.size() == 1) {
      round.tie_note = "earlier round";
      return low.front();
    }
  }
  round.tie_note = "registration order";
  return low.back();
}

void count_irv(const count_settings& s, const count_ballots& b, count_result& out) {
  const std::size_t n = b.candidates;
  if (n == 0) return;
  if (n >= 2 && out.total_weight == 0) {
    apply_tie_rule(s, all_candidates(n), out);
    return;
  }
  piles p(b);
  std::vector<std::uint64_t> total(n, 0);
  std::uint64_t exhausted = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (const auto c = p.seat(i)) {
      total[*c] += b.weights[i];
    } else {
      exhausted += b.weights[i];
    }
  }
  while (true) {
    count_round round;
    round.totals = total;
    round.exhausted = exhausted;
    std::uint64_t sum = 0;
    for (cand c = 0; c < n; ++c) {
      if (p.state[c] == standing::continuing) sum += total[c];
    }
    std::optional<cand> winner;
    for (cand c = 0; c < n && !winner; ++c) {
      if (p.state[c] == standing::continuing && total[c] > sum - total[c]) winner = c;
    }
    if (!winner && p.continuing() == 1) {
      winner = static_cast<cand>(std::find(p.state.begin(), p.state.end(), standing::continuing) -
                                 p.state.begin());
    }
    if (winner) {
      round.elected = {*winner};
      out.winners = {*winner};
      out.rounds.push_back(std::move(round));
      return;
    }
    const cand loser = eliminate_lowest(p, total, round, out.rounds);
    round.eliminated = {loser};
    out.rounds.push_back(std::move(round));
    p.state[loser] = standing::eliminated;
    total[loser] = 0;
    std::vector<std::uint32_t> moving;
    moving.swap(p.at[loser]);
    for (const std::uint32_t i : moving) {
      if (const auto c = p.seat(i)) {
        total[*c] += b.weights[i];
      } else {
        exhausted += b.weights[i];
      }
    }
  }
}

// --- stv -------------------------------------------------------------------------------------

void count_stv(const count_settings& s, const count_ballots& b, count_result& out) {
  const std::size_t n = b.candidates;
  const std::uint64_t w = out.total_weight;
  if (w > std::numeric_limits<std::uint64_t>::max() / stv_scale) {
    out.error = "the total weight " + std::to_string(w) + " is too large for stv units";
    return;
  }
  const std::uint64_t seats = s.seats;
  out.quota = (w / (seats + 1) + 1) * stv_scale;
  if (n == 0 || seats == 0) return;
  if (seats < n && w == 0) {
    apply_tie_rule(s, all_candidates(n), out);
    if (s.first_listed) {
      out.winners.clear();
      for (cand c = 0; c < seats; ++c) out.winners.push_back(c);
    }
    return;
  }
  const std::uint64_t quota = out.quota;
  piles p(b);
  std::vector<std::uint64_t> value(b.size(), stv_scale);
  std::vector<std::uint64_t> total(n, 0);
  std::vector<bool> transferred(n, false);
  std::uint64_t exhausted = 0;
  const auto place = [&](std::size_t i) {
    const std::uint64_t units = b.weights[i] * value[i];
    if (const auto c = p.seat(i)) {
      total[*c] += units;
    } else {
      exhausted += units;
    }
  };
  for (std::size_t i = 0; i < b.size(); ++i) place(i);
  std::vector<cand> elected;
  // Candidates in order of total descending, level totals by index ascending.
  const auto by_total = [&](std::vector<cand>& l) {
    std::stable_sort(l.begin(), l.end(), [&](cand x, cand y) { return total[x] > total[y]; });
  };
  while (true) {
    count_round round;
    round.totals = total;
    round.exhausted = exhausted;
    std::vector<cand> reached;
    for (cand c = 0; c < n; ++c) {
      if (p.state[c] == standing::continuing && total[c] >= quota) reached.push_back(c);
    }
    by_total(reached);
    for (const cand c : reached) {
      p.state[c] = standing::elected;
      elected.push_back(c);
      round.elected.push_back(c);
    }
    const auto finish = [&] {
      out.rounds.push_back(std::move(round));
      out.winners = elected;
    };
    if (elected.size() >= seats) return finish();
    if (p.continuing() <= seats - elected.size()) {
      std::vector<cand> rest;
      for (cand c = 0; c < n; ++c) {
        if (p.state[c] == standing::continuing) rest.push_back(c);
      }
      by_total(rest);
      for (const cand c : rest) {
        p.state[c] = standing::elected;
        elected.push_back(c);
        round.elected.push_back(c);
      }
      return finish();
    }
    // The largest untransferred surplus.
    std::vector<cand> top;
    for (const cand c : elected) {
      if (transferred[c] || total[c] <= quota) continue;
      if (top.empty() || total[c] - quota > total[top.front()] - quota) {
        top = {c};
      } else if (total[c] - quota == total[top.front()] - quota) {
        top.push_back(c);
      }
    }
    if (!top.empty()) {
      std::sort(top.begin(), top.end());
      cand from = top.front();
      if (top.size() > 1) {
        round.tied = top;
        round.tie_note = "registration order";
        for (std::size_t k = out.rounds.size(); k-- > 0;) {
          const auto& t = out.rounds[k].totals;
          std::uint64_t most = 0;
          for (const cand c : top) most = std::max(most, t[c]);
          std::erase_if(top, [&](cand c) { return t[c] != most; });
          if (top.size() == 1) {
            round.tie_note = "earlier round";
            break;
          }
        }
        from = top.front();
      }
      round.transferred = {from};
      out.rounds.push_back(std::move(round));
      const std::uint64_t all = total[from];
      const std::uint64_t surplus = all - quota;
      std::vector<std::uint32_t> moving;
      moving.swap(p.at[from]);
      for (const std::uint32_t i : moving) {
        value[i] = static_cast<std::uint64_t>(static_cast<u128>(value[i]) * surplus / all);
        place(i);
      }
      total[from] = quota;
      transferred[from] = true;
      continue;
    }
    const cand loser = eliminate_lowest(p, total, round, out.rounds);
    round.eliminated = {loser};
    out.rounds.push_back(std::move(round));
    p.state[loser] = standing::eliminated;
    total[loser] = 0;
    std::vector<std::uint32_t> moving;
    moving.swap(p.at[loser]);
    for (const std::uint32_t i : moving) place(i);
  }
}

// --- schulze ---------------------------------------------------------------------------------

void count_schulze(const count_settings& s, const count_ballots& b, count_result& out) {
  const std::size_t n = b.candidates;
  if (n == 0) return;
  auto& d = out.pairwise;
  d.assign(n, std::vector<std::uint64_t>(n, 0));
  std::vector<cand> listed;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::uint64_t w = b.weights[i];
    listed.clear();
    for (std::size_t k = b.offsets[i]; k < b.offsets[i + 1]; ++k) {
      const cand c = b.marks[k];
      if (c >= n || std::find(listed.begin(), listed.end(), c) != listed.end()) continue;
      // c is above every candidate not listed before it.
      for (cand j = 0; j < n; ++j) {
        if (j != c) d[c][j] += w;
      }
      for (const cand above : listed) d[c][above] -= w;
      listed.push_back(c);
    }
  }
  auto& p = out.strongest;
  p.assign(n, std::vector<std::uint64_t>(n, 0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j && d[i][j] > d[j][i]) p[i][j] = d[i][j];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      for (std::size_t k = 0; k < n; ++k) {
        if (k == i || k == j) continue;
        p[j][k] = std::max(p[j][k], std::min(p[j][i], p[i][k]));
      }
    }
  }
  std::vector<cand> best;
  for (cand x = 0; x < n; ++x) {
    bool beats_all = true;
    for (cand y = 0; y < n && beats_all; ++y) {
      if (y != x && p[x][y] < p[y][x]) beats_all = false;
    }
    if (beats_all) best.push_back(x);
  }
  if (best.size() == 1) {
    out.winners = best;
  } else {
    apply_tie_rule(s, best, out);
  }
}

}  // namespace

std::optional<count_method> method_from_string(std::string_view name) {
  static constexpr std::array<std::string_view, 7> names = {
      "plurality", "approval", "irv", "schulze", "stv", "score", "star"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<count_method>(i);
  }
  return std::nullopt;
}

bool is_ranked(count_method m) {
  return m == count_method::irv || m == count_method::schulze || m == count_method::stv;
}

bool is_scored(count_method m) {
  return m == count_method::score || m == count_method::star;
}

void count_ballots::add(const std::vector<std::uint32_t>& m, std::uint64_t weight,
                        const std::vector<std::uint64_t>& s) {
  marks.insert(marks.end(), m.begin(), m.end());
  if (!s.empty() || !scores.empty()) {
    scores.resize(marks.size() - m.size(), 0);
    scores.insert(scores.end(), s.begin(), s.end());
    scores.resize(marks.size(), 0);
  }
  offsets.push_back(marks.size());
  weights.push_back(weight);
}

count_result count_votes(const count_settings& s, const count_ballots& b) {
  count_result out;
  count_first_step(s, b, out);
  switch (s.method) {
    case count_method::plurality:
    case count_method::approval:
    case count_method::score:
      highest_total(s, out);
      break;
    case count_method::star:
      count_star(s, b, out);
      break;
    case count_method::irv:
      count_irv(s, b, out);
      break;
    case count_method::stv:
      count_stv(s, b, out);
      break;
    case count_method::schulze:
      count_schulze(s, b, out);
      break;
  }
  return out;
}

}  // namespace vote::verify
