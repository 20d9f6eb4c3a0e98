// One node's state machine in the simulator: the real election state machine (DESIGN.md §6)
// applying committed command entries, plus what the checker needs to judge it.
//
// Besides election_state it keeps `votes`, the votes the node accepted (voter -> candidate and
// request_id) built from the outcomes of applied vote commands: invariant (5) compares the
// state's tallies with it, and the end-of-run history check compares it with the clients'
// acknowledgements. A snapshot carries election_state::snapshot(); since `votes` cannot be read
// back from those bytes, a registry shared by all nodes of a run remembers the vote table that
// went with each snapshot (same index and same bytes on every node: snapshots are canonical).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "vote/core/consensus_config.hpp"
#include "vote/core/election.hpp"
#include "vote/core/log_entry.hpp"
#include "vote/sim/history.hpp"

namespace vote::sim {

class snapshot_registry {
 public:
  void remember(std::uint64_t index, const std::string& data, const vote_table& votes);
  // nullptr when no node of this run ever produced these bytes at this index.
  const vote_table* find(std::uint64_t index, const std::string& data) const;

 private:
  std::map<std::pair<std::uint64_t, std::uint64_t>, vote_table> tables_;  // (index, digest)
};

struct applied_command {
  command cmd;
  outcome result;
};

class replica {
 public:
  std::uint64_t applied_index() const noexcept { return applied_index_; }
  const election_state& state() const noexcept { return state_; }
  const vote_table& votes() const noexcept { return votes_; }
  // The configuration in force at applied_index() (from config entries and snapshots).
  const consensus::configuration& config() const noexcept { return config_; }
  std::uint64_t applied_epoch() const noexcept { return applied_epoch_; }

  // Applies one committed entry (at applied_index() + 1). For a command entry returns the
  // decoded command and its outcome; `error` is set when the entry is malformed or a vote was
  // counted twice.
  std::optional<applied_command> apply(const log_entry& e, std::string& error);
  // The snapshot bytes of the current state.
  std::string snapshot() const { return state_.snapshot(); }
  // Replaces the state with a snapshot. Returns false when the bytes do not restore or the
  // registry does not know them.
  bool restore(const consensus::snapshot_meta& meta, const std::string& data,
               const snapshot_registry& registry);

 private:
  void count_vote(const command& c, const outcome& result, std::string& error);

  election_state state_;
  vote_table votes_;
  consensus::configuration config_;
  std::uint64_t applied_index_ = 0;
  std::uint64_t applied_epoch_ = 0;
};

}  // namespace vote::sim
