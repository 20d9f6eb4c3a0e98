#include "vote/sim/history.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace vote::sim {

std::uint64_t history::invoke(operation op) {
  op.id = ops_.size();
  op.status = op_status::pending;
  ops_.push_back(std::move(op));
  return ops_.back().id;
}

void history::complete(std::uint64_t id, op_status status, std::int64_t now_ms,
                       std::string detail) {
  auto& op = ops_.at(id);
  if (op.status != op_status::pending) return;  // the first completion wins
  op.status = status;
  op.completed_ms = now_ms;
  op.detail = std::move(detail);
}

void history::complete_pending(std::int64_t now_ms, const std::string& detail) {
  for (auto& op : ops_) {
    if (op.status == op_status::pending) complete(op.id, op_status::unknown, now_ms, detail);
  }
}

std::map<std::string, std::string> history::acknowledged_votes() const {
  std::map<std::string, std::string> acked;
  for (const auto& op : ops_) {
    if (op.kind == op_kind::vote && op.status == op_status::ok) acked[op.voter] = op.candidate;
  }
  return acked;
}

std::size_t history::count(op_status status) const {
  return static_cast<std::size_t>(std::count_if(
      ops_.begin(), ops_.end(), [&](const operation& op) { return op.status == status; }));
}

std::vector<std::string> check_history(const history& h, const vote_table& counted,
                                       std::uint64_t node_id) {
  std::vector<std::string> bad;
  const auto where = " on node " + std::to_string(node_id);
  for (const auto& [voter, candidate] : h.acknowledged_votes()) {
    const auto it = counted.find(voter);
    if (it == counted.end()) {
      bad.push_back("acknowledged vote of " + voter + " for " + candidate + " is lost" + where);
    } else if (it->second.candidate != candidate) {
      bad.push_back("acknowledged vote of " + voter + " for " + candidate + " counted for " +
                    it->second.candidate + where);
    }
  }
  std::set<std::pair<std::string, std::string>> sent;  // (voter, request_id) -> some attempt
  std::map<std::string, std::string> sent_candidate;
  for (const auto& op : h.operations()) {
    if (op.kind != op_kind::vote) continue;
    sent.emplace(op.voter, op.request_id);
    sent_candidate[op.request_id] = op.candidate;
  }
  for (const auto& [voter, vote] : counted) {
    if (!sent.contains({voter, vote.request_id}) ||
        sent_candidate[vote.request_id] != vote.candidate) {
      bad.push_back("vote of " + voter + " for " + vote.candidate + " (request " + vote.request_id +
                    ") was never sent by a client" + where);
    }
  }
  return bad;
}

}  // namespace vote::sim
