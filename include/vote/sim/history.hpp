// The client history of a simulation run (DESIGN.md §9 "History checking").
//
// Every attempt of a client operation is recorded: invoke (time, node tried, request_id), then
// exactly one completion: ok, refused (definitely not applied, e.g. not_leader before proposing,
// or a state machine refusal) or unknown (timeout, leadership lost, node crashed: it may or may
// not take effect). A client retries an unknown operation with the same request_id, so one
// logical operation can have several attempts; it is acknowledged when any attempt is ok.
//
// check_history() compares the history with what a node applied: every acknowledged vote is
// counted exactly once with its candidate, and nothing is counted that no client ever sent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vote::sim {

enum class op_kind : std::uint8_t { register_election, vote, read };
enum class op_status : std::uint8_t { pending, ok, refused, unknown };

struct operation {
  std::uint64_t id = 0;
  std::size_t client = 0;
  op_kind kind = op_kind::vote;
  std::string request_id;
  std::string voter;       // votes
  std::string candidate;   // votes
  std::uint64_t node = 0;  // the node the attempt went to
  std::int64_t invoked_ms = 0;
  std::int64_t completed_ms = -1;
  op_status status = op_status::pending;
  std::string detail;  // why refused / unknown, or the outcome message
};

// A node's counted votes: voter -> {candidate, request_id}, built as it applies entries.
struct counted_vote {
  std::string candidate;
  std::string request_id;
};
using vote_table = std::map<std::string, counted_vote>;

class history {
 public:
  std::uint64_t invoke(operation op);  // returns op.id (assigned here)
  void complete(std::uint64_t id, op_status status, std::int64_t now_ms, std::string detail);
  void complete_pending(std::int64_t now_ms, const std::string& detail);  // end of run: unknown

  const std::vector<operation>& operations() const noexcept { return ops_; }
  const operation& at(std::uint64_t id) const { return ops_.at(id); }
  // voter -> candidate for every vote with an ok attempt.
  std::map<std::string, std::string> acknowledged_votes() const;
  std::size_t count(op_status status) const;

 private:
  std::vector<operation> ops_;
};

// Violations of the history against one node's counted votes (empty: consistent).
std::vector<std::string> check_history(const history& h, const vote_table& counted,
                                       std::uint64_t node_id);

}  // namespace vote::sim
