// The checker's view of one node's state machine (DESIGN.md §5.6 invariant 5): the votes it
// accepted, built from what its node machine applies (node_effects::observe_applied), never read
// back from the state machine it checks.
//
// `applied_votes` keeps voter -> {candidate, request_id} for every vote command whose outcome was
// ok: invariant (5) compares the state's tallies with it, and the end of a run compares it with
// the clients' history (check_votes). A snapshot carries election_state::snapshot() bytes, from
// which the table cannot be read back, so a registry shared by all nodes of a run remembers the
// table that went with each snapshot (same index and same bytes on every node: snapshots are
// canonical).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "vote/core/election.hpp"
#include "vote/history/history.hpp"

namespace vote::sim {

struct counted_vote {
  std::string candidate;
  std::string request_id;
};
using vote_table = std::map<std::string, counted_vote>;  // voter -> vote

class snapshot_registry {
 public:
  void remember(std::uint64_t index, const std::string& data, const vote_table& votes);
  // nullptr when no node of this run ever produced these bytes at this index.
  const vote_table* find(std::uint64_t index, const std::string& data) const;

 private:
  std::map<std::pair<std::uint64_t, std::uint64_t>, vote_table> tables_;  // (index, digest)
};

class applied_votes {
 public:
  const vote_table& table() const noexcept { return table_; }
  // A vote command of `election_id` applied with `result`. Returns an error text when a voter is
  // counted twice (under two request ids), else an empty string.
  std::string count(const std::string& election_id, const command& c, const outcome& result);
  // Replaces the table with the one that went with snapshot (index, data); false when the
  // registry does not know it.
  bool restore(std::uint64_t index, const std::string& data, const snapshot_registry& registry);
  void clear() { table_.clear(); }

 private:
  vote_table table_;
};

// Violations of `h` (the votes of one election) against one node's counted votes: every
// acknowledged vote is counted with its candidate, and nothing is counted that no client sent.
std::vector<std::string> check_votes(const std::vector<history::operation>& h,
                                     const vote_table& counted, std::uint64_t node_id);

}  // namespace vote::sim
