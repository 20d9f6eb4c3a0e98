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
  e.ballots.candidates = static_cast<std::uint32_t>(r.candidates.size());
  e.rule = r.rule;
  e.mode = r.mode;
  e.live_results = r.live_results;
  e.method = r.method;
  e.seats = r.seats;
  e.max_score = r.max_score;
  e.opens_at_ms = r.opens_at_ms;
  e.closes_at_ms = r.closes_at_ms;
  e.close_when_all_voted = r.close_when_all_voted;
  e.registering = r.more_voters;
  e.register_request_id = request_id;
  add_voters(e, r.voters, r.weights);
  return e;
}

election_result compute_result(const election_data& e) {
  election_result r;
  r.election_id = e.id;
  r.rule = e.rule;
  r.method = e.method;
  r.seats = e.seats;
  r.votes_cast = e.votes_cast;
  r.eligible_voters = e.voters.size();
  counting::count count;
  if (e.method == counting::method::plurality) {
    // Plurality keeps no ballot box: its count is the running totals (same rule, same answer).
    counting::ballot_box box;
    box.candidates = static_cast<std::uint32_t>(e.candidates.size());
    for (std::uint16_t c = 0; c < e.candidates.size(); ++c) {
      if (e.tallies[c] > 0) box.add({c}, e.tallies[c]);
    }
    count = counting::tally(e.count_settings(), box);
  } else {
    count = counting::tally(e.count_settings(), e.ballots);
  }
  VOTE_INVARIANT(count.totals == e.tallies,
                 "the count of " + e.id + " disagrees with its running totals");
  r.tallies.reserve(e.candidates.size());
  for (std::size_t i = 0; i < e.candidates.size(); ++i) {
    r.tallies.push_back({e.candidates[i], e.tallies[i]});
  }
  for (const std::uint32_t w : count.winners) r.winners.push_back(e.candidates[w]);
  if (!r.winners.empty()) r.winner = r.winners.front();
  if (e.method == counting::method::plurality) r.winners.clear();  // `winner` says it
  r.tie = count.tie;
  for (const std::uint32_t t : count.tied) r.tied.push_back(e.candidates[t]);
  if (e.method != counting::method::plurality) r.detail = std::move(count);
  return r;
}

