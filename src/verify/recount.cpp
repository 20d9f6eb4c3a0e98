// vote-verify's recount of a record and its comparison with the record's result
// (include/vote/verify/verify.hpp): the counting is count.hpp's, written from docs/counting.md,
// not from the servers' code.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "record_view.hpp"
#include "vote/verify/codes.hpp"
#include "vote/verify/verify.hpp"

namespace vote::verify {
namespace detail {

std::vector<std::uint32_t> candidate_of_names(const record& r) {
  std::unordered_map<std::string_view, std::uint32_t> index;
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    index.emplace(r.candidates[c], static_cast<std::uint32_t>(c));
  }
  std::vector<std::uint32_t> out(r.ballot_names.size(), not_a_candidate);
  for (std::size_t k = 0; k < r.ballot_names.size(); ++k) {
    const auto it = index.find(r.ballot_names[k]);
    if (it != index.end()) out[k] = it->second;
  }
  return out;
}

}  // namespace detail

namespace {

std::string names(const std::vector<std::string>& l) {
  std::string out = "[";
  for (const auto& n : l) {
    if (out.size() > 1) out += ",";
    append_json_string(out, n);
  }
  return out + "]";
}

std::string json_quoted(std::string_view name) {
  std::string out;
  append_json_string(out, name.substr(0, 200));
  return out;
}

std::string winner_text(const std::optional<std::string>& w) {
  if (!w) return "null";
  return json_quoted(*w);
}

std::vector<std::string> named(const record& r, const std::vector<std::uint32_t>& l) {
  std::vector<std::string> out;
  out.reserve(l.size());
  for (const std::uint32_t c : l) out.push_back(r.candidates[c]);
  return out;
}

// The record's ballots as the counting reads them: candidate indexes (a name that is not a
// candidate is left out; the candidates check reports it).
count_ballots ballots_of(const record& r, bool weighted) {
  const std::vector<std::uint32_t> cand = detail::candidate_of_names(r);
  count_ballots b;
  b.candidates = r.candidates.size();
  b.marks.reserve(r.marks.size());
  b.scores.reserve(r.marks.size());
  b.offsets.reserve(r.ballots.size() + 1);
  b.weights.reserve(r.ballots.size());
  for (const record_ballot& x : r.ballots) {
    for (std::size_t k = x.first; k < std::size_t{x.first} + x.count; ++k) {
      if (cand[r.marks[k]] == detail::not_a_candidate) continue;
      b.marks.push_back(cand[r.marks[k]]);
      b.scores.push_back(r.scores[k]);
    }
    b.offsets.push_back(b.marks.size());
    b.weights.push_back(weighted ? x.weight : 1);
  }
  return b;
}

std::string numbers_text(std::uint64_t recounted, std::uint64_t stated) {
  return "recounted " + std::to_string(recounted) + ", record says " + std::to_string(stated);
}

std::string names_text(const std::vector<std::string>& recounted,
                       const std::vector<std::string>& stated) {
  return "recounted " + names(recounted) + ", record says " + names(stated);
}

std::string matrix_problem(const record& r, std::string_view what,
                           const std::vector<std::vector<std::uint64_t>>& mine,
                           const std::optional<count_matrix>& stated) {
  if (mine.empty()) {
    if (stated && !stated->empty()) return std::string(what) + ": the method has none";
    return "";
  }
  if (!stated) return std::string(what) + ": missing";
  if (stated->size() != mine.size()) {
    return std::string(what) + ": " + std::to_string(stated->size()) + " rows for " +
           std::to_string(mine.size()) + " candidates";
  }
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if ((*stated)[i].size() != mine[i].size()) {
      return std::string(what) + " row of " + json_quoted(r.candidates[i]) + ": " +
             std::to_string((*stated)[i].size()) + " entries for " + std::to_string(mine.size()) +
             " candidates";
    }
    for (std::size_t j = 0; j < mine.size(); ++j) {
      if ((*stated)[i][j] != mine[i][j]) {
        return std::string(what) + " " + json_quoted(r.candidates[i]) + " over " +
               json_quoted(r.candidates[j]) + " " + numbers_text(mine[i][j], (*stated)[i][j]);
      }
    }
  }
  return "";
}

