// The public record of a closed election (docs/record.md): who took part (the sorted used roll
// entries) apart from what was chosen (ballots sorted by tracker), the result and a digest, as
// canonical JSON. A pure function of the replicated state, so every replica's bytes are equal.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "election_impl.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/invariant.hpp"

namespace vote::detail {
namespace {

using json = nlohmann::json;

struct ballot_line {
  std::string tracker;
  std::string_view nonce;
  std::uint32_t candidate = 0;
};

json sorted_strings(std::vector<std::string_view> items) {
  std::sort(items.begin(), items.end());
  json out = json::array();
  for (const std::string_view s : items) out.push_back(std::string(s));
  return out;
}

json result_json(const election_result& r) {
  json tallies = json::object();
  for (const tally& t : r.tallies) tallies[t.candidate] = t.votes;
  return {{"eligible_voters", r.eligible_voters},
          {"tallies", std::move(tallies)},
          {"tie", r.tie},
          {"tied", r.tied},
          {"votes_cast", r.votes_cast},
          {"winner", r.winner ? json(*r.winner) : json(nullptr)}};
}

}  // namespace

std::string make_record(const election_data& e) {
  VOTE_INVARIANT(e.closed(), "record of the open election " + e.id);
  std::vector<std::string_view> roll;
  std::vector<std::string_view> used;
  std::vector<ballot_line> ballots;
  roll.reserve(e.voters.size());
  used.reserve(e.votes_cast);
  ballots.reserve(e.votes_cast);
  std::vector<std::string> canonical;  // one canonical ballot per candidate
  canonical.reserve(e.candidates.size());
  for (const std::string& c : e.candidates) canonical.push_back(credentials::plurality_ballot(c));
  for (std::uint32_t i = 0; i < e.voters.size(); ++i) {
    roll.push_back(e.voters.voter(i));
    const std::int32_t choice = e.voters.choice(i);
    if (choice == voter_table::no_vote) continue;
    used.push_back(e.voters.voter(i));
    const auto c = static_cast<std::uint32_t>(choice);
    ballots.push_back(
        {credentials::tracker_of(e.id, e.voters.nonce(i), canonical[c]), e.voters.nonce(i), c});
  }
  std::sort(ballots.begin(), ballots.end(),
            [](const ballot_line& a, const ballot_line& b) { return a.tracker < b.tracker; });
  json ballot_list = json::array();
  for (const ballot_line& b : ballots) {
    ballot_list.push_back({{"ballot", {{"candidate", e.candidates[b.candidate]}}},
                           {"nonce", std::string(b.nonce)},
                           {"tracker", b.tracker}});
  }
  json record = {{"ballots", std::move(ballot_list)},
                 {"candidates", e.candidates},
                 {"closed_at_ms", e.result->closed_at_ms},
                 {"election_id", e.id},
                 {"format", "vote-record/1"},
                 {"result", result_json(*e.result)},
                 {"roll", sorted_strings(std::move(roll))},
                 {"settings",
                  {{"live_results", e.live_results},
                   {"method", "plurality"},
                   {"tie_break", std::string(to_string(e.rule))},
                   {"voters", std::string(to_string(e.mode))}}},
                 {"used", sorted_strings(std::move(used))}};
  record["digest"] = credentials::hex(credentials::sha256(record.dump()));
  return record.dump();
}

}  // namespace vote::detail
