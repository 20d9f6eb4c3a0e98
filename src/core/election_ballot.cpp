// Ballots of every counting method and rolls that grow in chunks (election_impl.hpp,
// DESIGN.md §11, docs/record.md "Canonical ballots").
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "election_impl.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/invariant.hpp"

namespace vote::detail {
namespace {

using json = nlohmann::json;
using counting::method;

outcome refuse(std::string message) {
  return {errc::invalid_election, std::move(message), {}, {}};
}

std::string single_quoted(std::string_view name) {
  return "'" + std::string(name) + "'";
}

// Marks in candidate order, for the methods where the order of a ballot's marks means nothing.
bool order_free(method m) noexcept {
  return m == method::approval || counting::is_scored(m);
}

}  // namespace

outcome check_new_voters(const election_data& e, const std::vector<std::string>& voters,
                         const std::vector<std::uint64_t>& weights, const limits& lim) {
  if (e.voters.size() + voters.size() > lim.max_voters) {
    return {errc::too_large,
            "Error: too many voters (" + std::to_string(e.voters.size() + voters.size()) +
                ", at most " + std::to_string(lim.max_voters) + ").",
            {},
            {}};
  }
  for (const std::string& v : voters) {
    if (e.mode == voter_mode::codes && !credentials::is_credential(v)) {
      return refuse(
          "Error: a voting-codes roll holds public credentials (64 lowercase hex "
          "characters); '" +
          v.substr(0, 16) + "' is not one.");
    }
    if (e.voters.find(v)) return refuse("Error: voter '" + v + "' is listed twice.");
  }
  std::uint64_t total = e.roll_weight;
  for (std::size_t i = 0; i < voters.size(); ++i) {
    total += weights.empty() ? 1 : weights[i];
  }
  if (total > max_roll_weight) {
    return refuse("Error: the roll's total weight is over " + std::to_string(max_roll_weight) +
                  ".");
  }
  return {};
}

void add_voters(election_data& e, const std::vector<std::string>& voters,
                const std::vector<std::uint64_t>& weights) {
  const bool weighted =
      std::any_of(weights.begin(), weights.end(), [](std::uint64_t w) { return w != 1; });
  if (weighted && !e.weighted) {
    e.weighted = true;
    e.weights.assign(e.voters.size(), 1);
  }
  e.voters.reserve(e.voters.size() + voters.size());
  for (std::size_t i = 0; i < voters.size(); ++i) {
    const bool fresh = e.voters.insert(voters[i]);
    VOTE_INVARIANT(fresh, "voter '" + voters[i] + "' added twice to " + e.id +
                              ": check_new_voters() was not run");
    const std::uint64_t w = weights.empty() ? 1 : weights[i];
    if (e.weighted) e.weights.push_back(static_cast<std::uint32_t>(w));
    e.roll_weight += w;
  }
}

parsed_ballot parse_ballot(const election_data& e, const vote_cmd& v) {
  parsed_ballot b;
  const bool plurality = e.method == method::plurality;
  if (plurality != v.choices.empty() || plurality == v.candidate.empty()) {
    b.error = plurality ? "Error: this election takes one candidate (--candidate)."
              : counting::is_ranked(e.method)
                  ? "Error: this election takes a ranking (--rank A B C)."
              : e.method == method::approval
                  ? "Error: this election takes the candidates you approve (--approve A C)."
                  : "Error: this election takes scores (--score A=5 B=3).";
    return b;
  }
  if (!counting::is_scored(e.method) && !v.scores.empty()) {
    b.error = "Error: this election takes no scores.";
    return b;
  }
  const std::vector<std::string> single{v.candidate};
  const std::vector<std::string>& names = plurality ? single : v.choices;
  for (const std::string& name : names) {
    const auto it = e.candidate_index.find(name);
    if (it == e.candidate_index.end()) {
      b.error = "Error: Candidate '" + name + "' is not a valid candidate.";
      return b;
    }
    b.marks.push_back(static_cast<std::uint16_t>(it->second));
  }
  b.scores = v.scores;
  if (counting::is_scored(e.method) && b.scores.size() != b.marks.size()) {
    b.error = "Error: every scored candidate needs one score.";
    return b;
  }
  const std::string why =
      counting::check_ballot(e.count_settings(), e.candidates, b.marks, b.scores);
  if (!why.empty()) {
    b.error = "Error: " + why + ".";
    return b;
  }
  if (order_free(e.method)) {  // canonical: candidate order
    std::vector<std::size_t> order(b.marks.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&b](std::size_t x, std::size_t y) { return b.marks[x] < b.marks[y]; });
    parsed_ballot sorted;
    for (const std::size_t i : order) {
      sorted.marks.push_back(b.marks[i]);
      if (!b.scores.empty()) sorted.scores.push_back(b.scores[i]);
    }
    b.marks = std::move(sorted.marks);
    b.scores = std::move(sorted.scores);
  }
  return b;
}

void cast_ballot(election_data& e, std::uint32_t voter, const parsed_ballot& b,
                 std::string_view request_id, std::string_view nonce) {
  const std::uint64_t w = e.weight_of(voter);
  std::int32_t choice = 0;
  if (e.method == method::plurality) {
    choice = b.marks.front();
  } else {
    choice = static_cast<std::int32_t>(e.ballots.size());
    e.ballots.add(b.marks, w, b.scores);
  }
  e.voters.record(voter, choice, request_id, nonce);
  // First-step totals: every mark (approval), the first (ranked), the scores (scored).
  if (counting::is_scored(e.method)) {
    for (std::size_t k = 0; k < b.marks.size(); ++k) e.tallies[b.marks[k]] += w * b.scores[k];
  } else if (e.method == method::approval) {
    for (const std::uint16_t m : b.marks) e.tallies[m] += w;
  } else {
    e.tallies[b.marks.front()] += w;
  }
  ++e.votes_cast;
}

std::string canonical_ballot(const election_data& e, std::int32_t choice) {
  const auto k = static_cast<std::size_t>(choice);
  if (e.method == method::plurality) return json{{"candidate", e.candidates[k]}}.dump();
  json names = json::array();
  json scores = json::object();
  for (std::uint32_t i = e.ballots.offsets[k]; i < e.ballots.offsets[k + 1]; ++i) {
    const std::string& name = e.candidates[e.ballots.marks[i]];
    if (counting::is_scored(e.method)) {
      scores[name] = e.ballots.scores[i];
    } else {
      names.push_back(name);
    }
  }
  if (counting::is_scored(e.method)) return json{{"scores", std::move(scores)}}.dump();
  if (e.method == method::approval) {  // sorted by bytes: the voter's client can compute it
    std::sort(names.begin(), names.end());
    return json{{"approve", std::move(names)}}.dump();
  }
  return json{{"rank", std::move(names)}}.dump();
}

std::string describe_ballot(const election_data& e, std::int32_t choice) {
  const auto k = static_cast<std::size_t>(choice);
  if (e.method == method::plurality) return single_quoted(e.candidates[k]);
  std::string out = counting::is_ranked(e.method)  ? "the ranking "
                    : e.method == method::approval ? "the approval of "
                                                   : "the scores ";
  for (std::uint32_t i = e.ballots.offsets[k]; i < e.ballots.offsets[k + 1]; ++i) {
    if (i > e.ballots.offsets[k]) out += counting::is_ranked(e.method) ? " > " : ", ";
    out += single_quoted(e.candidates[e.ballots.marks[i]]);
    if (counting::is_scored(e.method)) out += "=" + std::to_string(e.ballots.scores[i]);
  }
  return out;
}

}  // namespace vote::detail
