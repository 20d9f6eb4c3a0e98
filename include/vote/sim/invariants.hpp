// The safety invariants of DESIGN.md §5.6, written once and checked after every simulated step
// (STYLE.md 8). The simulator reports what the cores' outputs show — who leads which epoch,
// what each node appends, commits and applies — and the checker keeps the global facts needed
// to judge them across all nodes and all time (also across crashes and restarts):
//
//   (1) election safety: at most one node is leader of any epoch — checked already when a node
//       begins an epoch (appends its own epoch_start), before it serves;
//   (2) log matching: an entry is named by (index, epoch): every node that ever holds (i, e)
//       holds the same content with the same predecessor epoch, so by induction two logs that
//       share (i, e) are identical up to i;
//   (3) leader completeness: an entry committed while the cluster's epoch was C is in the log of
//       every leader of an epoch > C, as that log stood when it began its epoch; and a leader
//       commits only entries stored durably on a majority of its configuration (commit_durable);
//   (4) state machine safety: an index is never committed with two different entries, and every
//       node applies exactly the committed entry at each index, in index order;
//   (5) tallies equal the applied accepted votes and no voter is counted twice (check_tallies).
//
// End-of-run checks (every acknowledged vote applied exactly once everywhere, equal state
// machines) are in replica.hpp (check_votes) and in the run itself. Not thread-safe; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vote/core/election.hpp"
#include "vote/core/log_entry.hpp"
#include "vote/sim/log_model.hpp"
#include "vote/sim/replica.hpp"

namespace vote::sim {

class invariant_checker {
 public:
  void set_time(std::int64_t now_ms) noexcept { now_ms_ = now_ms; }

  // (1) and (3): `node` began (appended its epoch_start) or serves as leader of `epoch` with this
  // log. The first report of an epoch is the one checked and remembered.
  void leader_elected(std::uint64_t node, std::uint64_t epoch, const log_model& log);
  // (3): leader `node` commits `e`, which `holders` voters out of `voters` hold durably.
  void commit_durable(std::uint64_t node, const log_entry& e, std::size_t holders,
                      std::size_t voters);
  // (2): `e` was appended to `node`'s log right after an entry of epoch `prev_epoch` (nullopt when
  // the predecessor is unknown, e.g. inside a snapshot it did not record).
  void appended(std::uint64_t node, const log_entry& e, std::optional<std::uint64_t> prev_epoch);
  // (3) and (4): `node`, which knows epochs up to `node_epoch`, reports `e` committed.
  void committed(std::uint64_t node, std::uint64_t node_epoch, const log_entry& e);
  // (4): `node` holds a snapshot of the committed prefix up to (index, epoch).
  void snapshot_committed(std::uint64_t node, std::uint64_t index, std::uint64_t epoch);
  // (4): `node` applies `e`; `expected_index` is the one after its last applied index.
  void applied(std::uint64_t node, const log_entry& e, std::uint64_t expected_index);
  // (5): `state`'s tallies of `election_id` equal the votes `counted` says the node accepted.
  void check_tallies(std::uint64_t node, const election_state& state,
                     const std::string& election_id, const vote_table& counted);
  // Any other broken rule found by the simulator itself (e.g. a commit index going backwards).
  void fail(const std::string& what);

  bool ok() const noexcept { return violations_.empty(); }
  const std::vector<std::string>& violations() const noexcept { return violations_; }
  std::uint64_t highest_committed() const;
  // Whether some node reported (index, epoch) committed.
  bool is_committed(std::uint64_t index, std::uint64_t epoch) const;
  std::size_t leaders_seen() const noexcept { return leader_of_epoch_.size(); }

 private:
  struct shape {
    std::uint64_t digest = 0;
    std::optional<std::uint64_t> prev_epoch;
  };
  struct committed_entry {
    std::uint64_t epoch = 0;
    std::uint64_t digest = 0;
    std::uint64_t commit_epoch = 0;
  };
  struct leader_log {  // the epochs of a leader's log when it was elected
    std::uint64_t node = 0;
    std::uint64_t base_index = 0;
    std::vector<std::uint64_t> epochs;  // of base_index + 1, base_index + 2, ...
  };

  void check_completeness(std::uint64_t index, const committed_entry& c);
  bool holds(const leader_log& log, std::uint64_t index, std::uint64_t epoch) const;

  std::int64_t now_ms_ = 0;
  std::map<std::uint64_t, std::uint64_t> leader_of_epoch_;
  std::map<std::uint64_t, leader_log> leader_logs_;                  // by epoch
  std::map<std::pair<std::uint64_t, std::uint64_t>, shape> shapes_;  // (index, epoch)
  std::map<std::uint64_t, committed_entry> committed_;               // by index
  std::vector<std::string> violations_;
};

}  // namespace vote::sim