std::string round_problem(const record& r, std::size_t number, const count_round& mine,
                          const record_round& stated) {
  const std::string at = "round " + std::to_string(number) + ": ";
  if (stated.totals.size() != mine.totals.size()) {
    return at + std::to_string(stated.totals.size()) + " totals for " +
           std::to_string(mine.totals.size()) + " candidates";
  }
  for (std::size_t c = 0; c < mine.totals.size(); ++c) {
    if (stated.totals[c] != mine.totals[c]) {
      return at + "totals of " + json_quoted(r.candidates[c]) + " " +
             numbers_text(mine.totals[c], stated.totals[c]);
    }
  }
  if (stated.exhausted != mine.exhausted) {
    return at + "exhausted " + numbers_text(mine.exhausted, stated.exhausted);
  }
  if (const auto e = named(r, mine.elected); e != stated.elected) {
    return at + "elected " + names_text(e, stated.elected);
  }
  if (const auto e = named(r, mine.eliminated); e != stated.eliminated) {
    return at + "eliminated " + names_text(e, stated.eliminated);
  }
  if (mine.transferred.empty() != !stated.transferred) {
    return at + (mine.transferred.empty()
                     ? "the record transfers a surplus the recount does not"
                     : "the recount transfers the surplus of " + names(named(r, mine.transferred)) +
                           ", the record does not say so");
  }
  if (stated.transferred) {
    if (const auto t = named(r, mine.transferred); t != *stated.transferred) {
      return at + "transferred " + names_text(t, *stated.transferred);
    }
  }
  if (mine.tied.empty()) {
    if (stated.tied || stated.tie_note) return at + "the record reports a tie the recount has not";
    return "";
  }
  if (!stated.tied || !stated.tie_note) {
    return at + "the recount has a tie between " + names(named(r, mine.tied)) +
           " the record does not report";
  }
  if (const auto t = named(r, mine.tied); t != *stated.tied) {
    return at + "tied " + names_text(t, *stated.tied);
  }
  if (*stated.tie_note != mine.tie_note) {
    return at + "tie_note recounted " + json_quoted(mine.tie_note) + ", record says " +
           json_quoted(*stated.tie_note);
  }
  return "";
}

// The first difference between the recount and result.count, or "".
std::string count_problem(const record& r, const count_result& mine, count_method m) {
  if (!r.result.count) return "result.count is missing";
  const record_count& c = *r.result.count;
  if (c.total_weight != mine.total_weight) {
    return "total_weight " + numbers_text(mine.total_weight, c.total_weight);
  }
  if (m == count_method::stv) {
    if (!c.quota) return "quota: missing";
    if (*c.quota != mine.quota) return "quota " + numbers_text(mine.quota, *c.quota);
    if (!c.scale) return "scale: missing";
    if (*c.scale != stv_scale) return "scale " + numbers_text(stv_scale, *c.scale);
  } else if (c.quota || c.scale) {
    return "quota and scale are for stv only";
  }
  static const std::vector<record_round> none;
  const std::vector<record_round>& rounds = c.rounds ? *c.rounds : none;
  for (std::size_t i = 0; i < mine.rounds.size() && i < rounds.size(); ++i) {
    if (auto p = round_problem(r, i + 1, mine.rounds[i], rounds[i]); !p.empty()) return p;
  }
  if (rounds.size() != mine.rounds.size()) {
    return "rounds: recounted " + std::to_string(mine.rounds.size()) + ", record has " +
           std::to_string(rounds.size());
  }
  if (auto p = matrix_problem(r, "pairwise", mine.pairwise, c.pairwise); !p.empty()) return p;
  if (auto p = matrix_problem(r, "strongest", mine.strongest, c.strongest); !p.empty()) return p;
  return "";
}

}  // namespace

