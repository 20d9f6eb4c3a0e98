// One node's simulated storage: what survives a crash (DESIGN.md §8, STYLE.md 5).
//
// The disk holds the durable `persisted_state` a restarted node is built from. It changes only
// when a job completes: write() carries out one persist job in its field order (cluster_uuid,
// promise, install_snapshot, truncate_from, entries), exactly as the product's log writer does,
// and compact() records a snapshot the node took. The host (node.hpp) decides *when* a job
// completes — after a drawn fsync latency, in order — so a crash loses every job not yet
// completed.
//
// Invariant: state().log is dense and starts right after state().snapshot (or at index 1).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "vote/core/consensus.hpp"

namespace vote::sim {

class disk {
 public:
  explicit disk(std::uint64_t incarnation = 0) : incarnation_(incarnation) {}

  std::uint64_t incarnation() const noexcept { return incarnation_; }
  // True until a node first starts on it: the data directory is new (node_settings.new_identity).
  bool fresh() const noexcept { return fresh_; }
  void mark_used() noexcept { fresh_ = false; }
  const consensus::persisted_state& state() const noexcept { return state_; }
  std::uint64_t last_index() const noexcept;
  // True when entry (index, epoch) is durable: in the log, or covered by the snapshot.
  bool holds(std::uint64_t index, std::uint64_t epoch) const;
  // Epoch of the durable entry at `index` (the snapshot's last included too); nullopt if none.
  std::optional<std::uint64_t> epoch_at(std::uint64_t index) const;
  std::uint64_t last_epoch() const noexcept;

  // Carries out `job`. Returns an error text when it breaks the persist contract (a lower promise,
  // entries not dense after truncation, truncating into the snapshot), else nullopt.
  std::optional<std::string> write(const consensus::persist_job& job);
  // The node wrote a snapshot of its state machine: the log prefix it covers is dropped.
  void compact(const consensus::snapshot_meta& meta, std::shared_ptr<const std::string> data);
  // Disk loss: a new empty data directory with a new incarnation.
  void wipe(std::uint64_t new_incarnation);

 private:
  std::uint64_t first_index() const noexcept;

  std::uint64_t incarnation_;
  bool fresh_ = true;
  consensus::persisted_state state_;
};

}  // namespace vote::sim
