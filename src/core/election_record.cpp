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
  std::int32_t choice = 0;
  std::uint64_t weight = 1;
};

json sorted_strings(std::vector<std::string_view> items) {
  std::sort(items.begin(), items.end());
  json out = json::array();
  for (const std::string_view s : items) out.push_back(std::string(s));
  return out;
}

json result_json(const election_result& r, bool v2, const std::vector<std::string>& names) {
  json tallies = json::object();
  for (const tally& t : r.tallies) tallies[t.candidate] = t.votes;
  json out = {{"eligible_voters", r.eligible_voters},
              {"tallies", std::move(tallies)},
              {"tie", r.tie},
              {"tied", r.tied},
              {"votes_cast", r.votes_cast},
              {"winner", r.winner ? json(*r.winner) : json(nullptr)}};
  if (v2) {
    out["winners"] = r.winners;
    if (r.method != counting::method::plurality) out["count"] = count_to_json(r.detail, names);
  }
  return out;
}

// Format 2 (issue 11) carries what format 1 cannot say: another method, weights, a lifecycle.
// A plain plurality election keeps format 1, byte for byte.
bool needs_v2(const election_data& e) {
  return e.method != counting::method::plurality || e.weighted || e.opens_at_ms != 0 ||
         e.closes_at_ms != 0 || e.close_when_all_voted;
}

}  // namespace

std::string make_record(const election_data& e) {
  VOTE_INVARIANT(e.closed(), "record of the open election " + e.id);
  const bool v2 = needs_v2(e);
  std::vector<std::string_view> roll;
  std::vector<std::string_view> used;
  std::vector<ballot_line> ballots;
  roll.reserve(e.voters.size());
  used.reserve(e.votes_cast);
  ballots.reserve(e.votes_cast);
  json weights = json::object();
  for (std::uint32_t i = 0; i < e.voters.size(); ++i) {
    roll.push_back(e.voters.voter(i));
    if (e.weight_of(i) != 1) weights[std::string(e.voters.voter(i))] = e.weight_of(i);
    const std::int32_t choice = e.voters.choice(i);
    if (choice == voter_table::no_vote) continue;
    used.push_back(e.voters.voter(i));
    ballots.push_back(
        {credentials::tracker_of(e.id, e.voters.nonce(i), canonical_ballot(e, choice)),
         e.voters.nonce(i), choice, e.weight_of(i)});
  }
  std::sort(ballots.begin(), ballots.end(),
            [](const ballot_line& a, const ballot_line& b) { return a.tracker < b.tracker; });
  json ballot_list = json::array();
  for (const ballot_line& b : ballots) {
    json line = {{"ballot", json::parse(canonical_ballot(e, b.choice))},
                 {"nonce", std::string(b.nonce)},
                 {"tracker", b.tracker}};
    if (b.weight != 1) line["weight"] = b.weight;
    ballot_list.push_back(std::move(line));
  }
  json settings = {{"live_results", e.live_results},
                   {"method", std::string(counting::to_string(e.method))},
                   {"tie_break", std::string(to_string(e.rule))},
                   {"voters", std::string(to_string(e.mode))}};
  if (v2) {
    settings["seats"] = e.seats;
    settings["max_score"] = e.max_score;
    settings["opens_at_ms"] = e.opens_at_ms;
    settings["closes_at_ms"] = e.closes_at_ms;
    settings["close_when_all_voted"] = e.close_when_all_voted;
  }
  json record = {{"ballots", std::move(ballot_list)},
                 {"candidates", e.candidates},
                 {"closed_at_ms", e.result->closed_at_ms},
                 {"election_id", e.id},
                 {"format", v2 ? "vote-record/2" : "vote-record/1"},
                 {"result", result_json(*e.result, v2, e.candidates)},
                 {"roll", sorted_strings(std::move(roll))},
                 {"settings", std::move(settings)},
                 {"used", sorted_strings(std::move(used))}};
  if (v2) record["weights"] = std::move(weights);
  record["digest"] = credentials::hex(credentials::sha256(record.dump()));
  return record.dump();
}

}  // namespace vote::detail