summary recount(const record& r) {
  summary s;
  s.election_id = r.election_id;
  s.ballots = r.ballots.size();
  s.tie_break = r.settings.tie_break;
  s.digest = r.digest;
  const auto method = detail::record_method(r);
  s.method = detail::is_format_2(r) ? r.settings.method : "plurality";
  if (!method) {
    s.error = "method " + json_quoted(r.settings.method) + " is not one docs/counting.md defines";
    return s;
  }
  const count_settings settings{.method = *method,
                                .first_listed = r.settings.tie_break == "first_listed",
                                .seats = r.settings.seats.value_or(1)};
  count_result c = count_votes(settings, ballots_of(r, detail::is_format_2(r)));
  if (!c.error.empty()) {
    s.error = c.error;
    return s;
  }
  std::unordered_map<std::string_view, bool> listed;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    if (listed.emplace(r.candidates[i], true).second) {
      s.tallies.emplace_back(r.candidates[i], c.totals[i]);
    }
  }
  s.tie = c.tie;
  s.tied = named(r, c.tied);
  s.winners = named(r, c.winners);
  if (!s.winners.empty()) s.winner = s.winners.front();
  s.count = std::move(c);
  return s;
}

check compare_result(const record& r, const summary& counted) {
  if (!counted.error.empty()) {
    return {.name = "recount", .passed = false, .detail = counted.error, .source = ""};
  }
  std::vector<std::string> diffs;
  std::unordered_map<std::string_view, std::uint64_t> stated;
  for (const auto& [name, votes] : r.result.tallies) stated.emplace(name, votes);
  for (const auto& [name, votes] : counted.tallies) {
    const auto it = stated.find(name);
    const std::string n = json_quoted(name);
    if (it == stated.end()) {
      diffs.push_back("no tally for " + n + " (recount " + std::to_string(votes) + ")");
    } else if (it->second != votes) {
      diffs.push_back("tally of " + n + ": record " + std::to_string(it->second) + ", recount " +
                      std::to_string(votes));
    }
    stated.erase(name);
  }
  if (!stated.empty())
    diffs.push_back(std::to_string(stated.size()) + " tallies for non-candidates");
  const bool v2 = detail::is_format_2(r);
  if (v2 && counted.count && counted.method != "plurality") {
    const auto method = method_from_string(counted.method);
    if (auto p = count_problem(r, *counted.count, *method); !p.empty()) {
      diffs.push_back("count: " + p);
    }
  }
  if (r.result.tie != counted.tie) {
    diffs.push_back(std::string("tie: record ") + (r.result.tie ? "true" : "false") + ", recount " +
                    (counted.tie ? "true" : "false"));
  }
  if (r.result.tied != counted.tied) {
    diffs.push_back("tied: record " + names(r.result.tied) + ", recount " + names(counted.tied));
  }
  if (r.result.winner != counted.winner) {
    diffs.push_back("winner: record " + winner_text(r.result.winner) + ", recount " +
                    winner_text(counted.winner));
  }
  if (v2 && r.result.winners != counted.winners) {
    diffs.push_back("winners: record " +
                    (r.result.winners ? names(*r.result.winners) : std::string("missing")) +
                    ", recount " + names(counted.winners));
  }
  if (diffs.empty()) {
    const std::string what =
        v2 ? "tallies, count, tie, tied, winner and winners as recounted (" + counted.method +
                 ", tie_break " + counted.tie_break + ")"
           : "tallies, tie, tied and winner as recounted (tie_break " + counted.tie_break + ")";
    return {.name = "recount", .passed = true, .detail = what, .source = ""};
  }
  std::string detail;
  for (std::size_t i = 0; i < diffs.size() && i < 8; ++i) detail += (i ? "; " : "") + diffs[i];
  if (diffs.size() > 8) detail += "; ...";
  return {.name = "recount", .passed = false, .detail = detail, .source = ""};
}

}  // namespace vote::verify
