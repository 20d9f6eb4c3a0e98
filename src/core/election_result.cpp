// Results: tallying, tie detection and tie-break, the close message, and the JSON form of a
// result (include/vote/core/election.hpp).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "election_impl.hpp"
#include "vote/core/invariant.hpp"
#include "vote/core/strict_json.hpp"

namespace vote {
namespace detail {

// The caller ran check_command() (apply, and restore on the snapshot's lists), which refuses a
// register listing a candidate or a voter twice; a duplicate here would silently drop one.
election_data make_election(const register_cmd& r, std::string_view request_id) {
  election_data e;
  e.id = r.election_id;
  e.candidates = r.candidates;
  e.candidate_index.reserve(r.candidates.size());
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const bool fresh =
        e.candidate_index.emplace(r.candidates[i], static_cast<std::uint32_t>(i)).second;
    VOTE_INVARIANT(fresh, "register of " + r.election_id + " lists candidate '" + r.candidates[i] +
                              "' twice: check_command() was not run");
  }
  e.tallies.assign(r.candidates.size(), 0);
  e.voters.reserve(r.voters.size());
  for (const std::string& v : r.voters) {
    const bool fresh = e.voters.insert(v);
    VOTE_INVARIANT(fresh, "register of " + r.election_id + " lists voter '" + v +
                              "' twice: check_command() was not run");
  }
  e.rule = r.rule;
  e.mode = r.mode;
  e.live_results = r.live_results;
  e.register_request_id = request_id;
  return e;
}

election_result compute_result(const election_data& e) {
  election_result r;
  r.election_id = e.id;
  r.rule = e.rule;
  r.votes_cast = e.votes_cast;
  r.eligible_voters = e.voters.size();
  std::uint64_t top = 0;
  r.tallies.reserve(e.candidates.size());
  for (std::size_t i = 0; i < e.candidates.size(); ++i) {
    r.tallies.push_back({e.candidates[i], e.tallies[i]});
    top = std::max(top, e.tallies[i]);
  }
  for (const tally& t : r.tallies) {
    if (t.votes == top) r.tied.push_back(t.candidate);
  }
  if (r.tied.size() == 1) {
    r.winner = r.tied.front();
    r.tied.clear();
  } else {
    r.tie = true;
    if (r.rule == tie_break::first_listed) r.winner = r.tied.front();
  }
  return r;
}

std::string close_message(const election_result& r) {
  std::string m = "Election " + r.election_id + " ended";
  if (!r.tie) return m + ". The winner is " + r.winner.value_or("") + ".";
  m += " in a tie between ";
  for (std::size_t i = 0; i < r.tied.size(); ++i) {
    if (i > 0) m += i + 1 == r.tied.size() ? " and " : ", ";
    m += "'" + r.tied[i] + "'";
  }
  if (r.winner)
    return m + "; tie-break " + std::string(to_string(r.rule)) + ": the winner is " + *r.winner +
           ".";
  return m + " (tie-break: none, no winner).";
}

}  // namespace detail

nlohmann::json result_to_json(const election_result& r) {
  nlohmann::json candidates = nlohmann::json::array();
  nlohmann::json tallies = nlohmann::json::object();
  for (const tally& t : r.tallies) {
    candidates.push_back(t.candidate);
    tallies[t.candidate] = t.votes;
  }
  nlohmann::json j = {{"election_id", r.election_id},
                      {"winner", r.winner ? nlohmann::json(*r.winner) : nlohmann::json(nullptr)},
                      {"tie", r.tie},
                      {"tied", r.tied},
                      {"tie_break", std::string(to_string(r.rule))},
                      {"candidates", std::move(candidates)},
                      {"tallies", std::move(tallies)},
                      {"votes_cast", r.votes_cast},
                      {"eligible_voters", r.eligible_voters},
                      {"closed", r.closed},
                      {"closed_at_ms", r.closed_at_ms}};
  if (r.sealed) j["sealed"] = true;
  return j;
}

namespace {

using json = nlohmann::json;
using strict_json::read_bool;
using strict_json::read_i64;
using strict_json::read_string;
using strict_json::read_strings;
using strict_json::read_u64;

// The tallies object must hold exactly the listed candidates, each once, with a count.
bool read_tallies(const json& j, const std::vector<std::string>& order, std::vector<tally>& out) {
  const json* f = strict_json::object_field(j, "tallies");
  if (f == nullptr || f->size() != order.size()) return false;
  const std::unordered_set<std::string> unique(order.begin(), order.end());
  if (unique.size() != order.size()) return false;
  for (const std::string& c : order) {
    std::uint64_t votes = 0;
    if (!read_u64(*f, c, votes)) return false;
    out.push_back({c, votes});
  }
  return true;
}

// A string, or null for none; the member must be present.
bool read_winner(const json& j, std::optional<std::string>& out) {
  const json* f = strict_json::find(j, "winner");
  if (f == nullptr) return false;
  if (f->is_null()) return true;
  std::string winner;
  if (!strict_json::as_string(*f, winner)) return false;
  out = std::move(winner);
  return true;
}

}  // namespace

std::optional<election_result> result_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  election_result r;
  std::vector<std::string> order;
  std::string rule;
  const bool ok = read_string(j, "election_id", r.election_id) && read_winner(j, r.winner) &&
                  read_bool(j, "tie", r.tie) && read_strings(j, "tied", r.tied) &&
                  read_string(j, "tie_break", rule) && read_strings(j, "candidates", order) &&
                  read_tallies(j, order, r.tallies) && read_u64(j, "votes_cast", r.votes_cast) &&
                  read_u64(j, "eligible_voters", r.eligible_voters) &&
                  read_bool(j, "closed", r.closed) && read_i64(j, "closed_at_ms", r.closed_at_ms);
  if (!ok) return std::nullopt;
  if (strict_json::find(j, "sealed") != nullptr &&
      (!read_bool(j, "sealed", r.sealed) || !r.sealed)) {
    return std::nullopt;  // written only when true
  }
  const auto parsed_rule = tie_break_from_string(rule);
  if (!parsed_rule) return std::nullopt;
  r.rule = *parsed_rule;
  return r;
}

}  // namespace vote