std::string close_message(const election_result& r) {
  std::string m = "Election " + r.election_id + " ended";
  if (r.method == counting::method::stv && !r.tie) {
    m += ". Elected (" + std::to_string(r.winners.size()) + " of " + std::to_string(r.seats) +
         " seats): ";
    for (std::size_t i = 0; i < r.winners.size(); ++i) m += (i > 0 ? ", " : "") + r.winners[i];
    return m + ".";
  }
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

namespace {

std::vector<std::string> candidate_names(const election_result& r) {
  std::vector<std::string> names;
  names.reserve(r.tallies.size());
  for (const tally& t : r.tallies) names.push_back(t.candidate);
  return names;
}

}  // namespace

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
  if (r.method != counting::method::plurality) {
    j["method"] = std::string(counting::to_string(r.method));
    j["seats"] = r.seats;
    j["winners"] = r.winners;
    if (!r.sealed) j["count"] = detail::count_to_json(r.detail, candidate_names(r));
  }
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
  if (strict_json::find(j, "method") == nullptr) return r;  // plurality
  std::string method;
  std::uint64_t seats = 0;
  if (!read_string(j, "method", method) || !read_u64(j, "seats", seats) ||
      !read_strings(j, "winners", r.winners) || seats == 0 ||
      seats > std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  const auto parsed_method = counting::method_from_string(method);
  if (!parsed_method || *parsed_method == counting::method::plurality) return std::nullopt;
  r.method = *parsed_method;
  r.seats = static_cast<std::uint32_t>(seats);
  if (r.sealed) return strict_json::find(j, "count") == nullptr ? std::optional(r) : std::nullopt;
  const json* count = strict_json::object_field(j, "count");
  if (count == nullptr) return std::nullopt;
  auto parsed = detail::count_from_json(*count, order);
  if (!parsed) return std::nullopt;
  r.detail = std::move(*parsed);
  // The rest of the count is the result around it.
  const auto index_of = [&order](const std::string& name) {
    return static_cast<std::uint32_t>(std::find(order.begin(), order.end(), name) - order.begin());
  };
  for (const tally& t : r.tallies) r.detail.totals.push_back(t.votes);
  for (const std::string& w : r.winners) {
    if (index_of(w) == order.size()) return std::nullopt;
    r.detail.winners.push_back(index_of(w));
  }
  for (const std::string& t : r.tied) {
    if (index_of(t) == order.size()) return std::nullopt;
    r.detail.tied.push_back(index_of(t));
  }
  r.detail.tie = r.tie;
  return r;
}

nlohmann::json summary_to_json(const election_summary& s) {
  return {{"election_id", s.election_id},
          {"state", std::string(to_string(s.state))},
          {"method", std::string(counting::to_string(s.method))},
          {"seats", s.seats},
          {"voters", std::string(to_string(s.mode))},
          {"eligible_voters", s.eligible_voters},
          {"votes_cast", s.votes_cast},
          {"opens_at_ms", s.opens_at_ms},
          {"closes_at_ms", s.closes_at_ms},
          {"closed_at_ms", s.closed_at_ms},
          {"close_when_all_voted", s.close_when_all_voted}};
}

std::optional<election_summary> summary_from_json(const nlohmann::json& j) {
  election_summary s;
  std::string state;
  std::string method;
  std::string mode;
  std::uint64_t seats = 0;
  if (!j.is_object() || j.size() != 11 || !read_string(j, "election_id", s.election_id) ||
      !read_string(j, "state", state) || !read_string(j, "method", method) ||
      !read_u64(j, "seats", seats) || !read_string(j, "voters", mode) ||
      !read_u64(j, "eligible_voters", s.eligible_voters) ||
      !read_u64(j, "votes_cast", s.votes_cast) || !read_i64(j, "opens_at_ms", s.opens_at_ms) ||
      !read_i64(j, "closes_at_ms", s.closes_at_ms) ||
      !read_i64(j, "closed_at_ms", s.closed_at_ms) ||
      !read_bool(j, "close_when_all_voted", s.close_when_all_voted) || seats == 0 ||
      seats > 0xFFFFFFFFU) {
    return std::nullopt;
  }
  const auto p = phase_from_string(state);
  const auto m = counting::method_from_string(method);
  const auto v = voter_mode_from_string(mode);
  if (!p || !m || !v) return std::nullopt;
  s.state = *p;
  s.method = *m;
  s.mode = *v;
  s.seats = static_cast<std::uint32_t>(seats);
  return s;
}

nlohmann::json info_to_json(const election_info& i) {
  nlohmann::json j = summary_to_json(i.summary);
  j["candidates"] = i.candidates;
  j["max_score"] = i.max_score;
  j["live_results"] = i.live_results;
  return j;
}

std::optional<election_info> info_from_json(const nlohmann::json& j) {
  static const std::size_t members = summary_to_json({}).size() + 3;  // and the three below
  if (!j.is_object() || j.size() != members) return std::nullopt;
  election_info i;
  nlohmann::json summary = j;
  summary.erase("candidates");
  summary.erase("max_score");
  summary.erase("live_results");
  auto s = summary_from_json(summary);
  std::uint64_t max_score = 0;
  if (!s || !read_strings(j, "candidates", i.candidates) || !read_u64(j, "max_score", max_score) ||
      max_score > 0xFFFFFFFFU || !read_bool(j, "live_results", i.live_results)) {
    return std::nullopt;
  }
  i.summary = std::move(*s);
  i.max_score = static_cast<std::uint32_t>(max_score);
  return i;
}

}  // namespace vote
