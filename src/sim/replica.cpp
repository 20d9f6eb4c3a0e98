#include "vote/sim/replica.hpp"

#include <set>
#include <variant>

#include "vote/sim/clients.hpp"
#include "vote/sim/log_model.hpp"

namespace vote::sim {
namespace {

std::uint64_t digest_of(const std::string& data) {
  return entry_digest(log_entry{0, 0, entry_kind::command, data});
}

}  // namespace

void snapshot_registry::remember(std::uint64_t index, const std::string& data,
                                 const vote_table& votes) {
  tables_.try_emplace({index, digest_of(data)}, votes);
}

const vote_table* snapshot_registry::find(std::uint64_t index, const std::string& data) const {
  const auto it = tables_.find({index, digest_of(data)});
  return it == tables_.end() ? nullptr : &it->second;
}

std::string applied_votes::count(const std::string& election_id, const command& c,
                                 const outcome& result) {
  const auto* v = std::get_if<vote_cmd>(&c.body);
  if (v == nullptr || !result.ok() || v->election_id != election_id) return {};
  const auto [it, fresh] = table_.try_emplace(v->voter, counted_vote{v->candidate, c.request_id});
  if (!fresh && it->second.request_id != c.request_id) {
    return "(5) voter " + v->voter + " counted twice (requests " + it->second.request_id + " and " +
           c.request_id + ")";
  }
  return {};
}

bool applied_votes::restore(std::uint64_t index, const std::string& data,
                            const snapshot_registry& registry) {
  const auto* table = registry.find(index, data);
  if (table == nullptr) return false;
  table_ = *table;
  return true;
}

std::vector<std::string> check_votes(const std::vector<history::operation>& h,
                                     const vote_table& counted, std::uint64_t node_id) {
  std::vector<std::string> bad;
  const auto where = " on node " + std::to_string(node_id);
  std::map<std::string, std::string> acked;            // voter -> candidate of an ok attempt
  std::set<std::pair<std::string, std::string>> sent;  // (voter, request_id) of any attempt
  std::map<std::pair<std::string, std::string>, std::string> sent_candidate;
  for (const auto& op : h) {
    // The deadline election's votes are checked on their own (runner::check_deadline_election).
    if (op.type != history::op_type::vote || op.election_id == deadline_election) continue;
    sent.emplace(op.voter, op.request_id);
    sent_candidate[{op.voter, op.request_id}] = op.candidate;
    if (op.status == history::completion::ok) acked[op.voter] = op.candidate;
  }
  for (const auto& [voter, candidate] : acked) {
    const auto it = counted.find(voter);
    if (it == counted.end()) {
      bad.push_back("acknowledged vote of " + voter + " for " + candidate + " is lost" + where);
    } else if (it->second.candidate != candidate) {
      bad.push_back("acknowledged vote of " + voter + " for " + candidate + " counted for " +
                    it->second.candidate + where);
    }
  }
  for (const auto& [voter, vote] : counted) {
    const auto it = sent_candidate.find({voter, vote.request_id});
    if (!sent.contains({voter, vote.request_id}) || it->second != vote.candidate) {
      bad.push_back("vote of " + voter + " for " + vote.candidate + " (request " + vote.request_id +
                    ") was never sent by a client" + where);
    }
  }
  return bad;
}

}  // namespace vote::sim
